"""Is a generator whose last hidden layer has ``h`` units wide enough? (issue #21, item 1)

APD's generator ends in a linear layer from ``h`` hidden units (100 in the
paper's 3 x 100 generator) to the ``P`` weights, so every draw lies in an
``h``-dimensional affine subspace. This probe asks what such a subspace costs
the posterior by itself, with no GAN: Gaussians fitted to the SGLD samples
(their mean, and their covariance restricted to the top ``k`` principal
components) for several ``k``, scored with 200 draws exactly as
``apd_updates_probe.py`` scores SGLD and APD (Table 2's test sets, variation
ratio and BALD AUROC, mean variation ratio in and out). ``k`` = all is the
samples' full-covariance Gaussian, which also tells how far "Gaussian" alone
is from the samples. With ``--match-variance`` each truncated Gaussian is
rescaled to the samples' total variance, as a GAN that matches the
per-weight spreads with ``k`` directions must put more variance in each.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/apd_rank_probe.py --data-home ../shared/data \\
        --sgld /tmp/apdq/sgld_fcnn1_400.joblib --ranks 10 50 100 200 all
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
import torch
from apd_updates_probe import banner, posterior_of, score

from sklearn_apd.experiments._context import ExperimentContext

N_DRAWS = 200


def principal_components(samples):
    """``(mean, centred samples, per-component variances, U)`` of the samples, largest first.

    Through the (K x K) Gram matrix of the centred samples, so that fcNN2's
    (1,000 x 478,410) samples need no second copy: with ``Xc = U S V^T``, a draw
    ``mean + (z * S / sqrt(K - 1)) V^T`` is ``mean + (z / sqrt(K - 1)) U^T Xc``.
    Computed once; every rank draws from it.
    """
    mean = samples.double().mean(0).float()
    xc = samples - mean
    gram = torch.zeros(len(xc), len(xc), dtype=torch.float64)
    for j in range(0, xc.shape[1], 50_000):
        block = xc[:, j : j + 50_000].double()
        gram += block @ block.T
    eigval, u = torch.linalg.eigh(gram)  # ascending
    eigval, u = eigval.flip(0).clamp_min(0), u.flip(1)
    return mean, xc, eigval / (len(xc) - 1), u


def n_components(pcs):
    """How many of the samples' components have variance (above 1e-9 of the largest's)."""
    var = pcs[2]
    return int((var > 1e-9 * var[0]).sum())


def rank_gaussian(pcs, k, n, match_variance, seed=0):
    """``n`` draws of the samples' Gaussian restricted to the top ``k`` components (None: all)."""
    mean, xc, var, u = pcs
    keep = n_components(pcs) if k is None else k
    factor = torch.ones(keep, dtype=torch.float64)
    if match_variance:
        factor *= (var.sum() / var[:keep].sum()).sqrt()
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, keep, generator=g, dtype=torch.float64)
    coef = (z * factor / (len(xc) - 1) ** 0.5) @ u[:, :keep].T  # (n x K)
    return mean + coef.float() @ xc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--sgld", required=True, help="a fitted SGLDClassifier (joblib)")
    ap.add_argument("--ranks", nargs="+", default=["10", "50", "100", "200", "all"])
    ap.add_argument("--match-variance", action="store_true")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    banner("apd_rank_probe", sgld=args.sgld, match_variance=args.match_variance)
    ctx = ExperimentContext("anomaly", "large", args.data_home, "cpu", "/tmp/apd_rank", 0, 0)
    *_, Xt, _ = ctx.mnist()
    sets = ctx.ood_sets()
    sgld = joblib.load(args.sgld)
    samples = sgld.collect()
    pcs = principal_components(samples)
    print(f"{samples.shape[0]} samples of {samples.shape[1]:,} weights\n")
    print("| posterior | notMNIST VR | CIFAR10bw VR | OmniGlot VR | notMNIST BALD "
          "| CIFAR10bw BALD | mean VR in / out (notMNIST) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    results = {}
    for rank in ["sgld", *args.ranks]:
        est = sgld
        if rank != "sgld":
            k = None if rank == "all" else int(rank)
            est = posterior_of(sgld, rank_gaussian(pcs, k, N_DRAWS, args.match_variance))
        r = score(est, Xt, sets)
        results[rank] = r
        cells = [r[f"{s}/variation_ratio"]["AUROC"] for s in ("notMNIST", "CIFAR10bw", "OmniGlot")]
        cells += [r[f"{s}/bald"]["AUROC"] for s in ("notMNIST", "CIFAR10bw")]
        vr = r["notMNIST/variation_ratio"]
        name = {"sgld": "SGLD samples", "all": "Gaussian, all components"}.get(
            rank, f"Gaussian, top {rank} components"
        )
        print(
            f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells)
            + f" | {vr['mean-in']:.3f} / {vr['mean-out']:.3f} |",
            flush=True,
        )  # fmt: skip
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
