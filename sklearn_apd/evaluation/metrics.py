"""Out-of-distribution detection and calibration metrics, and scorers.

OOD metrics take ``(scores_in, scores_out)``: uncertainty scores of
in-distribution and out-of-distribution inputs, where a **higher score means
"more likely OOD"** (every ``uncertainty`` kind of the package is such a score).

- :func:`ood_auroc`: area under the ROC curve of OOD-vs-in by the score; 0.5 is
  chance, ties count one half.
- :func:`ood_aupr_in`: average precision with in-distribution as the positive
  class, ranked by *minus* the score.
- :func:`ood_aupr_out`: average precision with OOD as the positive class.
- :func:`fpr_at_95_tpr`: the fraction of in-distribution inputs flagged as OOD
  at the first threshold that flags at least 95% of the OOD inputs (OOD is
  the positive class; thresholds as in :func:`sklearn.metrics.roc_curve`).

Calibration metrics take true labels and predicted probabilities
``(n, n_classes)``; labels are indices into the columns, or are mapped
through ``labels`` (e.g. an estimator's ``classes_``).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from .._utils import check_positive_int
from ..prediction import final_step, probability_samples
from ..uncertainty import get_measure

__all__ = [
    "OODReport",
    "brier_score",
    "expected_calibration_error",
    "fpr_at_95_tpr",
    "make_calibration_scorer",
    "make_ood_scorer",
    "negative_log_likelihood",
    "ood_aupr_in",
    "ood_aupr_out",
    "ood_auroc",
    "ood_report",
    "plot_reliability_diagram",
    "uncertainty_scores",
]


# ---------------------------------------------------------------- OOD metrics
def _check_scores(scores_in, scores_out):
    arrays = []
    for name, s in (("scores_in", scores_in), ("scores_out", scores_out)):
        a = np.asarray(s)
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{name} must hold numbers; got dtype {a.dtype}.")
        a = a.astype(np.float64)
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one score per input); got shape {a.shape}.")
        if a.size == 0:
            raise ValueError(
                f"{name} is empty: OOD metrics need at least one in-distribution "
                "and one out-of-distribution score."
            )
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinity.")
        arrays.append(a)
    s_in, s_out = arrays
    y = np.r_[np.zeros(len(s_in)), np.ones(len(s_out))]
    return y, np.r_[s_in, s_out]


def ood_auroc(scores_in, scores_out):
    """AUROC of detecting OOD inputs by their score (higher = more OOD).

    Parameters
    ----------
    scores_in, scores_out : array-like of shape (n_in,), (n_out,)

    Returns
    -------
    auroc : float in [0, 1]

    Examples
    --------
    >>> from sklearn_apd.metrics import ood_auroc
    >>> ood_auroc([0.1, 0.2, 0.6], [0.5, 0.9])
    0.8333333333333334
    """
    y, s = _check_scores(scores_in, scores_out)
    return float(roc_auc_score(y, s))


def ood_aupr_in(scores_in, scores_out):
    """Average precision with in-distribution as positive, ranked by ``-score``.

    Parameters
    ----------
    scores_in, scores_out : array-like of shape (n_in,), (n_out,)

    Returns
    -------
    aupr_in : float in [0, 1]
    """
    y, s = _check_scores(scores_in, scores_out)
    return float(average_precision_score(1 - y, -s))


def ood_aupr_out(scores_in, scores_out):
    """Average precision with OOD as positive, ranked by the score.

    Parameters
    ----------
    scores_in, scores_out : array-like of shape (n_in,), (n_out,)

    Returns
    -------
    aupr_out : float in [0, 1]
    """
    y, s = _check_scores(scores_in, scores_out)
    return float(average_precision_score(y, s))


def fpr_at_95_tpr(scores_in, scores_out):
    """False positive rate when 95% of the OOD inputs are detected.

    Parameters
    ----------
    scores_in, scores_out : array-like of shape (n_in,), (n_out,)

    Returns
    -------
    fpr : float in [0, 1]
        Lower is better.

    Examples
    --------
    >>> from sklearn_apd.metrics import fpr_at_95_tpr
    >>> fpr_at_95_tpr([0.0, 0.1, 0.2, 0.9], [0.3, 0.4, 0.8, 0.95])
    0.25
    """
    y, s = _check_scores(scores_in, scores_out)
    fpr, tpr, _ = roc_curve(y, s)
    return float(fpr[np.searchsorted(tpr, 0.95, side="left")])


_OOD_METRICS = {
    "AUROC": ood_auroc,
    "AUPR-in": ood_aupr_in,
    "AUPR-out": ood_aupr_out,
    "FPR95": fpr_at_95_tpr,
}


# ---------------------------------------------------------------- estimators
def uncertainty_scores(estimator, X, kinds, n_samples=None):
    """``{kind: scores}`` of several uncertainty kinds from one evaluation of the draws.

    Parameters
    ----------
    estimator : fitted classifier or Pipeline ending in one
        Per-draw probabilities from :func:`sklearn_apd.prediction.probability_samples`
        (one draw for a point estimator).
    X : array-like of shape (n, ...)
    kinds : sequence of str
        Keys of :data:`sklearn_apd.uncertainty.KINDS`.
    n_samples : int or None, default=None

    Returns
    -------
    scores : dict of str to ndarray of shape (n,)
    """
    measures = {kind: get_measure(kind) for kind in kinds}
    probas = probability_samples(estimator, X, n_samples)
    return {kind: np.asarray(m(probas), dtype=np.float64) for kind, m in measures.items()}


class OODReport:
    """A table of OOD metrics: one row per (OOD set, uncertainty kind).

    Attributes
    ----------
    rows : list of dict
        Keys ``"ood_set"``, ``"kind"``, ``"AUROC"``, ``"AUPR-in"``,
        ``"AUPR-out"``, ``"FPR95"``.
    """

    columns = ("ood_set", "kind", "AUROC", "AUPR-in", "AUPR-out", "FPR95")

    def __init__(self, rows):
        self.rows = list(rows)

    def to_markdown(self, digits=3):
        """The table as GitHub Markdown."""
        head = "| " + " | ".join(self.columns) + " |"
        rule = "|" + "---|" * len(self.columns)
        body = [
            "| "
            + " | ".join(
                f"{row[c]:.{digits}f}" if isinstance(row[c], float) else str(row[c])
                for c in self.columns
            )
            + " |"
            for row in self.rows
        ]
        return "\n".join([head, rule, *body])

    def to_frame(self):
        """The table as a :class:`pandas.DataFrame` (needs pandas)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(self.columns))

    def get(self, ood_set, kind, metric="AUROC"):
        """One value of the table."""
        for row in self.rows:
            if row["ood_set"] == ood_set and row["kind"] == kind:
                return row[metric]
        raise KeyError(f"no row for ood_set={ood_set!r}, kind={kind!r}")

    def __str__(self):
        return self.to_markdown()

    __repr__ = __str__


