"""Evidence (#23): the 1-D regression toy of Hernandez-Lobato & Adams (2015), Figure 2.

Not a speed benchmark. 20 training points ``y = x^3 + N(0, 3^2)``, ``x`` in
[-4, 4] (``datasets.make_cubic_toy``); the inputs are divided by 4 (so the
data lie in [-1, 1], as a ``StandardScaler`` would put them), the targets are
standardized by the estimators (``normalize_y=True``). For each seed (the
training draw and the estimator's ``random_state``) and method it records, on
2,000 fresh points from the same distribution:

- the coverage of the central 90% interval ``mean +- 1.645 std`` (target:
  0.85-0.95), the RMSE, the Gaussian NLPD and CRPS (``sklearn_apd.metrics``);
- the predictive standard deviation at x = 0 (inside the data) and at
  x = -6, 6 (outside), which should grow;
- fit time and storage (floats).

Methods: ``sgld`` (SGLDRegressor, the settings in ``SGLD`` below), ``sghmc``
(the same regressor with ``method="sghmc"``, 20,000 iterations), ``apd``
(APDRegressor distilling that fit's samples, standardize=True), ``mcd``
(MCDropoutRegressor) and ``gp`` (scikit-learn's GaussianProcessRegressor with
an RBF + white-noise kernel, the reference a user would reach for).

Usage::

    python benchmarks/regression_toy.py SEED [METHOD ...]   # one seed
    python benchmarks/regression_toy.py summary             # Markdown table + plot
    python benchmarks/regression_toy.py sweep               # SGLD's step size (seed 0)

Results: ``benchmarks/results/regression_toy_SEED.json``,
``regression_toy.md`` and ``regression_toy.png`` (seed 0, like the paper's figure).
``sweep`` fits SGLD at ``lr`` 0.01, 0.002 and 0.001 (the same number of
iterations per unit of ``lr``: 10,000, 50,000, 100,000) and records the learned
noise standard deviation (the true one is 3) and the coverage:
``regression_toy_sweep.json``.
"""

from __future__ import annotations

import glob
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

from sklearn_apd import APDRegressor, MCDropoutRegressor, SGLDRegressor
from sklearn_apd.datasets import make_cubic_toy
from sklearn_apd.experiments import cpu_description
from sklearn_apd.metrics import crps_gaussian, gaussian_nlpd, interval_coverage

RESULTS = Path(__file__).parent / "results"
SCALE = 4.0  # x / 4: the data in [-1, 1]
#: SGLD: 50 hidden units, prior precision N * weight_decay = 1 on each weight,
#: a small step (the learned noise precision multiplies the gradient) and a long chain.
SGLD = dict(
    module__hidden_units=(50,),
    lr=0.001,
    weight_decay=0.05,
    max_iter=100_000,
    burn_in=25_000,
    thinning=75,
    batch_size=20,
    n_samples=500,
)
#: SGHMC (method="sghmc", friction 0.1): the same posterior, a fifth of the iterations.
SGHMC = dict(SGLD, method="sghmc", lr=0.001, max_iter=20_000, burn_in=5_000, thinning=15)
MCD = dict(
    module__hidden_units=(50,), dropout=0.1, lr=0.01, max_iter=5000, batch_size=20, n_samples=500
)
APD = dict(max_iter=3000, standardize=True, n_samples=500)
GRID = np.linspace(-6, 6, 241, dtype=np.float32)[:, None]


def _scores(est, X_test, y_test, **predict_kw):
    mean, std = est.predict(X_test / SCALE, return_std=True, **predict_kw)
    _, std_at = est.predict(np.array([[-6.0], [0.0], [6.0]]) / SCALE, return_std=True)
    return {
        "coverage90": interval_coverage(y_test, mean, std, level=0.9),
        "rmse": float(np.sqrt(np.mean((y_test - mean) ** 2))),
        "nlpd": gaussian_nlpd(y_test, mean, std),
        "crps": crps_gaussian(y_test, mean, std),
        "std_at_minus6_0_6": [float(v) for v in std_at],
    }


