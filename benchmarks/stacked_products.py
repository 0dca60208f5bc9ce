"""The critic's first layer as one stacked product each way, against three (issue #25, item 4).

In a WGAN-GP critic update on fcNN1's P = 79,510 weights the critic's first
layer W1 (100 x P) meets three (. x P) operands: the real rows (100), the
generator's last layer and bias ``G`` ((h + 1) = 101 rows, fixed while the
critic trains) and W1 itself (the gradient penalty's Gram matrix). Side by
side in one run, alternating, median of ``--repeats``:

- ``forward``: three products as the package wrote them until 2026-12-06
  (``addmm(b1, real, W1.T)``, ``W1 @ gen_wb``, ``W1 @ W1.T``), against the
  copy of W1 into a `FirstLayerStack` and one product ``W1 @ stack.T``
  (301 columns wide);
- ``backward``: dW1 in 4096-column blocks, each through three products
  (until 2026-12-06), against one product ``[Gram | fake | real coefs] @
  stack`` per block;
- ``generator rows``: once per iteration, ``gen_wb`` as one concatenation
  (P x 101, until 2026-12-06) against ``G`` transposed into the stack in blocks;
- ``iteration``: 5 x (forward + backward) + generator rows (n_critic = 5).

The stacked results are checked against the separate ones (float32, relative
error printed). Usage: python benchmarks/stacked_products.py [--repeats 7]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _device import machine_line
from wide_product_blocks import seconds

from sklearn_apd.posteriors.apd._gan import CPU_COLUMN_BLOCK, FirstLayerStack, WeightGenerator

P, D, H, B = 79_510, 100, 100, 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    print(machine_line("stacked_products", "cpu"))
    gen = torch.Generator().manual_seed(0)
    w1 = torch.randn(D, P, generator=gen) * 0.01
    b1 = torch.randn(D, generator=gen)
    real = torch.randn(B, P, generator=gen)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        generator = WeightGenerator(32, (H,), P)
    last = generator.last
    coefs = [torch.randn(D, k, generator=gen) for k in (D, H + 1, B)]  # Gram, fake, real
    stack = FirstLayerStack()
    stack.set_generator(generator, D, with_w1=True, n_real=B)
    stack.real_rows(B).copy_(real)

    def gen_wb():
        return torch.cat([last.weight.detach(), last.bias.detach()[:, None]], dim=1)

    wb = gen_wb()

    def forward_separate():
        return torch.addmm(b1, real, w1.T), w1 @ wb, w1 @ w1.T

    def forward_stacked():
        return w1 @ stack.stacked(w1).T

    def backward_separate():
        d = w1.new_empty(D, P)
        for start in range(0, P, CPU_COLUMN_BLOCK):
            cols = slice(start, min(P, start + CPU_COLUMN_BLOCK))
            torch.mm(coefs[2], real[:, cols], out=d[:, cols])
            d[:, cols].addmm_(coefs[1], wb[cols].T)
            d[:, cols].addmm_(coefs[0], w1[:, cols])
        return d

    coef = torch.cat(coefs, dim=1)

    def backward_stacked():
        s = stack.stacked(w1)
        d = w1.new_empty(D, P)
        for start in range(0, P, CPU_COLUMN_BLOCK):
            cols = slice(start, min(P, start + CPU_COLUMN_BLOCK))
            torch.mm(coef, s[:, cols], out=d[:, cols])
        return d

    def generator_rows_stacked():
        stack.set_generator(generator, D, with_w1=True, n_real=B)
        stack.real_rows(B)  # the real rows stay where they were written

    sep_f, st_f = forward_separate(), forward_stacked()
    a_real = (st_f[:, D + H + 1 :].T + b1, sep_f[0])
    pairs = {
        "real pre-activations": a_real,
        "W1 gen_wb": (st_f[:, D : D + H + 1], sep_f[1]),
        "Gram": (st_f[:, :D], sep_f[2]),
        "dW1": (backward_stacked(), backward_separate()),
    }
    for name, (a, b) in pairs.items():
        rel = float((a - b).abs().max() / b.abs().max())
        print(f"# {name}: stacked against separate, max relative difference {rel:.1e}")
    runs = {
        "forward": (forward_separate, forward_stacked),
        "backward": (backward_separate, backward_stacked),
        "generator rows": (gen_wb, generator_rows_stacked),
    }
    times = {(k, i): [] for k in runs for i in (0, 1)}
    for _ in range(args.repeats):
        for key, fs in runs.items():
            for i, f in enumerate(fs):
                times[(key, i)].append(seconds(f, n=5))
    med = {k: float(np.median(v)) for k, v in times.items()}
    print("| part | separate (ms) | stacked (ms) | separate / stacked |")
    print("|---|---|---|---|")
    for key in runs:
        a, b = med[(key, 0)], med[(key, 1)]
        print(f"| {key} | {1e3 * a:.1f} | {1e3 * b:.1f} | {a / b:.2f}x |")
    it = [
        5 * (med[("forward", i)] + med[("backward", i)]) + med[("generator rows", i)]
        for i in (0, 1)
    ]
    print(
        f"| iteration (5 critic updates) | {1e3 * it[0]:.1f} | {1e3 * it[1]:.1f} "
        f"| {it[0] / it[1]:.2f}x |"
    )


if __name__ == "__main__":
    main()
