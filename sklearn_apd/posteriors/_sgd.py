"""What the SGD-trained baselines share: optimizer set-up, training, parameter docs."""

from __future__ import annotations

import inspect
import numbers

import torch
from sklearn.utils._param_validation import Interval

from ..exceptions import DivergenceError
from ._network import NetworkPosteriorClassifier

SGD_PARAMETERS_DOC = """
    module : torch.nn.Module class or instance, default=MLP
        Network mapping a float32 batch to class logits; a class gets routed
        ``module__*`` parameters and, if it accepts them, ``n_features_in`` and
        ``n_classes`` from the data. An instance is copied, never trained in place.
    criterion : torch.nn.Module class, default=torch.nn.CrossEntropyLoss
    optimizer : torch.optim.Optimizer class, default=torch.optim.SGD
        Called as ``optimizer(params, lr=, weight_decay=, momentum=,
        **optimizer__kwargs)`` (``momentum`` only if it accepts one).
    lr : float, default=0.05
    weight_decay : float, default=1e-3
        L2 penalty added to the gradient of the mean loss.
    momentum : float, default=0.0
    max_epochs : int, default=100
    max_iter : int or None, default=None
        Minibatch steps per fit; when set it overrides ``max_epochs``.
    batch_size : int, default=100
    callbacks : list of (name, Callback) or None, default=None
    warm_start : bool, default=False
        If True and already fitted, ``fit`` continues training the network.
    verbose : int, default=0
        0 is silent, 1 shows a progress bar, 2 also prints a per-epoch table.
    device : {"auto", "cpu", "cuda"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds initial weights, minibatch order, dropout masks and prediction
        draws through local generators (torch's global state is restored).
    working_memory : float or None, default=None
        MiB per chunk of the prediction engine; None uses scikit-learn's
        ``working_memory`` setting.
    **kwargs
        Routed ``module__*``, ``criterion__*``, ``optimizer__*``, ``callbacks__*``.
"""

SGD_ATTRIBUTES_DOC = """
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when ``X`` had string column names.
    input_shape_ : tuple of int
    module_ : torch.nn.Module
        The trained network.
    criterion_, optimizer_ : the initialized loss and optimizer.
    callbacks_ : list of (str, Callback)
    history_ : skorch.history.History
        Per epoch: ``train_loss``, ``n_iter``, ``dur``.
    device_ : torch.device
    layout_ : ParameterLayout
    n_parameters_ : int
        Weights of the network.
    n_iter_ : int
        Minibatch steps run.
"""


class SGDNetworkClassifier(NetworkPosteriorClassifier):
    """A network trained by minibatch SGD (the point-estimate baselines). Not for direct use."""

    _parameter_constraints: dict = {
        **NetworkPosteriorClassifier._parameter_constraints,
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "momentum": [Interval(numbers.Real, 0, None, closed="left")],
    }

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
