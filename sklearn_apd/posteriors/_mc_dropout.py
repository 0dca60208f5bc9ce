"""MCDropoutClassifier: SGD with dropout, dropout kept on at prediction (Gal & Ghahramani)."""

from __future__ import annotations

import numbers

import torch
from sklearn.utils._param_validation import Interval
from torch import nn

from .._utils import STREAM_PREDICT, make_generator
from ..nets import MLP
from ..prediction import CPU_BLOCK_MB, activation_footprint, chunked_outputs
from ._sgd import SGDNetworkClassifier


class DropoutDrawsMixin:
    """MC dropout's test-time posterior: dropout masks as draws. Not for direct use.

    Shared by [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] and
    [`MCDropoutRegressor`][sklearn_apd.MCDropoutRegressor]: the module gets
    ``dropout`` when it accepts it, must hold a ``torch.nn.Dropout`` layer, and
    each draw is one mask per dropout layer shared by all inputs.
    """

    _posterior_attributes = ("module_", "weights_")
    _has_weight_draws = False

    def _module_defaults(self):
        return {"dropout": self.dropout}

    def _initialize_network(self, X, y):
        super()._initialize_network(X, y)
        self.dropout_layers_ = [
            name
            for name, m in self.module_.named_modules()
            if isinstance(m, nn.Dropout) and m.p > 0
        ]
        if not self.dropout_layers_:
            raise ValueError(
                f"module {type(self.module_).__name__} has no torch.nn.Dropout layer with "
                "p > 0, so MC dropout has nothing to sample. Use a module that takes a "
                "`dropout` argument (like sklearn_apd.nets.MLP) or contains nn.Dropout."
            )

    def _draw_outputs(self, X_t, n_draws, reduce, transform):
        """``transform`` of the outputs of ``n_draws`` dropout networks, ``(n_draws, n, C)``."""
        module = self.module_
        module.eval()
        layers = dict(module.named_modules())
        drops = [layers[name] for name in self.dropout_layers_]
        # Shapes of each dropout layer's features, from one input.
        shapes = {}

        def record(mod, _inp, out):
            shapes[mod] = tuple(out.shape[1:])

        handles = [m.register_forward_hook(record) for m in drops]
        try:
            footprint = activation_footprint(module, X_t[:1])
        finally:
            for h in handles:
                h.remove()
        # One mask per draw and layer, drawn up front: draws do not depend on chunking.
        generator = make_generator(self.random_state, STREAM_PREDICT, self.device_)
        masks = {}
        for m in drops:
            keep = 1.0 - m.p
            u = torch.rand((n_draws, *shapes[m]), generator=generator, device=self.device_)
            masks[m] = (u < keep).to(torch.float32) / keep
        active = {}

        def apply_mask(mod, _inp, out):
            mask = active[mod]
            s = mask.shape[0]
            return (out.view(s, -1, *out.shape[1:]) * mask.unsqueeze(1)).view_as(out)

        def draws(s0, s1):
            def logits_of(inputs):
                for m in drops:
                    active[m] = masks[m][s0:s1]
                s = s1 - s0
                rep = inputs.unsqueeze(0).expand(s, *inputs.shape).reshape(-1, *inputs.shape[1:])
                return module(rep).view(s, inputs.shape[0], -1)

            return logits_of

        handles = [m.register_forward_hook(apply_mask) for m in drops]
        try:
            return chunked_outputs(
                draws,
                n_draws,
                X_t,
                footprint=footprint + int(X_t[0].numel()),
                n_parameters=0,
                working_memory_mb=self._working_memory_mb,
                reduce=reduce,
                transform=transform,
                cpu_block_mb=CPU_BLOCK_MB,
            )
        finally:
            for h in handles:
                h.remove()


class MCDropoutClassifier(DropoutDrawsMixin, SGDNetworkClassifier):
    """MC dropout (Gal & Ghahramani, 2016): SGD with dropout, dropout kept at test time.

    ``fit`` trains the network by SGD with dropout (the package's
    [`MLP`][sklearn_apd.nets.MLP] gets ``dropout`` after each hidden layer,
    none on the input). At prediction each of the ``n_samples`` draws is one
    network: a dropout mask per ``torch.nn.Dropout`` layer, drawn from the
    estimator's random stream and shared by all inputs, so a draw is a
    thinned network and the result for an input does not depend on which
    other inputs are in the batch. All draws of a chunk are evaluated in one
    forward pass over the inputs repeated per draw (no Python loop over draws).
    The other layers run in eval mode.

    MC dropout is not a distribution over a weight vector that this package
    stores, so there is no ``sample_parameters``.

    Parameters
    ----------
    dropout : float, default=0.5
        Dropout probability, passed to the module as ``dropout`` when its
        constructor accepts it and ``module__dropout`` is not set. Other modules
        must contain their own ``torch.nn.Dropout`` layers.
    n_samples : int, default=200
        Stochastic forward passes (draws) at prediction.
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
    dropout_layers_ : list of str
        Names of the ``torch.nn.Dropout`` layers kept on at prediction.
    weights_ : torch.Tensor of shape (n_parameters_,)
        The trained weights as one flat float32 vector.
    storage_size_ : int
        ``n_parameters_``: the network is all that is stored.

    Examples
    --------
    >>> from sklearn_apd import MCDropoutClassifier
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits(return_X_y=True)
    >>> clf = MCDropoutClassifier(max_epochs=30, lr=0.5, n_samples=50, random_state=0)
    >>> clf.fit(X, y).predict_proba_samples(X[:4]).shape
    (50, 4, 10)
    """

    _parameter_constraints: dict = {
        **SGDNetworkClassifier._parameter_constraints,
        "dropout": [Interval(numbers.Real, 0, 1, closed="neither")],
    }

    def __init__(
        self,
        module=MLP,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        *,
        dropout=0.5,
        n_samples=200,
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
        self.dropout = dropout
        self.n_samples = n_samples
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
