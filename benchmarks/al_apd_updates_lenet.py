"""How many GAN updates APD needs to match SGLD on Figure 4's first labelled set (LeNet, #20).

Not a speed benchmark. Figure 4 (``reproduce active-learning --budget large``)
gives APD's carried GAN ``al_apd_iter`` (50) more updates a round; the
reference code gave 1,000, which on this CPU would cost about 15 minutes a
round. This script takes a seed's 20 initial labels (the first 20 of
``labeled_indices`` in a Figure 4 curve file), samples their posterior with
Figure 4's SGHMC sampler and seed, distils it into a fresh GAN with Figure 4's
APD settings, and after each cumulative count in ``--iters`` reports APD's
test accuracy, its draws' accuracies, how far the draws lie from the
samples' mean (in units of each weight's scale over the samples; a real
sample's distance beside it) and the GAN's seconds, next to SGLD's accuracy
and that of the samples' mean network.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/al_apd_updates_lenet.py --data-home ../shared/data \\
        --seed 0 \\
        --labels-from benchmarks/results/figure4_lenet_balanced_seed0_parts/curve_sgld.json

Output: a Markdown table on stdout (committed under ``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from al_apd_collapse import per_draw_accuracy, standardized_distance
from al_apd_curves import sgld_labelled_sets
from al_apd_updates import counts
from apd_updates_probe import use_spread_init

from sklearn_apd.experiments import cpu_description
from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.experiments.budgets import active_learning_sgld_params
from sklearn_apd.posteriors import SGLDClassifier


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels-from", required=True, help="a Figure 4 curve part or results file")
    p.add_argument("--iters", type=counts, default=[50, 100, 200, 400, 800])
    p.add_argument(
        "--init-spread", type=float, default=None,
        help="start the generator's draws at this per-weight spread (apd_updates_probe.py)",
    )  # fmt: skip
    args = p.parse_args(argv)
    if args.init_spread is not None:
        use_spread_init(args.init_spread)

    ctx = ExperimentContext(
        "active-learning", "large", args.data_home, "cpu", "/tmp/al_apd_updates_lenet",
        seed=args.seed, verbose=0,
    )  # fmt: skip
    X, y, *_, Xt, yt = ctx.mnist()
    b = ctx.b
    idx = np.asarray(sgld_labelled_sets(args.seed, 0, args.labels_from)[0])  # the first 20

    t0 = time.perf_counter()
    sgld = SGLDClassifier(**active_learning_sgld_params(b), **ctx.common()).fit(X[idx], y[idx])
    sgld_time = time.perf_counter() - t0
    samples = sgld.collect()
    mean_net = copy.deepcopy(sgld)  # one "sample": the states' mean weights
    mean_net.samples_ = samples.mean(0, keepdim=True)
    apd = ctx.apd(sgld, on_weights=True).set_params(
        n_samples=b.al_samples, warm_start=True
    )  # frozen sgld

    print(f"# {time.strftime('%Y-%m-%d %H:%M')}  {cpu_description()}  torch {torch.__version__}")
    print(
        f"threads {torch.get_num_threads()}; seed {args.seed}; 20 labels from "
        f"{args.labels_from}; {b.al_samples} draws; test images: the first {len(yt)}; "
        f"generator's initial spread {args.init_spread or 'PyTorch default'}\n"
    )
    s_acc = per_draw_accuracy(sgld.predict_proba_samples(Xt), yt)
    mean_acc = 100 * np.mean(mean_net.predict_proba(Xt, n_samples=1).argmax(1) == yt)
    own = standardized_distance(samples, samples).median()
    print(
        f"SGLD (SGHMC, {len(samples)} states, {sgld_time:.0f} s): "
        f"{100 * sgld.score(Xt, yt):.1f}%; "
        f"states min / median {s_acc.min():.1f} / {np.median(s_acc):.1f}; the states' mean "
        f"network {mean_acc:.1f}%; a state's distance {own:.2f}\n"
    )
    print("| GAN updates | APD | draws: min / median | draw distance: median, max | GAN seconds |")
    print("|---|---|---|---|---|")
    done, gan_time = 0, 0.0
    for total in args.iters:
        apd.set_params(max_iter=total - done)
        t0 = time.perf_counter()
        apd.fit(X[idx], y[idx])
        gan_time += time.perf_counter() - t0
        done = total
        a_acc = per_draw_accuracy(apd.predict_proba_samples(Xt), yt)
        with torch.no_grad():
            rng = torch.Generator().manual_seed(0)
            draws = apd.generator_(torch.randn(b.al_samples, apd.latent_dim, generator=rng))
        dist = standardized_distance(draws, samples)
        print(
            f"| {total} | {100 * apd.score(Xt, yt):.1f} | {a_acc.min():.1f} / "
            f"{np.median(a_acc):.1f} | {dist.median():.2f}, {dist.max():.2f} | {gan_time:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
