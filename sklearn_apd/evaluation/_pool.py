"""The pool side of active learning: the initial labelled set and each round's batch."""

from __future__ import annotations

import numpy as np

from ..prediction import probability_samples
from ..uncertainty import get_measure
from .acquisition import batchbald, select_top


def stratified_indices(y_encoded, n_classes, n_initial, rng) -> np.ndarray:
    """``n_initial`` row indices drawn class-stratified: round-robin over shuffled classes.

    The same number from every class as far as the classes allow; ``rng`` is a
    `numpy.random.Generator`.
    """
    n = len(y_encoded)
    if n_initial > n:
        raise ValueError(f"n_initial={n_initial} exceeds the n_samples={n} points passed to fit.")
    per_class = [rng.permutation(np.flatnonzero(y_encoded == c)) for c in range(n_classes)]
    order = []
    depth = 0
    while len(order) < n_initial:
        for c in rng.permutation(n_classes):
            if depth < len(per_class[c]):
                order.append(per_class[c][depth])
                if len(order) == n_initial:
                    break
        depth += 1
    return np.asarray(order, dtype=np.int64)


def check_initial_indices(initial_indices, n) -> np.ndarray:
    """``initial_indices`` as distinct int64 row indices in ``[0, n)``, or a ValueError."""
    labeled = np.asarray(initial_indices)
    if (
        labeled.ndim != 1
        or labeled.size == 0
        or labeled.dtype.kind not in "iu"
        or labeled.min() < 0
        or labeled.max() >= n
        or len(np.unique(labeled)) != labeled.size
    ):
        raise ValueError(
            f"initial_indices must be distinct row indices of X in [0, {n}); "
            f"got {initial_indices!r}."
        )
    return labeled.astype(np.int64)


def pool_scores(estimator, X_pool, query, n_samples=None) -> np.ndarray:
    """Acquisition scores of the pool rows by ``query`` (a kind or a callable)."""
    if callable(query):
        scores = np.asarray(query(estimator, X_pool), dtype=np.float64)
        if scores.shape != (len(X_pool),):
            raise ValueError(
                f"The query callable must return one score per pool row, shape "
                f"({len(X_pool)},); it returned shape {scores.shape}."
            )
        return scores
    if hasattr(estimator, "uncertainty"):
        kwargs = {} if n_samples is None else {"n_samples": n_samples}
        return np.asarray(estimator.uncertainty(X_pool, kind=query, **kwargs))
    probas = probability_samples(estimator, X_pool, n_samples, through_pipeline=False)
    return np.asarray(get_measure(query)(probas))


def select_batch(estimator, X_pool, n, rng, *, query, pool_subsample=None, n_samples=None):
    """Indices into ``X_pool`` of the ``n`` points to acquire next.

    With ``pool_subsample`` only that many random candidates are scored.
    ``"random"`` draws uniformly, ``"batchbald"`` picks greedily by the joint
    objective, anything else takes the top scores (ties broken by ``rng``).
    """
    n = min(n, len(X_pool))
    candidates = np.arange(len(X_pool))
    if pool_subsample is not None and pool_subsample < len(X_pool):
        candidates = np.sort(rng.choice(len(X_pool), pool_subsample, replace=False))
        n = min(n, len(candidates))
    if query == "random":
        return candidates[rng.choice(len(candidates), n, replace=False)]
    X_cand = X_pool[candidates]
    if query == "batchbald":
        probas = probability_samples(estimator, X_cand, n_samples, through_pipeline=False)
        return candidates[batchbald(probas, n, random_state=rng)]
    scores = pool_scores(estimator, X_cand, query, n_samples)
    return candidates[select_top(scores, n, random_state=rng)]
