"""Networks used in the paper, as plain `torch.nn.Module` classes.

Every module here takes ``n_features_in`` and ``n_classes`` constructor
arguments. The estimators fill them from the data at ``fit`` (unless routed
explicitly, e.g. ``module__n_classes=10``); with plain PyTorch pass them
yourself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

__all__ = [
    "MLP",
    "PRESETS",
    "ConvNet",
    "DrawLayout",
    "GaussianOutput",
    "LeNet",
    "ParameterLayout",
    "StatisticsLayout",
    "MLPGradient",
    "mlp_cross_entropy_grad_",
    "mlp_cross_entropy_grads_batched",
    "mlp_cross_entropy_grads_shared",
    "mlp_layer_params",
    "n_parameters",
]

#: Hidden layer sizes of the paper's networks, usable as ``hidden_units=name``.
PRESETS = {
    "fcNN1": (100,),  # 784-100-10: 79,510 weights on MNIST
    "fcNN2": (400, 400),  # 784-400-400-10: 478,410 weights on MNIST
    "toy": (10, 10),  # 2-10-10-2 for the toy 2D task
}


def _resolve_hidden_units(hidden_units) -> tuple[int, ...]:
    if isinstance(hidden_units, str):
        if hidden_units not in PRESETS:
            raise ValueError(
                f"hidden_units={hidden_units!r} is not a preset; use one of "
                f"{sorted(PRESETS)} or a sequence of ints."
            )
        return PRESETS[hidden_units]
    if isinstance(hidden_units, int) and not isinstance(hidden_units, bool):
        hidden_units = (hidden_units,)
    if not isinstance(hidden_units, Sequence) or not all(
        isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in hidden_units
    ):
        raise ValueError(
            f"hidden_units={hidden_units!r} must be a preset name, a positive int "
            "or a sequence of positive ints."
        )
    return tuple(int(h) for h in hidden_units)


def _check_sizes(name, n_features_in, n_classes):
    if n_features_in is None or n_classes is None:
        raise ValueError(
            f"{name} needs n_features_in and n_classes; the estimators set them "
            "from the data at fit, plain PyTorch code must pass them."
        )


def _check_dropout(dropout):
    if not (isinstance(dropout, (int, float)) and 0.0 <= dropout < 1.0):
        raise ValueError(f"dropout={dropout!r} must be a float in [0, 1).")
    return float(dropout)


class MLP(nn.Module):
    """Fully connected ReLU network mapping a batch to class logits.

    Inputs of any shape ``(n, ...)`` are flattened to ``(n, n_features_in)``.

    Parameters
    ----------
    hidden_units : int, sequence of int or str, default=(100,)
        Sizes of the hidden layers, or a preset name from `PRESETS`:
        ``"fcNN1"`` (100), ``"fcNN2"`` (400, 400), ``"toy"`` (10, 10).
    dropout : float, default=0.0
        Dropout probability applied after each hidden layer (never on the
        input), as in the paper's MC dropout baseline.
    n_features_in : int
        Input size; the estimators set it from ``X``.
    n_classes : int
        Number of output logits; the estimators set it from ``y``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP
    >>> net = MLP("fcNN1", n_features_in=784, n_classes=10)
    >>> sum(p.numel() for p in net.parameters())
    79510
    >>> net(torch.zeros(5, 28, 28)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        hidden_units=(100,),
        dropout: float = 0.0,
        n_features_in: int | None = None,
        n_classes: int | None = None,
    ):
        super().__init__()
        units = _resolve_hidden_units(hidden_units)
        _check_sizes("MLP", n_features_in, n_classes)
        dropout = _check_dropout(dropout)
        self.hidden_units = units
        self.dropout = dropout
        sizes = (int(n_features_in), *units, int(n_classes))
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.drop = nn.Dropout(self.dropout) if self.dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of a batch (rows flattened first)."""
        x = x.reshape(x.shape[0], -1)
        layers = self.layers
        last = len(layers) - 1
        for i, layer in enumerate(layers):  # no ModuleList slice: it builds a new list per call
            x = layer(x)
            if i < last:
                x = self.drop(torch.relu(x))
        return x


def mlp_cross_entropy_grad_(
    mlp: MLP,
    x: torch.Tensor,
    y: torch.Tensor,
    grads: Sequence[torch.Tensor] | None = None,
    *,
    descent: tuple[float, float] | None = None,
    into: tuple[Sequence[torch.Tensor], float, float] | None = None,
) -> torch.Tensor:
    """Mean cross-entropy of an `MLP` (no dropout) on a batch, and its gradient, by hand.

    The forward pass and the backward pass written out for the ReLU network::

        a₀ = x,  hₗ = aₗ₋₁ Wₗᵀ + bₗ,  aₗ = max(hₗ, 0),  z = h_L
        L̄ = −1/B Σᵢ log softmax(zᵢ)[yᵢ]
        δ_L = (softmax(z) − onehot(y)) / B,  ∂L̄/∂Wₗ = δₗᵀ aₗ₋₁,  ∂L̄/∂bₗ = Σᵢ δₗ,ᵢ
        δₗ₋₁ = (δₗ Wₗ) ⊙ [aₗ₋₁ > 0]

    It computes what ``cross_entropy(mlp(x), y).backward()`` computes (to
    float32 rounding: ``tests/test_nets.py`` compares both), without autograd's
    graph and per-operation bookkeeping, which on the paper's small networks
    costs as much as the arithmetic. The estimators use it for an `MLP` without
    dropout under the default ``CrossEntropyLoss``; any other module or loss
    goes through autograd.

    With ``descent=(c, a)`` the gradient is not stored but applied, in place
    and layer by layer as the backward pass reaches it::

        θ ← c θ − a ∇L̄(θ)

    each weight matrix in one ``addmm_`` (the decay, the product and the step
    in one pass over the weights), each bias in one ``addmv_``. This is the
    gradient part of the SGLD update (``c = 1 − αλ/2``, ``a = α/2``; the
    `SGLD` optimizer adds the noise), without a gradient buffer or the passes
    over the parameters that reading one back costs.

    With ``into=(targets, β, γ)`` each parameter's gradient is folded into
    its tensor of ``targets`` the same way, ``t ← β t + γ ∇L̄(θ)``: SGHMC's
    velocity update ``v ← (1 − a) v − α/2 ∇L̄`` in the products (β = 0
    writes the plain gradient; ``descent=(c, a)`` is ``into`` with the
    parameters as targets, ``β = c``, ``γ = −a``).

    Parameters
    ----------
    mlp : MLP
        Its ``dropout`` must be 0.
    x : torch.Tensor of shape (B, ...)
        Inputs (rows flattened as in ``MLP.forward``).
    y : torch.Tensor of shape (B,)
        Class indices (int64).
    grads : sequence of torch.Tensor or None, default=None
        One tensor per parameter of ``mlp`` in ``parameters()`` order (weight,
        bias of each layer), shaped like it; overwritten with the gradient.
        Needed unless ``descent`` is given.
    descent : (float, float) or None, default=None
        ``(c, a)``: update the parameters as above instead of writing ``grads``.
    into : (sequence of torch.Tensor, float, float) or None, default=None
        ``(targets, β, γ)``: fold the gradient into ``targets`` (one tensor
        per parameter, shaped like it) as above. Exactly one of ``grads``,
        ``descent`` and ``into`` is given.

    Returns
    -------
    loss : torch.Tensor
        The mean cross-entropy, a 0-d tensor.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP, mlp_cross_entropy_grad_
    >>> net = MLP((4,), n_features_in=3, n_classes=2)
    >>> grads = [torch.empty_like(p) for p in net.parameters()]
    >>> x, y = torch.ones(5, 3), torch.zeros(5, dtype=torch.long)
    >>> loss = mlp_cross_entropy_grad_(net, x, y, grads)
    >>> loss.shape, grads[0].shape
    (torch.Size([]), torch.Size([4, 3]))
    """
    return MLPGradient(mlp)(x, y, grads, descent=descent, into=into)


class MLPGradient:
    """`mlp_cross_entropy_grad_` bound to one `MLP`: its per-call set-up made once.

    Holds the layers' weights, their transposed views and biases, and the
    per-batch-size constants of the backward pass, so that a training loop
    pays only for the arithmetic (on fcNN1, with the fit's single ``no_grad``,
    about 60 us of a 0.7 ms SGLD step; `benchmarks/RESULTS.md`, 2026-12-06).
    The values are `mlp_cross_entropy_grad_`'s, bit for bit. Called with autograd
    on, it turns it off for the call; a training loop saves that switch by calling
    it under its own ``torch.no_grad()``. Build a new one when the module's
    parameters are replaced (in-place changes, as an optimizer makes, are seen).

    Parameters
    ----------
    mlp : MLP
        Its ``dropout`` must be 0.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP, MLPGradient
    >>> net = MLP((4,), n_features_in=3, n_classes=2)
    >>> grad = MLPGradient(net)
    >>> grads = [torch.empty_like(p) for p in net.parameters()]
    >>> with torch.no_grad():
    ...     loss = grad(torch.ones(5, 3), torch.zeros(5, dtype=torch.long), grads)
    >>> loss.shape
    torch.Size([])
    """

    _threshold_backward = torch.ops.aten.threshold_backward.default

    def __init__(self, mlp: MLP):
        if mlp.dropout:
            raise ValueError("mlp_cross_entropy_grad_ needs an MLP without dropout.")
        layers = list(mlp.layers)
        self.weights = [layer.weight for layer in layers]
        self.weights_t = [w.t() for w in self.weights]
        self.biases = [layer.bias for layer in layers]
        self._constants: dict = {}

    def _batch_constants(self, delta: torch.Tensor):
        """``(-1/B column, ones(B))`` for a batch of ``B`` rows, made once per size."""
        key = (delta.shape[0], delta.dtype, delta.device)
        constants = self._constants.get(key)
        if constants is None:
            batch = delta.shape[0]
            constants = (delta.new_full((batch, 1), -1.0 / batch), delta.new_ones(batch))
            self._constants[key] = constants
        return constants

    def __call__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        grads: Sequence[torch.Tensor] | None = None,
        *,
        descent: tuple[float, float] | None = None,
        into: tuple[Sequence[torch.Tensor], float, float] | None = None,
    ) -> torch.Tensor:
        """The mean cross-entropy on ``(x, y)``; writes ``grads``, applies ``descent`` or
        folds the gradient ``into`` its targets."""
        if torch.is_grad_enabled():  # in-place steps on the weights need autograd off
            with torch.no_grad():
                return self(x, y, grads, descent=descent, into=into)
        if (grads is not None) + (descent is not None) + (into is not None) != 1:
            raise ValueError(
                "mlp_cross_entropy_grad_ takes exactly one of grads, descent and into."
            )
        weights, weights_t, biases = self.weights, self.weights_t, self.biases
        targets = None
        if into is not None and into[1] == 0 and into[2] == 1:  # the gradient itself
            grads, into = into[0], None  # written as with grads=, bit for bit
        if descent is not None:
            beta, alpha = descent[0], -descent[1]
        elif into is not None:
            targets, beta, alpha = into
        n_layers = len(weights)
        acts = [x if x.dim() == 2 else x.reshape(x.shape[0], -1)]
        for k in range(n_layers - 1):
            acts.append(torch.addmm(biases[k], acts[-1], weights_t[k]).relu_())
        logp = torch.log_softmax(torch.addmm(biases[-1], acts[-1], weights_t[-1]), dim=1)
        loss = torch.nn.functional.nll_loss(logp, y)
        delta = logp.exp_()  # softmax, in place of the log-probabilities
        minus_one_over_batch, ones = self._batch_constants(delta)
        # softmax - onehot(y), scaled by 1/B: one scatter of -1/B after the scaling
        delta.mul_(1.0 / delta.shape[0])
        delta.scatter_add_(1, y.view(-1, 1), minus_one_over_batch)
        for k in range(n_layers - 1, -1, -1):
            a_prev, weight = acts[k], weights[k]
            # the next layer's delta needs this layer's weights before they change
            below = self._threshold_backward(delta @ weight, a_prev, 0.0) if k else None
            if grads is not None:
                torch.mm(delta.t(), a_prev, out=grads[2 * k])
                torch.sum(delta, dim=0, out=grads[2 * k + 1])
            else:
                w_t = weight if targets is None else targets[2 * k]
                b_t = biases[k] if targets is None else targets[2 * k + 1]
                w_t.addmm_(delta.t(), a_prev, beta=beta, alpha=alpha)
                b_t.addmv_(delta.t(), ones, beta=beta, alpha=alpha)
            delta = below
        return loss


def mlp_layer_params(
    params: dict[str, torch.Tensor],
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """An `MLP`'s per-draw weights and biases, in layer order, from ``ParameterLayout.unflatten``.

    ``params`` holds ``layers.i.weight`` ``(K, out, in)`` and ``layers.i.bias``
    ``(K, out)`` for every layer ``i``; returns the two lists.
    """
    n_layers = len(params) // 2
    weights = [params[f"layers.{i}.weight"] for i in range(n_layers)]
    biases = [params[f"layers.{i}.bias"] for i in range(n_layers)]
    return weights, biases


@torch.no_grad()
def mlp_cross_entropy_grads_batched(
    params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """`mlp_cross_entropy_grad_` for ``K`` weight vectors of one `MLP` at once.

    The same formulas with batched products: chain ``k`` evaluates its own
    minibatch ``x[k]`` under its own weights. What
    ``vmap(grad_and_value(...))`` computes for the vectorised chains, without
    its per-operation transforms.

    Parameters
    ----------
    params : dict of str to torch.Tensor
        ``ParameterLayout.unflatten`` of a ``(K, P)`` tensor: ``(K, *shape)``
        views named ``layers.i.weight`` / ``layers.i.bias`` (an `MLP`'s names,
        in order).
    x : torch.Tensor of shape (K, B, ...)
    y : torch.Tensor of shape (K, B)
        Class indices (int64).

    Returns
    -------
    losses : torch.Tensor of shape (K,)
        Each chain's mean cross-entropy.
    grads : list of torch.Tensor
        The gradients in ``params``' order, each ``(K, *shape)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP, ParameterLayout, mlp_cross_entropy_grads_batched
    >>> net = MLP((4,), n_features_in=3, n_classes=2)
    >>> layout = ParameterLayout(net)
    >>> states = torch.randn(5, layout.n_parameters)
    >>> x, y = torch.ones(5, 7, 3), torch.zeros(5, 7, dtype=torch.long)
    >>> losses, grads = mlp_cross_entropy_grads_batched(layout.unflatten(states), x, y)
    >>> losses.shape, grads[0].shape
    (torch.Size([5]), torch.Size([5, 4, 3]))
    """
    weights, biases = mlp_layer_params(params)  # (K, out, in), (K, out)
    n_layers = len(weights)
    k, batch = y.shape
    acts = [x.reshape(k, batch, -1)]
    for w, b in zip(weights[:-1], biases[:-1]):
        acts.append(torch.baddbmm(b.unsqueeze(1), acts[-1], w.transpose(1, 2)).relu_())
    z = torch.baddbmm(biases[-1].unsqueeze(1), acts[-1], weights[-1].transpose(1, 2))
    logp = torch.log_softmax(z, dim=2)
    target = y.unsqueeze(2)
    losses = logp.gather(2, target).squeeze(2).mean(1).neg_()
    delta = logp.exp_().mul_(1.0 / batch)  # (softmax - onehot) / B, as in the unbatched one
    delta.scatter_add_(2, target, delta.new_full((k, batch, 1), -1.0 / batch))
    grads = [None] * (2 * n_layers)
    for i in range(n_layers - 1, -1, -1):
        a_prev = acts[i]
        grads[2 * i] = torch.bmm(delta.transpose(1, 2), a_prev)
        grads[2 * i + 1] = delta.sum(1)
        if i:
            delta = torch.ops.aten.threshold_backward(torch.bmm(delta, weights[i]), a_prev, 0.0)
    return losses, grads


@torch.no_grad()
def mlp_cross_entropy_grads_shared(
    params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """`mlp_cross_entropy_grads_batched` for ``K`` weight vectors on one shared minibatch.

    Every weight vector evaluates the same ``(x, y)`` (APD's likelihood term:
    the draws of one generator update on one batch of training data). The
    activations are computed transposed (features x inputs, as the prediction
    engine does), so the first layer of all ``K`` vectors is one
    ``(K h, d) @ (d, B)`` product and its gradient one ``(K h, B) @ (B, d)``
    product; the later layers are batched products over the vectors. The
    formulas are `mlp_cross_entropy_grad_`'s.

    Parameters
    ----------
    params : dict of str to torch.Tensor
        ``ParameterLayout.unflatten`` of a ``(K, P)`` tensor (an `MLP`'s names).
    x : torch.Tensor of shape (B, ...)
    y : torch.Tensor of shape (B,)
        Class indices (int64).

    Returns
    -------
    losses : torch.Tensor of shape (K,)
        Each vector's mean cross-entropy on the batch.
    grads : list of torch.Tensor
        The gradients in ``params``' order, each ``(K, *shape)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP, ParameterLayout, mlp_cross_entropy_grads_shared
    >>> layout = ParameterLayout(MLP((4,), n_features_in=3, n_classes=2))
    >>> draws = torch.randn(5, layout.n_parameters)
    >>> x, y = torch.ones(7, 3), torch.zeros(7, dtype=torch.long)
    >>> losses, grads = mlp_cross_entropy_grads_shared(layout.unflatten(draws), x, y)
    >>> losses.shape, grads[0].shape
    (torch.Size([5]), torch.Size([5, 4, 3]))
    """
    weights, biases = mlp_layer_params(params)  # (K, out, in), (K, out)
    n_layers = len(weights)
    batch = y.shape[0]
    x = x.reshape(batch, -1)
    k, h, d = weights[0].shape
    # all first layers stacked: one product with the shared inputs, bias inside it
    z = torch.addmm(biases[0].reshape(k * h, 1), weights[0].reshape(k * h, d), x.t())
    z = z.view(k, h, batch)
    acts = []  # (K, in, B) activations entering layers 1 .. L-1
    for i in range(1, n_layers):
        acts.append(z.relu_())
        z = torch.baddbmm(biases[i].unsqueeze(2), weights[i], acts[-1])
    logp = torch.log_softmax(z, dim=1)  # (K, C, B)
    target = y.view(1, 1, batch).expand(k, 1, batch)
    losses = logp.gather(1, target).squeeze(1).mean(1).neg_()
    delta = logp.exp_().mul_(1.0 / batch)  # (softmax - onehot) / B
    delta.scatter_add_(1, target, delta.new_full((k, 1, batch), -1.0 / batch))
    grads = [None] * (2 * n_layers)
    for i in range(n_layers - 1, 0, -1):
        a_prev = acts[i - 1]
        grads[2 * i] = torch.bmm(delta, a_prev.transpose(1, 2))
        grads[2 * i + 1] = delta.sum(2)
        delta = torch.ops.aten.threshold_backward(
            torch.bmm(weights[i].transpose(1, 2), delta), a_prev, 0.0
        )
    grads[0] = torch.mm(delta.reshape(k * h, batch), x).view(k, h, d)
    grads[1] = delta.sum(2)
    return losses, grads


def n_parameters(hidden_units, n_features_in: int, n_classes: int) -> int:
    """Number of weights and biases of an `MLP` (no module is built)."""
    sizes = (n_features_in, *_resolve_hidden_units(hidden_units), n_classes)
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))


def _check_positive_ints(name, value, length):
    if (
        not isinstance(value, Sequence)
        or len(value) != length
        or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        raise ValueError(f"{name}={value!r} must be a sequence of {length} positive ints.")
    return tuple(int(v) for v in value)


class ConvNet(nn.Module):
    """All-convolutional network for images, the paper's active-learning network.

    The All-CNN-C layout of Springenberg et al. (2014) with half its filters
    and LeakyReLU activations (slope 0.2), as in the active-learning
    experiment of Wang et al. (2018): three 3x3 convolutions with ``n_filters[0]``
    channels (the last one with stride 2), three with ``n_filters[1]`` (the last
    with stride 2), a 3x3 and a 1x1 convolution with ``n_filters[1]``, a 1x1
    convolution to the class logits and global average pooling. Padding keeps
    every size valid, so any image of at least 3x3 pixels works (8x8 digits,
    28x28 MNIST).

    Inputs may be flat ``(n, n_features_in)`` rows (reshaped to
    ``image_shape``), ``(n, height, width)`` or ``(n, channels, height,
    width)``.

    Parameters
    ----------
    n_filters : tuple of two ints, default=(48, 96)
        Channels of the two stages (All-CNN-C has 96 and 192).
    negative_slope : float, default=0.2
        Slope of the LeakyReLU for negative inputs.
    dropout : float, default=0.0
        Dropout probability after each stride-2 stage (All-CNN-C's placement);
        [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] sets it.
    norm : {"batch", "group"} or None, default=None
        Normalisation after each of the eight hidden convolutions (before the
        activation; those convolutions then have no bias). ``"batch"`` is
        batch normalisation, as in the reference code's network: its running
        statistics are buffers, not parameters, so `SGLDClassifier` estimates
        them anew for every kept sample (``sample_statistics_``, see
        `StatisticsLayout`), APD and the mixture (weights only) warn, and a
        vectorised multi-chain run (``n_chains > 1``) refuses them.
        ``"group"`` is group normalisation (8 groups or fewer where the
        channels do not divide): no batch statistics and no buffers, so every
        weight draw is one exact function of its input.
    image_shape : tuple of (channels, height, width), default=None
        Shape of one image. ``None`` means one channel and a square image of
        ``n_features_in`` pixels.
    n_features_in : int
        Number of input features (pixels x channels); the estimators set it.
    n_classes : int
        Number of output logits; the estimators set it.
    pool : {"stride", "max"}, default="stride"
        How each stage halves the image: ``"stride"`` is All-CNN-C's stride-2
        third convolution; ``"max"`` keeps that convolution at stride 1 and
        follows it by 2x2 max pooling (``ceil_mode``), as the reference code's
        ``cnn_globe`` network does.

    Notes
    -----
    Weights are He-initialised for the LeakyReLU (zero biases): with
    PyTorch's default initialisation nine layers shrink the signal until
    plain SGD does not move. SGLD at temperature 1 on a few dozen labelled
    points (the start of active learning) samples a posterior so broad under
    the prior precision ``N * weight_decay`` that the chain's weights grow
    until the logits overflow, which ``fit`` reports as a ``DivergenceError``;
    a lower ``temperature`` (e.g. 0.1) or a larger ``weight_decay`` keeps it
    finite.

    It is not a few-label network: on 20 MNIST labels it fits the training
    set and reaches about 30% test accuracy (35% with ``norm="batch"``) where
    `MLP` ``"fcNN1"`` reaches 53% and `LeNet` 56%; from 120 labels on it beats
    fcNN1 (``benchmarks/al_convnet_probe.py``, 3 seeds, 150 Adam steps).
    ``pool="max"`` generalises better from few labels: 41% on 20 labels (47%
    with ``norm="batch"``), 85% on 120 and 90% on 520 (81% and 94% with
    ``norm="batch"``), against fcNN1's 53%, 74% and 83%. With
    ``norm="batch", dropout=0.25`` and Adam at lr 3e-3 it reaches 54%, 90%
    and 89%, above fcNN1 at every size (3 seeds).

    To sample it, use a sampler with momentum:
    ``SGLDClassifier(method="sghmc", lr=0.02, temperature=1e-3,
    weight_decay=0.05, max_iter=600, batch_size=64, burn_in=200)`` on
    ``ConvNet(pool="max", norm="batch")`` reaches 44%, 82% and 96% on 20,
    120 and 520 labels, with ``norm="group"`` 47%, 80% and 89% (3 seeds;
    fcNN1's SGLD 52%, 74% and 84%): batch normalisation from 120 labels on,
    group normalisation on 20. Batch normalisation is sampled with each
    sample's own statistics (`SGLDClassifier`; with one set of statistics
    for all samples it predicted at chance). Plain SGLD at lr 0.05 and
    pSGLD do not train it in 150 steps.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import ConvNet
    >>> net = ConvNet(n_features_in=784, n_classes=10)
    >>> sum(p.numel() for p in net.parameters())
    343018
    >>> net(torch.zeros(5, 784)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        n_filters=(48, 96),
        negative_slope: float = 0.2,
        dropout: float = 0.0,
        norm: str | None = None,
        image_shape=None,
        n_features_in: int | None = None,
        n_classes: int | None = None,
        pool: str = "stride",
    ):
        super().__init__()
        _check_sizes("ConvNet", n_features_in, n_classes)
        if norm not in (None, "batch", "group"):
            raise ValueError(f"norm={norm!r} must be 'batch', 'group' or None.")
        if pool not in ("stride", "max"):
            raise ValueError(f"pool={pool!r} must be 'stride' or 'max'.")
        f1, f2 = _check_positive_ints("n_filters", n_filters, 2)
        dropout = _check_dropout(dropout)
        if not (isinstance(negative_slope, (int, float)) and negative_slope >= 0):
            raise ValueError(f"negative_slope={negative_slope!r} must be a float >= 0.")
        image_shape = _image_shape(image_shape, n_features_in, "ConvNet", 3)
        self.image_shape = image_shape
        self.n_filters = (f1, f2)
        self.negative_slope = float(negative_slope)
        self.dropout = dropout
        self.norm = norm
        self.pool = pool
        channels = image_shape[0]
        act = nn.LeakyReLU(self.negative_slope)

        def block(c_in, c_out, k=3, stride=1):
            """A hidden convolution, its normalisation and the activation."""
            layers = [nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, bias=norm is None)]
            if norm == "batch":
                layers.append(nn.BatchNorm2d(c_out))
            elif norm == "group":
                layers.append(nn.GroupNorm(math.gcd(c_out, 8), c_out))
            return [*layers, act]

        def drop():  # one module per place: MC dropout draws a mask per layer
            return [nn.Dropout(self.dropout) if self.dropout > 0 else nn.Identity()]

        def halve(c_in, c_out):
            """A stage's third convolution and the halving of the image."""
            if pool == "max":
                return [*block(c_in, c_out), nn.MaxPool2d(2, ceil_mode=True)]
            return block(c_in, c_out, stride=2)

        self.features = nn.Sequential(
            *block(channels, f1),
            *block(f1, f1),
            *halve(f1, f1), *drop(),
            *block(f1, f2),
            *block(f2, f2),
            *halve(f2, f2), *drop(),
            *block(f2, f2),
            *block(f2, f2, k=1),
            nn.Conv2d(f2, int(n_classes), 1),
        )  # fmt: skip
        # He initialisation for LeakyReLU: PyTorch's default (a=sqrt(5)) shrinks
        # the signal through nine layers until plain SGD does not move.
        for m in self.features:
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, a=self.negative_slope, nonlinearity="leaky_relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of a batch of images or flat rows (mean of the last feature maps)."""
        return self.features(_as_images(x, self.image_shape)).mean(dim=(2, 3))


def _image_shape(image_shape, n_features_in, name, min_side):
    """``image_shape`` checked against ``n_features_in``; None means one square channel."""
    if image_shape is None:
        side = math.isqrt(int(n_features_in))
        if side * side != n_features_in:
            raise ValueError(
                f"{name} cannot infer a square image from n_features_in="
                f"{n_features_in}; pass image_shape=(channels, height, width) "
                "(module__image_shape=... on an estimator)."
            )
        image_shape = (1, side, side)
    image_shape = _check_positive_ints("image_shape", image_shape, 3)
    if math.prod(image_shape) != n_features_in:
        raise ValueError(
            f"image_shape={image_shape} holds {math.prod(image_shape)} values but "
            f"n_features_in={n_features_in}."
        )
    if min(image_shape[1:]) < min_side:
        raise ValueError(
            f"image_shape={image_shape}: images need at least {min_side}x{min_side} pixels."
        )
    return image_shape


def _as_images(x: torch.Tensor, image_shape) -> torch.Tensor:
    """A batch of flat rows, ``(n, h, w)`` or ``(n, c, h, w)`` images as ``(n, c, h, w)``."""
    c, h, w = image_shape
    if x.ndim == 3 and c == 1:
        return x.unsqueeze(1)
    if x.ndim != 4:
        return x.reshape(x.shape[0], c, h, w)
    return x


class LeNet(nn.Module):
    """Small convolutional network for few-label image tasks (active learning on a CPU).

    Two stages of a 3x3 convolution (padding 1), ReLU and 2x2 max-pooling,
    then one hidden dense layer and the class logits: the layout of the
    Bayesian CNN of Gal, Islam & Ghahramani (2017) for active learning on
    MNIST, with pooling after each convolution so that it costs about a
    tenth of theirs. Dropout (MC dropout's masks) sits after the
    convolutional stages with probability ``dropout / 2`` and after the
    hidden layer with ``dropout``, their 0.25 / 0.5 for ``dropout=0.5``.

    Meant for active learning on a CPU, and the network of
    ``ActiveLearner()``'s default estimator: under MC dropout on MNIST
    (``benchmarks/al_network_probe.py``, 3 seeds) it reaches about 61% test
    accuracy on 20 labels and 88.6% (random acquisition) to 91.9% (BALD) on
    270, where `MLP` ``"fcNN1"`` is near 78% at 220 labels (the controls).

    Inputs may be flat ``(n, n_features_in)`` rows (reshaped to
    ``image_shape``), ``(n, height, width)`` or ``(n, channels, height,
    width)``.

    Parameters
    ----------
    n_filters : tuple of two ints, default=(16, 32)
        Channels of the two convolutions.
    hidden_units : int, default=128
        Width of the dense hidden layer.
    dropout : float, default=0.0
        Dropout probability after the hidden layer; half of it after the
        convolutions. [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] sets it.
    image_shape : tuple of (channels, height, width), default=None
        Shape of one image. ``None`` means one channel and a square image of
        ``n_features_in`` pixels. Images need at least 4x4 pixels.
    n_features_in : int
        Number of input features (pixels x channels); the estimators set it.
    n_classes : int
        Number of output logits; the estimators set it.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import LeNet
    >>> net = LeNet(n_features_in=784, n_classes=10)
    >>> sum(p.numel() for p in net.parameters())
    206922
    >>> net(torch.zeros(5, 28, 28)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        n_filters=(16, 32),
        hidden_units: int = 128,
        dropout: float = 0.0,
        image_shape=None,
        n_features_in: int | None = None,
        n_classes: int | None = None,
    ):
        super().__init__()
        _check_sizes("LeNet", n_features_in, n_classes)
        f1, f2 = _check_positive_ints("n_filters", n_filters, 2)
        if not (isinstance(hidden_units, int) and not isinstance(hidden_units, bool)) or (
            hidden_units < 1
        ):
            raise ValueError(f"hidden_units={hidden_units!r} must be a positive int.")
        dropout = _check_dropout(dropout)
        self.image_shape = _image_shape(image_shape, n_features_in, "LeNet", 4)
        self.n_filters = (f1, f2)
        self.hidden_units = int(hidden_units)
        self.dropout = dropout
        c, h, w = self.image_shape
        self.conv1 = nn.Conv2d(c, f1, 3, padding=1)
        self.conv2 = nn.Conv2d(f1, f2, 3, padding=1)
        self.hidden = nn.Linear(f2 * (h // 4) * (w // 4), self.hidden_units)
        self.out = nn.Linear(self.hidden_units, int(n_classes))
        self.drop_conv = nn.Dropout(self.dropout / 2) if self.dropout > 0 else nn.Identity()
        self.drop_hidden = nn.Dropout(self.dropout) if self.dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of a batch of images or flat rows."""
        x = _as_images(x, self.image_shape)
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = self.drop_conv(x).flatten(1)
        return self.out(self.drop_hidden(torch.relu(self.hidden(x))))


class GaussianOutput(nn.Module):
    """A regression network with a learned Gaussian observation noise, one weight vector.

    Wraps ``net`` (a batch to ``k`` predicted means) and adds a parameter
    ``log_precision`` of shape ``(k,)``: the log of each target's noise
    precision ``1 / sigma^2``. The output concatenates both, ``(n, 2k)``:
    ``[means, log_precision]`` (the second half the same on every row), so
    the samplers draw the noise together with the weights, as one flat vector,
    and a loss sees it through the output alone (also under ``vmap``). In
    the flat weight vector (`ParameterLayout`) ``log_precision`` comes first.
    The regressors build it around their ``module``; the likelihood and its
    prior are in [`SGLDRegressor`][sklearn_apd.SGLDRegressor].

    Parameters
    ----------
    net : torch.nn.Module
        Maps a batch to ``(n, n_outputs)`` means.
    n_outputs : int
        ``k``, the number of targets.
    log_precision : float, default=0.0
        Initial log noise precision (0: noise variance 1 on the standardized scale).

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP, GaussianOutput
    >>> net = GaussianOutput(MLP((8,), n_features_in=3, n_classes=2), n_outputs=2)
    >>> net(torch.zeros(5, 3)).shape
    torch.Size([5, 4])
    >>> [name for name, _ in net.named_parameters()][0]  # first in the flat vector
    'log_precision'
    """

    def __init__(self, net: nn.Module, n_outputs: int, log_precision: float = 0.0):
        super().__init__()
        self.net = net
        self.n_outputs = int(n_outputs)
        self.log_precision = nn.Parameter(torch.full((self.n_outputs,), float(log_precision)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(n, 2k)``: the means, then the log noise precision repeated on every row."""
        means = self.net(x)
        return torch.cat([means, self.log_precision.expand(means.shape[0], -1)], 1)


def _named_views(layout, flat: torch.Tensor) -> dict[str, torch.Tensor]:
    """``{name: (s, *shape)}`` views of ``(s, total)`` rows cut by a layout's names and shapes."""
    out, start = {}, 0
    for name, shape, numel in zip(layout.names, layout.shapes, layout.numels):
        out[name] = flat[:, start : start + numel].view(flat.shape[0], *shape)
        start += numel
    return out


class ParameterLayout:
    """Map between a module's parameters and flat vectors.

    Every posterior of this package is a distribution over such vectors: the
    module's parameters concatenated in ``named_parameters()`` order, each
    flattened (row-major), float32.

    Parameters
    ----------
    module : torch.nn.Module
        The network; its ``named_parameters()`` order defines the layout.

    Attributes
    ----------
    names : list of str
        Parameter names in layout order.
    shapes : list of tuple of int
        Their shapes.
    numels : list of int
        Their sizes.
    n_parameters : int
        ``P``, the length of one flat vector.

    Examples
    --------
    >>> from sklearn_apd.nets import MLP, ParameterLayout
    >>> net = MLP(hidden_units=(3,), n_features_in=2, n_classes=2)
    >>> layout = ParameterLayout(net)
    >>> layout.n_parameters, layout.flatten(net).shape
    (17, torch.Size([17]))
    >>> layout.names[0], layout.unflatten(layout.flatten(net)[None])["layers.0.weight"].shape
    ('layers.0.weight', torch.Size([1, 3, 2]))
    """

    def __init__(self, module: nn.Module):
        named = list(module.named_parameters())
        self.names = [name for name, _ in named]
        self.shapes = [tuple(p.shape) for _, p in named]
        self.numels = [p.numel() for _, p in named]
        self.n_parameters = int(sum(self.numels))

    def flatten(self, module: nn.Module, out: torch.Tensor | None = None) -> torch.Tensor:
        """The module's current parameters as one float32 vector of length P.

        ``out``: a float32 tensor of length P (on the parameters' device) to write
        into instead of a new one.
        """
        parts = [p.detach().reshape(-1).to(torch.float32) for p in module.parameters()]
        if out is None:
            return torch.cat(parts)
        return torch.cat(parts, out=out)

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of a ``(s, P)`` batch of vectors as ``{name: (s, *shape)}``."""
        return _named_views(self, flat)

    @torch.no_grad()
    def assign(self, module: nn.Module, flat: torch.Tensor) -> None:
        """Copy one flat vector of length P into the module's parameters."""
        start = 0
        for p, numel in zip(module.parameters(), self.numels):
            p.copy_(flat[start : start + numel].view_as(p))
            start += numel


class StatisticsLayout:
    """Map between a module's batch-normalisation running statistics and flat vectors.

    A weight sample of a network with batch normalisation predicts correctly
    only with the statistics of its own activations: the running averages a
    chain tracks while it moves belong to no single sample (on 20 MNIST
    labels, SGHMC samples of ``ConvNet(pool="max", norm="batch")`` predicted
    at chance with them; ``benchmarks/al_convnet_probe.py``). The samplers
    therefore re-estimate the statistics for every kept sample
    (`estimate`) and store them beside its weights, in this layout: the
    ``running_mean`` and ``running_var`` of every batch-normalisation layer
    that tracks them, in ``named_modules()`` order, flattened.

    Parameters
    ----------
    module : torch.nn.Module

    Attributes
    ----------
    names : list of str
        Buffer names in layout order (``"net.3.running_mean"``, ...).
    shapes : list of tuple of int
    numels : list of int
    n_statistics : int
        ``B``, the length of one flat vector (0 without batch normalisation).

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import ConvNet, StatisticsLayout
    >>> net = ConvNet(n_filters=(4, 8), norm="batch", n_features_in=64, n_classes=3)
    >>> stats = StatisticsLayout(net)
    >>> stats.n_statistics, stats.names[0]
    (104, 'features.1.running_mean')
    >>> flat = stats.estimate(net, torch.randn(32, 64))
    >>> flat.shape
    torch.Size([104])
    """

    #: Rows per forward pass of `estimate` (one pass when the data fit: exact statistics).
    ROWS_PER_PASS = 1024

    def __init__(self, module: nn.Module):
        layers = [
            (name, m)
            for name, m in module.named_modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats
        ]
        self._layer_names = [name for name, _ in layers]  # names only: no module is kept
        self.names, self.shapes, self.numels = [], [], []
        for name, m in layers:
            for buf in ("running_mean", "running_var"):
                self.names.append(f"{name}.{buf}" if name else buf)
                self.shapes.append(tuple(getattr(m, buf).shape))
                self.numels.append(getattr(m, buf).numel())
        self.n_statistics = int(sum(self.numels))

    def flatten(self, module: nn.Module) -> torch.Tensor:
        """The module's current running statistics as one float32 vector of length B."""
        buffers = dict(module.named_buffers())
        return torch.cat([buffers[name].reshape(-1).float() for name in self.names])

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Views of a ``(s, B)`` batch of vectors as ``{name: (s, *shape)}``."""
        return _named_views(self, flat)

    @torch.no_grad()
    def estimate(self, module: nn.Module, X: torch.Tensor) -> torch.Tensor:
        """The statistics of the module's current weights on ``X``, as a flat vector.

        Every other layer in eval mode (dropout off, as at prediction), the
        batch-normalisation layers average their batch statistics over ``X``
        (``momentum=None``) in passes of at most `ROWS_PER_PASS` rows (one pass,
        so exact, for up to that many rows). The module's own running
        statistics are left at these values; its mode and momenta are
        restored.
        """
        modules = dict(module.named_modules())
        layers = [modules[name] for name in self._layer_names]
        was_training = module.training
        momenta = [m.momentum for m in layers]
        module.eval()
        try:
            for m in layers:
                m.reset_running_stats()
                m.momentum = None  # cumulative average over the passes
                m.train()
            n_passes = max(1, -(-X.shape[0] // self.ROWS_PER_PASS))
            for part in torch.tensor_split(X, n_passes):
                module(part)
        finally:
            for m, momentum in zip(layers, momenta):
                m.momentum = momentum
            module.train(was_training)
        return self.flatten(module)


class DrawLayout:
    """The layout of a draw that carries weights and batch-normalisation statistics.

    A row of ``P + B`` floats: the weights in `ParameterLayout` order, then
    the statistics in `StatisticsLayout` order. `unflatten` gives both, by
    name, for ``torch.func.functional_call``; ``n_parameters`` is ``P + B``.

    Parameters
    ----------
    parameters : ParameterLayout
    statistics : StatisticsLayout
    """

    def __init__(self, parameters: ParameterLayout, statistics: StatisticsLayout):
        self.parameters = parameters
        self.statistics = statistics
        self.n_parameters = parameters.n_parameters + statistics.n_statistics

    def unflatten(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{name: (s, *shape)}`` views of the weights and statistics of ``(s, P + B)`` rows."""
        p = self.parameters.n_parameters
        return {**self.parameters.unflatten(flat[:, :p]), **self.statistics.unflatten(flat[:, p:])}
