"""Table 2's cells for SGLD and the budget's APD on any network and seed (issue #21, item 1).

``reproduce anomaly`` scores Table 2 on fcNN2 only (as the paper). This script
scores the same ten cells (variation ratio and BALD on notMNIST, Omniglot,
CIFAR10bw, Gaussian and Uniform noise) and the validation images of
``apd_updates_probe.py`` for the SGLD fit of ``--hidden`` and the seed (fitted as
Table 2 fits it, or read from ``--sgld``) and for APD as the ``large`` budget
builds it (``ExperimentContext.apd``: the subspace recipe), and, with
``--on-weights``, for the budget's recipe on the weights too. Each APD row
records its GAN time.

With ``--record PATH`` it also writes the cells as a results record that
``sklearn-apd report`` renders (experiment ``anomaly-cells``: put the seeds'
files in ``docs/reproduction/`` as ``anomaly_cells_NET_large.json``,
``..._seed1.json``, ...); ``--record-from RAW --record PATH`` builds that record
from an earlier ``--out`` file without running anything (its ``converted_from``
names the file; ``date`` and ``code`` are then the conversion's).

Usage::

    python benchmarks/apd_subspace_tables.py --data-home ../shared/data --hidden fcNN1 \\
        --seed 0 --save-sgld .runs/tables/sgld_fcnn1_seed0.joblib \\
        --out benchmarks/results/apd_subspace_fcnn1_seed0.json \\
        --record docs/reproduction/anomaly_cells_fcnn1_large.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import joblib
from apd_pc_spread_probe import print_scores
from apd_updates_probe import banner, score, validation_sets

from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.experiments.budgets import BUDGETS
from sklearn_apd.experiments.machine import run_provenance


def write_record(path, out, wall_time_s=None, converted_from=None):
    """The cells of ``out`` (this script's output) as a record ``sklearn-apd report`` renders."""
    record = {
        "experiment": "anomaly-cells",
        "budget": "large",
        "settings": asdict(BUDGETS["large"]),
        **run_provenance("cpu"),
        "seed": out["seed"],
        "wall_time_s": wall_time_s,
        "results": {
            "network": out["network"],
            "seed": out["seed"],
            "SGLD": out["SGLD"],
            "APD": out["APD (subspace)"],
        },
    }
    if converted_from:
        record["converted_from"] = str(converted_from)
    Path(path).write_text(json.dumps(record, indent=1, default=str))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--hidden", default="fcNN1", choices=["fcNN1", "fcNN2"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sgld", default=None, help="a fitted SGLDClassifier (joblib) to use")
    ap.add_argument("--save-sgld", default=None, help="where to save the SGLD fit")
    ap.add_argument("--on-weights", action="store_true", help="also the weights' recipe")
    ap.add_argument("--out", default=None)
    ap.add_argument("--record", default=None, help="also write a report record here")
    ap.add_argument("--record-from", default=None, help="an earlier --out file to convert")
    args = ap.parse_args()
    if args.record_from:
        if not args.record:
            ap.error("--record-from needs --record")
        raw = json.loads(Path(args.record_from).read_text())
        write_record(args.record, raw, converted_from=args.record_from)
        return
    t_start = time.perf_counter()
    banner("apd_subspace_tables", network=args.hidden, seed=args.seed, sgld=args.sgld)
    ctx = ExperimentContext(
        "anomaly", "large", args.data_home, "cpu", "/tmp/apd_subspace_tables", args.seed, 0
    )
    X, y, *_, Xt, _ = ctx.mnist()
    sets = ctx.ood_sets()
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    out = {"network": args.hidden, "seed": args.seed}

    def report(name, est, **fields):
        r = {"test": score(est, Xt, sets), **fields, "validation": score(est, Xv, val_sets)}
        out[name] = r
        print_scores(name, r)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1, default=str))

    if args.sgld:
        sgld = joblib.load(args.sgld)
        report("SGLD", sgld)
    else:
        t0 = time.perf_counter()
        sgld = ctx.sgld(args.hidden).fit(X, y)
        report("SGLD", sgld, fit_s=round(time.perf_counter() - t0, 1))
        if args.save_sgld:
            joblib.dump(sgld, args.save_sgld)
    recipes = {"APD (subspace)": {}}
    if args.on_weights:
        recipes["APD (weights)"] = {"on_weights": True}
    for name, kw in recipes.items():
        apd = ctx.apd(sgld, **kw)
        t0 = time.perf_counter()
        apd.fit(X, y)
        report(
            name, apd, fit_s=round(time.perf_counter() - t0, 1),
            params={k: v for k, v in apd.get_params().items() if k != "sampler"},
            storage=int(apd.storage_size_), sgld_storage=int(sgld.storage_size_),
        )  # fmt: skip
    if args.record:
        write_record(args.record, out, round(time.perf_counter() - t_start, 1))


if __name__ == "__main__":
    main()
