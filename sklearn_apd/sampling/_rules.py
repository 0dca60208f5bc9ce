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
    _check_noise_source("sgld_update_", noise_std, draw_noise)
    params = list(params)
    if weight_decay:
        # theta <- (1 - lr wd / 2) theta - lr / 2 grad, without temporaries
        torch._foreach_mul_(params, 1.0 - 0.5 * lr * weight_decay)
    torch._foreach_add_(params, list(grads), alpha=-0.5 * lr)
    if noise_std > 0:
        for noise, p in zip(draw_noise(), params):
            p.add_(noise, alpha=noise_std)


def _check_noise_source(name, noise_std, draw_noise) -> None:
    """Refuse a noisy step without a noise source, before the step changes anything."""
    if noise_std > 0 and draw_noise is None:
        raise ValueError(f"{name} needs draw_noise when noise_std > 0.")


#: The SG-MCMC methods a sampler can step with (``method=``).
METHODS = ("sgld", "sghmc", "psgld")

#: Defaults of each method's own settings.
#: pSGLD's decay is 0.999, not Li et al.'s 0.99: with 0.99 the preconditioner follows the
#: current weights closely enough to distort the posterior of the logistic-regression test
#: (tests/test_sgld_posterior.py, 8 chains, lr 0.005): its covariance is 37% off (relative
#: Frobenius error), 6.7% with 0.999; the means are within 0.07 posterior standard
#: deviations with either (the preconditioner on the potential's gradient, prior included).
METHOD_DEFAULTS = {"friction": 0.1, "precond_decay": 0.999, "precond_eps": 1e-5}


