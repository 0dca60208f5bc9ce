"""K SGLD chains of one network stepped as one vectorised computation."""

from __future__ import annotations

import contextlib

import torch
from torch import nn
from torch.func import functional_call, grad_and_value, vmap

from .._utils import all_finite
from ..exceptions import DivergenceError
from ..nets import ParameterLayout, mlp_cross_entropy_grads_batched
from ._rules import METHOD_DEFAULTS, sampler_step_
from ._schedules import ConstantSchedule, CyclicalSchedule


def balanced_batches(perm: torch.Tensor, batch_size: int) -> tuple[torch.Tensor, ...]:
    """Cut a pass ``perm`` (indices on its last axis) into ``ceil(n / batch_size)`` minibatches
    whose sizes differ by at most one.

    Slicing ``batch_size`` at a time would end a pass with the remainder: 130
    points in batches of 64 give 64, 64 and 2, and a 2-point gradient every
    third step knocked LeNet's SGD out of its minimum late in a fit (6 of 6
    seeds, 79% test accuracy on 130 MNIST labels with equal batches, 68% with
    the 2-point one; ``benchmarks/al_tiny_batches.py``). The same number of
    steps per pass, every point once, none of them in a batch of a few.
    """
    n = perm.shape[-1]
    return torch.tensor_split(perm, -(-n // batch_size), dim=-1) if n else (perm,)


def chain_minibatches(n: int, n_chains: int, batch_size: int, generator: torch.Generator):
    """One shuffled pass per chain: yields ``(n_chains, b)`` index tensors.

    Each chain has its own permutation, as K independent runs would; the pass
    is cut by `balanced_batches`.
    """
    perms = torch.stack(
        [torch.randperm(n, generator=generator, device=generator.device) for _ in range(n_chains)]
    )
    yield from balanced_batches(perms, batch_size)


class ParallelChains:
    """The weights of ``K`` chains as one ``(K, P)`` tensor, updated by SG-MCMC together.

    A step evaluates the minibatch loss of every chain with
    `torch.func.functional_call()` under `torch.func.vmap()` (for an
    MLP, batched matrix products instead of K small ones), takes per-chain
    gradients with `torch.func.grad_and_value()` (for an MLP under the mean
    cross-entropy, ``mlp_gradient=True``, both come from the hand-written
    `nets.mlp_cross_entropy_grads_batched` instead) and applies the SGLD
    update of [`SGLD`][sklearn_apd.SGLD] (the same `sgld_update_()`) to
    the whole ``(K, P)`` tensor::

        theta <- (1 - lr wd / 2) theta - lr / 2 grad + sqrt(T lr / N) xi

    or, with ``method="sghmc"`` / ``"psgld"``, `sghmc_update_()` /
    `psgld_update_()` through `sampler_step_()`, the code the optimizer runs
    (their ``(K, P)`` momenta or square averages are kept here).

    Parameters
    ----------
    module : torch.nn.Module
        The network; its parameters are not touched (only its structure and
        buffers are used).
    layout : ParameterLayout
        Flat layout of ``module``'s parameters.
    states : torch.Tensor of shape (K, P)
        Initial weights of the chains; updated in place.
    buffers : torch.Tensor of shape (K, P) or None, default=None
        The method's state to continue from (SGHMC's momenta, pSGLD's square
        averages), e.g. `buffers` of an earlier run; None starts it at the
        first step.
    mlp_gradient : bool, default=False
        Take the losses and gradients from
        `nets.mlp_cross_entropy_grads_batched` instead of ``vmap``: only for
        an `MLP` without dropout under the mean cross-entropy, which the
        caller vouches for (``loss_fn`` is then not called).
    """

    def __init__(
        self,
        module: nn.Module,
        layout: ParameterLayout,
        states: torch.Tensor,
        buffers: torch.Tensor | None = None,
        mlp_gradient: bool = False,
    ):
        if states.ndim != 2 or states.shape[1] != layout.n_parameters:
            raise ValueError(
                f"states must have shape (n_chains, {layout.n_parameters}); got "
                f"{tuple(states.shape)}."
            )
        self.module = module
        self.layout = layout
        self.states = states
        self._noise = torch.empty_like(states)
        self._method_state: dict = {} if buffers is None else {"buffers": [buffers]}
        self.mlp_gradient = mlp_gradient

    @property
    def n_chains(self) -> int:
        """Number of chains ``K`` (rows of the states)."""
        return self.states.shape[0]

    @property
    def buffers(self) -> torch.Tensor | None:
        """The ``(K, P)`` momenta or square averages of the method; None for SGLD or before
        the first step."""
        return self._method_state.get("buffers", [None])[0]

    def step(
        self,
        xb: torch.Tensor,
        yb: torch.Tensor,
        loss_fn,
        *,
        lr: float,
        weight_decay: float,
        temperature: float,
        num_data: int,
        generator: torch.Generator,
        method: str = "sgld",
        friction: float = METHOD_DEFAULTS["friction"],
        precond_decay: float = METHOD_DEFAULTS["precond_decay"],
        precond_eps: float = METHOD_DEFAULTS["precond_eps"],
    ) -> torch.Tensor:
        """One step of ``method`` of every chain on its own minibatch.

        ``xb``: ``(K, B, ...)``, ``yb``: ``(K, B)``; ``loss_fn(logits, y)``
        returns the mean minibatch loss. Returns the ``(K,)`` losses.
        """
        module = self.module
        params = self.layout.unflatten(self.states)
        if self.mlp_gradient:
            losses, grads = mlp_cross_entropy_grads_batched(params, xb, yb)
        else:

            def loss_of(params, x, y):
                return loss_fn(functional_call(module, params, (x,)), y)

            named, losses = vmap(grad_and_value(loss_of), randomness="different")(params, xb, yb)
            grads = [named[name] for name in params]
        flat_grad = torch.cat([g.reshape(self.n_chains, -1) for g in grads], 1)

        def draw_noise():
            self._noise.normal_(generator=generator)
            return [self._noise]

        sampler_step_(
            method,
            [self.states],
            [flat_grad],
            self._method_state,
            lr=lr,
            weight_decay=weight_decay,
            temperature=temperature,
            num_data=num_data,
            draw_noise=draw_noise,
            friction=friction,
            precond_decay=precond_decay,
            precond_eps=precond_eps,
        )
        return losses.detach()


class ChainRun:
    """Running SGLD chains of a sampler on one data set: the sampler protocol's ``step``.

    Made by a sampler's ``start_chains`` (e.g.
    [`SGLDClassifier.start_chains()`][sklearn_apd.SGLDClassifier.start_chains]), which
    validates the
    data, builds the network and fixes the hyper-parameters; the caller then
    steps the chains and reads their states, so that a distillation (online
    APD) or any other algorithm drives SGLD without touching the sampler's
    internals.

    Parameters
    ----------
    chains : ParallelChains
        The chains' weights and the vectorised update.
    X, y : torch.Tensor
        Training inputs and encoded targets on the chains' device.
    loss_fn : callable
        ``loss_fn(logits, y)``: the mean minibatch loss.
    batch_size : int
        Minibatch size of every chain.
    batch_generator, noise_generator : torch.Generator
        Minibatch order and SGLD noise.
    lr, weight_decay, temperature : float
        As in [`SGLD`][sklearn_apd.SGLD]; the noise is scaled for ``len(X)``
        training points.
    method_settings : dict or None, default=None
        ``method`` and its settings (``friction``, ``precond_decay``,
        ``precond_eps``) as in [`SGLD`][sklearn_apd.SGLD]; None is plain SGLD.
    burn_in : int
        Steps (per chain) before the states count as posterior samples.
    schedule : ConstantSchedule or CyclicalSchedule or None, default=None
        The step-size schedule: step ``k`` (1-based) runs at
        ``lr * schedule.lr_factor(k)``, without noise outside the sampling
        stages. None is the constant schedule.
    divergence_message : callable
        ``divergence_message(what, step)``: the text of the DivergenceError.
    layer_rng : callable or None, default=None
        ``layer_rng()`` returns the context (torch's global generator seeded
        for the sampler's layers, e.g. dropout) to step in; see `running()`.

    Attributes
    ----------
    n_steps : int
        Steps every chain has taken.
    """

    def __init__(
        self,
        chains: ParallelChains,
        X: torch.Tensor,
        y: torch.Tensor,
        loss_fn,
        *,
        batch_size: int,
        batch_generator: torch.Generator,
        noise_generator: torch.Generator,
        lr: float,
        weight_decay: float,
        temperature: float,
        burn_in: int,
        divergence_message,
        layer_rng=None,
        method_settings: dict | None = None,
        schedule: ConstantSchedule | CyclicalSchedule | None = None,
    ):
        self.chains = chains
        self.X, self.y = X, y
        self.loss_fn = loss_fn
        self.batch_size = batch_size
        self.batch_generator = batch_generator
        self.noise_generator = noise_generator
        self.hyper = dict(
            lr=lr, weight_decay=weight_decay, temperature=temperature, **(method_settings or {})
        )
        self.burn_in = burn_in
        self.schedule = schedule if schedule is not None else ConstantSchedule()
        self.divergence_message = divergence_message
        self.n_steps = 0
        self._batches = self._minibatch_stream()
        self._layer_rng = layer_rng

    def running(self):
        """Context to step in: layers that draw random numbers (dropout) draw
        from the sampler's seeded stream, and torch's global state is restored
        afterwards."""
        return self._layer_rng() if self._layer_rng is not None else contextlib.nullcontext()

    @property
    def states(self) -> torch.Tensor:
        """The ``(K, P)`` weights of the chains (updated in place by `step()`)."""
        return self.chains.states

    @property
    def n_chains(self) -> int:
        """Number of chains ``K`` (rows of the states)."""
        return self.chains.n_chains

    @property
    def past_burn_in(self) -> bool:
        """Whether the states are posterior samples (more than ``burn_in`` steps)."""
        return self.n_steps > self.burn_in

    @property
    def collecting(self) -> bool:
        """Whether the states are samples to keep: past burn-in, in a sampling stage."""
        return self.past_burn_in and self.schedule.is_sampling(self.n_steps)

    def _minibatch_stream(self):
        n = self.X.shape[0]
        while True:
            yield from chain_minibatches(n, self.n_chains, self.batch_size, self.batch_generator)

    def step(self) -> torch.Tensor:
        """One SGLD step of every chain on its own minibatch; returns the ``(K,)`` losses.

        After burn-in, a non-finite loss or weight raises
        [`DivergenceError`][sklearn_apd.DivergenceError].
        """
        idx = next(self._batches)
        k = self.n_steps + 1
        hyper = dict(self.hyper)
        hyper["lr"], hyper["temperature"] = self.schedule.step_settings(
            k, hyper["lr"], hyper["temperature"]
        )
        losses = self.chains.step(
            self.X[idx],
            self.y[idx],
            self.loss_fn,
            num_data=self.X.shape[0],
            generator=self.noise_generator,
            **hyper,
        )
        self.n_steps += 1
        if self.past_burn_in and not all_finite((losses, self.states)):
            raise DivergenceError(self.divergence_message("SGLD", self.n_steps))
        return losses
