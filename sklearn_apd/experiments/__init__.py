"""The reproduction wing: the paper's eight experiments for ``sklearn-apd reproduce``.

Every experiment writes ``OUT/EXPERIMENT/results.json`` (settings, budget,
device, wall time, our numbers and the paper's), ``results.md`` (a Markdown
table with the paper's numbers beside ours) and PNG plots. ``quick`` budgets
train on 10,000 MNIST images with short runs: 4-8 minutes per fcNN1
experiment on a 2-core CPU, 10-12 minutes for ``classification`` and
``anomaly`` (their fcNN2 distillation: 100 WGAN-GP updates on 478,410
weights). ``paper`` uses the reference settings of section 6 of the
specification (APD's 100,000 generator updates take days on a CPU).
``large`` keeps the paper's data, networks, SGD and SGLD settings and
distils with the standardized recipe (``standardize=True``, lr 1e-3) for 800
updates instead of 100,000: ``anomaly`` took 61 minutes on a 2-core CPU.
Experiments run in one call (``iter_experiments``) share the MNIST arrays and
every network fit.

Public names: `EXPERIMENTS`, `BUDGETS` (``Budget`` per name),
`INPUT_RANGE`, the active-learning settings, `run_experiment()`,
`iter_experiments()`, `paper_results()`, the machine description
`cpu_description()` (benchmarks record it too), and the report's
`report_blocks()` / `sync_blocks()` / `report_plots()` (``sklearn-apd report``:
the tables of ``docs/reproduction.md`` and ``README.md`` rendered from the
committed results files, and the plots over seeds).
"""

from ._context import ExperimentContext
from ._report import RENDERERS, report_blocks, report_plots, sync_blocks
from ._run import RUNNERS, iter_experiments, required_data, run_experiment
from .budgets import (
    BUDGETS,
    EXPERIMENTS,
    INPUT_RANGE,
    Budget,
    active_learning_fit_params,
    active_learning_sgd_params,
    active_learning_sgld_params,
)
from .machine import cpu_description, device_name
from .paper import paper_results

__all__ = [
    "BUDGETS",
    "RENDERERS",
    "Budget",
    "EXPERIMENTS",
    "ExperimentContext",
    "INPUT_RANGE",
    "RUNNERS",
    "active_learning_fit_params",
    "active_learning_sgd_params",
    "active_learning_sgld_params",
    "cpu_description",
    "device_name",
    "iter_experiments",
    "paper_results",
    "required_data",
    "run_experiment",
    "report_blocks",
    "report_plots",
    "sync_blocks",
]
