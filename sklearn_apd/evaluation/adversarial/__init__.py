"""Adversarial examples against one posterior sample, and their detection.

The paper's "gray-box" setting (Wang et al., 2018, section 5.4, Table 3): the
attacker knows the architecture and holds *one* sample of the weights, crafts
FGSM or PGD examples (with foolbox 3) against that network, and a detector,
another posterior, flags them by its uncertainty (model variance by default,
with 1,000 draws). Only successful adversarial examples count.

- `craft_adversarial()` crafts the examples against one weight sample of
  a fitted estimator (a stored SGLD sample, a generated APD sample, a mixture
  draw, the point estimate; for MC dropout the network with dropout off).
- `detection_auroc()` scores clean vs adversarial inputs by a detector's
  uncertainty.
- `transfer_matrix()` crosses attack sources with detectors, one table
  per attack, the shape of Table 3.

``epsilon`` and ``step_size`` are L-infinity distances in the model's input
units: with inputs in [0, 1] (``bounds=(0, 1)``, the default) the paper's
reference PGD budget of 0.3 on [-1, 1] inputs is 0.15; with
``bounds=(-1, 1)`` it is 0.3.
"""

from ._crafting import ATTACKS, AdversarialExamples, craft_adversarial
from ._detection import TransferMatrix, detection_auroc, transfer_matrix

__all__ = [
    "ATTACKS",
    "AdversarialExamples",
    "TransferMatrix",
    "craft_adversarial",
    "detection_auroc",
    "transfer_matrix",
]
