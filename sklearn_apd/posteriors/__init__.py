"""Posterior layer: the estimators, each a distribution over one network's weights.

- trained as one skorch network (`NetworkPosterior`; the task bases
  `NetworkPosteriorClassifier` and `NetworkPosteriorRegressor`):
  `SGLDClassifier` (the sampler), `DeterministicClassifier`,
  `MCDropoutClassifier`; `SGLDRegressor`, `MCDropoutRegressor` (Gaussian
  likelihood with a learned noise, `GaussianNLLLoss`);
- meta-posteriors over a fitted sampler's samples:
  `APDClassifier`, `GaussianMixturePosterior`; for regression `APDRegressor`,
  `GaussianMixtureRegressor`;
- `fit_parallel_chains()` / `merge_chains()`: independent chains in
  several processes or machines.

All are importable from [`sklearn_apd`][sklearn_apd]; this module is the layer's map.
"""

from ._deterministic import DeterministicClassifier
from ._mc_dropout import MCDropoutClassifier
from ._mixture import GaussianMixturePosterior, GaussianMixtureRegressor
from ._network import NetworkPosterior, NetworkPosteriorClassifier
from ._parallel import fit_parallel_chains, merge_chains
from ._regression import GaussianNLLLoss, NetworkPosteriorRegressor
from ._regressors import MCDropoutRegressor, SGLDRegressor
from ._sgld import SGLDClassifier
from .apd import APDClassifier, APDRegressor, weight_moments

__all__ = [
    "APDClassifier",
    "APDRegressor",
    "DeterministicClassifier",
    "GaussianMixturePosterior",
    "GaussianMixtureRegressor",
    "GaussianNLLLoss",
    "MCDropoutClassifier",
    "MCDropoutRegressor",
    "NetworkPosterior",
    "NetworkPosteriorClassifier",
    "NetworkPosteriorRegressor",
    "SGLDClassifier",
    "SGLDRegressor",
    "fit_parallel_chains",
    "merge_chains",
    "weight_moments",
]
