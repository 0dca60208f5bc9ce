"""Probe (#20): does a small ConvNet make Bayesian acquisition beat random on MNIST?

Run as committed for results/al_network_probe_seed0.{txt,json}: MC dropout on
SmallConv (two unpadded 3x3 conv + max-pool stages, dense 128; the layout of
Gal, Islam & Ghahramani 2017, cheaper), Adam lr 1e-3, 300 iterations of batch
64 per fit, ActiveLearner with pool_subsample=2000, 20 rounds of 10 from 20
labels, accuracy on the first 1,000 test images. The package's nets.LeNet is
this network with padded convolutions; a NAME containing "lenet" runs it
(25 rounds, one process per seed and query, two at a time, NT=1: curves in
results/al_network_probe_SEED_mcd-adam-lenet@300-QUERY.json, printed lines in
results/al_network_probe_lenet.txt).

SGLD on LeNet (#20, item 5: which SGLD Figure 4 can use): a NAME
``sgld-lenet-tT@ITERS`` samples nets.LeNet with SGLD at temperature T, lr 0.05,
weight decay 0.05 (prior precision N x 0.05), ITERS iterations of batch
``min(n, 64)``, a third burn-in, 20 samples (so the pool is scored with as many
draws as MC dropout's); ``sghmc-lenet-tT@ITERS`` the same with
``method="sghmc"`` (friction 0.1, so momentum 0.9 as SGD with momentum);
``sgd-lenet@ITERS`` is ``DeterministicClassifier`` at lr 0.05, weight decay
0.05, no momentum: twice SGLD's gradient step, since the SG-MCMC rules step
lr / 2 (Figure 4's "SGD" curve is now SGHMC's update without noise instead).

ConvNet (#20, item 4; 2026-12-05, seventh session): a NAME containing
``convnet`` runs ``nets.ConvNet(pool="max", norm="batch")`` (``norm="group"``
with ``group`` in the NAME), with ``dropout=0.25`` under MC dropout; an
``-lrX`` token (decimal) sets the lr, e.g. ``mcd-adam-convnet-lr0.003@150``
(al_convnet_probe.py's few-label choice). ``psgld-`` samples with
``method="psgld"`` and a ``-dropX`` token sets ``ConvNet(dropout=X)`` under a
sampler (2026-12-06), e.g. ``psgld-convnet-drop0.25-lr0.006-t0.001@600``; an ``-nsN``
token makes lr the step at N labels, scaled by sqrt(N / n) on each round's n labels
(``psgld-convnet-drop0.25-lr0.004-ns20-t0.001@600``, fourteenth session). Its
reduced protocol sets
``POOL_SUB`` (pool points scored per round, default 2000), ``DRAWS`` (draws
per prediction, default 20) and ``N_EVAL`` (test images, default 1000); values
other than the defaults go into the result's file name.

Usage: NT=1 [EVAL=validation] python benchmarks/al_network_probe.py ROUNDS SEED SPEC ...
       (SPEC is NAME@ITERS:QUERY)
       e.g. mcd-adam-small@300:bald, sgld-lenet-t0.01@1000:entropy
       python benchmarks/al_network_probe.py summary NAME@ITERS [ROUNDS]
       (a Markdown table of the committed curves of NAME over seeds and queries,
       each cut to its first ROUNDS rounds when given)

``ActiveLearner(query=Q, pool_subsample=2000, random_state=SEED)`` with no
estimator fits exactly "mcd-adam-lenet@300" (its default takes the learner's
seed), so the lenet curves are the default learner's.
"""

import json
import os
import sys
import time

import torch
from torch import nn

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
from al_apd_updates import mnist

from sklearn_apd import ActiveLearner, DeterministicClassifier, MCDropoutClassifier, SGLDClassifier
from sklearn_apd.experiments import BUDGETS
from sklearn_apd.nets import ConvNet, LeNet


class SmallConv(nn.Module):
    def __init__(self, dropout=0.5, n_features_in=784, n_classes=10, f=(16, 32), hidden=128):
        super().__init__()
        self.c1 = nn.Conv2d(1, f[0], 3)
        self.c2 = nn.Conv2d(f[0], f[1], 3)
        self.d1 = nn.Dropout(dropout / 2 if dropout else 0)
        self.fc = nn.Linear(f[1] * 25, hidden)
        self.d2 = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = x.reshape(x.shape[0], 1, 28, 28)
        x = nn.functional.max_pool2d(torch.relu(self.c1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.c2(x)), 2)
        x = self.d1(x).flatten(1)
        return self.out(self.d2(torch.relu(self.fc(x))))


