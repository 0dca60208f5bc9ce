"""Per-draw probabilities of any classifier: the one fallback for point estimators."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline


def final_step(estimator, X):
    """The last estimator of a (nested) Pipeline and ``X`` transformed for it.

    Parameters
    ----------
    estimator : estimator or Pipeline
    X : array-like

    Returns
    -------
    final : estimator
        ``estimator`` itself when it is not a Pipeline.
    Xt : array-like
        ``X`` through the pipeline's transformers.
    """
    while isinstance(estimator, Pipeline):
        X = estimator[:-1].transform(X) if len(estimator) > 1 else X
        estimator = estimator[-1]
    return estimator, X


def probability_samples(estimator, X, n_samples=None, *, through_pipeline=True):
    """``(n_samples, n, n_classes)`` class probabilities of each posterior draw.

    A posterior estimator's ``predict_proba_samples``; any other classifier
    with ``predict_proba`` counts as one draw, ``(1, n, n_classes)``, so that
    the uncertainty measures and metrics apply to every classifier alike
    (the disagreement kinds are then 0).

    Parameters
    ----------
    estimator : fitted classifier or Pipeline ending in one
    X : array-like of shape (n, ...)
    n_samples : int or None, default=None
        Draws, passed to ``predict_proba_samples``; None uses the
        estimator's own setting.
    through_pipeline : bool, default=True
        Transform ``X`` through a Pipeline's transformers and ask its final
        estimator (``predict_proba_samples`` is not a Pipeline method).

    Returns
    -------
    probas : ndarray of shape (n_samples, n, n_classes)

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> from sklearn_apd.prediction import probability_samples
    >>> X, y = load_embedded_digits(return_X_y=True)
    >>> probability_samples(LogisticRegression(max_iter=200).fit(X, y), X[:5]).shape
    (1, 5, 10)
    """
    final, Xt = final_step(estimator, X) if through_pipeline else (estimator, X)
    if hasattr(final, "predict_proba_samples"):
        kwargs = {} if n_samples is None else {"n_samples": n_samples}
        return final.predict_proba_samples(Xt, **kwargs)
    if not hasattr(final, "predict_proba"):
        raise ValueError(
            f"{type(final).__name__} has neither predict_proba_samples nor "
            "predict_proba; uncertainty scores need class probabilities."
        )
    return np.asarray(final.predict_proba(Xt))[None]
