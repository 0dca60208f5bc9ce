"""Regression: the SGLD, MC dropout, APD and mixture regressors, and the metrics."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import BayesianRidge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_apd import (
    APDRegressor,
    DivergenceError,
    GaussianMixtureRegressor,
    MCDropoutRegressor,
    SGLDRegressor,
)
from sklearn_apd.datasets import make_cubic_toy
from sklearn_apd.metrics import (
    crps_gaussian,
    gaussian_nlpd,
    interval_coverage,
    make_regression_scorer,
)


class Linear(torch.nn.Module):
    """y = w x + b: the Bayesian linear regression whose posterior is known."""

    def __init__(self, n_features_in=1, n_outputs=1):
        super().__init__()
        self.lin = torch.nn.Linear(n_features_in, n_outputs)

    def forward(self, x):
        return self.lin(x)


@pytest.fixture(scope="module")
def linear_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 1)).astype(np.float32)
    y = 2.0 * X[:, 0] + 1.0 + rng.normal(0.0, 0.5, size=400)
    return X, y


@pytest.fixture(scope="module")
def toy():
    return make_cubic_toy(40, random_state=0)


def small(cls=SGLDRegressor, **kw):
    params = dict(lr=0.05, max_iter=400, burn_in=100, thinning=5, batch_size=20, n_samples=30)
    if cls is MCDropoutRegressor:
        params = dict(lr=0.01, max_iter=300, batch_size=20, n_samples=30)
    params.update(device="cpu", random_state=0, module__hidden_units=(16,))
    params.update(kw)
    return cls(**params)


def test_sgld_regressor_recovers_the_linear_gaussian_posterior(linear_data):
    """Slope, intercept and noise against the conjugate answer (noise known at its estimate)."""
    X, y = linear_data
    reg = SGLDRegressor(
        module=Linear, lr=0.02, max_iter=12000, burn_in=2000, thinning=10, batch_size=100,
        weight_decay=1e-4, n_samples=500, device="cpu", random_state=0,
    ).fit(X, y)  # fmt: skip
    names = reg.layout_.names
    samples = reg.samples_.numpy().astype(np.float64)
    s = samples[:, names.index("log_precision")]
    w = samples[:, names.index("net.lin.weight")] * reg.y_scale_[0]
    noise_std = reg.y_scale_[0] * np.exp(-s / 2)
    # Least squares and its standard errors: the posterior under a flat prior.
    A = np.c_[X[:, 0], np.ones(len(X))]
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    sigma = np.sqrt(res[0] / (len(X) - 2))
    cov = sigma**2 * np.linalg.inv(A.T @ A)
    assert abs(w.mean() - coef[0]) < 3 * np.sqrt(cov[0, 0])
    assert 0.6 < w.std() / np.sqrt(cov[0, 0]) < 1.6
    assert abs(np.median(noise_std) - sigma) < 0.1 * sigma
    mean, std = reg.predict(np.array([[0.0]], dtype=np.float32), return_std=True)
    assert abs(mean[0] - coef[1]) < 4 * np.sqrt(cov[1, 1])
    assert abs(std[0] - sigma) < 0.15 * sigma  # at x = 0 the noise dominates


def test_prediction_shapes_and_the_variance_decomposition(toy):
    X, y = toy
    reg = small().fit(X, y)
    mean, std = reg.predict(X[:7], return_std=True)
    assert mean.shape == std.shape == (7,) and mean.dtype == np.float64
    samples = reg.predict_samples(X[:7])
    assert samples.shape == (30, 7)
    np.testing.assert_allclose(samples.mean(0), mean, rtol=1e-4, atol=1e-3)
    total = reg.uncertainty(X[:7])
    parts = reg.uncertainty(X[:7], kind="epistemic") + reg.uncertainty(X[:7], kind="aleatoric")
    np.testing.assert_allclose(total, std**2, rtol=1e-6)
    np.testing.assert_allclose(total, parts, rtol=1e-6)
    np.testing.assert_allclose(
        reg.uncertainty(X[:7], kind="epistemic"), samples.var(0), rtol=1e-3, atol=1e-4
    )
    assert reg.score(X, y) > 0.5
    assert reg.sample_parameters(3).shape == (3, reg.n_parameters_)


def test_standard_deviation_grows_away_from_the_data(toy):
    X, y = toy
    reg = small(max_iter=1500, burn_in=300, weight_decay=0.1).fit(X / 4, y)
    inside = reg.uncertainty(np.array([[-0.5], [0.0], [0.5]]), kind="epistemic")
    outside = reg.uncertainty(np.array([[-2.5], [2.5]]), kind="epistemic")
    assert outside.min() > 2 * inside.max()


def test_multi_output_targets(toy):
    X, y = toy
    Y = np.c_[y, -2 * y + 5]
    reg = small().fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.y_mean_.shape == (2,)
    mean, std = reg.predict(X[:4], return_std=True)
    assert mean.shape == std.shape == (4, 2)
    assert reg.predict_samples(X[:4]).shape == (30, 4, 2)
    assert reg.uncertainty(X[:4], kind="aleatoric").shape == (4, 2)
    # A (n, 1) target is one target: 1-D predictions, as MLPRegressor.
    assert small().fit(X, y[:, None]).predict(X[:3]).shape == (3,)


def test_normalize_y_makes_the_fit_scale_invariant(toy):
    X, y = toy
    a = small().fit(X, y).predict(X[:5], return_std=True)
    b = small().fit(X, 1000 * y + 7).predict(X[:5], return_std=True)
    np.testing.assert_allclose(b[0], 1000 * a[0] + 7, rtol=1e-3)
    np.testing.assert_allclose(b[1], 1000 * a[1], rtol=1e-3)
    raw = small(normalize_y=False).fit(X, y / 30)
    assert np.all(raw.y_mean_ == 0) and np.all(raw.y_scale_ == 1)


def test_chains_warm_start_and_pickling(toy):
    X, y = toy
    reg = small(n_chains=2).fit(X, y)
    assert set(reg.sample_chains_) == {0, 1}
    warm = small(warm_start=True).fit(X, y)
    stats = warm.y_mean_.copy(), warm.y_scale_.copy()
    warm.fit(X, y + 100.0)  # the first fit's standardization is kept
    np.testing.assert_array_equal(warm.y_mean_, stats[0])
    with pytest.raises(ValueError, match="same number of targets"):
        warm.fit(X, np.c_[y, y])
    clone = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(clone.predict(X[:4]), reg.predict(X[:4]))


def test_mc_dropout_regressor(toy):
    X, y = toy
    reg = small(MCDropoutRegressor).fit(X, y)
    mean, std = reg.predict(X[:5], return_std=True)
    assert mean.shape == (5,) and np.all(std > 0)
    assert reg.uncertainty(X[:5], kind="epistemic").min() > 0  # the masks disagree
    assert not hasattr(reg, "sample_parameters")
    assert reg.score(X, y) > 0.5


def test_apd_regressor_offline_and_online(toy):
    X, y = toy
    sgld = small(max_iter=1000, burn_in=200, thinning=4).fit(X, y)
    apd = APDRegressor(
        FrozenEstimator(sgld), max_iter=150, standardize=True, n_samples=100,
        device="cpu", random_state=0,
    ).fit(X, y)  # fmt: skip
    assert apd.n_outputs_ == 1 and np.array_equal(apd.y_scale_, sgld.y_scale_)
    m_apd, s_apd = apd.predict(X, return_std=True)
    m_sgld, s_sgld = sgld.predict(X, return_std=True, n_samples=100)
    assert np.corrcoef(m_apd, m_sgld)[0, 1] > 0.95
    assert 0.5 < np.median(s_apd / s_sgld) < 2.0
    assert apd.storage_size_ > 0 and apd.score(X, y) > 0.5
    online = APDRegressor(
        small(), mode="online", max_iter=20, n_chains=2, sgld_steps=20, gan_steps=5,
        buffer_size=20, n_samples=10, device="cpu", random_state=0,
    ).fit(X, y)  # fmt: skip
    assert online.predict(X[:3], return_std=True)[1].shape == (3,)


def test_gaussian_mixture_regressor(toy):
    X, y = toy
    sgld = small(max_iter=1000, burn_in=200, thinning=4)
    gmm = GaussianMixtureRegressor(sgld, n_components=2, n_samples=50, random_state=0).fit(X, y)
    assert gmm.means_.shape == (2, gmm.n_parameters_)
    assert gmm.score(X, y) > 0.5
    with pytest.raises(ValueError, match="2 targets but the frozen sampler"):
        GaussianMixtureRegressor(FrozenEstimator(sgld.fit(X, y))).fit(X, np.c_[y, y])


def test_bad_input_gets_clear_errors(toy):
    X, y = toy
    with pytest.raises(NotFittedError):
        SGLDRegressor().predict(X, return_std=True)
    bad = y.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        small().fit(X, bad)
    bad[3] = np.inf
    with pytest.raises(ValueError, match="infinity|NaN"):
        small().fit(X, bad)
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        small().fit(Xn, y)
    reg = small().fit(X, y)
    with pytest.raises(ValueError, match="kind must be one of"):
        reg.uncertainty(X, kind="entropy")
    with pytest.raises(ValueError, match="X has 2 features"):
        reg.predict(np.c_[X, X])
    with pytest.raises(ValueError, match="number of output"):
        reg.score(X, np.c_[y, y])
    with pytest.raises(ValueError, match="noise_rate"):
        small(noise_rate=0.0).fit(X, y)
    linear = SGLDRegressor(module=Linear, module__n_outputs=3, max_iter=50, burn_in=10)
    with pytest.raises(ValueError, match=r"expected \(1, 1\) for the 1 target"):
        linear.fit(X, y)
    with pytest.raises(ValueError, match="could not be built with the arguments"):
        small(module=Linear).fit(X, y)


def test_divergence_stops_with_a_message(toy):
    X, y = toy
    with pytest.raises(DivergenceError, match="Lower lr"):
        small(lr=1e4, max_iter=200, module__hidden_units=(64,)).fit(X * 1e3, y)


def test_metrics_on_hand_built_arrays():
    assert gaussian_nlpd([0.0], [0.0], [1.0]) == pytest.approx(0.5 * np.log(2 * np.pi))
    # (y - mu) = 2 sigma: 0.5 log(2 pi sigma^2) + 2
    assert gaussian_nlpd([5.0], [1.0], [2.0]) == pytest.approx(0.5 * np.log(8 * np.pi) + 2)
    assert crps_gaussian([0.0], [0.0], [1.0]) == pytest.approx((np.sqrt(2) - 1) / np.sqrt(np.pi))
    # A near-point prediction scores its absolute error.
    assert crps_gaussian([3.0, -1.0], [1.0, 0.0], [1e-9, 1e-9]) == pytest.approx(1.5)
    # CRPS equals E|Y - y| - E|Y - Y'| / 2, by Monte Carlo.
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 2.0, 400_000), rng.normal(1.0, 2.0, 400_000)
    mc = np.mean(np.abs(a - 0.3)) - 0.5 * np.mean(np.abs(a - b))
    assert crps_gaussian([0.3], [1.0], [2.0]) == pytest.approx(mc, abs=0.01)
    z = rng.normal(size=100_000)
    assert interval_coverage(z, np.zeros_like(z), np.ones_like(z)) == pytest.approx(0.9, abs=0.01)
    assert interval_coverage(z, 0 * z, 1 + 0 * z, level=0.5) == pytest.approx(0.5, abs=0.01)
    with pytest.raises(ValueError, match="y_std must be > 0"):
        gaussian_nlpd([0.0], [0.0], [0.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples|one shape"):
        crps_gaussian([0.0, 1.0], [0.0, 1.0], [[1.0, 1.0]])
    with pytest.raises(ValueError, match="level"):
        interval_coverage([0.0], [0.0], [1.0], level=1.5)
    with pytest.raises(ValueError, match="metric"):
        make_regression_scorer("rmse")


def test_regression_scorer_in_grid_search():
    X, y = load_diabetes(return_X_y=True)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), BayesianRidge()),
        {"bayesianridge__alpha_1": [1e-6, 1e-2]},
        scoring={"nlpd": make_regression_scorer("nlpd"), "crps": make_regression_scorer("crps")},
        refit="nlpd",
        cv=3,
    ).fit(X, y)
    assert -6 < search.best_score_ < -5  # about 5.4 nats per point on diabetes
    scorer = make_regression_scorer("coverage", level=0.8)
    assert -0.2 < scorer(search.best_estimator_, X, y) <= 0
    reg = small(max_iter=100, burn_in=20).fit(X[:100], y[:100])
    assert np.isfinite(make_regression_scorer("nlpd", n_samples=5)(reg, X[:50], y[:50]))


def test_parallel_chains_merge_regressors(toy):
    from sklearn_apd.parallel import fit_parallel_chains, merge_chains

    X, y = toy
    merged = fit_parallel_chains(small(max_iter=200, burn_in=50), X, y, n_chains=2, random_state=0)
    assert isinstance(merged, SGLDRegressor) and set(merged.sample_chains_) == {0, 1}
    assert merged.predict(X[:2], return_std=True)[1].shape == (2,)
    other = small(max_iter=200, burn_in=50).fit(X, np.c_[y, y])
    with pytest.raises(ValueError, match="same classes \\(or targets\\)"):
        merge_chains([merged, other])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks loading without a GPU")
def test_a_gpu_fit_loads_on_a_cpu_only_machine(toy):
    """A pickle that says ``device_ = cuda`` maps to the CPU with one warning (all four)."""
    import warnings

    X, y = toy
    sgld = small().fit(X, y)
    fitted = [
        sgld,
        small(MCDropoutRegressor).fit(X, y),
        APDRegressor(FrozenEstimator(sgld), max_iter=5, device="cpu", random_state=0).fit(X, y),
        GaussianMixtureRegressor(FrozenEstimator(sgld), n_components=2, random_state=0).fit(X, y),
    ]
    for est in fitted:
        expected = est.predict(X, return_std=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            again = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(again.predict(X, return_std=True)[1], expected[1])
        state = est.__getstate__()
        state["device_"] = torch.device("cuda", 0)
        if "_torch_attributes" not in state:  # skorch's estimators: device follows device_
            state["device"] = "cuda"
        moved = type(est).__new__(type(est))
        with pytest.warns(UserWarning, match="fitted on cuda"):
            moved.__setstate__(state)
        assert moved.device_ == torch.device("cpu")
        np.testing.assert_allclose(moved.predict(X), expected[0])
