"""Small helpers shared by the estimators: devices, random streams, sizes."""

from __future__ import annotations

import numbers
from contextlib import contextmanager

import numpy as np
import torch

# Purposes of the independent random streams derived from one ``random_state``.
STREAM_INIT = 0
STREAM_TRAIN = 1
STREAM_PREDICT = 2
STREAM_SAMPLE = 3
STREAM_RESERVOIR = 4
STREAM_BATCHES = 5
STREAM_LAYERS = 6
STREAM_CHAINS = 100  # chain k > 0 starts from stream STREAM_CHAINS + k
STREAM_WARM = 10_000  # APD's k-th warm-started continuation: STREAM_WARM + k


def check_positive_int(name: str, value) -> int:
    """``value`` as an int >= 1, or a ValueError naming the parameter and value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be an int >= 1.")
    return int(value)


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` (and ``None``) mean CUDA when available, else CPU.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device={device!r} is not a valid device; use 'auto', 'cpu', 'cuda' or 'cuda:N'."
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available on this "
            "machine; use device='auto' or 'cpu'."
        )
    return dev


def seed_from_random_state(random_state, stream: int) -> int | None:
    """Derive an integer seed for one named stream from ``random_state``.

    ``None`` gives ``None`` (fresh entropy); an int gives a seed that depends
    only on the int and the stream; a :class:`numpy.random.RandomState` is
    consumed, as in scikit-learn.
    """
    if random_state is None:
        return None
    if isinstance(random_state, np.random.RandomState):
        base = int(random_state.randint(np.iinfo(np.int32).max))
    elif isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        base = int(random_state)
    else:
        raise ValueError(
            f"random_state={random_state!r} must be None, an int or a "
            "numpy.random.RandomState instance."
        )
    state = np.random.SeedSequence([base & 0xFFFFFFFF, stream]).generate_state(2)
    return int(state[0]) << 32 | int(state[1])


def make_generator(random_state, stream: int, device="cpu") -> torch.Generator:
    """A local :class:`torch.Generator` for one stream; global state is untouched."""
    gen = torch.Generator(device=device)
    seed = seed_from_random_state(random_state, stream)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(seed)
    return gen


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


@contextmanager
def seeded_global_rng(random_state, stream: int, device):
    """Seed torch's global generator from ``random_state``; restore it afterwards.

    Layers draw initial weights (and dropout masks) from the global generator;
    its state is saved, seeded for this stream and restored, so the user's
    global random stream is unaffected. ``random_state=None`` leaves it as is.
    """
    seed = seed_from_random_state(random_state, stream)
    if seed is None:
        yield
        return
    devices = [device] if torch.device(device).type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's model, usable cores and torch's SIMD level, for benchmark and experiment records.

    ``platform.processor()`` is empty on most Linux systems; the model name
    (and the family / model numbers, which tell apart CPUs sold under one
    name such as "AMD EPYC") come from ``/proc/cpuinfo`` there, else the
    architecture stands in. The SIMD level is the kernel set torch dispatches
    to (``AVX512``, ``AVX2``, ...); APD updates took 2-2.5x longer on the
    AVX2 machine than on the AVX-512 ones this project measured.
    """
    import os
    import platform

    name = platform.processor() or platform.machine()
    fields = {}
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key in ("model name", "cpu family", "model") and key not in fields:
                    fields[key] = value.strip()
                if not line.strip() and fields:
                    break  # the first processor's block is enough
    except OSError:
        pass
    name = fields.get("model name", name)
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        simd = f", {torch.backends.cpu.get_cpu_capability()}"
    except AttributeError:  # pragma: no cover - torch older than 2.1
        simd = ""
    return f"{name}, {cores} cores{simd}"


def _holds_torch(value) -> bool:
    """A tensor or module, or a dict / list / tuple with one inside."""
    if isinstance(value, (torch.Tensor, torch.nn.Module)):
        return True
    if isinstance(value, dict):
        return any(_holds_torch(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_torch(v) for v in value)
    return False


class TorchPickleMixin:
    """Pickling that lets an estimator fitted on a GPU load on a CPU-only machine.

    Plain pickling of CUDA tensors fails on a machine without CUDA. Here every
    attribute holding a tensor or a module (also inside a dict, list or tuple)
    is saved with ``torch.save`` into one byte string, and loaded back with a
    ``map_location``: the fitted device when it exists, else the CPU with a
    warning (skorch does the same for the network estimators). Put it before
    ``BaseEstimator`` in the bases.
    """

    def __getstate__(self):
        import io

        state = super().__getstate__()
        tensors = {k: v for k, v in state.items() if _holds_torch(v)}
        if tensors:
            buf = io.BytesIO()
            torch.save(tensors, buf)
            state = {k: v for k, v in state.items() if k not in tensors}
            state["_torch_attributes"] = buf.getvalue()
        return state

    def __setstate__(self, state):
        import io
        import warnings

        blob = state.pop("_torch_attributes", None)
        if blob is not None:
            fitted = state.get("device_")
            target = torch.device("cpu") if fitted is None else torch.device(fitted)
            if target.type == "cuda" and not torch.cuda.is_available():
                warnings.warn(
                    f"{type(self).__name__} was fitted on {target}, which this machine "
                    "does not have; loading it on the CPU (predictions are the same up "
                    "to floating-point rounding).",
                    UserWarning,
                    stacklevel=2,
                )
                target = torch.device("cpu")
                state["device_"] = target
            state.update(torch.load(io.BytesIO(blob), map_location=target, weights_only=False))
        super().__setstate__(state)
