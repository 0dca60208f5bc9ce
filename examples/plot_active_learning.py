"""Figure 4 of the paper: test accuracy vs acquired labels in active learning.

Each curve is an :class:`~sklearn_apd.ActiveLearner` around one posterior
(SGLD, APD, MC dropout, a deterministic network) acquiring by predictive
entropy, plus SGLD with random acquisition; every round re-initialises the
network, as in the paper. Curves are averaged over ``--seeds`` runs (each seed
changes the initial labelled set and the tie-breaking).

By default it runs on the embedded digits (1,257 training images as the pool)
with a 100-unit MLP: 5 curves x 1 seed x 10 rounds (20 -> 120 labels), a first
look that runs in the time ``benchmarks/example_times.py`` records in
``benchmarks/RESULTS.md``. ``--seeds 3 --rounds 20`` is the averaged figure (more than
22 minutes on a 2-core CPU, AMD EPYC family 23, 2026-12-03). With ``--data-home`` it
uses MNIST (pool: the 50,000 training images, scored on a random 2,000 of them
each round; test: 2,000 t10k images). ``--net convnet`` uses the paper's
ConvNet (:class:`sklearn_apd.nets.ConvNet`); SGLD at temperature 1 on a few
dozen labels lets its nine layers' weights wander until the logits overflow
(the posterior under the weak prior N * weight_decay is that broad), so pass
``--temperature 0.1`` with it.

    python examples/plot_active_learning.py [--data-home DATA] [--rounds 10]
        [--seeds 1] [--net mlp|convnet] [--temperature 1.0] [--out fig4.png]
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sklearn_apd import (  # noqa: E402
    ActiveLearner,
    APDClassifier,
    DeterministicClassifier,
    MCDropoutClassifier,
    SGLDClassifier,
)
from sklearn_apd import datasets as D  # noqa: E402
from sklearn_apd.nets import ConvNet  # noqa: E402


def load(data_home):
    if data_home is None:
        X, y = D.load_embedded_digits("train", return_X_y=True)
        X_test, y_test = D.load_embedded_digits("test", return_X_y=True)
        return X, y, X_test, y_test, (16, 32), None, "digits"
    X, y = D.load_mnist("train", data_home=data_home, return_X_y=True)
    X_test, y_test = D.load_mnist("test", data_home=data_home, return_X_y=True)
    return X, y, X_test[:2000], y_test[:2000], (48, 96), 2000, "MNIST"


def estimators(net_name, filters, n_samples, temperature, apd_iter):
    net = dict(batch_size=32, verbose=0)
    if net_name == "convnet":
        net.update(module=ConvNet, module__n_filters=filters)
    # Budgets count epochs: 20 labels are one minibatch, so an epoch is one
    # update at the start and grows with the labelled set.
    sgld = SGLDClassifier(
        **net,
        lr=0.1,
        temperature=temperature,
        max_epochs=300,
        burn_in=100,
        thinning=10,
        n_samples=n_samples,
    )
    return {
        "SGLD": ("entropy", sgld),
        "APD": (
            "entropy",
            APDClassifier(sgld, max_iter=apd_iter, lr=1e-3, standardize=True, n_samples=n_samples),
        ),
        "MC dropout": (
            "entropy",
            MCDropoutClassifier(**net, lr=0.1, max_epochs=300, n_samples=n_samples),
        ),
        "SGD": ("entropy", DeterministicClassifier(**net, lr=0.1, max_epochs=300)),
        "SGLD, random": ("random", sgld),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--n-samples", type=int, default=20)
    ap.add_argument("--apd-iter", type=int, default=100, help="generator updates per fit")
    ap.add_argument("--net", choices=["mlp", "convnet"], default="mlp")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--only", nargs="+", default=None, help="curve names to run")
    ap.add_argument("--out", default="active_learning.png")
    args = ap.parse_args()
    X, y, X_test, y_test, filters, subsample, title = load(args.data_home)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (query, est) in estimators(
        args.net, filters, args.n_samples, args.temperature, args.apd_iter
    ).items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        curves = []
        for seed in range(args.seeds):
            learner = ActiveLearner(
                est.set_params(random_state=seed),
                query=query,
                batch_size=10,
                n_rounds=args.rounds,
                pool_subsample=subsample,
                random_state=seed,
            )
            learner.fit(X, y, eval_set=(X_test, y_test))
            curves.append(learner.learning_curve_["score"])
        labels = learner.learning_curve_["n_labels"]
        mean = np.mean(curves, axis=0)
        print(
            f"{name:>13}: accuracy {mean[0]:.3f} at {labels[0]} labels -> {mean[-1]:.3f} "
            f"at {labels[-1]}; mean over the curve {mean.mean():.3f} "
            f"({args.seeds} seeds, {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
        ax.plot(labels, mean, label=name, ls="--" if query == "random" else "-")
    ax.set_xlabel("acquired labels")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Active learning on {title} (entropy acquisition)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
