"""Acquisition functions for Bayesian active learning, on probability arrays.

The functions here work on plain arrays so they can be tested (and reused)
without a network: ``probas`` is the ``(n_samples, n_pool, n_classes)`` array
returned by ``predict_proba_samples``. [`ActiveLearner`][sklearn_apd.ActiveLearner]
calls them on its estimator's predictions.

- `select_top()` picks the ``n`` highest scores, breaking ties at random
  (a deterministic network's BALD is 0 everywhere: ties must not always pick
  the first pool points).
- `batchbald()` picks a batch greedily by the BatchBALD objective of
  Kirsch, van Amersfoort & Gal (NeurIPS 2019), the mutual information between
  the *joint* labels of the batch and the weights, so that near-duplicate
  points are not all acquired together as top-k BALD does.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._utils import check_positive_int, check_probability_samples
from ..uncertainty import DISAGREEMENT_KINDS, KINDS

__all__ = ["DRAW_QUERY_KINDS", "QUERY_KINDS", "batchbald", "select_top"]

#: Names accepted by ``ActiveLearner(query=...)``.
QUERY_KINDS = (*KINDS, "random", "batchbald")

#: Query kinds that need several posterior draws (a single draw scores 0).
DRAW_QUERY_KINDS = (*DISAGREEMENT_KINDS, "batchbald")


def _check_n(n, n_pool, name="n"):
    check_positive_int(name, n)
    return int(min(n, n_pool))


def select_top(scores, n, random_state=None) -> np.ndarray:
    """Indices of the ``n`` highest ``scores``, highest first, ties broken at random.

    Parameters
    ----------
    scores : array-like of shape (n_pool,)
        Acquisition scores; higher is acquired first. NaN is refused.
    n : int
        Number of indices to return (at most ``n_pool``).
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the tie-breaking order.

    Returns
    -------
    indices : ndarray of shape (min(n, n_pool),), int64

    Examples
    --------
    >>> from sklearn_apd.acquisition import select_top
    >>> select_top([0.1, 0.9, 0.5, 0.9], 3, random_state=0).tolist()
    [1, 3, 2]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 1:
        raise ValueError(f"scores must be 1-dimensional; got shape {scores.shape}.")
    if np.isnan(scores).any():
        raise ValueError("scores contains NaN; the acquisition function diverged.")
    n = _check_n(n, len(scores))
    rng = np.random.default_rng(random_state)
    tie_break = rng.permutation(len(scores))
    # lexsort sorts by the last key first: -score, then the random permutation.
    order = np.lexsort((tie_break, -scores))
    return order[:n].astype(np.int64)


def _joint_entropy(p_joint: torch.Tensor, p_cand: torch.Tensor, weights) -> torch.Tensor:
    """Entropy of (batch labels, candidate label) for every candidate.

    ``p_joint``: (S, M) probabilities of M label configurations of the batch
    under each of S draws; ``p_cand``: (S, N, C). With ``weights`` None the M
    configurations are all of them (exact); otherwise they are samples from
    the batch's predictive distribution and ``weights`` (M,) holds that
    distribution's probability of each, for the importance-sampling estimate
    of Kirsch et al. (2019, section 3.1).
    """
    s = p_joint.shape[0]
    # (M, N, C): predictive probability of each configuration extended by c.
    joint = torch.einsum("sm,snc->mnc", p_joint, p_cand) / s
    neg_plogp = -torch.special.xlogy(joint, joint)
    if weights is None:
        return neg_plogp.sum(dim=(0, 2))
    return (neg_plogp / weights[:, None, None]).sum(dim=2).mean(dim=0)


