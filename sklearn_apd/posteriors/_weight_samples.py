"""What the meta-posteriors (mixture, APD) do with a sampler: fit or take it, copy its network."""

from __future__ import annotations

import copy
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from ..nets import ParameterLayout
from ..sampling import WeightSampler


def fitted_sampler(sampler, X, y, default):
    """Fit a clone of ``sampler`` (``default`` when None) or use a frozen one as is.

    Returns the fitted sampler; checks that it implements the sampler
    protocol ([`WeightSampler`][sklearn_apd.sampling.WeightSampler]) and that a frozen
    one was fitted on data with the same features and classes.
    """
    if sampler is None:
        sampler = default
    inner = sampler
    while isinstance(inner, FrozenEstimator):  # a frozen frozen sampler is a frozen one
        inner = inner.estimator
    if not isinstance(inner, WeightSampler):
        raise ValueError(
            f"sampler {type(inner).__name__} is not a weight sampler (no start_chains / "
            "collect); use an SGLDClassifier or a FrozenEstimator around a fitted one."
        )
    if inner is not sampler:  # frozen: used as is
        check_is_fitted(inner)
        if tuple(X.shape[1:]) != tuple(inner.input_shape_):
            raise ValueError(
                f"the frozen sampler was fitted on inputs of shape {inner.input_shape_}, "
                f"X has inputs of shape {tuple(X.shape[1:])}."
            )
        if hasattr(inner, "classes_"):
            classes = np.unique(y)
            if not np.array_equal(classes, inner.classes_):
                raise ValueError(
                    f"y has classes {classes!r} but the frozen sampler was fitted on "
                    f"{inner.classes_!r}."
                )
        else:
            width = 1 if np.ndim(y) == 1 else np.shape(y)[1]
            if width != inner.n_outputs_:
                raise ValueError(
                    f"y has {width} targets but the frozen sampler was fitted on "
                    f"{inner.n_outputs_}."
                )
        fitted = inner
    else:
        fitted = clone(sampler).fit(X, y)
    return fitted


def adopt_network(estimator, sampler, device):
    """Give ``estimator`` the sampler's targets, input shape and a copy of its network.

    Sets ``device_``, the sampler's task attributes (``classes_``, or
    ``n_outputs_``, ``y_mean_``, ``y_scale_``), ``input_shape_``, ``module_`` (a deep copy in
    eval mode, on ``device``), ``layout_`` and ``n_parameters_``; nothing else
    of the sampler (in particular not its samples) is referenced.
    """
    estimator.device_ = device
    for name in type(sampler)._task_attributes:
        setattr(estimator, name, getattr(sampler, name))
    estimator.input_shape_ = sampler.input_shape_
    estimator.module_ = copy.deepcopy(sampler.module_).to(device).eval()
    if getattr(sampler, "sample_statistics_", None) is not None:
        warnings.warn(
            f"{type(estimator).__name__} draws weights only, but the sampler's network has "
            "batch normalisation, whose statistics belong to each sample: every draw "
            "predicts with the statistics of the sampler's last kept sample. Prefer a "
            "network without running statistics (module__norm='group').",
            UserWarning,
            stacklevel=4,
        )
    estimator.layout_ = ParameterLayout(estimator.module_)
    estimator.n_parameters_ = estimator.layout_.n_parameters
