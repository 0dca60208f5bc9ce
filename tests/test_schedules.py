"""Step-size schedules (issue #24): the cyclical schedule's arithmetic, its plumbing through
the estimators, a known Gaussian posterior, and a bimodal posterior whose second mode
constant-step SGLD never visits.

The bimodal target: one weight ``w``, the logit of class 1 is ``w**2`` (class 0's is 0), and
44 of 50 identical inputs are class 1. The posterior is symmetric, with modes at
``w = +-1.41`` (sd 0.16 each) and a barrier of 16 nats at ``w = 0``; its density on a grid
is the reference. ``benchmarks/cyclical_bimodal.py`` records the same runs for 3 seeds.
"""

import numpy as np
import pytest
import torch
from test_sgld_sampler import _problem
from torch import nn

from sklearn_apd import SGLD, SGLDClassifier, SGLDRegressor
from sklearn_apd.sampling import (
    ConstantSchedule,
    CyclicalSchedule,
    kept_steps,
    make_schedule,
)

# ----------------------------------------------------------------- arithmetic


def test_cyclical_schedule_follows_the_cosine_of_zhang_et_al():
    s = CyclicalSchedule(cycle_length=10, exploration_fraction=0.8)
    factors = [s.lr_factor(k) for k in range(1, 21)]
    expected = [0.5 * (np.cos(np.pi * ((k - 1) % 10) / 10) + 1) for k in range(1, 21)]
    np.testing.assert_allclose(factors, expected)
    assert factors[0] == 1.0 and factors[10] == 1.0  # each cycle restarts at lr
    assert [s.is_sampling(k) for k in range(1, 11)] == [False] * 8 + [True] * 2
    steps = np.arange(1, 35)
    np.testing.assert_array_equal(s.sampling_mask(steps), [s.is_sampling(k) for k in steps])
    assert s.step_settings(1, 0.4, 0.5) == (0.4, 0.0)  # exploration: no noise
    assert s.step_settings(10, 0.4, 0.5) == (0.4 * s.lr_factor(10), 0.5)
    assert ConstantSchedule().step_settings(7, 0.4, 0.5) == (0.4, 0.5)


@pytest.mark.parametrize("schedule", [ConstantSchedule(), CyclicalSchedule(7, 0.5)])
@pytest.mark.parametrize(
    "start, n_steps, burn_in, thinning",
    [(0, 50, 0, 1), (0, 50, 10, 3), (13, 40, 5, 4), (30, 20, 45, 2), (0, 10, 20, 1)],
)
def test_kept_steps_is_the_loop_it_stands_for(schedule, start, n_steps, burn_in, thinning):
    loop = [
        start + k
        for k in range(1, n_steps + 1)
        if start + k > burn_in
        and (start + k - burn_in) % thinning == 0
        and schedule.is_sampling(k)
    ]
    np.testing.assert_array_equal(kept_steps(schedule, start, n_steps, burn_in, thinning), loop)


def test_make_schedule_checks_its_settings():
    assert isinstance(make_schedule("constant", 10, 4, 0.8), ConstantSchedule)
    s = make_schedule("cyclical", 10, 3, 0.5)
    assert s == CyclicalSchedule(4, 0.5)  # ceil(10 / 3)
    with pytest.raises(ValueError, match="schedule='linear' must be one of"):
        make_schedule("linear", 10, 3, 0.5)
    with pytest.raises(ValueError, match="n_cycles=0 must be"):
        make_schedule("cyclical", 10, 0, 0.5)
    with pytest.raises(ValueError, match="exploration_fraction=1.0 must be"):
        make_schedule("cyclical", 10, 2, 1.0)
    with pytest.raises(ValueError, match="n_cycles=6 needs at least 2 steps per cycle"):
        make_schedule("cyclical", 10, 6, 0.5)


# ---------------------------------------------------------------- estimators


@pytest.mark.parametrize("n_chains", [1, 2])
def test_a_cyclical_fit_keeps_samples_only_in_the_sampling_stages(digits, n_chains):
    X, _, y, _ = digits
    clf = SGLDClassifier(
        lr=0.5, max_iter=400, burn_in=0, thinning=5, schedule="cyclical", n_cycles=4,
        exploration_fraction=0.8, n_chains=n_chains, random_state=0,
    ).fit(X, y)  # fmt: skip
    its = np.unique(clf.sample_iterations_)
    # cycles of 100 iterations: samples at positions 81..100 of each, every 5th
    np.testing.assert_array_equal(its, [c * 100 + k for c in range(4) for k in (85, 90, 95, 100)])
    assert len(clf.sample_iterations_) == 16 * n_chains
    assert clf.optimizer_.param_groups[0]["lr"] == 0.5  # the base lr is restored
    assert clf.optimizer_.param_groups[0]["temperature"] == 1.0
    assert clf.score(X, y) > 0.9


