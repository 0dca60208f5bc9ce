"""APDClassifier: offline and online distillation, GAN variants, storage."""

import gc
import weakref

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import APDClassifier, SGLDClassifier

CPU = dict(device="cpu", random_state=0)


@pytest.fixture(scope="module")
def cloud_sampler(blobs, two_class_linear):
    """A fitted SGLDClassifier whose 'samples' are a known 3-D Gaussian cloud."""
    X, y = blobs
    y2 = (y > 0).astype(int)
    sgld = SGLDClassifier(two_class_linear, max_epochs=2, burn_in=0, thinning=1, **CPU).fit(X, y2)
    rng = np.random.default_rng(0)
    mean = np.array([1.0, -2.0, 0.5])
    a = np.array([[1.0, 0, 0], [0.8, 0.6, 0], [0.3, -0.2, 0.5]]) * 0.3
    cov = a @ a.T
    sgld.samples_ = torch.tensor(rng.multivariate_normal(mean, cov, 2000), dtype=torch.float32)
    return sgld, X, y2, mean, cov


def _moment_errors(draws, mean, cov):
    sd = np.sqrt(np.diag(cov))
    mean_err = np.abs(draws.mean(0) - mean) / sd  # in standard deviations
    cov_err = np.linalg.norm(np.cov(draws.T) - cov) / np.linalg.norm(cov)
    return mean_err.max(), cov_err


def test_generator_approaches_a_gaussian_cloud(cloud_sampler):
    """The paper's WGAN-GP on raw vectors moves G's moments to the data's.

    GAN training oscillates around the target, so one generator's moments
    depend on where the oscillation stands when it stops: after 500 updates
    the mean was 0.3-3.2 standard deviations off over seeds 0-7 (measured
    2026-12-06), whatever the float rounding of the update. The test pools
    draws from the generator at updates 340, 380, ..., 500 (warm-started fits
    continue one run): over seeds 0-11 the pooled mean was 0.11-0.75
    standard deviations off and the median snapshot's covariance error
    0.32-0.76, from about 6.5 and 1.0 before training.
    """
    sgld, X, y, mean, cov = cloud_sampler
    params = dict(lr=1e-3, **CPU)
    start = APDClassifier(FrozenEstimator(sgld), max_iter=1, **params).fit(X, y)
    m0, c0 = _moment_errors(start.sample_parameters(4000).double().numpy(), mean, cov)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=300, warm_start=True, **params)
    apd.fit(X, y)
    snapshots = []
    for _ in range(5):
        apd.set_params(max_iter=40).fit(X, y)
        snapshots.append(apd.sample_parameters(1000).double().numpy())
    m1, _ = _moment_errors(np.concatenate(snapshots), mean, cov)
    c1 = np.median([_moment_errors(draws, mean, cov)[1] for draws in snapshots])
    assert m0 > 5 and c0 > 0.9, (m0, c0)  # an untrained generator is far off
    assert m1 < 1.0 and c1 < 0.85, (m1, c1)
    h = apd.distill_history_
    assert len(h["iteration"]) == 500 and np.all(np.diff(h["time"]) >= 0)
    assert np.isfinite(h["wasserstein"]).all()
    # the critic's Wasserstein estimate shrinks as the generator learns
    assert h["wasserstein"][-50:].mean() < h["wasserstein"][:10].mean()


def test_toy2d_sgld_and_apd_are_uncertain_far_away_sgd_is_not(toy2d):
    X, y, far = toy2d["X"], toy2d["y"], toy2d["far"]
    sgd, sgld = toy2d["sgd"], toy2d["sgld"]
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=400, lr=1e-3, standardize=True, **CPU)
    apd.fit(X, y)
    assert apd.score(X, y) == 1.0
    sgd_far = sgd.uncertainty(far, "entropy").mean()
    assert sgd_far < 0.05  # the point estimate is confident far from the data
    for clf in (sgld, apd):
        near, far_u = clf.uncertainty(X, "entropy").mean(), clf.uncertainty(far, "entropy").mean()
        assert far_u > 10 * sgd_far and far_u > 2 * near, (type(clf).__name__, near, far_u)
        assert clf.uncertainty(far, "bald").mean() > 0.05


