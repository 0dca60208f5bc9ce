"""Write (and with --execute, run) examples/compare_posteriors.ipynb.

The notebook is kept as this script so that its source is reviewable; the
committed .ipynb holds the outputs of one executed run.

    python examples/make_notebook.py --execute
"""

import argparse
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

CELLS = [
    new_markdown_cell(
        "# Comparing posteriors on the digits\n\n"
        "SGD, MC dropout, SGLD, APD (distilled from the same SGLD run) and a "
        "Gaussian mixture over the SGLD samples, on scikit-learn's 8x8 digits: "
        "accuracy, calibration, anomaly detection against noise images, and the "
        "storage each posterior needs at test time. Runs in about four minutes on "
        "a 2-core CPU."
    ),
    new_code_cell(
        "import time\n\n"
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "from sklearn.frozen import FrozenEstimator\n\n"
        "from sklearn_apd import (APDClassifier, DeterministicClassifier,\n"
        "                         GaussianMixturePosterior, MCDropoutClassifier, SGLDClassifier)\n"
        "from sklearn_apd.datasets import load_embedded_digits, make_noise_images\n"
        "from sklearn_apd.metrics import expected_calibration_error, ood_auroc\n\n"
        'X, y = load_embedded_digits("train", return_X_y=True)\n'
        'X_test, y_test = load_embedded_digits("test", return_X_y=True)\n'
        "X_noise = make_noise_images(\n"
        '    "gaussian", len(X_test), image_shape=(8, 8), random_state=0\n'
        ")\n"
        "X.shape, X_test.shape, X_noise.shape"
    ),
    new_markdown_cell(
        "Fit SGLD once; APD and the mixture reuse its samples through "
        "`FrozenEstimator` (no refit)."
    ),
    new_code_cell(
        "common = dict(random_state=0, verbose=0)\n"
        "models, fit_time = {}, {}\n\n"
        "def timed(name, est):\n"
        "    t0 = time.perf_counter()\n"
        "    models[name] = est.fit(X, y)\n"
        "    fit_time[name] = time.perf_counter() - t0\n\n"
        'timed("SGD", DeterministicClassifier(lr=0.5, max_epochs=100, **common))\n'
        'timed("MC dropout", MCDropoutClassifier(lr=0.5, max_epochs=100, **common))\n'
        "sgld = SGLDClassifier(lr=0.5, max_epochs=200, burn_in=600, thinning=10, **common)\n"
        'timed("SGLD", sgld)\n'
        'sgld = FrozenEstimator(models["SGLD"])\n'
        'timed("APD", APDClassifier(sgld, max_iter=1000, lr=1e-3, standardize=True, **common))\n'
        'timed("Mixture (5)", GaussianMixturePosterior(sgld, n_components=5, random_state=0))\n'
        "{k: round(v, 1) for k, v in fit_time.items()}"
    ),
    new_code_cell(
        "rows = []\n"
        "for name, est in models.items():\n"
        "    proba = est.predict_proba(X_test)\n"
        '    row = {"posterior": name,\n'
        '           "accuracy": est.score(X_test, y_test),\n'
        '           "ECE": expected_calibration_error(y_test, proba, labels=est.classes_),\n'
        '           "floats stored": getattr(est, "storage_size_", None)}\n'
        '    for kind in ("entropy", "bald"):\n'
        '        row[f"AUROC {kind}"] = ood_auroc(est.uncertainty(X_test, kind),\n'
        "                                         est.uncertainty(X_noise, kind))\n"
        "    rows.append(row)\n"
        'table = pd.DataFrame(rows).set_index("posterior")\n'
        "table.round(3)"
    ),
    new_markdown_cell(
        "Reading the table (committed run: 2026-12-03, 2-core AMD EPYC CPU shared "
        "with two other jobs, so the fit times above are inflated):\n\n"
        "- **SGLD is less accurate than SGD (95.9% vs 97.8%) but detects noise far "
        "better** (AUROC 0.978 by entropy, 0.991 by BALD, against SGD's 0.890). At "
        "temperature 1 with the prior `N * weight_decay`, 1,257 digits leave the "
        "posterior broad; averaging over it costs about 2 points of accuracy and "
        "keeps calibration (ECE 0.024, SGD 0.021).\n"
        "- **APD keeps SGLD's noise detection** (BALD AUROC 0.987 vs 0.991) and "
        "most of its accuracy (95.4%), but its ECE is about 3x SGLD's (0.071 vs "
        "0.024): after 1,000 distillation updates the generator's draws reproduce "
        "the posterior's disagreement on noise better than its confidence on "
        "digits. On this 7,510-weight network the 3x100 generator is about half "
        "the size of the 200 SGLD samples; its share shrinks as the network grows.\n"
        "- **The 5-component Gaussian mixture** is the worst calibrated (ECE "
        "0.110): five Gaussians over 7,510 weights fitted to 200 samples.\n"
        "- BALD is zero for the point estimate (one draw), so SGD's BALD AUROC is "
        "0.5 by construction.\n\n"
        "The histogram shows where the posteriors put clean and noise inputs."
    ),
    new_code_cell(
        "fig, axes = plt.subplots(1, len(models), figsize=(15, 3), sharey=True)\n"
        "for ax, (name, est) in zip(axes, models.items()):\n"
        "    bins = np.linspace(0, np.log(10), 30)\n"
        '    ax.hist(est.uncertainty(X_test), bins, alpha=0.6, label="digits")\n'
        '    ax.hist(est.uncertainty(X_noise), bins, alpha=0.6, label="noise")\n'
        "    ax.set_title(name)\n"
        '    ax.set_xlabel("predictive entropy")\n'
        "axes[0].legend()\n"
        "plt.tight_layout()"
    ),
]


def ruff_format(code):
    """``code`` as ``ruff format`` writes it (the project's settings)."""
    import subprocess
    import sys

    res = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "cell.py", "-"],
        input=code, capture_output=True, text=True, check=True, cwd=HERE,
    )  # fmt: skip
    return res.stdout.rstrip("\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--execute", action="store_true")
    ap.add_argument("--out", default=str(HERE / "compare_posteriors.ipynb"))
    args = ap.parse_args()
    nb = new_notebook(cells=CELLS, metadata={"kernelspec": {"name": "python3",
                      "display_name": "Python 3", "language": "python"}})  # fmt: skip
    if args.execute:
        from nbclient import NotebookClient

        NotebookClient(nb, timeout=1200, kernel_name="python3").execute()
    for cell in nb.cells:  # the committed notebook is ruff-formatted, as CI checks
        if cell.cell_type == "code":
            cell.source = ruff_format(cell.source)
    nbformat.write(nb, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
