"""The GAN of APD: weight generator, critic, and their losses without P-wide tensors.

The generator G(z) is a ReLU MLP whose last layer maps ``h`` hidden units to
the ``P`` weights of a network; the critic D(x) is a ReLU MLP whose first layer
maps ``P`` weights to ``d`` units. For fcNN1 P = 79,510, so those two layers
hold almost all parameters and FLOPs. The straightforward iteration (as in
Gulrajani et al.'s reference code) materialises every fake batch (b x P),
runs the critic's first layer three times (real, fake, interpolate), and takes
the gradient penalty through a double backward over (b x P) input gradients.

The losses here compute the same numbers with fewer passes over P, exactly
(up to floating-point rounding; ``tests/test_gan.py`` checks gradients against
the straightforward autograd version):

- **Fakes stay implicit.** The critic's first layer sees a fake batch only
  through ``fake @ W1.T = hL @ (W1 @ Wg).T + W1 @ bg``, with ``hL`` the
  generator's last hidden activations (b x h) and ``Wg, bg`` its last layer:
  one (d x P) @ (P x h) product replaces generating the batch and the
  critic's product on it, and backward goes through the same small product.
- **Interpolates are free.** The first layer is affine, so the first-layer
  pre-activation of ``eps * real + (1 - eps) * fake`` is the same
  interpolation of the real and fake pre-activations.
- **The penalty needs no input gradient.** For a ReLU MLP the gradient of
  D with respect to its input is ``g1 @ W1`` where ``g1`` (b x d) is the
  gradient at the first pre-activation, so
  ``||dD/dx||^2 = rowsum((g1 @ (W1 @ W1.T)) * g1)``; the Gram matrix
  (d x d) replaces the (b x P) gradient and its double backward. ReLU masks
  are piecewise constant, as in autograd's double backward.

Per critic update this is about 6 products of the size of one (b x P) @ (P x d)
instead of 9 plus a generator forward; per generator update 2 instead of 4.
The critic's first layer runs them as one product each way over a
`FirstLayerStack` (W1, the generator's last layer and the real rows in one
buffer, the real rows gathered into it).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def mlp(sizes: tuple[int, ...]) -> nn.Sequential:
    """Linear layers of ``sizes`` with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class WeightGenerator(nn.Module):
    """G(z): a ReLU MLP from ``latent_dim`` noise to flat weight vectors.

    With ``mean`` and ``scale`` buffers the output is ``mean + scale * net(z)``
    (``standardize=True``, while training); otherwise ``net(z)``. ``net(z)``
    is the training space the critic sees.
    """

    def __init__(self, latent_dim, hidden_units, n_parameters, mean=None, scale=None):
        super().__init__()
        self.latent_dim = latent_dim
        self.net = mlp((latent_dim, *hidden_units, n_parameters))
        if mean is not None:
            self.register_buffer("mean", mean)
            self.register_buffer("scale", scale)
        else:
            self.mean = self.scale = None

    @property
    def last(self) -> nn.Linear:
        """The last layer, hidden units -> weights."""
        return self.net[-1]

    def hidden(self, z: torch.Tensor) -> torch.Tensor:
        """Activations entering the last layer (``z`` itself without hidden layers)."""
        return self.net[:-1](z)

    def forward(self, z):
        return self.from_hidden(self.hidden(z))

    def from_hidden(self, hidden: torch.Tensor) -> torch.Tensor:
        """The weights for the last hidden activations ``hidden`` (of `hidden`)."""
        out = self.last(hidden)
        if self.mean is not None:
            out = self.mean + self.scale * out
        return out

    def fold_standardization(self) -> None:
        """Fold ``mean + scale * net(z)`` into the last layer and drop the buffers.

        ``scale * (W h + b) + mean = (scale W) h + (scale b + mean)``: the
        same outputs (up to float rounding) without the 2 P stored floats. The
        training space is then the weights themselves; done after training.
        """
        if self.mean is None:
            return
        with torch.no_grad():
            last = self.last
            last.weight.mul_(self.scale[:, None])
            last.bias.mul_(self.scale).add_(self.mean)
        del self.mean, self.scale  # the registered buffers
        self.mean = self.scale = None


