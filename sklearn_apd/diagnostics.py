"""``sklearn_apd.diagnostics``: the public path of ``sklearn_apd.evaluation.diagnostics``."""

from .evaluation.diagnostics import *  # noqa: F403
from .evaluation.diagnostics import __all__  # noqa: F401
