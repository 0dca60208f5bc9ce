"""sklearn-apd: Bayesian neural networks and Adversarial Posterior Distillation.

scikit-learn estimators for neural-network posteriors sampled with SGLD
(Wang et al., ICML 2018), built on PyTorch through skorch.
"""

from ._active_learning import ActiveLearner
from ._apd import APDClassifier
from ._base import DivergenceError
from ._mixture import GaussianMixturePosterior
from ._point_estimates import DeterministicClassifier, MCDropoutClassifier
from ._sgld import SGLD
from ._sgld_classifier import SGLDClassifier

__version__ = "0.1.0"

__all__ = [
    "APDClassifier",
    "ActiveLearner",
    "SGLD",
    "DeterministicClassifier",
    "DivergenceError",
    "GaussianMixturePosterior",
    "MCDropoutClassifier",
    "SGLDClassifier",
    "__version__",
]
