"""Bayesian regression with error bars: the cubic toy of Hernandez-Lobato & Adams (2015).

20 points ``y = x^3 + N(0, 3^2)`` with ``x`` in [-4, 4]; the predictive mean
and a band of +- 3 standard deviations on [-6, 6] for SGLDRegressor, its
APD distillation (APDRegressor) and MCDropoutRegressor, as in the paper's
Figure 2. The inputs are divided by 4 (into [-1, 1], what a StandardScaler
would do); the regressors standardize ``y`` themselves. Each panel's title
gives the coverage of the 90% interval on 2,000 fresh points. The SGLD chain
here is 40,000 steps (``benchmarks/regression_toy.py`` runs 100,000 over 3
seeds, with the numbers in ``benchmarks/RESULTS.md``).

    python examples/plot_regression_toy.py [--iterations 40000] [--apd-iter 2000]
        [--out regression_toy.png]
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from sklearn_apd import APDRegressor, MCDropoutRegressor, SGLDRegressor  # noqa: E402
from sklearn_apd.datasets import make_cubic_toy  # noqa: E402
from sklearn_apd.metrics import interval_coverage  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="regression_toy.png")
    ap.add_argument("--iterations", type=int, default=40_000, help="SGLD steps")
    ap.add_argument("--apd-iter", type=int, default=2000, help="generator updates")
    args = ap.parse_args()
    X, y = make_cubic_toy(20, random_state=0)
    X_test, y_test = make_cubic_toy(2000, random_state=1)
    scale = 4.0
    t0 = time.perf_counter()
    # Prior precision on each weight: N * weight_decay = 20 * 0.05 = 1.
    sgld = SGLDRegressor(
        lr=0.001,
        weight_decay=0.05,
        max_iter=args.iterations,
        burn_in=args.iterations // 4,
        thinning=max(1, args.iterations // 2000),
        batch_size=20,
        n_samples=300,
        module__hidden_units=(50,),
        random_state=0,
    ).fit(X / scale, y)
    models = {
        "SGLD": sgld,
        "APD": APDRegressor(
            FrozenEstimator(sgld),
            max_iter=args.apd_iter,
            standardize=True,
            n_samples=300,
            random_state=0,
        ).fit(X / scale, y),
        "MC dropout": MCDropoutRegressor(
            lr=0.01,
            dropout=0.1,
            max_iter=5000,
            batch_size=20,
            n_samples=300,
            module__hidden_units=(50,),
            random_state=0,
        ).fit(X / scale, y),
    }
    grid = np.linspace(-6, 6, 241, dtype=np.float32)[:, None]
    fig, axes = plt.subplots(1, len(models), figsize=(10, 3.2), sharey=True)
    for ax, (name, model) in zip(axes, models.items()):
        mean, std = model.predict(grid / scale, return_std=True)
        m_test, s_test = model.predict(X_test / scale, return_std=True)
        cover = interval_coverage(y_test, m_test, s_test, level=0.9)
        ax.fill_between(grid[:, 0], mean - 3 * std, mean + 3 * std, alpha=0.3)
        ax.plot(grid[:, 0], mean, label="predictive mean")
        ax.plot(grid[:, 0], grid[:, 0] ** 3, "k--", lw=1, label="x^3")
        ax.plot(X[:, 0], y, "r.", label="data")
        ax.set_title(f"{name}: 90% interval covers {cover:.0%}")
        ax.set_ylim(-200, 200)
        ax.set_xlabel("x")
        print(
            f"{name:>10}: 90% coverage {cover:.3f}, std at x=0 {std[120]:.1f}, "
            f"at x=6 {std[-1]:.1f}"
        )
    axes[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
