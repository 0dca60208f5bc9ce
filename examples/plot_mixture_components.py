"""Figure 5 of the paper: OOD detection vs number of mixture components.

Fits SGLD once, then Gaussian mixtures with 1..K components and an APD
generator to its samples through a FrozenEstimator (the SGLD run is reused,
never refitted), and plots the AUROC of telling in-distribution inputs from
OOD inputs by BALD and by entropy, with the SGLD samples themselves as the
dashed and APD as the dotted reference line.

By default it runs in about five minutes (most of it the 1,000 APD generator
updates) on the embedded digits with Gaussian
noise images as OOD inputs; with ``--data-home`` it uses MNIST vs notMNIST
(fcNN1, inputs in [-1, 1], OOD inputs times 5), as in the paper.

    python examples/plot_mixture_components.py [--data-home ../shared/data] [--apd-iter 1000]
        [--out fig5.png]
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from sklearn_apd import APDClassifier, GaussianMixturePosterior, SGLDClassifier  # noqa: E402
from sklearn_apd import datasets as D  # noqa: E402
from sklearn_apd.metrics import ood_auroc  # noqa: E402


def load(data_home):
    if data_home is None:
        X, y = D.load_embedded_digits("train", return_X_y=True)
        X_in, _ = D.load_embedded_digits("test", return_X_y=True)
        X_out = D.make_noise_images("gaussian", len(X_in), image_shape=(8, 8), random_state=0)
        sgld = SGLDClassifier(lr=0.5, max_epochs=200, burn_in=600, thinning=5, random_state=0)
        return X, y, X_in, X_out, sgld, "digits vs Gaussian noise"
    rng = (-1.0, 1.0)
    X, y = D.load_mnist("train", data_home=data_home, input_range=rng, return_X_y=True)
    X_in = D.load_mnist("test", data_home=data_home, input_range=rng).data[:2000]
    X_out = D.load_notmnist(data_home=data_home, input_range=rng, scale=5.0).data[:2000]
    sgld = SGLDClassifier(
        module__hidden_units="fcNN1", max_epochs=40, burn_in=500, thinning=20, random_state=0
    )
    return X, y, X_in, X_out, sgld, "MNIST vs notMNIST"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--components", type=int, nargs="+", default=[1, 2, 5, 10, 20, 40])
    ap.add_argument("--apd-iter", type=int, default=1000, help="APD generator updates")
    ap.add_argument("--out", default="mixture_components.png")
    args = ap.parse_args()
    X, y, X_in, X_out, sgld, title = load(args.data_home)
    sgld.fit(X, y)
    frozen = FrozenEstimator(sgld)

    def aurocs(est):
        return {
            k: ood_auroc(est.uncertainty(X_in, k), est.uncertainty(X_out, k))
            for k in ("bald", "entropy")
        }

    ref = aurocs(sgld)
    curves = {"bald": [], "entropy": []}
    for k in args.components:
        gmm = GaussianMixturePosterior(frozen, n_components=k, random_state=0).fit(X, y)
        for kind, value in aurocs(gmm).items():
            curves[kind].append(value)
        print(
            f"K={k:3d}: AUROC BALD {curves['bald'][-1]:.3f}, entropy "
            f"{curves['entropy'][-1]:.3f}, storage {gmm.storage_size_:,} floats, "
            f"fit {gmm.fit_time_:.1f} s"
        )
    print(
        f"SGLD samples: AUROC BALD {ref['bald']:.3f}, entropy {ref['entropy']:.3f}, "
        f"storage {sgld.storage_size_:,} floats"
    )
    # APD distilled from the same samples, beside the mixtures.
    apd = APDClassifier(
        frozen, max_iter=args.apd_iter, lr=1e-3, standardize=True, random_state=0
    ).fit(X, y)
    apd_auroc = aurocs(apd)
    print(
        f"APD ({args.apd_iter} generator updates): AUROC BALD {apd_auroc['bald']:.3f}, "
        f"entropy {apd_auroc['entropy']:.3f}, storage {apd.storage_size_:,} floats"
    )
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for (kind, values), color in zip(curves.items(), ("C0", "C1")):
        ax.plot(args.components, values, "o-", color=color, label=f"mixture, {kind}")
        ax.axhline(ref[kind], ls="--", color=color, label=f"SGLD samples, {kind}")
        ax.axhline(apd_auroc[kind], ls=":", color=color, label=f"APD, {kind}")
    ax.set(xscale="log", xlabel="mixture components", ylabel="OOD AUROC", title=title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
