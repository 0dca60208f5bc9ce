"""FGSM and PGD (foolbox 3) against one weight sample of a fitted estimator."""

from __future__ import annotations

import copy
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..._utils import STREAM_SAMPLE, check_positive_int, encode_labels, seeded_global_rng

#: Attacks `craft_adversarial()` knows.
ATTACKS = ("fgsm", "pgd")


@dataclass
class AdversarialExamples:
    """Adversarial inputs crafted by `craft_adversarial()`.

    Attributes
    ----------
    X : ndarray of shape (n, ...)
        The clean inputs.
    X_adv : ndarray of shape (n, ...)
        The crafted inputs, within ``epsilon`` of ``X`` and inside ``bounds``.
    y : ndarray of shape (n,)
        The true labels.
    success : ndarray of shape (n,), bool
        The attacked network classifies ``X`` correctly and ``X_adv``
        wrongly. Only these count as adversarial examples (a clean input it
        already gets wrong is not an attack's success).
    clean_correct : ndarray of shape (n,), bool
        The attacked network classifies ``X`` correctly.
    attack : str
    epsilon : float
    weights : torch.Tensor of shape (n_parameters,)
        The attacked weight sample (None for MC dropout's eval-mode network).
    """

    X: np.ndarray
    X_adv: np.ndarray
    y: np.ndarray
    success: np.ndarray
    clean_correct: np.ndarray
    attack: str
    epsilon: float
    weights: torch.Tensor | None = field(default=None, repr=False)

    @property
    def success_rate(self) -> float:
        """Successful attacks among the inputs the network got right."""
        n = int(self.clean_correct.sum())
        return float(self.success.sum() / n) if n else 0.0

    @property
    def X_successful(self) -> np.ndarray:
        """The successful adversarial inputs, ``X_adv[success]``."""
        return self.X_adv[self.success]

    def __repr__(self):
        return (
            f"AdversarialExamples(attack={self.attack!r}, epsilon={self.epsilon}, "
            f"n={len(self.y)}, successful={int(self.success.sum())}, "
            f"success_rate={self.success_rate:.3f})"
        )


def _check_fitted_source(estimator, name="estimator"):
    if isinstance(estimator, Pipeline):
        raise ValueError(
            f"{name} is a Pipeline; attacks are crafted in the network's input space: "
            "pass its final step and X transformed by the steps before it."
        )
    if not is_classifier(estimator):
        raise ValueError(f"{name} must be a classifier; got {type(estimator).__name__}.")
    check_is_fitted(estimator)
    if not (hasattr(estimator, "module_") and hasattr(estimator, "layout_")):
        raise ValueError(
            f"{name}={type(estimator).__name__} has no network weights to attack; the "
            "source must be a fitted sklearn_apd posterior estimator (SGLD, APD, "
            "mixture, deterministic or MC dropout)."
        )


def _source_network(estimator, sample, random_state):
    """A CPU/GPU copy of the estimator's module holding one weight sample."""
    net = copy.deepcopy(estimator.module_).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    if sample is not None:
        samples = getattr(estimator, "samples_", None)
        if samples is None:
            raise ValueError(
                f"sample={sample!r} indexes stored weight samples, but "
                f"{type(estimator).__name__} stores none (samples_); use sample=None "
                "to draw one with sample_parameters."
            )
        if (
            isinstance(sample, bool)
            or not isinstance(sample, numbers.Integral)
            or not -len(samples) <= sample < len(samples)
        ):
            raise ValueError(
                f"sample={sample!r} must be an int index into the {len(samples)} stored samples."
            )
        weights = samples[int(sample)].detach().clone()
    elif hasattr(estimator, "sample_parameters"):
        weights = estimator.sample_parameters(1, random_state=random_state)[0]
    else:
        # MC dropout: the trained network, dropout off (module_ is in eval mode).
        return net, None
    estimator.layout_.assign(net, weights.to(next(net.parameters()).device))
    return net, weights.detach().cpu()


def _check_epsilon(name, value, bounds):
    width = bounds[1] - bounds[0]
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or not 0 < value <= width
    ):
        raise ValueError(
            f"{name}={value!r} must be in (0, {width:g}], the width of the input range "
            f"bounds={tuple(bounds)} (L-infinity, in the model's input units)."
        )
    return float(value)


