"""Probabilistic regression metrics on Gaussian predictives, and their scorers."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri
from sklearn.utils.validation import check_consistent_length

from ...prediction import final_step


def _check_gaussian(y_true, y_mean, y_std):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_mean = np.asarray(y_mean, dtype=np.float64)
    y_std = np.asarray(y_std, dtype=np.float64)
    check_consistent_length(y_true, y_mean, y_std)
    if y_true.shape != y_mean.shape or y_true.shape != y_std.shape:
        raise ValueError(
            f"y_true, y_mean and y_std must have one shape; got {y_true.shape}, "
            f"{y_mean.shape} and {y_std.shape}."
        )
    for name, a in (("y_true", y_true), ("y_mean", y_mean), ("y_std", y_std)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity.")
    if (y_std <= 0).any():
        raise ValueError(f"y_std must be > 0 everywhere; its minimum is {y_std.min()!r}.")
    return y_true, y_mean, y_std


def gaussian_nlpd(y_true, y_mean, y_std):
    """Mean negative log predictive density of ``y_true`` under N(``y_mean``, ``y_std``²).

    ``0.5 log(2 pi std^2) + (y - mean)^2 / (2 std^2)`` averaged over every
    entry (lower is better; in nats). The Gaussian with the predictive's mean
    and standard deviation, ``predict(X, return_std=True)``: the usual
    "test log-likelihood" of the BNN regression benchmarks (Hernandez-Lobato
    & Adams, 2015), with the sign flipped.

    Parameters
    ----------
    y_true, y_mean, y_std : array-like of shape (n,) or (n, k)

    Returns
    -------
    nlpd : float

    Examples
    --------
    >>> from sklearn_apd.metrics import gaussian_nlpd
    >>> round(gaussian_nlpd([0.0], [0.0], [1.0]), 4)  # 0.5 log(2 pi)
    0.9189
    """
    y, mu, sd = _check_gaussian(y_true, y_mean, y_std)
    z = (y - mu) / sd
    return float(np.mean(0.5 * math.log(2 * math.pi) + np.log(sd) + 0.5 * z**2))


def crps_gaussian(y_true, y_mean, y_std):
    """Mean continuous ranked probability score of Gaussian predictives (lower is better).

    The closed form of Gneiting & Raftery (2007) for N(mean, std²):
    ``std * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))`` with ``z = (y -
    mean) / std``; in the units of ``y``, and equal to the absolute error for a
    point prediction (``std -> 0``).

    Parameters
    ----------
    y_true, y_mean, y_std : array-like of shape (n,) or (n, k)

    Returns
    -------
    crps : float

    Examples
    --------
    >>> from sklearn_apd.metrics import crps_gaussian
    >>> round(crps_gaussian([0.0], [0.0], [1.0]), 4)  # (sqrt(2) - 1) / sqrt(pi)
    0.2337
    """
    y, mu, sd = _check_gaussian(y_true, y_mean, y_std)
    z = (y - mu) / sd
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return float(np.mean(sd * (z * (2 * ndtr(z) - 1) + 2 * pdf - 1 / math.sqrt(math.pi))))


def interval_coverage(y_true, y_mean, y_std, *, level=0.9):
    """Fraction of ``y_true`` inside the central ``level`` interval of N(mean, std²).

    The interval is ``mean +- q std`` with ``q`` the ``(1 + level) / 2``
    quantile of the standard normal (1.645 for 0.9). A calibrated predictive
    covers about ``level`` of fresh points.

    Parameters
    ----------
    y_true, y_mean, y_std : array-like of shape (n,) or (n, k)
    level : float, default=0.9
        In (0, 1).

    Returns
    -------
    coverage : float

    Examples
    --------
    >>> from sklearn_apd.metrics import interval_coverage
    >>> interval_coverage([0.0, 1.0, 3.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    0.6666666666666666
    """
    if not (isinstance(level, (int, float)) and 0 < level < 1):
        raise ValueError(f"level={level!r} must be a number in (0, 1).")
    y, mu, sd = _check_gaussian(y_true, y_mean, y_std)
    q = ndtri(0.5 + level / 2)
    return float(np.mean(np.abs(y - mu) <= q * sd))


_REGRESSION = {"nlpd": gaussian_nlpd, "crps": crps_gaussian}


def make_regression_scorer(metric="nlpd", n_samples=None, **kwargs):
    """A scorer of probabilistic regression for ``GridSearchCV(scoring=...)``.

    Calls ``predict(X, return_std=True)`` of the estimator (or of a
    Pipeline's last step, after the other steps' transforms), so it works
    with this package's regressors and with ``BayesianRidge`` or
    ``GaussianProcessRegressor``.

    Parameters
    ----------
    metric : {"nlpd", "crps", "coverage"}, default="nlpd"
        ``"nlpd"`` and ``"crps"`` are negated (higher is better);
        ``"coverage"`` returns minus the distance of the interval coverage from
        its ``level`` (0 is best).
    n_samples : int, default=None
        Posterior draws for ``predict`` when the estimator takes ``n_samples``.
    **kwargs
        ``level`` for ``"coverage"`` (default 0.9).

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y) -> float``

    Examples
    --------
    >>> from sklearn.linear_model import BayesianRidge
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_apd.metrics import make_regression_scorer
    >>> X, y = load_diabetes(return_X_y=True)
    >>> scores = cross_val_score(BayesianRidge(), X, y, cv=3,
    ...                          scoring=make_regression_scorer("nlpd"))
    >>> bool(-6 < scores.mean() < -5)
    True
    """
    if metric not in (*_REGRESSION, "coverage"):
        raise ValueError(f"metric={metric!r} must be one of ['coverage', 'crps', 'nlpd'].")
    if metric != "coverage" and kwargs:
        raise ValueError(f"metric={metric!r} takes no options; got {sorted(kwargs)}.")
    level = kwargs.pop("level", 0.9)
    if kwargs:
        raise ValueError(f"metric='coverage' takes only level; got {sorted(kwargs)}.")

    def regression_scorer(estimator, X, y):
        final, Xt = final_step(estimator, X)
        if n_samples is not None and _takes_n_samples(final):
            mean, std = final.predict(Xt, return_std=True, n_samples=n_samples)
        else:
            mean, std = final.predict(Xt, return_std=True)
        y = np.asarray(y, dtype=np.float64).reshape(np.shape(mean))
        if metric == "coverage":
            return -abs(interval_coverage(y, mean, std, level=level) - level)
        return -_REGRESSION[metric](y, mean, std)

    regression_scorer.__name__ = f"neg_{metric}"
    return regression_scorer


def _takes_n_samples(estimator):
    import inspect

    try:
        return "n_samples" in inspect.signature(estimator.predict).parameters
    except (TypeError, ValueError):
        return False
