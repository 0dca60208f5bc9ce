"""Baselines: DeterministicClassifier, MCDropoutClassifier, GaussianMixturePosterior."""

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import (
    APDClassifier,
    DeterministicClassifier,
    GaussianMixturePosterior,
    MCDropoutClassifier,
    SGLDClassifier,
)

CPU = dict(device="cpu", random_state=0)


@pytest.fixture(scope="module")
def sgld_blobs(blobs):
    X, y = blobs
    return SGLDClassifier(
        lr=0.5, max_epochs=60, batch_size=50, burn_in=30, thinning=1, n_samples=16, **CPU
    ).fit(X, y)


# -------------------------------------------------------------- toy 2D (Figure 2)
def test_toy2d_deterministic_is_confident_far_away_bayesian_models_are_not(toy2d):
    X, y, far = toy2d["X"], toy2d["y"], toy2d["far"]
    det, sgld = toy2d["sgd"], toy2d["sgld"]
    mcd = MCDropoutClassifier(max_epochs=500, **toy2d["common"]).fit(X, y)
    for clf in (det, mcd, sgld):
        assert clf.score(X, y) == 1.0
    det_far = det.uncertainty(far, "entropy").mean()
    assert det.uncertainty(far, "least_confidence").mean() < 0.02  # confident
    for clf in (mcd, sgld):
        assert clf.uncertainty(far, "entropy").mean() > 10 * det_far
        assert clf.uncertainty(far, "bald").mean() > 0.05
    assert sgld.uncertainty(far, "entropy").mean() > 5 * sgld.uncertainty(X, "entropy").mean()


# -------------------------------------------------------------- deterministic
def test_deterministic_has_one_draw_and_zero_epistemic_uncertainty(blobs):
    X, y = blobs
    clf = DeterministicClassifier(lr=0.5, max_epochs=20, batch_size=50, **CPU).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba_samples(X, n_samples=10).shape == (1, 150, 3)
    np.testing.assert_allclose(clf.predict_proba_samples(X)[0], clf.predict_proba(X), rtol=1e-6)
    for kind in ("bald", "model_variance", "variation_ratio"):
        np.testing.assert_array_equal(clf.uncertainty(X, kind), 0.0)
    assert clf.uncertainty(X, "entropy").max() > 0
    # the prediction is the trained module's own output
    with torch.no_grad():
        direct = torch.softmax(clf.module_(torch.tensor(X, dtype=torch.float32)), -1)
    np.testing.assert_allclose(clf.predict_proba(X), direct.numpy(), rtol=1e-5, atol=1e-7)
    params = clf.sample_parameters(4)
    assert params.shape == (4, clf.n_parameters_)
    assert torch.equal(params[0], clf.weights_) and torch.equal(params[3], clf.weights_)
    assert clf.storage_size_ == clf.n_parameters_


def test_deterministic_is_plain_sgd(blobs):
    """One epoch equals torch.optim.SGD on the same batches from the same init."""
    X, y = blobs
    clf = DeterministicClassifier(lr=0.1, max_epochs=1, batch_size=150, **CPU).fit(X, y)
    init = DeterministicClassifier(lr=0.1, max_epochs=1, batch_size=150, **CPU)
    init._validate_params()
    Xv, yv = init._validate_fit_data(X, y)
    init._initialize_network(Xv, yv)
    net = init.module_
    opt = torch.optim.SGD(net.parameters(), lr=0.1, weight_decay=1e-3)
    loss = torch.nn.functional.cross_entropy(net(torch.tensor(Xv)), torch.tensor(yv))
    loss.backward()
    opt.step()  # one full batch: the order of the rows does not matter
    torch.testing.assert_close(init.layout_.flatten(net), clf.weights_)


# -------------------------------------------------------------- MC dropout
def test_mc_dropout_draws_differ_and_average(blobs):
    X, y = blobs
    clf = MCDropoutClassifier(lr=0.5, max_epochs=20, batch_size=50, n_samples=30, **CPU)
    clf.fit(X, y)
    assert clf.dropout_layers_ == ["drop"]
    assert clf.score(X, y) > 0.85
    samples = clf.predict_proba_samples(X)
    assert samples.shape == (30, 150, 3)
    # draws differ from each other ...
    assert np.abs(samples[0] - samples[1]).max() > 1e-3
    assert len(np.unique(samples.reshape(30, -1), axis=0)) == 30
    # ... and predict_proba is their average
    np.testing.assert_allclose(clf.predict_proba(X), samples.mean(0), rtol=1e-5, atol=1e-6)
    # deterministic for a random_state, and independent of the batch composition
    np.testing.assert_array_equal(clf.predict_proba_samples(X), samples)
    np.testing.assert_allclose(clf.predict_proba_samples(X[:7]), samples[:, :7], rtol=1e-6)
    assert not hasattr(clf, "sample_parameters")
    other = MCDropoutClassifier(
        lr=0.5, max_epochs=20, batch_size=50, n_samples=30, device="cpu", random_state=1
    ).fit(X, y)
    assert not np.allclose(other.predict_proba_samples(X), samples)


