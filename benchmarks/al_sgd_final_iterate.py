"""Figure 4's SGD curve: why its final iterate falls to chance on some rounds (#20).

Figure 4's "SGD" is SGHMC's update without noise (torch SGD, lr 0.025, momentum
0.9, weight decay 0.05, LeNet, 1,000 steps on minibatches of up to 64) and
predicts with its last iterate; "SGLD" (SGHMC at temperature 1e-2) averages 20
states spread over the last two thirds of its run. On a few labels the noise-free
run sits at the edge of stability: the loss, near 0.03 for hundreds of steps,
can jump to chance level a few steps before the end (a "catapult"), and the
final iterate is then a broken network. This script fits both on the 20 initial
labels that ``ActiveLearner(random_state=SEED)`` draws (Figure 4's first point)
and prints, per seed: the training loss every 100 steps, the steps where the
loss exceeds 1 after step 100, and the test accuracy of SGD's final iterate and
of SGHMC's 20-state average on the first 2,000 test images (Figure 4's test set,
so this measures, it does not choose anything).

Usage: python benchmarks/al_sgd_final_iterate.py [--seeds 0 1 2] [--data-home DIR]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _device import machine_line
from al_apd_updates import mnist

from sklearn_apd import ActiveLearner, DeterministicClassifier, SGLDClassifier
from sklearn_apd.experiments import BUDGETS
from sklearn_apd.experiments.budgets import (
    active_learning_sgd_params,
    active_learning_sgld_params,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--data-home", default="../shared/data")
    args = parser.parse_args()
    b = BUDGETS["large"]
    X, y, Xt, yt = mnist(args.data_home, b)  # the pool and b.n_test test images
    print(machine_line("al_sgd_final_iterate.py", "cpu"))
    print(f"# {b.n_test} test images; SGD = {active_learning_sgd_params(b)}")
    for seed in args.seeds:
        # The initial labels of Figure 4's curves: the learner's first draw.
        est = DeterministicClassifier(**active_learning_sgd_params(b), random_state=seed)
        learner = ActiveLearner(est.set_params(verbose=0), n_rounds=0, random_state=seed)
        learner.fit(X, y)
        first = np.flatnonzero(learner.labeled_iter_ == 0)
        sgd = learner.estimator_
        loss = np.array([h["train_loss"] for h in sgd.history_])
        sghmc = SGLDClassifier(**active_learning_sgld_params(b), random_state=seed, verbose=0)
        sghmc.fit(X[first], y[first])
        spikes = np.flatnonzero(loss[100:] > 1.0) + 100
        print(
            f"seed {seed}: {len(first)} labels; SGD final iterate {100 * sgd.score(Xt, yt):.1f}% "
            f"(train {100 * sgd.score(X[first], y[first]):.0f}%), SGHMC's 20 states "
            f"{100 * sghmc.score(Xt, yt):.1f}%"
        )
        print(f"  SGD loss at steps 100, 200, ..., 1000: {np.round(loss[99::100], 3).tolist()}")
        print(
            f"  steps after 100 with loss > 1: {len(spikes)}"
            + (f", first {spikes[0]}, last {spikes[-1]}" if len(spikes) else "")
        )


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
