"""Evidence (#23): scikit-learn's diabetes data, 5-fold CV, Bayesian networks vs baselines.

Not a speed benchmark. 442 patients, 10 features, a disease-progression
target (25-346). Every model is ``make_pipeline(StandardScaler(), model)``;
the folds are ``KFold(5, shuffle=True, random_state=0)``. Per fold it records
RMSE, Gaussian NLPD (nats per point; the predictive's mean and standard
deviation from ``predict(X, return_std=True)``), CRPS and the coverage of
the central 90% interval (``sklearn_apd.metrics``), the fit time and the
floats kept for prediction.

Models: ``BayesianRidge``; ``GaussianProcessRegressor`` (RBF + white-noise
kernel, ``normalize_y=True``); ``mlp``, scikit-learn's ``MLPRegressor`` (a
deterministic network; its "standard deviation" is the training residuals'
RMS, a homoscedastic Gaussian around its point prediction, as a user would
add one); ``sgld`` (SGLDRegressor, settings in ``SGLD``); ``apd``
(APDRegressor distilling that fold's SGLD samples); ``sgld_cv`` (the
same SGLD with ``weight_decay`` chosen from ``WEIGHT_DECAYS`` by a 3-fold
``GridSearchCV`` on the NLPD scorer inside each training fold); ``mcd``
(MCDropoutRegressor).

Usage::

    python benchmarks/regression_diabetes.py [MODEL ...]   # default: all
    python benchmarks/regression_diabetes.py summary

Results: ``benchmarks/results/regression_diabetes.json`` (per fold) and
``regression_diabetes.md``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.frozen import FrozenEstimator
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.linear_model import BayesianRidge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_apd import APDRegressor, MCDropoutRegressor, SGLDRegressor
from sklearn_apd.experiments import cpu_description
from sklearn_apd.metrics import (
    crps_gaussian,
    gaussian_nlpd,
    interval_coverage,
    make_regression_scorer,
)

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "regression_diabetes.json"
#: 50 hidden units; prior precision N * weight_decay (about 350 * 0.01 = 3.5).
SGLD = dict(
    module__hidden_units=(50,),
    lr=0.002,
    weight_decay=0.01,
    max_iter=40_000,
    burn_in=10_000,
    thinning=30,
    batch_size=32,
    n_samples=500,
)
MCD = dict(
    module__hidden_units=(50,),
    dropout=0.1,
    lr=0.005,
    weight_decay=0.01,
    max_iter=5000,
    batch_size=32,
    n_samples=500,
)
APD = dict(max_iter=3000, standardize=True, n_samples=500)
#: ``sgld_cv``: the prior precision chosen inside each training fold by a 3-fold
#: GridSearchCV on the NLPD scorer (the test fold is never seen).
WEIGHT_DECAYS = [0.01, 0.1, 1.0]
MODELS = ("bayesian_ridge", "gp", "mlp", "sgld", "sgld_cv", "apd", "mcd")


class _ResidualGaussian:
    """A point regressor with a homoscedastic Gaussian: std = the training residuals' RMS."""

    def __init__(self, pipe):
        self.pipe = pipe

    def fit(self, X, y):
        self.pipe.fit(X, y)
        self.std_ = float(np.sqrt(np.mean((self.pipe.predict(X) - y) ** 2)))
        return self

    def predict(self, X, return_std=False):
        mean = self.pipe.predict(X)
        return (mean, np.full_like(mean, self.std_)) if return_std else mean


def _model(name, seed):
    if name == "bayesian_ridge":
        return make_pipeline(StandardScaler(), BayesianRidge())
    if name == "gp":
        kernel = ConstantKernel() * RBF(np.ones(10)) + WhiteKernel()
        gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)
        return make_pipeline(StandardScaler(), gp)
    if name == "mlp":
        mlp = MLPRegressor(hidden_layer_sizes=(50,), alpha=1.0, max_iter=2000, random_state=seed)
        return _ResidualGaussian(make_pipeline(StandardScaler(), mlp))
    if name == "sgld":
        return make_pipeline(
            StandardScaler(), SGLDRegressor(**SGLD, device="cpu", random_state=seed)
        )
    if name == "sgld_cv":
        return GridSearchCV(
            _model("sgld", seed),
            {"sgldregressor__weight_decay": WEIGHT_DECAYS},
            scoring=make_regression_scorer("nlpd"),
            cv=3,
            n_jobs=2,
        )
    if name == "mcd":
        return make_pipeline(
            StandardScaler(), MCDropoutRegressor(**MCD, device="cpu", random_state=seed)
        )
    raise SystemExit(f"unknown model {name!r}")


