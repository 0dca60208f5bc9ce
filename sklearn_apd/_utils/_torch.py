"""torch helpers shared by the estimators: devices and pickling across devices."""

from __future__ import annotations

import io
import warnings

import torch


def resolve_device(device) -> torch.device:
    """Turn the ``device`` parameter into a `torch.device`.

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


def all_finite(tensors) -> bool:
    """Whether every element of every tensor is finite (no NaN, no ±inf).

    A finite sum proves it (a NaN or an infinity makes the sum non-finite) at
    the cost of one reduction; only when a sum is not finite (a NaN, an
    infinity, or finite values whose sum overflows) is the element-wise check
    run, so the answer is exact. This is the divergence check of every step
    that keeps a sample.
    """
    for t in tensors:
        if t.numel() and not bool(torch.isfinite(t.sum())):
            if not bool(torch.isfinite(t).all()):
                return False
    return True


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
        state = super().__getstate__()
        tensors = {k: v for k, v in state.items() if _holds_torch(v)}
        if tensors:
            buf = io.BytesIO()
            torch.save(tensors, buf)
            state = {k: v for k, v in state.items() if k not in tensors}
            state["_torch_attributes"] = buf.getvalue()
        return state

    def __setstate__(self, state):
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
