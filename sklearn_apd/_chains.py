"""K SGLD chains of one network stepped as one vectorised computation."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.func import functional_call, grad_and_value, vmap

from ._engine import ParameterLayout


def chain_minibatches(n: int, n_chains: int, batch_size: int, generator: torch.Generator):
    """One shuffled pass per chain: yields ``(n_chains, b)`` index tensors.

    Each chain has its own permutation, as K independent runs would.
    """
    perms = torch.stack(
        [torch.randperm(n, generator=generator, device=generator.device) for _ in range(n_chains)]
    )
    for start in range(0, n, batch_size):
        yield perms[:, start : start + batch_size]


class ParallelChains:
    """The weights of ``K`` chains as one ``(K, P)`` tensor, updated by SGLD together.

    A step evaluates the minibatch loss of every chain with
    :func:`torch.func.functional_call` under :func:`torch.func.vmap` (for an
    MLP, batched matrix products instead of K small ones), takes per-chain
    gradients with :func:`torch.func.grad_and_value` and applies the SGLD
    update of :class:`~sklearn_apd.SGLD` to the whole ``(K, P)`` tensor::

        theta <- theta - lr / 2 (grad + weight_decay theta) + sqrt(T lr / N) xi

    Parameters
    ----------
    module : torch.nn.Module
        The network; its parameters are not touched (only its structure and
        buffers are used).
    layout : ParameterLayout
        Flat layout of ``module``'s parameters.
    states : torch.Tensor of shape (K, P)
        Initial weights of the chains; updated in place.
    """

    def __init__(self, module: nn.Module, layout: ParameterLayout, states: torch.Tensor):
        if states.ndim != 2 or states.shape[1] != layout.n_parameters:
            raise ValueError(
                f"states must have shape (n_chains, {layout.n_parameters}); got "
                f"{tuple(states.shape)}."
            )
        self.module = module
        self.layout = layout
        self.states = states
        self._noise = torch.empty_like(states)

    @property
    def n_chains(self) -> int:
        return self.states.shape[0]

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
    ) -> torch.Tensor:
        """One SGLD step of every chain on its own minibatch.

        ``xb``: ``(K, B, ...)``, ``yb``: ``(K, B)``; ``loss_fn(logits, y)``
        returns the mean minibatch loss. Returns the ``(K,)`` losses.
        """
        module = self.module

        def loss_of(params, x, y):
            return loss_fn(functional_call(module, params, (x,)), y)

        params = self.layout.unflatten(self.states)
        grads, losses = vmap(grad_and_value(loss_of), randomness="different")(params, xb, yb)
        flat_grad = torch.cat([grads[name].reshape(self.n_chains, -1) for name in params], 1)
        with torch.no_grad():
            if weight_decay:
                self.states.mul_(1.0 - 0.5 * lr * weight_decay)
            self.states.add_(flat_grad, alpha=-0.5 * lr)
            std = math.sqrt(temperature * lr / num_data)
            if std > 0:
                self._noise.normal_(generator=generator)
                self.states.add_(self._noise, alpha=std)
        return losses.detach()
