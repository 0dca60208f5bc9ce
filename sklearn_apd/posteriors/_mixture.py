"""GaussianMixturePosterior: a Gaussian mixture fitted to SGLD weight samples."""

from __future__ import annotations

import numbers
import os
import time

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.mixture import GaussianMixture
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .._utils import STREAM_INIT, TorchPickleMixin, format_bytes, seed_from_random_state
from ..prediction import PosteriorPredictionMixin, PosteriorRegressionMixin
from ._regressors import SGLDRegressor
from ._sgld import SGLDClassifier
from ._weight_samples import adopt_network, fitted_sampler


def _physical_memory_bytes():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 16 * 2**30


class MixtureOfSamplesMixin:
    """A Gaussian mixture fitted to a sampler's weight samples. Not for direct use.

    Everything of [`GaussianMixturePosterior`][sklearn_apd.GaussianMixturePosterior]
    but the task; [`GaussianMixtureRegressor`][sklearn_apd.GaussianMixtureRegressor]
    is the same on [`SGLDRegressor`][sklearn_apd.SGLDRegressor]'s samples.
    """

    def _default_sampler(self):
        """The sampler used when ``sampler=None``."""
        raise NotImplementedError

    _parameter_constraints: dict = {
        "sampler": [object, None],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"diag", "spherical", "tied", "full"})],
        "n_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 0, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "reg_covar": [Interval(numbers.Real, 0, None, closed="left")],
        "init_params": [StrOptions({"kmeans", "k-means++", "random", "random_from_data"})],
        "random_state": ["random_state"],
        "working_memory": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        sampler=None,
        n_components=1,
        covariance_type="diag",
        n_samples=200,
        *,
        max_iter=100,
        tol=1e-3,
        reg_covar=1e-6,
        init_params="kmeans",
        random_state=None,
        working_memory=None,
        verbose=0,
    ):
        self.sampler = sampler
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.n_samples = n_samples
        self.max_iter = max_iter
        self.tol = tol
        self.reg_covar = reg_covar
        self.init_params = init_params
        self.random_state = random_state
        self.working_memory = working_memory
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _covariance_floats(self, p):
        k = self.n_components
        return {
            "diag": k * p,
            "spherical": k,
            "tied": p * (p + 1) // 2,
            "full": k * p * (p + 1) // 2,
        }[self.covariance_type]

    def _check_memory(self, n_params):
        if self.covariance_type not in ("tied", "full"):
            return
        k = 1 if self.covariance_type == "tied" else self.n_components
        # GaussianMixture holds covariances, precisions and their Cholesky factors.
        needed = 3 * k * n_params**2 * 8
        available = _physical_memory_bytes()
        if needed > available / 2:
            raise ValueError(
                f"covariance_type={self.covariance_type!r} with {n_params:,} weights needs "
                f"{k} matrices of {n_params:,} x {n_params:,}: about {format_bytes(needed)}, "
                f"more than half of this machine's {format_bytes(available)}. Use "
                "covariance_type='diag' (or 'spherical')."
            )

    @_fit_context(prefer_skip_nested_validation=False)  # the sampler validates its own
    def fit(self, X, y):
        """Fit (or take) the sampler, then the mixture to its weight samples.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        y : array-like of shape (n,), or (n, n_outputs) for the regressor

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True, **self._y_checks)
        sampler = fitted_sampler(self.sampler, X, y, self._default_sampler())
        samples = sampler.collect()
        n_train, n_params = samples.shape
        if n_train < self.n_components:
            raise ValueError(
                f"n_components={self.n_components} exceeds the {n_train} weight samples of "
                "the sampler; keep more samples (max_epochs, thinning, max_samples) or "
                "use fewer components."
            )
        self._check_memory(n_params)
        # float64: float32 variances of a component holding one sample can come out <= 0.
        data = samples.detach().cpu().double().numpy()
        seed = seed_from_random_state(self.random_state, STREAM_INIT)
        mixture = GaussianMixture(
            n_components=self.n_components,
            covariance_type=self.covariance_type,
            tol=self.tol,
            reg_covar=self.reg_covar,
            max_iter=self.max_iter,
            init_params=self.init_params,
            random_state=None if seed is None else seed % 2**32,
            verbose=self.verbose,
        )
        t0 = time.perf_counter()
        mixture.fit(data)
        self.fit_time_ = time.perf_counter() - t0
        device = sampler.device_
        adopt_network(self, sampler, device)
        self.n_training_samples_ = n_train

        def as_tensor(a):
            return torch.as_tensor(np.asarray(a, dtype=np.float32), device=device)

        self.weights_ = as_tensor(mixture.weights_)
        self.means_ = as_tensor(mixture.means_)
        self.covariances_ = as_tensor(mixture.covariances_)
        self.converged_ = bool(mixture.converged_)
        self.n_iter_ = int(mixture.n_iter_)
        self.lower_bound_ = float(mixture.lower_bound_)
        self.storage_size_ = int(
            self.n_components + self.n_components * n_params + self._covariance_floats(n_params)
        )
        return self

    def _parameter_source(self, n_draws, generator):
        comp = torch.multinomial(self.weights_, n_draws, replacement=True, generator=generator)
        # One seed per draw: a draw does not depend on how the engine chunks them.
        seeds = torch.randint(
            0, 2**62, (n_draws,), generator=generator, device=generator.device
        ).tolist()
        device, p = self.device_, self.n_parameters_
        if self.covariance_type in ("tied", "full"):
            chol = torch.linalg.cholesky(self.covariances_)
        draw_gen = torch.Generator(device=device)

        def source(start, stop):
            z = torch.empty(stop - start, p, device=device)
            for row, seed in enumerate(seeds[start:stop]):
                draw_gen.manual_seed(seed)
                z[row].normal_(generator=draw_gen)
            c = comp[start:stop].to(device)
            mean = self.means_.index_select(0, c)
            if self.covariance_type == "diag":
                return mean + z * self.covariances_.index_select(0, c).sqrt()
            if self.covariance_type == "spherical":
                return mean + z * self.covariances_.index_select(0, c).sqrt()[:, None]
            if self.covariance_type == "tied":
                return mean + z @ chol.T
            return mean + torch.einsum("sij,sj->si", chol.index_select(0, c), z)

        return source


class GaussianMixturePosterior(
    MixtureOfSamplesMixin,
    PosteriorPredictionMixin,
    ClassifierMixin,
    TorchPickleMixin,
    BaseEstimator,
):
    """A Gaussian mixture over the weights, fitted to an SGLD posterior's samples.

    The paper's mixture baseline (Figure 5): ``fit`` fits a clone of
    ``sampler`` (or uses a `sklearn.frozen.FrozenEstimator` around a
    fitted one as is, so a loop over ``n_components`` reuses one SGLD run),
    then `sklearn.mixture.GaussianMixture` on its stored weight vectors.
    Predictions average the sampler's network over ``n_samples`` weight vectors
    drawn from the mixture. Only the mixture and a copy of the network are
    kept, not the sampler or its samples.

    Parameters
    ----------
    sampler : SGLDClassifier or FrozenEstimator, default=None
        Source of the weight samples; None means ``SGLDClassifier()``.
    n_components : int, default=1
        Mixture components.
    covariance_type : {"diag", "spherical", "tied", "full"}, default="diag"
        As in GaussianMixture. "tied" and "full" hold P x P matrices for P
        weights; a fit whose covariances would not fit in this machine's memory
        is refused before anything is allocated.
    n_samples : int, default=200
        Weight draws at prediction.
    max_iter : int, default=100
        EM iterations.
    tol : float, default=1e-3
        EM convergence threshold on the lower bound.
    reg_covar : float, default=1e-6
        Added to the variances.
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
    random_state : int, RandomState instance or None, default=None
        Seeds the mixture fit and the prediction draws (the sampler has its own).
    working_memory : float or None, default=None
        MiB per chunk of the prediction engine.
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    input_shape_ : tuple of int
    module_ : torch.nn.Module
        A copy of the sampler's network, evaluated under the drawn weights.
    layout_ : ParameterLayout
    device_ : torch.device
    n_parameters_ : int
        Weights of one network (P).
    weights_ : torch.Tensor of shape (n_components,)
        Mixing proportions.
    means_ : torch.Tensor of shape (n_components, P)
    covariances_ : torch.Tensor
        (n_components, P) for "diag", (n_components,) for "spherical",
        (P, P) for "tied", (n_components, P, P) for "full".
    converged_ : bool
    n_iter_ : int
        EM iterations of the best initialization.
    lower_bound_ : float
    n_training_samples_ : int
        Weight samples the mixture was fitted to.
    fit_time_ : float
        Seconds spent fitting the mixture (not the sampler).
    storage_size_ : int
        Floats kept for test-time sampling: n_components (weights) +
        n_components * P (means) + the covariance parameters (n_components * P
        for "diag", n_components for "spherical", P (P + 1) / 2 for "tied",
        n_components * P (P + 1) / 2 for "full").

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn_apd import GaussianMixturePosterior, SGLDClassifier
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits(return_X_y=True)
    >>> sgld = SGLDClassifier(lr=0.5, max_epochs=30, burn_in=100, thinning=5,
    ...                       random_state=0).fit(X, y)
    >>> gmm = GaussianMixturePosterior(FrozenEstimator(sgld), n_components=2,
    ...                                n_samples=50, random_state=0).fit(X, y)
    >>> gmm.means_.shape == (2, sgld.n_parameters_)
    True
    """

    def _default_sampler(self):
        return SGLDClassifier()


class GaussianMixtureRegressor(
    MixtureOfSamplesMixin,
    PosteriorRegressionMixin,
    RegressorMixin,
    TorchPickleMixin,
    BaseEstimator,
):
    """A Gaussian mixture over an SGLDRegressor's weight samples (the paper's GMM baseline).

    [`GaussianMixturePosterior`][sklearn_apd.GaussianMixturePosterior] for
    regression: ``sklearn.mixture.GaussianMixture`` fitted to the
    [`SGLDRegressor`][sklearn_apd.SGLDRegressor]'s samples (weights and log
    noise precisions together), drawn from at prediction; the prediction API
    is SGLDRegressor's. A separate class rather than GaussianMixturePosterior
    on a regression sampler, so that each is a plain scikit-learn classifier
    or regressor (``is_regressor``, ``score`` as R², cross-validation
    splitters).

    Parameters
    ----------
    sampler : SGLDRegressor or FrozenEstimator, default=None
        None means ``SGLDRegressor()``.
    n_components : int, default=1
    covariance_type : {"diag", "spherical", "tied", "full"}, default="diag"
    n_samples : int, default=200
        Mixture draws used by the prediction methods.
    max_iter : int, default=100
    tol : float, default=1e-3
    reg_covar : float, default=1e-6
    init_params : {"kmeans", "k-means++", "random", "random_from_data"}, default="kmeans"
    random_state : int, RandomState instance or None, default=None
    working_memory : float or None, default=None
    verbose : int, default=0

    Each parameter means what it means in GaussianMixturePosterior.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (the sampler's).
    y_mean_, y_scale_ : ndarray of shape (n_outputs_,)
        The sampler's target standardization.
    n_features_in_ : int
    input_shape_ : tuple of int
    device_ : torch.device
    module_ : GaussianOutput
        A copy of the sampler's network.
    layout_ : ParameterLayout
    n_parameters_ : int
    n_training_samples_ : int
        Weight samples the mixture was fitted to.
    weights_, means_, covariances_ : torch.Tensor
        The mixture's parameters.
    converged_ : bool
    n_iter_ : int
    lower_bound_ : float
    fit_time_ : float
        Seconds of the mixture's EM.
    storage_size_ : int
        Floats of the mixture.

    Examples
    --------
    >>> from sklearn_apd import GaussianMixtureRegressor, SGLDRegressor
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> X, y = make_cubic_toy(random_state=0)
    >>> sgld = SGLDRegressor(lr=0.1, max_iter=1000, burn_in=200, thinning=5,
    ...                      batch_size=20, random_state=0)
    >>> gmm = GaussianMixtureRegressor(sgld, n_components=2, random_state=0).fit(X, y)
    >>> gmm.predict(X[:2], return_std=True)[1].shape
    (2,)
    """

    def _default_sampler(self):
        return SGLDRegressor()
