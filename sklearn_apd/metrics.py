"""``sklearn_apd.metrics``: the public path of ``sklearn_apd.evaluation.metrics``."""

from .evaluation.metrics import *  # noqa: F403
from .evaluation.metrics import __all__  # noqa: F401