class _RecordingSGLD(SGLDClassifier):
    refs = []

    def fit(self, X, y):
        super().fit(X, y)
        _RecordingSGLD.refs.append(weakref.ref(self.samples_))
        return self


def test_only_the_generator_survives(blobs):
    X, y = blobs
    sampler = _RecordingSGLD(lr=0.5, max_epochs=10, batch_size=50, burn_in=5, thinning=1, **CPU)
    apd = APDClassifier(sampler, max_iter=5, **CPU).fit(X, y)
    gc.collect()
    assert _RecordingSGLD.refs and _RecordingSGLD.refs[-1]() is None  # samples are gone
    others = [k for k, v in vars(apd).items() if isinstance(v, SGLDClassifier)]
    assert others == ["sampler"] and "samples_" not in vars(apd.sampler)  # the unfitted param
    n_gen = sum(p.numel() for p in apd.generator_.parameters())
    assert apd.storage_size_ == n_gen
    # z (32) -> 100 -> 100 -> 100 -> P
    p = apd.n_parameters_
    assert n_gen == 32 * 100 + 100 + 2 * (100 * 100 + 100) + 100 * p + p
    held = sum(v.numel() for v in apd.generator_.state_dict().values())
    assert held == apd.storage_size_
    # standardize=True folds its mean and scale into the last layer: no extra floats.
    std = APDClassifier(sampler, max_iter=5, standardize=True, **CPU).fit(X, y)
    assert std.storage_size_ == n_gen and std.generator_.mean is None
    assert sum(v.numel() for v in std.generator_.state_dict().values()) == n_gen


def test_prediction_api_and_determinism(blobs):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=20, batch_size=50, burn_in=10, **CPU).fit(X, y)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=100, lr=1e-3, standardize=True, **CPU)
    apd.fit(X, y)
    assert apd.score(X, y) > 0.85
    s = apd.predict_proba_samples(X, n_samples=20)
    assert s.shape == (20, 150, 3)
    np.testing.assert_allclose(apd.predict_proba(X, n_samples=20), s.mean(0), atol=1e-6)
    np.testing.assert_array_equal(apd.predict_proba_samples(X, n_samples=20), s)
    again = APDClassifier(
        FrozenEstimator(sgld), max_iter=100, lr=1e-3, standardize=True, **CPU
    ).fit(X, y)
    torch.testing.assert_close(
        again.sample_parameters(5), apd.sample_parameters(5), rtol=0, atol=0
    )


@pytest.mark.parametrize("gan", ["wgan", "gan"])
def test_gan_variants(blobs, gan):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=20, batch_size=50, burn_in=10, **CPU).fit(X, y)
    apd = APDClassifier(
        FrozenEstimator(sgld), gan=gan, max_iter=100, lr=1e-3, standardize=True, **CPU
    ).fit(X, y)
    assert apd.score(X, y) > 0.85
    assert np.isfinite(apd.distill_history_["critic_loss"]).all()


def test_online_mode_respects_its_buffer(blobs):
    X, y = blobs
    sampler = SGLDClassifier(lr=0.5, batch_size=50, burn_in=20, **CPU)
    apd = APDClassifier(
        sampler,
        mode="online",
        n_chains=3,
        sgld_steps=15,
        gan_steps=4,
        buffer_size=25,
        max_iter=40,
        lr=1e-3,
        **CPU,
    ).fit(X, y)
    h = apd.distill_history_
    assert apd.n_iter_ == 40 and len(h["iteration"]) == 40
    assert h["buffer_size"].max() == 25  # filled, never more
    # 11 rounds (the first is all burn-in, no GAN step) x 3 chains x 15 steps,
    # minus 20 burn-in steps per chain
    assert apd.n_training_samples_ == 11 * 3 * 15 - 3 * 20
    assert apd.predict_proba(X).shape == (150, 3)
    with pytest.raises(ValueError, match="online"):
        APDClassifier(FrozenEstimator(SGLDClassifier()), mode="online").fit(X, y)


