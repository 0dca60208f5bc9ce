"""The ``sklearn-apd`` command line."""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def _demo(args) -> int:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from . import SGLDClassifier
    from .uncertainty import KINDS

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # pixels in [0, 1]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=args.seed, stratify=y
    )
    rng = np.random.default_rng(args.seed)
    # Out-of-distribution inputs: Gaussian noise images with the data's scale.
    X_noise = np.clip(rng.normal(0.5, 0.5, size=X_test.shape), 0.0, 1.0)

    batch_size = 100
    n_iter = args.epochs * -(-len(X_train) // batch_size)
    clf = SGLDClassifier(
        lr=0.5,
        max_epochs=args.epochs,
        batch_size=batch_size,
        burn_in=n_iter // 4,  # the first quarter of the chain is burn-in
        thinning=10,
        n_samples=args.n_samples,
        verbose=args.verbose,
        device=args.device,
        random_state=args.seed,
    )
    print(
        f"sklearn-apd demo: SGLDClassifier on the embedded digits "
        f"({len(X_train)} train / {len(X_test)} test, 8x8 images), device={args.device}"
    )
    t0 = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    acc = clf.score(X_test, y_test)
    print(
        f"fit: {clf.n_iter_} SGLD iterations in {fit_s:.1f} s, {clf.samples_.shape[0]} "
        f"samples stored ({clf.storage_size_:,} floats); {clf.n_samples} draws at prediction"
    )
    print(f"test accuracy: {acc:.3f}")
    print()
    print("| uncertainty | digits (test) | Gaussian noise | AUROC noise vs digits |")
    print("|---|---|---|---|")
    from sklearn.metrics import roc_auc_score

    for kind in KINDS:
        u_in = clf.uncertainty(X_test, kind=kind)
        u_out = clf.uncertainty(X_noise, kind=kind)
        auroc = roc_auc_score(np.r_[np.zeros(len(u_in)), np.ones(len(u_out))], np.r_[u_in, u_out])
        print(f"| {kind} | {u_in.mean():.4f} | {u_out.mean():.4f} | {auroc:.3f} |")
    print(f"\nprediction and uncertainty took {time.perf_counter() - t0:.1f} s")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="sklearn-apd",
        description="Bayesian neural networks and Adversarial Posterior Distillation.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit SGLD on the embedded digits and report uncertainty")
    demo.add_argument("--epochs", type=int, default=150, help="SGLD epochs (default 150)")
    demo.add_argument("--n-samples", type=int, default=200, help="draws at prediction")
    demo.add_argument("--device", default="auto", help="auto, cpu or cuda")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("-v", "--verbose", type=int, default=1, help="0 silences progress")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return _demo(args)
    return 2  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
