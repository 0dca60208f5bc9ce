"""The machine an experiment or benchmark ran on, for its records."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import time
from pathlib import Path

import torch

from .._utils import resolve_device

__all__ = ["code_version", "cpu_description", "device_name", "run_provenance"]


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


def code_version() -> dict:
    """The package version and, run from a git checkout, its commit and whether it had edits.

    ``{"sklearn_apd": version, "commit": sha or None, "dirty": bool or None}``:
    ``dirty`` is True when files under the package folder differed from the
    commit, so a record says which code made it. Read once per process, when
    this module is imported (with the package, before any run): a run that
    lasts hours records the code it loaded, not a commit made while it ran.
    """
    return dict(_CODE_AT_IMPORT)


def _read_code_version() -> dict:
    package = Path(__file__).resolve().parents[1]
    commit = dirty = None
    try:
        run = dict(cwd=package, capture_output=True, text=True, timeout=10, check=True)
        commit = subprocess.run(["git", "rev-parse", "HEAD"], **run).stdout.strip() or None
        status = subprocess.run(["git", "status", "--porcelain", "--", "."], **run).stdout
        dirty = bool(status.strip())
    except (OSError, subprocess.SubprocessError):  # no git, or not a checkout
        commit = dirty = None
    return {"sklearn_apd": package_version(), "commit": commit, "dirty": dirty}


def package_version() -> str:
    """The installed sklearn-apd version, ``"unknown"`` when run from a bare source tree."""
    try:
        return importlib.metadata.version("sklearn-apd")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_CODE_AT_IMPORT = _read_code_version()


def run_provenance(device) -> dict:
    """What every results record states about its run: device, machine, torch, date, code."""
    return {
        "device": device_name(device),
        "machine": cpu_description(),
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "code": code_version(),
    }
