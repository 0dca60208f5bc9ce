"""APD's draws shrunk towards their mean: does a smaller spread buy back AUROC? (issue #21)

``apd_updates_probe.py`` measured that by 800 GAN updates APD's draws match the
SGLD samples' per-weight variance yet disagree on MNIST 1.6-1.8x as often as the
samples do, and that variation-ratio AUROC stays 0.5-1.6 points under SGLD's. If
the excess in-distribution disagreement is spread in directions the posterior
does not have, shrinking every draw towards the draws' mean,
``w_a = m + a (w - m)``, lowers the disagreement on MNIST faster than on the OOD
sets, and a factor ``a < 1`` chosen on validation data (MNIST validation images,
notMNIST / CIFAR10bw images 2,000-3,999) raises the test AUROC. If the AUROC only
falls with ``a``, spread is not the lever and the generator's directions are.

The shrink is applied to one set of 200 draws (fixed seed), in weight space; per
weight it equals the same shrink in the GAN's standardized space.

Usage::

    python benchmarks/apd_shrink_probe.py --data-home ../shared/data --hidden fcNN1 \\
        --sgld /tmp/apdq/sgld_fcnn1_400.joblib \\
        --apd .runs/apd_fcnn1/apd_fcnn1_large_seed0.joblib --out results/apd_shrink_fcnn1.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import joblib
from apd_updates_probe import (
    _print,
    banner,
    load_checkpoint,
    posterior_of,
    score,
    validation_sets,
)

from sklearn_apd.experiments._context import ExperimentContext

FACTORS = (0.5, 0.7, 0.8, 0.9, 1.0, 1.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", default=None, help="print the table of an --out file")
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--hidden", default="fcNN2", choices=["fcNN1", "fcNN2"])
    ap.add_argument("--sgld", default=None, help="the fitted SGLDClassifier (joblib)")
    ap.add_argument("--apd", default=None, help="an apd_updates_probe.py checkpoint")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--factors", type=float, nargs="+", default=list(FACTORS))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.summary:
        return summary(args.summary)
    if not (args.sgld and args.apd):
        ap.error("--sgld and --apd are required")
    banner("apd_shrink_probe", network=args.hidden, apd=args.apd, seed=args.seed)
    ctx = ExperimentContext(
        "anomaly", "large", args.data_home, "cpu", tempfile.mkdtemp(), args.seed, verbose=0
    )
    *_, Xt, _ = ctx.mnist()
    test_sets = ctx.ood_sets()
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    sgld = joblib.load(args.sgld)
    apd = load_checkpoint(args.apd, sgld)
    draws = apd.sample_parameters(ctx.b.n_samples, random_state=args.seed)
    mean = draws.mean(0, keepdim=True)
    out = {"apd": args.apd, "updates": int(apd.n_iter_), "rows": []}
    for a in args.factors:
        est = posterior_of(sgld, mean + a * (draws - mean))
        row = {
            "factor": a,
            "test": score(est, Xt, test_sets),
            "validation": score(est, Xv, val_sets),
        }
        out["rows"].append(row)
        _print(f"APD x{a:g}", row)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


def summary(path):
    """A Markdown table of an ``--out`` file: AUROC (%) and mean VR in / out per factor."""
    out = json.loads(Path(path).read_text())
    cols = [
        ("test", "notMNIST/variation_ratio", "notMNIST VR"),
        ("test", "CIFAR10bw/variation_ratio", "CIFAR10bw VR"),
        ("test", "OmniGlot/variation_ratio", "OmniGlot VR"),
        ("test", "notMNIST/bald", "notMNIST BALD"),
        ("validation", "notMNIST/variation_ratio", "val. notMNIST VR"),
        ("validation", "CIFAR10bw/variation_ratio", "val. CIFAR10bw VR"),
    ]
    print("| factor | " + " | ".join(c[2] for c in cols) + " | mean VR in / out (notMNIST) |")
    print("|---" * (len(cols) + 2) + "|")
    for row in out["rows"]:
        vr = row["test"]["notMNIST/variation_ratio"]
        cells = " | ".join(f"{row[s][k]['AUROC']:.2f}" for s, k, _ in cols)
        print(f"| {row['factor']:g} | {cells} | {vr['mean-in']:.3f} / {vr['mean-out']:.3f} |")


if __name__ == "__main__":
    main()
