"""``sklearn-apd demo``: the paper's comparison on the embedded digits, in about a minute.

Four posteriors of one network (the package's MLP, 64-100-10: 7,510 weights)
side by side: SGLD's stored samples, the APD generator distilled from those
samples, MC dropout and a Gaussian mixture fitted to the same samples. Each
gets its test accuracy, the floats it keeps for test-time sampling (and their
fraction of SGLD's), its fit time and its OOD AUROC against Gaussian noise
images, by predictive entropy and by BALD.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

from sklearn.frozen import FrozenEstimator

from .._utils import progress_bar
from ..datasets import load_embedded_digits, make_noise_images
from ..evaluation.metrics import ood_auroc, uncertainty_scores
from ..posteriors import (
    APDClassifier,
    GaussianMixturePosterior,
    MCDropoutClassifier,
    SGLDClassifier,
)

__all__ = [
    "DEMO_KINDS",
    "DemoRow",
    "demo_footnote",
    "demo_record",
    "format_table",
    "render_demo",
    "run_demo",
]

#: Uncertainty kinds the table reports AUROCs for.
DEMO_KINDS = ("entropy", "bald")


@dataclass
class DemoRow:
    """One posterior's line of the demo table."""

    name: str
    accuracy: float
    storage: int
    fit_time_s: float
    auroc: dict
    note: str = ""


def run_demo(epochs=150, n_samples=200, device="auto", seed=0, verbose=1, apd_iter=None):
    """Fit the four posteriors on the embedded digits and score them.

    Parameters
    ----------
    epochs : int, default=150
        Passes over the 1,257 training images for SGLD and MC dropout.
    n_samples : int, default=200
        Posterior draws at prediction, for every posterior.
    device : str, default="auto"
    seed : int, default=0
        ``random_state`` of every estimator and of the noise images.
    verbose : int, default=1
        1 prints each stage with its progress bar.
    apd_iter : int or None, default=None
        Generator updates of APD; None: ``4 * epochs`` (600 by default).

    Returns
    -------
    rows : list of DemoRow
        SGLD, APD, MC dropout, Gaussian mixture.
    """
    X, y = load_embedded_digits("train", return_X_y=True)
    X_test, y_test = load_embedded_digits("test", return_X_y=True)
    # Out-of-distribution inputs: Gaussian noise images (pixels in [0, 1]).
    X_noise = make_noise_images("gaussian", len(X_test), image_shape=(8, 8), random_state=seed)
    apd_iter = 4 * epochs if apd_iter is None else apd_iter
    batch_size = 100
    n_iter = epochs * -(-len(y) // batch_size)
    common = dict(device=device, random_state=seed, verbose=verbose)
    net = dict(lr=0.5, max_epochs=epochs, batch_size=batch_size, n_samples=n_samples)
    # The first quarter of the chain is burn-in; every 10th state is kept.
    sgld = SGLDClassifier(burn_in=n_iter // 4, thinning=10, **net, **common)
    rows = []

    def stage(i, name, detail, est, note, fit=None):
        """Fit ``est`` (``fit()``, else ``est.fit(X, y)``) and add its row."""
        if verbose:
            print(f"[{i}/4] {name}{detail}", flush=True)
        t0 = time.perf_counter()
        fit() if fit is not None else est.fit(X, y)
        fit_time = time.perf_counter() - t0
        s_in = uncertainty_scores(est, X_test, DEMO_KINDS)
        s_out = uncertainty_scores(est, X_noise, DEMO_KINDS)
        rows.append(
            DemoRow(
                name,
                float(est.score(X_test, y_test)),
                int(est.storage_size_),
                fit_time,
                {k: ood_auroc(s_in[k], s_out[k]) for k in DEMO_KINDS},
                note(),
            )
        )

    stage(1, "SGLD", "", sgld, lambda: f"{sgld.samples_.shape[0]} samples")
    apd = APDClassifier(
        FrozenEstimator(sgld),
        max_iter=apd_iter,
        lr=1e-3,
        standardize=True,
        generator_units=(100, 100, 18),
        n_samples=n_samples,
        device=device,
        random_state=seed,
        verbose=verbose,
    )
    stage(
        2, "APD", " (distils SGLD's samples)", apd,
        lambda: f"{apd_iter} generator updates on SGLD's samples",
    )  # fmt: skip
    mcd = MCDropoutClassifier(**net, **common)
    stage(3, "MC dropout", "", mcd, lambda: "p = 0.5")
    gmm = GaussianMixturePosterior(
        FrozenEstimator(sgld), n_components=5, n_samples=n_samples, random_state=seed
    )

    def fit_gmm():  # the mixture's EM has no progress bar of its own
        with progress_bar(
            total=1, disable=not verbose, desc="GaussianMixture", leave=False
        ) as bar:
            gmm.fit(X, y)
            bar.update(1)

    stage(
        4, "Gaussian mixture", " (fits SGLD's samples)", gmm,
        lambda: "5 diagonal components on SGLD's samples", fit_gmm,
    )  # fmt: skip
    return rows


def format_table(rows) -> str:
    """The demo's results as a Markdown table; storage also as a fraction of SGLD's."""
    sgld_storage = next(r.storage for r in rows if r.name == "SGLD")
    head = (
        "| posterior | test accuracy | storage (floats) | of SGLD's | fit time (s) | "
        + " | ".join(f"AUROC noise, {k}" for k in DEMO_KINDS)
        + " | notes |"
    )
    lines = [head, "|---" * (6 + len(DEMO_KINDS)) + "|"]
    for r in rows:
        aurocs = " | ".join(f"{r.auroc[k]:.3f}" for k in DEMO_KINDS)
        lines.append(
            f"| {r.name} | {r.accuracy:.3f} | {r.storage:,} | {r.storage / sgld_storage:.3f} "
            f"| {r.fit_time_s:.1f} | {aurocs} | {r.note} |"
        )
    return "\n".join(lines)


def demo_footnote(n_samples, wall_time_s) -> str:
    """The line under the demo's table: what storage and AUROC mean, and the total time."""
    return (
        f"storage: floats kept for test-time sampling; AUROC: digits (in) vs noise (out), "
        f"{n_samples} draws per posterior. Total {wall_time_s:.0f} s."
    )


def demo_record(rows, args, wall_time_s) -> dict:
    """The demo's run as a results record (``sklearn-apd demo --json``): the rows, the
    command's settings, machine, torch, date and wall time, in the layout of
    ``reproduce``'s ``results.json`` so that ``sklearn-apd report`` renders it.
    """
    from .machine import run_provenance

    return {
        "experiment": "demo",
        "budget": "default",
        "settings": {
            "epochs": args.epochs,
            "apd_iter": args.apd_iter,
            "n_samples": args.n_samples,
            "verbose": args.verbose,
        },
        **run_provenance(args.device),
        "seed": args.seed,
        "wall_time_s": round(wall_time_s, 1),
        "results": {"rows": [asdict(r) for r in rows]},
    }


def render_demo(record) -> str:
    """The demo's table from its record (``--json``), with the command, machine and time."""
    rows = [DemoRow(**r) for r in record["results"]["rows"]]
    st = record["settings"]
    options = f"--epochs {st['epochs']} --n-samples {st['n_samples']}"
    if st["apd_iter"] is not None:
        options += f" --apd-iter {st['apd_iter']}"
    return (
        f"`sklearn-apd demo {options} --seed {record['seed']}` on {record['machine']}, device "
        f"{record['device']}, torch {record['torch']}, {record['date']}:\n\n"
        + format_table(rows)
        + "\n\n"
        + demo_footnote(st["n_samples"], record["wall_time_s"])
    )
