"""Independent SGLD chains in separate processes or machines, merged into one posterior.

:class:`~sklearn_apd.SGLDClassifier` already runs ``n_chains`` chains in one
process as one vectorised computation. For more chains than one process can
hold, or to use several machines, :func:`fit_parallel_chains` fits clones of
an estimator with joblib (so ``joblib.parallel_config(backend="dask")`` sends
them to a Dask cluster, exactly as scikit-learn's own ``n_jobs`` does) and
:func:`merge_chains` pools their samples into one fitted estimator.

Examples
--------
>>> from sklearn_apd import SGLDClassifier
>>> from sklearn_apd.datasets import load_embedded_digits
>>> from sklearn_apd.parallel import fit_parallel_chains
>>> X, y = load_embedded_digits("train", return_X_y=True)
>>> sgld = SGLDClassifier(max_epochs=20, burn_in=100, thinning=20, verbose=0)
>>> merged = fit_parallel_chains(sgld, X, y, n_chains=3, n_jobs=1, random_state=0)
>>> merged.samples_.shape[0], sorted(set(merged.sample_chains_.tolist()))  # 3 x 8 samples
(24, [0, 1, 2])

On a Dask cluster (``pip install distributed``)::

    from dask.distributed import Client
    from joblib import parallel_config

    client = Client("tcp://scheduler:8786")
    with parallel_config(backend="dask"):
        merged = fit_parallel_chains(sgld, X, y, n_chains=32, random_state=0)
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils.validation import check_is_fitted

from ._utils import STREAM_CHAINS, check_positive_int, seed_from_random_state

__all__ = ["fit_parallel_chains", "merge_chains"]


def _fit_one(estimator, X, y):
    return estimator.fit(X, y)


def _chain_seeds(random_state, n_chains):
    if random_state is None:
        return [None] * n_chains
    return [
        seed_from_random_state(random_state, STREAM_CHAINS + 10_000 + c) % 2**31
        for c in range(n_chains)
    ]


def fit_parallel_chains(estimator, X, y, n_chains=4, *, n_jobs=None, random_state=None):
    """Fit ``n_chains`` independent clones of an SGLD estimator and merge them.

    Each clone gets its own ``random_state`` derived from ``random_state``
    (so the result does not depend on where or in which order the chains
    run) and is fitted through :class:`joblib.Parallel`; inside
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
        See :func:`merge_chains`.
    """
    check_positive_int("n_chains", n_chains)
    if not hasattr(estimator, "samples_") and not hasattr(type(estimator), "_keep_sample"):
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
        A copy of the first estimator whose ``samples_`` stack every
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
    for est in estimators:
        check_is_fitted(est, "samples_")
    first = estimators[0]
    for i, est in enumerate(estimators[1:], start=1):
        if (
            est.n_parameters_ != first.n_parameters_
            or not np.array_equal(est.classes_, first.classes_)
            or est.input_shape_ != first.input_shape_
            or est.layout_.shapes != first.layout_.shapes
        ):
            raise ValueError(
                f"estimators[{i}] does not match estimators[0]: chains to merge need the "
                "same classes, input shape and network."
            )
    device = first.device_
    merged = copy.deepcopy(first)
    chain_ids, offset = [], 0
    for est in estimators:
        chain_ids.append(est.sample_chains_ + offset)
        offset += est.chain_states_.shape[0]
    merged.samples_ = torch.cat([e.samples_.to(device) for e in estimators])
    merged.sample_iterations_ = np.concatenate([e.sample_iterations_ for e in estimators])
    merged.sample_chains_ = np.concatenate(chain_ids)
    merged.chain_states_ = torch.cat([e.chain_states_.to(device) for e in estimators])
    merged.n_samples_seen_ = int(sum(e.n_samples_seen_ for e in estimators))
    merged.storage_size_ = int(merged.samples_.numel())
    merged.set_params(n_chains=offset)
    return merged
