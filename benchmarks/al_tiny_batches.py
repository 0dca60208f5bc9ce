"""A pass that ends in a minibatch of 2 points: what it did to Figure 4's fits (#20).

In Figure 4's seed-0 run (LeNet, minibatches of up to 64) accuracy dropped by
more than 3 points from one round to the next 14 times; 6 of those drops fell
on labelled-set sizes whose pass ended in a remainder batch of 2, 4 or 8 points
(130, 260, 450, 520: 4 of the 50 sizes), among them APD at chance (9.6%) on 450
labels and SGD at 11% on 130. Until 2026-12-04 every fit cut its shuffled pass
into slices of ``batch_size``, so 130 points gave 64, 64 and 2. The package now
cuts each pass into ``ceil(n / batch_size)`` near-equal minibatches
(``sampling.balanced_batches``: 44, 43, 43).

This script fits Figure 4's SGD (``active_learning_sgd_params``: LeNet, 1,000
steps of torch SGD at lr 0.025, momentum 0.9, weight decay 0.05) on N random
MNIST labels, 6 seeds, both ways: ``remainder`` (the old slicing, restored
here by a patch of ``_iterate_minibatches``) and ``balanced`` (the package),
and prints the test accuracy on the first 1,000 test images and how many runs
had a training loss above 1 after step 200 (a network knocked out of its
minimum; the loss is near 0.03 otherwise).

Usage: python benchmarks/al_tiny_batches.py [--sizes 130 450] [--seeds 6]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _device import machine_line
from al_apd_updates import mnist

from sklearn_apd import DeterministicClassifier
from sklearn_apd.experiments import BUDGETS
from sklearn_apd.experiments.budgets import active_learning_sgd_params


class RemainderSGD(DeterministicClassifier):
    """The slicing before 2026-12-04: ``batch_size`` at a time, the remainder last."""

    def _iterate_minibatches(self, n, generator):
        perm = torch.randperm(n, generator=generator, device=generator.device)
        for start in range(0, n, self.batch_size):
            yield perm[start : start + self.batch_size]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[130, 450])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--data-home", default="../shared/data")
    args = parser.parse_args()
    b = BUDGETS["large"]
    X, y, Xt, yt = mnist(args.data_home, b)  # the pool and b.n_test test images
    Xt, yt = Xt[:1000], yt[:1000]
    params = active_learning_sgd_params(b)
    print(machine_line("al_tiny_batches.py", "cpu"))
    print(f"# SGD = {params}; {args.seeds} seeds of random labels; first 1,000 test images")
    print(
        "| labels | minibatches of a pass | test accuracy % per seed | mean | runs with a spike |"
    )
    print("|---|---|---|---|---|")
    t0 = time.perf_counter()
    for n in args.sizes:
        for name, cls in (("remainder", RemainderSGD), ("balanced", DeterministicClassifier)):
            acc, spikes = [], 0
            for seed in range(args.seeds):
                idx = np.random.default_rng(seed).choice(len(y), n, replace=False)
                est = cls(**params, random_state=seed, verbose=0).fit(X[idx], y[idx])
                loss = np.array([h["train_loss"] for h in est.history_])
                spikes += int((loss[200:] > 1).any())
                acc.append(100 * est.score(Xt, yt))
            sizes = [len(i) for i in cls(**params)._iterate_minibatches(n, torch.Generator())]
            print(
                f"| {n} | {name}: {sizes} | {' / '.join(f'{a:.1f}' for a in acc)} "
                f"| {np.mean(acc):.1f} | {spikes} of {args.seeds} |",
                flush=True,
            )
    print(f"# {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
