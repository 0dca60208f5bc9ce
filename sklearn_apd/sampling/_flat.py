"""One buffer for many tensors: the flat layout of the samplers' fused steps.

An SG-MCMC step on a network is a handful of element-wise passes over every
weight (the prior's part, the noise, a velocity or a preconditioner). Over a
list of per-layer tensors each pass is one kernel per tensor; over one flat
buffer it is one kernel. These helpers give the optimizer its flat buffers
(a flat tensor with a view per parameter) and tell it when the parameters
themselves lie in one buffer, so that its passes run on a single tensor.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["flat_slot", "slot_fits", "contiguous_flat", "pack_contiguous_", "unpack_contiguous_"]


def flat_slot(params: Sequence[torch.Tensor], buf: torch.Tensor | None = None):
    """``(buffer, shapes, views)``: one flat buffer for ``params``, a view per parameter.

    ``buf`` (of the parameters' total size) is used when given, else a new
    uninitialised buffer on the first parameter's device and dtype.
    """
    p0 = params[0]
    if buf is None:
        buf = torch.empty(sum(p.numel() for p in params), device=p0.device, dtype=p0.dtype)
    views, start = [], 0
    for p in params:
        views.append(buf[start : start + p.numel()].view_as(p))
        start += p.numel()
    return buf, [p.shape for p in params], views


def slot_fits(slot, params: Sequence[torch.Tensor]) -> bool:
    """Whether a `flat_slot` still matches ``params`` (shapes, device, dtype)."""
    if slot is None:
        return False
    buf, shapes, _ = slot
    p0 = params[0]
    return (
        buf.device == p0.device
        and buf.dtype == p0.dtype
        and len(shapes) == len(params)
        and all(s == p.shape for s, p in zip(shapes, params))
    )


def contiguous_flat(params: Sequence[torch.Tensor]) -> torch.Tensor | None:
    """A 1-D view over all of ``params`` when they lie one after another in one buffer.

    ``None`` unless every tensor is contiguous, of one dtype, and starts where
    the previous one ends in the same storage (as `pack_contiguous_` lays
    them out). An element-wise pass over the view is one pass over every
    parameter.
    """
    p0 = params[0]
    ptr, size = p0.data_ptr(), p0.element_size()
    expected = ptr
    for p in params:
        if p.data_ptr() != expected or p.dtype != p0.dtype or not p.is_contiguous():
            return None
        expected += p.numel() * size
    total = (expected - ptr) // size
    storage_size = p0.untyped_storage().nbytes() // size
    offset = p0.storage_offset()
    if offset + total > storage_size:  # adjacent by chance, in other storages
        return None
    with torch.no_grad():
        return p0.detach().as_strided((total,), (1,), offset)


def pack_contiguous_(params: Sequence[torch.Tensor]) -> torch.Tensor:
    """Lay ``params`` out one after another in one new buffer; return its 1-D view.

    Each tensor's ``.data`` becomes a view of the buffer (values, identity,
    ``requires_grad`` and optimizer state keyed by the tensor are unchanged),
    so an element-wise pass over the returned view updates every parameter
    at once. Does nothing but return the view when they are laid out so
    already. All of ``params`` must share a device and a dtype.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.sampling import pack_contiguous_, unpack_contiguous_
    >>> layer = torch.nn.Linear(3, 2)
    >>> params = list(layer.parameters())
    >>> flat = pack_contiguous_(params)
    >>> flat.shape
    torch.Size([8])
    >>> with torch.no_grad():
    ...     _ = flat.zero_()  # one pass over the weight and the bias
    >>> float(layer.weight.detach().abs().sum() + layer.bias.detach().abs().sum())
    0.0
    >>> unpack_contiguous_(params)  # each its own storage again
    """
    flat = contiguous_flat(params)
    if flat is not None:
        return flat
    buf, _, views = flat_slot(params)
    with torch.no_grad():
        for p, view in zip(params, views):
            view.copy_(p)
            p.data = view
    return buf


def unpack_contiguous_(tensors: Sequence[torch.Tensor]) -> None:
    """Give each of ``tensors`` its own storage again (a copy), when they share one.

    Undoes `pack_contiguous_` (values, identity and ``requires_grad`` kept):
    plain `pickle` writes a view's whole storage, so a packed module would
    pickle every parameter's buffer once per parameter.
    """
    if len(tensors) > 1 and contiguous_flat(tensors) is not None:
        with torch.no_grad():
            for t in tensors:
                t.data = t.data.clone()
