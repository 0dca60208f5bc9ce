"""Networks used in the paper, as plain :class:`torch.nn.Module` classes.

Every module here takes ``n_features_in`` and ``n_classes`` constructor
arguments. The estimators fill them from the data at ``fit`` (unless routed
explicitly, e.g. ``module__n_classes=10``); with plain PyTorch pass them
yourself.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["MLP", "PRESETS"]

#: Hidden layer sizes of the paper's networks, usable as ``hidden_units=name``.
PRESETS = {
    "fcNN1": (100,),  # 784-100-10: 79,510 weights on MNIST
    "fcNN2": (400, 400),  # 784-400-400-10: 478,410 weights on MNIST
    "toy": (10, 10),  # 2-10-10-2 for the toy 2D task
}


def _resolve_hidden_units(hidden_units) -> tuple[int, ...]:
    if isinstance(hidden_units, str):
        if hidden_units not in PRESETS:
            raise ValueError(
                f"hidden_units={hidden_units!r} is not a preset; use one of "
                f"{sorted(PRESETS)} or a sequence of ints."
            )
        return PRESETS[hidden_units]
    if isinstance(hidden_units, int) and not isinstance(hidden_units, bool):
        hidden_units = (hidden_units,)
    if not isinstance(hidden_units, Sequence) or not all(
        isinstance(h, int) and not isinstance(h, bool) and h > 0 for h in hidden_units
    ):
        raise ValueError(
            f"hidden_units={hidden_units!r} must be a preset name, a positive int "
            "or a sequence of positive ints."
        )
    return tuple(int(h) for h in hidden_units)


class MLP(nn.Module):
    """Fully connected ReLU network mapping a batch to class logits.

    Inputs of any shape ``(n, ...)`` are flattened to ``(n, n_features_in)``.

    Parameters
    ----------
    hidden_units : int, sequence of int or str, default=(100,)
        Sizes of the hidden layers, or a preset name from :data:`PRESETS`:
        ``"fcNN1"`` (100), ``"fcNN2"`` (400, 400), ``"toy"`` (10, 10).
    dropout : float, default=0.0
        Dropout probability applied after each hidden layer (never on the
        input), as in the paper's MC dropout baseline.
    n_features_in : int
        Input size; the estimators set it from ``X``.
    n_classes : int
        Number of output logits; the estimators set it from ``y``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.nets import MLP
    >>> net = MLP("fcNN1", n_features_in=784, n_classes=10)
    >>> sum(p.numel() for p in net.parameters())
    79510
    >>> net(torch.zeros(5, 28, 28)).shape
    torch.Size([5, 10])
    """

    def __init__(
        self,
        hidden_units=(100,),
        dropout: float = 0.0,
        n_features_in: int | None = None,
        n_classes: int | None = None,
    ):
        super().__init__()
        units = _resolve_hidden_units(hidden_units)
        if n_features_in is None or n_classes is None:
            raise ValueError(
                "MLP needs n_features_in and n_classes; the estimators set them "
                "from the data at fit, plain PyTorch code must pass them."
            )
        if not (isinstance(dropout, (int, float)) and 0.0 <= dropout < 1.0):
            raise ValueError(f"dropout={dropout!r} must be a float in [0, 1).")
        self.hidden_units = units
        self.dropout = float(dropout)
        sizes = (int(n_features_in), *units, int(n_classes))
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.drop = nn.Dropout(self.dropout) if self.dropout > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], -1)
        for layer in self.layers[:-1]:
            x = self.drop(torch.relu(layer(x)))
        return self.layers[-1](x)


def n_parameters(hidden_units, n_features_in: int, n_classes: int) -> int:
    """Number of weights and biases of an :class:`MLP` (no module is built)."""
    sizes = (n_features_in, *_resolve_hidden_units(hidden_units), n_classes)
    return int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))
