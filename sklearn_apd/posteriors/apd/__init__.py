"""APD: a WGAN-GP generator of network weights distilled from a sampler's samples."""

from ._estimator import APDClassifier, APDRegressor
from ._gan import WeightGenerator
from ._trainer import weight_moments

__all__ = ["APDClassifier", "APDRegressor", "WeightGenerator", "weight_moments"]
