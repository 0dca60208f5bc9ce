"""Evidence (#24): the SG-MCMC methods and schedules on fcNN1 MNIST at equal gradient evaluations.

Not a speed benchmark. Every fit is ``SGLDClassifier(module__hidden_units="fcNN1")`` on the
paper's 50,000 MNIST training images in [-1, 1], the package's prior (``weight_decay=1e-3``)
and ``temperature=1``, for 30,000 iterations of batch 100 (60 epochs): the same number of
gradient evaluations for every method. Each keeps 200 samples and predicts with all 200:

- constant schedule: burn-in 10,000, every 100th state;
- cyclical schedule: 4 cycles of 7,500 iterations, sampling in the last 20% of each
  (``exploration_fraction=0.8``, the default), every 30th state of those; the
  ``-0.5`` configuration samples in the last half (every 75th).

Configurations (``CONFIGS``): SGLD, SGHMC (friction 0.1) and pSGLD with a constant step, SGLD
and SGHMC with the cyclical one, and SGLD with a cyclical schedule of exploration 0.5. Each
configuration's ``lr`` is chosen from ``LRS`` by the posterior predictive's log loss on the
10,000 validation images with seed 0 (never on test data); then seeds 1 and 2 run at the
chosen ``lr``. Every fit records validation and test
accuracy and log loss, and the AUROC of entropy and BALD for the 10,000 MNIST test images
against the 10,000 notMNIST images (scale 5, the reference code's input), and its fit time.

Usage::

    python benchmarks/sampler_methods.py select [CONFIG ...]   # the lr grid, seed 0
    python benchmarks/sampler_methods.py final [CONFIG ...]    # + seeds 1, 2 at the chosen lr
    python benchmarks/sampler_methods.py summary               # the Markdown table

Each fit writes ``results/sampler_methods/CONFIG_lr_seed.json`` and is skipped when that
file exists, so a stopped run resumes. ``--data-home`` defaults to ``../shared/data``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss

from sklearn_apd import SGLDClassifier
from sklearn_apd import datasets as D
from sklearn_apd.experiments import cpu_description
from sklearn_apd.metrics import ood_auroc
from sklearn_apd.uncertainty import bald, entropy

OUT = Path(__file__).parent / "results" / "sampler_methods"
ITERS = 30_000
CONFIGS = {
    "sgld": dict(method="sgld", schedule="constant"),
    "sghmc": dict(method="sghmc", schedule="constant"),
    "psgld": dict(method="psgld", schedule="constant"),
    "sgld-cyclical": dict(method="sgld", schedule="cyclical"),
    "sghmc-cyclical": dict(method="sghmc", schedule="cyclical"),
    "sgld-cyclical-0.5": dict(method="sgld", schedule="cyclical", exploration_fraction=0.5),
}
#: The lr grid of each configuration: around the package default (0.05) for SGLD, scaled by
#: the friction (0.1) for SGHMC, whose steps carry momentum over ~1 / friction iterations;
#: pSGLD's lr multiplies a per-weight preconditioner of ~1 / |gradient|; the cyclical
#: ``lr`` is the peak.
#: A grid whose best value came out at its edge was extended, one value at a time.
LRS = {
    "sgld": (0.02, 0.05, 0.1, 0.2, 0.5),
    "sghmc": (0.002, 0.005, 0.01, 0.02, 0.05, 0.1),
    "psgld": (0.0003, 0.001, 0.003),
    "sgld-cyclical": (0.1, 0.2, 0.5),
    "sghmc-cyclical": (0.01, 0.02, 0.05, 0.1),
    "sgld-cyclical-0.5": (0.1, 0.2, 0.5),
}


def load(data_home):
    kw = dict(data_home=data_home, input_range=(-1.0, 1.0), return_X_y=True)
    X, y = D.load_mnist("train", **kw)
    Xv, yv = D.load_mnist("validation", **kw)
    Xt, yt = D.load_mnist("test", **kw)
    ood = D.load_notmnist(
        data_home=data_home, input_range=(-1.0, 1.0), scale=D.PAPER_OOD_SCALE
    ).data
    return X, y, Xv, yv, Xt, yt, ood


def estimator(config, lr, seed):
    settings = dict(CONFIGS[config])
    if settings["schedule"] == "cyclical":
        beta = settings.pop("exploration_fraction", 0.8)
        # 200 samples: 4 cycles x 7,500 x (1 - beta) sampling iterations, thinned
        thinning = int(4 * 7_500 * (1 - beta) / 200)
        sampling = dict(n_cycles=4, exploration_fraction=beta, burn_in=0, thinning=thinning)
    else:
        sampling = dict(burn_in=10_000, thinning=100)
    return SGLDClassifier(
        module__hidden_units="fcNN1", lr=lr, max_iter=ITERS, batch_size=100, max_samples=200,
        n_samples=200, device="cpu", random_state=seed, **settings, **sampling,
    )  # fmt: skip


def path_of(config, lr, seed):
    return OUT / f"{config}_{lr:g}_{seed}.json"


def fit_one(data, config, lr, seed):
    path = path_of(config, lr, seed)
    if path.exists():
        return json.loads(path.read_text())
    X, y, Xv, yv, Xt, yt, ood = data
    t0 = time.perf_counter()
    clf = estimator(config, lr, seed).fit(X, y)
    seconds = time.perf_counter() - t0
    row = dict(config=config, lr=lr, seed=seed, fit_seconds=round(seconds, 1),
               n_samples=int(clf.samples_.shape[0]), iterations=int(clf.n_iter_))  # fmt: skip
    for split, (Xs, ys) in {"validation": (Xv, yv), "test": (Xt, yt)}.items():
        p = clf.predict_proba(Xs)
        row[f"{split}_accuracy"] = float(np.mean(p.argmax(1) == ys))
        row[f"{split}_log_loss"] = float(log_loss(ys, np.clip(p, 1e-12, 1), labels=range(10)))
    s_in, s_out = clf.predict_proba_samples(Xt), clf.predict_proba_samples(ood)
    for name, measure in (("entropy", entropy), ("bald", bald)):
        row[f"auroc_{name}"] = float(ood_auroc(measure(s_in), measure(s_out)))
    row["machine"] = cpu_description()
    row["date"] = time.strftime("%Y-%m-%d")
    OUT.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(row, indent=1))
    print(json.dumps(row), flush=True)
    return row


def chosen_lr(config):
    """The lr of seed 0 with the lowest validation log loss (all of LRS must have run)."""
    rows = [json.loads(path_of(config, lr, 0).read_text()) for lr in LRS[config]]
    return min(rows, key=lambda r: r["validation_log_loss"])["lr"]


def summary():
    lines = [
        f"fcNN1 MNIST, {ITERS:,} iterations of batch 100 per fit, 200 samples; lr chosen on "
        "validation log loss (seed 0). Mean over seeds 0-2 (min-max in brackets).",
        "",
        "| configuration | lr (grid) | test accuracy % | test log loss | notMNIST AUROC entropy % "
        "| notMNIST AUROC BALD % | fit s |",
        "|---|---|---|---|---|---|---|",
    ]

    def cell(rows, key, scale=100.0, digits=2):
        v = np.array([r[key] for r in rows]) * scale
        return f"{v.mean():.{digits}f} ({v.min():.{digits}f}-{v.max():.{digits}f})"

    for config in CONFIGS:
        try:
            lr = chosen_lr(config)
        except FileNotFoundError:
            continue
        paths = [path_of(config, lr, s) for s in range(3)]
        rows = [json.loads(p.read_text()) for p in paths if p.exists()]
        grid = ", ".join(f"{v:g}" for v in LRS[config])
        lines.append(
            f"| {config} (seeds: {len(rows)}) | {lr:g} ({grid}) | {cell(rows, 'test_accuracy')} "
            f"| {cell(rows, 'test_log_loss', 1.0, 4)} | {cell(rows, 'auroc_entropy')} "
            f"| {cell(rows, 'auroc_bald')} | {np.mean([r['fit_seconds'] for r in rows]):.0f} |"
        )
    lines += ["", "Validation log loss of the lr grid (seed 0):", ""]
    for config in CONFIGS:
        cells = []
        for lr in LRS[config]:
            p = path_of(config, lr, 0)
            if p.exists():
                cells.append(f"{lr:g}: {json.loads(p.read_text())['validation_log_loss']:.4f}")
        lines.append(f"- {config}: " + ", ".join(cells))
    text = "\n".join(lines) + "\n"
    (OUT.parent / "sampler_methods.md").write_text(text)
    print(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=("select", "final", "summary"))
    parser.add_argument("configs", nargs="*", default=list(CONFIGS))
    parser.add_argument("--data-home", default="../shared/data")
    args = parser.parse_args()
    if args.phase == "summary":
        summary()
        return
    data = load(args.data_home)
    for config in args.configs:
        for lr in LRS[config]:  # the grid (seed 0) first: final runs it where it is missing
            fit_one(data, config, lr, 0)
        if args.phase == "final":
            lr = chosen_lr(config)
            for seed in (1, 2):
                fit_one(data, config, lr, seed)


if __name__ == "__main__":
    main()
