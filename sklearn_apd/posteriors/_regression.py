"""Base class of the regressors trained as a skorch network, and their Gaussian likelihood.

The likelihood: for ``k`` targets, the network
([`GaussianOutput`][sklearn_apd.nets.GaussianOutput]) predicts the means and
carries one log noise precision ``s_j = log(1 / sigma_j^2)`` per target among
its weights, so every sampler draws the noise with the weights. On the
standardized targets, one point costs

    sum_j  0.5 exp(s_j) (y_j - mu_j)^2 - 0.5 s_j + 0.5 log(2 pi)

and the noise precision ``exp(s_j)`` has a Gamma(``noise_shape``,
``noise_rate``) prior: ``-noise_shape s_j + noise_rate exp(s_j)`` in ``s``
(the Jacobian included), added once per data set, i.e. divided by ``N`` on
the mean minibatch loss. The Gaussian prior that ``weight_decay`` puts on
every weight is cancelled for ``s`` (its ``weight_decay / 2 * s^2`` is
subtracted), so the noise's prior is the Gamma prior alone.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import available_if
from torch import nn

from ..nets import GaussianOutput
from ..prediction import PosteriorRegressionMixin
from ._network import NetworkPosterior, _never


def gaussian_nll_points(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-point Gaussian NLL, summed over the ``k`` targets: shape ``output.shape[:-1]``.

    ``output`` is ``(..., 2k)`` (``k`` means, then ``k`` log precisions),
    ``target`` ``(..., k)``; each point's value is the sum over the targets of
    ``0.5 exp(s) (y - mu)^2 - 0.5 s + 0.5 log(2 pi)``.
    """
    k = target.shape[-1]
    mu, s = output[..., :k], output[..., k:]
    per_point = 0.5 * torch.exp(s) * (target - mu) ** 2 - 0.5 * s
    return per_point.sum(-1) + 0.5 * k * math.log(2 * math.pi)


class GaussianNLLLoss(nn.Module):
    """Mean Gaussian negative log-likelihood of a batch, noise taken from the output.

    ``output`` is ``(n, 2k)`` (``k`` means, then ``k`` log precisions, as
    [`GaussianOutput`][sklearn_apd.nets.GaussianOutput] returns), ``target``
    ``(n, k)``; the result is the mean over the batch of the sum over the
    targets of ``0.5 exp(s) (y - mu)^2 - 0.5 s + 0.5 log(2 pi)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_apd.posteriors import GaussianNLLLoss
    >>> out = torch.tensor([[0.0, 0.0]])  # mean 0, log precision 0
    >>> round(float(GaussianNLLLoss()(out, torch.tensor([[1.0]]))), 4)
    1.4189
    """

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss of ``output`` (``(n, 2k)``) for ``target`` (``(n, k)``), a scalar tensor."""
        return gaussian_nll_points(output, target).mean()


#: Constraints of the regression parameters every network regressor has.
REGRESSION_CONSTRAINTS: dict = {
    "normalize_y": ["boolean"],
    "noise_shape": [Interval(numbers.Real, 0, None, closed="neither")],
    "noise_rate": [Interval(numbers.Real, 0, None, closed="neither")],
}


class NetworkPosteriorRegressor(PosteriorRegressionMixin, RegressorMixin, NetworkPosterior):
    """Shared machinery of the regressors that train one network with skorch. Not for direct use.

    [`NetworkPosterior`][sklearn_apd.posteriors.NetworkPosterior] with real
    targets: ``y`` of shape ``(n,)`` or ``(n, k)``, standardized per target
    when ``normalize_y`` (the statistics in ``y_mean_``, ``y_scale_``); the
    module (``n_outputs`` means) wrapped in
    [`GaussianOutput`][sklearn_apd.nets.GaussianOutput]; the Gaussian
    likelihood with a learned noise and its Gamma prior (see this module's
    docstring); the regressors' prediction API
    ([`PosteriorRegressionMixin`][sklearn_apd.prediction.PosteriorRegressionMixin]).
    """

    _task_attributes = ("n_outputs_", "y_mean_", "y_scale_")

    # skorch's classifier-style method does not apply to a regressor.
    @available_if(_never)
    def predict_proba(self, X):  # pragma: no cover
        """Not offered: a regressor predicts means and standard deviations (``predict``)."""
        raise NotImplementedError

    def _validate_fit_data(self, X, y, reset=True):
        X, y = self._validate_fit_X(X, y, reset, multi_output=True, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        if y.ndim == 1:
            y = y[:, None]
        if y.ndim != 2:
            raise ValueError(f"y must be 1-D or 2-D; got an array of shape {y.shape}.")
        k = y.shape[1]
        if not reset and k != self.n_outputs_:
            raise ValueError(
                "warm_start=True continues the previous fit and needs the same number of "
                f"targets; got {k}, previously {self.n_outputs_}."
            )
        if reset:
            self.n_outputs_ = k
            if self.normalize_y:
                scale = y.std(0)
                self.y_mean_, self.y_scale_ = y.mean(0), np.where(scale > 0, scale, 1.0)
            else:
                self.y_mean_, self.y_scale_ = np.zeros(k), np.ones(k)
        self._n_train = X.shape[0]
        return X, ((y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _inferred_module_kwargs(self):
        k = self.n_outputs_
        return {**super()._inferred_module_kwargs(), "n_classes": k, "n_outputs": k}

    def _build_module(self, stream, reinitialize=False):
        net = super()._build_module(stream, reinitialize=reinitialize)
        return GaussianOutput(net, self.n_outputs_)

    def _check_output_shape(self, X):
        out = self._module_output(self.module_.net, X)
        k = self.n_outputs_
        if out.ndim != 2 or out.shape[1] != k:
            raise ValueError(
                f"module {type(self.module_.net).__name__} returned outputs of shape "
                f"{tuple(out.shape)} for one input; expected (1, {k}) for the {k} "
                "target(s) in y."
            )

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Mean minibatch loss: the criterion plus the noise's Gamma prior over ``N``."""
        loss = self.criterion_(y_pred, y_true)
        s = y_pred[0, self.n_outputs_ :]  # the log precisions (the same on every row)
        weight_decay = float(self.optimizer_.param_groups[0].get("weight_decay", 0.0) or 0.0)
        prior = (self.noise_rate * torch.exp(s) - self.noise_shape * s).sum() / self._n_train
        return loss + prior - 0.5 * weight_decay * (s**2).sum()
