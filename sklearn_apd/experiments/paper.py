"""The paper's published numbers (Tables 1-3, Figure 5), for side-by-side reports."""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["paper_results"]


def paper_results() -> dict:
    """The paper's numbers, shipped with the package (``paper_results.json``).

    Returns
    -------
    results : dict
        Keys such as ``"table1_accuracy"``,
        ``"table2_anomaly_fcNN2_ood_scale5_percent"``,
        ``"table3_adversarial_detection_auroc_percent"``,
        ``"mixture_study_fcNN1_notMNIST"``.

    Examples
    --------
    >>> from sklearn_apd.experiments import paper_results
    >>> sorted(paper_results()["table1_accuracy"])
    ['fcNN1', 'fcNN2']
    """
    text = resources.files(__package__).joinpath("paper_results.json").read_text()
    return json.loads(text)
