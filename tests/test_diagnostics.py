"""Chain diagnostics: the statistics per sample, and ArviZ's ESS and R-hat on them."""

import numpy as np
import pytest
import torch

from sklearn_apd import SGLDClassifier, SGLDRegressor
from sklearn_apd.datasets import load_embedded_digits, make_cubic_toy
from sklearn_apd.diagnostics import chain_draws, summary

pytest.importorskip("arviz")  # in the test extras: CI has it


@pytest.fixture(scope="module")
def chains4():
    X, y = load_embedded_digits(return_X_y=True)
    clf = SGLDClassifier(
        n_chains=4, lr=0.5, max_iter=3000, burn_in=1500, thinning=20, device="cpu", random_state=0
    ).fit(X, y)
    return clf, X[:300], y[:300]


def test_draws_are_per_chain_statistics(chains4):
    clf, X, y = chains4
    draws = chain_draws(clf, X, y, n_weights=2)
    assert set(draws) == {
        "weight[0]",
        "weight[1]",
        "mean_max_probability",
        "log_likelihood",
        "accuracy",
    }
    assert all(v.shape == (4, 75) for v in draws.values())
    assert ((draws["accuracy"] > 0.8) & (draws["accuracy"] <= 1)).all()
    # The log-likelihood of chain 2's last sample, computed by hand.
    last = np.flatnonzero(clf.sample_chains_ == 2)[
        np.argmax(clf.sample_iterations_[clf.sample_chains_ == 2])
    ]
    net = clf.module_
    clf.layout_.assign(net, clf.samples_[last])
    with torch.no_grad():
        logp = torch.log_softmax(net(torch.tensor(X)), -1).double()
    expected = float(logp[np.arange(len(y)), torch.as_tensor(y)].sum())
    assert draws["log_likelihood"][2, -1] == pytest.approx(expected, rel=1e-5)
    clf.layout_.assign(net, clf.chain_states_[0])


def test_summary_finds_chains_that_agree_and_chains_that_do_not(chains4):
    clf, X, y = chains4
    table = summary(clf, X, y)
    assert list(table.columns) == ["mean", "sd", "ess_bulk", "ess_tail", "r_hat"]
    # 3,000 steps: the chains agree (measured 1.04); 600 steps: still drifting (measured 1.2).
    assert table.loc["log_likelihood", "r_hat"] < 1.1
    short = SGLDClassifier(**{**clf.get_params(), "max_iter": 600, "burn_in": 200, "thinning": 10})
    r_short = summary(short.fit(*load_embedded_digits(return_X_y=True)), X, y)
    assert r_short.loc["log_likelihood", "r_hat"] > table.loc["log_likelihood", "r_hat"]
    # Shift chain 0 far off: its log-likelihood parts from the others'.
    stuck = SGLDClassifier().__class__.__new__(SGLDClassifier)
    stuck.__dict__.update(clf.__dict__)
    stuck.samples_ = clf.samples_.clone()
    stuck.samples_[clf.sample_chains_ == 0] *= 3.0
    assert summary(stuck, X, y).loc["log_likelihood", "r_hat"] > 1.2  # measured 1.39


def test_regressor_draws_and_errors():
    X, y = make_cubic_toy(40, random_state=0)
    reg = SGLDRegressor(
        n_chains=2, lr=0.005, max_iter=600, burn_in=100, thinning=10, batch_size=20,
        device="cpu", random_state=0,
    ).fit(X / 4, y)  # fmt: skip
    draws = chain_draws(reg, X / 4, y)
    assert set(draws) == {"mean_prediction", "log_likelihood"}
    assert np.all(np.isfinite(draws["log_likelihood"]))
    one = SGLDRegressor(max_iter=200, burn_in=50, thinning=10, batch_size=20, device="cpu")
    with pytest.raises(ValueError, match="n_chains >= 2"):
        chain_draws(one.fit(X, y), X, y)
    with pytest.raises(ValueError, match="nothing to report"):
        chain_draws(reg)
    from sklearn_apd import MCDropoutRegressor

    mcd = MCDropoutRegressor(max_iter=50, batch_size=20, device="cpu").fit(X, y)
    with pytest.raises(ValueError, match="keeps no chains of samples"):
        summary(mcd, X, y)
