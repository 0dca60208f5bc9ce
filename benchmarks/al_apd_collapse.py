"""Why APD's draws predict at chance in some Figure 4 rounds (#20): one round looked into.

Not a speed benchmark. Figure 4's APD (``reproduce active-learning``) refits
its SGLD sampler cold every round and carries one GAN across rounds
(``warm_start``, re-standardized at each fit) for ``al_apd_iter`` more
updates. In some rounds its draws predict at chance (seed 1: 10.0% on 50
labels). This script replays the first rounds of an APD curve on its own
labelled sets (the acquisition order saved in a Figure 4 checkpoint or
results file), with Figure 4's estimators and seed, and reports per round:

- the SGLD samples the GAN distils: ensemble accuracy and each sample's
  accuracy (is the chain itself broken?);
- APD's draws: ensemble accuracy (should equal the curve's), each draw's
  accuracy, and how far the draws lie from the samples' mean in units of the
  samples' per-weight scale (the GAN's standardized space; mean absolute
  z over the weights, beside a real sample's median);
- the GAN's last Wasserstein estimate of the round.

Run with the thread count of the run it replays (Figure 4's were 1 thread)
to reproduce its floats::

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 python benchmarks/al_apd_collapse.py \\
        --data-home ../shared/data --seed 1 --rounds 4 \\
        --labels-from .runs/al2_seed1/active-learning/parts/curve_apd.c1da21d96abb.pkl

Output: a Markdown table on stdout (committed under ``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path

import numpy as np
import torch
from al_apd_curves import figure4_curve
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from sklearn_apd.experiments import cpu_description
from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.experiments.budgets import active_learning_sgld_params
from sklearn_apd.posteriors import SGLDClassifier


def acquisition_order(path):
    """The pool rows labelled, in acquisition order, from a checkpoint (.pkl) or results file."""
    path = Path(path)
    if path.suffix == ".pkl":
        with path.open("rb") as f:
            state = pickle.load(f)
        return np.asarray(state["labeled"]), [100 * s for s in state["curve"]["score"]]
    curve = figure4_curve(path, "APD")
    return np.asarray(curve["labeled_indices"]), curve["accuracy"]


def per_draw_accuracy(probas, y):
    """Accuracy (%) of each draw of ``probas`` (draws, n, classes) on labels ``y``."""
    return 100 * (probas.argmax(-1) == y[None, :]).mean(axis=1)


def standardized_distance(draws, samples):
    """Each draw's mean absolute deviation from the samples' mean, in units of each weight's
    standard deviation over the samples (a real sample of many lies near 0.8)."""
    mean, scale = samples.mean(0), samples.std(0).clamp_min(1e-8)
    return ((draws - mean) / scale).abs().mean(1)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=4, help="rounds replayed (0 = 20 labels)")
    p.add_argument("--labels-from", required=True)
    args = p.parse_args(argv)

    ctx = ExperimentContext(
        "active-learning", "large", args.data_home, "cpu", "/tmp/al_apd_collapse", seed=args.seed,
        verbose=0,
    )  # fmt: skip
    X, y, *_, Xt, yt = ctx.mnist()
    b = ctx.b
    sgld = SGLDClassifier(**active_learning_sgld_params(b), **ctx.common())
    apd = ctx.apd(sgld, on_weights=True).set_params(
        sampler=sgld, max_iter=b.al_apd_iter, n_samples=b.al_samples, warm_start=True
    )
    order, recorded = acquisition_order(args.labels_from)
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  {cpu_description()}  torch {torch.__version__}")
    print(f"threads {torch.get_num_threads()}; seed {args.seed}; labels from {args.labels_from}\n")
    print(
        "| labels | curve's APD | APD replayed | APD draws: min / median | "
        "draws at < 20% | draw distance: median, max (a sample's) | SGLD "
        "| SGLD samples: min / median | W estimate | time (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in range(args.rounds):
        n = 20 + 10 * r
        idx = order[:n]
        t0 = time.perf_counter()
        # APD clones and fits its sampler; the same clone fitted here first
        # (same seed, same data) is what it distils, so FrozenEstimator
        # gives the same samples and lets us look at them.
        s = clone(sgld).fit(X[idx], y[idx])
        apd.set_params(sampler=FrozenEstimator(s)).fit(X[idx], y[idx])
        sp = s.predict_proba_samples(Xt)
        ap = apd.predict_proba_samples(Xt)
        s_acc, a_acc = per_draw_accuracy(sp, yt), per_draw_accuracy(ap, yt)
        samples = s.collect()
        with torch.no_grad():
            rng = torch.Generator().manual_seed(0)
            z = torch.randn(b.al_samples, apd.latent_dim, generator=rng)
            draws = apd.generator_(z)
        dist = standardized_distance(draws, samples)
        own = standardized_distance(samples, samples).median()  # a real sample's, for scale
        w = apd.distill_history_["wasserstein"][-1]
        print(
            f"| {n} | {recorded[r]:.1f} | {100 * apd.score(Xt, yt):.1f} "
            f"| {a_acc.min():.1f} / {np.median(a_acc):.1f} | {(a_acc < 20).sum()} of {len(a_acc)} "
            f"| {dist.median():.2f}, {dist.max():.2f} ({own:.2f}) | {100 * s.score(Xt, yt):.1f} "
            f"| {s_acc.min():.1f} / {np.median(s_acc):.1f} | {w:.3g} "
            f"| {time.perf_counter() - t0:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
