"""Prediction layer: networks evaluated under many weight draws, and the shared prediction API.

- `predictive_probabilities()`: the engine, one network under ``S`` flat
  weight vectors on ``n`` inputs (vectorised, memory-bounded chunks);
- `PosteriorPredictionMixin`: ``predict_proba``, ``predict``,
  ``predict_proba_samples``, ``uncertainty``, ``sample_parameters`` for any
  estimator that provides weight draws (``_parameter_source``);
- `probability_samples()`: per-draw probabilities of any classifier
  (one draw for a point estimator), through a Pipeline.
"""

from ._engine import (
    MIN_ROWS,
    activation_footprint,
    batched_logits,
    chunk_rows,
    chunked_probabilities,
    plan_chunks,
    predictive_probabilities,
)
from ._mixin import PosteriorPredictionMixin
from ._samples import final_step, probability_samples

__all__ = [
    "MIN_ROWS",
    "PosteriorPredictionMixin",
    "activation_footprint",
    "batched_logits",
    "chunk_rows",
    "chunked_probabilities",
    "final_step",
    "plan_chunks",
    "predictive_probabilities",
    "probability_samples",
]
