"""Evaluation layer: what a fitted posterior is used for and measured by.

- :mod:`~sklearn_apd.evaluation.metrics` (also ``sklearn_apd.metrics``): OOD
  and calibration metrics, scorers for ``GridSearchCV``;
- :mod:`~sklearn_apd.evaluation.acquisition` (also ``sklearn_apd.acquisition``):
  acquisition functions on probability arrays;
- :class:`ActiveLearner`: Bayesian active learning as a meta-estimator;
- :mod:`~sklearn_apd.evaluation.adversarial` (also ``sklearn_apd.adversarial``):
  adversarial examples and their detection (imports foolbox when used).
"""

from . import acquisition, metrics
from ._active_learning import ActiveLearner

__all__ = ["ActiveLearner", "acquisition", "metrics"]
