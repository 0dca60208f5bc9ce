"""Out-of-distribution detection, calibration and probabilistic regression metrics, and scorers.

OOD metrics take ``(scores_in, scores_out)``: uncertainty scores of
in-distribution and out-of-distribution inputs, where a **higher score means
"more likely OOD"** (every ``uncertainty`` kind of the package is such a score).

- `ood_auroc()`: area under the ROC curve of OOD-vs-in by the score; 0.5 is
  chance, ties count one half.
- `ood_aupr_in()`: average precision with in-distribution as the positive
  class, ranked by *minus* the score.
- `ood_aupr_out()`: average precision with OOD as the positive class.
- `fpr_at_95_tpr()`: the fraction of in-distribution inputs flagged as OOD
  at the first threshold that flags at least 95% of the OOD inputs (OOD is
  the positive class; thresholds as in `sklearn.metrics.roc_curve()`).

Calibration metrics take true labels and predicted probabilities
``(n, n_classes)``; labels are indices into the columns, or are mapped
through ``labels`` (e.g. an estimator's ``classes_``).

Regression metrics take ``(y_true, y_mean, y_std)``, the Gaussian predictive
of ``predict(X, return_std=True)``: `gaussian_nlpd()` (negative log
predictive density), `crps_gaussian()` (continuous ranked probability
score), `interval_coverage()` (fraction inside the central interval), and
`make_regression_scorer()` for ``GridSearchCV``.
"""

from ._calibration import (
    brier_score,
    expected_calibration_error,
    make_calibration_scorer,
    negative_log_likelihood,
    plot_reliability_diagram,
)
from ._ood import (
    OODReport,
    fpr_at_95_tpr,
    make_ood_scorer,
    ood_aupr_in,
    ood_aupr_out,
    ood_auroc,
    ood_report,
    uncertainty_scores,
)
from ._regression import (
    crps_gaussian,
    gaussian_nlpd,
    interval_coverage,
    make_regression_scorer,
)

__all__ = [
    "OODReport",
    "brier_score",
    "crps_gaussian",
    "expected_calibration_error",
    "fpr_at_95_tpr",
    "gaussian_nlpd",
    "interval_coverage",
    "make_calibration_scorer",
    "make_ood_scorer",
    "make_regression_scorer",
    "negative_log_likelihood",
    "ood_aupr_in",
    "ood_aupr_out",
    "ood_auroc",
    "ood_report",
    "plot_reliability_diagram",
    "uncertainty_scores",
]