def test_online_mode_standardizes_from_its_first_buffer(blobs, monkeypatch):
    """standardize=True online: the GAN's mean and scale are those of the first buffer."""
    from sklearn_apd.posteriors.apd import _online

    built = []
    new = _online.GANTrainer.new

    def recording_new(settings, n_parameters, samples=None):
        built.append(None if samples is None else samples.clone())
        return new(settings, n_parameters, samples=samples)

    monkeypatch.setattr(_online.GANTrainer, "new", recording_new)
    X, y = blobs
    sampler = SGLDClassifier(lr=0.5, batch_size=50, burn_in=20, **CPU)
    online = dict(mode="online", n_chains=3, sgld_steps=15, gan_steps=4, buffer_size=25, **CPU)
    apd = APDClassifier(sampler, max_iter=40, lr=1e-3, standardize=True, **online).fit(X, y)
    assert apd.n_iter_ == 40 and len(apd.distill_history_["iteration"]) == 40
    # Built once, from the buffer after round 2 (round 1's 15 steps are all burn-in;
    # round 2 pushes 3 chains x 10 states into the 25-slot buffer).
    (first,) = built
    assert first.shape == (25, apd.n_parameters_)
    assert bool((first.std(0) > 0).all())  # chains that moved: real scales
    assert apd.generator_.mean is None  # folded into the last layer after training
    proba = apd.predict_proba(X)
    assert np.isfinite(proba).all() and apd.score(X, y) > 0.5
    # Without standardize the generator exists first and starts the chains.
    built.clear()
    APDClassifier(sampler, max_iter=8, lr=1e-3, **online).fit(X, y)
    assert built == [None]
    with pytest.raises(ValueError, match="buffer_size >= 2; got buffer_size=1"):
        APDClassifier(sampler, standardize=True, **{**online, "buffer_size": 1}).fit(X, y)


def test_invalid_parameters(blobs):
    X, y = blobs
    for params, match in [
        ({"gan": "wgan_gp"}, "'gan' parameter"),
        ({"mode": "batch"}, "'mode' parameter"),
        ({"max_iter": 0}, "'max_iter' parameter"),
        ({"generator_units": (100, -1)}, "generator_units"),
        ({"betas": (0.5, 1.5)}, "betas"),
        ({"gan": "wgan", "betas": (0.5, 0.9)}, "gan='wgan' trains with RMSprop"),
        ({"n_critic": 0}, "'n_critic' parameter"),
    ]:
        with pytest.raises(ValueError, match=match):
            APDClassifier(**params).fit(X, y)


@pytest.mark.parametrize(
    "gan, optimizer, expected",
    [
        ("wgan-gp", torch.optim.Adam, {"lr": 1e-4, "betas": (0.5, 0.9), "n_critic": 5}),
        ("wgan", torch.optim.RMSprop, {"lr": 5e-5, "betas": None, "n_critic": 5}),
        ("gan", torch.optim.Adam, {"lr": 2e-4, "betas": (0.5, 0.999), "n_critic": 1}),
    ],
)
def test_each_objective_trains_with_its_own_optimizer_unless_told(
    blobs, monkeypatch, gan, optimizer, expected
):
    """The reference settings per objective; lr, betas and n_critic override them."""
    from sklearn_apd.posteriors.apd import _trainer

    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=5, batch_size=50, burn_in=5, thinning=1, **CPU)
    sgld.fit(X, y)
    made = []
    pair = _trainer.optimizer_pair
    monkeypatch.setattr(_trainer, "optimizer_pair", lambda *a: made.append(pair(*a)) or made[-1])
    apd = APDClassifier(FrozenEstimator(sgld), gan=gan, max_iter=3, **CPU).fit(X, y)
    assert apd.gan_params_ == {"optimizer": optimizer.__name__.lower(), **expected}
    (opts,) = made
    assert all(type(o) is optimizer for o in opts)
    assert all(o.param_groups[0]["lr"] == expected["lr"] for o in opts)
    if expected["betas"]:
        assert opts[0].param_groups[0]["betas"] == expected["betas"]
    # n_critic critic steps per generator update: counted on the critic's optimizer.
    assert opts[0].state[opts[0].param_groups[0]["params"][0]]["step"] == 3 * expected["n_critic"]
    tuned = APDClassifier(FrozenEstimator(sgld), gan=gan, max_iter=1, lr=1e-3, n_critic=2, **CPU)
    assert tuned.fit(X, y).gan_params_["lr"] == 1e-3
    assert tuned.gan_params_["n_critic"] == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks loading without a GPU")
