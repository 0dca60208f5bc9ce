"""Probe (#20, item 1): how far SGLD's posterior on nets.LeNet spreads on 20 and 120 labels.

Not a speed benchmark. ``ActiveLearner()``'s default is MC dropout on
``nets.LeNet``; BALD needs a posterior whose draws disagree. On fcNN1 the
active-learning SGLD (temperature 1e-3) gave a mean test BALD of 0.02 nats on
20 labels against MC dropout's 0.37-0.46 (``results/al_controls.md``). This
script measures the same on LeNet: for each temperature, SGLD with lr 0.05,
weight decay 0.05 (the prior precision ``N x 0.05``), ``ITERS`` iterations
(default 1,000) of minibatches of ``min(n, 64)``, burn-in a third, 50 samples
kept; then test accuracy, mean predictive entropy and mean BALD (nats) on
the first 1,000 MNIST test images with 50 draws. ``mcd`` is the default
learner's MC dropout (Adam lr 1e-3, 300 iterations of batch 64, 20 draws).
Labelled sets: ``al_convnet_probe.labelled_sets`` (2 per class, then random).

Usage::

    NT=1 python benchmarks/al_sgld_spread.py SEED CONFIG ...
    # CONFIG: mcd, or sgld@T (e.g. sgld@0.001, sgld@1)
    python benchmarks/al_sgld_spread.py summary

Results: ``benchmarks/results/al_sgld_spread_SEED_CONFIG.json``.
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from al_convnet_probe import labelled_sets, mnist_pool_and_test

from sklearn_apd import DivergenceError, SGLDClassifier
from sklearn_apd.evaluation import few_label_estimator
from sklearn_apd.experiments import cpu_description
from sklearn_apd.nets import LeNet
from sklearn_apd.uncertainty import bald, entropy

RESULTS = Path(__file__).parent / "results"
SIZES = (20, 120)


def estimator(config, n, iters, seed):
    if config == "mcd":
        return few_label_estimator((n, 784), random_state=seed)
    temperature = float(config.split("@")[1])
    return SGLDClassifier(
        module=LeNet, lr=0.05, weight_decay=0.05, temperature=temperature,
        max_iter=iters, batch_size=min(n, 64), burn_in=iters // 3,
        thinning=max(1, (iters - iters // 3) // 50), n_samples=50, random_state=seed,
        verbose=0,
    )  # fmt: skip


def summary():
    rows = {}
    for path in sorted(glob.glob(str(RESULTS / "al_sgld_spread_*.json"))):
        r = json.load(open(path))
        rows.setdefault(r["config"], []).append(r)
    cols = [f"{what} @{n}" for n in SIZES for what in ("acc %", "BALD", "entropy")]
    print(f"| config | {' | '.join(cols)} | seeds |")
    print("|---" * (len(cols) + 2) + "|")
    for config, runs in sorted(rows.items()):
        cells = []
        for n in SIZES:
            for key, fmt in (("accuracy", "{:.1f}"), ("bald", "{:.3f}"), ("entropy", "{:.3f}")):
                values = [r[str(n)][key] for r in runs if key in r[str(n)]]
                diverged = len(runs) - len(values)
                cell = fmt.format(np.mean(values)) if values else "-"
                cells.append(cell + (f" ({diverged} diverged)" if diverged else ""))
        seeds = ",".join(str(r["seed"]) for r in runs)
        print(f"| {config} | {' | '.join(cells)} | {seeds} |")


def main(argv):
    if argv[:1] == ["summary"]:
        return summary()
    torch.set_num_threads(int(os.environ.get("NT", "1")))
    seed, configs = int(argv[0]), argv[1:]
    iters = int(os.environ.get("ITERS", "1000"))
    X, y, Xt, yt = mnist_pool_and_test(1000)
    sets = labelled_sets(y, seed)
    for config in configs:
        out = {"config": config, "seed": seed, "iters": iters, "machine": cpu_description()}
        for n in SIZES:
            est = estimator(config, n, iters, seed)
            t0 = time.perf_counter()
            try:
                est.fit(X[sets[n]], y[sets[n]])
            except DivergenceError as exc:  # recorded: a finding, not a crash
                out[str(n)] = {"diverged": str(exc).split(":")[1].split(".")[0].strip()}
                print(config, f"seed {seed}", n, "labels:", out[str(n)], flush=True)
                continue
            fit_time = time.perf_counter() - t0
            draws = est.predict_proba_samples(Xt)  # (n_draws, n_test, 10)
            out[str(n)] = {
                "accuracy": round(
                    100 * float(np.mean(est.classes_[draws.mean(0).argmax(1)] == yt)), 2
                ),
                "bald": round(float(bald(draws).mean()), 4),
                "entropy": round(float(entropy(draws).mean()), 4),
                "n_draws": int(draws.shape[0]),
                "fit_time_s": round(fit_time, 1),
            }
            print(config, f"seed {seed}", n, "labels:", out[str(n)], flush=True)
        (RESULTS / f"al_sgld_spread_{seed}_{config}.json").write_text(
            json.dumps(out, indent=1) + "\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
