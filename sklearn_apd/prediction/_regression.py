"""The regressors' prediction API: predictive means, standard deviations and per-draw means."""

from __future__ import annotations

import torch

from ._engine import chunk_rows
from ._mixin import PosteriorDrawsMixin

#: The variances `PosteriorRegressionMixin.uncertainty` reports.
REGRESSION_KINDS = ("total", "epistemic", "aleatoric")


def gaussian_moments(outputs: torch.Tensor, y_mean, y_scale):
    """Means and noise variances on ``y``'s scale from raw regression outputs.

    ``outputs`` is ``(..., 2k)`` as [`GaussianOutput`][sklearn_apd.nets.GaussianOutput]
    returns it (``k`` standardized means, then ``k`` log noise precisions);
    ``y_mean`` and ``y_scale`` are a fitted regressor's ``y_mean_`` and
    ``y_scale_``. Returns two float64 tensors of shape ``(..., k)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.prediction import gaussian_moments
    >>> mu, var = gaussian_moments(torch.tensor([[1.0, 0.0]]), [10.0], [2.0])
    >>> mu.item(), var.item()
    (12.0, 4.0)
    """
    out = outputs.double()
    k = out.shape[-1] // 2
    mean = torch.as_tensor(y_mean, dtype=torch.float64, device=out.device)
    scale = torch.as_tensor(y_scale, dtype=torch.float64, device=out.device)
    return out[..., :k] * scale + mean, torch.exp(-out[..., k:]) * scale**2


class PosteriorRegressionMixin(PosteriorDrawsMixin):
    """``predict(return_std=)``, ``predict_samples``, ``uncertainty`` from weight draws.

    The regressors' network ([`GaussianOutput`][sklearn_apd.nets.GaussianOutput])
    returns, for ``k`` targets, ``k`` means followed by ``k`` log noise
    precisions, both on the standardized scale of ``y``. Under ``S`` draws
    with means ``mu_s`` and noise variances ``sigma2_s`` (back on ``y``'s
    scale) the posterior predictive is the mixture ``1/S sum_s N(mu_s,
    sigma2_s)``; its mean is ``mean_s mu_s`` and its variance the sum of

    - the *epistemic* part ``var_s mu_s`` (how much the draws disagree), and
    - the *aleatoric* part ``mean_s sigma2_s`` (the learned observation noise).

    The class provides, besides what
    [`PosteriorDrawsMixin`][sklearn_apd.prediction.PosteriorDrawsMixin] asks,
    ``n_outputs_``, ``y_mean_`` and ``y_scale_`` (arrays of shape
    ``(n_outputs_,)``) once fitted. It tags the class as a regressor of one or
    several targets.
    """

    #: validate_data's checks of y in a meta-estimator's fit: one or several real targets.
    _y_checks = {"multi_output": True, "y_numeric": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags

    def _moments(self, X_t, n_draws):
        """Per-draw means and noise variances on ``y``'s scale, each ``(S, n, k)`` float64."""
        out = self._draw_outputs(X_t, n_draws, "none", None)
        return gaussian_moments(out, self.y_mean_, self.y_scale_)

    def _block_variances(self, X_t, n_draws):
        """Per input block: the predictive mean, epistemic and aleatoric variances, ``(b, k)``."""
        for block in self._blocks(X_t, n_draws):
            mu, noise_var = self._moments(block, n_draws)
            yield mu.mean(0), mu.var(0, correction=0), noise_var.mean(0)

    def _blocks(self, X_t, n_draws):
        """Input blocks whose ``(S, block, 2k)`` outputs stay within ``working_memory``."""
        rows = chunk_rows(X_t.shape[0], 16 * n_draws * self.n_outputs_, self._working_memory_mb)
        return [X_t[i : i + rows] for i in range(0, X_t.shape[0], rows)]

    def _shaped(self, a):
        """``(..., n, k)`` -> ``(..., n)`` for one target, as scikit-learn's regressors do."""
        a = a.cpu().numpy()
        return a[..., 0] if self.n_outputs_ == 1 else a

    def predict(self, X, return_std=False, n_samples=None):
        """Posterior predictive mean, and optionally its standard deviation.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        return_std : bool, default=False
            Also return the standard deviation of the posterior predictive
            (epistemic and aleatoric parts together, see `uncertainty()`).
        n_samples : int, default=None
            Number of posterior draws; defaults to the ``n_samples`` parameter.

        Returns
        -------
        y_mean : ndarray of shape (n,) or (n, n_outputs_), float64
            1-D when ``y`` had one target.
        y_std : ndarray of the same shape, float64
            Only when ``return_std`` is True.
        """
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        means, stds = [], []
        for mean, epistemic, aleatoric in self._block_variances(X_t, n_draws):
            means.append(mean)
            stds.append((epistemic + aleatoric).sqrt())
        y_mean = self._shaped(torch.cat(means))
        if return_std:
            return y_mean, self._shaped(torch.cat(stds))
        return y_mean

    def predict_samples(self, X, n_samples=None):
        """The network's mean prediction under each posterior draw.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        n_samples : int, default=None

        Returns
        -------
        y_samples : ndarray of shape (n_samples, n) or (n_samples, n, n_outputs_), float32
            The draws `predict()` averages; their spread is the epistemic part
            of the uncertainty (the observation noise is not added).
        """
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        mu = torch.cat([self._moments(b, n_draws)[0] for b in self._blocks(X_t, n_draws)], 1)
        return self._shaped(mu.float())

    def uncertainty(self, X, kind="total", n_samples=None):
        """Predictive variance per input (and target); higher means more uncertain.

        Parameters
        ----------
        X : array-like of shape (n, n_features) or (n, ...)
        kind : {"total", "epistemic", "aleatoric"}, default="total"
            ``"epistemic"``: the variance of the draws' means (shrinks with
            more data); ``"aleatoric"``: the mean learned noise variance;
            ``"total"``: their sum, the square of ``predict(X,
            return_std=True)[1]``.
        n_samples : int, default=None

        Returns
        -------
        variance : ndarray of shape (n,) or (n, n_outputs_), float64
        """
        _check_kind(kind)
        X_t = self._validate_predict_X(X)
        n_draws = self._resolve_n_samples(n_samples)
        parts = []
        for _, epistemic, aleatoric in self._block_variances(X_t, n_draws):
            parts.append(
                {"total": epistemic + aleatoric, "epistemic": epistemic, "aleatoric": aleatoric}[
                    kind
                ]
            )
        return self._shaped(torch.cat(parts))


def _check_kind(kind):
    if not isinstance(kind, str) or kind not in REGRESSION_KINDS:
        raise ValueError(f"kind must be one of {list(REGRESSION_KINDS)}; got {kind!r}.")
