"""The sampler protocol (start_chains / collect / merge) and the one SGLD update rule."""

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import (
    APDClassifier,
    DeterministicClassifier,
    DivergenceError,
    GaussianMixturePosterior,
    SGLDClassifier,
)
from sklearn_apd.datasets import load_embedded_digits
from sklearn_apd.sampling import ChainRun, WeightSampler, sgld_noise_std, sgld_update_

CPU = dict(device="cpu", verbose=0)


@pytest.fixture(scope="module")
def digits():
    return load_embedded_digits("train", return_X_y=True)


def test_sgld_is_a_weight_sampler_and_the_baselines_are_not():
    assert isinstance(SGLDClassifier(), WeightSampler)
    assert not isinstance(DeterministicClassifier(), WeightSampler)
    assert not isinstance(APDClassifier(), WeightSampler)


@pytest.mark.parametrize("method", ["sgld", "sghmc", "psgld"])
def test_started_chains_step_as_the_fit_does(digits, method):
    """T steps of start_chains(n_chains=3) give the chain states of a 3-chain fit of T steps."""
    X, y = digits
    lr = 0.01 if method == "psgld" else 0.5
    kw = dict(lr=lr, batch_size=200, burn_in=0, thinning=7, random_state=4, method=method, **CPU)
    fitted = SGLDClassifier(n_chains=3, max_epochs=2, **kw).fit(X, y)
    run = SGLDClassifier(**kw).start_chains(X, y, n_chains=3)
    assert isinstance(run, ChainRun) and run.states.shape == (3, fitted.n_parameters_)
    with run.running():
        for _ in range(fitted.n_iter_):
            losses = run.step()
    assert losses.shape == (3,) and run.n_steps == fitted.n_iter_
    torch.testing.assert_close(run.states, fitted.chain_states_, rtol=0, atol=0)
    # The chains are distinct (each its own initialisation, minibatches and noise).
    assert not torch.equal(run.states[0], run.states[1])


def test_started_chains_stop_on_divergence_after_burn_in(digits):
    X, y = digits
    run = SGLDClassifier(lr=1e6, burn_in=2, random_state=0, **CPU).start_chains(X, y, 2)
    with pytest.raises(DivergenceError, match="Lower lr"):
        for _ in range(50):
            run.step()
    assert run.n_steps > run.burn_in


def test_start_chains_validates_like_fit(digits):
    X, y = digits
    with pytest.raises(ValueError, match="lr"):
        SGLDClassifier(lr=-1.0).start_chains(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        SGLDClassifier(**CPU).start_chains(X, np.zeros(len(X)))


def test_collect_and_merge(digits):
    X, y = digits
    kw = dict(lr=0.5, max_epochs=3, burn_in=10, thinning=5, **CPU)
    a = SGLDClassifier(random_state=0, **kw).fit(X, y)
    b = SGLDClassifier(random_state=1, **kw).fit(X, y)
    assert a.collect() is a.samples_
    merged = SGLDClassifier.merge([a, b])
    torch.testing.assert_close(merged.collect(), torch.cat([a.samples_, b.samples_]))
    assert sorted(set(merged.sample_chains_.tolist())) == [0, 1]


def test_meta_posteriors_take_samples_through_collect(digits):
    """A sampler whose collect() returns other samples is distilled from those."""
    X, y = digits
    sgld = SGLDClassifier(lr=0.5, max_epochs=3, burn_in=10, thinning=2, random_state=0, **CPU)
    sgld.fit(X, y)
    shifted = sgld.samples_ + 1.0

    class Shifted(SGLDClassifier):
        def collect(self):
            return shifted

    other = Shifted(**sgld.get_params())
    other.__dict__.update({k: v for k, v in sgld.__dict__.items() if k.endswith("_")})
    gmm = GaussianMixturePosterior(FrozenEstimator(other), random_state=0).fit(X, y)
    torch.testing.assert_close(gmm.means_[0], shifted.mean(0), atol=1e-3, rtol=0)


def test_update_rule_on_lists_and_on_one_tensor_agree():
    """sgld_update_ gives the same numbers on a parameter list and on their (K, P) stack."""
    g = torch.Generator().manual_seed(0)
    params = [torch.randn(3, 4, generator=g), torch.randn(5, generator=g)]
    grads = [torch.randn(3, 4, generator=g), torch.randn(5, generator=g)]
    noise = [torch.randn(3, 4, generator=g), torch.randn(5, generator=g)]
    flat = torch.cat([p.reshape(-1) for p in params])[None].clone()
    flat_grad = torch.cat([p.reshape(-1) for p in grads])[None]
    flat_noise = torch.cat([p.reshape(-1) for p in noise])[None]
    std = sgld_noise_std(0.1, 0.5, 1000)
    kw = dict(lr=0.1, weight_decay=0.01, noise_std=std)
    sgld_update_(params, grads, draw_noise=lambda: noise, **kw)
    sgld_update_([flat], [flat_grad], draw_noise=lambda: [flat_noise], **kw)
    torch.testing.assert_close(flat[0], torch.cat([p.reshape(-1) for p in params]), rtol=0, atol=0)
    # theta <- (1 - lr wd / 2) theta - lr / 2 grad + sqrt(T lr / N) xi, by hand for one entry.
    assert std == pytest.approx((0.5 * 0.1 / 1000) ** 0.5)
    with pytest.raises(ValueError, match="draw_noise"):
        sgld_update_([flat], [flat_grad], lr=0.1, weight_decay=0.0, noise_std=1.0)
