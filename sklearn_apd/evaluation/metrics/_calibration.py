"""Calibration metrics of predicted probabilities, a scorer and a reliability diagram."""

from __future__ import annotations

import numpy as np

from ..._utils import check_positive_int
from ...prediction import final_step


# -------------------------------------------------------------- calibration
def _check_proba(y_true, y_prob, labels):
    p = np.asarray(y_prob, dtype=np.float64)
    y = np.asarray(y_true)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"y_prob must have shape (n, n_classes >= 2); got {p.shape}.")
    if y.ndim != 1 or len(y) != len(p):
        raise ValueError(
            f"y_true must be 1-D with one label per row of y_prob; got shapes "
            f"{y.shape} and {p.shape}."
        )
    if len(y) == 0:
        raise ValueError("y_true and y_prob are empty.")
    if not np.isfinite(p).all() or (p < 0).any():
        raise ValueError("y_prob contains NaN, infinity or negative values.")
    if labels is not None:
        labels = np.asarray(labels)
        if len(labels) != p.shape[1]:
            raise ValueError(
                f"labels has {len(labels)} entries but y_prob has {p.shape[1]} columns."
            )
        order = np.argsort(labels, kind="stable")
        pos = np.searchsorted(labels[order], y)
        pos = np.clip(pos, 0, len(labels) - 1)
        if not np.array_equal(labels[order][pos], y):
            unknown = np.setdiff1d(y, labels)
            raise ValueError(f"y_true has labels {unknown!r} that are not in labels.")
        idx = order[pos]
    else:
        if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= p.shape[1]:
            raise ValueError(
                "y_true must hold class indices 0..n_classes-1 when labels is None; "
                "pass labels=estimator.classes_ for other labels."
            )
        idx = y.astype(np.int64)
    return idx, p


def expected_calibration_error(y_true, y_prob, *, n_bins=15, labels=None):
    """Expected calibration error with equal-width confidence bins.

    ``ECE = sum_b |B_b| / n * |accuracy(B_b) - confidence(B_b)|`` where the
    confidence of an input is its largest probability and bin ``b`` holds
    confidences in ``((b - 1) / n_bins, b / n_bins]`` (0 goes to the first).

    Parameters
    ----------
    y_true : array-like of shape (n,)
    y_prob : array-like of shape (n, n_classes)
    n_bins : int, default=15
    labels : array-like of shape (n_classes,), default=None
        Labels of the columns of ``y_prob``; None means ``y_true`` holds
        column indices.

    Returns
    -------
    ece : float in [0, 1]

    Examples
    --------
    >>> from sklearn_apd.metrics import expected_calibration_error
    >>> expected_calibration_error([0, 1], [[0.9, 0.1], [0.8, 0.2]], n_bins=10)
    0.45
    """
    check_positive_int("n_bins", n_bins)
    idx, p = _check_proba(y_true, y_prob, labels)
    conf = p.max(1)
    correct = (p.argmax(1) == idx).astype(np.float64)
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        mask = bins == b
        if mask.any():
            ece += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(ece)


def negative_log_likelihood(y_true, y_prob, *, labels=None, eps=1e-12):
    """Mean negative log probability of the true class (in nats).

    Probabilities below ``eps`` are raised to ``eps`` so one confident mistake
    gives a large but finite value.

    Parameters
    ----------
    y_true : array-like of shape (n,)
    y_prob : array-like of shape (n, n_classes)
    labels : array-like of shape (n_classes,), default=None
    eps : float, default=1e-12

    Returns
    -------
    nll : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.metrics import negative_log_likelihood
    >>> bool(np.isclose(negative_log_likelihood([1], [[0.5, 0.5]]), np.log(2)))
    True
    """
    idx, p = _check_proba(y_true, y_prob, labels)
    return float(-np.log(np.maximum(p[np.arange(len(idx)), idx], eps)).mean())


def brier_score(y_true, y_prob, *, labels=None):
    """Multi-class Brier score: mean over inputs of ``sum_c (p_c - [y = c])^2``.

    Lies in [0, 2]; 0 is perfect.

    Parameters
    ----------
    y_true : array-like of shape (n,)
    y_prob : array-like of shape (n, n_classes)
    labels : array-like of shape (n_classes,), default=None

    Returns
    -------
    brier : float

    Examples
    --------
    >>> from sklearn_apd.metrics import brier_score
    >>> brier_score([0, 1], [[1.0, 0.0], [0.5, 0.5]])
    0.25
    """
    idx, p = _check_proba(y_true, y_prob, labels)
    onehot = np.zeros_like(p)
    onehot[np.arange(len(idx)), idx] = 1.0
    return float(((p - onehot) ** 2).sum(1).mean())


_CALIBRATION = {
    "ece": expected_calibration_error,
    "nll": negative_log_likelihood,
    "brier": brier_score,
}


def make_calibration_scorer(metric="ece", n_samples=None, **kwargs):
    """A scorer (higher is better: the metric negated) for ``GridSearchCV``.

    Parameters
    ----------
    metric : {"ece", "nll", "brier"}, default="ece"
    n_samples : int, default=None
        Posterior draws for ``predict_proba`` when the estimator takes it.
    **kwargs
        Passed to the metric (e.g. ``n_bins``).

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y) -> -metric``
    """
    if metric not in _CALIBRATION:
        raise ValueError(f"metric={metric!r} must be one of {sorted(_CALIBRATION)}.")
    fn = _CALIBRATION[metric]

    def calibration_scorer(estimator, X, y):
        final, Xt = final_step(estimator, X)
        if n_samples is not None and hasattr(final, "predict_proba_samples"):
            proba = final.predict_proba(Xt, n_samples=n_samples)
        else:
            proba = final.predict_proba(Xt)
        return -fn(y, proba, labels=final.classes_, **kwargs)

    calibration_scorer.__name__ = f"neg_{metric}"
    return calibration_scorer


def plot_reliability_diagram(y_true, y_prob, *, n_bins=15, labels=None, ax=None):
    """Reliability diagram: accuracy against confidence per bin (needs matplotlib).

    Parameters
    ----------
    y_true : array-like of shape (n,)
    y_prob : array-like of shape (n, n_classes)
    n_bins : int, default=15
    labels : array-like of shape (n_classes,), default=None
    ax : matplotlib Axes, default=None
        Drawn on a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plot_reliability_diagram needs matplotlib: pip install 'sklearn-apd[plot]'."
        ) from exc
    idx, p = _check_proba(y_true, y_prob, labels)
    conf = p.max(1)
    correct = p.argmax(1) == idx
    bins = np.clip(np.ceil(conf * n_bins).astype(int) - 1, 0, n_bins - 1)
    edges = np.linspace(0, 1, n_bins + 1)
    acc = np.array(
        [correct[bins == b].mean() if (bins == b).any() else 0.0 for b in range(n_bins)]
    )
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.bar(edges[:-1], acc, width=1 / n_bins, align="edge", edgecolor="k", label="accuracy")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfect calibration")
    ece = expected_calibration_error(idx, p, n_bins=n_bins)
    ax.set(
        xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), title=f"ECE = {ece:.3f}"
    )
    ax.legend(loc="upper left")
    return ax
