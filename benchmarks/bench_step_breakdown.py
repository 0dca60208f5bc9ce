"""Where an SGLD step's time goes: the split behind bench_fit's fcNN1 ratio.

Measured side by side in one process, median of alternating repeats, fcNN1
(784-100-10, 79,510 weights), batch 100, 50,000 random MNIST-sized rows:

- ``fit``: ``SGLDClassifier.fit`` per iteration (bench_fit's package side);
- ``fit, noise in place``: the same fit with the noise drawn in place, not a
  step ahead on a worker thread (the fit's default on two or more threads,
  ``SGLD._noise_drawn_ahead``; added 2026-12-06: the ``fit`` rows recorded
  before that date are this in-place fit);
- ``fit, temperature 0``: the same fit without the Gaussian noise (the update
  is then plain SGD: the gradient, the fused step, the sample store);
- ``noise draw``: ``normal_`` of one 79,510-float buffer from a
  ``torch.Generator`` (what every SGLD step draws, in the package and in a
  hand-written loop alike);
- ``noise draw + add``: the draw and its addition to the weights;
- ``plain loop``: bench_fit's hand-written SGLD loop.

So ``fit, noise in place - fit, temperature 0`` is what the noise costs inside
the fit, ``fit - fit, temperature 0`` what it still costs when drawn ahead, and
``fit / plain loop`` is bench_fit's ratio (inverted).

Usage: python benchmarks/bench_step_breakdown.py [--iters 3000] [--repeats 3]
       [--threads N]
"""

from __future__ import annotations

import argparse
import time

import torch
from _device import alternating_medians, machine_line
from bench_fit import package_fit, plain_sgld_loop

N_ROWS, N_WEIGHTS = 50_000, 79_510


def fit_ms(X, y, n_iter, temperature, noise_ahead=True):
    """ms per iteration of bench_fit's end-to-end fit of fcNN1 at ``temperature``."""
    rate, _ = package_fit(X, y, "fcNN1", n_iter, temperature=temperature, noise_ahead=noise_ahead)
    return 1e3 / rate


def noise_ms(n_draws, add):
    gen = torch.Generator().manual_seed(0)
    weights = torch.zeros(N_WEIGHTS)
    noise = torch.empty(N_WEIGHTS)
    t0 = time.perf_counter()
    for _ in range(n_draws):
        noise.normal_(generator=gen)
        if add:
            weights.add_(noise, alpha=1e-3)
    return 1e3 * (time.perf_counter() - t0) / n_draws


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    X = torch.rand(N_ROWS, 784, generator=gen).numpy()
    y = torch.randint(0, 10, (N_ROWS,), generator=gen).numpy()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    print(machine_line("bench_step_breakdown.py", "cpu"))
    print(f"# fcNN1, batch 100, {args.iters} iterations, median of {args.repeats} repeats")
    package_fit(X, y, "fcNN1", 200)  # warm-up
    rows = {
        "fit": lambda: fit_ms(X, y, args.iters, 1.0),
        "fit, noise in place": lambda: fit_ms(X, y, args.iters, 1.0, noise_ahead=False),
        "fit, temperature 0": lambda: fit_ms(X, y, args.iters, 0.0),
        "noise draw": lambda: noise_ms(args.iters, add=False),
        "noise draw + add": lambda: noise_ms(args.iters, add=True),
        "plain loop": lambda: 1e3 / plain_sgld_loop(Xt, yt, "fcNN1", args.iters),
    }
    times = alternating_medians(rows, args.repeats)
    print("| part | ms per step | of the fit |")
    print("|---|---|---|")
    for name, ms in times.items():
        print(f"| {name} | {ms:.3f} | {ms / times['fit']:.2f} |")


if __name__ == "__main__":
    main()
