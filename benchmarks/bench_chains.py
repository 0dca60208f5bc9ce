"""K vectorised SGLD chains vs K separate runs, side by side in one process.

For K = 1, 4, 16 chains of fcNN1 (784-100-10) on MNIST-sized data (random
inputs; speed does not depend on the pixel values), batch 100, the reference
SGLD settings: ``SGLDClassifier(n_chains=K).fit`` against K separate
``SGLDClassifier().fit`` runs of the same length, alternating, median of the
repeats. Reported: chain-iterations per second (iterations x chains / wall
time) of each, and their ratio.

Usage: python benchmarks/bench_chains.py [--iters 1000] [--repeats 3] [--chains 1 4 16]
       [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import numpy as np
from _device import add_device_argument, clock, machine_line

from sklearn_apd import SGLDClassifier


def fit(X, y, n_chains, epochs, hidden, seed=0, device="cpu"):
    clf = SGLDClassifier(
        module__hidden_units=hidden,
        n_chains=n_chains,
        max_epochs=epochs,
        burn_in=0,
        thinning=20,
        max_samples=1000,
        device=device,
        random_state=seed,
    )
    t0 = clock(device)
    clf.fit(X, y)
    return clock(device) - t0, clf.n_iter_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=1000, help="per chain (whole epochs of 100)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chains", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--hidden", type=int, nargs="+", default=[100])
    add_device_argument(ap)
    args = ap.parse_args()
    dev = args.device
    print(f"{machine_line('bench_chains', dev)}  hidden {tuple(args.hidden)}")
    rng = np.random.default_rng(0)
    n = 10_000  # 100 iterations an epoch
    X = rng.random((n, 784), dtype=np.float32) * 2 - 1
    y = rng.integers(0, 10, n)
    epochs = max(1, args.iters // 100)
    fit(X[:2000], y[:2000], 2, 1, tuple(args.hidden), device=dev)  # warm-up (20 iterations)
    print(
        "| chains | iterations per chain | separate runs chain-it/s "
        "| vectorised chain-it/s | ratio |"
    )
    print("|---|---|---|---|---|")
    for k in args.chains:
        sep, vec = [], []
        for rep in range(args.repeats):
            total, its = 0.0, 0
            for c in range(k):
                dt, n_iter = fit(X, y, 1, epochs, tuple(args.hidden), seed=c, device=dev)
                total += dt
                its += n_iter
            sep.append(its / total)
            dt, n_iter = fit(X, y, k, epochs, tuple(args.hidden), seed=rep, device=dev)
            vec.append(n_iter * k / dt)
        s, v = np.median(sep), np.median(vec)
        print(f"| {k} | {epochs * 100} | {s:.0f} | {v:.0f} | {v / s:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
