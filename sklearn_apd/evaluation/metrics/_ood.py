"""OOD detection metrics on scores, and on fitted estimators (reports, scorers)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

from ...prediction import probability_samples
from ...uncertainty import get_measure


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
    # Every threshold: roc_curve's default drop_intermediate=True drops collinear
    # points, which with tied (discrete) scores can be the one where TPR first
    # reaches 0.95.
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
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
        Per-draw probabilities from
        [`probability_samples()`][sklearn_apd.prediction.probability_samples]
        (one draw for a point estimator).
    X : array-like of shape (n, ...)
    kinds : sequence of str
        Keys of [`sklearn_apd.uncertainty.KINDS`][sklearn_apd.uncertainty.KINDS].
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
        ``"AUPR-out"``, ``"FPR95"``, and ``"mean-in"`` / ``"mean-out"``: the
        mean uncertainty of the in-distribution and of the OOD inputs (how far
        apart the two sets are, and whether a posterior is more or less
        spread than another on each, which the ranking metrics do not say).
    """

    columns = ("ood_set", "kind", "AUROC", "AUPR-in", "AUPR-out", "FPR95", "mean-in", "mean-out")

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
        """The table as a `pandas.DataFrame` (needs pandas)."""
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
        Uncertainty kinds from [`sklearn_apd.uncertainty`][sklearn_apd.uncertainty].
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
            row["mean-in"] = float(s_in[kind].mean())
            row["mean-out"] = float(s_out[kind].mean())
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
