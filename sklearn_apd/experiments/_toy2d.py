"""Figure 2: the toy 2D task (no data needed)."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
from sklearn.frozen import FrozenEstimator

from ..datasets import make_toy2d
from ..posteriors import APDClassifier, DeterministicClassifier, SGLDClassifier
from ._report import render_toy2d


# ------------------------------------------------------------------ toy2d
def run_toy2d(ctx):
    """Figure 2: predictive entropy of SGD, SGLD and APD on the toy 2D task."""
    X, y = make_toy2d(random_state=ctx.seed)
    common = dict(module__hidden_units="toy", lr=0.1, batch_size=20, **ctx.common())
    epochs = 1500 if ctx.budget_name == "quick" else 3000
    sgd = DeterministicClassifier(max_epochs=epochs // 3, **common).fit(X, y)
    sgld = SGLDClassifier(max_epochs=epochs, burn_in=500, thinning=10, **common).fit(X, y)
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=500 if ctx.budget_name == "quick" else 2000, lr=1e-3,
        standardize=True, **ctx.common(),
    ).fit(X, y)  # fmt: skip
    grid = np.linspace(-6, 6, 121)
    gx, gy = np.meshgrid(grid, grid)
    points = np.c_[gx.ravel(), gy.ravel()].astype(np.float32)
    # Far: a ring of radius 6 without the sector along the decision boundary
    # (the line x + y = 0), where even a point estimate is uncertain.
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    ring = 6 * np.c_[np.cos(angles), np.sin(angles)]
    far = ring[np.abs(np.cos(angles - np.pi / 4)) > 0.5].astype(np.float32)
    results, maps = {}, {}
    for name, est in (("SGD", sgd), ("SGLD", sgld), ("APD", apd)):
        maps[name] = est.uncertainty(points, kind="entropy").reshape(gx.shape)
        results[name] = {
            "mean_entropy_near": float(est.uncertainty(X, kind="entropy").mean()),
            "mean_entropy_far": float(est.uncertainty(far, kind="entropy").mean()),
            "train_accuracy": float(est.score(X, y)),
        }
    plt = ctx.plt()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    for ax, (name, m) in zip(axes, maps.items()):
        im = ax.contourf(gx, gy, m, levels=20, cmap="viridis", vmin=0, vmax=np.log(2))
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
        ax.set_title(f"{name}: predictive entropy")
    fig.colorbar(im, ax=axes.tolist(), shrink=0.8)
    fig.savefig(ctx.out / "toy2d_entropy.png", dpi=100)
    plt.close(fig)
    markdown = render_toy2d(results, asdict(ctx.b))
    return results, markdown + "\n\n![entropy maps](toy2d_entropy.png)"
