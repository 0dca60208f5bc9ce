"""The training data's likelihood under generated weights: APD's optional generator term.

With ``likelihood_weight > 0`` every generator update adds ``likelihood_weight``
times the mean negative log-likelihood of a minibatch of training data
(``likelihood_batch_size`` rows, new ones every update) under each generated
weight vector, averaged over the GAN's minibatch of draws. The critic keeps the
draws' distribution on the samples'; the term pulls each draw towards weights that
fit the data, where the adversarial loss alone leaves a tail of draws that fit
worse than any sample (``benchmarks/RESULTS.md``, 2026-12-05). It is not in the
paper; ``likelihood_weight=0`` (the default) is the paper's APD.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from ..._utils import STREAM_LIKELIHOOD, make_generator
from ...nets import MLP, ParameterLayout, mlp_cross_entropy_grads_shared
from ...prediction import activation_footprint, batched_logits
from .._regression import gaussian_nll_points

#: ``nll(outputs, y)``: per-draw mean NLL ``(k,)`` of outputs ``(k, m, C)`` for targets ``y``.
DrawNLL = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def cross_entropy_per_draw(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each draw's logits ``(k, m, C)`` for class indices ``y`` ``(m,)``."""
    k, m, n_classes = logits.shape
    nll = F.cross_entropy(logits.reshape(k * m, n_classes), y.repeat(k), reduction="none")
    return nll.view(k, m).mean(1)


def gaussian_nll_per_draw(outputs: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean Gaussian NLL per draw of outputs ``(k, m, 2 t)`` (means, log precisions), y ``(m, t)``.

    `GaussianNLLLoss` of each draw (`gaussian_nll_points`, averaged over the points).
    """
    return gaussian_nll_points(outputs, y).mean(1)


class LikelihoodTerm:
    """``weight`` x the mean training NLL of generated weights, and its gradient per draw.

    Parameters
    ----------
    weight : float
        The term's weight in the generator's loss.
    nll : callable
        Per-draw mean NLL of the network's outputs (`cross_entropy_per_draw`,
        `gaussian_nll_per_draw`).
    module : torch.nn.Module
        The network (evaluated in eval mode under the draws).
    layout : ParameterLayout
    X, y : torch.Tensor
        The training data (inputs and targets in the network's space), on the
        GAN's device.
    batch_size : int
        Rows per update (drawn with replacement; all rows when larger).
    random_state : int, RandomState instance or None
        Seeds the minibatches (a stream of its own).
    working_memory_mb : float
        Bound on one chunk of draws' activations and gradients.

    Attributes
    ----------
    last : float
        The mean NLL (unweighted) of the last update's draws.
    """

    def __init__(
        self,
        weight: float,
        nll: DrawNLL,
        module: torch.nn.Module,
        layout: ParameterLayout,
        X: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        random_state,
        working_memory_mb: float,
    ):
        self.weight, self.nll, self.module, self.layout = weight, nll, module.eval(), layout
        self.X, self.y = X, y
        self.batch_size = min(batch_size, X.shape[0])
        self.rng = make_generator(random_state, STREAM_LIKELIHOOD, X.device)
        # Activations of one draw on one batch, with room for their gradients.
        per_draw = 3 * activation_footprint(self.module, X[:1]) * self.batch_size
        budget = max(1.0, working_memory_mb) * 2**20 / 4
        self.chunk = max(1, int(budget / (per_draw + 2 * layout.n_parameters)))
        self.last = float("nan")
        # An MLP classifier's gradients by hand (`nets.mlp_cross_entropy_grads_shared`),
        # anything else through autograd on the engine's logits.
        self.by_hand = (
            nll is cross_entropy_per_draw and type(self.module) is MLP and not self.module.dropout
        )

    def gradient(self, draws: torch.Tensor) -> torch.Tensor:
        """``weight`` x the gradient of the draws' mean NLL on a new batch, per draw ``(b, P)``.

        The draws go through the network in chunks of at most ``chunk`` (each
        chunk's graph freed before the next), so the memory is bounded by
        ``working_memory_mb`` whatever the GAN's batch; sets `last`.
        """
        n, b = self.X.shape[0], draws.shape[0]
        rows = torch.randint(n, (self.batch_size,), generator=self.rng, device=self.rng.device)
        xb, yb = self.X[rows], self.y[rows]
        grad = torch.empty_like(draws)
        total = 0.0
        for start in range(0, b, self.chunk):
            w = draws[start : start + self.chunk].detach()
            if self.by_hand:
                losses, grads = mlp_cross_entropy_grads_shared(self.layout.unflatten(w), xb, yb)
                views = self.layout.unflatten(grad[start : start + self.chunk])
                for view, g in zip(views.values(), grads):
                    view.copy_(g)
                total += float(losses.sum()) / b
                continue
            w.requires_grad_(True)
            with torch.enable_grad():
                loss = self.nll(batched_logits(self.module, self.layout, w, xb), yb).sum()
                (g,) = torch.autograd.grad(loss, w)
            grad[start : start + self.chunk] = g
            total += float(loss.detach()) / b
        self.last = total
        return grad.mul_(self.weight / b)
