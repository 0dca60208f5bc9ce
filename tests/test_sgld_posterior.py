"""SGLDClassifier samples the posterior it documents.

Bayesian logistic regression with the SGLD prior ``N(0, 1 / (N wd))``: the
classifier's stored samples must match a long random-walk Metropolis reference
(independent of this package) in mean and covariance. The module fixes class
0's logit at 0, so the 3 weights are identifiable and the chain mixes fast.
Full-batch gradients (batch_size = N) leave only the small discretisation
error of the Langevin step; the tolerances (0.15 posterior standard deviations
for the mean, 15% relative Frobenius error for the covariance) cover Monte
Carlo error at ~300 effective samples, while a wrong noise scale, prior or
gradient scaling (any factor 2) would miss them by far.
"""

import numpy as np
import pytest

from sklearn_apd import SGLDClassifier


def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) * [1.5, 0.7]
    logits = X @ np.array([1.0, -1.5]) + 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-logits))).astype(int)
    return X, y


def _log_post(theta, X, y, wd):
    # theta: (chains, 3) = [w1, w2, b]; log p(y | x) = y z - log(1 + e^z)
    z = theta[:, :2] @ X.T + theta[:, 2:3]
    loglik = (y * z - np.logaddexp(0, z)).sum(1)
    return loglik - 0.5 * len(y) * wd * (theta**2).sum(1)


def _metropolis(X, y, wd, n_chains=64, steps=12_000, burn=2_000, scale=0.25, seed=1):
    rng = np.random.default_rng(seed)
    theta = rng.normal(scale=0.1, size=(n_chains, 3))
    lp = _log_post(theta, X, y, wd)
    kept = []
    for step in range(steps):
        prop = theta + scale * rng.normal(size=theta.shape)
        lp_prop = _log_post(prop, X, y, wd)
        accept = np.log(rng.random(n_chains)) < lp_prop - lp
        theta[accept], lp[accept] = prop[accept], lp_prop[accept]
        if step >= burn and step % 5 == 0:
            kept.append(theta.copy())
    return np.concatenate(kept)


def _assert_matches(s, mean, cov):
    """Mean within 0.15 posterior sd per weight, covariance within 15% (Frobenius)."""
    z = np.linalg.solve(np.linalg.cholesky(cov), s.mean(0) - mean)
    assert np.abs(z).max() < 0.15, (s.mean(0), mean)
    rel = np.linalg.norm(np.cov(s.T) - cov) / np.linalg.norm(cov)
    assert rel < 0.15, (np.cov(s.T), cov)


@pytest.mark.slow
def test_sgld_classifier_matches_metropolis_reference(two_class_linear):
    X, y = _data()
    wd = 0.1
    ref = _metropolis(X, y, wd)
    mean, cov = ref.mean(0), np.cov(ref.T)
    clf = SGLDClassifier(
        module=two_class_linear,
        lr=0.1,
        weight_decay=wd,
        batch_size=len(y),
        max_epochs=80_000,
        burn_in=2_000,
        thinning=10,
        max_samples=10_000,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    s = clf.samples_.double().numpy()  # layout: lin.weight (1, 2), lin.bias (1,)
    _assert_matches(s, mean, cov)


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, lr, schedule",
    [
        ("sghmc", 0.01, "constant"),
        ("psgld", 0.005, "constant"),
        ("sgld", 0.2, "cyclical"),
        ("sghmc", 0.02, "cyclical"),
    ],
)
def test_other_methods_match_metropolis_reference(two_class_linear, method, lr, schedule):
    """SGHMC, pSGLD and the cyclical schedule on the same posterior, as 8 vectorised chains
    (issue #24). Cyclical: 4 cycles of 5,000 steps, sampling in the second half of each
    (full batch, there is no minibatch noise to spread the chains at the end of exploration,
    so the sampling stage must be long enough to relax)."""
    X, y = _data()
    wd = 0.1
    ref = _metropolis(X, y, wd)
    mean, cov = ref.mean(0), np.cov(ref.T)
    clf = SGLDClassifier(
        module=two_class_linear,
        method=method,
        schedule=schedule,
        n_cycles=4,
        exploration_fraction=0.5,
        lr=lr,
        weight_decay=wd,
        batch_size=len(y),
        n_chains=8,
        max_iter=20_000,
        burn_in=4_000,
        thinning=10,
        max_samples=20_000,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    s = clf.samples_.double().numpy()
    _assert_matches(s, mean, cov)