def batchbald(
    probas,
    n,
    *,
    max_configurations=1024,
    candidate_chunk=512,
    random_state=None,
) -> np.ndarray:
    """Greedy BatchBALD batch selection (Kirsch et al., 2019).

    At step ``k`` the candidate maximising
    H(y₁, ..., y_k) − Σ_{j ≤ k} E_w H(y_j | w) joins the batch, where
    H(y₁, ..., y_k) is the entropy of the batch's joint predictive
    distribution 1/S · Σₛ Π_j p(y_j | x_j, wₛ).
    The joint is enumerated exactly while it has at most
    ``max_configurations`` label configurations; beyond that, that many
    configurations are sampled from it and the entropy is estimated by
    importance sampling, as in the paper. The first pick is the BALD arg-max.

    Parameters
    ----------
    probas : array-like of shape (n_samples, n_pool, n_classes)
        Per-draw class probabilities of the pool.
    n : int
        Batch size (at most ``n_pool``).
    max_configurations : int, default=1024
        Largest number of label configurations kept for the joint; the
        memory for one step is about ``max_configurations * candidate_chunk *
        n_classes`` floats.
    candidate_chunk : int, default=512
        Candidates scored at once.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the configuration samples and tie-breaking.

    Returns
    -------
    indices : ndarray of shape (min(n, n_pool),), int64
        Pool indices in the order they were picked.

    Examples
    --------
    Four posterior draws; two identical points that split the draws {1, 2}
    from {3, 4}, and a slightly less certain point that splits {1, 3} from
    {2, 4}. Top-2 BALD takes both duplicates (indices 0 and 1); BatchBALD
    takes one duplicate and the point that tells the draws apart differently.

    >>> import numpy as np
    >>> from sklearn_apd.acquisition import batchbald, select_top
    >>> from sklearn_apd.uncertainty import bald
    >>> yes, no, yes2, no2 = [0.99, 0.01], [0.01, 0.99], [0.95, 0.05], [0.05, 0.95]
    >>> a = np.array([[yes], [yes], [no], [no]])  # (draws, 1 point, classes)
    >>> b = np.array([[yes2], [no2], [yes2], [no2]])
    >>> probas = np.concatenate([a, a, b], axis=1)
    >>> sorted(select_top(bald(probas), 2, random_state=0).tolist())
    [0, 1]
    >>> batchbald(probas, 2, random_state=0).tolist()
    [0, 2]
    """
    p, _ = check_probability_samples(probas)
    p = p.double()
    n_draws, n_pool, n_classes = p.shape
    n = _check_n(n, n_pool)
    for name, value in (
        ("max_configurations", max_configurations),
        ("candidate_chunk", candidate_chunk),
    ):
        check_positive_int(name, value)
    rng = np.random.default_rng(random_state)
    gen = torch.Generator().manual_seed(int(rng.integers(2**63 - 1)))
    # Conditional entropies E_w H(y_i | w), and a tiny random tie-break.
    cond = (-torch.special.xlogy(p, p).sum(-1)).mean(0)
    tie = torch.from_numpy(rng.permutation(n_pool).astype(np.float64)) * 1e-12

    chosen: list[int] = []
    available = torch.ones(n_pool, dtype=torch.bool)
    p_joint = torch.ones(n_draws, 1, dtype=torch.float64)  # empty batch: one configuration
    weights = None  # exact enumeration
    cond_sum = 0.0
    for _ in range(n):
        gains = torch.full((n_pool,), -math.inf, dtype=torch.float64)
        for start in range(0, n_pool, candidate_chunk):
            stop = min(start + candidate_chunk, n_pool)
            h = _joint_entropy(p_joint, p[:, start:stop], weights)
            gains[start:stop] = h - cond_sum - cond[start:stop]
        gains = torch.where(available, gains + tie, torch.tensor(-math.inf, dtype=gains.dtype))
        best = int(torch.argmax(gains))
        chosen.append(best)
        available[best] = False
        cond_sum += float(cond[best])
        p_best = p[:, best]  # (S, C)
        if p_joint.shape[1] * n_classes <= max_configurations:
            # Exact: every configuration extended by every class of the new point.
            p_joint = (p_joint[:, :, None] * p_best[:, None, :]).reshape(n_draws, -1)
            weights = None
        else:
            p_joint, weights = _sample_configurations(p[:, chosen], max_configurations, gen)
    return np.asarray(chosen, dtype=np.int64)


def _sample_configurations(p_batch: torch.Tensor, m: int, gen: torch.Generator):
    """Sample ``m`` label configurations of the batch from its joint predictive.

    Returns ``(p_joint (S, m), weights (m,))`` with ``p_joint[s, j]`` the
    probability of configuration ``j`` under draw ``s`` and ``weights`` its
    predictive probability (the mean over draws).
    """
    n_draws, k, n_classes = p_batch.shape
    which = torch.randint(n_draws, (m,), generator=gen)  # a draw per configuration
    probs = p_batch[which]  # (m, k, C)
    labels = torch.multinomial(probs.reshape(-1, n_classes), 1, generator=gen).reshape(m, k)
    # p(config_j | w_s) = prod_i p_batch[s, i, labels[j, i]]
    idx = labels.T[None].expand(n_draws, k, m)  # (S, k, m)
    per_point = torch.gather(p_batch, 2, idx)  # (S, k, m)
    p_joint = per_point.prod(dim=1)  # (S, m)
    return p_joint, p_joint.mean(0)