class GalNet(nn.Module):
    def __init__(self, dropout=0.5, n_features_in=784, n_classes=10, bn=False):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 4)
        self.c2 = nn.Conv2d(32, 32, 4)
        self.d1 = nn.Dropout(dropout / 2 if dropout else 0)
        self.fc = nn.Linear(32 * 11 * 11, 128)
        self.d2 = nn.Dropout(dropout)
        self.out = nn.Linear(128, n_classes)

    def forward(self, x):
        x = x.reshape(x.shape[0], 1, 28, 28)
        x = torch.relu(self.c1(x))
        x = torch.relu(self.c2(x))
        x = self.d1(nn.functional.max_pool2d(x, 2)).flatten(1)
        return self.out(self.d2(torch.relu(self.fc(x))))


class SqrtNScaledSGLD(SGLDClassifier):
    """SGLDClassifier whose ``lr`` is the step at ``ns`` labels, scaled by sqrt(ns / n) on the
    n rows of each fit (al_convnet_probe.py's ``nsN`` rule, in a learner that refits every
    round; fourteenth session). ``ns`` is a class attribute (a subclass per value), so
    ``get_params`` and ``clone`` see SGLDClassifier's parameters only."""

    ns = 20

    def fit(self, X, y, **fit_params):
        base = self.lr
        self.lr = base * (self.ns / len(X)) ** 0.5
        try:
            return super().fit(X, y, **fit_params)
        finally:
            self.lr = base


def name_token(name, prefix):
    """The number of a ``-PREFIXX`` token of a NAME (before ``@``), or None."""
    tokens = name.split("@")[0].split("-")
    return next((float(t[len(prefix) :]) for t in tokens if t.startswith(prefix)), None)


def summary(name, rounds=None):
    """Mean accuracy over the curve, over rounds 7-15 and at the end, per seed and query.

    ``EVAL=validation`` summarises the curves scored on validation images.
    """
    import glob

    import numpy as np

    prefix = (
        "al_network_probe_val_" if os.environ.get("EVAL") == "validation" else "al_network_probe_"
    )
    curves = {}
    for path in sorted(glob.glob(f"benchmarks/results/{prefix}[0-9]*_{name}-*.json")):
        seed = path.split(prefix)[1].split("_")[0]
        for spec, acc in json.load(open(path)).items():
            acc = acc if rounds is None else acc[: rounds + 1]
            curves.setdefault(spec.split(":")[1], {})[seed] = np.array(acc)
    rows = [
        "| acquisition | seed | first | last (labels) | mean over the curve | mean, rounds 7-15 |"
    ]
    rows.append("|---|---|---|---|---|---|")
    for query, by_seed in curves.items():
        for seed, acc in sorted(by_seed.items()):
            n = 20 + 10 * (len(acc) - 1)
            rows.append(
                f"| {query} | {seed} | {acc[0]:.1f} | {acc[-1]:.1f} ({n}) | {acc.mean():.1f} "
                f"| {acc[7:16].mean():.1f} |"
            )
        if len(by_seed) > 1:
            stack = np.stack(list(by_seed.values()))
            rows.append(
                f"| {query} | mean | {stack[:, 0].mean():.1f} | {stack[:, -1].mean():.1f} "
                f"| {stack.mean():.1f} | {stack[:, 7:16].mean():.1f} |"
            )
    print("\n".join(rows))


