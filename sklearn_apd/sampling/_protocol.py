"""The sampler protocol: what APD, the mixture and parallel chains ask of a sampler."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch

from ._chains import ChainRun


@runtime_checkable
class WeightSampler(Protocol):
    """An estimator whose posterior is a set of flat weight vectors of one network.

    [`SGLDClassifier`][sklearn_apd.SGLDClassifier] implements it; a new sampler (SGHMC,
    a regression sampler, ...) that implements it works with
    [`APDClassifier`][sklearn_apd.APDClassifier] (offline and online),
    [`GaussianMixturePosterior`][sklearn_apd.GaussianMixturePosterior] and
    [`sklearn_apd.parallel`][sklearn_apd.parallel] unchanged.

    - ``start_chains(X, y, n_chains)`` validates the data, builds the network
      and returns a [`ChainRun`][sklearn_apd.sampling.ChainRun] (``step()``,
      ``states``, ``burn_in``, ``running()``),
      so that a caller can run chains itself (online APD starts them from
      generator samples by writing ``states``). Afterwards the sampler holds
      the network like a fitted one: ``classes_``, ``input_shape_``,
      ``module_``, ``layout_``, ``n_parameters_``, ``device_``.
    - ``collect()`` returns the ``(K, n_parameters_)`` weight samples a fitted
      sampler keeps (in the layout of [`ParameterLayout`][sklearn_apd.nets.ParameterLayout]).
    - ``merge(samplers)`` (a classmethod) pools fitted samplers of the same
      network (independent chains) into one.
    """

    def start_chains(self, X, y, n_chains: int = 1) -> ChainRun:
        """Set up the network for ``(X, y)`` and return a ChainRun of ``n_chains`` chains."""

    def collect(self) -> torch.Tensor:
        """The ``(K, n_parameters_)`` weight samples the fitted sampler keeps."""

    @classmethod
    def merge(cls, samplers):
        """One fitted sampler pooling fitted ``samplers`` of the same network."""
