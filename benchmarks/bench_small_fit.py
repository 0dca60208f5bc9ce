"""The fixed cost of ``fit`` on small data (an active-learning round), per estimator.

``fit`` on the first n of 500 random 784-feature rows (n = 20, 100, 500),
batch 32, 10 classes. The fixed cost is the time of a 10-iteration fit less
10 iterations at the rate of a 210-iteration fit (the difference of the two,
over 200 iterations), each the median of ``--repeats`` fits. SGLD keeps a
sample every iteration (thinning 1), the most the sample store can cost;
its second row draws the noise in place instead of a step ahead on a worker
thread (the fit's default on two or more threads since 2026-12-06), the
cost of that worker's start and stop side by side (the 210-iteration fits
draw ahead, the 10-iteration fits, under 64 steps, in place). SGHMC and pSGLD
(rows added 2026-12-06, sixteenth session) take the same fused path.

Usage: python benchmarks/bench_small_fit.py [--repeats 5] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import numpy as np
from _device import add_device_argument, clock, machine_line

from sklearn_apd import DeterministicClassifier, MCDropoutClassifier, SGLDClassifier


def _sgld(k, dev, noise_ahead=True, method="sgld"):
    """SGLD keeping every iteration; ``noise_ahead=False`` draws its noise in place."""
    sgld = SGLDClassifier(
        max_iter=k,
        burn_in=0,
        thinning=1,
        batch_size=32,
        method=method,
        random_state=0,
        device=dev,
    )
    sgld._draw_noise_ahead = noise_ahead
    return sgld


MAKERS = {
    "SGLDClassifier (thinning 1)": _sgld,
    "SGLDClassifier (thinning 1), noise in place": lambda k, dev: _sgld(k, dev, False),
    "SGLDClassifier method='sghmc' (thinning 1)": lambda k, dev: _sgld(k, dev, method="sghmc"),
    "SGLDClassifier method='psgld' (thinning 1)": lambda k, dev: _sgld(k, dev, method="psgld"),
    "MCDropoutClassifier": lambda k, dev: MCDropoutClassifier(
        max_iter=k, batch_size=32, random_state=0, device=dev
    ),
    "DeterministicClassifier": lambda k, dev: DeterministicClassifier(
        max_iter=k, batch_size=32, random_state=0, device=dev
    ),
}


def fit_seconds(make, X, y, iterations, repeats, device):
    times = []
    for _ in range(repeats):
        est = make(iterations, device)
        t0 = clock(device)
        est.fit(X, y)
        times.append(clock(device) - t0)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    add_device_argument(ap)
    args = ap.parse_args()
    print(machine_line("bench_small_fit", args.device))
    rng = np.random.default_rng(0)
    X = rng.random((500, 784), dtype=np.float32)
    y = np.arange(500) % 10
    fit_seconds(MAKERS["DeterministicClassifier"], X, y, 10, 1, args.device)  # warm-up
    print("| estimator | rows | fit of 10 iterations | per iteration | fixed cost |")
    print("|---|---|---|---|---|")
    for name, make in MAKERS.items():
        for n in (20, 100, 500):
            short = fit_seconds(make, X[:n], y[:n], 10, args.repeats, args.device)
            long = fit_seconds(make, X[:n], y[:n], 210, args.repeats, args.device)
            per = (long - short) / 200
            print(
                f"| {name} | {n} | {1e3 * short:.1f} ms | {1e3 * per:.2f} ms "
                f"| {1e3 * (short - 10 * per):.1f} ms |",
                flush=True,
            )


if __name__ == "__main__":
    main()
