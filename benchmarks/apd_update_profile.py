"""Where the package's WGAN-GP update spends its time, per aten op and input shape.

The package's APD update on fcNN1-sized weight vectors (79,510 weights,
2,000 stand-in samples, batch 100, 5 critic updates + 1 generator update;
the set-up of ``bench_apd.py``) under ``torch.profiler``: each op and input
shape that takes at least 3 ms an iteration, its calls per iteration, its
time and, for the matrix products, its rate and the share of the fp32
4096^3 product's rate measured in the same run. The profiler adds its own
overhead, so the per-iteration total is above ``bench_apd.py``'s time;
the split is what this script is for (issue #25, item 4: the update against
its FLOP floor).

Usage: python benchmarks/apd_update_profile.py [--iters 3]
"""

from __future__ import annotations

import argparse

import numpy as np
from _device import machine_line, matmul_peak
from bench_apd import batch_drawer, stand_in_sgld
from sklearn.frozen import FrozenEstimator
from torch.profiler import profile

from sklearn_apd import APDClassifier
from sklearn_apd.posteriors.apd._trainer import GANTrainer

PRODUCTS = {"aten::mm", "aten::addmm", "aten::addmm_"}


def product_flops(name, shapes):
    """2 m k n of a product from its input shapes (addmm: bias first)."""
    a, b = (shapes[0], shapes[1]) if name == "aten::mm" else (shapes[1], shapes[2])
    return 2 * a[0] * a[1] * b[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=3)
    args = ap.parse_args()
    print(machine_line("apd_update_profile", "cpu"))
    peak = matmul_peak(3, "cpu")
    rng = np.random.default_rng(0)
    X = rng.random((1000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 1000)
    sgld = stand_in_sgld(X, y, 2000, "cpu", max_epochs=1)
    apd = APDClassifier(FrozenEstimator(sgld), gan="wgan-gp", max_iter=1, random_state=0)
    apd.fit(X, y)
    trainer = GANTrainer.new(apd, sgld.samples_.shape[1], sgld.samples_)
    draw = batch_drawer(sgld.samples_, package=True)  # as train_offline gathers
    for _ in range(2):
        trainer.step(draw, 1)
    with profile(record_shapes=True) as prof:
        for _ in range(args.iters):
            trainer.step(draw, 1)
    events = prof.key_averages(group_by_input_shape=True)
    total = sum(e.self_cpu_time_total for e in events) / args.iters / 1e3
    print(f"# fp32 4096^3 peak {peak:.1f} GFLOP/s; {total:.0f} ms an iteration under the profiler")
    print(
        "| aten op | input shapes | calls / iteration | ms / iteration | GFLOP/s | of the peak |"
    )
    print("|---|---|---|---|---|---|")
    rows = []
    for e in events:
        ms = e.self_cpu_time_total / args.iters / 1e3
        if ms < 3:
            continue
        calls = e.count / args.iters
        rate = share = ""
        if e.key in PRODUCTS:
            flops = product_flops(e.key, e.input_shapes) * calls
            gflops = flops / (ms / 1e3) / 1e9
            rate, share = f"{gflops:.0f}", f"{gflops / peak:.0%}"
        shapes = [s for s in e.input_shapes if s]
        rows.append((ms, e.key, shapes, calls, rate, share))
    for ms, key, shapes, calls, rate, share in sorted(rows, key=lambda r: -r[0]):
        print(f"| {key} | {shapes} | {calls:g} | {ms:.1f} | {rate} | {share} |")


if __name__ == "__main__":
    main()
