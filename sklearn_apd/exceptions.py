"""Exceptions raised by sklearn-apd's estimators."""

__all__ = ["DivergenceError"]


class DivergenceError(FloatingPointError):
    """Raised when training produces a non-finite loss or non-finite weights.

    SGLD (``SGLDClassifier``, online APD's chains), SGD (the point-estimate
    baselines) and the GAN of ``APDClassifier`` stop with it at the first
    non-finite value; the message names the parameters to change (a lower
    ``lr``, standardized inputs, a stronger prior). The estimator keeps no
    half-fitted state.
    """