def test_pickles_and_a_gpu_fit_loads_on_a_cpu_only_machine(blobs):
    """APD and the mixture keep tensors outside skorch: they map them on load.

    A pickle from a GPU machine carries ``device_ = cuda``; here its tensors
    are CPU ones (no GPU to make CUDA tensors), but the load takes the same
    path: ``map_location`` to the CPU, with one warning.
    """
    import pickle
    import warnings

    from sklearn_apd import GaussianMixturePosterior

    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_epochs=10, batch_size=50, burn_in=5, thinning=1, **CPU)
    sgld.fit(X, y)
    for est in (
        APDClassifier(FrozenEstimator(sgld), max_iter=5, **CPU).fit(X, y),
        GaussianMixturePosterior(FrozenEstimator(sgld), n_components=2, random_state=0).fit(X, y),
    ):
        expected = est.predict_proba(X)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a same-device round trip is silent
            again = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(again.predict_proba(X), expected)

        state = est.__getstate__()
        assert "_torch_attributes" in state  # tensors and modules go through torch.save
        state["device_"] = torch.device("cuda", 0)
        moved = type(est).__new__(type(est))
        with pytest.warns(UserWarning, match=rf"{type(est).__name__} was fitted on cuda:0"):
            moved.__setstate__(state)
        assert moved.device_ == torch.device("cpu")
        np.testing.assert_array_equal(moved.predict_proba(X), expected)


def _warm_pair(blobs, **kw):
    X, y = blobs
    sgld = SGLDClassifier(max_epochs=40, burn_in=10, thinning=2, **CPU).fit(X, y)
    params = dict(standardize=True, lr=1e-3, n_samples=20, **CPU, **kw)
    return X, y, sgld, params


def test_warm_start_continues_the_same_gan(blobs):
    """Two warm fits of 20 updates are one fit of 40 (standardized, so also unfolding)."""
    X, y, sgld, params = _warm_pair(blobs)
    once = APDClassifier(FrozenEstimator(sgld), max_iter=40, **params).fit(X, y)
    warm = APDClassifier(FrozenEstimator(sgld), max_iter=20, warm_start=True, **params)
    warm.fit(X, y)
    first = warm.sample_parameters(5)
    warm.fit(X, y)
    assert warm.n_iter_ == 40 and len(warm.distill_history_["iteration"]) == 40
    np.testing.assert_array_equal(warm.distill_history_["iteration"], np.arange(1, 41))
    assert np.all(np.diff(warm.distill_history_["time"]) >= 0)  # time counts on
    for key in ("critic_loss", "wasserstein"):
        np.testing.assert_allclose(warm.distill_history_[key], once.distill_history_[key])
    torch.testing.assert_close(warm.sample_parameters(5), once.sample_parameters(5))
    assert not torch.equal(first, warm.sample_parameters(5))
    assert warm.storage_size_ == once.storage_size_  # the kept critic is not counted