def test_the_cyclical_step_size_reaches_the_optimizer(digits):
    """Step k runs at lr * (cos(pi r) + 1) / 2, at temperature 0 outside the sampling stage."""
    X, _, y, _ = digits
    seen = []

    class Recorder(SGLD):
        def step(self, closure=None):
            g = self.param_groups[0]
            seen.append((g["lr"], g["temperature"]))
            return super().step(closure)

    SGLDClassifier(
        optimizer=Recorder, lr=0.4, temperature=0.5, max_iter=20, burn_in=0, thinning=1,
        schedule="cyclical", n_cycles=2, exploration_fraction=0.5, random_state=0,
    ).fit(X, y)  # fmt: skip
    s = CyclicalSchedule(10, 0.5)
    expected = [(0.4 * s.lr_factor(k), 0.5 if s.is_sampling(k) else 0.0) for k in range(1, 21)]
    np.testing.assert_allclose(seen, expected)


def test_one_chain_and_vectorised_chains_follow_the_same_schedule(digits):
    """n_chains=1 (the optimizer) and chain 0 of ParallelChains give the same weights."""
    X, _, y, _ = digits
    kw = dict(lr=0.5, max_iter=60, burn_in=0, thinning=10, schedule="cyclical", n_cycles=3,
              batch_size=len(y), random_state=0)  # fmt: skip
    one = SGLDClassifier(**kw).fit(X, y)
    run = SGLDClassifier(**kw).start_chains(X, y, n_chains=1)
    with run.running():
        for _ in range(60):
            run.step()
    # to float32 rounding: fit fuses the gradient step into its hand-written backward pass
    # (nets.mlp_cross_entropy_grad_), the chains take autograd's gradient; 60 steps at
    # lr 0.5 grew the rounding to 1.1e-5 on one of 7,510 weights
    torch.testing.assert_close(run.states[0], one.chain_states_[0], rtol=1e-4, atol=5e-5)
    assert run.collecting  # step 60: the end of its cycle, a sampling step


def test_bad_schedules_are_refused_with_the_parameter_named(digits):
    X, _, y, _ = digits
    with pytest.raises(ValueError, match="schedule"):
        SGLDClassifier(schedule="linear", max_iter=10, burn_in=0).fit(X, y)
    with pytest.raises(ValueError, match="n_cycles"):
        SGLDClassifier(schedule="cyclical", n_cycles=0, max_iter=10, burn_in=0).fit(X, y)
    with pytest.raises(ValueError, match="exploration_fraction"):
        SGLDClassifier(schedule="cyclical", exploration_fraction=1.0, max_iter=10).fit(X, y)
    with pytest.raises(ValueError, match="needs at least 2 steps per cycle"):
        SGLDClassifier(schedule="cyclical", n_cycles=20, max_iter=30, burn_in=0).fit(X, y)
    # cycles of 50 sampling in their last 10 iterations, all inside burn_in=200
    with pytest.raises(ValueError, match="would keep no samples.*cyclical.*exploration_fraction"):
        SGLDClassifier(schedule="cyclical", n_cycles=4, exploration_fraction=0.8, max_iter=200,
                       burn_in=200).fit(X, y)  # fmt: skip


def test_the_regressor_takes_the_cyclical_schedule():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 1))
    y = 2 * X[:, 0] + 0.3 * rng.normal(size=60)
    reg = SGLDRegressor(max_iter=2_000, burn_in=0, thinning=10, schedule="cyclical",
                        n_cycles=4, random_state=0).fit(X, y)  # fmt: skip
    assert len(reg.sample_iterations_) == 4 * 10  # cycles of 500, sampling in the last 100
    assert reg.score(X, y) > 0.9


# ------------------------------------------------------- known posteriors


def _cyclical_chains(X, y, wd, lr, schedule, steps, n_chains=512, seed=0, **method):
    """Full-batch chains of the optimizer, stepped as the estimators step them."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    theta = torch.zeros(n_chains, 2, dtype=torch.float64, requires_grad=True)
    opt = SGLD([theta], lr=lr, num_data=len(y), weight_decay=wd,
               generator=torch.Generator().manual_seed(seed), **method)  # fmt: skip
    group, kept = opt.param_groups[0], []
    for k in range(1, steps + 1):
        group["lr"], group["temperature"] = schedule.step_settings(k, lr, 1.0)
        opt.zero_grad()
        (0.5 * (yt[None] - theta @ Xt.T).pow(2)).mean(1).sum().backward()
        opt.step()
        if schedule.is_sampling(k) and k % 10 == 0:
            kept.append(theta.detach().clone())
    return torch.cat(kept).numpy()


@pytest.mark.parametrize(
    "method, peak",
    [
        ("sgld", 0.2),
        ("sghmc", 0.05),
        pytest.param("psgld", "lr=0.02", marks=pytest.mark.slow),
    ],
)
def test_cyclical_schedule_matches_the_gaussian_posterior(method, peak):
    """Three cycles of 2,000 steps, sampling in the second half of each (step * lambda_max
    <= peak / 2 there): mean within 0.1 sd, covariance within 5% (as constant SGLD)."""
    wd = 0.5
    X, y, mean, cov = _problem(wd=wd)
    if isinstance(peak, str):
        lr = float(peak.split("=")[1])
    else:
        lr = peak * len(y) / np.linalg.eigvalsh(np.linalg.inv(cov)).max()
    draws = _cyclical_chains(X, y, wd, lr, CyclicalSchedule(2_000, 0.5), 6_000, method=method)
    z = np.linalg.solve(np.linalg.cholesky(cov), draws.mean(0) - mean)
    assert np.linalg.norm(z) < 0.1, (draws.mean(0), mean)
    emp = np.cov(draws.T)
    assert np.linalg.norm(emp - cov) / np.linalg.norm(cov) < 0.05, (emp, cov)


# ----------------------------------------------------------- bimodal target


class SquareLogit(nn.Module):
    """Class 1's logit is ``w**2 * x``: the posterior of ``w`` is symmetric about 0."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.tensor([1.4]))

    def forward(self, x):
        z = self.w**2 * x[:, 0]
        return torch.stack([torch.zeros_like(z), z], 1)


