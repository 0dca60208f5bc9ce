"""The machine an experiment or benchmark ran on, for its records."""

from __future__ import annotations

import os
import platform

import torch

from .._utils import resolve_device

__all__ = ["cpu_description", "device_name"]


def cpu_description(cpuinfo: str = "/proc/cpuinfo") -> str:
    """The CPU's model, usable cores and torch's SIMD level, for benchmark and experiment records.

    ``platform.processor()`` is empty on most Linux systems; the model name
    (and the family / model numbers, which tell apart CPUs sold under one
    name such as "AMD EPYC") come from ``/proc/cpuinfo`` there, else the
    architecture stands in. The SIMD level is the kernel set torch dispatches
    to (``AVX512``, ``AVX2``, ...); APD updates took 2-2.5x longer on the
    AVX2 machine than on the AVX-512 ones this project measured.
    """
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


def device_name(device) -> str:
    """``"cpu"``, or the GPU's name for a CUDA ``device`` (``"auto"`` resolved first)."""
    dev = resolve_device(device)
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return "cpu"
