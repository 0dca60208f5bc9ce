"""Tune a Bayesian network in a Pipeline by how well it detects anomalies.

``GridSearchCV`` over a ``Pipeline(MinMaxScaler, SGLDClassifier)`` picks the
SGLD step size and prior (weight decay) by the AUROC of telling held-out
digits from noise images by BALD, with ``make_ood_scorer``; accuracy is
reported beside it. The scorer transforms the OOD inputs through the
pipeline's scaler, like the real inputs.

    python examples/grid_search_ood.py
"""

import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from sklearn_apd import SGLDClassifier
from sklearn_apd.datasets import make_noise_images
from sklearn_apd.metrics import make_ood_scorer


def main():
    X, y = load_digits(return_X_y=True)  # pixels 0..16
    X_noise = 16 * make_noise_images("uniform", 500, image_shape=(8, 8), random_state=0)
    pipe = make_pipeline(
        MinMaxScaler(),
        SGLDClassifier(max_epochs=40, burn_in=200, thinning=10, n_samples=50, random_state=0),
    )
    grid = {
        "sgldclassifier__lr": [0.05, 0.5],
        "sgldclassifier__weight_decay": [1e-3, 1e-2],
    }
    scoring = {"ood_auroc": make_ood_scorer(X_noise, kind="bald"), "accuracy": "accuracy"}
    search = GridSearchCV(pipe, grid, scoring=scoring, refit="ood_auroc", cv=3)
    search.fit(X, y)
    cols = ["param_sgldclassifier__lr", "param_sgldclassifier__weight_decay"]
    cols += ["mean_test_ood_auroc", "mean_test_accuracy"]
    table = pd.DataFrame(search.cv_results_)[cols].sort_values("mean_test_ood_auroc")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("best by OOD AUROC:", search.best_params_, f"({search.best_score_:.3f})")
    assert np.isfinite(search.best_score_)


if __name__ == "__main__":
    main()
