"""The quick budget's subspace APD: how many updates its draws need (issue #21).

At ``--budget quick`` SGLD keeps 125 samples of fcNN1 after 3,000 iterations and
APD distils their top 50 principal components. This script fits them as
``reproduce`` does (``ExperimentContext``: the budget's SGLD on the first 10,000
training images, seed 0), then for each ``--updates`` count trains the budget's
APD and compares its draws' coordinates with the samples', with no test data:
each draw's whitened norm (the samples' per-coordinate standard deviations),
the variance ratio and the kurtosis per coordinate (a Gaussian's: 3). With
``--auroc`` it also scores notMNIST BALD AUROC (the sample-size experiment's
test sets) for 100 and 200 draws under three draw seeds, to show what heavy
tails do to a score.

Usage::

    python benchmarks/apd_quick_budget_draws.py --data-home ../shared/data \\
        --updates 1000 3000 10000 --auroc
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from apd_updates_probe import banner
from sklearn.frozen import FrozenEstimator

from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.metrics import ood_auroc
from sklearn_apd.posteriors.apd._subspace import principal_subspace


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--updates", type=int, nargs="+", default=[1000, 3000, 10000])
    ap.add_argument("--auroc", action="store_true", help="also notMNIST BALD AUROC per draw seed")
    args = ap.parse_args()
    banner("apd_quick_budget_draws", updates=args.updates)
    folder = tempfile.mkdtemp()
    ctx = ExperimentContext("sample-size", "quick", args.data_home, "cpu", folder, 0, 0)
    X, y, *_, Xt, _ = ctx.mnist()
    out = ctx.ood_sets()["notMNIST"]
    sgld = ctx.fitted("SGLD")[0]
    coords = principal_subspace(sgld.samples_, 50).coordinates
    sd = coords.std(0)
    norm = (coords / sd).pow(2).sum(1).sqrt()
    print(f"SGLD: {len(coords)} samples; whitened norm median {norm.median():.2f}, "
          f"max {norm.max():.2f}", flush=True)  # fmt: skip
    for updates in args.updates:
        apd = ctx.apd(FrozenEstimator(sgld)).set_params(max_iter=updates)
        t0 = time.perf_counter()
        apd.fit(X, y)
        fit_s = time.perf_counter() - t0
        g = apd.generator_
        z = torch.randn(5000, g.latent_dim, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            c = g.coordinates(z)
        m = (c / sd).pow(2).sum(1).sqrt()
        kurt = (((c - c.mean(0)) / c.std(0)) ** 4).mean(0)
        ratio = c.var(0) / coords.var(0)
        print(
            f"APD, {updates} updates ({fit_s:.0f} s): 5,000 draws' whitened norm median "
            f"{m.median():.2f}, 99th percentile {m.quantile(0.99):.2f}, max {m.max():.2f}; "
            f"variance ratio median {ratio.median():.2f}; kurtosis median {kurt.median():.1f}, "
            f"max {kurt.max():.1f}",
            flush=True,
        )
        if args.auroc:
            for n in (100, 200):
                scores = []
                for seed in (0, 1, 2):
                    a = apd.set_params(random_state=seed)
                    s_in, s_out = (a.uncertainty(d, "bald", n_samples=n) for d in (Xt, out))
                    scores.append(f"{100 * ood_auroc(s_in, s_out):.1f}")
                print(f"  notMNIST BALD AUROC, {n} draws, draw seeds 0 / 1 / 2: "
                      + " / ".join(scores), flush=True)  # fmt: skip
    if args.auroc:
        for n in (100, 200):
            s_in, s_out = (sgld.uncertainty(d, "bald", n_samples=n) for d in (Xt, out))
            print(f"SGLD notMNIST BALD AUROC, {n} draws: {100 * ood_auroc(s_in, s_out):.1f}")


if __name__ == "__main__":
    main()
