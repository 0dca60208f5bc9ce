"""Probe (#20, item 4): does ``nets.ConvNet`` train on 20, 120 and 520 MNIST labels?

Not a speed benchmark: the measurement behind ``nets.ConvNet``'s ``norm``
option and behind the network ``reproduce active-learning`` uses. The
committed Figure 4 run fell back to fcNN1 because the ConvNet (the paper's
active-learning network) reached 33% test accuracy on 20 labels where fcNN1
reached 56%.

Protocol (one seed, one process): nested labelled sets from the 50,000-image
pool, 2 per class for the first 20, then random images up to 120 and 520;
accuracy of the posterior mean prediction on the first ``N_TEST`` (default 1,000) test
images. Every network gets the same reduced fit, cheap enough for the ConvNet
on a 2-core CPU: ``ITERS`` (default 150) minibatches of ``min(n, 64)``;

- ``adam``: DeterministicClassifier, Adam lr 1e-3, no weight decay (the fit of
  ``ActiveLearner()``'s default estimator);
- ``sgdm``: DeterministicClassifier, SGD lr 0.05, momentum 0.9, weight decay
  1e-3;
- ``sgld``: SGLDClassifier with ``reproduce active-learning``'s posterior
  (temperature 1e-3, weight decay 0.05, lr 0.05), burn-in a third of the
  iterations, 20 samples kept.
- ``sghmc``: the same with ``method="sghmc"`` (friction 0.1; added 2026-12-05,
  seventh session).
- ``psgld``: SGLDClassifier(method="psgld"), lr 2e-3 (a step of lr / 2 = Adam's
  1e-3 per weight), temperature 1e-2 (Figure 4's), weight decay 0.05, burn-in a
  third, 20 samples kept (added 2026-12-05, sixth session).

Options after the fit override its lr, weight decay and temperature
(``sgld_lr0.01_wd0.005_t1e-2``; ``sgld``, ``sghmc`` and ``psgld`` take all
three, ``adam`` lr and wd; added 2026-12-05, seventh session). ``cycN`` (sgld and
sghmc) takes the cyclical schedule with N cycles, lr the peak, no burn-in, and
keeps 20 states spread over the cycles' sampling ends (eighth session). ``bsN``
(any method) sets the batch size to ``min(n, N)`` instead of ``min(n, 64)``;
``nsN`` (psgld) takes lr as the step at N labels and scales it by ``sqrt(N / n)`` on
n labels (both fourteenth session).
``-fAxB`` in a ConvNet name sets ``n_filters=(A, B)``, ``-group`` / ``-batch``
its ``norm``.

Since 2026-12-05 (sixth session) also Figure 4's own fits at the ``large``
budget with the network swapped in (``ITERS`` does not apply): ``fig4sgd``
(DeterministicClassifier, 1,000 steps, SGD lr 0.025 with momentum 0.9, weight
decay 0.05) and ``fig4sghmc`` (SGLDClassifier(method="sghmc"), the same
dynamics with noise at temperature 1e-2, 20 states after a third burn-in).

``fcnn1-al`` is fcNN1 under ``reproduce active-learning``'s own fit (3,000
full-batch iterations; SGD at the package defaults, SGLD as above), the
figure the ConvNet must reach.

Usage::

    NT=1 python benchmarks/al_convnet_probe.py SEED NET:METHOD ...
    # NET: fcnn1, fcnn1-al, lenet, convnet, convnet-batch, convnet-group, convnet-max,
    # convnet-max-batch (ConvNet's pool="max", with a norm), convnet-max-batch-drop0.25
    # (and ConvNet(dropout=0.25), as the reference network's dropout after each stage)
    ONLY=20 python ...      # fit only these label counts (comma-separated; same sets)
    N_VAL=1000 python ...   # also score the first N_VAL validation images (for choosing)
    SUFFIX=_val python ...  # append to the result's file name (a re-run beside a committed one)
    python benchmarks/al_convnet_probe.py summary   # table of the committed results

Results: ``benchmarks/results/al_convnet_probe_SEED_NET-METHOD.json``.
``*_shared-statistics.json``: a batch-normalised network sampled before
SGLDClassifier gave each kept sample its own statistics (all samples predicted
with the chain's last running averages; renamed 2026-12-05, eighth session).
"""

from __future__ import annotations

import glob
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from al_apd_updates import FCNN1_AL_FIT, FCNN1_AL_SGLD

from sklearn_apd import DeterministicClassifier, SGLDClassifier
from sklearn_apd import datasets as D
from sklearn_apd.experiments import INPUT_RANGE, cpu_description
from sklearn_apd.experiments.budgets import (
    BUDGETS,
    active_learning_sgd_params,
    active_learning_sgld_params,
)
from sklearn_apd.nets import MLP, ConvNet, LeNet

