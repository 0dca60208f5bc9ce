"""Cost of one APD (WGAN-GP) iteration on fcNN1-sized weight vectors vs the FLOP floor.

One iteration = n_critic (5) critic updates with gradient penalty + 1
generator update, batch 100, the paper's 3x100 generator and critic on flat
vectors of 79,510 weights. FLOPs are counted with torch's per-op formulas on a
real iteration (matrix products, forward, backward and the penalty's double
backward); the floor is FLOPs / (fp32 4096^3 matmul peak measured in the same
run). Reported: seconds per iteration, the floor, and their ratio.

Usage: python benchmarks/bench_apd.py [--iters 10]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

from sklearn_apd import APDClassifier, SGLDClassifier


class CountFlops(TorchDispatchMode):
    """Counts matrix-product FLOPs of every aten op that runs, backward included.

    (torch's FlopCounterMode cannot follow the gradient penalty's
    autograd.grad; this uses the same per-op formulas without module tracking.)
    """

    def __init__(self):
        super().__init__()
        self.flops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.flops += formula(*args, **kwargs, out_val=out)
        return out


def matmul_peak():
    a, b = torch.randn(4096, 4096), torch.randn(4096, 4096)
    a @ b
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * 4096**3 / min(times) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=10)
    args = ap.parse_args()
    print(
        f"# bench_apd  {time.strftime('%Y-%m-%d')}  {platform.machine()}  "
        f"torch {torch.__version__}  threads {torch.get_num_threads()}"
    )
    peak = matmul_peak()
    print(f"fp32 matmul 4096^3 peak: {peak:.1f} GFLOP/s")
    rng = np.random.default_rng(0)
    X = rng.random((1000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 1000)
    sgld = SGLDClassifier(max_epochs=1, burn_in=0, thinning=1, device="cpu", random_state=0)
    sgld.fit(X, y)
    # 2,000 vectors around the fitted weights stand in for SGLD samples.
    base = sgld.samples_[-1]
    sgld.samples_ = base + 0.01 * torch.randn(2000, base.numel())
    for gan in ("wgan-gp", "wgan", "gan"):
        apd = APDClassifier(
            FrozenEstimator(sgld), gan=gan, max_iter=1, device="cpu", random_state=0
        )
        apd.fit(X, y)  # builds everything; one iteration of warm-up
        samples = sgld.samples_
        critic, optimizers, gen = apd._build_gan(samples)

        def draw(b, samples=samples, gen=gen):
            return samples[torch.randint(samples.shape[0], (b,), generator=gen)]

        with CountFlops() as counter:
            apd._gan_step(draw, critic, optimizers, gen)
        flops = counter.flops
        t0 = time.perf_counter()
        for _ in range(args.iters):
            apd._gan_step(draw, critic, optimizers, gen)
        per_iter = (time.perf_counter() - t0) / args.iters
        floor = flops / (peak * 1e9)
        print(
            f"| {gan} | {flops / 1e9:.1f} GFLOP | {per_iter:.3f} s | floor {floor:.3f} s "
            f"| {per_iter / floor:.2f}x floor | {flops / per_iter / 1e9:.0f} GFLOP/s |"
        )


if __name__ == "__main__":
    main()