def _linears(critic: nn.Sequential) -> list[nn.Linear]:
    return [m for m in critic if isinstance(m, nn.Linear)]


def _critic_rest(params: list[tuple[torch.Tensor, torch.Tensor]], a1: torch.Tensor):
    """Pre-activations of every layer from the first one's; the last is D's output.

    ``params`` holds each layer's (weight, bias): the critic's own, or
    detached copies when only the generator is trained.
    """
    pre = [a1]
    for weight, bias in params[1:]:
        pre.append(F.linear(torch.relu(pre[-1]), weight, bias))
    return pre


def _input_gradient_norm(params, pre: list[torch.Tensor], gram) -> torch.Tensor:
    """Row norms of dD/dx from the pre-activations and ``gram`` = W1 W1^T."""
    g = torch.ones_like(pre[-1])
    for k in range(len(params) - 1, 0, -1):
        g = (g @ params[k][0]) * (pre[k - 1] > 0)
    squared = ((g @ gram) * g).sum(1)
    # A row with every unit of some layer dead has gradient 0 (norm 0, as
    # autograd gives it); the clamp only keeps sqrt's unused branch finite.
    tiny = torch.finfo(squared.dtype).tiny
    return torch.where(squared > 0, squared.clamp_min(tiny).sqrt(), 0.0)


def _fake_preactivation(w1, b1, gen_w, gen_b, hidden: torch.Tensor) -> torch.Tensor:
    """``F.linear(F.linear(hidden, gen_w, gen_b), w1, b1)`` without the (b x P) batch."""
    return F.linear(hidden, w1 @ gen_w, w1 @ gen_b + b1)


#: Columns of the critic's first-layer weight gradient (d x P) computed at a time on a CPU:
#: one product per block, ``[Gram | fake | real coefficients] @ stack[:, block]``, each
#: block of the result written once while it is in cache (a GPU computes it whole). Also the
#: rows of the generator's last layer transposed into a `FirstLayerStack` at a time.
CPU_COLUMN_BLOCK = 4096


class FirstLayerStack:
    """The rows the critic's first layer multiplies, in one (n x P) buffer.

    Rows, top to bottom: a copy of the critic's W1 (d rows, for the Gram
    matrix of the gradient penalty; absent without it), the generator's last
    layer transposed with its bias (h + 1 rows, ``G``) and the real rows.
    The first layer's products then run as one product each way: forward
    ``W1 @ stack.T`` (the Gram matrix, ``W1 @ G.T`` and the real
    pre-activations), backward ``[Gram | fake | real coefficients] @ stack``
    (dW1), and the real rows are gathered straight into the buffer (no
    batch allocated per update). It costs a copy of W1 per critic update and
    of ``G`` (transposed) per iteration; measured against the three products
    of each way and a gathered batch in ``benchmarks/stacked_products.py``
    and ``benchmarks/bench_apd_revisions.py``.

    One buffer of (d + h + 1 + b) x P floats serves all the updates of a fit
    (fcNN1 with the paper's GAN: 301 x 79,510, 96 MB; the copy of W1 is the
    third of it that the three products did not need). A `critic_loss` saves
    it for backward: refilling it before that backward makes autograd raise
    (the buffer's version counter), never a wrong gradient.
    """

    def __init__(self):
        self.buffer = None
        self.start = self.n_gen = self.n_real = 0

    def set_generator(self, generator: WeightGenerator, d: int, with_w1: bool, n_real=0):
        """Copy the generator's last layer into its rows (once per iteration).

        ``d`` is the critic's first-layer width, ``with_w1`` whether W1 is
        stacked (the gradient penalty's Gram matrix) and ``n_real`` the real
        rows to make room for.
        """
        last = generator.last
        weight = last.weight.detach()
        self.start, self.n_gen = (d if with_w1 else 0), weight.shape[1] + 1
        n = self.start + self.n_gen + n_real
        buffer = self.buffer
        if (
            buffer is None
            or buffer.shape[0] < n
            or (buffer.shape[1], buffer.dtype, buffer.device)
            != (weight.shape[0], weight.dtype, weight.device)
        ):
            self.buffer = buffer = weight.new_empty(n, weight.shape[0])
        g = buffer[self.start : self.start + self.n_gen]
        n_cols = weight.shape[0]
        step = CPU_COLUMN_BLOCK if weight.device.type == "cpu" else n_cols
        for start in range(0, n_cols, step):  # the transpose in blocks that stay in cache
            g[:-1, start : start + step].copy_(weight[start : start + step].T)
        g[-1].copy_(last.bias.detach())
        self.n_real = 0

    def real_rows(self, n: int) -> torch.Tensor:
        """The (n x P) rows the real batch is to be written into."""
        end = self.start + self.n_gen + n
        if self.buffer.shape[0] < end:  # grow, keeping G's rows
            old = self.buffer
            self.buffer = old.new_empty(end, old.shape[1])
            self.buffer[: end - n].copy_(old[: end - n])
        self.n_real = n
        return self.buffer[end - n : end]

    def stacked(self, w1: torch.Tensor) -> torch.Tensor:
        """The stack for the present critic: ``w1`` copied in, with the last `real_rows`."""
        if self.start:
            self.buffer[: self.start].copy_(w1.detach())
        return self.buffer[: self.start + self.n_gen + self.n_real]