if sys.argv[1] == "summary":
    summary(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    sys.exit(0)
torch.set_num_threads(int(os.environ.get("NT", "2")))
b = BUDGETS["large"]
X, y, Xt, yt = mnist(os.environ.get("SKLEARN_APD_DATA", "../shared/data"), b)
Xt, yt = Xt[:1000], yt[:1000]
# EVAL=validation scores the curves on the first 1,000 of the 10,000 validation
# images (the last 10,000 training images, never in the pool) instead of test
# images, for choices that must not be made on Figure 4's test set; its curves
# go to al_network_probe_val_SEED_....json.
EVAL = os.environ.get("EVAL", "test")
if EVAL not in ("test", "validation"):
    raise ValueError(f"EVAL must be 'test' or 'validation', got {EVAL!r}")
if EVAL == "validation":
    from sklearn_apd.datasets import load_mnist
    from sklearn_apd.experiments import INPUT_RANGE

    Xt, yt = load_mnist(
        "validation", data_home=os.environ.get("SKLEARN_APD_DATA", "../shared/data"),
        input_range=INPUT_RANGE, return_X_y=True,
    )  # fmt: skip
    Xt, yt = Xt[:1000], yt[:1000]
# Reduced protocol for the ConvNet (2026-12-05, seventh session): fewer pool points scored,
# fewer draws, fewer evaluation images; non-default values go into the result's file name.
POOL_SUB = int(os.environ.get("POOL_SUB", "2000"))
DRAWS = int(os.environ.get("DRAWS", "20"))
N_EVAL = int(os.environ.get("N_EVAL", "1000"))
Xt, yt = Xt[:N_EVAL], yt[:N_EVAL]
SETTINGS = (("pool", POOL_SUB, 2000), ("draws", DRAWS, 20), ("eval", N_EVAL, 1000))
REDUCED = "".join(f"_{k}{v}" for k, v, default in SETTINGS if v != default)
rounds = int(sys.argv[1])
seed = int(sys.argv[2])
which = sys.argv[3:]
res = {}
for spec in which:
    name, query = spec.split(":")
    common = dict(
        module=LeNet if "lenet" in name else SmallConv if "small" in name else GalNet,
        random_state=seed,
        verbose=0,
        max_iter=int(name.split("@")[1]) if "@" in name else 500,
        batch_size=64,
    )
    # an "-lrX" token (decimal, e.g. -lr0.003) in the name: that lr instead of the fit's own
    lr = name_token(name, "lr")
    if "convnet" in name:  # nets.ConvNet in its few-label configuration (al_convnet_probe.py)
        norm = "group" if "group" in name else "batch"
        common.update(module=ConvNet, module__pool="max", module__norm=norm)
        # a "-dropX" token: ConvNet(dropout=X) under a sampler too (2026-12-06)
        if (drop := name_token(name, "drop")) is not None:
            common["module__dropout"] = drop
    if name.startswith("mcd-adam"):
        extra = {"dropout": 0.25} if "convnet" in name else {}
        est = MCDropoutClassifier(
            optimizer=torch.optim.Adam, lr=lr or 1e-3, weight_decay=0.0, n_samples=DRAWS,
            **extra, **common,
        )  # fmt: skip
    elif name.startswith("mcd-sgd"):
        est = MCDropoutClassifier(lr=0.05, momentum=0.9, weight_decay=1e-3, n_samples=20, **common)
    elif name.startswith(("sgld-", "sghmc-", "psgld-")):
        iters = common["max_iter"]
        ns = name_token(name, "ns")  # an "-nsN" token: lr at N labels, scaled as 1 / sqrt(n)
        sampler = type("SqrtNScaledSGLD", (SqrtNScaledSGLD,), {"ns": ns}) if ns else SGLDClassifier
        est = sampler(
            method=name.split("-")[0],
            lr=lr or 0.05, weight_decay=0.05, temperature=float(name.split("-t")[1].split("@")[0]),
            burn_in=iters // 3, thinning=max(1, (iters - iters // 3) // 20), n_samples=DRAWS,
            **common,
        )  # fmt: skip
    elif name.startswith("sgd-"):
        est = DeterministicClassifier(lr=0.05, weight_decay=0.05, **common)
    t0 = time.perf_counter()
    L = ActiveLearner(
        est,
        query=query,
        batch_size=10,
        n_rounds=rounds,
        pool_subsample=POOL_SUB,
        random_state=seed,
    )
    L.fit(X, y, eval_set=(Xt, yt))
    acc = 100 * L.learning_curve_["score"]
    res[spec] = acc.tolist()
    print(
        f"{spec} seed{seed}: first {acc[0]:.1f} last {acc[-1]:.1f} mean {acc.mean():.1f}",
        f"[{time.perf_counter() - t0:.0f}s]",
        " ".join(f"{a:.0f}" for a in acc),
        flush=True,
    )
json.dump(
    res,
    open(
        f"benchmarks/results/al_network_probe_{'val_' if EVAL == 'validation' else ''}{seed}_"
        + "_".join(w.replace(":", "-") for w in which)
        + REDUCED
        + ".json",
        "w",
    ),
)
