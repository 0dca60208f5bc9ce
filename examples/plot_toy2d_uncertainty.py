"""Figure 2 of the paper: where a network is uncertain, on a toy 2D task.

Two Gaussian clusters of 10 points (``make_toy2d``). A plain SGD network is
confident everywhere, even far from the data; the SGLD posterior and its APD
distillation are confident near the data and uncertain away from it. The plot
shows the predictive entropy and BALD (the epistemic part) on a grid.

    python examples/plot_toy2d_uncertainty.py [--out toy2d.png]
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402

from sklearn_apd import APDClassifier, DeterministicClassifier, SGLDClassifier  # noqa: E402
from sklearn_apd.datasets import make_toy2d  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="toy2d.png")
    ap.add_argument("--apd-iter", type=int, default=500)
    args = ap.parse_args()
    X, y = make_toy2d(random_state=0)
    net = dict(module__hidden_units="toy", lr=0.1, batch_size=20, random_state=0)
    sgd = DeterministicClassifier(max_epochs=500, **net).fit(X, y)
    sgld = SGLDClassifier(max_epochs=1500, burn_in=500, thinning=10, **net).fit(X, y)
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=args.apd_iter, lr=1e-3, standardize=True, random_state=0
    ).fit(X, y)
    grid = np.linspace(-6, 6, 121)
    gx, gy = np.meshgrid(grid, grid)
    points = np.c_[gx.ravel(), gy.ravel()]
    # Far from the data: a ring of radius 6 without the sector along the
    # decision boundary x + y = 0, where even a point estimate is uncertain.
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    ring = 6 * np.c_[np.cos(angles), np.sin(angles)]
    ring = ring[np.abs(np.cos(angles - np.pi / 4)) > 0.5]
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.5), sharex=True, sharey=True)
    for col, (name, est) in enumerate([("SGD", sgd), ("SGLD", sgld), ("APD", apd)]):
        for row, kind in enumerate(("entropy", "bald")):
            u = est.uncertainty(points, kind=kind).reshape(gx.shape)
            ax = axes[row, col]
            im = ax.contourf(gx, gy, u, levels=20, cmap="viridis", vmin=0, vmax=np.log(2))
            ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
            ax.set_title(f"{name}: {kind}")
        far = est.uncertainty(ring).mean()
        print(f"{name:>5}: entropy at the data {est.uncertainty(X).mean():.3f}, far {far:.3f}")
    fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label="nats")
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
