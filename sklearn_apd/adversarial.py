"""``sklearn_apd.adversarial``: the public path of ``sklearn_apd.evaluation.adversarial``."""

from .evaluation.adversarial import *  # noqa: F403
from .evaluation.adversarial import __all__  # noqa: F401
