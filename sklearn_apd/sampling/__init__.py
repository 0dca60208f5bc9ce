"""Sampling layer: the SGLD update rule, the optimizer, vectorised chains, the sampler protocol.

- :func:`sgld_update_`: the SGLD update, written once;
- :class:`SGLD`: the update as a :class:`torch.optim.Optimizer` (plain PyTorch);
- :class:`ParallelChains`: ``K`` chains as one ``(K, P)`` tensor, one
  vectorised step;
- :class:`ChainRun`: chains of a sampler on one data set (``step``, ``states``);
- :class:`WeightSampler`: the protocol that APD, the mixture and parallel
  chains use; :class:`~sklearn_apd.SGLDClassifier` implements it.

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
