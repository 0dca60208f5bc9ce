"""Stochastic Gradient Langevin Dynamics as a `torch.optim.Optimizer`."""

from __future__ import annotations

import contextlib
import inspect
import math
from collections.abc import Callable, Iterable, Iterator

import torch
from torch.optim import optimizer as _torch_optimizer

from ._flat import contiguous_flat, flat_slot, slot_fits, unpack_contiguous_
from ._noise_ahead import NoiseAhead
from ._rules import (
    METHOD_DEFAULTS,
    METHODS,
    psgld_finish_,
    sampler_step_,
    sghmc_finish_,
    sgld_noise_std,
)

__all__ = ["SGLD"]


class SGLD(torch.optim.Optimizer):
    """Stochastic Gradient Langevin Dynamics (Welling & Teh, 2011).

    Eq. 4 of Wang et al. (2018) writes one SGLD step with step size η on a
    minibatch of n of the N training points as

        θ ← θ + η/2 · (∇ log p(θ) + N/n · Σᵢ ∇ log p(yᵢ | xᵢ, θ)) + ε,   ε ~ N(0, η I).

    This optimizer uses the paper's reference scaling. The model's loss L̄(θ)
    is the *mean* minibatch negative log-likelihood, so
    N/n · Σᵢ ∇ log p(yᵢ | xᵢ, θ) = −N ∇L̄(θ); ``weight_decay`` λ is the
    Gaussian prior θ ~ N(0, (Nλ)⁻¹ I), so ∇ log p(θ) = −Nλθ; and ``lr`` α sets
    η = α / N. Substituting gives the update applied here:

        θ ← θ − α/2 · (∇L̄(θ) + λθ) + √(Tα/N) · ξ,   ξ ~ N(0, I),

    where T is the ``temperature``: T = 1 samples the posterior p(θ | D),
    T < 1 a sharpened p(θ | D)^(1/T) ("cold" posterior), T = 0 is plain
    gradient descent with step α/2.

    ``method`` picks the dynamics on the same posterior and scaling:
    ``"sgld"`` (the update above), ``"sghmc"`` (with momentum and
    ``friction``, Chen et al. 2014; `sghmc_update_()`) or ``"psgld"`` (an
    RMSprop preconditioner, Li et al. 2016; `psgld_update_()`). Their
    momenta or square averages live in the optimizer's ``state``.

    Parameters
    ----------
    params : iterable of torch.Tensor or dict
        Parameters to sample, or parameter groups as for any optimizer.
    lr : float, default=0.05
        α above; the SGLD step size is ``lr / num_data``.
    num_data : int, default=50000
        N, the number of training points the mean loss stands for.
    weight_decay : float, default=1e-3
        λ, the Gaussian prior precision divided by ``num_data``.
    temperature : float, default=1.0
        Multiplies the noise variance.
    generator : torch.Generator or None, default=None
        Source of the injected noise (on the parameters' device). ``None`` uses
        torch's global generator.
    method : {"sgld", "sghmc", "psgld"}, default="sgld"
        The update rule.
    friction : float, default=0.1
        SGHMC's friction ``a`` in (0, 1]; 1 is SGLD.
    precond_decay : float, default=0.999
        pSGLD's decay of the squared-gradient average, in [0, 1). Li et al.
        use 0.99; closer to 1 the preconditioner depends less on the current
        weights, which is the bias the update's omitted Γ term would correct.
    precond_eps : float, default=1e-5
        pSGLD's damping of the preconditioner, > 0.

    References
    ----------
    M. Welling and Y. W. Teh. Bayesian learning via stochastic gradient
    Langevin dynamics. ICML 2011.
    K.-C. Wang, P. Vicol, J. Lucas, L. Gu, R. Grosse, R. Zemel. Adversarial
    distillation of Bayesian neural network posteriors. ICML 2018.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd import SGLD
    >>> w = torch.zeros(3, requires_grad=True)
    >>> opt = SGLD([w], lr=0.1, num_data=100, generator=torch.Generator().manual_seed(0))
    >>> loss = ((w - 1.0) ** 2).mean()
    >>> loss.backward()
    >>> opt.step()
    >>> w.shape
    torch.Size([3])
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.05,
        num_data: int = 50_000,
        weight_decay: float = 1e-3,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
        method: str = "sgld",
        friction: float = METHOD_DEFAULTS["friction"],
        precond_decay: float = METHOD_DEFAULTS["precond_decay"],
        precond_eps: float = METHOD_DEFAULTS["precond_eps"],
    ):
        for name, value, strict in (
            ("lr", lr, True),
            ("num_data", num_data, True),
            ("weight_decay", weight_decay, False),
            ("temperature", temperature, False),
        ):
            if not (
                isinstance(value, (int, float))
                and math.isfinite(value)
                and (value > 0 if strict else value >= 0)
            ):
                bound = "> 0" if strict else ">= 0"
                raise ValueError(f"SGLD: {name}={value!r} must be a finite number {bound}.")
        check_method_settings(method, friction, precond_decay, precond_eps)
        defaults = dict(
            lr=float(lr),
            num_data=num_data,
            weight_decay=float(weight_decay),
            temperature=float(temperature),
            method=method,
            friction=float(friction),
            precond_decay=float(precond_decay),
            precond_eps=float(precond_eps),
        )
        super().__init__(params, defaults)
        self.generator = generator
        self._reset_noise_buffers()

    def _reset_noise_buffers(self):
        # Per group (by id): the buffer the last noise was drawn into, a spare one,
        # and a buffer already holding the group's next noise (drawn ahead).
        self._noise_buffers: dict[int, tuple] = {}
        self._spare_noise: dict[int, tuple] = {}
        self._pending_noise: dict[int, tuple] = {}
        self._ahead: NoiseAhead | None = None
        self._ahead_left = 0
        # The fused step's flat buffers (see `fused_step_plan`): the method's state
        # (velocities or square averages, viewed from ``state[p]["buffer"]``), the
        # gradient buffer of "psgld", and whether the state was just made.
        self._flat_state: tuple | None = None
        self._flat_grads: tuple | None = None
        self._flat_params: tuple | None = None  # (layout key, `contiguous_flat` view or None)
        self._state_is_new = False

    # torch's Optimizer pickles only defaults, state and param_groups: keep the
    # noise stream too (with a draw made ahead and not used yet: it is the
    # stream's next draw), and rebuild the noise buffers (a copy would otherwise
    # lose them and fail on its next step).
    def __getstate__(self):
        if self._ahead is not None:
            self._ahead.wait()
        pending = {
            i: self._pending_noise[id(group)][0]
            for i, group in enumerate(self.param_groups)
            if id(group) in self._pending_noise
        }
        return {**super().__getstate__(), "generator": self.generator, "pending_noise": pending}

    def __setstate__(self, state):
        state = dict(state)
        generator = state.pop("generator", None)
        pending = state.pop("pending_noise", {})
        super().__setstate__(state)
        self.generator = generator
        self._reset_noise_buffers()
        for i, buf in pending.items():
            params = self.param_groups[i]["params"]
            self._pending_noise[id(self.param_groups[i])] = flat_slot(params, buf)

    def _noise_views(self, group, params):
        """Fresh N(0, 1) noise for ``params``: a view per parameter (`_noise_slot`)."""
        return self._noise_slot(group, params)[2]

    def _noise_slot(self, group, params):
        """Fresh N(0, 1) noise for ``params``, one call's draws in one buffer.

        The buffers and their views are kept per group and made anew only when
        the parameters' shapes, device or dtype change. Inside
        `_noise_drawn_ahead` the draw was made the step before, on a worker
        thread, and this call asks for the next one.
        """
        key = id(group)
        current = self._noise_buffers.get(key)
        if not slot_fits(current, params):
            current = flat_slot(params)
        pending = self._pending_noise.pop(key, None)
        if pending is not None:
            if self._ahead is not None:
                self._ahead.wait()
            if not slot_fits(pending, params):  # the parameters changed since that draw
                buf, ref = pending[0], current[0]
                same = (buf.numel(), buf.device, buf.dtype) == (ref.numel(), ref.device, ref.dtype)
                pending = flat_slot(params, buf) if same else None
        if pending is not None:
            current, spare = pending, current
        else:  # drawn here (or the parameters changed size since the draw ahead)
            current[0].normal_(generator=self.generator)
            spare = self._spare_noise.get(key)
        self._noise_buffers[key] = current
        if self._ahead is not None and self._ahead_left > 0:
            self._ahead_left -= 1
            if not slot_fits(spare, params):
                spare = flat_slot(params)
            self._ahead.request(spare[0])
            self._pending_noise[key] = spare
        elif spare is not None:
            self._spare_noise[key] = spare
        return current

    @contextlib.contextmanager
    def _noise_drawn_ahead(self, n_draws: int) -> Iterator[bool]:
        """Draw each noise vector one step ahead on a worker thread, for ``n_draws`` draws.

        A training loop that will draw the noise ``n_draws`` more times runs
        its steps inside this block: after each draw the next is requested from
        a `NoiseAhead` worker, and torch's intra-op threads drop by one for the
        block (restored after it), so the products run on the other cores while
        the worker draws. The draws come from the same generator in the same
        order, so every step gets the noise it gets without the block; the
        products' rounding depends on the thread count, so a fit inside the
        block equals, bit for bit, one drawing in place at one thread fewer. A draw
        made ahead and not used by the end (a step that drew nothing, e.g. at
        temperature 0) is kept and used by the next draw.

        Does nothing (yields False) with fewer than 2 intra-op threads, several
        parameter groups (the groups' draws interleave), torch's global
        generator (other layers draw from it too) or a generator off the CPU
        (a GPU draws fast and asynchronously). Yields True when it draws ahead.
        """
        threads = torch.get_num_threads()
        if (
            n_draws < 2
            or threads < 2
            or self._ahead is not None
            or len(self.param_groups) != 1
            or self.generator is None
            or self.generator.device.type != "cpu"
        ):
            yield False
            return
        self._ahead = NoiseAhead(self.generator)
        self._ahead_left = n_draws - 1  # the first draw is made in place
        torch.set_num_threads(threads - 1)
        try:
            yield True
        finally:
            torch.set_num_threads(threads)
            ahead, self._ahead, self._ahead_left = self._ahead, None, 0
            try:
                ahead.close()
            except BaseException:
                self._pending_noise.clear()  # its draw failed: nothing to keep
                raise

    def gradient_step_factors(self) -> tuple[float, float] | None:
        """``(c, a)`` of the update's gradient part, for a caller that applies it fused.

        With method ``"sgld"`` the update is θ ← c θ − a ∇L̄(θ) + σ ξ with
        c = 1 − αλ/2 and a = α/2. A caller that can apply the first two terms
        in its own backward pass (`nets.mlp_cross_entropy_grad_` with
        ``descent=``) takes ``(c, a)`` here, then calls `step_noise_` for the
        noise; the result is `step`'s to float32 rounding. ``None`` (call
        `step`) for several parameter groups, another method (its state must
        see the gradient: `fused_step_plan` covers every method), a subclass
        with its own ``step``, or step hooks (they expect `step` to run).
        """
        if not self.fused_step_available() or self.param_groups[0]["method"] != "sgld":
            return None
        _, decay, gamma = self.fused_step_plan()  # the parameters, c and -a
        return decay, -gamma

    def fused_step_plan(self) -> tuple[list[torch.Tensor], float, float] | None:
        """``(targets, β, γ)``: where a caller folds the gradient, for any ``method``.

        The generalisation of `gradient_step_factors` to every method. A
        caller computing ∇L̄(θ) in its own backward pass writes, for each
        parameter's tensor ``t`` of ``targets``, ``t ← β t + γ ∇L̄(θ)``
        (`nets.mlp_cross_entropy_grad_` with ``into=``), then calls
        `finish_fused_step_` for the rest of the update. The targets are

        - ``"sgld"``: the parameters, β = 1 − αλ/2, γ = −α/2 (the update's
          gradient part; the finish adds the noise);
        - ``"sghmc"``: the velocities, β = 1 − a, γ = −α/2 (the finish adds
          the prior and the noise to them and moves the parameters);
        - ``"psgld"``: a gradient buffer, β = 0, γ = 1 (the finish does the
          rest of `psgld_update_()`).

        The method's state lives in one flat buffer, its views in
        ``state[p]["buffer"]`` (`step` reads and updates them, so both paths
        continue each other). The result is `step`'s to float32 rounding.
        ``None`` (call `step`) for several parameter groups, a subclass with
        its own ``step``, or step hooks (`fused_step_available`). Call
        `finish_fused_step_` after each plan, before the next.
        """
        if not self.fused_step_available():
            return None
        group = self.param_groups[0]
        method, lr, params = group["method"], group["lr"], group["params"]
        if method == "sgld":
            return params, 1.0 - 0.5 * lr * group["weight_decay"], -0.5 * lr
        momenta = self._flat_method_state(params)[2]
        if method == "sghmc":
            return momenta, 1.0 - group["friction"], -0.5 * lr
        if not slot_fits(self._flat_grads, params):
            self._flat_grads = flat_slot(params)
        return self._flat_grads[2], 0.0, 1.0

    def fused_step_available(self) -> bool:
        """Whether `fused_step_plan` offers a plan (it makes the state; this does not)."""
        return (
            len(self.param_groups) == 1
            and _inherits_step(type(self))
            and not self._has_step_hooks()
        )

    def finish_fused_step_(self) -> None:
        """The rest of the update after the gradient was folded as `fused_step_plan` says.

        Call it once after each plan: it uses the state and gradient buffers the
        plan made or checked. Turns autograd off for the call when it is on. With the parameters
        laid out in one buffer (`sampling._flat.pack_contiguous_`, as the
        estimators do for an `MLP`), each element-wise pass is one kernel.
        """
        if torch.is_grad_enabled():
            with torch.no_grad():
                return self.finish_fused_step_()
        group = self.param_groups[0]
        method = group["method"]
        if method == "sgld":
            self.step_noise_()
            return
        params = group["params"]
        flat_params = self._params_flat(params)
        state_buf, _, state_views = self._flat_state  # made or checked by the plan
        if flat_params is not None:
            params, state = [flat_params], [state_buf]
        else:
            state = state_views

        def draw_noise():
            slot = self._noise_slot(group, group["params"])
            return [slot[0]] if flat_params is not None else slot[2]

        lr, weight_decay = group["lr"], group["weight_decay"]
        noise_std = sgld_noise_std(lr, group["temperature"], group["num_data"])
        first, self._state_is_new = self._state_is_new, False
        if method == "sghmc":
            sghmc_finish_(
                params,
                state,
                lr=lr,
                weight_decay=weight_decay,
                friction=group["friction"],
                noise_std=noise_std,
                draw_noise=draw_noise,
            )
            return
        grad_buf, _, grad_views = self._flat_grads
        step = [grad_buf] if flat_params is not None else grad_views
        if weight_decay:
            torch._foreach_add_(step, params, alpha=weight_decay)
        psgld_finish_(
            params,
            step,
            state,
            lr=lr,
            decay=group["precond_decay"],
            eps=group["precond_eps"],
            noise_std=noise_std,
            first=first,
            draw_noise=draw_noise,
        )

    def _params_flat(self, params):
        """`contiguous_flat` of ``params``, kept while their addresses and layouts stay."""
        key = [(p.data_ptr(), p.shape, p.stride()) for p in params]
        cached = self._flat_params
        if cached is None or cached[0] != key:
            cached = self._flat_params = (key, contiguous_flat(params))
        return cached[1]

    def _flat_method_state(self, params):
        """The method's state of ``params`` in one flat buffer: a `_flat.flat_slot`.

        Kept while ``state[p]["buffer"]`` are its views; otherwise made anew
        (zeros, or a copy of the buffers `step` made or `load_state_dict`
        loaded) and its views put there. Made anew without earlier buffers,
        it marks pSGLD's first step (its square averages start at g²).
        """
        slot, state = self._flat_state, self.state
        if slot_fits(slot, params) and all(
            state[p].get("buffer") is view for p, view in zip(params, slot[2])
        ):
            return slot
        slot = flat_slot(params)
        old = [state[p].get("buffer") for p in params]
        if all(b is not None for b in old):
            for view, b in zip(slot[2], old):
                view.copy_(b)
        else:
            slot[0].zero_()
            self._state_is_new = True
        for p, view in zip(params, slot[2]):
            state[p]["buffer"] = view
        self._flat_state = slot
        return slot

    def unpack_state_(self) -> None:
        """Give each parameter's state buffer its own storage, after fused steps.

        The fused step keeps the method's state in one flat buffer whose views
        are ``state[p]["buffer"]``; plain `pickle` would write that buffer once
        per view. A training loop calls this when it stops taking fused steps
        (the estimators do at the end of a fit); the next fused step copies
        the state into a flat buffer again.
        """
        slot, self._flat_state, self._flat_grads = self._flat_state, None, None
        self._flat_params = None
        if slot is not None:
            unpack_contiguous_(slot[2])

    def step_noise_(self) -> None:
        """The noise part σ ξ of one ``"sgld"`` update (see `gradient_step_factors`).

        Turns autograd off for the call when it is on; a training loop that is
        already under ``torch.no_grad()`` skips that switch.
        """
        if torch.is_grad_enabled():  # in-place on leaf parameters needs autograd off
            with torch.no_grad():
                return self.step_noise_()
        group = self.param_groups[0]
        std = sgld_noise_std(group["lr"], group["temperature"], group["num_data"])
        if std > 0:
            params = group["params"]
            flat = self._params_flat(params)
            slot = self._noise_slot(group, params)
            if flat is not None:  # one pass over the parameters' one buffer
                flat.add_(slot[0], alpha=std)
            else:
                torch._foreach_add_(params, slot[2], alpha=std)

    def _has_step_hooks(self) -> bool:
        """Step hooks of this optimizer or torch's global ones (private names, read safely).

        A name a future torch drops counts as "maybe hooks", so `step` runs then.
        """
        try:
            return bool(
                self._optimizer_step_pre_hooks
                or self._optimizer_step_post_hooks
                or _torch_optimizer._global_optimizer_pre_hooks
                or _torch_optimizer._global_optimizer_post_hooks
            )
        except AttributeError:  # pragma: no cover - another torch's internals
            return True

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        """Apply one update of ``method`` to every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            state = {}
            if all("buffer" in self.state[p] for p in params):
                state["buffers"] = [self.state[p]["buffer"] for p in params]
            sampler_step_(
                group["method"],
                params,
                [p.grad for p in params],
                state,
                lr=group["lr"],
                weight_decay=group["weight_decay"],
                temperature=group["temperature"],
                num_data=group["num_data"],
                draw_noise=lambda group=group, params=params: self._noise_views(group, params),
                friction=group["friction"],
                precond_decay=group["precond_decay"],
                precond_eps=group["precond_eps"],
            )
            for p, buffer in zip(params, state.get("buffers", ())):
                self.state[p]["buffer"] = buffer
        return loss


def _inherits_step(cls) -> bool:
    """Whether ``cls`` runs `SGLD.step` itself, not a ``step`` of its own.

    torch wraps ``step`` in a profiling hook on the class of the first instance
    it sees (``Optimizer._patch_step_function``): a subclass made before any
    `SGLD` gets its own wrapper around the same function, so compare unwrapped.
    """
    return inspect.unwrap(cls.step) is inspect.unwrap(SGLD.step)


def check_method_settings(method, friction, precond_decay, precond_eps) -> None:
    """Raise a ValueError naming the first invalid SG-MCMC setting."""
    if method not in METHODS:
        raise ValueError(f"method={method!r} must be one of {list(METHODS)}.")
    checks = (
        ("friction", friction, lambda v: 0 < v <= 1, "in (0, 1]"),
        ("precond_decay", precond_decay, lambda v: 0 <= v < 1, "in [0, 1)"),
        ("precond_eps", precond_eps, lambda v: v > 0, "> 0"),
    )
    for name, value, ok, bound in checks:
        if not (isinstance(value, (int, float)) and math.isfinite(value) and ok(value)):
            raise ValueError(f"SGLD: {name}={value!r} must be a finite number {bound}.")