def test_warm_start_moves_to_a_new_posterior_at_once(cloud_sampler, two_class_linear):
    """A warm fit takes the new samples' location and scale (standardize=True).

    Active learning carries one GAN across rounds whose posteriors move and
    narrow (on MNIST a 250-label posterior's spread was 0.3 of a 20-label
    one's, ``benchmarks/al_apd_updates.py``). Here the second posterior
    is the first one doubled in spread and moved by 30 of its standard
    deviations: in standardized coordinates the same cloud, so after one
    more update the generator matches it as well as it matched the first.
    Keeping the first fit's mean and scale left the draws ~15 of the new
    standard deviations away.
    """
    sgld, X, y, mean, cov = cloud_sampler
    shift = 30 * np.sqrt(np.diag(cov))
    moved = SGLDClassifier(two_class_linear, max_epochs=2, burn_in=0, thinning=1, **CPU)
    moved.fit(X, y).samples_ = 2 * sgld.samples_ + torch.tensor(shift - mean, dtype=torch.float32)
    params = dict(standardize=True, lr=1e-3, warm_start=True, **CPU)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=500, **params).fit(X, y)
    m0, c0 = _moment_errors(apd.sample_parameters(4000).double().numpy(), mean, cov)
    apd.set_params(sampler=FrozenEstimator(moved), max_iter=1).fit(X, y)
    draws = apd.sample_parameters(4000).double().numpy()
    m1, c1 = _moment_errors(draws, mean + shift, 4 * cov)
    assert apd.n_iter_ == 501
    # As close to the moved cloud as to the first one (one update apart).
    assert m0 < 1.0 and m1 < 1.0, (m0, m1)
    assert abs(m1 - m0) < 0.2 and abs(c1 - c0) < 0.2, (m0, m1, c0, c1)


def test_warm_start_survives_pickling_and_refits_its_sampler(blobs):
    import pickle

    X, y, sgld, params = _warm_pair(blobs)
    sampler = SGLDClassifier(max_epochs=30, burn_in=10, thinning=2, **CPU)
    apd = APDClassifier(sampler, max_iter=10, warm_start=True, **params).fit(X, y)
    copy = pickle.loads(pickle.dumps(apd))
    # A fresh SGLD run on the new data (here: a subset), the same GAN trained on.
    apd.fit(X[:100], y[:100])
    copy.fit(X[:100], y[:100])
    assert apd.n_iter_ == copy.n_iter_ == 20
    torch.testing.assert_close(apd.sample_parameters(4), copy.sample_parameters(4))
    # warm_start=False forgets the GAN: the next fit starts afresh and keeps no critic.
    apd.set_params(warm_start=False).fit(X, y)
    assert apd.n_iter_ == 10 and apd._warm_state is None
    assert len(pickle.dumps(apd)) < len(pickle.dumps(copy)) / 2


def test_warm_start_refuses_what_it_cannot_continue(blobs):
    X, y, sgld, params = _warm_pair(blobs)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=2, warm_start=True, **params).fit(X, y)
    with pytest.raises(ValueError, match=r"generator_units=\(50, 50\) \(was \(100, 100, 100\)\)"):
        apd.set_params(generator_units=(50, 50)).fit(X, y)
    apd.set_params(generator_units=(100, 100, 100))
    other = SGLDClassifier(max_epochs=20, burn_in=2, thinning=2, **CPU).fit(X, (y > 0).astype(int))
    with pytest.raises(ValueError, match="same network, classes and input shape"):
        apd.set_params(sampler=FrozenEstimator(other)).fit(X, (y > 0).astype(int))
    with pytest.raises(ValueError, match="warm_start=True continues an offline"):
        APDClassifier(mode="online", warm_start=True).fit(X, y)


@pytest.mark.parametrize("standardize", [True, False])
def test_fewer_samples_than_a_batch_train_as_rows_of_the_samples_with_the_same_updates(
    blobs, standardize
):
    # 12 samples, batch 40: the critic's real products run over the 12 distinct
    # samples (train_offline's default then); the gathered batch gives the same GAN.
    from sklearn_apd.posteriors.apd._trainer import DistillationLog, GANTrainer, train_offline

    X, y = blobs
    sgld = SGLDClassifier(max_iter=12, burn_in=0, thinning=1, **CPU).fit(X, y)
    samples = sgld.collect()
    assert samples.shape[0] == 12
    est = APDClassifier(FrozenEstimator(sgld), batch_size=40, standardize=standardize, **CPU)
    est.device_ = torch.device("cpu")
    generators = []
    for as_rows in (True, False):
        trainer = GANTrainer.new(est, samples.shape[1], samples)
        train_offline(trainer, samples, DistillationLog(), 8, False, as_rows=as_rows)
        generators.append(trainer.generator.state_dict())
    for key, value in generators[0].items():
        torch.testing.assert_close(value, generators[1][key], rtol=1e-4, atol=1e-5)
    assert torch.equal(sgld.collect(), samples)  # the table is a copy
