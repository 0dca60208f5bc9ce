"""Exploration behind benchmarks/al_convnet_probe.py (#20, item 4): ConvNet fit variants.

Run as committed for results/al_convnet_variants.txt (2026-12-03, seed 0's
labelled sets, accuracy on the first 500 MNIST test images, 1 thread, while
other jobs shared the 2-core CPU): DeterministicClassifier with ``ITERS``
minibatches of ``min(n, 64)``. A SPEC is NORM:OPT:LR[:DROPOUT[:WD]]: NORM
``none``, ``batch``, ``group`` (nets.ConvNet's ``norm``), or ``lenet`` /
``fcnn1`` for those networks; OPT ``adam`` (weight decay WD), ``adamw``
(decoupled WD) or ``sgd`` (momentum 0.9, weight decay 1e-3); ``RANGE=0,1``
maps the pixels to [0, 1] instead of [-1, 1].

Usage: ITERS=150 python benchmarks/al_convnet_variants.py N_LABELS SPEC ...
"""

import os
import sys
import time

import torch

sys.path.insert(0, "benchmarks")
torch.set_num_threads(1)
from al_convnet_probe import labelled_sets  # noqa: E402

from sklearn_apd import DeterministicClassifier  # noqa: E402
from sklearn_apd import datasets as D  # noqa: E402
from sklearn_apd.nets import ConvNet  # noqa: E402

kw = dict(
    data_home=os.environ.get("SKLEARN_APD_DATA", "../shared/data"),
    input_range=tuple(map(float, os.environ.get("RANGE", "-1,1").split(","))),
    return_X_y=True,
)
X, y = D.load_mnist("train", **kw)
Xt, yt = D.load_mnist("test", **kw)
Xt, yt = Xt[:500], yt[:500]
n = int(sys.argv[1])
idx = labelled_sets(y, 0)[n]
for spec in sys.argv[2:]:
    norm, opt, lr, drop, wd = (spec.split(":") + ["0", "0"])[:5]
    o = (
        dict(
            optimizer=torch.optim.AdamW if opt == "adamw" else torch.optim.Adam,
            weight_decay=float(wd),
        )
        if opt.startswith("adam")
        else dict(momentum=0.9, weight_decay=1e-3)
    )
    from sklearn_apd.nets import MLP, LeNet

    mod = (
        dict(module=LeNet)
        if norm == "lenet"
        else dict(module=MLP, module__hidden_units="fcNN1")
        if norm == "fcnn1"
        else dict(module=ConvNet, module__norm=None if norm == "none" else norm)
    )
    if float(drop):
        mod["module__dropout"] = float(drop)
    est = DeterministicClassifier(
        **mod,
        lr=float(lr),
        max_iter=int(__import__("os").environ.get("ITERS", 100)),
        batch_size=min(n, 64),
        random_state=0,
        verbose=0,
        **o,
    )
    t = time.perf_counter()
    est.fit(X[idx], y[idx])
    print(
        spec,
        n,
        "train",
        round(100 * est.score(X[idx], y[idx]), 1),
        "test",
        round(100 * est.score(Xt, yt), 1),
        "loss",
        round(float(est.history[-1, "train_loss"]), 3),
        f"{time.perf_counter() - t:.0f}s",
        flush=True,
    )
