"""DeterministicClassifier: the paper's "SGD" baseline, a point-mass posterior."""

from __future__ import annotations

import torch
from sklearn.utils.validation import check_is_fitted

from ..nets import MLP
from ._network import NetworkPosteriorClassifier
from ._sgd import SGDNetworkClassifier


class DeterministicClassifier(SGDNetworkClassifier):
    """A point-estimate network trained by SGD: the paper's "SGD" baseline.

    It has the posterior estimators' API so that it can be compared with them
    anywhere, with a posterior that is a point mass on the trained weights:
    every prediction method evaluates one network, ``predict_proba_samples``
    returns one draw whatever ``n_samples`` asks for, and ``sample_parameters(n)``
    repeats the weights ``n`` times. Of the uncertainty kinds, ``"entropy"`` and
    ``"least_confidence"`` are the meaningful ones; ``"bald"``,
    ``"model_variance"`` and ``"variation_ratio"`` are 0 for every input (one
    draw cannot disagree with itself).

    Parameters
    ----------
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
        The largest minibatch: each pass over the ``n`` training points is cut
        into ``ceil(n / batch_size)`` minibatches of near-equal size (130 points
        and 64 give 44, 43, 43, not 64, 64, 2).
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

    Attributes
    ----------
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
    weights_ : torch.Tensor of shape (n_parameters_,)
        The trained weights as one flat float32 vector.
    storage_size_ : int
        ``n_parameters_``.

    Examples
    --------
    >>> from sklearn_apd import DeterministicClassifier
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits(return_X_y=True)
    >>> clf = DeterministicClassifier(max_epochs=30, lr=0.5, random_state=0).fit(X, y)
    >>> clf.predict_proba_samples(X[:4]).shape
    (1, 4, 10)
    >>> float(clf.uncertainty(X[:4], kind="bald").max())
    0.0
    """

    _posterior_attributes = ("module_", "weights_")

    def __init__(
        self,
        module=MLP,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        *,
        lr=0.05,
        weight_decay=1e-3,
        momentum=0.0,
        max_epochs=100,
        max_iter=None,
        batch_size=100,
        callbacks=None,
        warm_start=False,
        verbose=0,
        device="auto",
        random_state=None,
        working_memory=None,
        **kwargs,
    ):
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.max_epochs = max_epochs
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.verbose = verbose
        self.device = device
        self.random_state = random_state
        self.working_memory = working_memory
        self._store_routed(kwargs)

    def _resolve_n_samples(self, n_samples):
        super()._resolve_n_samples(1 if n_samples is None else n_samples)  # validates
        return 1

    def sample_parameters(self, n, random_state=None):
        """The trained weights repeated ``n`` times (a point-mass posterior).

        Parameters
        ----------
        n : int
        random_state : ignored

        Returns
        -------
        params : torch.Tensor of shape (n, n_parameters_)
        """
        check_is_fitted(self)
        n = NetworkPosteriorClassifier._resolve_n_samples(self, n)
        return self.weights_.expand(n, -1).clone()

    def _parameter_source(self, n_draws, generator):
        weights = self.weights_[None]
        return lambda start, stop: weights.expand(stop - start, -1)
