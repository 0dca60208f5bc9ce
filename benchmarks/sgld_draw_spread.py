"""How much Table 2's SGLD AUROCs move with the draws alone (issue #21, item 1).

SGLD predicts with 200 of its 1,000 stored samples, chosen by its
``random_state``. The paper's target puts APD within 0.5 AUROC points of SGLD;
this script measures how far SGLD is from itself when only that choice of 200
changes (``--draw-seeds``), and from its 1,000 samples, on Table 2's test sets
and the validation images of ``apd_updates_probe.py``: the noise floor of one
run's "SGLD minus APD".

Usage::

    python benchmarks/sgld_draw_spread.py --data-home ../shared/data \\
        --sgld .runs/apd_lik2/sgld_fcnn2_large_seed0.joblib --draw-seeds 0 1 2 3 4 \\
        --out benchmarks/results/sgld_draw_spread_fcnn2_seed0.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
from apd_pc_spread_probe import print_scores
from apd_updates_probe import banner, score, validation_sets

from sklearn_apd.experiments._context import ExperimentContext


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--sgld", required=True, help="the fitted SGLDClassifier (joblib)")
    ap.add_argument("--seed", type=int, default=0, help="the validation images' seed")
    ap.add_argument("--draw-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--all", action="store_true", help="also every stored sample")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    banner("sgld_draw_spread", sgld=args.sgld, draw_seeds=args.draw_seeds)
    ctx = ExperimentContext("anomaly", "large", args.data_home, "cpu", "/tmp/sgld_spread", 0, 0)
    *_, Xt, _ = ctx.mnist()
    sets = ctx.ood_sets()
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    sgld = joblib.load(args.sgld)
    n_stored = len(sgld.samples_)
    out = {"sgld": args.sgld, "n_stored": n_stored, "n_samples": sgld.n_samples}
    rows = [(f"SGLD, draws of seed {s}", dict(random_state=s)) for s in args.draw_seeds]
    if args.all:
        rows.append((f"SGLD, all {n_stored} samples", dict(n_samples=n_stored)))
    for name, params in rows:
        est = sgld.set_params(**params)
        r = {"test": score(est, Xt, sets), "validation": score(est, Xv, val_sets)}
        out[name] = r
        print_scores(name, r)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
