"""Can SGLD's noise draw overlap the gradient? A probe for issue #25's fcNN1 target.

`bench_step_breakdown.py` measured the Gaussian noise at about 0.19 ms of a
0.61 ms fcNN1 step: torch's CPU ``normal_`` of 79,510 floats runs on one
thread, bound by its generator. If a second thread draws step t+1's noise
while the main thread computes step t's gradient, the draw leaves the
critical path. This script measures that on a minimal SGLD loop of fcNN1
(784-100-10, batch 100), median of alternating repeats, ms per step:

- ``no noise``: forward, backward and the gradient step only (the floor);
- ``noise, same thread``: plus ``normal_`` into one buffer and its addition;
- ``noise, drawn ahead``: the draw for the next step runs on a worker thread
  (its own generator, two buffers) while this step's gradient is computed;
  the main thread only adds it.

Reading: if ``drawn ahead`` is close to ``no noise`` the overlap works on this
machine and is worth building into the sampler (with a generator of its own,
so the stream stays deterministic); if it is close to ``same thread`` the two
cores are already busy with the gradient.

A second table times the draw for fcNN1's and fcNN2's weight counts (79,510
and 478,410 values), ms per draw: one ``normal_`` from one generator, against
the two halves drawn at once from two generators, one on the calling thread
and one on a worker thread (a persistent thread fed by a queue, as a sampler
would keep it); alone, and right after a 2-thread matrix product as in a step.
If the halves take about half the time after a product, two generators would
buy a cheaper draw (at the price of another noise stream).

Usage: python benchmarks/bench_noise_overlap.py [--iters 3000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import torch
from _device import alternating_medians, machine_line
from torch import nn

N_ROWS, BATCH = 50_000, 100


def make_net(seed):
    torch.manual_seed(seed)  # benchmark-only: the two loops start from the same weights
    return nn.Sequential(nn.Linear(784, 100), nn.ReLU(), nn.Linear(100, 10))


def sgld_loop(X, y, n_iter, mode, lr=0.05, wd=1e-3, seed=0):
    """ms per step of ``n_iter`` SGLD steps with the noise drawn per ``mode``."""
    net = make_net(seed)
    params = list(net.parameters())
    n_weights = sum(p.numel() for p in params)
    std = (lr / N_ROWS) ** 0.5
    gen = torch.Generator().manual_seed(seed)
    noise_gen = torch.Generator().manual_seed(seed + 1)
    buffers = [torch.empty(n_weights), torch.empty(n_weights)]

    def views(buf):
        out, start = [], 0
        for p in params:
            out.append(buf[start : start + p.numel()].view_as(p))
            start += p.numel()
        return out

    buffer_views = [views(b) for b in buffers]
    pool = ThreadPoolExecutor(max_workers=1) if mode == "ahead" else None
    pending = pool.submit(buffers[0].normal_, generator=noise_gen) if pool else None
    idx_all = torch.randint(0, N_ROWS, (n_iter, BATCH), generator=gen)
    t0 = time.perf_counter()
    for it in range(n_iter):
        if pool:  # start drawing the next step's noise before this step's gradient
            pending.result()
            current = it % 2
            pending = pool.submit(buffers[1 - current].normal_, generator=noise_gen)
        idx = idx_all[it]
        loss = nn.functional.cross_entropy(net(X[idx]), y[idx])
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            torch._foreach_mul_(params, 1 - 0.5 * lr * wd)
            torch._foreach_add_(params, grads, alpha=-0.5 * lr)
            if mode == "same":
                buffers[0].normal_(generator=noise_gen)
                torch._foreach_add_(params, buffer_views[0], alpha=std)
            elif mode == "ahead":
                torch._foreach_add_(params, buffer_views[current], alpha=std)
    elapsed = time.perf_counter() - t0
    if pool:
        pending.result()
        pool.shutdown()
    return 1e3 * elapsed / n_iter


def draw_probe(n_values, n_draws, mode, product=None):
    """ms per draw of ``n_values`` normals: one generator, or two halves in two threads.

    With ``product=(a, b)`` each draw follows ``a @ b`` (as in a step, where the
    backward pass's last product precedes the draw); its time is subtracted.
    """
    buf = torch.empty(n_values)
    half = n_values // 2
    first, second = torch.Generator().manual_seed(0), torch.Generator().manual_seed(1)

    def before():
        if product is not None:
            torch.mm(*product)

    if mode == "product only":
        t0 = time.perf_counter()
        for _ in range(n_draws):
            before()
        return 1e3 * (time.perf_counter() - t0) / n_draws
    if mode == "one":
        t0 = time.perf_counter()
        for _ in range(n_draws):
            before()
            buf.normal_(generator=first)
        return 1e3 * (time.perf_counter() - t0) / n_draws
    jobs, done = queue.SimpleQueue(), queue.SimpleQueue()

    def worker():
        while (part := jobs.get()) is not None:
            part.normal_(generator=second)
            done.put(None)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    for _ in range(n_draws):
        before()
        jobs.put(buf[half:])
        buf[:half].normal_(generator=first)
        done.get()
    elapsed = time.perf_counter() - t0
    jobs.put(None)
    thread.join()
    return 1e3 * elapsed / n_draws


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(N_ROWS, 784, generator=gen)
    y = torch.randint(0, 10, (N_ROWS,), generator=gen)
    modes = {"no noise": "none", "noise, same thread": "same", "noise, drawn ahead": "ahead"}
    for mode in modes.values():  # warm-up: allocator, thread pools, first-call costs
        sgld_loop(X, y, 100, mode)
    runs = {
        name: lambda mode=mode: sgld_loop(X, y, args.iters, mode) for name, mode in modes.items()
    }
    times = alternating_medians(runs, args.repeats)
    print(machine_line("bench_noise_overlap.py", "cpu"))
    print(f"# fcNN1 SGLD loop, batch {BATCH}, {args.iters} steps, median of {args.repeats}")
    print("| loop | ms per step | vs same thread |")
    print("|---|---|---|")
    for name, ms in times.items():
        print(f"| {name} | {ms:.3f} | {times['noise, same thread'] / ms:.2f}x |")
    print()
    print(f"# the draw, median of {args.repeats} alternating repeats; 'after a product': each")
    print("# draw follows a (100 x 784) @ (784 x 400) product on 2 threads, its time subtracted")
    print("| values | one generator, ms | two halves in two threads, ms | speed-up |")
    print("|---|---|---|---|")
    product = (torch.randn(100, 784, generator=gen), torch.randn(784, 400, generator=gen))
    for n_values in (79_510, 478_410):
        n_draws = max(50, 3 * 10**8 // (n_values * 1000))
        for label, prod in (("alone", None), ("after a product", product)):
            modes = ("one", "split") + (("product only",) if prod is not None else ())
            for mode in modes:  # warm-up
                draw_probe(n_values, 20, mode, prod)
            draws = {
                m: lambda m=m, n=n_values, k=n_draws, p=prod: draw_probe(n, k, m, p) for m in modes
            }
            ms = alternating_medians(draws, args.repeats)
            base = ms.get("product only", 0.0)
            one, split = ms["one"] - base, ms["split"] - base
            print(f"| {n_values:,}, {label} | {one:.3f} | {split:.3f} | {one / split:.2f}x |")


if __name__ == "__main__":
    main()
