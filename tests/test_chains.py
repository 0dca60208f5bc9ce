"""Vectorised parallel SGLD chains: the update rule, the posterior, SGLDClassifier(n_chains)."""

import pickle

import numpy as np
import pytest
import torch
from torch import nn

from sklearn_apd import SGLD, APDClassifier, SGLDClassifier
from sklearn_apd.nets import ParameterLayout
from sklearn_apd.sampling import ParallelChains, balanced_batches, chain_minibatches
from tests.test_sgld_sampler import _problem


def _linear(dtype=torch.float64):
    return nn.Linear(2, 1, bias=False).to(dtype)


def _mse(out, y):
    return 0.5 * (y - out[:, 0]).pow(2).mean()


@pytest.mark.parametrize("method", ["sgld", "sghmc", "psgld"])
def test_one_chain_step_equals_the_sgld_optimizer(method):
    """Same generator state, same updates as torch.optim-style SGLD, for every method."""
    X, y, _, _ = _problem(n=50)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    net = _linear()
    layout = ParameterLayout(net)
    start = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    chains = ParallelChains(net, layout, start.clone())
    kw = dict(lr=0.1, weight_decay=0.01, temperature=0.7, num_data=50, method=method)
    gen = torch.Generator().manual_seed(3)
    for _ in range(3):  # the momenta / square averages carry over between steps
        chains.step(Xt[None], yt[None], _mse, generator=gen, **kw)
    theta = start[0].clone().requires_grad_(True)
    opt = SGLD([theta], generator=torch.Generator().manual_seed(3), **kw)
    for _ in range(3):
        opt.zero_grad()
        _mse((Xt @ theta)[:, None], yt).backward()
        opt.step()
    torch.testing.assert_close(chains.states[0], theta.detach())


def test_parallel_chains_sample_the_gaussian_posterior():
    """512 vectorised chains reproduce Bayesian linear regression's posterior."""
    wd = 0.5
    X, y, mean, cov = _problem(wd=wd)
    n = len(y)
    lam_max = np.linalg.eigvalsh(np.linalg.inv(cov)).max()
    lr = 0.02 * n / lam_max
    k = 512
    net = _linear()
    chains = ParallelChains(net, ParameterLayout(net), torch.zeros(k, 2, dtype=torch.float64))
    xb = torch.tensor(X).expand(k, n, 2)
    yb = torch.tensor(y).expand(k, n)
    gen = torch.Generator().manual_seed(0)
    kept = []
    for step in range(3500):
        chains.step(xb, yb, _mse, lr=lr, weight_decay=wd, temperature=1.0, num_data=n,
                    generator=gen)  # fmt: skip
        if step >= 1500 and step % 10 == 0:
            kept.append(chains.states.clone())
    draws = torch.cat(kept).numpy()
    z = np.linalg.solve(np.linalg.cholesky(cov), draws.mean(0) - mean)
    assert np.linalg.norm(z) < 0.1, (draws.mean(0), mean)
    rel = np.linalg.norm(np.cov(draws.T) - cov) / np.linalg.norm(cov)
    assert rel < 0.06, (np.cov(draws.T), cov)


def test_chain_minibatches_are_separate_permutations():
    gen = torch.Generator().manual_seed(0)
    batches = list(chain_minibatches(10, 3, 4, gen))
    # ceil(10 / 4) = 3 batches of near-equal size: 4, 3, 3 (not 4, 4, 2)
    assert [b.shape for b in batches] == [(3, 4), (3, 3), (3, 3)]
    full = torch.cat(batches, 1)
    for row in full:
        assert sorted(row.tolist()) == list(range(10))
    assert not torch.equal(full[0], full[1])
    with pytest.raises(ValueError, match="states must have shape"):
        ParallelChains(_linear(), ParameterLayout(_linear()), torch.zeros(3, 5))


@pytest.fixture(scope="module")
def chained(digits):
    X_train, X_test, y_train, y_test = digits
    kw = dict(max_epochs=30, burn_in=120, thinning=20, random_state=0, verbose=0)
    one = SGLDClassifier(**kw).fit(X_train, y_train)
    four = SGLDClassifier(n_chains=4, **kw).fit(X_train, y_train)
    return one, four, kw


