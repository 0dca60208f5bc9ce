"""Base class of the posterior classifiers: skorch network + shared prediction API."""

from __future__ import annotations

import copy
import inspect
import numbers
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EpochTimer, PrintLog
from skorch.history import History

from . import uncertainty as _uncertainty
from ._engine import ParameterLayout, chunk_rows, predictive_probabilities
from ._utils import (
    STREAM_INIT,
    STREAM_PREDICT,
    STREAM_SAMPLE,
    make_generator,
    resolve_device,
    seed_from_random_state,
)


class DivergenceError(FloatingPointError):
    """Raised when training produces a non-finite loss or non-finite weights."""


def _never(_self):
    return False


class BasePosteriorClassifier(ClassifierMixin, NeuralNet):
    """Shared machinery of the posterior classifiers. Not for direct use.

    Subclasses define ``__init__`` (explicit parameters plus ``**kwargs`` for
    routed ``module__*``/``optimizer__*``/``callbacks__*`` parameters), the
    training in ``_fit_posterior`` and the test-time posterior in
    ``_parameter_source``.
    """

    _parameter_constraints: dict = {
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str, torch.device, None],
        "random_state": ["random_state"],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "callbacks": [list, None],
    }

    # Names the subclass __init__ sets; skorch's __setattr__ is bypassed for them.
    def __setattr__(self, name, value):
        if name in self._init_param_names():
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    @classmethod
    def _init_param_names(cls):
        # Cached per class: __setattr__ asks on every assignment.
        names = cls.__dict__.get("_init_param_names_cache")
        if names is None:
            names = frozenset(BaseEstimator._get_param_names.__func__(cls))
            type.__setattr__(cls, "_init_param_names_cache", names)
        return names

    # skorch sets these in NeuralNet.__init__; here they are class defaults so that
    # an unfitted estimator holds only its parameters (scikit-learn's contract).
    initialized_ = False
    history_ = None
    virtual_params_: dict = {}
    _params_to_validate: frozenset = frozenset()
    # skorch settings this package does not expose: the training loop feeds
    # tensors directly (no Dataset/DataLoader, no validation split).
    use_caching = False
    compile = False
    predict_nonlinearity = "auto"
    train_split = None
    torch_load_kwargs = None

    def _store_routed(self, kwargs):
        """Keep routed ``prefix__name`` parameters (called from ``__init__``)."""
        self._params_to_validate = set(kwargs)
        for key, value in kwargs.items():
            object.__setattr__(self, key, value)

    # ------------------------------------------------------------------ params
    def _get_param_names(self):
        routed = [k for k in self._params_to_validate if k in self.__dict__]
        return sorted(set(self._init_param_names()) | set(routed))

    def get_params(self, deep=True):
        out = {}
        for key in self._get_param_names():
            out[key] = getattr(self, key)
        if deep:
            for key, value in list(out.items()):
                if hasattr(value, "get_params") and not isinstance(value, type):
                    for sub_key, sub_value in value.get_params().items():
                        out[f"{key}__{sub_key}"] = sub_value
        return out

    def set_params(self, **params):
        """Set parameters, including routed ``module__*``-style ones.

        Like scikit-learn (and unlike skorch), nothing is re-initialized here:
        a fitted estimator keeps its fitted state until the next ``fit``, which
        also validates the names and values.

        Returns
        -------
        self : object
        """
        names = self._init_param_names()
        for key, value in params.items():
            object.__setattr__(self, key, value)
            if key not in names:
                self._params_to_validate = set(self._params_to_validate) | {key}
        return self

    def __repr__(self):
        return BaseEstimator.__repr__(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    #: Fitted attributes the test-time posterior needs (set by subclasses).
    _posterior_attributes: tuple = ("module_",)

    def __sklearn_is_fitted__(self):
        return all(k in self.__dict__ for k in ("classes_", *self._posterior_attributes))

    _routable_prefixes = ("module", "criterion", "optimizer", "callbacks")

    def _check_params(self):
        for key in sorted(self._params_to_validate):
            prefix = key.split("__", 1)[0]
            if "__" not in key or prefix not in self._routable_prefixes:
                routable = ", ".join(f"{p}__*" for p in self._routable_prefixes)
                raise ValueError(
                    f"{type(self).__name__} got an unexpected parameter {key}="
                    f"{getattr(self, key)!r}. Valid parameters are "
                    f"{sorted(self._init_param_names())} and the routed {routable}."
                )
        validate_parameter_constraints(
            self._parameter_constraints,
            {k: getattr(self, k) for k in self._init_param_names()},
            caller_name=type(self).__name__,
        )
        resolve_device(self.device)

    @property
    def _default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        if self.verbose >= 2:  # PrintLog formats a table every epoch: not for free
            callbacks.append(("print_log", PrintLog()))
        return callbacks

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a per-batch history row here; per-epoch rows suffice and
        # keep long chains (hundreds of thousands of iterations) light.
        pass

    # skorch's partial_fit runs its own loop, which does not apply here.
    @available_if(_never)
    def partial_fit(self, X, y=None, classes=None, **fit_params):  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------- validation
    def _validate_fit_data(self, X, y, reset=True):
        X, y = validate_data(
            self, X, y, reset=reset, dtype=np.float32, allow_nd=True, ensure_min_samples=1
        )
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {classes[0]!r}."
            )
        self.classes_ = classes
        self.input_shape_ = tuple(X.shape[1:])
        return X, y_encoded.astype(np.int64)

    def _validate_predict_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float32, allow_nd=True)
        if tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {tuple(X.shape[1:])}, but "
                f"{type(self).__name__} was fitted on samples of shape "
                f"{self.input_shape_}."
            )
        return self._to_tensor(X)

    def _to_tensor(self, X):
        # Copy: the input may be read-only (memmap) and must never be aliased.
        return torch.tensor(np.ascontiguousarray(X), device=self.device_)

    def _resolve_n_samples(self, n_samples):
        if n_samples is None:
            return self.n_samples
        if (
            isinstance(n_samples, bool)
            or not isinstance(n_samples, numbers.Integral)
            or n_samples < 1
        ):
            raise ValueError(f"n_samples={n_samples!r} must be an int >= 1.")
        return int(n_samples)

    @property
    def _working_memory_mb(self):
        if self.working_memory is not None:
            return float(self.working_memory)
        import sklearn

        return float(sklearn.get_config()["working_memory"])

    # --------------------------------------------------------- initialization
    def _reset_fitted_state(self):
        """Forget everything ``fit`` set, so that a failed refit leaves no half state."""
        for key in [k for k in self.__dict__ if k.endswith("_") and not k.startswith("__")]:
            if key not in ("prefixes_", "cuda_dependent_attributes_"):
                del self.__dict__[key]

    @contextmanager
    def _seeded_init(self):
        """Seed module construction from ``random_state`` without touching global state.

        Layers draw their initial weights from torch's global generator; its state
        is saved, seeded locally and restored afterwards.
        """
        seed = seed_from_random_state(self.random_state, STREAM_INIT)
        if seed is None:
            yield
            return
        devices = [self.device_] if self.device_.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        module = self.module
        if isinstance(module, torch.nn.Module):
            # Never train the user's object in place.
            module = type(module)(**kwargs) if kwargs else copy.deepcopy(module)
        else:
            try:
                accepted = inspect.signature(module).parameters
            except (TypeError, ValueError):
                accepted = {}
            inferred = {
                "n_features_in": int(np.prod(self.input_shape_)),
                "n_classes": len(self.classes_),
            }
            for key, value in inferred.items():
                if key in accepted and key not in kwargs:
                    kwargs[key] = value
            with self._seeded_init():
                module = module(**kwargs)
        if not isinstance(module, torch.nn.Module):
            raise ValueError(
                f"module={self.module!r} must be a torch.nn.Module class or instance; "
                f"it produced {type(module).__name__}."
            )
        self.module_ = module
        return self

    def _initialize_module(self, reason=None):
        with self._current_init_context("module"):
            self.initialize_module()
            self.module_ = self.module_.to(self.device_)
        return self

    def _initialize_criterion(self, reason=None):
        with self._current_init_context("criterion"):
            self.initialize_criterion()
            if isinstance(self.criterion_, torch.nn.Module):
                self.criterion_ = self.criterion_.to(self.device_)
        return self

    def initialize_history(self):
        self.history_ = History()
        return self

    def _initialize_network(self, X, y):
        """Build module, criterion, optimizer, callbacks and history for data X, y."""
        self.device_ = resolve_device(self.device)
        self.initialize()
        self.layout_ = ParameterLayout(self.module_)
        self.n_parameters_ = self.layout_.n_parameters
        if self.n_parameters_ == 0:
            raise ValueError(f"module={self.module!r} has no trainable parameters.")
        self._check_output_shape(X)

    def _check_output_shape(self, X):
        with torch.no_grad():
            was_training = self.module_.training
            self.module_.eval()
            try:
                out = self.module_(self._to_tensor(X[:1]))
            except Exception as exc:  # the user's module rejects the data
                raise ValueError(
                    f"module {type(self.module_).__name__} failed on an input of "
                    f"shape {(1, *self.input_shape_)}: {exc}"
                ) from exc
            finally:
                self.module_.train(was_training)
        if out.ndim != 2 or out.shape[1] != len(self.classes_):
            raise ValueError(
                f"module {type(self.module_).__name__} returned logits of shape "
                f"{tuple(out.shape)} for one input; expected (1, {len(self.classes_)}) "
                f"for the {len(self.classes_)} classes in y."
            )

    # ------------------------------------------------------------------- fit
    def fit(self, X, y):
        """Fit the posterior to ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Training inputs; converted to float32.
        y : array-like of shape (n_samples,)
            Class labels of any type.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_params()
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        if continuing:
            old_classes, old_shape = self.classes_, self.input_shape_
            X, y = self._validate_fit_data(X, y, reset=False)
            new_classes, new_shape = self.classes_, self.input_shape_
            if not np.array_equal(old_classes, new_classes) or old_shape != new_shape:
                self.classes_, self.input_shape_ = old_classes, old_shape
                raise ValueError(
                    "warm_start=True continues the previous fit and needs the same "
                    f"classes and input shape; got classes {new_classes!r} and "
                    f"shape {new_shape}, previously {old_classes!r} and {old_shape}."
                )
        else:
            self._reset_fitted_state()
            X, y = self._validate_fit_data(X, y)
            self._initialize_network(X, y)
        X_t = self._to_tensor(X)
        y_t = torch.as_tensor(y, device=self.device_)
        self.notify("on_train_begin", X=X, y=y)
        try:
            try:
                self._fit_posterior(X_t, y_t, continuing=continuing)
            finally:
                self.notify("on_train_end", X=X, y=y)
        except KeyboardInterrupt:
            # As in skorch: Ctrl-C ends training early and keeps what was sampled.
            warnings.warn(
                f"{type(self).__name__}.fit was interrupted after {getattr(self, 'n_iter_', 0)} "
                "iterations; the estimator keeps the posterior collected so far.",
                UserWarning,
                stacklevel=2,
            )
        except DivergenceError:
            self._reset_fitted_state()
            raise
        return self

    def _iterate_minibatches(self, n, generator):
        """Index tensors of one shuffled pass over ``n`` points."""
        perm = torch.randperm(n, generator=generator, device=generator.device)
        for start in range(0, n, self.batch_size):
            yield perm[start : start + self.batch_size]

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Mean minibatch loss: ``criterion_(y_pred, y_true)``; override to customise."""
        return self.criterion_(y_pred, y_true)

    def train_step(self, batch, **fit_params):
        """One optimizer step on ``batch = (X, y)``; returns the loss tensor."""
        xb, yb = batch
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.module_(xb)
        loss = self.get_loss(y_pred, yb, X=xb, training=True)
        loss.backward()
        self.optimizer_.step()
        return loss.detach()

    def _divergence_message(self, what, iteration):
        return (
            f"{type(self).__name__} diverged: {what} became non-finite by iteration "
            f"{iteration}. Lower lr (now {self.lr}), standardize X (e.g. with "
            "sklearn.preprocessing.StandardScaler in a Pipeline), or raise "
            f"weight_decay (now {getattr(self, 'weight_decay', 'n/a')})."
        )

    # ------------------------------------------------------------- posterior
    def _parameter_source(self, n_draws, generator):
        """Return ``source(start, stop) -> (stop - start, P)`` weight draws."""
        raise NotImplementedError

    def _prediction_module(self):
        self.module_.eval()
        return self.module_

    def _proba(self, X_t, n_draws, reduce):
        generator = make_generator(self.random_state, STREAM_PREDICT, self.device_)
        source = self._parameter_source(n_draws, generator)
        return predictive_probabilities(
            self._prediction_module(),
            self.layout_,
            source,
            n_draws,
            X_t,
            working_memory_mb=self._working_memory_mb,
            reduce=reduce,
        )

    def predict_proba(self, X, n_samples=None):
        """Posterior predictive class probabilities (Eq. 8 of the paper).

        The Monte Carlo average of the per-draw softmax outputs over
        ``n_samples`` posterior draws.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        n_samples : int, default=None
            Number of posterior draws; defaults to the ``n_samples`` parameter.

        Returns
        -------
        proba : ndarray of shape (n, n_classes), float64
            Columns follow ``classes_``.
        """
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        return self._proba(X_t, n_draws, "mean").cpu().numpy().astype(np.float64)

    def predict_log_proba(self, X, n_samples=None):
        """Logarithm of :meth:`predict_proba` (``-inf`` where it is 0)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, n_samples=n_samples))

    def predict(self, X, n_samples=None):
        """Most probable class under the posterior predictive.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        n_samples : int, default=None

        Returns
        -------
        y_pred : ndarray of shape (n,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X, n_samples=n_samples)
        return self.classes_[proba.argmax(1)]

    def predict_proba_samples(self, X, n_samples=None):
        """Class probabilities under each posterior draw.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        n_samples : int, default=None

        Returns
        -------
        probas : ndarray of shape (n_samples, n, n_classes), float32
            The draws are the same ones :meth:`predict_proba` averages.
        """
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        return self._proba(X_t, n_draws, "none").cpu().numpy()

    def uncertainty(self, X, kind="entropy", n_samples=None):
        """Per-input uncertainty; higher means more uncertain.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        kind : {"entropy", "bald", "variation_ratio", "model_variance", \
"least_confidence"}, default="entropy"
            The measure, see :mod:`sklearn_apd.uncertainty`.
        n_samples : int, default=None

        Returns
        -------
        scores : ndarray of shape (n,), float64
        """
        measure = _uncertainty.get_measure(kind)
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        # Inputs in blocks so that the (n_draws, block, C) probabilities stay bounded.
        block = chunk_rows(X_t.shape[0], 4 * n_draws * len(self.classes_), self._working_memory_mb)
        scores = [
            measure(self._proba(X_t[i : i + block], n_draws, "none").double())
            for i in range(0, X_t.shape[0], block)
        ]
        return torch.cat(scores).cpu().numpy()

    def sample_parameters(self, n, random_state=None):
        """Draw ``n`` flat weight vectors from the test-time posterior.

        Parameters
        ----------
        n : int
            Number of draws.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws; ``None`` uses the estimator's ``random_state``.

        Returns
        -------
        params : torch.Tensor of shape (n, n_parameters_)
            float32, on the device the estimator was fitted on; the layout is
            the module's ``named_parameters()`` order, flattened.
        """
        check_is_fitted(self)
        n = self._resolve_n_samples(n)
        rs = self.random_state if random_state is None else random_state
        generator = make_generator(rs, STREAM_SAMPLE, self.device_)
        return self._parameter_source(n, generator)(0, n).clone()

    # -------------------------------------------------------------- pickling
    def __setstate__(self, state):
        fitted_device = state.get("device_")
        device_param = state.get("device")
        if fitted_device is not None:
            state["device"] = str(fitted_device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            super().__setstate__(state)
        for w in caught:
            warnings.warn(
                f"{type(self).__name__} was fitted on {fitted_device}; {w.message}",
                UserWarning,
                stacklevel=2,
            )
        if fitted_device is not None:
            self.__dict__["device_"] = torch.device(self.__dict__["device"])
        self.__dict__["device"] = device_param
