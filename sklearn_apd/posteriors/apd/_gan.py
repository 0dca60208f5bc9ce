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
#: its three products (real rows, the fake product, the Gram term) run block by block, so a
#: block of the result stays in cache between them. On a 2-core Zen 4 the three took 38.9
#: against 50.9 ms for fcNN1's P, the same numbers bit for bit
#: (benchmarks/results/wide_product_blocks_2026-12-06.md); a GPU computes them whole.
CPU_COLUMN_BLOCK = 4096


class _CriticFirstLayer(torch.autograd.Function):
    """First critic layer of a critic update, with one pass over W1 in backward.

    Inputs: ``w1`` (d x P), ``b1``, ``real`` (b x P, or with ``rows`` a table
    of K x P distinct samples of which row ``rows[i]`` is the batch's i-th:
    the products then run over K < b rows), ``hidden`` (b x (h + 1),
    the generator's last hidden activations with a column of ones) and
    ``gen_wb`` (P x (h + 1), the generator's last weight and bias side by
    side: fixed during the critic updates, so built once per iteration).
    Returns the real and fake pre-activations and, with ``with_gram``, W1 W1^T.
    Backward accumulates the three contributions to dW1 (real rows, the fake
    product, the symmetric Gram) in place into one (d x P) result.
    """

    @staticmethod
    def forward(ctx, w1, b1, real, rows, hidden, gen_wb, with_gram):
        ctx.save_for_backward(w1, real, rows, hidden, gen_wb)
        ctx.with_gram = with_gram
        a_real = torch.addmm(b1, real, w1.T)
        if rows is not None:
            a_real = a_real[rows]
        a_fake = torch.addmm(b1, hidden, (w1 @ gen_wb).T)
        gram = w1 @ w1.T if with_gram else w1.new_zeros(0)
        return a_real, a_fake, gram

    @staticmethod
    def backward(ctx, g_real, g_fake, g_gram):
        w1, real, rows, hidden, gen_wb = ctx.saved_tensors
        if rows is not None:  # the batch's gradient rows summed per distinct sample
            g_real = g_real.new_zeros(real.shape[0], g_real.shape[1]).index_add_(0, rows, g_real)
        fake_coef = g_fake.T @ hidden
        gram_coef = g_gram + g_gram.T if ctx.with_gram else None
        n_cols = real.shape[1]
        d_w1 = real.new_empty(g_real.shape[1], n_cols)
        step = CPU_COLUMN_BLOCK if w1.device.type == "cpu" else n_cols
        for start in range(0, n_cols, step):  # one block of dW1 through all three products
            cols = slice(start, min(n_cols, start + step))
            block = d_w1[:, cols]
            torch.mm(g_real.T, real[:, cols], out=block)
            block.addmm_(fake_coef, gen_wb[cols].T)
            if gram_coef is not None:
                block.addmm_(gram_coef, w1[:, cols])
        d_b1 = g_real.sum(0) + g_fake.sum(0)
        return d_w1, d_b1, None, None, None, None, None


def generator_output_layer(generator: WeightGenerator) -> torch.Tensor:
    """The generator's last weight and bias as one detached (P x (h + 1)) matrix."""
    last = generator.last
    return torch.cat([last.weight.detach(), last.bias.detach()[:, None]], dim=1)


def critic_loss(
    critic: nn.Sequential,
    generator: WeightGenerator,
    real: torch.Tensor,
    hidden: torch.Tensor,
    objective: str,
    gp_weight: float = 10.0,
    eps: torch.Tensor | None = None,
    gen_wb: torch.Tensor | None = None,
    rows: torch.Tensor | None = None,
):
    """Critic loss on ``real`` (b x P) and the fakes ``generator.last(hidden)``.

    The generator is held fixed (its parameters get no gradient). Returns
    ``(loss, d_real, d_fake)``. ``objective`` is "wgan-gp" (needs ``eps`` of
    shape (b, 1): interpolates ``eps * real + (1 - eps) * fake``), "wgan" or
    "gan" (binary cross-entropy on logits). ``gen_wb`` is
    `generator_output_layer()` (computed here when None; pass it to reuse
    it across the critic updates of one iteration). With ``rows`` (b,) the
    real batch is ``real[rows]``, ``real`` a table of K distinct samples: the
    same loss with the real products over K rows instead of b (offline APD
    on fewer samples than its batch, such as an active-learning round's).
    """
    params = [(layer.weight, layer.bias) for layer in _linears(critic)]
    if gen_wb is None:
        gen_wb = generator_output_layer(generator)
    hidden = torch.cat([hidden, hidden.new_ones(hidden.shape[0], 1)], dim=1)
    with_gram = objective == "wgan-gp"
    a_real, a_fake, gram = _CriticFirstLayer.apply(
        *params[0], real, rows, hidden, gen_wb, with_gram
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
