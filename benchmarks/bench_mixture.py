"""GaussianMixturePosterior on 2,000 SGLD samples of fcNN1 with 60 components.

Fits SGLD (fcNN1, MNIST train split, batch 100, lr 0.05, wd 1e-3) for 500
burn-in iterations plus 2,000 kept samples (thinning 1, the mixture needs
many samples rather than independent ones for a memory/time measurement),
then a 60-component diagonal mixture on the 2,000 x 79,510 weight matrix via
a FrozenEstimator. Prints the mixture's fit time, EM iterations and the
process's peak resident memory, plus test accuracy and notMNIST AUROC of the
SGLD samples and of the mixture (200 draws each).

Usage: python benchmarks/bench_mixture.py --data-home ../shared/data
       [--components 60] [--max-iter 100]
"""

from __future__ import annotations

import argparse
import time

import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import GaussianMixturePosterior, SGLDClassifier
from sklearn_apd.datasets import PAPER_OOD_SCALE, load_mnist, load_notmnist
from sklearn_apd.experiments import cpu_description
from sklearn_apd.metrics import ood_auroc


def peak_rss_gib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", required=True)
    ap.add_argument("--components", type=int, default=60)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--samples", type=int, default=2000)
    args = ap.parse_args()
    print(
        f"# bench_mixture  {time.strftime('%Y-%m-%d')}  {cpu_description()}  "
        f"torch {torch.__version__}  threads {torch.get_num_threads()}"
    )
    rng = (-1.0, 1.0)
    X, y = load_mnist("train", data_home=args.data_home, input_range=rng, return_X_y=True)
    Xt, yt = load_mnist("test", data_home=args.data_home, input_range=rng, return_X_y=True)
    Xo = load_notmnist(data_home=args.data_home, input_range=rng, scale=PAPER_OOD_SCALE).data
    Xt, yt, Xo = Xt[:2000], yt[:2000], Xo[:2000]
    epochs = -(-(500 + args.samples) // 500)
    t0 = time.perf_counter()
    sgld = SGLDClassifier(
        module__hidden_units="fcNN1",
        lr=0.05,
        weight_decay=1e-3,
        batch_size=100,
        max_epochs=epochs,
        burn_in=500,
        thinning=1,
        max_samples=args.samples,
        n_samples=200,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    print(
        f"SGLD: {sgld.n_iter_} iterations, {sgld.samples_.shape[0]} samples kept "
        f"(reservoir), {time.perf_counter() - t0:.0f} s"
    )
    gmm = GaussianMixturePosterior(
        FrozenEstimator(sgld),
        n_components=args.components,
        covariance_type="diag",
        max_iter=args.max_iter,
        n_samples=200,
        random_state=0,
    ).fit(X, y)
    print(
        f"mixture: {args.components} components on {gmm.n_training_samples_} x "
        f"{gmm.n_parameters_} samples: fit {gmm.fit_time_:.0f} s, {gmm.n_iter_} EM "
        f"iterations, converged={gmm.converged_}, storage {gmm.storage_size_:,} floats "
        f"(SGLD samples: {sgld.storage_size_:,})"
    )
    print(f"peak resident memory of the process: {peak_rss_gib():.1f} GiB")
    print("| posterior | test accuracy | notMNIST AUROC entropy | notMNIST AUROC BALD |")
    print("|---|---|---|---|")
    for name, est in (("SGLD samples", sgld), (f"mixture K={args.components}", gmm)):
        acc = est.score(Xt, yt)
        row = [f"{acc:.3f}"]
        for kind in ("entropy", "bald"):
            row.append(f"{ood_auroc(est.uncertainty(Xt, kind), est.uncertainty(Xo, kind)):.3f}")
        print(f"| {name} | " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
