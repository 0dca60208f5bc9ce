"""Convergence diagnostics of SG-MCMC chains: ESS and R-hat through ArviZ.

A fitted SGLD estimator (classifier or regressor) with ``n_chains > 1``
keeps, for every stored sample, the chain it comes from and the iteration it
was taken at (``sample_chains_``, ``sample_iterations_``). `chain_draws()`
turns the samples into ``(chains, draws)`` arrays of scalar statistics: the
log-likelihood of a reference data set, the accuracy (classifiers) or the
mean prediction (regressors) on it, and optionally a few weights. `summary()`
passes them to ArviZ for the bulk and tail effective sample sizes and the
rank-normalised split R-hat (Vehtari et al., 2021); `plot_trace()` draws
ArviZ's trace plot. ArviZ is an optional dependency: ``pip install
"sklearn-apd[diagnostics]"``.

Each chain contributes its samples in iteration order; when the reservoir
(``max_samples``) kept different numbers per chain, every chain is cut to the
latest ``m`` samples, ``m`` the smallest count.

References
----------
A. Vehtari, A. Gelman, D. Simpson, B. Carpenter and P.-C. Bürkner.
Rank-normalization, folding, and localization: an improved R-hat for
assessing convergence of MCMC. Bayesian Analysis, 2021.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._utils import encode_labels
from ..prediction import gaussian_moments, predictive_outputs

__all__ = ["chain_draws", "plot_trace", "summary"]


def _arviz():
    import warnings

    try:
        with warnings.catch_warnings():  # ArviZ 0.2x announces its refactor on import
            warnings.simplefilter("ignore", FutureWarning)
            import arviz
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "sklearn_apd.diagnostics needs ArviZ: pip install 'sklearn-apd[diagnostics]'."
        ) from exc
    return arviz


def _chain_order(estimator):
    """``(n_chains, m)`` indices into ``samples_``: each chain's latest ``m`` samples in order."""
    chains = np.asarray(estimator.sample_chains_)
    iters = np.asarray(estimator.sample_iterations_)
    ids = np.unique(chains)
    if len(ids) < 2:
        raise ValueError(
            f"{type(estimator).__name__} holds samples of {len(ids)} chain; R-hat compares "
            "chains: fit with n_chains >= 2 (or merge fits with sklearn_apd.parallel)."
        )
    per_chain = [
        np.flatnonzero(chains == c)[np.argsort(iters[chains == c], kind="stable")] for c in ids
    ]
    m = min(len(p) for p in per_chain)
    if m < 4:
        raise ValueError(
            f"each chain needs at least 4 stored samples for ESS and R-hat; the fewest is {m}. "
            "Keep more (max_iter, thinning, max_samples)."
        )
    return np.stack([p[-m:] for p in per_chain])


