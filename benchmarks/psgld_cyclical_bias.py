"""Evidence (#24): pSGLD with the cyclical schedule over-disperses the logistic posterior.

Not a speed benchmark. The Bayesian logistic regression of ``tests/test_sgld_posterior.py``
(50 points, 3 weights, ``weight_decay=0.1``) against its random-walk Metropolis reference:
8 vectorised chains of ``SGLDClassifier(method="psgld")``, 20,000 iterations, burn-in 4,000,
every 10th state. Rows: the constant schedule (``lr=0.005``, the slow test's setting, and with
minibatches of 10) and the cyclical one (4 cycles, ``exploration_fraction=0.5``, peak
``lr=0.005``, full batch) at preconditioner decays 0.99, 0.999 (the default) and 0.9999.
Recorded: the largest error of the mean in posterior standard deviations, the relative
Frobenius error of the covariance and each weight's variance ratio.

Usage::

    python benchmarks/psgld_cyclical_bias.py    # writes results/psgld_cyclical_bias.json
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from conftest import TwoClassLinear  # noqa: E402
from test_sgld_posterior import _data, _metropolis  # noqa: E402

from sklearn_apd import SGLDClassifier  # noqa: E402
from sklearn_apd.experiments import cpu_description  # noqa: E402

RUNS = [
    ("constant, full batch", "constant", len(_data()[1]), 0.999),
    ("constant, batch 10", "constant", 10, 0.999),
    ("cyclical, decay 0.99", "cyclical", 50, 0.99),
    ("cyclical, decay 0.999", "cyclical", 50, 0.999),
    ("cyclical, decay 0.9999", "cyclical", 50, 0.9999),
]


def main():
    X, y = _data()
    wd = 0.1
    ref = _metropolis(X, y, wd)
    mean, cov = ref.mean(0), np.cov(ref.T)
    rows = []
    for name, schedule, batch, decay in RUNS:
        clf = SGLDClassifier(
            module=TwoClassLinear, method="psgld", lr=0.005, weight_decay=wd, batch_size=batch,
            n_chains=8, max_iter=20_000, burn_in=4_000, thinning=10, max_samples=20_000,
            schedule=schedule, n_cycles=4, exploration_fraction=0.5,
            optimizer__precond_decay=decay, device="cpu", random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            s = clf.fit(X, y).samples_.double().numpy()
        z = np.linalg.solve(np.linalg.cholesky(cov), s.mean(0) - mean)
        emp = np.cov(s.T)
        rows.append(
            dict(
                run=name, mean_error_sd=float(np.abs(z).max()),
                cov_rel_error=float(np.linalg.norm(emp - cov) / np.linalg.norm(cov)),
                variance_ratio=[float(v) for v in np.diag(emp) / np.diag(cov)],
            )
        )  # fmt: skip
        print(rows[-1], flush=True)
    out = dict(rows=rows, machine=cpu_description(), date=time.strftime("%Y-%m-%d"))
    path = Path(__file__).parent / "results" / "psgld_cyclical_bias.json"
    path.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
