"""Uncertainty measures computed from Monte Carlo predictive samples.

Every function takes ``probas`` of shape ``(n_samples, n, n_classes)``: the
class probabilities p[s, i, c] = p(y = c | xᵢ, θₛ) of ``n``
inputs under ``n_samples`` posterior draws, as returned by
``predict_proba_samples``. It may be a `numpy.ndarray` or a
`torch.Tensor`; the result, of shape ``(n,)``, has the same type (numpy
results are float64). Higher always means more uncertain. ``0 log 0`` is 0.

With p̄[i, c] = 1/S · Σₛ p[s, i, c] the predictive
distribution (Eq. 8 of Wang et al., 2018):

- `entropy()`: H[p̄ᵢ] = −Σ_c p̄[i, c] log p̄[i, c].
- `bald()`: mutual information between label and weights (Eq. 9),
  H[p̄ᵢ] − 1/S · Σₛ H[p[s, i]].
- `variation_ratio()`: 1 − fᵢ / S (Eq. 10), with fᵢ the
  number of draws whose arg-max class is the most frequent arg-max class.
- `model_variance()`: Σ_c 1/S · Σₛ (p[s, i, c] − p̄[i, c])² (Eq. 11), the
  spread of the per-draw predictions.
- `least_confidence()`: 1 − max_c p̄[i, c], which the
  paper's reference code used in place of Eq. 10.

Natural logarithms are used throughout (entropies are in nats).
"""

from __future__ import annotations

import torch

from ._utils import check_probability_samples

__all__ = [
    "DISAGREEMENT_KINDS",
    "KINDS",
    "bald",
    "entropy",
    "least_confidence",
    "model_variance",
    "uncertainty",
    "variation_ratio",
]


def _out(t, was_numpy):
    return t.detach().cpu().numpy() if was_numpy else t


def _entropy_last(p):
    # -sum p log p with 0 log 0 = 0 (xlogy(0, 0) == 0).
    return 0.0 - torch.special.xlogy(p, p).sum(-1)  # 0.0 - x: no "-0."


def entropy(probas):
    """Predictive entropy of the Monte Carlo mean, in nats.

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)
        Per-draw class probabilities.

    Returns
    -------
    entropy : ndarray or torch.Tensor of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.uncertainty import entropy
    >>> entropy(np.array([[[0.5, 0.5], [1.0, 0.0]]])).round(4)
    array([0.6931, 0.    ])
    """
    p, was_numpy = check_probability_samples(probas)
    return _out(_entropy_last(p.mean(0)), was_numpy)


def bald(probas):
    """Mutual information between the label and the weights (BALD, Eq. 9).

    Equal to the predictive entropy minus the mean entropy of the individual
    draws; 0 when all draws agree. Tiny negative values from rounding are
    clipped to 0.

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)

    Returns
    -------
    bald : ndarray or torch.Tensor of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.uncertainty import bald
    >>> p = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # two confident, opposite draws
    >>> bald(p).round(4)
    array([0.6931])
    """
    p, was_numpy = check_probability_samples(probas)
    mi = _entropy_last(p.mean(0)) - _entropy_last(p).mean(0)
    return _out(mi.clamp_min(0.0), was_numpy)


def variation_ratio(probas):
    """Variation ratio (Eq. 10): one minus the mode frequency of the draws' votes.

    Each draw votes for its arg-max class; ties inside a draw go to the lowest
    class index. Lies in ``[0, 1 - 1/n_classes]``.

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)

    Returns
    -------
    variation_ratio : ndarray or torch.Tensor of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.uncertainty import variation_ratio
    >>> p = np.array([[[0.9, 0.1]], [[0.8, 0.2]], [[0.3, 0.7]], [[0.6, 0.4]]])
    >>> variation_ratio(p)
    array([0.25])
    """
    p, was_numpy = check_probability_samples(probas)
    n_draws, n, n_classes = p.shape
    votes = p.argmax(-1)  # (S, n)
    counts = torch.zeros(n, n_classes, dtype=torch.int64, device=p.device)
    counts.scatter_add_(1, votes.T, torch.ones_like(votes.T))
    vr = 1.0 - counts.max(1).values.to(p.dtype) / n_draws
    return _out(vr, was_numpy)


def model_variance(probas):
    """Model variance (Eq. 11): per-class variance across draws, summed over classes.

    Uses the population variance (divides by ``n_samples``); 0 for one draw.

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)

    Returns
    -------
    model_variance : ndarray or torch.Tensor of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.uncertainty import model_variance
    >>> p = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    >>> model_variance(p)
    array([0.5])
    """
    p, was_numpy = check_probability_samples(probas)
    var = (p - p.mean(0, keepdim=True)).pow(2).mean(0).sum(-1)
    return _out(var, was_numpy)


def least_confidence(probas):
    """One minus the largest class probability of the Monte Carlo mean.

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)

    Returns
    -------
    least_confidence : ndarray or torch.Tensor of shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_apd.uncertainty import least_confidence
    >>> least_confidence(np.array([[[0.7, 0.2, 0.1]], [[0.5, 0.4, 0.1]]]))
    array([0.4])
    """
    p, was_numpy = check_probability_samples(probas)
    return _out(1.0 - p.mean(0).max(-1).values, was_numpy)


KINDS = {
    "entropy": entropy,
    "bald": bald,
    "variation_ratio": variation_ratio,
    "model_variance": model_variance,
    "least_confidence": least_confidence,
}
"""The uncertainty kinds by name: the one list of them in the package."""

#: Kinds that measure disagreement between posterior draws: 0 for every input
#: under a single draw (a point estimate or one probability vector).
DISAGREEMENT_KINDS = ("bald", "variation_ratio", "model_variance")


def uncertainty(probas, kind="entropy"):
    """Dispatch to the measure named by ``kind`` (a key of `KINDS`).

    Parameters
    ----------
    probas : array-like or torch.Tensor of shape (n_samples, n, n_classes)
    kind : {"entropy", "bald", "variation_ratio", "model_variance", \
"least_confidence"}, default="entropy"

    Returns
    -------
    scores : ndarray or torch.Tensor of shape (n,)
    """
    return get_measure(kind)(probas)


def get_measure(kind):
    """Return the function for ``kind`` or raise a ``ValueError`` naming it."""
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValueError(
            f"kind={kind!r} is not a known uncertainty measure; use one of {sorted(KINDS)}."
        )
    return KINDS[kind]