BIMODAL_WD = 1e-3


def bimodal_data():
    """50 identical inputs, 44 of class 1: modes at w = +-1.41."""
    X = np.ones((50, 1), dtype=np.float32)
    y = np.r_[np.ones(44), np.zeros(6)].astype(int)
    return X, y


def bimodal_reference():
    """Mean and sd of |w| under the posterior, on a grid of 80,001 points."""
    w = np.linspace(-4, 4, 80_001)
    z = w**2
    log_post = -44 * np.logaddexp(0, -z) - 6 * np.logaddexp(0, z) - 0.5 * 50 * BIMODAL_WD * w**2
    p = np.exp(log_post - log_post.max())
    p /= p.sum()
    mean = (np.abs(w) * p).sum()
    return mean, np.sqrt((w**2 * p).sum() - mean**2)


def bimodal_fit(schedule, lr, seed, exploration_fraction=0.8):
    """20,000 iterations in minibatches of 5 (with 20 cycles of 1,000 when cyclical)."""
    X, y = bimodal_data()
    clf = SGLDClassifier(
        module=SquareLogit, lr=lr, weight_decay=BIMODAL_WD, batch_size=5, max_iter=20_000,
        burn_in=1_000, thinning=10, max_samples=5_000, schedule=schedule, n_cycles=20,
        exploration_fraction=exploration_fraction, device="cpu", random_state=seed,
    )  # fmt: skip
    return clf.fit(X, y).samples_[:, 0].double().numpy()


@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow)])
def test_cyclical_sgld_visits_both_modes_that_constant_sgld_does_not(seed):
    mean, sd = bimodal_reference()
    # Constant SGLD at a step that samples one mode well stays in the mode it starts in.
    w = bimodal_fit("constant", 0.5, seed)
    assert np.all(w > 0) or np.all(w < 0)
    # Cyclical: steps up to 4.0 in exploration hop the barrier; its 20 cycles split
    # between the modes (a fair coin gives 4..16 of 20 with probability 0.997) ...
    w = bimodal_fit("cyclical", 4.0, seed)
    assert 0.15 < np.mean(w > 0) < 0.85, np.mean(w > 0)
    # ... and each mode is sampled at its width (sampling stage: step <= 0.38).
    assert abs(np.abs(w).mean() - mean) < 0.05, (np.abs(w).mean(), mean)
    assert 0.75 < np.abs(w).std() / sd < 1.3, (np.abs(w).std(), sd)


def test_online_apd_buffers_only_the_sampling_stages_of_a_cyclical_sampler(digits):
    """The chains cycle with the sampler's budget (max_iter=40, 2 cycles of 20 steps,
    sampling at steps 17-20 of each); online APD pushes only those states."""
    from sklearn_apd import APDClassifier

    X, _, y, _ = digits
    sampler = SGLDClassifier(lr=0.5, max_iter=40, burn_in=0, schedule="cyclical", n_cycles=2,
                             device="cpu")  # fmt: skip
    apd = APDClassifier(
        sampler, mode="online", max_iter=10, n_chains=2, sgld_steps=10, gan_steps=5,
        buffer_size=20, n_samples=5, device="cpu", random_state=0,
    ).fit(X, y)  # fmt: skip
    # rounds of 10 steps: steps 17-20 (round 2) are the only sampling steps before the
    # 10 GAN updates end (rounds 2 and 3): 4 steps x 2 chains
    assert apd.n_training_samples_ == 8
    assert apd.predict_proba(X[:3]).shape == (3, 10)


def test_psgld_with_the_cyclical_schedule_warns(digits):
    """The measured bias of that combination (benchmarks/RESULTS.md) is said at fit time."""
    X, _, y, _ = digits
    with pytest.warns(UserWarning, match="over-disperses"):
        SGLDClassifier(method="psgld", lr=0.01, schedule="cyclical", max_iter=40, burn_in=0,
                       thinning=2, device="cpu").fit(X, y)  # fmt: skip
