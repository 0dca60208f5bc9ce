"""Running experiments: the runner of each name, one after the other with shared fits."""

from __future__ import annotations

import time

from .. import datasets as D
from ._active_learning import run_active_learning
from ._context import ExperimentContext
from ._posterior_studies import run_gan_variants, run_mixture, run_sample_size
from ._tables import run_adversarial, run_anomaly, run_classification
from ._toy2d import run_toy2d
from .budgets import BUDGETS, EXPERIMENTS

RUNNERS = {
    "toy2d": run_toy2d,
    "classification": run_classification,
    "anomaly": run_anomaly,
    "sample-size": run_sample_size,
    "mixture": run_mixture,
    "gan-variants": run_gan_variants,
    "active-learning": run_active_learning,
    "adversarial": run_adversarial,
}

_OOD = ("notmnist", "omniglot", "cifar10bw")
#: What each experiment needs before it starts: data sets and whether it plots.
REQUIREMENTS = {
    "toy2d": ((), True),
    "classification": (("mnist",), False),
    "anomaly": (("mnist", *_OOD), False),
    "sample-size": (("mnist", *_OOD), True),
    "mixture": (("mnist", *_OOD), True),
    "gan-variants": (("mnist", *_OOD), True),
    "active-learning": (("mnist",), True),
    "adversarial": (("mnist",), False),
}


def required_data(names):
    """The data sets (names of `sklearn_apd.datasets.DATA_FILES`) the experiments read.

    Parameters
    ----------
    names : iterable of str
        Experiment names, from ``EXPERIMENTS``.

    Returns
    -------
    sets : list of str
        In first-use order, without repeats.

    Examples
    --------
    >>> from sklearn_apd.experiments import required_data
    >>> required_data(["toy2d", "active-learning"])
    ['mnist']
    """
    return list(dict.fromkeys(s for name in names for s in REQUIREMENTS[name][0]))


def check_requirements(names, data_home=None):
    """Fail before any fitting if an experiment of ``names`` lacks a data file or matplotlib."""
    if any(REQUIREMENTS[name][1] for name in names):
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            plotting = [name for name in names if REQUIREMENTS[name][1]]
            raise ImportError(
                f"reproduce {' '.join(plotting)} writes PNG plots and needs matplotlib, "
                "which is not installed: pip install 'sklearn-apd[plot]' (nothing was run)."
            ) from exc
    sets = required_data(names)
    if sets:
        D.check_data(sets, data_home=data_home)


def iter_experiments(names, *, budget="quick", data_home=None, device="auto", out="results",
                     seed=0, verbose=0, resume=False):  # fmt: skip
    """Run experiments one after the other; an iterator of their JSON records.

    Names, budget, the data files and matplotlib (for the experiments that
    plot) are checked at the call, before anything runs; each experiment runs
    when the iterator reaches it, and its files are written as soon as it
    finishes, so an interrupted call keeps the experiments it completed.

    The experiments share the MNIST arrays and every network fit (see
    ``ExperimentContext``): ``sample-size``, ``mixture``, ``gan-variants`` and
    ``adversarial`` in one call fit the fcNN1 SGLD sampler once.

    Long experiments also save their parts as they finish (``OUT/NAME/parts/``,
    e.g. each curve of ``active-learning``); ``resume=True`` reads back the
    parts an interrupted run with the same settings left, instead of
    recomputing them.
    """
    names = list(names)
    for name in names:
        if name not in RUNNERS:
            raise ValueError(f"experiment={name!r} is not one of {EXPERIMENTS}.")
    if budget not in BUDGETS:
        raise ValueError(f"budget={budget!r} must be one of {tuple(BUDGETS)}.")
    check_requirements(names, data_home)
    # Checked above when called; the experiments run as the caller iterates.
    return _run(names, budget, data_home, device, out, seed, verbose, resume)


def _run(names, budget, data_home, device, out, seed, verbose, resume):
    shared = {}
    for i, name in enumerate(names, 1):
        if verbose:
            print(f"[reproduce {i}/{len(names)}] {name}, {budget} budget", flush=True)
        ctx = ExperimentContext(
            name, budget, data_home, device, out, seed, verbose, shared, resume=resume
        )
        t0 = time.perf_counter()
        results, markdown = RUNNERS[name](ctx)
        yield ctx.write(results, markdown, t0)


def run_experiment(name, *, budget="quick", data_home=None, device="auto", out="results",
                   seed=0, verbose=0, resume=False):  # fmt: skip
    """Run one experiment and write its results; returns the JSON record."""
    (record,) = iter_experiments(
        [name], budget=budget, data_home=data_home, device=device, out=out, seed=seed,
        verbose=verbose, resume=resume,
    )  # fmt: skip
    return record