class _MaskProbe(torch.nn.Module):
    """Logit of class 1 = mean of dropout(ones(1000)): reveals each draw's mask."""

    def __init__(self, p=0.3):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(1))
        self.drop = torch.nn.Dropout(p)

    def forward(self, x):
        z = self.drop(torch.ones(x.shape[0], 1000)).mean(1, keepdim=True) + 0 * self.bias
        return torch.cat([torch.zeros_like(z), z], 1)


def test_mc_dropout_masks_have_the_right_rate_and_scaling(blobs):
    X, y = blobs
    y2 = (y > 0).astype(int)
    clf = MCDropoutClassifier(_MaskProbe, max_epochs=1, n_samples=400, **CPU).fit(X, y2)
    p1 = clf.predict_proba_samples(X[:5])[..., 1]  # (draws, inputs)
    z = np.log(p1 / (1 - p1))  # = kept fraction / (1 - p)
    # one mask per draw, shared by all inputs
    np.testing.assert_allclose(z, z[:, :1].repeat(5, 1), rtol=1e-5)
    kept = z[:, 0] * 0.7
    assert abs(kept.mean() - 0.7) < 0.005  # Bernoulli(0.7) over 400 x 1000 units
    assert abs(z[:, 0].mean() - 1.0) < 0.01  # inverted dropout keeps the mean


def test_mc_dropout_needs_a_dropout_layer(blobs):
    X, y = blobs

    class NoDrop(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 3)

        def forward(self, x):
            return self.lin(x)

    with pytest.raises(ValueError, match="no torch.nn.Dropout"):
        MCDropoutClassifier(NoDrop, max_epochs=1, **CPU).fit(X, y)
    with pytest.raises(ValueError, match="'dropout' parameter"):
        MCDropoutClassifier(dropout=1.0, **CPU).fit(X, y)


def test_mc_dropout_routes_dropout_to_mlp(blobs):
    X, y = blobs
    clf = MCDropoutClassifier(dropout=0.2, max_epochs=1, **CPU).fit(X, y)
    assert clf.module_.dropout == 0.2
    clf = MCDropoutClassifier(dropout=0.2, module__dropout=0.4, max_epochs=1, **CPU).fit(X, y)
    assert clf.module_.dropout == 0.4


def test_training_seeds_global_rng_and_restores_it(blobs):
    X, y = blobs
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    a = MCDropoutClassifier(max_epochs=3, **CPU).fit(X, y)
    np.testing.assert_array_equal(torch.rand(2), expected)
    b = MCDropoutClassifier(max_epochs=3, **CPU).fit(X, y)
    torch.testing.assert_close(a.weights_, b.weights_, rtol=0, atol=0)


