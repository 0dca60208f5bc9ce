"""Step-size schedules of the SG-MCMC samplers: constant, and cyclical (Zhang et al., 2020)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The schedules a sampler can follow (``schedule=``).
SCHEDULES = ("constant", "cyclical")


@dataclass(frozen=True)
class ConstantSchedule:
    """The step size ``lr`` at every step, and every step samples (plain SG-MCMC)."""

    def lr_factor(self, step: int) -> float:
        """Multiplier of ``lr`` at ``step`` (1-based): always 1."""
        return 1.0

    def is_sampling(self, step: int) -> bool:
        """Whether ``step`` (1-based) is in a sampling stage: always."""
        return True

    def sampling_mask(self, steps: np.ndarray) -> np.ndarray:
        """`is_sampling()` of an integer array of steps."""
        return np.ones(np.shape(steps), dtype=bool)

    def step_settings(self, step: int, lr: float, temperature: float) -> tuple[float, float]:
        """The ``(lr, temperature)`` of ``step``: the base values, unchanged."""
        return lr, temperature


@dataclass(frozen=True)
class CyclicalSchedule:
    """Cosine cycles of the step size (cyclical SG-MCMC, Zhang et al. 2020).

    With C = ``cycle_length`` steps per cycle, β = ``exploration_fraction``
    and the position r(k) = ((k − 1) mod C) / C ∈ [0, 1) of step k (1-based)
    in its cycle (Eq. 1 of Zhang et al.)::

        α_k = α / 2 · (cos(π r(k)) + 1)

    The first β of each cycle is the *exploration* stage: large steps
    without injected noise (SGD, or SGD with momentum for SGHMC), which
    carry the chain to a new region; the rest is the *sampling* stage, where
    the sampler's noise is on and the states count as posterior samples.
    Steps past the last cycle repeat it (a periodic schedule), so a caller that
    runs chains for longer than the budget they were set up for (online APD)
    keeps cycling.

    Parameters
    ----------
    cycle_length : int
        Steps per cycle C, >= 1.
    exploration_fraction : float, default=0.5
        β in [0, 1).

    References
    ----------
    R. Zhang, C. Li, J. Zhang, C. Chen and A. G. Wilson. Cyclical stochastic
    gradient MCMC for Bayesian deep learning. ICLR 2020.

    Examples
    --------
    >>> from sklearn_apd.sampling import CyclicalSchedule
    >>> s = CyclicalSchedule(cycle_length=4, exploration_fraction=0.5)
    >>> [round(s.lr_factor(k), 3) for k in range(1, 6)]
    [1.0, 0.854, 0.5, 0.146, 1.0]
    >>> [s.is_sampling(k) for k in range(1, 6)]
    [False, False, True, True, False]
    """

    cycle_length: int
    exploration_fraction: float = 0.5

    def position(self, step: int) -> float:
        """r(k): where step ``k`` (1-based) lies in its cycle, in [0, 1)."""
        return ((step - 1) % self.cycle_length) / self.cycle_length

    def lr_factor(self, step: int) -> float:
        """Multiplier of ``lr`` at step ``k`` (1-based): (cos(π r(k)) + 1) / 2."""
        return 0.5 * (math.cos(math.pi * self.position(step)) + 1.0)

    def is_sampling(self, step: int) -> bool:
        """Whether step ``k`` (1-based) is in a sampling stage: r(k) >= β."""
        return self.position(step) >= self.exploration_fraction

    def sampling_mask(self, steps: np.ndarray) -> np.ndarray:
        """`is_sampling()` of an integer array of steps."""
        steps = np.asarray(steps)
        return ((steps - 1) % self.cycle_length) / self.cycle_length >= self.exploration_fraction

    def step_settings(self, step: int, lr: float, temperature: float) -> tuple[float, float]:
        """The ``(lr, temperature)`` of ``step``: ``lr`` scaled by `lr_factor()`, and no noise
        (temperature 0) outside the sampling stages."""
        return lr * self.lr_factor(step), temperature if self.is_sampling(step) else 0.0


def make_schedule(
    schedule: str, n_steps: int, n_cycles: int, exploration_fraction: float
) -> ConstantSchedule | CyclicalSchedule:
    """The schedule of a fit of ``n_steps`` steps, with a parameter error for bad settings.

    ``"cyclical"`` splits ``n_steps`` into ``n_cycles`` cycles of
    ``ceil(n_steps / n_cycles)`` steps (the last may be cut short), as
    Zhang et al.'s C = ⌈K / M⌉.
    """
    if schedule == "constant":
        return ConstantSchedule()
    if schedule != "cyclical":
        raise ValueError(f"schedule={schedule!r} must be one of {list(SCHEDULES)}.")
    if not (isinstance(n_cycles, (int, np.integer)) and n_cycles >= 1):
        raise ValueError(f"n_cycles={n_cycles!r} must be an integer >= 1.")
    if not (0 <= exploration_fraction < 1):
        raise ValueError(f"exploration_fraction={exploration_fraction!r} must be in [0, 1).")
    if n_steps < 2 * n_cycles:
        raise ValueError(
            f"schedule='cyclical' with n_cycles={n_cycles} needs at least 2 steps per cycle; "
            f"the fit runs {n_steps} steps. Raise max_iter (or max_epochs) or lower n_cycles."
        )
    return CyclicalSchedule(-(-n_steps // n_cycles), float(exploration_fraction))


def kept_steps(
    schedule: ConstantSchedule | CyclicalSchedule,
    start: int,
    n_steps: int,
    burn_in: int,
    thinning: int,
) -> np.ndarray:
    """The iterations of a fit that keep a sample, as an int array.

    The fit runs steps 1..``n_steps`` of ``schedule``, which are the
    iterations ``start + 1 .. start + n_steps`` of the chain; iteration ``i``
    keeps a sample when ``i > burn_in``, ``(i - burn_in) % thinning == 0`` and
    its step is in a sampling stage.
    """
    first = max(burn_in + 1, start + 1)
    end = start + n_steps
    if end < first:
        return np.zeros(0, dtype=np.int64)
    # the first iteration > burn_in on the thinning grid
    offset = (first - burn_in - 1) // thinning + 1
    its = np.arange(burn_in + offset * thinning, end + 1, thinning, dtype=np.int64)
    return its[schedule.sampling_mask(its - start)]
