"""Table 2 under two OOD input scalings: the specification's and the reference code's.

Not a speed benchmark: a side-by-side measurement behind one gap in
``docs/reproduction.md`` (Omniglot). ``sklearn-apd reproduce anomaly`` follows
the specification: every OOD set goes through MNIST's preprocessing (pixels
0-255 mapped to [-1, 1]) and is then multiplied by 5. The paper's reference
code (``utils.load_ood_dataset`` of wangkua1/apd_public) scaled each set on
its own:

- notMNIST: the notMNIST pickle's pixels, (p - 127.5) / 255 in [-0.5, 0.5], x5;
- Omniglot: ``scipy.misc.imresize(1 - image, (28, 28))``, which returns uint8
  0-255, times 5 (inputs up to 1,275, while MNIST's are in [-1, 1]);
- CIFAR10bw: normalized to [-1, 1], x5 (as the specification);
- Gaussian: N(0, 1) x5; Uniform: U(0, 1) x5.

This script fits one network with the ``--budget`` settings of
``reproduce anomaly`` (fcNN2; SGD and SGLD) and prints AUROC (%) of
variation ratio, BALD, entropy and least confidence (SGD: the last two)
for every OOD set under both scalings,
on the same MNIST test images. Our Omniglot file is the same images as the
reference's (inverted, resized 105 -> 28), so the "reference" column is the
reference code's input.

Usage::

    python benchmarks/ood_input_scales.py --data-home ../shared/data --budget large
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from sklearn_apd import DeterministicClassifier, SGLDClassifier
from sklearn_apd import datasets as D
from sklearn_apd.experiments import BUDGETS, INPUT_RANGE, cpu_description
from sklearn_apd.metrics import ood_report

KINDS = ("variation_ratio", "bald", "entropy", "least_confidence")
# One network: VR and BALD are 0 for every input, so only its confidence
# scores (entropy; least confidence = 1 - max probability) are printed.
POINT_KINDS = ("entropy", "least_confidence")


def ood_inputs(data_home, n, seed):
    """{set: (specification's input, reference code's input)}, n images each."""
    spec = dict(data_home=data_home, input_range=INPUT_RANGE, scale=D.PAPER_OOD_SCALE)
    raw = dict(data_home=data_home, input_range=(0.0, 255.0))  # the uint8 pixels
    rng = np.random.default_rng(seed)
    shape = (n, 28 * 28)
    cifar = D.load_cifar10bw(**spec).data[:n]  # the reference scaled it as specified
    sets = {
        "notMNIST": (
            D.load_notmnist(**spec).data[:n],
            (D.load_notmnist(**raw).data[:n] - 127.5) / 255.0 * 5,
        ),
        "OmniGlot": (D.load_omniglot(**spec).data[:n], D.load_omniglot(**raw).data[:n] * 5),
        "CIFAR10bw": (cifar, cifar),
        "Gaussian": (
            D.make_noise_images(
                "gaussian", n, input_range=INPUT_RANGE, scale=5, random_state=seed
            ),
            rng.normal(size=shape) * 5,
        ),
        "Uniform": (
            D.make_noise_images("uniform", n, input_range=INPUT_RANGE, scale=5, random_state=seed),
            rng.uniform(size=shape) * 5,
        ),
    }
    return {k: (a.astype(np.float32), b.astype(np.float32)) for k, (a, b) in sets.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", required=True)
    parser.add_argument("--budget", choices=("quick", "large"), default="quick")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    b = BUDGETS[args.budget]
    kw = dict(data_home=args.data_home, input_range=INPUT_RANGE, return_X_y=True)
    X, y = D.load_mnist("train", **kw)
    Xt, _ = D.load_mnist("test", **kw)
    X, y, Xt = X[: b.n_train], y[: b.n_train], Xt[: b.n_test]
    sets = ood_inputs(args.data_home, b.n_test, args.seed)
    for name, (spec, ref) in sets.items():
        print(
            f"{name}: specification inputs in [{spec.min():.1f}, {spec.max():.1f}], "
            f"reference code's in [{ref.min():.1f}, {ref.max():.1f}]"
        )
    common = dict(module__hidden_units="fcNN2", random_state=args.seed, verbose=0)
    models = {
        "SGD": DeterministicClassifier(max_epochs=b.sgd_epochs, **common),
        "SGLD": SGLDClassifier(
            max_epochs=b.sgld_epochs,
            burn_in=b.burn_in,
            thinning=b.thinning,
            n_samples=b.n_samples,
            **common,
        ),
    }
    t0 = time.perf_counter()
    print(f"\n{cpu_description()}, {args.budget} budget, seed {args.seed}\n")
    print("| method | kind | OOD set | AUROC, specification's inputs | AUROC, reference code's |")
    print("|---|---|---|---|---|")
    for name, est in models.items():
        est.fit(X, y)
        reports = [
            ood_report(est, Xt, {k: v[i] for k, v in sets.items()}, kinds=KINDS).rows
            for i in (0, 1)
        ]
        for kind in KINDS if name == "SGLD" else POINT_KINDS:
            for ood_set in sets:
                cells = [
                    next(r for r in rows if r["kind"] == kind and r["ood_set"] == ood_set)
                    for rows in reports
                ]
                print(
                    f"| {name} | {kind} | {ood_set} | {100 * cells[0]['AUROC']:.1f} "
                    f"| {100 * cells[1]['AUROC']:.1f} |"
                )
    print(f"\nwall time {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
