"""APD in the samples' principal subspace (``subspace=k``): the components, the draws, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.utils._param_validation import InvalidParameterError
from torch.func import functional_call

from sklearn_apd import APDClassifier, APDRegressor, SGLDClassifier, SGLDRegressor
from sklearn_apd.nets import MLP, ParameterLayout
from sklearn_apd.posteriors.apd._likelihood import LikelihoodTerm, cross_entropy_per_draw
from sklearn_apd.posteriors.apd._subspace import (
    SubspaceGenerator,
    SubspaceLikelihood,
    principal_subspace,
)

CPU = dict(device="cpu", random_state=0)


@pytest.mark.parametrize("shape", [(40, 12), (9, 30)])  # the scatter and the Gram branch
def test_principal_subspace_is_numpys_svd(shape):
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape) * np.geomspace(3.0, 0.1, shape[1]) + rng.normal(size=shape[1])
    mean, comps, var, coords_t, resid = principal_subspace(torch.tensor(x, dtype=torch.float32), 4)
    assert resid is None  # only asked for
    np.testing.assert_allclose(mean.numpy(), x.mean(0), atol=1e-5)
    _, s, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    assert len(var) == min(shape[0] - 1, shape[1])  # centring takes one of K's dimensions
    np.testing.assert_allclose(var.numpy(), (s**2 / (shape[0] - 1))[: len(var)], rtol=1e-5)
    c = comps.double().numpy()
    np.testing.assert_allclose(c @ c.T, np.eye(4), atol=1e-5)  # orthonormal rows
    np.testing.assert_allclose(np.abs(np.sum(c * vt[:4], 1)), 1.0, atol=1e-5)  # up to sign
    # the coordinates are uncorrelated with the components' variances: standardizing them
    # (standardize=True) whitens them
    coords = (x - x.mean(0)) @ c.T
    np.testing.assert_allclose(coords_t.numpy(), coords, atol=1e-4)  # the returned coordinates
    np.testing.assert_allclose(np.cov(coords.T), np.diag(var.numpy()[:4]), atol=1e-4)


def test_principal_subspace_refuses_more_components_than_the_samples_have():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(50, 3)) @ rng.normal(size=(3, 20)), dtype=torch.float32)
    assert principal_subspace(x, 3)[1].shape == (3, 20)
    with pytest.raises(ValueError, match=r"subspace=4 needs 4 .* 50 samples of 20 weights have 3"):
        principal_subspace(x, 4)


@pytest.fixture(scope="module")
def plane_sampler(blobs):
    """A fitted SGLDClassifier whose samples are a known Gaussian on a plane of its weights."""
    X, y = blobs
    sgld = SGLDClassifier(
        module__hidden_units=(8,), max_epochs=2, burn_in=0, thinning=1, **CPU
    ).fit(X, y)
    p = sgld.n_parameters_
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(p, 2)))[0].T  # (2 x P), orthonormal rows
    centre = rng.normal(size=p)
    mix = np.array([[1.0, 0.0], [0.6, 0.4]])  # correlated, unequal scales
    z = rng.normal(size=(2000, 2)) @ mix
    sgld.samples_ = torch.tensor(centre + z @ basis, dtype=torch.float32)
    return sgld, X, y, centre, basis, mix.T @ mix


def test_a_subspace_generator_maps_exact_coordinates_to_the_samples_moments(plane_sampler):
    """Given coordinates of the right law, the map back is exact: the samples' mean and covariance.

    A linear "generator" of the whitened coordinates (``scale * z``) stands in for
    a perfectly trained GAN, so only `principal_subspace` and `SubspaceGenerator`
    are tested, against the known plane Gaussian.
    """
    sgld, _, _, centre, basis, cov = plane_sampler
    samples = sgld.samples_
    mean, comps, var, *_ = principal_subspace(samples, 2)

    class Linear(torch.nn.Module):
        latent_dim = 2

        def forward(self, z):
            return z * var[:2].sqrt().float()

    gen = SubspaceGenerator(Linear(), mean, comps)
    z = torch.randn(200_000, 2, generator=torch.Generator().manual_seed(0))
    draws = gen(z).double().numpy() - centre
    coords = draws @ basis.T
    assert np.abs(draws - coords @ basis).max() < 1e-4 * np.abs(draws).max()
    emp = samples.double().numpy() - centre  # the samples' own moments, what APD distils
    emp_coords = emp @ basis.T
    np.testing.assert_allclose(coords.mean(0), emp_coords.mean(0), atol=0.01)
    np.testing.assert_allclose(np.cov(coords.T), np.cov(emp_coords.T), rtol=0.02, atol=0.01)
    np.testing.assert_allclose(np.cov(emp_coords.T), cov, rtol=0.1, atol=0.05)  # the law's


def test_subspace_draws_lie_in_the_plane(plane_sampler):
    """A fitted subspace APD: every draw on the samples' plane, spread along both of its axes.

    The GAN's moments after 1,000 updates are not tested: on this 2-D Gaussian
    (latent 2, lr 1e-3) they ended 0.36-3.1 standard deviations off in the mean
    and 10-176% off in the covariance over GAN seeds 0-3 and 1 or 2 threads,
    so the map back from coordinates is tested exactly above, and the GAN's
    convergence on a Gaussian in ``tests/test_apd.py``.
    """
    sgld, X, y, centre, basis, cov = plane_sampler
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=200, subspace=2, latent_dim=2, standardize=True,
        lr=1e-3, **CPU,
    ).fit(X, y)  # fmt: skip
    draws = apd.sample_parameters(4000).double().numpy() - centre
    coords = draws @ basis.T
    assert np.abs(draws - coords @ basis).max() < 1e-4 * np.abs(draws).max()  # in the plane
    assert (coords.std(0) > 0.05 * np.sqrt(np.diag(cov))).all()  # not a point
    assert apd.subspace_variance_ratio_ == pytest.approx(1.0)
    # the coordinates' standardization (whitening) is folded into their generator
    assert (
        isinstance(apd.generator_, SubspaceGenerator) and apd.generator_.coordinates.mean is None
    )


def test_subspace_storage_counts_the_mean_and_components(plane_sampler):
    sgld, X, y, *_ = plane_sampler
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=5, subspace=2, standardize=True, **CPU)
    apd.fit(X, y)
    p, g = apd.n_parameters_, apd.generator_
    n_coord = sum(t.numel() for t in g.coordinates.parameters())
    # z (32) -> 100 -> 100 -> 100 -> 2 coordinates, then the mean and 2 components
    assert n_coord == 32 * 100 + 100 + 2 * (100 * 100 + 100) + 100 * 2 + 2
    assert apd.storage_size_ == n_coord + 3 * p
    assert sum(t.numel() for t in g.state_dict().values()) == apd.storage_size_
    plain = APDClassifier(FrozenEstimator(sgld), max_iter=5, standardize=True, **CPU).fit(X, y)
    assert not hasattr(plain, "subspace_variance_ratio_")
    # a refit without the subspace drops the attribute
    assert not hasattr(apd.set_params(subspace=None).fit(X, y), "subspace_variance_ratio_")


def test_subspace_pickles_and_predicts(blobs):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=20, batch_size=50, burn_in=10, thinning=1, **CPU).fit(
        X, y
    )
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=100, subspace=5, standardize=True, lr=1e-3, **CPU
    ).fit(X, y)
    assert apd.score(X, y) > 0.85
    again = pickle.loads(pickle.dumps(apd))
    torch.testing.assert_close(again.sample_parameters(5), apd.sample_parameters(5))
    np.testing.assert_array_equal(again.predict_proba(X), apd.predict_proba(X))


def test_subspace_likelihood_gradient_is_autograd_through_the_map():
    torch.manual_seed(0)
    module = MLP(hidden_units=(7,), n_features_in=6, n_classes=3).eval()
    layout = ParameterLayout(module)
    X, y = torch.randn(40, 6), torch.randint(3, (40,))
    mean = 0.3 * torch.randn(layout.n_parameters)
    comps = torch.linalg.qr(torch.randn(layout.n_parameters, 4))[0].T.contiguous()
    term = LikelihoodTerm(2.5, cross_entropy_per_draw, module, layout, X, y, 16, 0, 64.0)
    replay = LikelihoodTerm(2.5, cross_entropy_per_draw, module, layout, X, y, 16, 0, 64.0)
    rows = torch.randint(40, (16,), generator=replay.rng)
    coords = torch.randn(5, 4, requires_grad=True)
    loss = 0.0
    for w in mean + coords @ comps:
        params = {k: v[0] for k, v in layout.unflatten(w[None]).items()}
        out = functional_call(module, params, (X[rows],))
        loss = loss + torch.nn.functional.cross_entropy(out, y[rows])
    (expected,) = torch.autograd.grad(2.5 * loss / 5, coords)
    sub = SubspaceLikelihood(term, mean, comps)
    torch.testing.assert_close(sub.gradient(coords.detach()), expected, rtol=1e-4, atol=1e-6)
    assert sub.last == term.last and sub.weight == 2.5


def test_subspace_with_the_likelihood_term_and_the_regressor(blobs):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=20, batch_size=50, burn_in=10, thinning=1, **CPU).fit(
        X, y
    )
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=20, subspace=3, standardize=True,
        likelihood_weight=1.0, **CPU,
    ).fit(X, y)  # fmt: skip
    assert np.isfinite(apd.distill_history_["likelihood"]).all()
    Xr = X[:, :1]
    yr = X[:, 1] + 0.1 * np.arange(len(X)) % 3
    reg = SGLDRegressor(lr=0.1, max_iter=300, burn_in=100, thinning=5, batch_size=50, **CPU)
    areg = APDRegressor(reg, max_iter=20, subspace=3, standardize=True, **CPU).fit(Xr, yr)
    mean, std = areg.predict(Xr[:4], return_std=True)
    assert mean.shape == std.shape == (4,) and np.isfinite(std).all()
    assert 0 < areg.subspace_variance_ratio_ <= 1


@pytest.mark.parametrize(
    "params, match",
    [
        ({"subspace": 2, "mode": "online"}, r"subspace=2 .*mode='online'"),
        ({"subspace": 2, "warm_start": True}, r"subspace=2 .*warm_start=True"),
    ],
)
def test_subspace_refuses_changing_samples(blobs, params, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        APDClassifier(**params, **CPU).fit(X, y)


def test_subspace_errors_name_the_parameter(plane_sampler):
    sgld, X, y, *_ = plane_sampler
    with pytest.raises(InvalidParameterError, match="'subspace' parameter"):
        APDClassifier(FrozenEstimator(sgld), subspace=0, **CPU).fit(X, y)
    with pytest.raises(ValueError, match=r"subspace=3 needs 3 .*have 2\. Lower subspace"):
        APDClassifier(FrozenEstimator(sgld), subspace=3, max_iter=2, **CPU).fit(X, y)


@pytest.mark.parametrize("shape", [(40, 12), (9, 30)])
def test_residual_std_is_the_samples_spread_off_the_subspace(shape):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape) * np.geomspace(3.0, 0.1, shape[1])
    sub = principal_subspace(torch.tensor(x, dtype=torch.float32), 3, residual=True)
    xc = x - x.mean(0)
    _, _, vt = np.linalg.svd(xc, full_matrices=False)
    off = xc - xc @ vt[:3].T @ vt[:3]  # numpy's projection off the top 3
    np.testing.assert_allclose(sub.residual_std.numpy(), off.std(0, ddof=1), rtol=1e-4, atol=1e-6)
    every = min(shape[0] - 1, shape[1])  # all components: nothing left off
    assert principal_subspace(torch.tensor(x), every, residual=True).residual_std.max() < 1e-6


def test_the_residual_restores_each_weights_variance(plane_sampler):
    """Samples on a plane plus independent per-weight noise of known scales: a perfect
    generator of the plane's coordinates plus the residual has each weight's mean and
    variance (the test's law's), where the plane alone lacks the noise's variance."""
    sgld, _, _, centre, basis, cov = plane_sampler
    rng = np.random.default_rng(2)
    p = basis.shape[1]
    noise_sd = rng.uniform(0.05, 0.3, size=p)
    plane = sgld.samples_.double().numpy()
    samples = torch.tensor(plane + rng.normal(size=plane.shape) * noise_sd, dtype=torch.float32)
    sub = principal_subspace(samples, 2, residual=True)

    class Linear(torch.nn.Module):
        latent_dim = 2

        def forward(self, z):
            return z * sub.variances[:2].sqrt().float()

    law_var = np.einsum("ip,ij,jp->p", basis, cov, basis) + noise_sd**2  # per weight
    z = torch.randn(100_000, 2, generator=torch.Generator().manual_seed(0))
    with_residual = SubspaceGenerator(Linear(), sub.mean, sub.components, sub.residual_std)
    noise = torch.randn(len(z), p, generator=torch.Generator().manual_seed(1))
    draws = with_residual(z, noise).double().numpy()
    np.testing.assert_allclose(draws.mean(0), centre, atol=0.02)
    np.testing.assert_allclose(draws.var(0), law_var, rtol=0.08)
    plane_only = SubspaceGenerator(Linear(), sub.mean, sub.components)(z).double().numpy()
    assert (plane_only.var(0) < law_var - 0.5 * noise_sd**2).mean() > 0.9


