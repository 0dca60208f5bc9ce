"""Do the APD update's widest products run faster in column blocks? (issue #25, item 4)

The WGAN-GP update's slowest products write a (100 x 79,510) result from a
(100 x 100) or (100 x 101) left factor (the critic's first-layer weight
gradient, `_CriticFirstLayer.backward`): alone they run at 43-47% of the
4096^3 peak (`bench_apd.py --breakdown`). This probe times them whole and in
column blocks of the result (each block one product on strided views, no
copies), alternating, median of ``--repeats``:

- ``mm``: ``torch.mm(A, W, out=out)``, A (100 x 100), W (100 x 79,510);
- ``addmm_``: ``acc.addmm_(A1, W1, beta=0.9, alpha=-0.1)``, A1 (100 x 101);
- ``dW1``: the three products of `_CriticFirstLayer.backward` as it writes
  them, on its layouts (the real rows (100 x P), the generator's last layer
  (P x 101) read transposed, the critic's W1 (100 x P)): whole, as before
  2026-12-06, or one column block of dW1 through all three at a time (the
  package's CPU path since then, ``CPU_COLUMN_BLOCK`` columns). The blocked
  result is checked equal to the whole one.

A block size that pays is a property of the CPU's caches and BLAS; the
package's 4096 was measured on the machines named in benchmarks/RESULTS.md.

Usage: python benchmarks/wide_product_blocks.py [--repeats 5] [--blocks 2048 4096 8192]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _device import machine_line

P = 79_510


def seconds(f, n=10):
    f()
    t0 = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t0) / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--blocks", type=int, nargs="+", default=[2048, 4096, 8192])
    args = ap.parse_args()
    print(machine_line("wide_product_blocks", "cpu"))
    gen = torch.Generator().manual_seed(0)
    A, W = torch.randn(100, 100, generator=gen), torch.randn(100, P, generator=gen)
    A1, W1 = torch.randn(100, 101, generator=gen), torch.randn(101, P, generator=gen)
    out, acc = torch.empty(100, P), torch.randn(100, P, generator=gen)

    def mm(block=None):
        spans = [(0, P)] if block is None else [(s, min(P, s + block)) for s in range(0, P, block)]

        def run():
            for s, e in spans:
                torch.mm(A, W[:, s:e], out=out[:, s:e])

        return run

    def addmm_(block=None):
        spans = [(0, P)] if block is None else [(s, min(P, s + block)) for s in range(0, P, block)]

        def run():
            for s, e in spans:
                acc[:, s:e].addmm_(A1, W1[:, s:e], beta=0.9, alpha=-0.1)

        return run

    g_real, fake_coef = torch.randn(100, 100, generator=gen), torch.randn(100, 101, generator=gen)
    gram_coef, real = torch.randn(100, 100, generator=gen), torch.randn(100, P, generator=gen)
    gen_wb, w1 = torch.randn(P, 101, generator=gen), torch.randn(100, P, generator=gen)

    def d_w1(block=None):
        step = P if block is None else block

        def run():
            d = real.new_empty(100, P)
            for start in range(0, P, step):
                cols = slice(start, min(P, start + step))
                torch.mm(g_real.T, real[:, cols], out=d[:, cols])
                d[:, cols].addmm_(fake_coef, gen_wb[cols].T)
                d[:, cols].addmm_(gram_coef, w1[:, cols])
            return d

        return run

    whole_d = d_w1()()
    variants = {("mm", None): mm(), ("addmm_", None): addmm_(), ("dW1", None): d_w1()}
    for block in args.blocks:
        variants[("mm", block)] = mm(block)
        variants[("addmm_", block)] = addmm_(block)
        variants[("dW1", block)] = d_w1(block)
        equal = torch.equal(d_w1(block)(), whole_d)
        print(f"# dW1 in blocks of {block} columns equals the whole product, bit for bit: {equal}")
    times = {key: [] for key in variants}
    for _ in range(args.repeats):
        for key, run in variants.items():
            times[key].append(seconds(run))
    flops = {"mm": 2 * 100 * 100 * P, "addmm_": 2 * 100 * 101 * P, "dW1": 2 * 100 * 301 * P}
    print("| product | column block | ms | GFLOP/s | whole / blocks |")
    print("|---|---|---|---|---|")
    for (name, block), ts in sorted(times.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        t = float(np.median(ts))
        whole = float(np.median(times[(name, None)]))
        print(
            f"| {name} | {block or 'whole'} | {1e3 * t:.1f} | {flops[name] / t / 1e9:.0f} "
            f"| {whole / t:.2f}x |"
        )


if __name__ == "__main__":
    main()
