"""Grid search and independent SGLD chains on a Dask cluster give the local results.

A ``LocalCluster`` with two worker processes on the loopback interface stands
in for a real cluster: the estimators and data travel to other processes by
pickling, exactly as they would to other machines.
"""

import numpy as np
import pytest
import torch
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV

from sklearn_apd import SGLDClassifier, SGLDRegressor
from sklearn_apd.datasets import make_cubic_toy
from sklearn_apd.parallel import fit_parallel_chains, merge_chains

distributed = pytest.importorskip("distributed")  # in the test extras: CI has it


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _single_threaded(fn):
    """Run ``fn`` with one torch thread, as a Dask worker does, then restore."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(threads)


def test_workers_are_separate_processes(client):
    import os

    pids = set(client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids


def test_parallel_chains_on_dask_match_the_local_run(client, digits):
    X_train, X_test, y_train, _ = digits
    sgld = SGLDClassifier(max_epochs=10, burn_in=60, thinning=10, device="auto", verbose=0)
    local = _single_threaded(
        lambda: fit_parallel_chains(sgld, X_train, y_train, n_chains=3, random_state=0)
    )
    with parallel_config(backend="dask"):
        remote = fit_parallel_chains(sgld, X_train, y_train, n_chains=3, random_state=0)
    assert remote.samples_.shape == local.samples_.shape == (3 * 6, local.n_parameters_)
    torch.testing.assert_close(remote.samples_, local.samples_, rtol=0, atol=0)
    np.testing.assert_array_equal(remote.sample_chains_, np.repeat([0, 1, 2], 6))
    np.testing.assert_array_equal(remote.predict_proba(X_test), local.predict_proba(X_test))
    assert remote.n_chains == 3 and remote.chain_states_.shape == (3, local.n_parameters_)


def test_grid_search_on_dask_matches_the_local_run(client, digits):
    X_train, _, y_train, _ = digits
    est = SGLDClassifier(max_epochs=8, burn_in=20, thinning=5, random_state=0, verbose=0)
    grid = {"lr": [0.05, 0.3], "weight_decay": [1e-3, 1e-2]}
    local = _single_threaded(lambda: GridSearchCV(est, grid, cv=2).fit(X_train, y_train))
    with parallel_config(backend="dask"):
        remote = GridSearchCV(est, grid, cv=2, n_jobs=-1).fit(X_train, y_train)
    np.testing.assert_array_equal(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert remote.best_params_ == local.best_params_


def test_merge_chains_checks_compatibility(digits):
    X_train, _, y_train, _ = digits
    kw = dict(max_epochs=3, burn_in=10, thinning=10, random_state=0, verbose=0)
    a = SGLDClassifier(**kw).fit(X_train, y_train)
    b = SGLDClassifier(module__hidden_units=(20,), **kw).fit(X_train, y_train)
    c = SGLDClassifier(n_chains=2, **kw).fit(X_train, y_train)
    with pytest.raises(ValueError, match="does not match"):
        merge_chains([a, b])
    with pytest.raises(ValueError, match="at least one"):
        merge_chains([])
    merged = merge_chains([a, c])
    assert merged.samples_.shape[0] == a.samples_.shape[0] + c.samples_.shape[0]
    assert sorted(set(merged.sample_chains_.tolist())) == [0, 1, 2] and merged.n_chains == 3
    with pytest.raises(ValueError, match="n_chains=0"):
        fit_parallel_chains(SGLDClassifier(), X_train, y_train, n_chains=0)
    from sklearn_apd import DeterministicClassifier

    with pytest.raises(ValueError, match="sample store"):
        fit_parallel_chains(DeterministicClassifier(), X_train, y_train)


def test_regressor_chains_on_dask_match_the_local_run(client):
    X, y = make_cubic_toy(40, random_state=0)
    sgld = SGLDRegressor(max_iter=200, burn_in=50, thinning=10, batch_size=20, device="cpu")
    local = _single_threaded(lambda: fit_parallel_chains(sgld, X, y, n_chains=2, random_state=0))
    with parallel_config(backend="dask"):
        remote = fit_parallel_chains(sgld, X, y, n_chains=2, random_state=0)
    torch.testing.assert_close(remote.samples_, local.samples_, rtol=0, atol=0)
    np.testing.assert_array_equal(remote.predict(X[:5]), local.predict(X[:5]))
