"""What the benchmark scripts share: the ``--device`` option, timing that waits for
the GPU, the machine line of a record, and the fp32 matrix-product peak.

On CUDA a kernel launch returns before the kernel ends, so every timer here
calls ``torch.cuda.synchronize`` before it reads the clock.
"""

from __future__ import annotations

import statistics
import time

import torch

from sklearn_apd.experiments import cpu_description, device_name


def add_device_argument(parser):
    parser.add_argument(
        "--device",
        default="cpu",
        help="cpu (default), cuda or cuda:N: where both sides of the comparison run",
    )


def synchronize(device) -> None:
    """Wait for the queued kernels of a CUDA ``device`` (nothing on the CPU)."""
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def clock(device) -> float:
    """``time.perf_counter()`` once the device's queued work is done."""
    synchronize(device)
    return time.perf_counter()


def machine_line(script: str, device) -> str:
    """The first line of a record: script, date, CPU (and GPU), torch, threads."""
    gpu = f"  GPU {device_name(device)}" if torch.device(device).type == "cuda" else ""
    return (
        f"# {script}  {time.strftime('%Y-%m-%d')}  {cpu_description()}{gpu}"
        f"  torch {torch.__version__}  threads {torch.get_num_threads()}"
    )


def best_time(fn, repeats: int, device="cpu") -> float:
    """The fastest of ``repeats`` calls of ``fn``, in seconds (the GPU waited for)."""
    times = []
    for _ in range(repeats):
        t0 = clock(device)
        fn()
        times.append(clock(device) - t0)
    return min(times)


def matmul_peak(repeats: int = 3, device="cpu") -> float:
    """GFLOP/s of an fp32 4096^3 matrix product on ``device`` (TF32 as torch's default)."""
    a = torch.randn(4096, 4096, device=device)
    b = torch.randn(4096, 4096, device=device)
    a @ b
    return 2 * 4096**3 / best_time(lambda: a @ b, repeats, device) / 1e9


def copy_bandwidth(repeats: int = 3, device="cpu", mib: int = 256) -> float:
    """GB/s of a ``mib``-MiB float32 copy on ``device``, bytes read plus bytes written."""
    src = torch.randn(mib * 2**18, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    return 2 * src.numel() * 4 / best_time(lambda: dst.copy_(src), repeats, device) / 1e9


def alternating_medians(runs: dict, repeats: int) -> dict:
    """``{name: median of repeats}`` of each ``runs[name]()``, calling them in turn.

    One call of each per repeat, so a drift of the machine's speed over the
    run hits every entry alike (the side-by-side measurements of this folder).
    """
    values = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            values[name].append(run())
    return {name: statistics.median(v) for name, v in values.items()}