RESULTS = Path(__file__).parent / "results"
SIZES = (20, 120, 520)


def labelled_sets(y, seed):
    """Nested index sets of SIZES labels: 2 per class first, then random pool images."""
    rng = np.random.default_rng(seed)
    first = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 2, replace=False) for c in range(10)]
    )
    rest = rng.permutation(np.setdiff1d(np.arange(len(y)), first))[: SIZES[-1] - 20]
    order = np.concatenate([first, rest])
    return {n: order[:n] for n in SIZES}


def mnist_pool_and_test(n_test):
    """The 50,000-image pool and the first ``n_test`` test images (``SKLEARN_APD_DATA``)."""
    kw = dict(
        data_home=os.environ.get("SKLEARN_APD_DATA", "../shared/data"),
        input_range=INPUT_RANGE,
        return_X_y=True,
    )
    X, y = D.load_mnist("train", **kw)
    Xt, yt = D.load_mnist("test", **kw)
    return X, y, Xt[:n_test], yt[:n_test]


def estimator(net, method, n, iters, seed):
    """The unfitted estimator of ``net:method`` for ``n`` labels."""
    common = dict(random_state=seed, verbose=0)
    if net == "fcnn1-al":  # the fcNN1 Figure 4 protocol's own fit
        if method in ("sgd", "adam"):  # the experiment's SGD baseline
            return DeterministicClassifier(**FCNN1_AL_FIT, **common)
        return SGLDClassifier(**FCNN1_AL_SGLD, n_samples=20, **common)
    module = {"fcnn1": MLP, "lenet": LeNet}.get(net, ConvNet)
    if net == "fcnn1":
        common["module__hidden_units"] = "fcNN1"
    for part in net.split("-")[1:] if net.startswith("convnet") else ():
        if part == "max":  # nets.ConvNet(pool="max"): the reference code's max pooling
            common["module__pool"] = "max"
        elif part[:1] == "f" and "x" in part:  # e.g. f16x32: ConvNet(n_filters=(16, 32))
            common["module__n_filters"] = tuple(int(c) for c in part[1:].split("x"))
        elif part.startswith("drop"):  # e.g. drop0.25: ConvNet(dropout=0.25) after each stage
            common["module__dropout"] = float(part[4:])
        else:
            common["module__norm"] = part
    if method in ("fig4sgd", "fig4sghmc"):  # Figure 4's own fits (large budget), this network
        b = BUDGETS["large"]
        if method == "fig4sgd":
            params = active_learning_sgd_params(b)
            return DeterministicClassifier(**{**params, "module": module}, **common)
        params = active_learning_sgld_params(b)
        return SGLDClassifier(**{**params, "module": module}, **common)
    method, *opts = method.split("_")  # e.g. sgld_lr0.01_wd0.005_t1e-2: the sampler's settings
    opt = {k: float(v) for k, v in (_option(o) for o in opts)}
    if "ns" in opt and method != "psgld":  # not silently ignored
        raise SystemExit(f"option nsN scales psgld's lr only, not {method}'s")
    fit = dict(module=module, max_iter=iters, batch_size=min(n, int(opt.get("bs", 64))), **common)
    if method == "adam":
        return DeterministicClassifier(
            optimizer=torch.optim.Adam,
            lr=opt.get("lr", 1e-3),
            weight_decay=opt.get("wd", 0),
            **fit,
        )
    if method == "sgdm":
        return DeterministicClassifier(lr=0.05, momentum=0.9, weight_decay=1e-3, **fit)
    if method == "psgld":  # RMSprop-preconditioned: per-weight steps as Adam's
        lr = opt.get("lr", 2e-3)
        if "ns" in opt:  # lr given at ns labels, scaled as 1 / sqrt(n) (fourteenth session)
            lr *= (opt["ns"] / n) ** 0.5
        return SGLDClassifier(
            method="psgld", lr=lr, temperature=opt.get("t", 1e-2),
            weight_decay=opt.get("wd", 0.05),
            burn_in=iters // 3, thinning=max(1, (iters - iters // 3) // 20), n_samples=20, **fit,
        )  # fmt: skip
    if method == "sghmc":  # SGHMC, friction 0.1: the sampler's analogue of SGD with momentum 0.9
        fit["method"] = "sghmc"
    keep = dict(burn_in=iters // 3, thinning=max(1, (iters - iters // 3) // 20))
    if "cyc" in opt:  # cyclical steps (Zhang et al. 2020): 20 states from the cycles' ends
        cycles = int(opt["cyc"])
        keep = dict(schedule="cyclical", n_cycles=cycles, burn_in=0,
                    thinning=max(1, int(iters * 0.2) // 20))  # fmt: skip
    return SGLDClassifier(
        lr=opt.get("lr", 0.05), temperature=opt.get("t", FCNN1_AL_SGLD["temperature"]),
        weight_decay=opt.get("wd", 0.05), n_samples=20, **keep, **fit,
    )  # fmt: skip


def _option(text):
    """``lr0.01`` -> ``("lr", "0.01")``: a method option's name and value."""
    for name in ("lr", "wd", "t", "cyc", "bs", "ns"):
        if text.startswith(name):
            return name, text[len(name) :]
    raise SystemExit(f"unknown method option {text!r} (lrX, wdX, tX, cycN, bsN, nsN)")


def summary():
    rows = {}
    for path in sorted(glob.glob(str(RESULTS / "al_convnet_probe_*.json"))):
        r = json.load(open(path))
        config = r["config"] + (f" ({r['iters']} steps)" if r["iters"] != 150 else "")
        if path.endswith("_shared-statistics.json"):  # batch norm before per-sample statistics
            config += " (shared statistics)"
        if len(r["accuracy"]) < len(SIZES):  # an ONLY= run
            config += f" ({', '.join(r['accuracy'])} labels only)"
        rows.setdefault(config, {})[r["seed"]] = r
    print(f"| network:fit | {' | '.join(f'{n} labels' for n in SIZES)} | seeds | fit time (s) |")
    print("|---" * (len(SIZES) + 3) + "|")
    for config, by_seed in sorted(rows.items()):
        acc = np.array(
            [[r["accuracy"].get(str(n), np.nan) for n in SIZES] for r in by_seed.values()]
        )
        cells = " | ".join(
            "-" if np.isnan(m) else f"{m:.1f} ± {s:.1f}"
            for m, s in zip(acc.mean(0), acc.std(0), strict=True)
        )
        t = np.mean([sum(r["fit_time_s"].values()) for r in by_seed.values()])
        print(f"| {config} | {cells} | {','.join(map(str, sorted(by_seed)))} | {t:.0f} |")


def main(argv):
    if argv[:1] == ["summary"]:
        return summary()
    torch.set_num_threads(int(os.environ.get("NT", "1")))
    seed, specs = int(argv[0]), argv[1:]
    iters = int(os.environ.get("ITERS", "150"))
    n_test = int(os.environ.get("N_TEST", "1000"))
    X, y, Xt, yt = mnist_pool_and_test(n_test)
    n_val = int(os.environ.get("N_VAL", "0"))
    if n_val:
        Xv, yv = D.load_mnist(
            "validation", data_home=os.environ.get("SKLEARN_APD_DATA", "../shared/data"),
            input_range=INPUT_RANGE, return_X_y=True,
        )  # fmt: skip
        Xv, yv = Xv[:n_val], yv[:n_val]
    sets = labelled_sets(y, seed)
    only = os.environ.get("ONLY")  # e.g. ONLY=20: fit these sizes only (same sets)
    for spec in specs:
        net, method = spec.split(":")
        out = {"config": spec, "seed": seed, "iters": iters, "n_test": n_test,
               "machine": cpu_description(), "accuracy": {}, "fit_time_s": {}}  # fmt: skip
        for n, idx in sets.items():
            if only and str(n) not in only.split(","):
                continue
            est = estimator(net, method, n, iters, seed)
            t0 = time.perf_counter()
            est.fit(X[idx], y[idx])
            out["fit_time_s"][str(n)] = round(time.perf_counter() - t0, 1)
            out["accuracy"][str(n)] = round(100 * est.score(Xt, yt), 2)
            # under- or over-fitting: the labelled set's own accuracy (added 2026-12-05, seventh)
            out.setdefault("train_accuracy", {})[str(n)] = round(
                100 * est.score(X[idx], y[idx]), 2
            )
            if n_val:  # choices between settings are made on these, not on the test images
                out.setdefault("validation_accuracy", {})[str(n)] = round(
                    100 * est.score(Xv, yv), 2
                )
            print(f"{spec} seed {seed} {n} labels: {out['accuracy'][str(n)]:.1f}%",
                  f"(train {out['train_accuracy'][str(n)]:.1f}%)",
                  f"[{out['fit_time_s'][str(n)]:.0f} s fit]", flush=True)  # fmt: skip
        longer = f"_iters{iters}" if iters != 150 else ""  # ITERS other than the default
        longer += f"_only{only.replace(',', '-')}" if only else ""
        longer += os.environ.get("SUFFIX", "")
        name = f"al_convnet_probe_{seed}_{spec.replace(':', '-')}{longer}.json"
        (RESULTS / name).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
