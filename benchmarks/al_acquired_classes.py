"""Active learning: which classes entropy acquisition picks, against random acquisition.

Not a speed benchmark: a measurement behind one gap in
``docs/reproduction.md`` (Figure 4 at ``--budget large``, where random
acquisition beat entropy acquisition by 6 points). It runs the SGLD curve of
``reproduce active-learning --budget large`` (same pool, SGLD setting, pool
subsample and seed) for ``--rounds`` rounds with entropy and with random
acquisition and prints, per curve, the test accuracy and the class counts of
the labelled set every ``--every`` rounds, plus how unbalanced it is (the
largest class's share; 0.1 is balanced).

Usage::

    python benchmarks/al_acquired_classes.py --data-home ../shared/data --rounds 20
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from al_apd_updates import mnist, sgld  # reproduce active-learning's data and SGLD

from sklearn_apd import ActiveLearner
from sklearn_apd.experiments import BUDGETS, cpu_description


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", required=True)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--every", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.rounds < 1 or args.every < 1:
        p.error(f"--rounds and --every must be >= 1, got {args.rounds} and {args.every}")

    b = BUDGETS["large"]
    X, y, Xt, yt = mnist(args.data_home, b)
    print(f"{cpu_description()}; seed {args.seed}; accuracy on {len(yt)} test images\n")
    print("| acquisition | labels | accuracy % | labels per class 0-9 | largest share |")
    print("|---|---|---|---|---|")
    for query in ("entropy", "random"):
        t0 = time.perf_counter()
        learner = ActiveLearner(
            sgld(b, args.seed), query=query, batch_size=10,
            n_rounds=args.rounds, pool_subsample=b.al_pool, random_state=args.seed,
        )  # fmt: skip
        learner.fit(X, y, eval_set=(Xt, yt))
        curve = learner.learning_curve_
        for r in range(0, args.rounds + 1, args.every):
            n = int(curve["n_labels"][r])
            counts = np.bincount(y[learner.labeled_indices_[:n]], minlength=10)
            print(
                f"| {query} | {n} | {100 * curve['score'][r]:.1f} | {' '.join(map(str, counts))} "
                f"| {counts.max() / n:.2f} |"
            )
        print(f"| {query}: {time.perf_counter() - t0:.0f} s | | | | |", flush=True)


if __name__ == "__main__":
    main()