class _CriticFirstLayer(torch.autograd.Function):
    """First critic layer of a critic update: one product forward, one backward.

    Inputs: ``w1`` (d x P), ``b1``, ``stack`` (a `FirstLayerStack`'s rows:
    W1 when ``with_gram``, ``G`` = the generator's last weight and bias
    transposed ((h + 1) x P, fixed during the critic updates), then the real
    rows: the batch (b x P) or, with ``rows``, a table of K distinct samples
    of which row ``rows[i]`` is the batch's i-th, the products then over
    K < b rows), ``n_gen`` = h + 1 and ``hidden`` (b x (h + 1), the
    generator's last hidden activations with a column of ones).
    Returns the real and fake pre-activations and, with ``with_gram``, W1 W1^T.
    Backward writes dW1 = [Gram | fake | real coefficients] @ stack, in
    column blocks on a CPU.
    """

    @staticmethod
    def forward(ctx, w1, b1, stack, rows, hidden, n_gen, with_gram):
        ctx.save_for_backward(stack, rows, hidden)
        ctx.with_gram = with_gram
        d = w1.shape[0]
        g0 = d if with_gram else 0
        r0 = ctx.r0 = g0 + n_gen
        products = w1 @ stack.T  # the Gram matrix, W1 G^T, the real pre-activations
        a_real = products[:, r0:].T + b1
        if rows is not None:
            a_real = a_real[rows]
        a_fake = torch.addmm(b1, hidden, products[:, g0:r0].T)
        gram = products[:, :d] if with_gram else w1.new_zeros(0)
        return a_real, a_fake, gram

    @staticmethod
    def backward(ctx, g_real, g_fake, g_gram):
        stack, rows, hidden = ctx.saved_tensors
        if rows is not None:  # the batch's gradient rows summed per distinct sample
            g_real = g_real.new_zeros(stack.shape[0] - ctx.r0, g_real.shape[1]).index_add_(
                0, rows, g_real
            )
        coefs = [g_fake.T @ hidden, g_real.T]
        if ctx.with_gram:
            coefs.insert(0, g_gram + g_gram.T)
        coef = torch.cat(coefs, dim=1)  # d x n, the stack's rows' coefficients
        n_cols = stack.shape[1]
        d_w1 = stack.new_empty(coef.shape[0], n_cols)
        step = CPU_COLUMN_BLOCK if stack.device.type == "cpu" else n_cols
        for start in range(0, n_cols, step):  # each block of dW1 written once
            cols = slice(start, min(n_cols, start + step))
            torch.mm(coef, stack[:, cols], out=d_w1[:, cols])
        d_b1 = g_real.sum(0) + g_fake.sum(0)
        return d_w1, d_b1, None, None, None, None, None


