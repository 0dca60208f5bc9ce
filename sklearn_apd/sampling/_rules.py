"""The SGLD update rule, written once for the optimizer and the vectorised chains."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch


def sgld_noise_std(lr: float, temperature: float, num_data: int) -> float:
    """Standard deviation ``sqrt(T lr / N)`` of the noise one SGLD step injects."""
    return math.sqrt(temperature * lr / num_data)


@torch.no_grad()
def sgld_update_(
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    noise_std: float,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
) -> None:
    """One SGLD step, in place, on tensors ``params`` with gradients ``grads``.

    With L̄ the *mean* minibatch loss of N training points, α = ``lr``,
    λ = ``weight_decay`` and σ = ``noise_std`` (``sgld_noise_std(lr, T, N)``)::

        θ ← (1 − αλ/2) θ − α/2 · ∇L̄(θ) + σ ξ

    with ξ ~ N(0, I): Eq. 4 of Wang et al. (2018) with step α / N and the
    Gaussian prior of precision Nλ (derivation in [`SGLD`][sklearn_apd.SGLD]). The weight
    decay is applied as one multiplication and the noise is added last, so
    the optimizer (a list of parameter tensors) and the vectorised chains (one
    ``(K, P)`` tensor) compute the same floating-point values.

    Parameters
    ----------
    params : sequence of torch.Tensor
        Updated in place.
    grads : sequence of torch.Tensor
        Gradients of the mean loss, one per tensor of ``params``.
    lr, weight_decay, noise_std : float
    draw_noise : callable or None, default=None
        Returns fresh N(0, 1) tensors shaped like ``params``; called only when
        ``noise_std > 0``.

    References
    ----------
    M. Welling and Y. W. Teh. Bayesian learning via stochastic gradient
    Langevin dynamics. ICML 2011.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import sgld_update_
    >>> w = torch.ones(3)
    >>> sgld_update_([w], [torch.ones(3)], lr=0.1, weight_decay=0.0, noise_std=0.0)
    >>> w
    tensor([0.9500, 0.9500, 0.9500])
    """
    params = list(params)
    if weight_decay:
        # theta <- (1 - lr wd / 2) theta - lr / 2 grad, without temporaries
        torch._foreach_mul_(params, 1.0 - 0.5 * lr * weight_decay)
    torch._foreach_add_(params, list(grads), alpha=-0.5 * lr)
    if noise_std > 0:
        if draw_noise is None:
            raise ValueError("sgld_update_ needs draw_noise when noise_std > 0.")
        for noise, p in zip(draw_noise(), params):
            p.add_(noise, alpha=noise_std)
