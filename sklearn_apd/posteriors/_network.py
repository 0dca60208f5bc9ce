"""Base classes of the posteriors trained as a skorch network: SGLD, SGD, MC dropout.

`NetworkPosterior` holds what does not depend on the task (network set-up,
the training loop, divergence checks, pickling); `NetworkPosteriorClassifier`
adds class labels and the classifiers' prediction API. The regressors' base is
in ``_regression.py``.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import numbers
import time
import warnings

import numpy as np
import torch
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data
from skorch import NeuralNet
from skorch.callbacks import Callback, EpochTimer, PrintLog
from skorch.history import History

from .._utils import (
    STREAM_BATCHES,
    STREAM_INIT,
    STREAM_LAYERS,
    make_generator,
    progress_bar,
    resolve_device,
    seeded_global_rng,
)
from ..exceptions import DivergenceError
from ..nets import MLP, MLPGradient, ParameterLayout
from ..prediction import PosteriorDrawsMixin, PosteriorPredictionMixin
from ..sampling import SGLD, balanced_batches, pack_contiguous_, unpack_contiguous_
from ._routed_params import RoutedParamsMixin


def _never(_self):
    return False


# Fits shorter than this draw SGLD's noise in place (see NetworkPosterior._noise_ahead).
_MIN_STEPS_AHEAD = 64


class NetworkPosterior(RoutedParamsMixin, PosteriorDrawsMixin, NeuralNet):
    """Shared machinery of the estimators that train one network with skorch. Not for direct use.

    The task-independent base of
    [`NetworkPosteriorClassifier`][sklearn_apd.posteriors.NetworkPosteriorClassifier] and
    [`NetworkPosteriorRegressor`][sklearn_apd.posteriors.NetworkPosteriorRegressor].
    A task subclass defines ``_validate_fit_data`` (the targets, and the
    fitted attributes that describe them), ``_task_attributes`` and
    ``_check_output_shape``; an estimator defines ``__init__`` (explicit
    parameters plus ``**kwargs`` for routed
    ``module__*``/``optimizer__*``/``callbacks__*`` parameters), the training
    in ``_fit_posterior`` and the test-time posterior in ``_parameter_source``.
    """

    _parameter_constraints: dict = {
        # A class or an instance (both callable); a name such as "ConvNet" is
        # caught here, not as "'str' object is not callable" inside skorch.
        "module": [callable],
        "criterion": [callable],
        "optimizer": [callable],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str, torch.device, None],
        "random_state": ["random_state"],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "callbacks": [list, None],
    }

    # skorch sets these in NeuralNet.__init__; here they are class defaults so that
    # an unfitted estimator holds only its parameters (scikit-learn's contract).
    initialized_ = False
    history_ = None
    virtual_params_: dict = {}
    # skorch settings this package does not expose: the training loop feeds
    # tensors directly (no Dataset/DataLoader, no validation split).
    use_caching = False
    compile = False
    predict_nonlinearity = "auto"
    train_split = None
    torch_load_kwargs = None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    #: Fitted attributes the test-time posterior needs (set by subclasses).
    _posterior_attributes: tuple = ("module_",)

    #: Fitted attributes that describe the targets (set by the task subclass).
    _task_attributes: tuple = ()

    def __sklearn_is_fitted__(self):
        return all(
            k in self.__dict__ for k in (*self._task_attributes, *self._posterior_attributes)
        )

    @property
    def _default_callbacks(self):
        callbacks = [("epoch_timer", EpochTimer())]
        if self.verbose >= 2:  # PrintLog formats a table every epoch: not for free
            callbacks.append(("print_log", PrintLog()))
        return callbacks

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        # skorch opens a per-batch history row here; per-epoch rows suffice and
        # keep long chains (hundreds of thousands of iterations) light.
        """skorch hook, a no-op: per-epoch history rows only, which keeps long chains light."""
        pass

    # skorch's partial_fit runs its own loop, which does not apply here.
    @available_if(_never)
    def partial_fit(self, X, y=None, classes=None, **fit_params):  # pragma: no cover
        """Not offered: skorch's own loop does not apply to posterior estimators."""
        raise NotImplementedError

    # ------------------------------------------------------------- validation
    def _validate_fit_data(self, X, y, reset=True):
        """Validated ``X`` (float32) and the targets in the network's encoding.

        With ``reset=False`` (a ``warm_start`` fit) the targets must match the
        previous fit's; the task attributes are kept.
        """
        raise NotImplementedError

    def _validate_fit_X(self, X, y, reset, **kwargs):
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            dtype=np.float32,
            allow_nd=True,
            ensure_min_samples=1,
            **kwargs,
        )
        if not reset and tuple(X.shape[1:]) != self.input_shape_:
            raise ValueError(
                "warm_start=True continues the previous fit and needs the same input "
                f"shape; got {tuple(X.shape[1:])}, previously {self.input_shape_}."
            )
        self.input_shape_ = tuple(X.shape[1:])
        return X, y

    def _inferred_module_kwargs(self):
        """Constructor arguments taken from the data when the module class accepts them."""
        return {"n_features_in": int(np.prod(self.input_shape_))}

    # --------------------------------------------------------- initialization
    def _reset_fitted_state(self):
        """Forget everything ``fit`` set, so that a failed refit leaves no half state."""
        for key in [k for k in self.__dict__ if k.endswith("_") and not k.startswith("__")]:
            if key not in ("prefixes_", "cuda_dependent_attributes_"):
                del self.__dict__[key]

    def _seeded_global_rng(self, stream):
        return seeded_global_rng(self.random_state, stream, self.device_)

    def initialize_module(self):
        """skorch hook: build ``module_`` from ``module`` and the routed parameters, seeded by
        ``random_state``.
        """
        self.module_ = self._build_module(STREAM_INIT)
        return self

    def _build_module(self, stream, reinitialize=False):
        """A new network from ``module``, its random initialisation from ``stream``.

        ``reinitialize`` (used for extra chains) makes a copied module instance
        draw fresh weights through its layers' ``reset_parameters``.
        """
        kwargs = self.get_params_for("module")
        module = self.module
        if isinstance(module, torch.nn.Module):
            # Never train the user's object in place.
            with self._seeded_global_rng(stream):
                module = type(module)(**kwargs) if kwargs else copy.deepcopy(module)
                if reinitialize and not kwargs:
                    for layer in module.modules():
                        if hasattr(layer, "reset_parameters"):
                            layer.reset_parameters()
        else:
            try:
                accepted = inspect.signature(module).parameters
            except (TypeError, ValueError):
                accepted = {}
            inferred = {**self._inferred_module_kwargs(), **self._module_defaults()}
            for key, value in inferred.items():
                if key in accepted and key not in kwargs:
                    kwargs[key] = value
            with self._seeded_global_rng(stream):
                try:
                    module = module(**kwargs)
                except TypeError as exc:  # a routed module__* the class does not take
                    raise ValueError(
                        f"module={getattr(module, '__name__', module)!r} could not be built "
                        f"with the arguments {sorted(kwargs)}: {exc}. Check the module__* "
                        "parameters."
                    ) from exc
        if not isinstance(module, torch.nn.Module):
            raise ValueError(
                f"module={self.module!r} must be a torch.nn.Module class or instance; "
                f"it produced {type(module).__name__}."
            )
        return module

    def _module_defaults(self):
        """Constructor arguments filled in when the module class accepts them."""
        return {}

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
        """skorch hook: a fresh `skorch.history.History` (one row per epoch)."""
        self.history_ = History()
        return self

    def _initialize_network(self, X, y):
        """Build module, criterion, optimizer, callbacks and history for data X, y."""
        self.device_ = resolve_device(self.device)
        self.initialize()
        self.n_iter_ = 0
        self._batch_gen = make_generator(self.random_state, STREAM_BATCHES, self.device_)
        self.layout_ = ParameterLayout(self.module_)
        self.n_parameters_ = self.layout_.n_parameters
        if self.n_parameters_ == 0:
            raise ValueError(f"module={self.module!r} has no trainable parameters.")
        self._check_output_shape(X)

    def _check_output_shape(self, X):
        """Raise a ValueError unless the network maps ``X[:1]`` to the expected outputs."""
        raise NotImplementedError

    def _module_output(self, module, X):
        """The module's output on ``X[:1]`` in eval mode, its failure as a ValueError."""
        with torch.no_grad():
            was_training = module.training
            module.eval()
            try:
                return module(self._to_tensor(X[:1]))
            except Exception as exc:  # the user's module rejects the data
                raise ValueError(
                    f"module {type(module).__name__} failed on an input of "
                    f"shape {(1, *self.input_shape_)}: {exc}"
                ) from exc
            finally:
                module.train(was_training)

    # ------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the posterior to ``X, y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Training inputs; converted to float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels of any type (classifiers), or real targets (regressors).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        continuing = self.warm_start and self.__sklearn_is_fitted__()
        if continuing:
            X, y = self._validate_fit_data(X, y, reset=False)
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

    def _epoch_record(self):
        """Extra per-epoch values for ``history_`` (subclass hook)."""
        return {}

    def _fit_iterations(self, n):
        """Minibatch steps of one fit on ``n`` points: ``max_iter``, else ``max_epochs`` passes."""
        if self.max_iter is not None:
            return int(self.max_iter)
        return self.max_epochs * -(-n // self.batch_size)

    def _train_epochs(self, X, y, after_step=None):
        """Run ``_fit_iterations`` steps of minibatch ``train_step`` over tensors X, y.

        Epochs are shuffled passes over the data; with ``max_iter`` the last one
        may stop part way.

        ``after_step(iteration, loss_sum)`` runs after every step (SGLD keeps
        its samples there). Layers that draw random numbers while training
        (dropout) draw from torch's global generator, seeded from
        ``random_state`` for the duration and restored afterwards.
        """
        n = X.shape[0]
        total = self._fit_iterations(n)
        generator = self._batch_gen
        self.module_.train()
        bar = progress_bar(
            total=total,
            disable=not self.verbose,
            desc=type(self).__name__,
            unit="it",
            leave=False,
        )
        it = self.n_iter_
        self._manual_grads = self._manual_gradient_buffers()
        self._mlp_gradient = None
        batch_hooks = self._has_batch_hooks()
        group_params = self.optimizer_.param_groups[0]["params"]
        module_params = list(self.module_.parameters())
        self._fuse_update = (
            self._manual_grads is not None
            and isinstance(self.optimizer_, SGLD)
            and not batch_hooks
            and len(group_params) == len(module_params)
            and all(a is b for a, b in zip(group_params, module_params))
        )
        if self._fuse_update:  # the update's element-wise passes: one kernel each
            pack_contiguous_(module_params)
        try:
            with self._seeded_global_rng(STREAM_LAYERS), self._noise_ahead(total):
                done = 0
                while done < total:
                    t0 = time.perf_counter()
                    self.notify("on_epoch_begin", dataset_train=None, dataset_valid=None)
                    loss_sum = torch.zeros((), device=self.device_)
                    steps = 0
                    if self._manual_grads is not None:  # bound anew: a callback may swap weights
                        self._mlp_gradient = MLPGradient(self.module_)
                    for idx in self._iterate_minibatches(n, generator):
                        if idx.dim() == 1:  # index_select: a third of X[idx]'s cost
                            batch = (X.index_select(0, idx), y.index_select(0, idx))
                        else:  # (n_chains, b)
                            batch = (X[idx], y[idx])
                        if batch_hooks:
                            self.notify("on_batch_begin", batch=batch, training=True)
                        loss = self.train_step(batch)
                        loss_sum += loss
                        it += 1
                        if after_step is not None:
                            after_step(it, loss_sum)
                        if batch_hooks:
                            self.notify("on_batch_end", batch=batch, training=True, loss=loss)
                        bar.update(1)
                        steps += 1
                        if done + steps == total:
                            break
                    done += steps
                    mean_loss = float(loss_sum) / steps
                    if not np.isfinite(mean_loss):
                        raise DivergenceError(self._divergence_message("the loss", it))
                    self.n_iter_ = it
                    record = {"train_loss": mean_loss, "n_iter": it, **self._epoch_record()}
                    record["dur"] = time.perf_counter() - t0
                    for key, value in record.items():
                        self.history_.record(key, value)
                    bar.set_postfix(loss=f"{mean_loss:.4f}")
                    self.notify("on_epoch_end", dataset_train=None, dataset_valid=None)
        finally:
            bar.close()
            self.n_iter_ = it
            if self._fuse_update:  # own storages again: a shared one pickles once per view
                unpack_contiguous_(module_params)
                self.optimizer_.unpack_state_()
            del self._manual_grads, self._fuse_update, self._mlp_gradient

    _draw_noise_ahead = True

    def _noise_ahead(self, n_steps):
        """Context of `_train_epochs`: the noise drawn a step ahead on a worker thread.

        On the fused path (`_fused_plan`: an `MLP`'s gradient by hand with the
        update's gradient part inside its backward pass, for any ``method``,
        one parameter group, one noise draw a step and nothing else drawing
        from its generator) the next step's noise is drawn while this step's
        products and element-wise passes run on one intra-op thread fewer
        (`SGLD._noise_drawn_ahead`): the same numbers in the same order, so the
        samples are those of a fit drawing in place at that thread count.
        Measured to pay there for the three methods (benchmarks/RESULTS.md:
        1.04-1.43x, 2026-12-06); not on the unfused path, where it was not measured to pay.
        Nothing at temperature 0 (no noise), for parallel chains (they step
        without the optimizer), for fits of fewer than `_MIN_STEPS_AHEAD` steps
        (the worker's start and the thread switch cost up to a few
        milliseconds, what up to 35 fcNN1 steps save), or when the instance's
        ``_draw_noise_ahead`` is False (benchmarks time the in-place draw so).
        """
        if (
            self._draw_noise_ahead
            and n_steps >= _MIN_STEPS_AHEAD
            and getattr(self, "n_chains", 1) == 1
            and self._fuse_update
            and self.optimizer_.fused_step_available()
            and self.optimizer_.param_groups[0]["temperature"] > 0
        ):
            return self.optimizer_._noise_drawn_ahead(n_steps)
        return contextlib.nullcontext()

    def _has_batch_hooks(self):
        """Whether the estimator or one of its callbacks acts on ``on_batch_begin/end``.

        skorch's own default callbacks act per epoch only, and this class's
        ``on_batch_begin`` is a no-op; the per-batch notifications cost a few
        microseconds a step, so they are sent only when something overrides them.
        """

        def overrides(obj, base, name):
            return getattr(type(obj), name, None) is not getattr(base, name)

        names = ("on_batch_begin", "on_batch_end")
        return any(overrides(self, NetworkPosterior, name) for name in names) or any(
            overrides(cb, Callback, name) for _, cb in self.callbacks_ for name in names
        )

    #: Take `nets.mlp_cross_entropy_grad_` instead of autograd where it applies (tests
    #: switch it off to compare both).
    _use_manual_gradient = True

    def _manual_gradient_buffers(self):
        """The parameters' ``.grad`` tensors for the hand-written MLP gradient, or None.

        None unless `_manual_gradient_applies`.
        """
        if not self._manual_gradient_applies():
            return None
        grads = []
        for p in self.module_.parameters():
            if p.grad is None or p.grad.shape != p.shape:
                p.grad = torch.zeros_like(p)
            grads.append(p.grad)
        return grads

    def _manual_gradient_applies(self):
        """Whether `nets.mlp_cross_entropy_grad_` (and its batched form) computes this loss.

        It applies to exactly what it computes: an `MLP` without dropout (not a
        subclass, no hooks) under ``CrossEntropyLoss`` with its defaults and this
        class's ``get_loss``, float32 weights that all train. Anything else
        (another network, loss or ``get_loss``) trains through autograd.
        """
        module, criterion = self.module_, self.criterion_
        return bool(
            self._use_manual_gradient
            and type(module) is MLP
            and not module.dropout
            and type(criterion) is torch.nn.CrossEntropyLoss
            and criterion.weight is None
            and criterion.reduction == "mean"
            and criterion.label_smoothing == 0.0
            and criterion.ignore_index == -100  # the default: no encoded class is ignored
            and type(self).get_loss is NetworkPosterior.get_loss
            and all(
                not (m._forward_hooks or m._forward_pre_hooks or m._backward_hooks)
                for m in module.modules()
            )
            and all(p.requires_grad and p.dtype == torch.float32 for p in module.parameters())
        )

    def _fused_plan(self):
        """Where the hand-written gradient folds in, for an update fused into it, or None.

        Only the `SGLD` optimizer over exactly the module's parameters, when it
        offers one (`SGLD.fused_step_plan`: the parameters for "sgld", the
        velocities for "sghmc", a gradient buffer for "psgld"), and no
        per-batch callback (one might read ``.grad``, which the fused update
        never writes).
        """
        return self.optimizer_.fused_step_plan() if self._fuse_update else None

    def _iterate_minibatches(self, n, generator):
        """Index tensors of one shuffled pass over ``n`` points: ``ceil(n / batch_size)``
        minibatches of near-equal size (`sampling.balanced_batches`), never a remainder of
        a few points.
        """
        perm = torch.randperm(n, generator=generator, device=generator.device)
        yield from balanced_batches(perm, self.batch_size)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Mean minibatch loss: ``criterion_(y_pred, y_true)``; override to customise."""
        return self.criterion_(y_pred, y_true)

    def train_step(self, batch, **fit_params):
        """One optimizer step on ``batch = (X, y)``; returns the loss tensor."""
        xb, yb = batch
        grads = getattr(self, "_manual_grads", None)
        if grads is not None:  # the same gradient, without autograd (an MLP's own)
            gradient = self._mlp_gradient
            plan = self._fused_plan()
            with torch.no_grad():
                if plan is not None:  # the update's gradient part inside the backward pass
                    loss = gradient(xb, yb, into=plan)
                    self.optimizer_.finish_fused_step_()
                    return loss
                loss = gradient(xb, yb, grads)
        else:
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

    # -------------------------------------------------------------- pickling
    def __setstate__(self, state):
        fitted_device = state.get("device_")
        device_param = state.get("device")
        # skorch's loader maps tensors to torch.device(state["device"]), which
        # does not know "auto": give it the fitted device, or the CPU when
        # unfitted (nothing to map); the parameter is restored below.
        state["device"] = "cpu" if fitted_device is None else str(fitted_device)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            super().__setstate__(state)
        if caught:  # skorch warns twice for one fallback: say it once
            messages = " ".join(dict.fromkeys(str(w.message).strip() for w in caught))
            warnings.warn(
                f"{type(self).__name__} was fitted on {fitted_device}; {messages}",
                UserWarning,
                stacklevel=2,
            )
        if fitted_device is not None:
            self.__dict__["device_"] = torch.device(self.__dict__["device"])
        self.__dict__["device"] = device_param


class NetworkPosteriorClassifier(PosteriorPredictionMixin, ClassifierMixin, NetworkPosterior):
    """Shared machinery of the classifiers that train one network with skorch. Not for direct use.

    The base of [`SGLDClassifier`][sklearn_apd.SGLDClassifier],
    [`DeterministicClassifier`][sklearn_apd.DeterministicClassifier] and
    [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] (APD and the mixture are
    meta-estimators over a sampler instead):
    [`NetworkPosterior`][sklearn_apd.posteriors.NetworkPosterior] with class labels
    (``classes_`` from ``np.unique(y)``, the network's
    outputs one logit per class) and the classifiers' prediction API.
    """

    _task_attributes = ("classes_",)

    def _validate_fit_data(self, X, y, reset=True):
        X, y = self._validate_fit_X(X, y, reset)
        check_classification_targets(y)
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {classes[0]!r}."
            )
        if not reset and not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start=True continues the previous fit and needs the same "
                f"classes; got {classes!r}, previously {self.classes_!r}."
            )
        self.classes_ = classes
        return X, y_encoded.astype(np.int64)

    def _inferred_module_kwargs(self):
        return {**super()._inferred_module_kwargs(), "n_classes": len(self.classes_)}

    def _check_output_shape(self, X):
        out = self._module_output(self.module_, X)
        if out.ndim != 2 or out.shape[1] != len(self.classes_):
            raise ValueError(
                f"module {type(self.module_).__name__} returned logits of shape "
                f"{tuple(out.shape)} for one input; expected (1, {len(self.classes_)}) "
                f"for the {len(self.classes_)} classes in y."
            )
