"""Posterior layer: the estimators, each a distribution over one network's weights.

- trained as one skorch network (`NetworkPosteriorClassifier`):
  `SGLDClassifier` (the sampler), `DeterministicClassifier`,
  `MCDropoutClassifier`;
- meta-posteriors over a fitted sampler's samples:
  `APDClassifier`, `GaussianMixturePosterior`;
- `fit_parallel_chains()` / `merge_chains()`: independent chains in
  several processes or machines.

All are importable from [`sklearn_apd`][sklearn_apd]; this module is the layer's map.
"""

from ._deterministic import DeterministicClassifier
from ._mc_dropout import MCDropoutClassifier
from ._mixture import GaussianMixturePosterior
from ._network import NetworkPosteriorClassifier
from ._parallel import fit_parallel_chains, merge_chains
from ._sgld import SGLDClassifier
from .apd import APDClassifier, weight_moments

__all__ = [
    "APDClassifier",
    "DeterministicClassifier",
    "GaussianMixturePosterior",
    "MCDropoutClassifier",
    "NetworkPosteriorClassifier",
    "SGLDClassifier",
    "fit_parallel_chains",
    "merge_chains",
    "weight_moments",
]