def _storage(name, est):
    if isinstance(est, GridSearchCV):
        return _storage("sgld", est.best_estimator_)
    final = est.pipe[-1] if isinstance(est, _ResidualGaussian) else est[-1]
    if name == "sgld":
        return int(final.n_parameters_ * min(final.n_samples, len(final.samples_)))
    if name in ("apd", "mcd"):
        return int(final.storage_size_)
    if name == "gp":
        return int(final.X_train_.size + final.alpha_.size)
    if name == "mlp":
        return int(sum(w.size for w in final.coefs_) + sum(b.size for b in final.intercepts_))
    return int(final.coef_.size + 1)


def run(models):
    X, y = load_diabetes(return_X_y=True)
    record = json.loads(OUT.read_text()) if OUT.exists() else {}
    record.update(machine=cpu_description(), date=time.strftime("%Y-%m-%d"))
    record["settings"] = {"sgld": SGLD, "mcd": MCD, "apd": APD}
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    for name in models:
        rows = []
        for k, (tr, te) in enumerate(folds):
            t0 = time.perf_counter()
            if name == "apd":
                scaler = StandardScaler().fit(X[tr])
                sgld = SGLDRegressor(**SGLD, device="cpu", random_state=k)
                sgld.fit(scaler.transform(X[tr]), y[tr])
                t0 = time.perf_counter()
                apd = APDRegressor(FrozenEstimator(sgld), **APD, device="cpu", random_state=k)
                est = make_pipeline(scaler, apd.fit(scaler.transform(X[tr]), y[tr]))
            else:
                est = _model(name, k).fit(X[tr], y[tr])
            fit_time = time.perf_counter() - t0
            if isinstance(est, GridSearchCV):
                best = est.best_params_["sgldregressor__weight_decay"]
                mean, std = est.best_estimator_.predict(X[te], return_std=True)
            else:
                best = None
                mean, std = est.predict(X[te], return_std=True)
            rows.append(
                {
                    "fold": k,
                    **({"chosen_weight_decay": best} if best is not None else {}),
                    "rmse": float(np.sqrt(np.mean((y[te] - mean) ** 2))),
                    "nlpd": gaussian_nlpd(y[te], mean, std),
                    "crps": crps_gaussian(y[te], mean, std),
                    "coverage90": interval_coverage(y[te], mean, std, level=0.9),
                    "fit_time_s": round(fit_time, 1),
                    "storage_floats": _storage(name, est),
                }
            )
            print(name, json.dumps(rows[-1]), flush=True)
        record[name] = rows
        RESULTS.mkdir(exist_ok=True)
        OUT.write_text(json.dumps(record, indent=1))


def summary():
    record = json.loads(OUT.read_text())
    lines = [
        f"# Diabetes, 5-fold CV: {record['machine']}, {record['date']}",
        "",
        "Mean +- standard deviation over the 5 folds (NLPD in nats per point; lower is "
        "better for RMSE, NLPD, CRPS).",
        "",
        "| model | RMSE | NLPD | CRPS | 90% coverage | fit (s) | storage (floats) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in MODELS:
        if name not in record:
            continue
        rows = record[name]

        def col(key, fmt="{:.2f}", rows=rows):
            v = np.array([r[key] for r in rows])
            return f"{fmt.format(v.mean())} +- {fmt.format(v.std())}"

        lines.append(
            f"| {name} | {col('rmse')} | {col('nlpd', '{:.3f}')} | {col('crps')} | "
            f"{col('coverage90')} | {col('fit_time_s', '{:.0f}')} | "
            f"{int(np.mean([r['storage_floats'] for r in rows])):,} |"
        )
    (RESULTS / "regression_diabetes.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:] == ["summary"]:
        summary()
    else:
        run(sys.argv[1:] or list(MODELS))
