"""Sampling layer: the SGLD update rule, the optimizer, vectorised chains, the sampler protocol.

- `sgld_update_()`: the SGLD update, written once;
- `SGLD`: the update as a `torch.optim.Optimizer` (plain PyTorch);
- `ParallelChains`: ``K`` chains as one ``(K, P)`` tensor, one
  vectorised step;
- `ChainRun`: chains of a sampler on one data set (``step``, ``states``);
- `WeightSampler`: the protocol that APD, the mixture and parallel
  chains use; [`SGLDClassifier`][sklearn_apd.SGLDClassifier] implements it.

Nothing here depends on the estimators: an estimator builds on it.
"""

from ._chains import ChainRun, ParallelChains, chain_minibatches
from ._optimizer import SGLD
from ._protocol import WeightSampler
from ._rules import sgld_noise_std, sgld_update_

__all__ = [
    "SGLD",
    "ChainRun",
    "ParallelChains",
    "WeightSampler",
    "chain_minibatches",
    "sgld_noise_std",
    "sgld_update_",
]
