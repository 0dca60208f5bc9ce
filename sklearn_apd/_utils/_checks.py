"""Argument checks and formatting shared by the public functions."""

from __future__ import annotations

import numbers

import numpy as np
import torch


def check_positive_int(name: str, value) -> int:
    """``value`` as an int >= 1, or a ValueError naming the parameter and value."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name}={value!r} must be an int >= 1.")
    return int(value)


def encode_labels(classes: np.ndarray, y) -> np.ndarray:
    """Indices of ``y``'s labels in the sorted ``classes`` (a fitted ``classes_``).

    A ValueError lists (up to five) labels the estimator was not fitted on.
    """
    y = np.asarray(y)
    codes = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
    if not np.array_equal(classes[codes], y):
        unknown = sorted(set(y.tolist()) - set(classes.tolist()))[:5]
        raise ValueError(f"y holds labels the estimator was not fitted on: {unknown}.")
    return codes


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


def check_probability_samples(probas, name="probas"):
    """Validate a ``(n_samples, n, n_classes)`` probability array.

    Returns ``(tensor, was_numpy)``: a float tensor (float64 when the input
    was numpy or an integer tensor) and whether the caller should return numpy.
    """
    was_numpy = not isinstance(probas, torch.Tensor)
    if was_numpy:
        arr = np.asarray(probas)
        if arr.dtype.kind not in "fiu":
            raise ValueError(f"{name} must hold real numbers; got an array of dtype {arr.dtype}.")
        t = torch.from_numpy(np.array(arr, dtype=np.float64, copy=True))
    else:
        t = probas
        if not (t.is_floating_point() or t.dtype in (torch.int32, torch.int64)):
            raise ValueError(f"{name} must hold real numbers; got dtype {t.dtype}.")
        if not t.is_floating_point():
            t = t.double()
    if t.ndim != 3:
        raise ValueError(
            f"{name} must have shape (n_samples, n, n_classes); got an array with "
            f"shape {tuple(t.shape)}."
        )
    if t.shape[0] == 0 or t.shape[2] == 0:
        raise ValueError(
            f"{name} needs at least one sample and one class; got shape {tuple(t.shape)}."
        )
    if t.numel() and not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or infinity.")
    if t.numel() and bool((t < 0).any()):
        raise ValueError(f"{name} contains negative probabilities.")
    return t, was_numpy
