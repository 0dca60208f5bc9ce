"""APD in active learning (#20, item 1): does APD acquire worse points, or predict worse?

Not a speed benchmark. Figure 4 (``reproduce active-learning``) distils SGLD
into one GAN carried across rounds. Three APD curves on Figure 4's protocol
and settings (``budgets.active_learning_*_params``, pool of the 50,000 MNIST
training images, 20 initial labels, 10 per round by entropy over
``al_pool`` random pool points, accuracy on the first ``n_test`` test images),
next to the SGLD curve whose labelled sets the third one uses:

- ``sgld``: SGLD acquiring by entropy (Figure 4's "SGLD"); its labelled set
  of every round is saved with the curve;
- ``carried``: APD acquiring by entropy, one GAN carried across rounds
  (Figure 4's "APD");
- ``fresh``: APD acquiring by entropy, a new GAN every round with the same
  number of updates (``al_apd_iter``);
- ``on-sgld``: the carried APD fitted round by round on the ``sgld`` curve's
  labelled sets (no acquisition of its own): with ``carried`` it separates
  "APD acquires worse points" from "APD predicts worse". Needs the ``sgld``
  curve of the same seed and rounds first, or ``--labels-from`` Figure 4's
  own SGLD curve (its ``labeled_indices``); ``sgld`` and ``carried`` follow
  the protocol of Figure 4's first rounds, so Figure 4's curves can stand in
  for them (equal up to float rounding, which differs with the thread count);
- ``warm-chain``: APD acquiring by entropy, the GAN carried across rounds as
  in ``carried``, but distilling an SGLD chain that continues from the
  previous round's state (``SGLDClassifier(warm_start=True)`` behind a
  ``FrozenEstimator``) instead of a chain started cold every round: whether
  APD's collapses in Figure 4 come from the carried GAN chasing a new
  posterior mode each round;
- ``sgld-on-apd``: SGLD fitted afresh round by round on the labelled sets of
  Figure 4's ``APD`` curve (``--labels-from`` its results.json or
  ``curve_apd.json``): the reference code's Figure 4 protocol, where APD's
  draws only choose the points and the accuracy recorded every round is the
  SGLD posterior's (``active_learning.py`` of wangkua1/apd_public appends
  ``posterior_accuracy`` of the cold-started SGLD model); with ``sgld`` it
  says whether APD's acquisitions are as good as SGLD's.

Usage::

    NT=2 python benchmarks/al_apd_curves.py --data-home ../shared/data --seed 0 \
        --rounds 15 --budget large sgld carried fresh on-sgld
    NT=1 python benchmarks/al_apd_curves.py --data-home ../shared/data --seed 0 \
        --rounds 50 sgld-on-apd --labels-from docs/reproduction/active_learning_large.json
    python benchmarks/al_apd_curves.py summary

Results: ``benchmarks/results/al_apd_curves_SEED_VARIANT.json`` (curve, times,
settings); ``summary`` prints a Markdown table over the committed files.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from al_apd_updates import mnist
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.frozen import FrozenEstimator

from sklearn_apd import ActiveLearner, APDClassifier, SGLDClassifier
from sklearn_apd.experiments import BUDGETS, active_learning_sgld_params, cpu_description
from sklearn_apd.experiments._active_learning import replay_curve

RESULTS = Path(__file__).parent / "results"
VARIANTS = ("sgld", "carried", "fresh", "warm-chain", "on-sgld", "sgld-on-apd")


def path(seed, variant):
    return RESULTS / f"al_apd_curves_{seed}_{variant}.json"


def estimators(b, seed):
    sgld = SGLDClassifier(**active_learning_sgld_params(b), random_state=seed, verbose=0)
    apd = APDClassifier(
        sgld, max_iter=b.al_apd_iter, lr=b.apd_lr, standardize=b.apd_standardize,
        n_samples=b.al_samples, random_state=seed, verbose=0,
    )  # fmt: skip
    return sgld, apd


def figure4_curve(path, curve_name="SGLD"):
    """One curve of a ``reproduce active-learning`` results.json, or the curve of a part file
    (``curve_sgld.json``, ...)."""
    record = json.loads(Path(path).read_text())
    return record["result"] if "result" in record else record["results"][curve_name]


def sgld_labelled_sets(seed, rounds, labels_from=None, curve_name="SGLD"):
    """Each round's labelled set of SGLD's entropy curve: this script's ``sgld`` curve of
    ``seed``, or Figure 4's (``labels_from``: a ``reproduce active-learning`` results.json,
    or its part ``curve_sgld.json``, which record ``labeled_indices`` since 2026-12-04);
    of its curve ``curve_name`` (``"APD"`` for ``sgld-on-apd``).
    """
    if labels_from:
        curve = figure4_curve(labels_from, curve_name)
        if "labeled_indices" not in curve:
            raise SystemExit(f"{labels_from} records no labeled_indices (made before 2026-12-04)")
        sets = [curve["labeled_indices"][:n] for n in curve["n_labels"]]
    else:
        sets = json.loads(path(seed, "sgld").read_text())["labelled"]
    if len(sets) < rounds + 1:
        raise SystemExit(f"the SGLD curve has {len(sets) - 1} rounds, fewer than {rounds}")
    return sets[: rounds + 1]


class WarmChainAPD(ClassifierMixin, BaseEstimator):
    """APD distilling an SGLD chain that every ``fit`` continues (``warm-chain``).

    Each ``fit`` runs the chain on for ``sgld``'s budget from where the last
    one stopped, then continues the GAN (``apd`` with ``warm_start``) on those
    samples; the first fit starts both afresh. ``warm_start`` is here for
    ``ActiveLearner(warm_start=True)``, which refits this same object.
    """

    def __init__(self, sgld=None, apd=None, warm_start=True):
        self.sgld = sgld
        self.apd = apd
        self.warm_start = warm_start

    def fit(self, X, y):
        if not hasattr(self, "apd_"):
            self.sgld_ = clone(self.sgld).set_params(warm_start=True)
            self.apd_ = clone(self.apd).set_params(warm_start=True)
        self.sgld_.fit(X, y)
        self.apd_.set_params(sampler=FrozenEstimator(self.sgld_)).fit(X, y)
        self.classes_ = self.apd_.classes_
        return self

    def predict_proba_samples(self, X, n_samples=None):
        return self.apd_.predict_proba_samples(X, n_samples=n_samples)

    def predict_proba(self, X):
        return self.apd_.predict_proba(X)

    def predict(self, X):
        return self.apd_.predict(X)


def run(variant, b, seed, rounds, X, y, Xt, yt, labels_from=None):
    sgld, apd = estimators(b, seed)
    t0 = time.perf_counter()
    if variant == "on-sgld":
        sets = sgld_labelled_sets(seed, rounds, labels_from)
        apd.set_params(warm_start=True)
        accuracy = []
        for idx in sets:
            apd.fit(X[idx], y[idx])  # a new SGLD run, the GAN carried on
            accuracy.append(float(np.mean(apd.predict(Xt) == yt)))
        return {"accuracy": accuracy, "wall_time_s": round(time.perf_counter() - t0, 1)}
    if variant == "sgld-on-apd":
        if not labels_from:
            raise SystemExit("sgld-on-apd needs --labels-from (Figure 4's APD curve)")
        sets = sgld_labelled_sets(seed, rounds, labels_from, curve_name="APD")
        # Figure 4's own replay: SGLD cold-started on each labelled set, accuracy on (Xt, yt).
        curve = replay_curve(sgld, X, y, sets[-1], [len(s) for s in sets], (Xt, yt))
        return {
            "accuracy": curve["accuracy"],
            "wall_time_s": round(time.perf_counter() - t0, 1),
        }
    est, warm = {
        "sgld": (sgld, False),
        "carried": (apd, True),
        "fresh": (apd, False),
        "warm-chain": (WarmChainAPD(sgld, apd), True),
    }[variant]
    learner = ActiveLearner(
        est, query="entropy", batch_size=10, n_rounds=rounds, pool_subsample=b.al_pool,
        warm_start=warm, random_state=seed,
    )  # fmt: skip
    learner.fit(X, y, eval_set=(Xt, yt))
    out = {
        "accuracy": learner.learning_curve_["score"].tolist(),
        "wall_time_s": round(time.perf_counter() - t0, 1),
    }
    if variant == "sgld":  # each round's labelled set (acquisition order), for on-sgld
        n_labels = learner.learning_curve_["n_labels"]
        out["labelled"] = [learner.labeled_indices_[:n].tolist() for n in n_labels]
    return out


def summary():
    curves = {}
    for p in sorted(glob.glob(str(RESULTS / "al_apd_curves_*_*.json"))):
        seed, variant = Path(p).stem.split("_")[-2:]
        curves.setdefault(variant, {})[seed] = np.array(
            json.loads(Path(p).read_text())["accuracy"]
        )
    print("| curve | seeds | mean over the curve | mean, rounds 7-15 | last |")
    print("|---|---|---|---|---|")
    for variant in VARIANTS:
        by_seed = curves.get(variant)
        if not by_seed:
            continue
        n = min(len(a) for a in by_seed.values())
        stack = 100 * np.stack([a[:n] for a in by_seed.values()])
        late = f"{stack[:, 7:16].mean():.1f}" if n > 7 else "-"
        print(
            f"| {variant} | {','.join(sorted(by_seed))} | {stack.mean():.1f} "
            f"| {late} | {stack[:, -1].mean():.1f} |"
        )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("variants", nargs="+", help=f"{', '.join(VARIANTS)}, or summary")
    p.add_argument("--data-home", default=os.environ.get("SKLEARN_APD_DATA"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--budget", default="large", choices=sorted(BUDGETS))
    p.add_argument(
        "--labels-from",
        default=None,
        help="on-sgld: take SGLD's labelled sets from Figure 4's results.json or curve_sgld.json "
        "instead of this script's sgld curve; sgld-on-apd: APD's, from its results.json or "
        "curve_apd.json",
    )
    args = p.parse_args(argv)
    if args.variants == ["summary"]:
        return summary()
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        p.error(f"unknown variants {sorted(unknown)}; choose from {VARIANTS}")
    torch.set_num_threads(int(os.environ.get("NT", torch.get_num_threads())))
    b = BUDGETS[args.budget]
    X, y, Xt, yt = mnist(args.data_home, b)
    for variant in args.variants:
        res = run(variant, b, args.seed, args.rounds, X, y, Xt, yt, args.labels_from)
        res.update(
            machine=cpu_description(), date=time.strftime("%Y-%m-%d"), seed=args.seed,
            rounds=args.rounds, budget=args.budget, settings=asdict(b),
        )  # fmt: skip
        path(args.seed, variant).write_text(json.dumps(res))
        acc = 100 * np.array(res["accuracy"])
        print(
            f"{variant} seed {args.seed}: mean {acc.mean():.1f} last {acc[-1]:.1f} "
            f"[{res['wall_time_s']:.0f} s]",
            " ".join(f"{a:.1f}" for a in acc),
            flush=True,
        )


if __name__ == "__main__":
    main()