def craft_adversarial(
    estimator,
    X,
    y,
    *,
    attack="fgsm",
    epsilon=0.1,
    bounds=(0.0, 1.0),
    steps=40,
    step_size=None,
    random_start=True,
    sample=None,
    batch_size=1000,
    random_state=None,
):
    """Craft FGSM or PGD examples against one posterior sample of ``estimator``.

    Parameters
    ----------
    estimator : fitted posterior classifier
        The attack source: [`SGLDClassifier`][sklearn_apd.SGLDClassifier],
        [`APDClassifier`][sklearn_apd.APDClassifier],
        [`GaussianMixturePosterior`][sklearn_apd.GaussianMixturePosterior],
        [`DeterministicClassifier`][sklearn_apd.DeterministicClassifier] (one weight vector) or
        [`MCDropoutClassifier`][sklearn_apd.MCDropoutClassifier] (the network with dropout
        off).
    X : array-like of shape (n, n_features) or (n, ...)
        Clean inputs, inside ``bounds``.
    y : array-like of shape (n,)
        Their true labels (values of ``estimator.classes_``).
    attack : {"fgsm", "pgd"}, default="fgsm"
        Fast gradient sign method (Goodfellow et al., 2015) or L-infinity
        projected gradient descent (Madry et al., 2018).
    epsilon : float, default=0.1
        L-infinity budget in input units, in ``(0, bounds[1] - bounds[0]]``.
        The reference PGD budget is 0.3 on [-1, 1] inputs, 0.15 on [0, 1].
    bounds : tuple of (low, high), default=(0.0, 1.0)
        Range of valid inputs; adversarial inputs are clipped to it. Use
        ``(-1.0, 1.0)`` for inputs scaled as in the reference code.
    steps : int, default=40
        PGD iterations (the reference setting); ignored by FGSM.
    step_size : float, default=None
        PGD step in input units; ``None`` means ``2.5 * epsilon / steps``
        (Madry et al.'s rule).
    random_start : bool, default=True
        PGD starts from a uniform random point of the epsilon ball.
    sample : int, default=None
        Which weight sample to attack: an index into ``estimator.samples_``
        (SGLDClassifier's store). ``None`` draws one with
        ``estimator.sample_parameters(1, random_state=random_state)``.
    batch_size : int, default=1000
        Inputs attacked at once.
    random_state : int or None, default=None
        Seeds the weight draw and PGD's random start (torch's global generator
        is restored afterwards). Same int, same examples.

    Returns
    -------
    result : AdversarialExamples
        ``X_adv``, ``success`` (only those count) and ``success_rate``.

    Examples
    --------
    >>> from sklearn_apd import SGLDClassifier
    >>> from sklearn_apd.adversarial import craft_adversarial
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits("train", return_X_y=True)
    >>> sgld = SGLDClassifier(max_epochs=30, burn_in=100, thinning=10, random_state=0,
    ...                       verbose=0).fit(X, y)
    >>> adv = craft_adversarial(sgld, X[:200], y[:200], attack="pgd", epsilon=0.1,
    ...                         random_state=0)
    >>> bool(abs(adv.X_adv - adv.X).max() <= 0.1 + 1e-6)
    True
    >>> adv.success_rate > 0.5
    True
    """
    with warnings.catch_warnings():
        # foolbox 3.3 imports a deprecated scipy namespace.
        warnings.simplefilter("ignore", DeprecationWarning)
        import foolbox as fb

    _check_fitted_source(estimator)
    if attack not in ATTACKS:
        raise ValueError(f"attack={attack!r} must be one of {ATTACKS}.")
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds={bounds!r} must be a pair (low, high) of floats.") from None
    if not low < high:
        raise ValueError(f"bounds={bounds!r} must have low < high.")
    bounds = (low, high)
    epsilon = _check_epsilon("epsilon", epsilon, bounds)
    if attack == "pgd":
        check_positive_int("steps", steps)
        step = 2.5 * epsilon / steps if step_size is None else step_size
        step = _check_epsilon("step_size", step, bounds)
    check_positive_int("batch_size", batch_size)

    X_t = estimator._validate_predict_X(X)
    y = np.asarray(y)
    if y.shape != (len(X_t),):
        raise ValueError(f"y must have shape ({len(X_t)},); got {y.shape}.")
    codes = encode_labels(estimator.classes_, y)
    lo, hi = float(X_t.min()), float(X_t.max())
    if lo < low - 1e-6 or hi > high + 1e-6:
        raise ValueError(
            f"X has values in [{lo:g}, {hi:g}], outside bounds={bounds}; pass the input "
            "range the model was trained on, e.g. bounds=(-1.0, 1.0)."
        )

    device = estimator.device_
    with seeded_global_rng(random_state, STREAM_SAMPLE, device):
        net, weights = _source_network(estimator, sample, random_state)
        fmodel = fb.PyTorchModel(net, bounds=bounds, device=device)
        if attack == "fgsm":
            attacker = fb.attacks.FGSM()
        else:
            attacker = fb.attacks.LinfPGD(
                steps=int(steps), abs_stepsize=step, random_start=random_start
            )
        labels = torch.as_tensor(codes, device=device)
        X_adv = torch.empty_like(X_t)
        clean_correct = torch.empty(len(X_t), dtype=torch.bool, device=device)
        adv_wrong = torch.empty_like(clean_correct)
        for start in range(0, len(X_t), batch_size):
            sl = slice(start, start + batch_size)
            x = X_t[sl].clamp(low, high)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # foolbox's own notices
                _, clipped, _ = attacker(fmodel, x, labels[sl], epsilons=epsilon)
            # Keep exactly within the ball and bounds (foolbox does; float32 safety).
            clipped = torch.minimum(torch.maximum(clipped, x - epsilon), x + epsilon)
            clipped = clipped.clamp(low, high)
            X_adv[sl] = clipped
            with torch.no_grad():
                clean_correct[sl] = net(x).argmax(1) == labels[sl]
                adv_wrong[sl] = net(clipped).argmax(1) != labels[sl]
    clean_correct = clean_correct.cpu().numpy()
    return AdversarialExamples(
        X=X_t.cpu().numpy(),
        X_adv=X_adv.cpu().numpy(),
        y=y,
        success=clean_correct & adv_wrong.cpu().numpy(),
        clean_correct=clean_correct,
        attack=attack,
        epsilon=epsilon,
        weights=weights,
    )
