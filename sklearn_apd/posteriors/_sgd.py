"""What the SGD-trained baselines share: optimizer set-up and training."""

from __future__ import annotations

import inspect
import numbers

import torch
from sklearn.utils._param_validation import Interval

from ..exceptions import DivergenceError
from ._network import NetworkPosteriorClassifier

#: Constraints of the SGD parameters, on top of the network estimators' own.
SGD_CONSTRAINTS: dict = {
    "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
    "momentum": [Interval(numbers.Real, 0, None, closed="left")],
}


class SGDTrainingMixin:
    """A network trained by minibatch SGD (the point-estimate baselines). Not for direct use."""

    def initialize_optimizer(self, triggered_directly=None):
        kwargs = self.get_params_for("optimizer")
        kwargs.setdefault("lr", self.lr)
        kwargs.setdefault("weight_decay", self.weight_decay)
        try:
            accepted = inspect.signature(self.optimizer).parameters
        except (TypeError, ValueError):
            accepted = {}
        if "momentum" in accepted:
            kwargs.setdefault("momentum", self.momentum)
        elif self.momentum:
            raise ValueError(
                f"momentum={self.momentum!r} but optimizer {self.optimizer!r} takes no "
                "momentum argument."
            )
        params = [p for _, p in self.get_all_learnable_params()]
        self.optimizer_ = self.optimizer(params, **kwargs)
        return self

    def _fit_posterior(self, X, y, continuing=False):
        self._train_epochs(X, y)
        weights = self.layout_.flatten(self.module_)
        if not bool(torch.isfinite(weights).all()):
            raise DivergenceError(self._divergence_message("the weights", self.n_iter_))
        self.weights_ = weights
        self.storage_size_ = int(weights.numel())
        return self


class SGDNetworkClassifier(SGDTrainingMixin, NetworkPosteriorClassifier):
    """A classifier network trained by minibatch SGD. Not for direct use."""

    _parameter_constraints: dict = {
        **NetworkPosteriorClassifier._parameter_constraints,
        **SGD_CONSTRAINTS,
    }
