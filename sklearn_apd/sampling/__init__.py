"""Sampling layer: the SGLD update rule, the optimizer, vectorised chains, the sampler protocol.

- `sgld_update_()`, `sghmc_update_()`, `psgld_update_()`: the update rules
  (SGLD, SGHMC, preconditioned SGLD), each written once, and
  `sampler_step_()`, the one dispatcher over `METHODS`; `sghmc_finish_()` and
  `psgld_finish_()`, the rest of an update whose gradient part a backward pass
  applied (the fused steps, `SGLD.fused_step_plan`);
- `pack_contiguous_()`: lays parameters out in one buffer, so each of a
  fused step's element-wise passes is one kernel (`unpack_contiguous_()`
  undoes it);
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
from ._flat import pack_contiguous_, unpack_contiguous_
from ._optimizer import SGLD
from ._protocol import WeightSampler
from ._rules import (
    METHOD_DEFAULTS,
    METHODS,
    psgld_finish_,
    psgld_update_,
    sampler_step_,
    sghmc_finish_,
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
    "pack_contiguous_",
    "psgld_finish_",
    "psgld_update_",
    "sampler_step_",
    "sghmc_finish_",
    "sghmc_update_",
    "sgld_noise_std",
    "sgld_update_",
    "unpack_contiguous_",
]
