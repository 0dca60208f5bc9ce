"""predict_proba throughput against the machine's matrix-product peak.

For fcNN1 (784-100-10) and fcNN2 (784-400-400-10): ``predict_proba`` with
200 posterior draws on 10,000 MNIST-sized inputs, counted as
2 * draws * inputs * n_parameters FLOPs, against an fp32 4096^3 matrix product
measured in the same run (the practical peak). Also reported: a naive
``einsum`` evaluation (one batched product per layer, as in ANCHORS.md) and
the peak resident memory the call adds (Linux: VmHWM after resetting it
through /proc/self/clear_refs; on CUDA: the peak of allocated GPU memory above
what was allocated before the call).

Usage: python benchmarks/bench_predict.py [--repeats 3] [--working-memory MiB]
       [--device cpu|cuda]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _device import add_device_argument, best_time, machine_line, matmul_peak

from sklearn_apd import SGLDClassifier


def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def peak_memory_mib(fn, device="cpu"):
    """Run fn; return (result, MiB of peak memory above the memory before the call).

    The CPU's resident set, or the GPU memory torch allocates on CUDA.
    """
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
        out = fn()
        torch.cuda.synchronize(device)
        return out, (torch.cuda.max_memory_allocated(device) - base) / 2**20
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return fn(), float("nan")
    base = _rss_kib("VmRSS:")
    out = fn()
    return out, (_rss_kib("VmHWM:") - base) / 1024


def naive_einsum(samples, X, hidden):
    """One batched product per layer over all draws at once (no chunking)."""
    s = samples.shape[0]
    sizes = (784, *hidden, 10)
    start, h = 0, X
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = samples[:, start : start + a * b].view(s, b, a)
        start += a * b
        bias = samples[:, start : start + b]
        start += b
        h = torch.einsum("nd,shd->snh", h, w) if i == 0 else torch.einsum("snd,shd->snh", h, w)
        h = h + bias[:, None, :]
        if i < len(hidden):
            h = torch.relu(h)
    return torch.softmax(h, -1).mean(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--working-memory", type=float, default=None)
    add_device_argument(ap)
    args = ap.parse_args()
    device = args.device
    print(machine_line("bench_predict", device))
    # The machine's rate drifts (325-403 GFLOP/s within one hour on a 2-core VM): the
    # peak is measured before and after each network and the higher one is used.
    peaks = [matmul_peak(args.repeats, device)]
    rng = np.random.default_rng(0)
    X_train = rng.random((50_000, 784), dtype=np.float32)
    y_train = rng.integers(0, 10, 50_000)
    X = rng.random((10_000, 784), dtype=np.float32)
    X_dev = torch.from_numpy(X).to(device)  # the naive evaluation's inputs, on the device
    print(
        "| network | method | seconds | GFLOP/s | % of peak | peak extra memory "
        "| fp32 4096^3 peak GFLOP/s |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, hidden in [("fcNN1", (100,)), ("fcNN2", (400, 400))]:
        clf = SGLDClassifier(
            module__hidden_units=hidden,
            max_epochs=1,
            burn_in=100,
            thinning=2,
            max_samples=200,
            n_samples=200,
            device=device,
            random_state=0,
            working_memory=args.working_memory,
        ).fit(X_train, y_train)
        flops = 2 * 200 * X.shape[0] * clf.n_parameters_
        runs = {
            "predict_proba": lambda clf=clf: clf.predict_proba(X),
            "naive einsum": lambda clf=clf, hidden=hidden: naive_einsum(
                clf.samples_, X_dev, hidden
            ),
        }
        rows = []
        for method, fn in runs.items():
            _, mem = peak_memory_mib(fn, device)
            t = best_time(fn, args.repeats, device)
            rows.append((method, t, flops / t / 1e9, mem))
        peaks.append(matmul_peak(args.repeats, device))
        peak = max(peaks[-2:])
        for method, t, gf, mem in rows:
            print(
                f"| {name} | {method} | {t:.2f} | {gf:.1f} | {100 * gf / peak:.0f}% "
                f"| {mem:.0f} MiB | {peak:.0f} |"
            )
        # Both use the same 200 stored draws: the answers must agree.
        a = clf.predict_proba(X[:500])
        b = naive_einsum(clf.samples_, X_dev[:500], hidden).cpu().numpy()
        assert np.abs(a - b).max() < 1e-4, np.abs(a - b).max()


if __name__ == "__main__":
    main()