def run(seed, methods):
    X, y = make_cubic_toy(20, random_state=seed)
    X_test, y_test = make_cubic_toy(2000, random_state=1000 + seed)
    out_path = RESULTS / f"regression_toy_{seed}.json"
    record = json.loads(out_path.read_text()) if out_path.exists() else {}
    record.update(seed=seed, machine=cpu_description(), date=time.strftime("%Y-%m-%d"))
    curves = record.setdefault("curves", {})
    sgld = None
    for method in methods:
        t0 = time.perf_counter()
        if method == "sgld" or (method == "apd" and sgld is None):
            sgld = SGLDRegressor(**SGLD, device="cpu", random_state=seed).fit(X / SCALE, y)
            sgld_time = time.perf_counter() - t0
        if method == "sgld":
            est, fit_time, storage = sgld, sgld_time, int(sgld.n_parameters_ * SGLD["n_samples"])
        elif method == "sghmc":
            est = SGLDRegressor(**SGHMC, device="cpu", random_state=seed).fit(X / SCALE, y)
            fit_time = time.perf_counter() - t0
            storage = int(est.n_parameters_ * SGHMC["n_samples"])
        elif method == "apd":
            t0 = time.perf_counter()
            est = APDRegressor(FrozenEstimator(sgld), **APD, device="cpu", random_state=seed)
            est.fit(X / SCALE, y)
            fit_time, storage = time.perf_counter() - t0, int(est.storage_size_)
        elif method == "mcd":
            est = MCDropoutRegressor(**MCD, device="cpu", random_state=seed).fit(X / SCALE, y)
            fit_time, storage = time.perf_counter() - t0, int(est.storage_size_)
        elif method == "gp":
            kernel = ConstantKernel() * RBF() + WhiteKernel()
            est = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=5)
            est.set_params(random_state=seed).fit(X / SCALE, y)
            fit_time, storage = time.perf_counter() - t0, int(X.size + 3)
        else:
            raise SystemExit(f"unknown method {method!r}")
        scores = _scores(est, X_test, y_test)
        scores.update(fit_time_s=round(fit_time, 1), storage_floats=storage)
        record[method] = scores
        mean, std = est.predict(GRID / SCALE, return_std=True)
        curves[method] = {"mean": mean.tolist(), "std": std.tolist()}
        print(f"seed {seed} {method}: {json.dumps(scores)}", flush=True)
    record["train"] = {"x": X[:, 0].tolist(), "y": y.tolist()}
    record["settings"] = {"sgld": SGLD, "sghmc": SGHMC, "mcd": MCD, "apd": APD, "x_scale": SCALE}
    RESULTS.mkdir(exist_ok=True)
    out_path.write_text(json.dumps(record, indent=1, default=str))


def summary():
    records = [
        json.loads(Path(p).read_text())
        for p in sorted(glob.glob(str(RESULTS / "regression_toy_[0-9]*.json")))
    ]
    if not records:
        raise SystemExit("no results yet")
    methods = [m for m in ("sgld", "sghmc", "apd", "mcd", "gp") if all(m in r for r in records)]
    lines = [
        f"# Cubic toy (Hernandez-Lobato & Adams 2015): {len(records)} seeds, "
        f"{records[0]['machine']}, {records[0]['date']}",
        "",
        "Mean (min-max) over seeds; 2,000 fresh test points; std at x = -6 / 0 / 6 "
        "(the data lie in [-4, 4]).",
        "",
        "| method | 90% coverage | RMSE | NLPD | CRPS | std at -6 / 0 / 6 | fit (s) "
        "| storage (floats) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in methods:

        def col(key, fmt="{:.2f}", m=m):
            v = np.array([r[m][key] for r in records])
            return f"{fmt.format(v.mean())} ({fmt.format(v.min())}-{fmt.format(v.max())})"

        std = np.mean([r[m]["std_at_minus6_0_6"] for r in records], axis=0)
        lines.append(
            f"| {m} | {col('coverage90')} | {col('rmse')} | {col('nlpd')} | {col('crps')} | "
            f"{std[0]:.1f} / {std[1]:.1f} / {std[2]:.1f} | {col('fit_time_s', '{:.0f}')} | "
            f"{int(np.mean([r[m]['storage_floats'] for r in records])):,} |"
        )
    (RESULTS / "regression_toy.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    _plot(records[0], methods)


def _plot(record, methods):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(methods), figsize=(3.2 * len(methods), 3.0), sharey=True)
    x = GRID[:, 0]
    for ax, m in zip(np.atleast_1d(axes), methods):
        c = record["curves"][m]
        mean, std = np.array(c["mean"]), np.array(c["std"])
        ax.fill_between(x, mean - 3 * std, mean + 3 * std, alpha=0.3, label="mean +- 3 std")
        ax.plot(x, mean, label="mean")
        ax.plot(x, x**3, "k--", lw=1, label="x^3")
        ax.plot(record["train"]["x"], record["train"]["y"], "r.", label="data")
        ax.set_title(m)
        ax.set_ylim(-200, 200)
        ax.set_xlabel("x")
    np.atleast_1d(axes)[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(RESULTS / "regression_toy.png", dpi=110)


def sweep():
    X, y = make_cubic_toy(20, random_state=0)
    X_test, y_test = make_cubic_toy(2000, random_state=1000)
    rows = []
    for lr, iters in ((0.01, 10_000), (0.002, 50_000), (0.001, 100_000)):
        settings = {**SGLD, "lr": lr, "max_iter": iters, "burn_in": iters // 4}
        settings["thinning"] = max(1, iters // 1333)
        t0 = time.perf_counter()
        est = SGLDRegressor(**settings, device="cpu", random_state=0).fit(X / SCALE, y)
        noise = float(np.sqrt(est.uncertainty(np.zeros((1, 1)), kind="aleatoric")[0]))
        row = {
            "lr": lr,
            "max_iter": iters,
            "learned_noise_std": noise,
            **_scores(est, X_test, y_test),
        }
        row["fit_time_s"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    record = {"machine": cpu_description(), "date": time.strftime("%Y-%m-%d"), "rows": rows}
    (RESULTS / "regression_toy_sweep.json").write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    if sys.argv[1:] == ["summary"]:
        summary()
    elif sys.argv[1:] == ["sweep"]:
        sweep()
    else:
        run(int(sys.argv[1]), sys.argv[2:] or ["sgld", "apd", "mcd", "gp"])
