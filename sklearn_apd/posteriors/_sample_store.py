"""SGLD's sample store: a preallocated (K, P) tensor filled by reservoir sampling."""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted


class SampleStore:
    """At most ``capacity`` weight vectors, a uniform subset of all offered (algorithm R).

    Vitter's algorithm R: the first ``capacity`` offers fill the rows; the
    ``s``-th offer after that replaces a random row with probability
    ``capacity / s``, so the store always holds a uniformly random subset of
    every vector offered, not the end of the chain.

    Parameters
    ----------
    old : tuple of (torch.Tensor, ndarray, ndarray) or None
        Samples, iterations and chains kept by an earlier fit (a warm start);
        they stay in the store and count as offered.
    n_new : int
        Vectors this fit will offer (rows are allocated for them up front).
    max_samples : int
        Bound on the rows.
    n_parameters : int
    device : torch.device
    generator : torch.Generator
        The reservoir's random stream.
    """

    def __init__(self, old, n_new, max_samples, n_parameters, device, generator):
        n_old = 0 if old is None else old[0].shape[0]
        rows = max(n_old, min(max_samples, n_old + n_new))
        if old is not None and rows == n_old:
            store = old[0]
            iters, chains = old[1].copy(), old[2].copy()
        else:
            store = torch.empty(rows, n_parameters, dtype=torch.float32, device=device)
            iters = np.zeros(rows, dtype=np.int64)
            chains = np.zeros(rows, dtype=np.int64)
            if old is not None:
                store[:n_old] = old[0]
                iters[:n_old] = old[1]
                chains[:n_old] = old[2]
        self.rows, self.iterations, self.chains = store, iters, chains
        self.n_stored = n_old
        self.generator = generator
        self.device = device

    def offer(self, flat, iteration, chain, n_seen):
        """Offer one vector; ``n_seen`` vectors were offered before it (all fits).

        ``flat`` is a tensor of length P, or a callable that writes the vector
        into the row it is given (called only when the vector is kept, so a
        vector the reservoir turns down is never built).
        """
        capacity = self.rows.shape[0]
        if self.n_stored < capacity:
            slot = self.n_stored
            self.n_stored += 1
        else:
            slot = int(torch.randint(n_seen + 1, (1,), generator=self.generator))
            if slot >= capacity:
                return
        if callable(flat):
            flat(self.rows[slot])
        else:
            self.rows[slot] = flat
        self.iterations[slot] = iteration
        self.chains[slot] = chain

    def finish(self):
        """``(samples, iterations, chains)`` in chronological order, or None if empty."""
        kept = self.n_stored
        if not kept:
            return None
        # Chronological order; the reservoir fills slots out of order.
        order = np.lexsort((self.chains[:kept], self.iterations[:kept]))
        samples = self.rows[:kept]
        if not np.array_equal(order, np.arange(kept)):
            samples = samples[torch.as_tensor(order, device=self.device)]
        elif kept < self.rows.shape[0]:
            samples = samples.clone()  # an interrupted fit: drop unused rows
        return samples, self.iterations[:kept][order], self.chains[:kept][order]


def pooled_estimator(estimators):
    """A copy of ``estimators[0]`` whose store holds every estimator's samples.

    The body of ``SGLDClassifier.merge`` (see ``parallel.merge_chains``):
    ``samples_``, ``sample_statistics_``, ``sample_iterations_``, ``sample_chains_`` (renumbered
    chain by chain), ``chain_states_``, ``chain_buffers_``, ``n_samples_seen_``,
    ``storage_size_`` and ``n_chains`` of all of them.
    """
    estimators = list(estimators)
    if not estimators:
        raise ValueError("merge_chains needs at least one fitted estimator.")
    for est in estimators:
        check_is_fitted(est, "samples_")
    first = estimators[0]
    for i, est in enumerate(estimators[1:], start=1):
        if (
            est.n_parameters_ != first.n_parameters_
            or not _same_targets(est, first)
            or est.input_shape_ != first.input_shape_
            or est.layout_.shapes != first.layout_.shapes
        ):
            raise ValueError(
                f"estimators[{i}] does not match estimators[0]: chains to merge need the "
                "same classes (or targets), input shape and network."
            )
    device = first.device_
    merged = copy.deepcopy(first)
    chain_ids, offset = [], 0
    for est in estimators:
        chain_ids.append(est.sample_chains_ + offset)
        offset += est.chain_states_.shape[0]
    merged.samples_ = torch.cat([e.samples_.to(device) for e in estimators])
    if getattr(first, "sample_statistics_", None) is not None:  # batch-norm statistics
        merged.sample_statistics_ = torch.cat(
            [e.sample_statistics_.to(device) for e in estimators]
        )
    merged.sample_iterations_ = np.concatenate([e.sample_iterations_ for e in estimators])
    merged.sample_chains_ = np.concatenate(chain_ids)
    merged.chain_states_ = torch.cat([e.chain_states_.to(device) for e in estimators])
    buffers = [getattr(e, "chain_buffers_", None) for e in estimators]
    # momenta continue where every estimator kept them per chain; otherwise they restart
    merged.chain_buffers_ = (
        torch.cat([b.to(device) for b in buffers]) if all(b is not None for b in buffers) else None
    )
    merged.n_samples_seen_ = int(sum(e.n_samples_seen_ for e in estimators))
    merged.storage_size_ = int(sum(e.storage_size_ for e in estimators))
    merged.set_params(n_chains=offset)
    return merged


def _same_targets(a, b) -> bool:
    """Whether two fitted network estimators describe their targets alike (classes, scaling)."""
    names = type(a)._task_attributes
    return names == type(b)._task_attributes and all(
        np.array_equal(getattr(a, n), getattr(b, n)) for n in names
    )
