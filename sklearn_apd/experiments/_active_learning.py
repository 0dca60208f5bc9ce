"""Figure 4: active learning on MNIST."""

from __future__ import annotations

import time
from dataclasses import asdict

import numpy as np
from sklearn.base import clone

from ..evaluation import ActiveLearner, few_label_estimator
from ..posteriors import DeterministicClassifier, SGLDClassifier
from ._report import _common_curves, render_active_learning
from .budgets import active_learning_sgd_params, active_learning_sgld_params


# -------------------------------------------------------- active-learning
def run_active_learning(ctx):
    """Figure 4: test accuracy against acquired labels, per posterior and acquisition."""
    X, y, *_, Xt, yt = ctx.mnist()
    b = ctx.b
    # Every fit: b.al_network for b.al_iter minibatch steps, re-initialised
    # every round (budgets.Budget says why LeNet and not the paper's fcNN1).
    # The "SGLD" curve's sampler is SGLDClassifier(method=b.al_method); it
    # keeps b.al_samples states, so the pool is scored with as many draws as
    # MC dropout's; SGD is the same network and dynamics without the noise;
    # MC dropout is ActiveLearner()'s own few-label estimator.
    sgld = SGLDClassifier(**active_learning_sgld_params(b), **ctx.common())
    base = {
        "MC-Drop": few_label_estimator(X.shape, random_state=ctx.seed).set_params(**ctx.common()),
        "SGD": DeterministicClassifier(**active_learning_sgd_params(b), **ctx.common()),
    }
    # APD as in the reference code: a fresh SGLD run every round (APD refits
    # its sampler), one GAN trained on across rounds (warm_start, re-standardized
    # at every fit) for al_apd_iter more updates per round; as many draws as SGLD.
    apd = ctx.apd(sgld, on_weights=True).set_params(
        sampler=sgld, max_iter=b.al_apd_iter, n_samples=b.al_samples
    )
    curves = {
        "SGLD": ("entropy", sgld, False),
        "APD": ("entropy", apd, True),
        "MC-Drop": ("entropy", base["MC-Drop"], False),
        "SGD": ("entropy", base["SGD"], False),
        "SGLD, random": ("random", sgld, False),
    }

    def run_curve(key, query, est, warm):
        learner = ActiveLearner(
            est, query=query, batch_size=10, n_rounds=b.al_rounds,
            pool_subsample=b.al_pool, warm_start=warm, random_state=ctx.seed,
            verbose=ctx.verbose,
        )  # fmt: skip
        # Saved after every round, so a stopped run continues mid-curve (--resume).
        learner.fit(X, y, eval_set=(Xt, yt), checkpoint=ctx.checkpoint(key))
        curve = learner.learning_curve_
        return {
            "n_labels": curve["n_labels"].tolist(),
            "accuracy": curve["score"].tolist(),
            # Seconds over the whole curve: fits (APD: SGLD plus its GAN
            # updates) and acquisition (scoring the pool).
            "fit_time_s": round(float(np.sum(curve["fit_time"])), 1),
            "query_time_s": round(float(np.sum(curve["query_time"])), 1),
            # The pool rows labelled, in acquisition order (the initial set
            # first, then batch_size a round): another posterior can be fitted
            # on this curve's labelled sets (benchmarks/al_apd_curves.py).
            "labeled_indices": learner.labeled_indices_.tolist(),
        }

    # Each curve is saved when it ends (parts/), so an interrupted run keeps
    # it; APD, the longest by far, runs last so a stopped run keeps the rest.
    order = sorted(curves, key=lambda name: name == "APD")
    done = {
        name: ctx.part(key, lambda key=key, spec=curves[name]: run_curve(key, *spec))
        for name in order
        for key in [_part_key(name)]
    }
    results = {name: done[name] for name in curves}
    # The paper's "APD" curve (its reference code): APD's draws choose the
    # points, and the accuracy recorded is SGLD's, refitted afresh on each
    # round's labelled set. "APD" above scores APD's own draws instead.
    apd_labels = results["APD"]
    results[REPLAYED] = ctx.part(
        _part_key(REPLAYED),
        lambda: replay_curve(
            sgld, X, y, apd_labels["labeled_indices"], apd_labels["n_labels"], (Xt, yt)
        ),
    )
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        ax.plot(r["n_labels"], r["accuracy"], _line_style(name), label=name)
    ax.set_xlabel("acquired labels")
    ax.set_ylabel("test accuracy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.out / "active_learning.png", dpi=100)
    plt.close(fig)
    markdown = render_active_learning(results, asdict(b))
    return results, markdown + "\n\n![active learning](active_learning.png)"


#: Figure 4's extra curve: SGLD refitted on the labelled sets APD acquired.
REPLAYED = "APD, SGLD accuracy"


def _line_style(name):
    """Dashed for random acquisition, dotted for the replayed APD curve, solid otherwise."""
    return "--" if "random" in name else ":" if name == REPLAYED else "-"


def replay_curve(estimator, X, y, labeled_indices, n_labels, eval_set):
    """``estimator`` fitted afresh on each labelled set of a curve, scored on ``eval_set``.

    The sets are the first ``n`` of ``labeled_indices`` (a curve's acquisition
    order) for each ``n`` in ``n_labels``: another posterior's accuracy on the
    points that one acquired, as the reference code records its APD curve.
    """
    accuracy, fit_time = [], 0.0
    for n in n_labels:
        idx = np.asarray(labeled_indices[:n])
        t0 = time.perf_counter()
        fitted = clone(estimator).fit(X[idx], y[idx])
        fit_time += time.perf_counter() - t0
        accuracy.append(float(fitted.score(*eval_set)))
    return {
        "n_labels": list(n_labels),
        "accuracy": accuracy,
        "fit_time_s": round(fit_time, 1),
        "query_time_s": 0.0,  # no acquisition of its own
        "labeled_indices": list(labeled_indices),
    }


def _part_key(name):
    """A file name for a curve: "SGLD, random" -> "curve_sgld_random"."""
    return "curve_" + "_".join("".join(c if c.isalnum() else " " for c in name).lower().split())


def plot_active_learning_seeds(records, path, plt):
    """Figure 4 over seeds: each method's mean accuracy with its min-max band, to ``path``.

    ``records`` are results records of one budget (``results.json`` of each
    seed); random acquisition is dashed, as in the single-run plot.
    """
    seeds = ", ".join(str(r["seed"]) for r in records)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name in _common_curves(records):
        n_labels = records[0]["results"][name]["n_labels"]
        acc = 100 * np.array([r["results"][name]["accuracy"] for r in records])
        (line,) = ax.plot(
            n_labels, acc.mean(0), _line_style(name),
            label=f"{name} (mean {acc.mean():.1f})",
        )  # fmt: skip
        ax.fill_between(n_labels, acc.min(0), acc.max(0), color=line.get_color(), alpha=0.15)
    network = records[0]["settings"].get("al_network", "fcNN1")
    ax.set_title(f"Figure 4, {network}: mean of seeds {seeds}, band min-max")
    ax.set_xlabel("acquired labels")
    ax.set_ylabel("test accuracy (%)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