def ood_report(estimator, X_in, ood_sets, kinds=("entropy", "bald"), n_samples=None):
    """OOD detection metrics of a fitted estimator for several OOD sets and kinds.

    Each input set is evaluated once; every kind is computed from the same
    posterior draws.

    Parameters
    ----------
    estimator : fitted classifier or Pipeline
        With ``predict_proba_samples`` (posterior estimators) or at least
        ``predict_proba`` (then the probabilities count as one draw, so BALD,
        variation ratio and model variance are 0).
    X_in : array-like
        In-distribution inputs.
    ood_sets : dict of str to array-like
        Named out-of-distribution input sets.
    kinds : sequence of str, default=("entropy", "bald")
        Uncertainty kinds from :mod:`sklearn_apd.uncertainty`.
    n_samples : int, default=None
        Posterior draws; the estimator's own default when None.

    Returns
    -------
    report : OODReport
        Print it for Markdown; ``report.to_frame()`` for pandas.
    """
    if not isinstance(ood_sets, dict) or not ood_sets:
        raise ValueError("ood_sets must be a non-empty dict {name: X_out}.")
    kinds = tuple(kinds)
    for kind in kinds:
        get_measure(kind)
    s_in = uncertainty_scores(estimator, X_in, kinds, n_samples)
    rows = []
    for name, X_out in ood_sets.items():
        s_out = uncertainty_scores(estimator, X_out, kinds, n_samples)
        for kind in kinds:
            row = {"ood_set": name, "kind": kind}
            for col, metric in _OOD_METRICS.items():
                row[col] = metric(s_in[kind], s_out[kind])
            rows.append(row)
    return OODReport(rows)


# ------------------------------------------------------------------ scorers
def make_ood_scorer(X_out, kind="entropy", metric="AUROC", n_samples=None):
    """A scorer for ``GridSearchCV(scoring=...)`` that rates OOD detection.

    ``scorer(estimator, X, y)`` scores the validation inputs ``X`` (in
    distribution; ``y`` is ignored) and ``X_out`` with ``uncertainty(kind)``
    and returns ``metric``. Works on Pipelines (``X_out`` goes through the same
    transforms). FPR95 is returned negated so that higher is better.

    Parameters
    ----------
    X_out : array-like
        Out-of-distribution inputs, in the same (raw) form as ``X``.
    kind : str, default="entropy"
    metric : {"AUROC", "AUPR-in", "AUPR-out", "FPR95"}, default="AUROC"
    n_samples : int, default=None

    Returns
    -------
    scorer : callable
    """
    get_measure(kind)
    if metric not in _OOD_METRICS:
        raise ValueError(f"metric={metric!r} must be one of {sorted(_OOD_METRICS)}.")
    fn = _OOD_METRICS[metric]
    sign = -1.0 if metric == "FPR95" else 1.0

    def ood_scorer(estimator, X, y=None):
        s_in = uncertainty_scores(estimator, X, (kind,), n_samples)[kind]
        s_out = uncertainty_scores(estimator, X_out, (kind,), n_samples)[kind]
        return sign * fn(s_in, s_out)

    ood_scorer.__name__ = f"ood_{metric}_{kind}"
    return ood_scorer


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
