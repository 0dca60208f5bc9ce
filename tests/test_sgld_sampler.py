"""Statistical tests of the SGLD sampler against posteriors known in closed form.

Bayesian linear regression with unit noise and the SGLD prior
``theta ~ N(0, 1 / (N * weight_decay))`` has the Gaussian posterior

    precision = X^T X + N * weight_decay * I,   mean = precision^-1 X^T y,

which SGLD must reproduce when its loss is the *mean* squared error / 2 over
the N points (the package's scaling). Many independent chains run as one
tensor (each row is a chain, the loss is a sum of per-chain means, so the
chains do not interact), full batch, so the only approximation left is the
discretisation, which at step * largest eigenvalue = 0.02 biases variances
by at most 0.5% (stationary variance 1 / (lambda (1 - step lambda / 4))).
"""

import numpy as np
import pytest
import torch

from sklearn_apd import SGLD


def _problem(n=200, wd=0.5, seed=0):
    rng = np.random.default_rng(seed)
    cov_x = np.array([[1.0, 0.8], [0.8, 1.0]])
    X = rng.multivariate_normal(np.zeros(2), cov_x, size=n)
    y = X @ np.array([0.7, -0.3]) + rng.normal(size=n)
    precision = X.T @ X + n * wd * np.eye(2)
    cov = np.linalg.inv(precision)
    mean = cov @ X.T @ y
    return X, y, mean, cov


def _run_chains(
    X, y, wd, lr, temperature=1.0, n_chains=1024, steps=6500, burn=2500, seed=0, **method
):
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)
    n = len(y)
    theta = torch.zeros(n_chains, 2, dtype=torch.float64, requires_grad=True)
    gen = torch.Generator().manual_seed(seed)
    opt = SGLD(
        [theta], lr=lr, num_data=n, weight_decay=wd, temperature=temperature, generator=gen,
        **method,
    )  # fmt: skip
    kept = []
    for step in range(steps):
        opt.zero_grad()
        resid = yt[None, :] - theta @ Xt.T  # (chains, n)
        loss = (0.5 * resid.pow(2)).mean(1).sum()  # sum over chains of mean losses
        loss.backward()
        opt.step()
        if step >= burn and step % 10 == 0:
            kept.append(theta.detach().clone())
    return torch.cat(kept).numpy()


@pytest.mark.parametrize("temperature", [1.0, pytest.param(0.5, marks=pytest.mark.slow)])
def test_sgld_matches_gaussian_posterior(temperature):
    wd = 0.5
    X, y, mean, cov = _problem(wd=wd)
    lam_max = np.linalg.eigvalsh(np.linalg.inv(cov)).max()
    lr = 0.02 * len(y) / lam_max  # step * lambda_max = 0.02
    draws = _run_chains(X, y, wd, lr, temperature=temperature)
    target_cov = temperature * cov
    # Mean: within 0.1 posterior standard deviations (Monte Carlo error ~0.01).
    z = np.linalg.solve(np.linalg.cholesky(target_cov), draws.mean(0) - mean)
    assert np.linalg.norm(z) < 0.1, (draws.mean(0), mean)
    # Covariance: within 5% (relative Frobenius error; Monte Carlo error ~1-2%).
    emp = np.cov(draws.T)
    rel = np.linalg.norm(emp - target_cov) / np.linalg.norm(target_cov)
    assert rel < 0.05, (emp, target_cov)


def test_zero_temperature_is_gradient_descent_to_the_mode():
    wd = 0.5
    X, y, mean, _ = _problem(wd=wd)
    draws = _run_chains(X, y, wd, lr=0.2, temperature=0.0, n_chains=2, steps=3000, burn=2990)
    np.testing.assert_allclose(draws, np.broadcast_to(mean, draws.shape), atol=1e-6)


def test_update_rule_single_step():
    """One step equals theta - lr/2 (grad + wd theta) + sqrt(T lr / N) xi."""
    theta = torch.tensor([1.0, -2.0], requires_grad=True)
    lr, n, wd, t = 0.1, 50, 0.01, 0.7
    opt = SGLD(
        [theta],
        lr=lr,
        num_data=n,
        weight_decay=wd,
        temperature=t,
        generator=torch.Generator().manual_seed(3),
    )
    (theta**2).sum().backward()  # grad = 2 theta
    before = theta.detach().clone()
    opt.step()
    xi = torch.randn(2, generator=torch.Generator().manual_seed(3))
    expected = before - lr / 2 * (2 * before + wd * before) + np.sqrt(t * lr / n) * xi
    torch.testing.assert_close(theta.detach(), expected)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"lr": 0.0}, "lr"),
        ({"num_data": 0}, "num_data"),
        ({"weight_decay": -1.0}, "weight_decay"),
        ({"temperature": float("nan")}, "temperature"),
    ],
)
def test_invalid_hyperparameters(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SGLD([torch.zeros(1, requires_grad=True)], **kwargs)


@pytest.mark.parametrize(
    "method, lr_scale, options, tol_mean, tol_cov",
    [
        # SGHMC at step * lambda_max = 0.02 on the potential, as SGLD above.
        ("sghmc", "curvature", {"friction": 0.1}, 0.1, 0.05),
        # pSGLD's step is per weight (lr / |gradient|); without the Gamma
        # correction term its variances are biased by a few percent here.
        ("psgld", 0.01, {}, 0.15, 0.07),
    ],
)
def test_other_methods_match_the_gaussian_posterior(method, lr_scale, options, tol_mean, tol_cov):
    wd = 0.5
    X, y, mean, cov = _problem(wd=wd)
    if lr_scale == "curvature":
        lr = 0.02 * len(y) / np.linalg.eigvalsh(np.linalg.inv(cov)).max()
    else:
        lr = lr_scale
    draws = _run_chains(X, y, wd, lr, n_chains=512, method=method, **options)
    z = np.linalg.solve(np.linalg.cholesky(cov), draws.mean(0) - mean)
    assert np.linalg.norm(z) < tol_mean, (draws.mean(0), mean)
    emp = np.cov(draws.T)
    assert np.linalg.norm(emp - cov) / np.linalg.norm(cov) < tol_cov, (emp, cov)


def test_sghmc_with_friction_one_is_sgld():
    def run(**method):
        theta = torch.tensor([1.0, -2.0], requires_grad=True)
        opt = SGLD([theta], lr=0.1, num_data=50, weight_decay=0.01,
                   generator=torch.Generator().manual_seed(3), **method)  # fmt: skip
        for _ in range(5):
            opt.zero_grad()
            (theta**2).sum().backward()
            opt.step()
        return theta.detach()

    torch.testing.assert_close(run(method="sghmc", friction=1.0), run(), rtol=1e-6, atol=1e-7)
    assert not torch.equal(run(method="sghmc", friction=0.1), run())


def test_method_settings_are_checked():
    w = [torch.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match="method='hmc' must be one of"):
        SGLD(w, method="hmc")
    with pytest.raises(ValueError, match="friction=0 must be"):
        SGLD(w, method="sghmc", friction=0)
    with pytest.raises(ValueError, match="precond_decay=1.0 must be"):
        SGLD(w, method="psgld", precond_decay=1.0)
