"""Sampling layer: the SGLD update rule, the optimizer, vectorised chains, the sampler protocol.

- `sgld_update_()`, `sghmc_update_()`, `psgld_update_()`: the update rules
  (SGLD, SGHMC, preconditioned SGLD), each written once, and
  `sampler_step_()`, the one dispatcher over `METHODS`;
- `SGLD`: the updates as a `torch.optim.Optimizer` (plain PyTorch;
  ``method="sgld" | "sghmc" | "psgld"``);
- `ParallelChains`: ``K`` chains as one ``(K, P)`` tensor, one
  vectorised step;
- `ConstantSchedule`, `CyclicalSchedule`: the step-size schedules
  (``schedule="constant" | "cyclical"``), `make_schedule()` and `kept_steps()`;
- `ChainRun`: chains of a sampler on one data set (``step``, ``states``);
- `WeightSampler`: the protocol that APD, the mixture and parallel
  chains use; [`SGLDClassifier`][sklearn_apd.SGLDClassifier] implements it.

Nothing here depends on the estimators: an estimator builds on it.
"""

from ._chains import ChainRun, ParallelChains, balanced_batches, chain_minibatches
from ._optimizer import SGLD
from ._protocol import WeightSampler
from ._rules import (
    METHOD_DEFAULTS,
    METHODS,
    psgld_update_,
    sampler_step_,
    sghmc_update_,
    sgld_noise_std,
    sgld_update_,
)
from ._schedules import (
    SCHEDULES,
    ConstantSchedule,
    CyclicalSchedule,
    kept_steps,
    make_schedule,
)

__all__ = [
    "METHODS",
    "METHOD_DEFAULTS",
    "SCHEDULES",
    "SGLD",
    "ChainRun",
    "ConstantSchedule",
    "CyclicalSchedule",
    "ParallelChains",
    "WeightSampler",
    "balanced_batches",
    "chain_minibatches",
    "kept_steps",
    "make_schedule",
    "psgld_update_",
    "sampler_step_",
    "sghmc_update_",
    "sgld_noise_std",
    "sgld_update_",
]
