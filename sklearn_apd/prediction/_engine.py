"""Vectorised evaluation of a network under many flat weight vectors.

This is the prediction engine shared by every posterior estimator. A posterior
is represented by flat float32 parameter vectors of length ``P`` (the module's
parameters concatenated in ``named_parameters()`` order, see
`ParameterLayout`). `predictive_probabilities()` evaluates the
network under ``S`` such vectors on ``n`` inputs without a Python loop over
draws: each chunk of draws is evaluated at once with
`torch.func.functional_call()` under `torch.func.vmap()`, which works
for any module. For the package's [`MLP`][sklearn_apd.nets.MLP] a faster
path stacks a block of draws' first layers into one matrix product with the
inputs, and on a CPU cuts draws and inputs into cache-sized blocks.

Peak memory is bounded by ``working_memory`` (MiB): the chunk sizes over draws
and inputs are chosen from the number of activations one input creates in one
network (measured once with forward hooks) and the size of one weight vector.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call, vmap

from ..nets import MLP, GaussianOutput, ParameterLayout, mlp_layer_params

#: Fewest input rows per evaluation call (see chunked_probabilities).
MIN_ROWS = 64

ParameterSource = Callable[[int, int], torch.Tensor]
"""``source(start, stop)`` returns draws ``start:stop`` as a ``(stop - start, P)`` tensor."""


@torch.no_grad()
def activation_footprint(module: nn.Module, x_one: torch.Tensor) -> int:
    """Floats of activations one input creates in one forward pass (>= 1)."""
    total = [0]

    def hook(_mod, _inp, out):
        if isinstance(out, torch.Tensor):
            total[0] += out.numel()

    leaves = [m for m in module.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        out = module(x_one)
    finally:
        for h in handles:
            h.remove()
    return max(1, total[0] + out.numel() + x_one[0].numel())


def plan_chunks(
    n_draws: int, n_inputs: int, footprint: int, n_parameters: int, working_memory_mb: float
) -> tuple[int, int]:
    """Chunk sizes ``(draws, inputs)`` whose temporaries fit ``working_memory_mb``.

    The estimate per chunk is ``4 bytes * (3 * draws * inputs * footprint +
    draws * n_parameters)``: activations with room for the softmax and copies,
    plus the gathered weight vectors.
    """
    budget = max(1.0, working_memory_mb) * 2**20 / 4  # floats
    per_draw = float(n_parameters)
    # Spend at most a quarter of the budget on gathered weight vectors.
    max_draws = max(1, int(budget / 4 / per_draw)) if per_draw else n_draws
    inputs = min(n_inputs, 8192)
    draws = max(1, min(n_draws, max_draws, int(budget / (3 * footprint * inputs + per_draw))))
    if draws == 1:
        inputs = max(1, min(n_inputs, int((budget - per_draw) / (3 * footprint))))
    elif draws >= n_draws:
        # Every draw fits: grow the input chunk instead.
        inputs = max(
            inputs,
            min(n_inputs, int((budget - draws * per_draw) / (3 * footprint * draws))),
        )
    return draws, max(1, inputs)


#: The MLP path's blocks on a CPU: inputs per block, and MiB of activations per block
#: (draws x inputs x widest layer). A block small enough to stay in the cache between
#: a layer's product and the next one's (bias, ReLU and the next product read it there,
#: not from memory) took fcNN1 / fcNN2 predictions from 61-66% to 87-94% of the fp32
#: 4096^3 product's rate on an AVX-512 Xeon (blocks of 8-16 MiB; benchmarks/RESULTS.md).
CPU_INPUT_BLOCK = 1024
CPU_BLOCK_MB = 12


def _mlp_logits(params: dict[str, torch.Tensor], x: torch.Tensor):
    """Logits ``(s, n, C)`` of an MLP under ``s`` weight draws (eval mode).

    ``params`` is ``ParameterLayout.unflatten`` of the draws (`mlp_layer_params`'s names).

    Each block of draws folds into one product per layer, computed transposed
    (features x inputs): the first layer is one ``(k h, d) @ (d, m)`` product
    with the bias added inside it, each later one a batched product over the
    ``k`` draws, and no activation is ever transposed or copied. On a CPU the
    draws and inputs are cut into blocks whose activations stay in the cache
    (`CPU_BLOCK_MB`); on a GPU, where larger products are faster, the whole
    chunk is one block.
    """
    x = x.reshape(x.shape[0], -1)
    n, d = x.shape
    weights, biases = mlp_layer_params(params)  # (s, out, in), (s, out)
    n_layers = len(weights)
    s, h = weights[0].shape[:2]
    n_out = weights[-1].shape[1]
    if x.device.type == "cpu":
        widest = max(w.shape[1] for w in weights)
        input_block = CPU_INPUT_BLOCK
        draw_block = max(1, int(CPU_BLOCK_MB * 2**20 / 4 / (widest * input_block)))
    else:
        input_block, draw_block = n, s
    out = x.new_empty(s, n, n_out)
    xt = x.t()  # (d, n), a view
    for s0 in range(0, s, draw_block):
        s1 = min(s, s0 + draw_block)
        k = s1 - s0
        w0 = weights[0][s0:s1].reshape(k * h, d)  # the block's first layers, stacked
        b0 = biases[0][s0:s1].reshape(k * h, 1)
        for i0 in range(0, n, input_block):
            i1 = min(n, i0 + input_block)
            z = torch.addmm(b0, w0, xt[:, i0:i1]).view(k, h, i1 - i0)  # (k, h, m)
            for i in range(1, n_layers):
                z = torch.baddbmm(biases[i][s0:s1].unsqueeze(2), weights[i][s0:s1], z.relu_())
            out[s0:s1, i0:i1] = z.transpose(1, 2)
    return out


def _folds_draws(module: nn.Module) -> bool:
    """Whether `batched_logits()` takes the MLP path (which blocks for the cache itself)."""
    if module.training:
        return False
    return type(module) is MLP or (type(module) is GaussianOutput and type(module.net) is MLP)


def batched_logits(
    module: nn.Module, layout: ParameterLayout, flat: torch.Tensor, x: torch.Tensor
) -> torch.Tensor:
    """Logits ``(s, n, C)`` of ``module`` on ``x`` under each row of ``flat``.

    The package's MLP (eval mode) folds the draws into its products
    (`_mlp_logits`). Any other module in eval mode on a CPU runs once per
    draw (`torch.func.functional_call`): on LeNet that took 6.8-7.1 s where
    ``vmap`` over 1-4 draws took 7.9-9.3 s (20 draws x 2,000 MNIST images in
    the same cache-sized input blocks, 1 thread; a one-off probe of
    2026-12-05, not a committed benchmark). Elsewhere, and in training mode
    (random layers), the draws go through ``vmap``.
    """
    params = layout.unflatten(flat)
    if _folds_draws(module):
        if type(module) is MLP:
            return _mlp_logits(params, x)
        # A regressor's MLP: the folded path for the means, the noise appended.
        inner = {name[4:]: p for name, p in params.items() if name.startswith("net.")}
        means = _mlp_logits(inner, x)
        noise = params["log_precision"].unsqueeze(1).expand(-1, means.shape[1], -1)
        return torch.cat([means, noise], -1)
    if x.device.type == "cpu" and not module.training:
        return torch.stack(
            [
                functional_call(module, {name: p[i] for name, p in params.items()}, (x,))
                for i in range(flat.shape[0])
            ]
        )

    def one(p, inputs):
        return functional_call(module, p, (inputs,))

    return vmap(one, in_dims=(0, None), randomness="different")(params, x)


@torch.no_grad()
def predictive_probabilities(
    module: nn.Module,
    layout: ParameterLayout,
    source: ParameterSource,
    n_draws: int,
    x: torch.Tensor,
    *,
    working_memory_mb: float,
    reduce: str = "none",
) -> torch.Tensor:
    """Class probabilities of ``x`` under ``n_draws`` weight draws.

    Parameters
    ----------
    module : torch.nn.Module
        Network in the mode it should be evaluated in (normally eval).
    layout : ParameterLayout
    source : callable
        ``source(start, stop)`` returns draws ``start:stop`` as ``(s, P)``.
    n_draws : int
    x : torch.Tensor of shape (n, ...)
        Inputs on the module's device.
    working_memory_mb : float
        Bound on the temporaries of one chunk, in MiB.
    reduce : {"none", "mean"}
        ``"none"`` returns ``(n_draws, n, C)``; ``"mean"`` the average ``(n, C)``
        without holding all draws.

    Returns
    -------
    torch.Tensor
        float32 probabilities on the module's device.
    """
    return predictive_outputs(
        module,
        layout,
        source,
        n_draws,
        x,
        working_memory_mb=working_memory_mb,
        reduce=reduce,
        transform=softmax_,
    )


@torch.no_grad()
def predictive_outputs(
    module: nn.Module,
    layout: ParameterLayout,
    source: ParameterSource,
    n_draws: int,
    x: torch.Tensor,
    *,
    working_memory_mb: float,
    reduce: str = "none",
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """The network's outputs on ``x`` under ``n_draws`` weight draws, ``(n_draws, n, C)``.

    `predictive_probabilities()` is this with ``transform`` the softmax; the
    regressors take the raw outputs (``transform=None``).
    """

    def draws(s0, s1):
        flat = source(s0, s1)  # gathered once per chunk of draws
        return lambda inputs: batched_logits(module, layout, flat, inputs)

    return chunked_outputs(
        draws,
        n_draws,
        x,
        footprint=activation_footprint(module, x[:1]),
        n_parameters=layout.n_parameters,
        working_memory_mb=working_memory_mb,
        reduce=reduce,
        transform=transform,
        cpu_block_mb=None if _folds_draws(module) else CPU_BLOCK_MB,
    )


def softmax_(logits: torch.Tensor) -> torch.Tensor:
    """``softmax(logits, -1)``, in place: exp(z - max z) / sum.

    The same formula as `torch.softmax`, written as four passes over the
    tensor: over a last dimension of a few classes torch's kernel took 2.6x
    as long (200 x 10,000 x 10 logits: 192 vs 74 ms on the CPU).
    """
    logits -= logits.amax(-1, keepdim=True)
    probs = logits.exp_()
    return probs.div_(probs.sum(-1, keepdim=True))


@torch.no_grad()
def chunked_probabilities(
    draws: Callable[[int, int], Callable[[torch.Tensor], torch.Tensor]],
    n_draws: int,
    x: torch.Tensor,
    *,
    footprint: int,
    n_parameters: int,
    working_memory_mb: float,
    reduce: str = "none",
) -> torch.Tensor:
    """Softmax probabilities from ``draws(s0, s1)(inputs) -> logits (s, n, C)``.

    The loop behind `predictive_probabilities()`, for any posterior whose
    draws ``s0:s1`` can be evaluated together (MC dropout uses it with masks).
    """
    return chunked_outputs(
        draws,
        n_draws,
        x,
        footprint=footprint,
        n_parameters=n_parameters,
        working_memory_mb=working_memory_mb,
        reduce=reduce,
        transform=softmax_,
    )


@torch.no_grad()
def chunked_outputs(
    draws: Callable[[int, int], Callable[[torch.Tensor], torch.Tensor]],
    n_draws: int,
    x: torch.Tensor,
    *,
    footprint: int,
    n_parameters: int,
    working_memory_mb: float,
    reduce: str = "none",
    transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
    cpu_block_mb: float | None = None,
) -> torch.Tensor:
    """``transform`` of the outputs ``draws(s0, s1)(inputs) -> (s, n, C)``, chunked.

    The loop of `chunked_probabilities()` with any elementwise-per-draw
    ``transform`` (None keeps the raw outputs). With ``cpu_block_mb`` and
    ``x`` on a CPU, a chunk's activations (draws x inputs x ``footprint``)
    are also cut to about that many MiB, so that one layer's output is still
    in the cache when the next layer reads it: on LeNet (20 draws x 2,000
    MNIST images, 1 thread) 2.86x faster than the chunks the memory budget
    alone allows (``benchmarks/bench_predict_conv.py``).
    """
    n = x.shape[0]
    # BLAS takes another code path for very small products, whose results for a
    # row differ in the last bit from the same row inside a larger product. So
    # every call gets at least MIN_ROWS input rows (zero padding), and the draw
    # chunk is planned for a fixed input count: an input's probabilities do not
    # depend on what else is in the batch.
    draws_chunk, _ = plan_chunks(n_draws, 1024, footprint, n_parameters, working_memory_mb)
    _, inputs_chunk = plan_chunks(
        draws_chunk, max(n, MIN_ROWS), footprint, n_parameters, working_memory_mb
    )
    if cpu_block_mb is not None and x.device.type == "cpu":
        pairs = int(cpu_block_mb * 2**20 / 4 / footprint)  # draw-input pairs per block
        draws_chunk = max(1, min(draws_chunk, pairs // (2 * MIN_ROWS)))
        inputs_chunk = min(inputs_chunk, max(2 * MIN_ROWS, pairs // draws_chunk))
    inputs_chunk = max(inputs_chunk, MIN_ROWS)
    out = None
    for s0 in range(0, n_draws, draws_chunk):
        s1 = min(n_draws, s0 + draws_chunk)
        logits_of = draws(s0, s1)
        for i0 in range(0, n, inputs_chunk):
            i1 = min(n, i0 + inputs_chunk)
            block = x[i0:i1]
            if i1 - i0 < MIN_ROWS:
                block = torch.cat([block, block.new_zeros((MIN_ROWS - (i1 - i0), *x.shape[1:]))])
            probs = logits_of(block)
            if transform is not None:
                probs = transform(probs)
            probs = probs[:, : i1 - i0]
            if out is None:
                c = probs.shape[-1]
                shape = (n, c) if reduce == "mean" else (n_draws, n, c)
                out = torch.zeros(shape, dtype=torch.float32, device=probs.device)
            if reduce == "mean":
                # Elementwise adds draw by draw: each output element sees the
                # same additions in the same order whatever the batch holds
                # (a tensor reduction over dim 0 does not guarantee that).
                acc = out[i0:i1]
                for p in probs:
                    acc += p
            else:
                out[s0:s1, i0:i1] = probs
    if reduce == "mean":
        out /= n_draws
    return out


def chunk_rows(n_rows: int, floats_per_row: int, working_memory_mb: float) -> int:
    """Rows per block so that ``rows * floats_per_row`` floats fit the budget."""
    budget = max(1.0, working_memory_mb) * 2**20 / 4
    return max(1, min(n_rows, math.floor(budget / max(1, floats_per_row))))
