"""SGHMC and preconditioned SGLD as the ``method`` of the SGLD estimators."""

import numpy as np
import pytest
import torch

from sklearn_apd import APDClassifier, SGLDClassifier, SGLDRegressor
from sklearn_apd.datasets import load_embedded_digits, make_cubic_toy

CPU = dict(device="cpu", random_state=0)


@pytest.fixture(scope="module")
def digits():
    return load_embedded_digits(return_X_y=True)


@pytest.mark.parametrize("method, lr", [("sghmc", 0.5), ("psgld", 0.01)])
@pytest.mark.parametrize("n_chains", [1, 2])
def test_each_method_fits_and_predicts(digits, method, lr, n_chains):
    X, y = digits
    clf = SGLDClassifier(
        method=method, lr=lr, n_chains=n_chains, max_iter=300, burn_in=100, thinning=10, **CPU
    ).fit(X, y)
    assert clf.optimizer_.param_groups[0]["method"] == method
    assert clf.score(X, y) > 0.9
    assert clf.samples_.shape[0] == 20 * n_chains


def test_method_settings_are_routed_to_the_optimizer(digits):
    X, y = digits
    clf = SGLDClassifier(
        method="sghmc", optimizer__friction=0.3, max_iter=20, burn_in=5, thinning=5, **CPU
    ).fit(X, y)
    assert clf.optimizer_.param_groups[0]["friction"] == 0.3
    with pytest.raises(ValueError, match="friction=2.0 must be"):
        clf.set_params(optimizer__friction=2.0).fit(X, y)


def test_a_warm_sghmc_fit_keeps_its_momentum(digits):
    """Two warm fits of 8 epochs are one fit of 16: the momenta are optimizer state."""
    X, y = digits  # 1,257 rows: 13 minibatches of 100 an epoch
    kw = dict(method="sghmc", lr=0.5, burn_in=10, thinning=13, **CPU)
    once = SGLDClassifier(max_iter=208, **kw).fit(X, y)
    warm = SGLDClassifier(max_iter=104, warm_start=True, **kw).fit(X, y).fit(X, y)
    torch.testing.assert_close(warm.chain_states_, once.chain_states_, rtol=0, atol=0)


def test_bad_methods_are_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match="'method' parameter of SGLDClassifier"):
        SGLDClassifier(method="hmc", max_iter=20, burn_in=5).fit(X, y)
    with pytest.raises(ValueError, match="method='sghmc' is a setting of the SGLD optimizer"):
        SGLDClassifier(method="sghmc", optimizer=torch.optim.SGD, max_iter=20, burn_in=5).fit(X, y)


def test_online_apd_runs_its_chains_with_the_samplers_method(digits):
    X, y = digits
    sampler = SGLDClassifier(method="sghmc", lr=0.5, burn_in=10, **CPU)
    apd = APDClassifier(
        sampler, mode="online", max_iter=10, n_chains=2, sgld_steps=20, gan_steps=5,
        buffer_size=20, n_samples=5, **CPU,
    ).fit(X, y)  # fmt: skip
    assert apd.predict_proba(X[:3]).shape == (3, 10)


def test_sghmc_learns_the_cubic_toys_noise():
    """The regressor's noise is unbiased under SGHMC where SGLD's step inflates it."""
    X, y = make_cubic_toy(20, random_state=0)
    kw = dict(weight_decay=0.05, batch_size=20, module__hidden_units=(50,), **CPU)
    sghmc = SGLDRegressor(method="sghmc", lr=0.001, max_iter=12000, burn_in=3000, **kw)
    sgld = SGLDRegressor(lr=0.01, max_iter=12000, burn_in=3000, **kw)
    noise = {
        name: float(np.sqrt(est.fit(X / 4, y).uncertainty(np.zeros((1, 1)), kind="aleatoric")[0]))
        for name, est in (("sghmc", sghmc), ("sgld", sgld))
    }
    assert 2.0 < noise["sghmc"] < 4.0 < noise["sgld"]  # the true noise is 3


@pytest.mark.parametrize("method", ["sghmc", "psgld"])
def test_warm_vectorised_chains_keep_their_momenta(digits, method):
    """With n_chains=2, two warm fits of 8 epochs are one fit of 16 (chain_buffers_)."""
    X, y = digits
    kw = dict(method=method, lr=0.5 if method == "sghmc" else 0.01, burn_in=10, thinning=13,
              n_chains=2, **CPU)  # fmt: skip
    once = SGLDClassifier(max_iter=208, **kw).fit(X, y)
    warm = SGLDClassifier(max_iter=104, warm_start=True, **kw).fit(X, y)
    assert warm.chain_buffers_.shape == warm.chain_states_.shape
    warm.fit(X, y)
    torch.testing.assert_close(warm.chain_states_, once.chain_states_, rtol=0, atol=0)
    # a cold refit starts them again
    cold = warm.set_params(warm_start=False).fit(X, y)
    assert SGLDClassifier(max_iter=104, **kw).fit(X, y).chain_states_.equal(cold.chain_states_)
    sgld = SGLDClassifier(n_chains=2, max_iter=20, burn_in=5, thinning=5, **CPU).fit(X, y)
    assert sgld.chain_buffers_ is None


def test_psgld_samples_the_prior_of_weights_the_data_never_move(digits):
    """The digits have 4 constant pixels: their first-layer weights get no likelihood
    gradient. pSGLD's preconditioner includes the prior's gradient, so they sample the
    prior N(0, 1 / (N wd)) at lr=0.05, where a likelihood-only preconditioner (G = 1 / eps)
    makes their prior step lr * wd / (2 eps) = 2.5 and diverges."""
    X, y = digits
    const = np.flatnonzero(X.std(0) == 0)
    assert len(const) == 4
    clf = SGLDClassifier(method="psgld", lr=0.05, max_iter=3000, burn_in=1000, thinning=10,
                         **CPU).fit(X, y)  # fmt: skip
    w = clf.samples_[:, : 100 * 64].numpy().reshape(-1, 100, 64)[:, :, const]
    prior_sd = 1 / np.sqrt(len(y) * clf.weight_decay)
    assert abs(w.std() / prior_sd - 1) < 0.1, (w.std(), prior_sd)
    assert abs(w.mean()) < 0.05 * prior_sd
    assert clf.score(X, y) > 0.95