@torch.no_grad()
def sghmc_update_(
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    momenta: Sequence[torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    friction: float,
    noise_std: float,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
) -> None:
    """One SGHMC step (Chen, Fox & Guestrin, 2014), in place on ``params`` and ``momenta``.

    With the notation of `sgld_update_()` and a = ``friction``::

        v ← (1 − a) v − α/2 · (∇L̄(θ) + λθ) + √a σ ξ
        θ ← θ + v

    Eq. 15 of Chen et al. with learning rate η = α / (2N) on the potential
    U = N (L̄ + λ/2 θ²), friction a, and no estimate of the gradient noise
    (β̂ = 0). At ``friction=1`` it is the SGLD step exactly; smaller friction
    keeps momentum, so the chain travels further per gradient.

    Parameters
    ----------
    params, grads : sequence of torch.Tensor
        Updated in place / gradients of the mean loss.
    momenta : sequence of torch.Tensor
        The velocities ``v``, shaped like ``params`` (zeros at the start); in place.
    lr, weight_decay, noise_std : float
        As in `sgld_update_()`.
    friction : float
        ``a`` in (0, 1].
    draw_noise : callable or None, default=None

    References
    ----------
    T. Chen, E. B. Fox and C. Guestrin. Stochastic gradient Hamiltonian Monte
    Carlo. ICML 2014.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import sghmc_update_
    >>> w, v = torch.ones(2), torch.zeros(2)
    >>> sghmc_update_([w], [torch.ones(2)], [v], lr=0.1, weight_decay=0.0, friction=0.5,
    ...               noise_std=0.0)
    >>> w, v
    (tensor([0.9500, 0.9500]), tensor([-0.0500, -0.0500]))
    """
    _check_noise_source("sghmc_update_", noise_std, draw_noise)
    momenta = list(momenta)
    torch._foreach_mul_(momenta, 1.0 - friction)
    torch._foreach_add_(momenta, list(grads), alpha=-0.5 * lr)
    sghmc_finish_(
        params,
        momenta,
        lr=lr,
        weight_decay=weight_decay,
        friction=friction,
        noise_std=noise_std,
        draw_noise=draw_noise,
    )


@torch.no_grad()
def sghmc_finish_(
    params: Sequence[torch.Tensor],
    momenta: Sequence[torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    friction: float,
    noise_std: float,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
) -> None:
    """The rest of `sghmc_update_()` once ``momenta`` hold ``(1 − a) v − α/2 · ∇L̄(θ)``.

    Adds the prior's and the noise's parts to the velocities, then moves
    ``params`` by them::

        v ← v − αλ/2 · θ + √a σ ξ,   θ ← θ + v

    A caller that folds the gradient into the velocities inside its backward
    pass (`nets.mlp_cross_entropy_grad_` with ``into=``) calls this for the
    rest. ``params``, ``momenta`` and the noise may be the per-parameter
    tensors or one flat tensor each (one-element lists): the same element-wise
    arithmetic.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import sghmc_finish_
    >>> w, v = torch.ones(2), torch.full((2,), -0.05)  # v already holds -lr/2 * grad
    >>> sghmc_finish_([w], [v], lr=0.1, weight_decay=0.0, friction=0.5, noise_std=0.0)
    >>> w
    tensor([0.9500, 0.9500])
    """
    _check_noise_source("sghmc_finish_", noise_std, draw_noise)
    params, momenta = list(params), list(momenta)
    if weight_decay:
        torch._foreach_add_(momenta, params, alpha=-0.5 * lr * weight_decay)
    if noise_std > 0:
        torch._foreach_add_(momenta, list(draw_noise()), alpha=noise_std * math.sqrt(friction))
    torch._foreach_add_(params, momenta)


@torch.no_grad()
def psgld_update_(
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    square_avgs: Sequence[torch.Tensor],
    *,
    lr: float,
    weight_decay: float,
    decay: float,
    eps: float,
    noise_std: float,
    first: bool = False,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
) -> None:
    """One preconditioned SGLD step (Li, Chen, Carlson & Carin, 2016), in place.

    An RMSprop preconditioner G per weight, with the notation of
    `sgld_update_()`, d = ``decay``, e = ``eps`` and g = ∇L̄(θ) + λθ the
    gradient of the potential (likelihood and prior)::

        V ← d V + (1 − d) g²          (V ← g² at the first step)
        G = 1 / (e + √V)
        θ ← θ − α/2 · G ⊙ g + σ √G ⊙ ξ

    Eq. 4 of Li et al. without its Γ(θ) correction (they show it is
    negligible for d close to 1). The step adapts to each weight's gradient
    scale, so one ``lr`` serves weights whose gradients differ by orders of
    magnitude (e.g. a regressor's means, scaled by the noise precision).

    V averages the potential's gradient, prior included, where Li et al.
    average the likelihood's: a weight the data never move (a first-layer
    weight of a constant input pixel) would otherwise get G = 1 / e, and its
    prior step α λ / (2e) diverges once α λ > 4e (``lr=0.05``,
    ``weight_decay=1e-3`` on the embedded digits, which have 4 constant
    pixels). With the prior in V such a weight samples its prior (tested).

    Parameters
    ----------
    params, grads : sequence of torch.Tensor
    square_avgs : sequence of torch.Tensor
        The running averages ``V``, shaped like ``params``; in place.
    lr, weight_decay, noise_std : float
        As in `sgld_update_()`.
    decay : float
        ``d`` in [0, 1).
    eps : float
        ``e`` > 0.
    first : bool, default=False
        Initialise ``V`` with this step's squared gradient.
    draw_noise : callable or None, default=None

    References
    ----------
    C. Li, C. Chen, D. Carlson and L. Carin. Preconditioned stochastic
    gradient Langevin dynamics for deep neural networks. AAAI 2016.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import psgld_update_
    >>> w, V = torch.ones(2), torch.zeros(2)
    >>> psgld_update_([w], [torch.tensor([1.0, 100.0])], [V], lr=0.1, weight_decay=0.0,
    ...               decay=0.99, eps=1e-8, noise_std=0.0, first=True)
    >>> w  # the same step for both, whatever their gradient's scale
    tensor([0.9500, 0.9500])
    """
    _check_noise_source("psgld_update_", noise_std, draw_noise)
    params, grads = list(params), list(grads)
    step = grads
    if weight_decay:
        step = torch._foreach_add(grads, params, alpha=weight_decay)
    psgld_finish_(
        params,
        step,
        square_avgs,
        lr=lr,
        decay=decay,
        eps=eps,
        noise_std=noise_std,
        first=first,
        draw_noise=draw_noise,
    )


@torch.no_grad()
def psgld_finish_(
    params: Sequence[torch.Tensor],
    step: Sequence[torch.Tensor],
    square_avgs: Sequence[torch.Tensor],
    *,
    lr: float,
    decay: float,
    eps: float,
    noise_std: float,
    first: bool = False,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
) -> None:
    """The rest of `psgld_update_()` once ``step`` holds g = ∇L̄(θ) + λθ.

    Updates ``square_avgs`` and ``params`` as `psgld_update_()` does. A caller
    that writes the gradient in its own backward pass and adds the prior's
    part in place calls this for the rest. ``params``, ``step``,
    ``square_avgs`` and the noise may be the per-parameter tensors or one flat
    tensor each (one-element lists): the same element-wise arithmetic.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import psgld_finish_
    >>> w, V = torch.ones(2), torch.zeros(2)
    >>> psgld_finish_([w], [torch.tensor([1.0, 100.0])], [V], lr=0.1, decay=0.99, eps=1e-8,
    ...               noise_std=0.0, first=True)
    >>> w, V
    (tensor([0.9500, 0.9500]), tensor([1.0000e+00, 1.0000e+04]))
    """
    _check_noise_source("psgld_finish_", noise_std, draw_noise)
    params, step, square_avgs = list(params), list(step), list(square_avgs)
    if first:
        for V, g in zip(square_avgs, step):
            torch.mul(g, g, out=V)
    else:
        torch._foreach_mul_(square_avgs, decay)
        torch._foreach_addcmul_(square_avgs, step, step, value=1.0 - decay)
    precond = torch._foreach_sqrt(square_avgs)
    torch._foreach_add_(precond, eps)
    torch._foreach_reciprocal_(precond)
    torch._foreach_addcmul_(params, precond, step, value=-0.5 * lr)
    if noise_std > 0:
        torch._foreach_sqrt_(precond)
        torch._foreach_addcmul_(params, precond, list(draw_noise()), value=noise_std)


def sampler_step_(
    method: str,
    params: Sequence[torch.Tensor],
    grads: Sequence[torch.Tensor],
    state: dict,
    *,
    lr: float,
    weight_decay: float,
    temperature: float,
    num_data: int,
    draw_noise: Callable[[], Sequence[torch.Tensor]] | None = None,
    friction: float = METHOD_DEFAULTS["friction"],
    precond_decay: float = METHOD_DEFAULTS["precond_decay"],
    precond_eps: float = METHOD_DEFAULTS["precond_eps"],
) -> None:
    """One step of ``method`` (``"sgld"``, ``"sghmc"``, ``"psgld"``) on ``params``, in place.

    The one entry point of the optimizer [`SGLD`][sklearn_apd.SGLD] and of
    `ParallelChains`: ``state`` is a dict the caller keeps between steps (the
    momenta or square averages are created in it, as zeros shaped like
    ``params``, at the first step).
    """
    noise_std = sgld_noise_std(lr, temperature, num_data)
    if method == "sgld":
        sgld_update_(
            params,
            grads,
            lr=lr,
            weight_decay=weight_decay,
            noise_std=noise_std,
            draw_noise=draw_noise,
        )
        return
    if method not in METHODS:
        raise ValueError(f"method={method!r} must be one of {list(METHODS)}.")
    first = "buffers" not in state
    if first:
        state["buffers"] = [torch.zeros_like(p) for p in params]
    if method == "sghmc":
        sghmc_update_(
            params,
            grads,
            state["buffers"],
            lr=lr,
            weight_decay=weight_decay,
            friction=friction,
            noise_std=noise_std,
            draw_noise=draw_noise,
        )
    else:
        psgld_update_(
            params,
            grads,
            state["buffers"],
            lr=lr,
            weight_decay=weight_decay,
            decay=precond_decay,
            eps=precond_eps,
            noise_std=noise_std,
            first=first,
            draw_noise=draw_noise,
        )