def test_sgld_classifier_with_chains(chained, digits):
    X_train, X_test, y_train, y_test = digits
    one, four, kw = chained
    assert four.samples_.shape == (4 * one.samples_.shape[0], one.n_parameters_)
    assert np.bincount(four.sample_chains_).tolist() == [one.samples_.shape[0]] * 4
    # Chronological, chains interleaved at each thinning point.
    assert (np.diff(four.sample_iterations_) >= 0).all()
    np.testing.assert_array_equal(four.sample_iterations_[:4], [140] * 4)
    assert four.chain_states_.shape == (4, four.n_parameters_)
    # module_ holds chain 0; the chains really differ.
    torch.testing.assert_close(four.layout_.flatten(four.module_), four.chain_states_[0])
    gaps = [float((four.chain_states_[0] - four.chain_states_[k]).norm()) for k in (1, 2, 3)]
    assert min(gaps) > 1.0
    assert four.storage_size_ == four.samples_.numel()
    assert four.score(X_test, y_test) > 0.85
    assert one.chain_states_.shape == (1, one.n_parameters_)
    assert (one.sample_chains_ == 0).all()
    # Same seed, same chains.
    again = SGLDClassifier(n_chains=4, **kw).fit(X_train, y_train)
    assert torch.equal(again.samples_, four.samples_)


def test_chains_respect_max_samples_and_warm_start(digits):
    X_train, _, y_train, _ = digits
    kw = dict(max_epochs=10, burn_in=20, thinning=10, random_state=0, verbose=0)
    clf = SGLDClassifier(n_chains=3, max_samples=7, **kw).fit(X_train, y_train)
    assert clf.samples_.shape[0] == 7 and clf.n_samples_seen_ == 3 * 10
    clf.set_params(warm_start=True)
    before = clf.chain_states_.clone()
    n_iter = clf.n_iter_
    clf.fit(X_train, y_train)
    assert clf.n_iter_ == 2 * n_iter and clf.n_samples_seen_ == 3 * 22
    assert not torch.equal(before, clf.chain_states_)
    clf.set_params(n_chains=2)
    with pytest.raises(ValueError, match="n_chains=2 cannot change"):
        clf.fit(X_train, y_train)


def test_chains_pickle_and_divergence(chained, digits):
    X_train, X_test, y_train, _ = digits
    _, four, kw = chained
    again = pickle.loads(pickle.dumps(four))
    np.testing.assert_array_equal(again.predict_proba(X_test[:5]), four.predict_proba(X_test[:5]))
    from sklearn_apd import DivergenceError

    with pytest.raises(DivergenceError, match="diverged"):
        SGLDClassifier(n_chains=2, lr=1e4, **kw).fit(X_train, y_train)

    class PlainSGD(torch.optim.SGD):
        def __init__(self, params, lr, weight_decay, temperature, num_data, generator):
            super().__init__(params, lr=lr, weight_decay=weight_decay)

    with pytest.raises(ValueError, match="supports optimizer=SGLD only; got PlainSGD"):
        SGLDClassifier(n_chains=2, optimizer=PlainSGD, **kw).fit(X_train, y_train)
    # one chain: any optimizer with that signature works
    SGLDClassifier(optimizer=PlainSGD, **kw).fit(X_train, y_train)


def test_online_apd_runs_its_chains_vectorised(digits):
    X_train, X_test, y_train, y_test = digits
    sgld = SGLDClassifier(burn_in=5, batch_size=100, random_state=0)
    apd = APDClassifier(
        sgld,
        mode="online",
        n_chains=4,
        sgld_steps=10,
        gan_steps=5,
        buffer_size=30,
        max_iter=20,
        random_state=0,
    ).fit(X_train, y_train)
    # 4 rounds of 10 steps x 4 chains, burn-in 5 steps: 4 * (10 - 5 + 10 * 3) samples.
    assert apd.n_training_samples_ == 4 * (5 + 30)
    assert apd.n_iter_ == 20
    assert np.isfinite(apd.predict_proba(X_test[:5])).all()


@pytest.mark.parametrize("n, batch_size", [(130, 64), (128, 64), (20, 64), (1, 5), (101, 10)])
def test_balanced_batches_keep_the_pass_and_never_end_with_a_few_points(n, batch_size):
    """ceil(n / b) batches, every index once in order, sizes within one of each other."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(0))
    batches = balanced_batches(perm, batch_size)
    sizes = [len(b) for b in batches]
    assert len(batches) == -(-n // batch_size)
    assert torch.equal(torch.cat(batches), perm)
    assert max(sizes) <= batch_size and max(sizes) - min(sizes) <= 1
    if n == 130:
        assert sizes == [44, 43, 43]  # slicing by 64 would end the pass with 2
