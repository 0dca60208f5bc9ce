"""Cost of APD's likelihood term (``likelihood_weight``) per generator update, fcNN1 and fcNN2.

One WGAN-GP update of the package (5 critic updates and one generator update,
batch 100, the 3x100 generator and critic, standardized weights) without and
with the term (100 draws through the network, forward and backward, on
``--rows`` training rows), side by side in one run: median seconds of
``--repeats`` alternating repeats of ``--iters`` updates each. The term's
FLOPs are counted as in ``bench_apd.py`` (torch's per-op formulas) and its
floor is FLOPs over the fp32 4096^3 product's peak measured in the same run.

Inputs are random (the cost does not depend on the values): ``--n-train`` rows
of 784 features, 10 classes; the "samples" are 200 vectors around one fitted
network's weights.

Usage: python benchmarks/bench_apd_likelihood.py [--iters 5] [--repeats 3] [--rows 1000]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch
from _device import add_device_argument, clock, machine_line, matmul_peak
from bench_apd import CountFlops, batch_drawer, stand_in_sgld
from sklearn.frozen import FrozenEstimator

from sklearn_apd import APDClassifier
from sklearn_apd.posteriors.apd._trainer import GANTrainer


def trainer_for(apd, samples, X, y, weight):
    """A fresh GAN of ``apd``'s settings, with the likelihood term when ``weight`` > 0."""
    trainer = GANTrainer.new(apd, samples.shape[1], samples)
    apd.set_params(likelihood_weight=weight)
    trainer.likelihood = apd._likelihood_term(X, y)
    return trainer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rows", type=int, default=1000, help="likelihood_batch_size")
    ap.add_argument("--n-train", type=int, default=5000)
    add_device_argument(ap)
    args = ap.parse_args()
    device = args.device
    print(machine_line("bench_apd_likelihood", device))
    peak = matmul_peak(3, device)
    print(f"fp32 matmul 4096^3 peak: {peak:.1f} GFLOP/s; term on {args.rows} rows")
    rng = np.random.default_rng(0)
    X = rng.random((args.n_train, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.n_train)
    print(
        "| network | weights | update without the term | with it | the term "
        "| term GFLOP | term floor | term / floor |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for hidden in ("fcNN1", "fcNN2"):
        net = dict(module__hidden_units=hidden, max_iter=2)
        sgld = stand_in_sgld(X[:200], y[:200], 200, device, **net)
        apd = APDClassifier(
            FrozenEstimator(sgld),
            max_iter=1,
            standardize=True,
            lr=1e-3,
            device=device,
            likelihood_batch_size=args.rows,
            random_state=0,
        ).fit(X, y)  # fmt: skip: builds the network copy (module_, layout_) the term uses
        samples = sgld.samples_
        draw = batch_drawer(samples, package=True)
        trainers = {w: trainer_for(apd, samples, X, y, w) for w in (0.0, 1.0)}
        for t in trainers.values():
            t.step(draw, 1)  # warm-up
        times = {0.0: [], 1.0: []}
        for _ in range(args.repeats):
            for w, t in trainers.items():
                t0 = clock(device)
                for _ in range(args.iters):
                    t.step(draw, 1)
                times[w].append((clock(device) - t0) / args.iters)
        term = trainers[1.0].likelihood
        z = torch.randn(apd.batch_size, apd.latent_dim, device=samples.device)
        with torch.no_grad():
            fake = trainers[1.0].generator(z)
        with CountFlops() as counter:
            term.gradient(fake)
        plain, full = (statistics.median(times[w]) for w in (0.0, 1.0))
        floor = counter.flops / (peak * 1e9)
        print(
            f"| {hidden} | {apd.n_parameters_:,} | {plain:.3f} s | {full:.3f} s "
            f"| {full - plain:.3f} s | {counter.flops / 1e9:.1f} | {floor:.3f} s "
            f"| {(full - plain) / floor:.2f}x |"
        )


if __name__ == "__main__":
    main()
