"""The prediction API shared by every posterior: weight draws, and the classifiers' methods."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import uncertainty as _uncertainty
from .._utils import STREAM_PREDICT, STREAM_SAMPLE, check_positive_int, make_generator
from ._engine import chunk_rows, predictive_outputs, softmax_


class PosteriorDrawsMixin:
    """The task-independent half of the prediction API: input checks and network draws.

    A class using it provides, once fitted: ``input_shape_``,
    ``n_features_in_``, ``device_``, ``layout_`` (a ParameterLayout) and
    ``module_`` (the network evaluated under the draws), the parameters
    ``n_samples``, ``random_state`` and ``working_memory``, and the method
    ``_parameter_source(n_draws, generator)`` returning
    ``source(start, stop) -> (stop - start, n_parameters_)`` weight draws
    (wider rows when ``_draw_layout()`` says so: SGLD's samples of a network
    with batch normalisation carry their statistics).
    A posterior that is not a set of weight vectors (MC dropout) overrides
    ``_draw_outputs`` instead.
    [`PosteriorPredictionMixin`][sklearn_apd.prediction.PosteriorPredictionMixin] (classifiers)
    and [`PosteriorRegressionMixin`][sklearn_apd.prediction.PosteriorRegressionMixin]
    build the public methods on it.
    """

    #: validate_data's checks of y in a meta-estimator's fit (regressors allow several targets).
    _y_checks: dict = {}

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
        # The package only reads its inputs, so a writeable C-contiguous float32 array on
        # the CPU is shared, not copied (a copy of MNIST's 157 MB costs 0.03-0.5 s); a
        # read-only one (a memmap) is copied, since torch cannot wrap it.
        if (
            self.device_.type == "cpu"
            and isinstance(X, np.ndarray)
            and X.dtype == np.float32
            and X.flags.c_contiguous
            and X.flags.writeable
        ):
            return torch.from_numpy(X)
        return torch.tensor(np.ascontiguousarray(X), device=self.device_)

    def _resolve_n_samples(self, n_samples):
        if n_samples is None:
            return self.n_samples
        check_positive_int("n_samples", n_samples)
        return int(n_samples)

    @property
    def _working_memory_mb(self):
        if self.working_memory is not None:
            return float(self.working_memory)
        import sklearn

        return float(sklearn.get_config()["working_memory"])

    # ------------------------------------------------------------- posterior
    def _parameter_source(self, n_draws, generator):
        """Return ``source(start, stop) -> (stop - start, P)`` weight draws."""
        raise NotImplementedError

    def _draw_layout(self):
        """The layout of one draw from the source: the weights (`ParameterLayout`)."""
        return self.layout_

    def _prediction_module(self):
        self.module_.eval()
        return self.module_

    def _draw_outputs(self, X_t, n_draws, reduce, transform):
        """``transform`` of the network's outputs under ``n_draws`` draws: ``(n_draws, n, C)``."""
        generator = make_generator(self.random_state, STREAM_PREDICT, self.device_)
        source = self._parameter_source(n_draws, generator)
        return predictive_outputs(
            self._prediction_module(),
            self._draw_layout(),
            source,
            n_draws,
            X_t,
            working_memory_mb=self._working_memory_mb,
            reduce=reduce,
            transform=transform,
        )

    #: False for posteriors that are not distributions over weight vectors.
    _has_weight_draws = True

    @available_if(lambda self: self._has_weight_draws)
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
        # A draw may carry more than weights (batch-normalisation statistics): its first P floats.
        return self._parameter_source(n, generator)(0, n)[:, : self.layout_.n_parameters].clone()


class PosteriorPredictionMixin(PosteriorDrawsMixin):
    """``predict_proba``, ``predict_proba_samples``, ``uncertainty``, ... from weight draws.

    The classifiers' prediction API on
    [`PosteriorDrawsMixin`][sklearn_apd.prediction.PosteriorDrawsMixin]; the class also
    provides ``classes_`` once fitted.
    """

    def _proba(self, X_t, n_draws, reduce):
        return self._draw_outputs(X_t, n_draws, reduce, softmax_)

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
        """Logarithm of `predict_proba()` (``-inf`` where it is 0)."""
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
            The draws are the same ones `predict_proba()` averages.
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
            The measure, see [`sklearn_apd.uncertainty`][sklearn_apd.uncertainty].
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
