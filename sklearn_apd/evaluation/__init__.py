"""Evaluation layer: what a fitted posterior is used for and measured by.

- [`metrics`][sklearn_apd.evaluation.metrics] (also ``sklearn_apd.metrics``): OOD
  and calibration metrics, scorers for ``GridSearchCV``;
- [`acquisition`][sklearn_apd.evaluation.acquisition] (also ``sklearn_apd.acquisition``):
  acquisition functions on probability arrays;
- `ActiveLearner`: Bayesian active learning as a meta-estimator, and
  `few_label_estimator`, its default classifier;
- [`adversarial`][sklearn_apd.evaluation.adversarial] (also ``sklearn_apd.adversarial``):
  adversarial examples and their detection (imports foolbox when used);
- [`diagnostics`][sklearn_apd.evaluation.diagnostics] (also ``sklearn_apd.diagnostics``):
  ESS and R-hat of SG-MCMC chains through ArviZ (imported when used).
"""

from . import acquisition, diagnostics, metrics
from ._active_learning import ActiveLearner, few_label_estimator

__all__ = ["ActiveLearner", "acquisition", "diagnostics", "few_label_estimator", "metrics"]