def test_subspace_residual_in_the_estimator(plane_sampler):
    sgld, X, y, centre, basis, _ = plane_sampler
    sgld = FrozenEstimator(sgld)
    kw = dict(max_iter=5, subspace=2, standardize=True, **CPU)
    apd = APDClassifier(sgld, subspace_residual=0.5, **kw).fit(X, y)
    plain = APDClassifier(sgld, **kw).fit(X, y)
    p = apd.n_parameters_
    assert apd.storage_size_ == plain.storage_size_ + p  # the residual's standard deviations
    # the plane's samples have nothing off the plane (float32 rounding): the draws stay on it
    draws = apd.sample_parameters(50).double().numpy() - centre
    assert np.abs(draws - draws @ basis.T @ basis).max() < 1e-3 * np.abs(draws).max()
    # a draw's noise depends on its seed only: the same draws whatever the chunks' size
    resid = torch.full((p,), 0.2)
    apd.generator_.residual_std = resid
    a = apd.predict_proba(X, n_samples=7)
    b = apd.set_params(working_memory=1e-4).predict_proba(X, n_samples=7)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    d = apd.sample_parameters(400).double().numpy() - apd.generator_.mean.double().numpy()
    off = d - d @ basis.T @ basis  # off the plane: the noise of sd 0.2 alone
    assert off.std() == pytest.approx(0.2, rel=0.05)
    again = pickle.loads(pickle.dumps(apd))
    torch.testing.assert_close(again.sample_parameters(5), apd.sample_parameters(5))


def test_subspace_residual_needs_a_subspace(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"subspace_residual=0.5 .*subspace=None"):
        APDClassifier(subspace_residual=0.5, **CPU).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'subspace_residual' parameter"):
        APDClassifier(subspace=2, subspace_residual=-1.0, **CPU).fit(X, y)