# -------------------------------------------------------------- mixture
def test_mixture_samples_have_the_fitted_moments(blobs, sgld_blobs):
    X, y = blobs
    gmm = GaussianMixturePosterior(FrozenEstimator(sgld_blobs), n_components=1, random_state=0)
    gmm.fit(X, y)
    draws = gmm.sample_parameters(20_000).double()
    mean, var = gmm.means_[0].double(), gmm.covariances_[0].double()
    # fitted to the SGLD samples: the diagonal Gaussian's MLE
    s = sgld_blobs.samples_.double()
    torch.testing.assert_close(mean, s.mean(0), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(var, s.var(0, unbiased=False) + 1e-6, rtol=1e-3, atol=1e-7)
    # draws: mean within 5 standard errors, variance within 5% in every coordinate
    se = (var / 20_000).sqrt()
    assert ((draws.mean(0) - mean).abs() <= 5 * se).all()
    ratio = draws.var(0) / var
    assert ((ratio > 0.95) & (ratio < 1.05)).all()


def test_mixture_of_two_components_draws_by_weight(blobs, sgld_blobs):
    X, y = blobs
    gmm = GaussianMixturePosterior(
        FrozenEstimator(sgld_blobs), n_components=2, covariance_type="spherical", random_state=0
    ).fit(X, y)
    draws = gmm.sample_parameters(4000).double()
    # each draw lies near the mean of the component it came from
    d = torch.cdist(draws, gmm.means_.double())
    share = (d.argmin(1) == 0).double().mean().item()
    assert abs(share - gmm.weights_[0].item()) < 0.05
    mix_mean = (gmm.weights_[:, None].double() * gmm.means_.double()).sum(0)
    assert (draws.mean(0) - mix_mean).abs().max() < 0.05


def test_mixture_storage_is_exact_and_no_samples_are_kept(blobs, sgld_blobs):
    X, y = blobs
    p = sgld_blobs.n_parameters_
    expect = {"diag": 3 + 3 * p + 3 * p, "spherical": 3 + 3 * p + 3}
    for cov, floats in expect.items():
        gmm = GaussianMixturePosterior(
            FrozenEstimator(sgld_blobs), n_components=3, covariance_type=cov, random_state=0
        ).fit(X, y)
        assert gmm.storage_size_ == floats
        held = sum(v.numel() for v in vars(gmm).values() if isinstance(v, torch.Tensor))
        assert held == floats  # exactly the floats counted, nothing else
        assert all(v is not sgld_blobs for v in vars(gmm).values())
        assert gmm.module_ is not sgld_blobs.module_
        assert gmm.fit_time_ > 0
    small = SGLDClassifier(module__hidden_units=(2,), max_epochs=30, burn_in=20, **CPU)
    small.set_params(lr=0.5, batch_size=50, thinning=1).fit(X, y)
    q = small.n_parameters_
    gmm = GaussianMixturePosterior(
        FrozenEstimator(small), n_components=2, covariance_type="full", random_state=0
    ).fit(X, y)
    assert gmm.storage_size_ == 2 + 2 * q + 2 * q * (q + 1) // 2
    assert gmm.sample_parameters(5).shape == (5, q)
    tied = GaussianMixturePosterior(
        FrozenEstimator(small), n_components=2, covariance_type="tied", random_state=0
    ).fit(X, y)
    assert tied.storage_size_ == 2 + 2 * q + q * (q + 1) // 2
    assert tied.predict(X).shape == (150,)


def test_frozen_sampler_is_reused_not_refitted(blobs, sgld_blobs):
    X, y = blobs
    before = sgld_blobs.samples_.clone()
    n_iter = sgld_blobs.n_iter_
    aurocs = []
    for k in (1, 2, 4):
        gmm = GaussianMixturePosterior(FrozenEstimator(sgld_blobs), n_components=k, random_state=0)
        gmm.fit(X, y)
        aurocs.append(gmm.score(X, y))
    assert sgld_blobs.n_iter_ == n_iter
    assert torch.equal(sgld_blobs.samples_, before)
    assert min(aurocs) > 0.85


def test_a_frozen_sampler_wrapped_twice_works_as_a_frozen_one(blobs, sgld_blobs):
    # FrozenEstimator(FrozenEstimator(sgld)) used to pass the sampler check (the
    # wrapper forwards collect) and fail later with an AttributeError.
    X, y = blobs
    once = GaussianMixturePosterior(FrozenEstimator(sgld_blobs), n_components=2, random_state=0)
    twice = GaussianMixturePosterior(
        FrozenEstimator(FrozenEstimator(sgld_blobs)), n_components=2, random_state=0
    )
    np.testing.assert_array_equal(
        once.fit(X, y).predict_proba(X), twice.fit(X, y).predict_proba(X)
    )
    apd = APDClassifier(FrozenEstimator(FrozenEstimator(sgld_blobs)), max_iter=2, random_state=0)
    assert apd.fit(X, y).predict(X).shape == y.shape


def test_mixture_fits_its_own_sampler_clone(blobs):
    X, y = blobs
    sampler = SGLDClassifier(lr=0.5, max_epochs=20, batch_size=50, burn_in=10, **CPU)
    gmm = GaussianMixturePosterior(sampler, n_components=2, random_state=0).fit(X, y)
    assert "samples_" not in vars(sampler)  # the user's object is not fitted
    assert gmm.score(X, y) > 0.85


def test_full_covariance_on_many_weights_fails_fast():
    rng = np.random.default_rng(0)
    X = rng.random((200, 784), dtype=np.float32)
    y = rng.integers(0, 10, 200)
    sgld = SGLDClassifier(max_epochs=5, burn_in=0, thinning=1, **CPU).fit(X, y)
    assert sgld.n_parameters_ == 79_510
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="covariance_type='diag'"):
        GaussianMixturePosterior(
            FrozenEstimator(sgld), n_components=2, covariance_type="full"
        ).fit(X, y)
    assert time.perf_counter() - t0 < 5.0


def test_mixture_errors(blobs, sgld_blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="n_components=500 exceeds"):
        GaussianMixturePosterior(FrozenEstimator(sgld_blobs), n_components=500).fit(X, y)
    with pytest.raises(ValueError, match="classes"):
        GaussianMixturePosterior(FrozenEstimator(sgld_blobs)).fit(X, y + 1)
    det = DeterministicClassifier(max_epochs=1, **CPU).fit(X, y)
    with pytest.raises(ValueError, match="is not a weight sampler"):
        GaussianMixturePosterior(FrozenEstimator(det)).fit(X, y)
    with pytest.raises(ValueError, match="'covariance_type' parameter"):
        GaussianMixturePosterior(covariance_type="diagonal").fit(X, y)
