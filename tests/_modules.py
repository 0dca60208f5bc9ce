"""Small torch modules shared by several test files."""

import torch


class TwoClassLinear(torch.nn.Module):
    """Logistic regression as logits: class 0 fixed at 0, class 1 = w . x + b.

    Three identifiable weights (``lin.weight`` (1, 2), ``lin.bias`` (1,)).
    """

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)

    def forward(self, x):
        z = self.lin(x)
        return torch.cat([torch.zeros_like(z), z], 1)
