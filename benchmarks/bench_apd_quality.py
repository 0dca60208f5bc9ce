"""APD on a real posterior: storage, accuracy and notMNIST AUROC against 200 SGLD samples.

The APD issue's quality targets, measured on MNIST with fcNN1 (784-100-10,
79,510 weights), inputs in [-1, 1], the ANCHORS.md protocol:

1. SGLD: 200,000 iterations of batch 100 (400 epochs of 50,000 images),
   burn-in 500, every 100th state offered to a 1,000-sample reservoir; the
   reference is 200 of them. Cached (``--cache``), since every variant distils the same run.
2. Baselines from the same samples: a diagonal Gaussian (one-component
   ``GaussianMixturePosterior``) and, for each APD variant, its generator
   before any GAN update.
3. APD variants distilled for ``--minutes`` of wall time each (evaluation
   excluded from the clock), evaluated every ``--eval-every`` seconds:
   test accuracy on the 10,000 MNIST test images, AUROC of entropy and BALD
   for 2,000 MNIST test images vs 2,000 notMNIST test images x 5, all with
   200 posterior draws; and the same on held-out data for choosing a
   checkpoint: the first 2,000 MNIST validation images (the last 10,000
   training images) vs notMNIST images 2,000-3,999 x 5.
4. The checkpoint of each curve with the best validation score (mean of the
   validation entropy and BALD AUROC), and its test numbers: a number of
   updates chosen without looking at the test images it is reported on.

Prints one Markdown table per variant (the curve over wall time) and a summary
with storage as a fraction of the 200 samples' floats; ``--out`` also writes
them as JSON.

Usage::

    python benchmarks/bench_apd_quality.py --data-home ../shared/data \\
        --cache /tmp/apdq --minutes 30 --variants small
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import APDClassifier, GaussianMixturePosterior, SGLDClassifier
from sklearn_apd import datasets as D
from sklearn_apd.experiments import cpu_description
from sklearn_apd.metrics import ood_auroc
from sklearn_apd.uncertainty import get_measure

RANGE = (-1.0, 1.0)
N_DRAWS = 200

VARIANTS = {
    # APDClassifier's defaults: the paper's generator and critic (3 x 100) on raw
    # weights, WGAN-GP with Adam 1e-4.
    "default": dict(),
    # The paper's generator and critic (3 x 100), on raw weights, lr 1e-4.
    "paper": dict(),
    # The paper's networks on standardised weights, lr 1e-3.
    "paper-std": dict(standardize=True, lr=1e-3),
    # A 16-unit last hidden layer: about 1/10 of the 200 samples' floats.
    "small": dict(generator_units=(100, 100, 16), standardize=True, lr=1e-3),
    # 18 units: the widest last layer within 1/10 of the floats once the
    # standardization is folded into it (0.096).
    "small18": dict(generator_units=(100, 100, 18), standardize=True, lr=1e-3),
    # Other last-layer widths, for performance vs generator size.
    "last4": dict(generator_units=(100, 100, 4), standardize=True, lr=1e-3),
    "last32": dict(generator_units=(100, 100, 32), standardize=True, lr=1e-3),
}


def load(data_home, n_ood=2000):
    """Train, test and validation MNIST and two disjoint notMNIST parts (test, validation)."""
    kw = dict(data_home=data_home, input_range=RANGE, return_X_y=True)
    X, y = D.load_mnist("train", **kw)
    Xt, yt = D.load_mnist("test", **kw)
    Xv, yv = D.load_mnist("validation", **kw)
    notmnist = D.load_notmnist(data_home=data_home, input_range=RANGE, scale=D.PAPER_OOD_SCALE)
    ood, ood_val = notmnist.data[:n_ood], notmnist.data[n_ood : 2 * n_ood]
    return X, y, Xt, yt, ood, Xv[:n_ood], yv[:n_ood], ood_val


def sgld_posterior(X, y, cache, epochs):
    path = Path(cache) / f"sgld_fcnn1_{epochs}.joblib"
    if path.exists():
        return joblib.load(path), None
    t0 = time.perf_counter()
    sgld = SGLDClassifier(
        module__hidden_units="fcNN1",
        max_epochs=epochs,
        burn_in=500,
        thinning=100,
        n_samples=N_DRAWS,
        max_samples=1000,
        device="cpu",
        random_state=0,
    ).fit(X, y)
    seconds = time.perf_counter() - t0
    Path(cache).mkdir(parents=True, exist_ok=True)
    joblib.dump(sgld, path)
    return sgld, seconds


def evaluate(est, Xt, yt, ood, n_draws=N_DRAWS):
    """Accuracy (all test images) and AUROC (first len(ood) test images vs ood)."""
    probas = est.predict_proba_samples(np.concatenate([Xt, ood]), n_samples=n_draws)
    p_in, p_out = probas[:, : len(Xt)], probas[:, len(Xt) :]
    acc = float((p_in.mean(0).argmax(1) == yt).mean())
    m = len(ood)
    row = {"accuracy": acc}
    for kind in ("entropy", "bald"):
        measure = get_measure(kind)
        row[f"auroc_{kind}"] = ood_auroc(measure(p_in[:, :m]), measure(p_out))
    return row


def distill(sgld, X, y, params, minutes, eval_every, evaluate_fn, seed=0):
    """Distil for ``minutes`` of wall time; the curve of evaluations over time.

    Through the public API: ``warm_start=True`` fits of ``max_iter`` updates
    each, sized from the measured update rate to reach the next evaluation;
    the clock counts the fits only (evaluation excluded). The first point is
    after 10 updates.
    """
    apd = APDClassifier(
        FrozenEstimator(sgld),
        max_iter=10,
        n_samples=N_DRAWS,
        warm_start=True,
        device="cpu",
        random_state=seed,
    )
    apd.set_params(**params)
    t0 = time.perf_counter()
    apd.fit(X, y)
    clock = time.perf_counter() - t0
    per_update = clock / apd.n_iter_
    curve = [{"iteration": apd.n_iter_, "seconds": round(clock, 1), **evaluate_fn(apd)}]
    print(_row(curve[-1]), flush=True)
    while clock < 60 * minutes:
        step = min(eval_every, 60 * minutes - clock)
        apd.set_params(max_iter=max(1, round(step / per_update)))
        before = apd.n_iter_
        t0 = time.perf_counter()
        apd.fit(X, y)
        dt = time.perf_counter() - t0
        clock += dt
        per_update = dt / (apd.n_iter_ - before)
        curve.append({"iteration": apd.n_iter_, "seconds": round(clock, 1), **evaluate_fn(apd)})
        print(_row(curve[-1]), flush=True)
    return apd, curve, int(apd.storage_size_)


def _row(r):
    return (
        f"| {r['iteration']} | {r['seconds']:.0f} | {100 * r['accuracy']:.2f} "
        f"| {100 * r['auroc_entropy']:.2f} | {100 * r['auroc_bald']:.2f} "
        f"| {100 * r['val_auroc_entropy']:.2f} | {100 * r['val_auroc_bald']:.2f} |"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--cache", default="apd_quality_cache")
    ap.add_argument("--sgld-epochs", type=int, default=400)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--eval-every", type=float, default=120.0)
    ap.add_argument("--variants", nargs="+", default=["small"], choices=sorted(VARIANTS))
    ap.add_argument("--draw-counts", action="store_true", help="Figure 6: vs number of draws")
    ap.add_argument("--seed", type=int, default=0, help="APD's random_state (seed study)")
    ap.add_argument("--out", default=None, help="JSON file for all results")
    args = ap.parse_args()
    print(
        f"# bench_apd_quality  {time.strftime('%Y-%m-%d %H:%M')}  {cpu_description()}  "
        f"torch {torch.__version__}  threads {torch.get_num_threads()}  APD seed {args.seed}"
    )
    X, y, Xt, yt, ood, Xv, yv, ood_val = load(args.data_home)
    sgld, fit_s = sgld_posterior(X, y, args.cache, args.sgld_epochs)
    p = sgld.n_parameters_
    budget = N_DRAWS * p  # floats of the 200 reference samples
    print(
        f"SGLD: {sgld.samples_.shape[0]} samples of {p} weights"
        + (f", fitted in {fit_s:.0f} s" if fit_s else " (cached)")
    )

    def ev(est):
        row = evaluate(est, Xt, yt, ood)
        val = evaluate(est, Xv, yv, ood_val)
        return {**row, **{f"val_{k}": v for k, v in val.items()}}

    results = {"sgld": {**ev(sgld), "storage": budget}}
    gmm = GaussianMixturePosterior(FrozenEstimator(sgld), n_samples=N_DRAWS, random_state=0)
    results["diagonal-gaussian"] = {**ev(gmm.fit(X, y)), "storage": int(gmm.storage_size_)}
    head = (
        "| iteration | seconds | accuracy % | AUROC entropy % | AUROC BALD % "
        "| validation AUROC entropy % | validation AUROC BALD % |\n"
        "|---|---|---|---|---|---|---|"
    )
    for name in ("sgld", "diagonal-gaussian"):
        r = results[name]
        print(f"{name}: {_row({'iteration': '-', 'seconds': 0, **r})} storage {r['storage']:,}")
    for name in args.variants:
        print(f"\n## {name} {VARIANTS[name]}\n\n{head}")
        apd, curve, storage = distill(
            sgld, X, y, VARIANTS[name], args.minutes, args.eval_every, ev, seed=args.seed
        )
        results[name] = {**curve[-1], "storage": storage, "curve": curve}
        best = max(curve, key=lambda r: r["val_auroc_entropy"] + r["val_auroc_bald"])
        results[f"{name}, chosen on validation"] = {**best, "storage": storage}
        print(
            f"chosen on validation: iteration {best['iteration']} (validation AUROC entropy "
            f"{100 * best['val_auroc_entropy']:.2f}, BALD {100 * best['val_auroc_bald']:.2f}; "
            f"SGLD's {100 * results['sgld']['val_auroc_entropy']:.2f}, "
            f"{100 * results['sgld']['val_auroc_bald']:.2f})"
        )
        if args.draw_counts:
            counts = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
            results[name]["draws"] = {n: evaluate(apd, Xt, yt, ood, n_draws=n) for n in counts}
            results.setdefault(
                "sgld_draws", {n: evaluate(sgld, Xt, yt, ood, n_draws=n) for n in counts}
            )
    print(
        "\n| posterior | storage (floats) | fraction of 200 samples | accuracy % "
        "| AUROC entropy % | AUROC BALD % |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        if "storage" not in r:
            continue
        print(
            f"| {name} | {r['storage']:,} | {r['storage'] / budget:.3f} "
            f"| {100 * r['accuracy']:.2f} | {100 * r['auroc_entropy']:.2f} "
            f"| {100 * r['auroc_bald']:.2f} |"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