def chain_draws(estimator, X=None, y=None, *, n_weights=0):
    """Scalar statistics of every stored sample, as ``{name: (n_chains, m)}`` arrays.

    Parameters
    ----------
    estimator : fitted SGLDClassifier or SGLDRegressor
        With samples from at least two chains.
    X : array-like of shape (n, ...) or None, default=None
        Reference inputs (e.g. a few hundred training points). Without them
        only the weights are reported.
    y : array-like of shape (n,) or (n, k), or None, default=None
        Their targets: adds ``log_likelihood`` (the sum over the points of log
        p(y | x, weights)) and, for a classifier, ``accuracy``.
    n_weights : int, default=0
        Also report the first ``n_weights`` entries of the weight vector
        (``weight[i]``).

    Returns
    -------
    draws : dict of str to ndarray of shape (n_chains, m)
        Without ``y``: ``mean_prediction`` for a regressor (the mean predicted
        value over ``X``), ``mean_max_probability`` for a classifier.
    """
    check_is_fitted(estimator)
    if not hasattr(estimator, "sample_chains_"):
        raise ValueError(
            f"{type(estimator).__name__} keeps no chains of samples; the diagnostics need an "
            "SGLDClassifier or SGLDRegressor (any method) fitted with n_chains >= 2."
        )
    order = _chain_order(estimator)
    n_chains, m = order.shape
    samples = estimator.samples_
    draws = {}
    for i in range(int(n_weights)):
        draws[f"weight[{i}]"] = (
            samples[torch.as_tensor(order.ravel()), i].cpu().numpy().reshape(n_chains, m)
        )
    if X is None:
        if not draws:
            raise ValueError("chain_draws needs X (and y) or n_weights > 0: nothing to report.")
        return draws
    X_t = estimator._validate_predict_X(X)
    idx = torch.as_tensor(order.ravel(), device=samples.device)
    regressor = hasattr(estimator, "n_outputs_")
    out = predictive_outputs(
        estimator._prediction_module(),
        estimator._draw_layout(),
        estimator._rows_source(idx),
        len(idx),
        X_t,
        working_memory_mb=estimator._working_memory_mb,
        transform=None if regressor else (lambda z: torch.log_softmax(z, -1)),
    ).double()  # (S, n, C) log-probabilities, or (S, n, 2k) raw outputs
    if regressor:
        mu, noise_var = gaussian_moments(out, estimator.y_mean_, estimator.y_scale_)
        draws["mean_prediction"] = mu.mean((1, 2)).cpu().numpy().reshape(n_chains, m)
        if y is not None:
            yt = torch.as_tensor(np.asarray(y, dtype=np.float64), device=out.device).reshape(
                mu.shape[1:]
            )
            ll = -0.5 * (torch.log(2 * math.pi * noise_var) + (yt - mu) ** 2 / noise_var)
            draws["log_likelihood"] = ll.sum((1, 2)).cpu().numpy().reshape(n_chains, m)
    else:
        draws["mean_max_probability"] = (
            out.exp().amax(-1).mean(1).cpu().numpy().reshape(n_chains, m)
        )
        if y is not None:
            yt = torch.as_tensor(encode_labels(estimator.classes_, y), device=out.device)
            picked = out.gather(2, yt[None, :, None].expand(out.shape[0], -1, 1))[..., 0]
            draws["log_likelihood"] = picked.sum(1).cpu().numpy().reshape(n_chains, m)
            hits = (out.argmax(-1) == yt[None]).double().mean(1)
            draws["accuracy"] = hits.cpu().numpy().reshape(n_chains, m)
    return draws


def summary(estimator, X=None, y=None, *, n_weights=0):
    """ESS (bulk and tail) and R-hat of each statistic of `chain_draws()`, by ArviZ.

    Parameters
    ----------
    estimator : fitted SGLDClassifier or SGLDRegressor
        With samples from at least two chains.
    X, y : array-like or None, default=None
        Reference data, as in `chain_draws()`.
    n_weights : int, default=0

    Returns
    -------
    table : pandas.DataFrame
        One row per statistic; columns ``mean``, ``sd``, ``ess_bulk``,
        ``ess_tail``, ``r_hat`` (R-hat near 1, say below 1.01-1.05, and an
        ESS of a few hundred suggest the chains agree).

    Examples
    --------
    >>> from sklearn_apd import SGLDRegressor
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> from sklearn_apd.diagnostics import summary
    >>> X, y = make_cubic_toy(40, random_state=0)
    >>> reg = SGLDRegressor(n_chains=4, max_iter=2000, burn_in=500, thinning=10,
    ...                     lr=0.005, batch_size=20, random_state=0).fit(X / 4, y)
    >>> table = summary(reg, X / 4, y)
    >>> list(table.columns)
    ['mean', 'sd', 'ess_bulk', 'ess_tail', 'r_hat']
    """
    az = _arviz()
    data = az.convert_to_inference_data(chain_draws(estimator, X, y, n_weights=n_weights))
    table = az.summary(data, kind="all", round_to="none")
    return table[["mean", "sd", "ess_bulk", "ess_tail", "r_hat"]]


def plot_trace(estimator, X=None, y=None, *, n_weights=0, **kwargs):
    """ArviZ's trace plot (per-chain density and trace) of the `chain_draws()` statistics.

    Needs matplotlib and ArviZ. ``kwargs`` go to ``arviz.plot_trace``.

    Returns
    -------
    axes : ndarray of matplotlib Axes
    """
    az = _arviz()
    data = az.convert_to_inference_data(chain_draws(estimator, X, y, n_weights=n_weights))
    return az.plot_trace(data, **kwargs)
