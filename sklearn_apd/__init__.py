"""sklearn-apd: Bayesian neural networks and Adversarial Posterior Distillation.

scikit-learn estimators for neural-network posteriors sampled with SGLD
(Wang et al., ICML 2018), built on PyTorch through skorch. The layers, from
the bottom: ``nets`` and ``uncertainty`` (leaves), ``sampling`` (update rules,
chains, the sampler protocol), ``prediction`` (the engine and the shared
prediction API), ``posteriors`` (the estimators), ``evaluation`` (metrics,
acquisition, active learning, adversarial examples) and ``experiments`` (the
paper's reproduction); see ``docs/architecture.md``.
"""

from .evaluation import ActiveLearner
from .exceptions import DivergenceError
from .posteriors import (
    APDClassifier,
    APDRegressor,
    DeterministicClassifier,
    GaussianMixturePosterior,
    GaussianMixtureRegressor,
    MCDropoutClassifier,
    MCDropoutRegressor,
    SGLDClassifier,
    SGLDRegressor,
)
from .sampling import SGLD

__version__ = "0.1.0"

__all__ = [
    "APDClassifier",
    "APDRegressor",
    "ActiveLearner",
    "SGLD",
    "DeterministicClassifier",
    "DivergenceError",
    "GaussianMixturePosterior",
    "GaussianMixtureRegressor",
    "MCDropoutClassifier",
    "MCDropoutRegressor",
    "SGLDClassifier",
    "SGLDRegressor",
    "__version__",
]
