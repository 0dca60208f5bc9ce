"""Evidence (#24): cyclical SGLD visits both modes of a bimodal posterior; constant SGLD does not.

Not a speed benchmark. The target of ``tests/test_schedules.py``: one weight ``w``, class 1's
logit ``w**2``, 44 of 50 identical inputs in class 1, so the posterior is symmetric with modes
at ``w = +-1.41`` (sd 0.16 each) and a 16-nat barrier at 0; the grid density is the
reference. Every run is 20,000 iterations in minibatches of 5 (equal gradient evaluations),
``burn_in=1000``, ``thinning=10``; cyclical runs have 20 cycles of 1,000 iterations.

Runs, for seeds 0, 1, 2: constant SGLD at ``lr`` 0.5 (a step that samples one mode well)
and at 4.0 (the cyclical peak), cyclical SGLD with peak 4.0 and ``exploration_fraction``
0.8 (the default) and 0.5. Recorded: the share of samples in the ``w > 0`` mode (0.5 is
right), the mean and sd of ``|w|`` against the reference, seconds.

Usage::

    python benchmarks/cyclical_bimodal.py     # writes results/cyclical_bimodal.json and .md
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from test_schedules import bimodal_fit, bimodal_reference  # noqa: E402

from sklearn_apd.experiments import cpu_description  # noqa: E402

RESULTS = Path(__file__).parent / "results"
RUNS = [
    ("constant, lr 0.5", "constant", 0.5, 0.8),
    ("constant, lr 4.0", "constant", 4.0, 0.8),
    ("cyclical, peak 4.0, exploration 0.8", "cyclical", 4.0, 0.8),
    ("cyclical, peak 4.0, exploration 0.5", "cyclical", 4.0, 0.5),
]


def main():
    mean, sd = bimodal_reference()
    rows = []
    for name, schedule, lr, beta in RUNS:
        for seed in range(3):
            t0 = time.perf_counter()
            w = bimodal_fit(schedule, lr, seed, exploration_fraction=beta)
            rows.append(
                dict(
                    run=name, seed=seed, share_positive=float(np.mean(w > 0)),
                    abs_mean=float(np.abs(w).mean()), abs_sd=float(np.abs(w).std()),
                    n_samples=len(w), seconds=round(time.perf_counter() - t0, 1),
                )
            )  # fmt: skip
            print(rows[-1], flush=True)
    out = dict(
        reference=dict(share_positive=0.5, abs_mean=mean, abs_sd=sd),
        rows=rows,
        machine=cpu_description(),
        date=time.strftime("%Y-%m-%d"),
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cyclical_bimodal.json").write_text(json.dumps(out, indent=1))
    lines = [
        f"Reference (grid): share in w > 0 = 0.5, mean |w| = {mean:.3f}, sd |w| = {sd:.3f}.",
        "",
        "| run | share in w > 0 (seeds 0, 1, 2) | mean abs(w) | sd abs(w) | s per fit |",
        "|---|---|---|---|---|",
    ]
    for name, *_ in RUNS:
        r = [row for row in rows if row["run"] == name]
        shares = ", ".join(f"{x['share_positive']:.2f}" for x in r)
        lines.append(
            f"| {name} | {shares} "
            f"| {np.mean([x['abs_mean'] for x in r]):.3f} "
            f"| {np.mean([x['abs_sd'] for x in r]):.3f} "
            f"| {np.mean([x['seconds'] for x in r]):.1f} |"
        )
    (RESULTS / "cyclical_bimodal.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