def critic_loss(
    critic: nn.Sequential,
    generator: WeightGenerator,
    real: torch.Tensor,
    hidden: torch.Tensor,
    objective: str,
    gp_weight: float = 10.0,
    eps: torch.Tensor | None = None,
    stack: FirstLayerStack | None = None,
    rows: torch.Tensor | None = None,
):
    """Critic loss on ``real`` (b x P) and the fakes ``generator.last(hidden)``.

    The generator is held fixed (its parameters get no gradient). Returns
    ``(loss, d_real, d_fake)``. ``objective`` is "wgan-gp" (needs ``eps`` of
    shape (b, 1): interpolates ``eps * real + (1 - eps) * fake``), "wgan" or
    "gan" (binary cross-entropy on logits). ``stack`` is a `FirstLayerStack`
    holding ``generator``'s last layer (`FirstLayerStack.set_generator` once
    per iteration, reused across its critic updates; made here when None);
    ``real`` is None when the real rows are in it already
    (`FirstLayerStack.real_rows`). With ``rows`` (b,) the real batch is
    ``real[rows]``, ``real`` a table of K distinct samples: the same loss
    with the real products over K rows instead of b (offline APD on fewer
    samples than its batch, such as an active-learning round's).
    """
    params = [(layer.weight, layer.bias) for layer in _linears(critic)]
    w1, b1 = params[0]
    with_gram = objective == "wgan-gp"
    if stack is None:
        if real is None:
            raise ValueError("critic_loss needs the real rows: real=None needs a filled stack.")
        stack = FirstLayerStack()
        stack.set_generator(generator, w1.shape[0], with_gram, real.shape[0])
    elif stack.start != (w1.shape[0] if with_gram else 0):
        raise ValueError(
            f"The stack was set with_w1={bool(stack.start)} for objective={objective!r}."
        )
    if real is not None:
        stack.real_rows(real.shape[0]).copy_(real)
    elif not stack.n_real:
        raise ValueError("real=None needs the real rows in the stack (FirstLayerStack.real_rows).")
    stacked = stack.stacked(w1)
    hidden = torch.cat([hidden, hidden.new_ones(hidden.shape[0], 1)], dim=1)
    a_real, a_fake, gram = _CriticFirstLayer.apply(
        w1, b1, stacked, rows, hidden, stack.n_gen, with_gram
    )
    b = a_real.shape[0]
    if with_gram:
        a_mix = torch.lerp(a_fake, a_real, eps)
        pre = _critic_rest(params, torch.cat([a_real, a_fake, a_mix]))
    else:
        pre = _critic_rest(params, torch.cat([a_real, a_fake]))
    d_real, d_fake = pre[-1][:b], pre[-1][b : 2 * b]
    if objective == "gan":
        loss = F.binary_cross_entropy_with_logits(
            d_real, torch.ones_like(d_real)
        ) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
    else:
        loss = d_fake.mean() - d_real.mean()
        if objective == "wgan-gp":
            norms = _input_gradient_norm(params, [p[2 * b :] for p in pre], gram)
            loss = loss + gp_weight * ((norms - 1) ** 2).mean()
    return loss, d_real, d_fake


def generator_loss(
    critic: nn.Sequential,
    generator: WeightGenerator,
    z: torch.Tensor,
    objective: str,
    hidden: torch.Tensor | None = None,
):
    """Generator loss on ``generator.net(z)``; the critic gets no gradient.

    Returns ``(loss, d_fake)``: ``-mean D(fake)`` for the WGANs, the
    non-saturating ``BCE(D(fake), 1)`` for "gan". ``hidden`` is
    ``generator.hidden(z)`` when the caller has it already (computed here
    when None).
    """
    frozen = [(layer.weight.detach(), layer.bias.detach()) for layer in _linears(critic)]
    last = generator.last
    if hidden is None:
        hidden = generator.hidden(z)
    a_fake = _fake_preactivation(*frozen[0], last.weight, last.bias, hidden)
    d_fake = _critic_rest(frozen, a_fake)[-1]
    if objective == "gan":
        loss = F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))
    else:
        loss = -d_fake.mean()
    return loss, d_fake


def adam(parameters, lr, betas, device: torch.device) -> torch.optim.Adam:
    """Adam, fused into one kernel per step where torch has one for ``device``."""
    fused = device.type in ("cpu", "cuda")
    return torch.optim.Adam(parameters, lr=lr, betas=betas, fused=fused)
