"""``sklearn_apd.acquisition``: the public path of ``sklearn_apd.evaluation.acquisition``."""

from .evaluation.acquisition import *  # noqa: F403
from .evaluation.acquisition import __all__  # noqa: F401
