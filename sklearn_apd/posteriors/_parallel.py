"""Independent SGLD chains in several processes or machines (``sklearn_apd.parallel``)."""

from __future__ import annotations

from joblib import Parallel, delayed
from sklearn.base import clone

from .._utils import STREAM_PARALLEL_CHAINS, check_positive_int, seed_from_random_state
from ..sampling import WeightSampler

__all__ = ["fit_parallel_chains", "merge_chains"]


def _fit_one(estimator, X, y):
    return estimator.fit(X, y)


def _chain_seeds(random_state, n_chains):
    if random_state is None:
        return [None] * n_chains
    return [
        seed_from_random_state(random_state, STREAM_PARALLEL_CHAINS + c) % 2**31
        for c in range(n_chains)
    ]


def fit_parallel_chains(estimator, X, y, n_chains=4, *, n_jobs=None, random_state=None):
    """Fit ``n_chains`` independent clones of an SGLD estimator and merge them.

    Each clone gets its own ``random_state`` derived from ``random_state``
    (so the result does not depend on where or in which order the chains
    run) and is fitted through `joblib.Parallel`; inside
    ``joblib.parallel_config(backend="dask")`` the fits run on the Dask
    cluster's workers.

    Parameters
    ----------
    estimator : SGLDClassifier
        Unfitted template; it is cloned, never fitted itself. Its own
        ``n_chains`` vectorised chains run inside every process.
    X : array-like of shape (n_samples, n_features) or (n_samples, ...)
    y : array-like of shape (n_samples,)
    n_chains : int, default=4
        Independent fits.
    n_jobs : int, default=None
        joblib's ``n_jobs`` (None: 1 unless inside a ``parallel_config``).
    random_state : int or None, default=None
        Seeds the chains; ``None`` leaves each clone's ``random_state``
        unseeded.

    Returns
    -------
    merged : SGLDClassifier
        See `merge_chains()`.
    """
    check_positive_int("n_chains", n_chains)
    if not isinstance(estimator, WeightSampler):
        raise ValueError(
            f"fit_parallel_chains needs an SGLD estimator with a sample store; got "
            f"{type(estimator).__name__}."
        )
    seeds = _chain_seeds(random_state, n_chains)
    if random_state is None:
        clones = [clone(estimator) for _ in range(n_chains)]
    else:
        clones = [clone(estimator).set_params(random_state=s) for s in seeds]
    fitted = Parallel(n_jobs=n_jobs)(delayed(_fit_one)(est, X, y) for est in clones)
    return merge_chains(fitted)


def merge_chains(estimators):
    """Pool the samples of fitted SGLD estimators (same data and network) into one.

    Parameters
    ----------
    estimators : list of fitted SGLDClassifier
        Fitted on the same classes and input shape with the same network
        architecture, e.g. independent chains.

    Returns
    -------
    merged : SGLDClassifier
        ``type(estimators[0]).merge(estimators)`` (the sampler protocol's
        ``merge``): a copy of the first estimator whose ``samples_`` stack every
        estimator's samples (on the first one's device), with
        ``sample_chains_`` numbering the chains in order (an estimator with
        ``n_chains=k`` contributes chains ``c .. c + k - 1``),
        ``sample_iterations_``, ``chain_states_``, ``n_samples_seen_`` and
        ``storage_size_`` to match, and ``n_chains`` set to the total, so a
        ``warm_start`` fit continues all chains in one process. The store may
        hold more than ``max_samples``: nothing a chain kept is dropped.
    """
    estimators = list(estimators)
    if not estimators:
        raise ValueError("merge_chains needs at least one fitted estimator.")
    if not isinstance(estimators[0], WeightSampler):
        raise ValueError(
            f"merge_chains pools weight samplers (start_chains / collect / merge); got "
            f"{type(estimators[0]).__name__}."
        )
    return type(estimators[0]).merge(estimators)
