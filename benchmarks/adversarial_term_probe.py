"""Table 3 with APD distilled with and without the likelihood term (issue #21, item 1).

``reproduce adversarial --budget large`` distils fcNN1's SGLD samples with
Table 2's recipe (standardized, lr 1e-3, 800 updates), and its APD detector
trails SGLD's by 2.7-7.4 AUROC points on the rows crafted on MC dropout (the
committed ``docs/reproduction/adversarial_large*.json``). On fcNN1 the same
recipe with ``likelihood_weight=1.0`` (1,000 training images per update) came
within 0.5 points of SGLD on every Table 2 cell, mean of three seeds
(``apd_likelihood_probe.py``). This probe asks whether it also closes Table 3:
one seed's SGLD, MC dropout and the two APDs (``APD``: the recipe; ``APD+term``:
with the term) fitted as ``reproduce`` fits them, then Table 3's transfer
matrix (FGSM and 40-step PGD at eps 0.3 from the validation images, detection
by model variance with the budget's 1,000 draws) with all four as sources and
as detectors, so both APDs are scored on the same adversarial examples.

Usage::

    python benchmarks/adversarial_term_probe.py --data-home ../shared/data --seed 0 \\
        --out results/adversarial_term_probe_seed0.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from apd_updates_probe import banner

from sklearn_apd.evaluation.adversarial import transfer_matrix
from sklearn_apd.experiments import INPUT_RANGE
from sklearn_apd.experiments._context import ExperimentContext

TERM = dict(likelihood_weight=1.0, likelihood_batch_size=1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget", default="large", help="'quick' for a smoke run")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    banner("adversarial_term_probe", seed=args.seed, budget=args.budget, term=TERM)
    ctx = ExperimentContext(
        "adversarial", args.budget, args.data_home, "cpu", "/tmp/adv_term", args.seed, verbose=0
    )
    X, y, Xv, yv, *_ = ctx.mnist()
    times = {}
    models = {}
    for name in ("MC-Drop", "SGLD", "APD"):
        models[name], times[name] = ctx.fitted(name, "fcNN1")
    t0 = time.perf_counter()
    models["APD+term"] = ctx.apd(models["SGLD"], **TERM).fit(X, y)
    times["APD+term"] = time.perf_counter() - t0
    print("fit times (s): " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()), flush=True)
    t0 = time.perf_counter()
    m = transfer_matrix(
        models, models, Xv, yv, epsilon=0.3, bounds=INPUT_RANGE, steps=40,
        n_samples=ctx.b.adv_samples, random_state=ctx.seed,
    )  # fmt: skip
    out = {
        "seed": args.seed,
        "budget": args.budget,
        "n_images": len(Xv),
        "fit_time_s": {k: round(v, 1) for k, v in times.items()},
        "matrix_s": round(time.perf_counter() - t0, 1),
        "auroc": {
            a: {s: dict(zip(m.detectors, m.auroc[i, j].tolist())) for j, s in enumerate(m.sources)}
            for i, a in enumerate(m.attacks)
        },
        "success_rate": {
            a: dict(zip(m.sources, m.success_rate[i].tolist())) for i, a in enumerate(m.attacks)
        },
    }
    print("| attack | source | " + " | ".join(m.detectors) + " | APD - SGLD | APD+term - SGLD |")
    print("|---|---|" + "---|" * (len(m.detectors) + 2))
    for a, rows in out["auroc"].items():
        for s, row in rows.items():
            cells = " | ".join(f"{100 * row[d]:.2f}" for d in m.detectors)
            gaps = [100 * (row[d] - row["SGLD"]) for d in ("APD", "APD+term")]
            print(f"| {a} | {s} | {cells} | {gaps[0]:+.2f} | {gaps[1]:+.2f} |", flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
