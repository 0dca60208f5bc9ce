"""Detection of adversarial examples by a posterior's uncertainty; Table 3's matrix."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..metrics import ood_auroc, uncertainty_scores
from ._crafting import ATTACKS, craft_adversarial


def detection_auroc(detector, X_clean, X_adv, *, kind="model_variance", n_samples=1000):
    """AUROC of telling adversarial from clean inputs by ``detector``'s uncertainty.

    Adversarial inputs are the positive class; a higher uncertainty means
    "more likely adversarial", as in
    [`sklearn_apd.metrics.ood_auroc()`][sklearn_apd.metrics.ood_auroc].

    Parameters
    ----------
    detector : fitted classifier or Pipeline
        Any estimator with ``predict_proba_samples`` (or ``predict_proba``,
        then one draw: only entropy and least confidence are informative).
    X_clean : array-like of shape (n_clean, ...)
    X_adv : array-like of shape (n_adv, ...)
        Typically ``AdversarialExamples.X_successful``.
    kind : str, default="model_variance"
        An uncertainty kind of [`sklearn_apd.uncertainty`][sklearn_apd.uncertainty] (the paper
        used model variance).
    n_samples : int, default=1000
        Posterior draws (the paper used 1,000).

    Returns
    -------
    auroc : float
    """
    check_is_fitted(detector)
    if len(X_adv) == 0:
        raise ValueError("X_adv is empty: no attack succeeded, there is nothing to detect.")
    s_clean = uncertainty_scores(detector, X_clean, (kind,), n_samples)[kind]
    s_adv = uncertainty_scores(detector, X_adv, (kind,), n_samples)[kind]
    return ood_auroc(s_clean, s_adv)


class TransferMatrix:
    """Detection AUROC for every (attack, source, detector), as in Table 3.

    Attributes
    ----------
    auroc : ndarray of shape (n_attacks, n_sources, n_detectors)
    success_rate : ndarray of shape (n_attacks, n_sources)
    n_successful : ndarray of shape (n_attacks, n_sources)
    attacks, sources, detectors : list of str
    """

    def __init__(self, auroc, success_rate, n_successful, attacks, sources, detectors):
        self.auroc = auroc
        self.success_rate = success_rate
        self.n_successful = n_successful
        self.attacks = list(attacks)
        self.sources = list(sources)
        self.detectors = list(detectors)

    def to_frame(self):
        """A pandas DataFrame with rows (attack, source) and one column per detector."""
        import pandas as pd

        index = pd.MultiIndex.from_product(
            [self.attacks, self.sources], names=["attack", "source"]
        )
        frame = pd.DataFrame(
            self.auroc.reshape(-1, len(self.detectors)), index=index, columns=self.detectors
        )
        frame["success_rate"] = self.success_rate.reshape(-1)
        return frame

    def to_markdown(self, digits=3):
        """The table as GitHub Markdown."""
        cols = ["attack", "source (success rate)", *self.detectors]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for a, attack in enumerate(self.attacks):
            for s, source in enumerate(self.sources):
                cells = [f"{v:.{digits}f}" for v in self.auroc[a, s]]
                rate = f"{source} ({self.success_rate[a, s]:.2f})"
                lines.append("| " + " | ".join([attack, rate, *cells]) + " |")
        return "\n".join(lines)

    __str__ = to_markdown

    def __repr__(self):
        return (
            f"TransferMatrix(attacks={self.attacks}, sources={self.sources}, "
            f"detectors={self.detectors})"
        )


def transfer_matrix(
    sources,
    detectors,
    X,
    y,
    *,
    attacks=("fgsm", "pgd"),
    kind="model_variance",
    n_samples=1000,
    random_state=None,
    **attack_params,
):
    """Detection AUROC of attacks crafted on each source, for each detector.

    For every attack and source, `craft_adversarial()` crafts examples
    from ``X`` against one sample of the source; each detector then scores
    the clean inputs against the *successful* adversarial ones
    (`detection_auroc()`). Rows are attack sources, columns detectors, one
    block per attack: Table 3 of the paper.

    Parameters
    ----------
    sources : dict of str to fitted estimator
        Attack sources, e.g. ``{"MC dropout": ..., "SGLD": ..., "APD": ...}``.
    detectors : dict of str to fitted estimator
        Detectors (often the same estimators).
    X, y : array-like
        Clean inputs (inside ``bounds``) and labels.
    attacks : sequence of {"fgsm", "pgd"}, default=("fgsm", "pgd")
    kind : str, default="model_variance"
    n_samples : int, default=1000
        Detector draws.
    random_state : int or None, default=None
        Seeds each source's weight draw and PGD start.
    **attack_params
        Passed to `craft_adversarial()` (``epsilon``, ``bounds``,
        ``steps``, ``step_size``, ``sample``, ``batch_size``).

    Returns
    -------
    matrix : TransferMatrix
        A cell is NaN when no attack from that source succeeded.
    """
    for name, value in (("sources", sources), ("detectors", detectors)):
        if not isinstance(value, dict) or not value:
            raise ValueError(f"{name} must be a non-empty dict {{name: fitted estimator}}.")
    attacks = list(attacks)
    for attack in attacks:
        if attack not in ATTACKS:
            raise ValueError(f"attacks holds {attack!r}; use values of {ATTACKS}.")
    shape = (len(attacks), len(sources), len(detectors))
    auroc = np.full(shape, np.nan)
    rate = np.zeros(shape[:2])
    n_ok = np.zeros(shape[:2], dtype=np.int64)
    clean_scores = {}
    for a, attack in enumerate(attacks):
        for s, source in enumerate(sources.values()):
            adv = craft_adversarial(
                source, X, y, attack=attack, random_state=random_state, **attack_params
            )
            rate[a, s] = adv.success_rate
            n_ok[a, s] = int(adv.success.sum())
            if not n_ok[a, s]:
                continue
            for d, (name, detector) in enumerate(detectors.items()):
                if name not in clean_scores:
                    clean_scores[name] = uncertainty_scores(detector, adv.X, (kind,), n_samples)[
                        kind
                    ]
                s_adv = uncertainty_scores(detector, adv.X_successful, (kind,), n_samples)[kind]
                auroc[a, s, d] = ood_auroc(clean_scores[name], s_adv)
    return TransferMatrix(auroc, rate, n_ok, attacks, list(sources), list(detectors))
