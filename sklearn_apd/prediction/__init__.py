"""Prediction layer: networks evaluated under many weight draws, and the shared prediction API.

- `predictive_probabilities()`: the engine, one network under ``S`` flat
  weight vectors on ``n`` inputs (vectorised, memory-bounded chunks);
- `PosteriorDrawsMixin`: input checks, draws of the network's outputs and
  ``sample_parameters`` for any estimator that provides weight draws
  (``_parameter_source``);
- `PosteriorPredictionMixin` (classifiers): ``predict_proba``, ``predict``,
  ``predict_proba_samples``, ``uncertainty`` on it;
- `PosteriorRegressionMixin` (regressors): ``predict(return_std=)``,
  ``predict_samples``, ``uncertainty(kind="total" | "epistemic" | "aleatoric")``;
- `probability_samples()`: per-draw probabilities of any classifier
  (one draw for a point estimator), through a Pipeline.
"""

from ._engine import (
    CPU_BLOCK_MB,
    MIN_ROWS,
    activation_footprint,
    batched_logits,
    chunk_rows,
    chunked_outputs,
    chunked_probabilities,
    plan_chunks,
    predictive_outputs,
    predictive_probabilities,
)
from ._mixin import PosteriorDrawsMixin, PosteriorPredictionMixin
from ._regression import REGRESSION_KINDS, PosteriorRegressionMixin, gaussian_moments
from ._samples import final_step, probability_samples

__all__ = [
    "CPU_BLOCK_MB",
    "MIN_ROWS",
    "PosteriorDrawsMixin",
    "PosteriorPredictionMixin",
    "PosteriorRegressionMixin",
    "REGRESSION_KINDS",
    "activation_footprint",
    "batched_logits",
    "chunk_rows",
    "chunked_outputs",
    "chunked_probabilities",
    "final_step",
    "gaussian_moments",
    "plan_chunks",
    "predictive_outputs",
    "predictive_probabilities",
    "probability_samples",
]
