"""Table 2's APD gap against the number of GAN updates (issue #21, item 1).

``reproduce anomaly --budget large`` distils fcNN2's SGLD posterior with 800
GAN updates (standardized weights, lr 1e-3) and APD then trails SGLD by 1.3-2.2
AUROC points on variation ratio for notMNIST and CIFAR10bw (three seeds). This
probe asks what more updates buy, and whether the distilled draws are
under-spread:

1. SGLD exactly as Table 2 fits it (``ExperimentContext("anomaly", "large")``,
   the same seed): cached under ``--cache``, since every variant distils it.
2. APD as Table 2 builds it (``ctx.apd``) with ``warm_start=True``, continued
   to each of ``--updates``; at each, the generator is saved under ``--cache``
   (the run resumes from the last one) and scored:
   - test, as Table 2: the first 2,000 MNIST test images vs each OOD set's
     first 2,000 (x5), variation ratio and BALD AUROC with 200 draws, and the
     mean score in and out (an under-spread generator has lower means);
   - validation, for choosing a number of updates without the test images:
     MNIST validation images 0-1,999 vs notMNIST and CIFAR10bw images
     2,000-3,999 (x5);
   - the spread of 200 generated weight vectors against the 200 SGLD
     samples: per-weight variance ratio (mean over weights, which is the
     standardized space the GAN trains in) and the squared distance of the
     means in units of the samples' total variance.

``--hidden fcNN1`` runs the same on fcNN1 (``--sgld FILE`` distils an SGLD
fit saved with joblib instead, e.g. ``bench_apd_quality.py``'s cache).
``--init-spread S`` is an experiment on the generator's start: its last layer
is rescaled (and its bias zeroed) so that its first draws have per-weight
standard deviation S in the standardized space, where the samples have 1;
PyTorch's default initialisation starts them near 0.03 (all draws near the
samples' mean).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/apd_updates_probe.py --data-home ../shared/data \\
        --cache .runs/apd_fcnn2 --updates 200 400 800 1200 1600 --out results/apd_fcnn2_seed0.json
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.frozen import FrozenEstimator

from sklearn_apd import datasets as D
from sklearn_apd.evaluation.metrics import ood_report
from sklearn_apd.experiments import cpu_description
from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.experiments.budgets import INPUT_RANGE
from sklearn_apd.posteriors.apd import _trainer

KINDS = ("variation_ratio", "bald")
N_VAL = 2000


class SpreadInitGenerator(_trainer.WeightGenerator):
    """A WeightGenerator whose first draws have per-weight standard deviation INIT_SPREAD."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        with torch.no_grad():
            out = self.net(torch.randn(1024, self.latent_dim))  # under APD's seeded init
            self.last.weight.mul_(INIT_SPREAD / out.var(0).mean().sqrt())
            self.last.bias.zero_()


INIT_SPREAD = None


def use_spread_init(spread):
    """Every APD generator built from now on starts with per-weight spread ``spread``."""
    global INIT_SPREAD
    INIT_SPREAD = spread
    _trainer.WeightGenerator = SpreadInitGenerator


def apd_params(values):
    """``NAME=VALUE`` strings of ``--apd-param`` as APDClassifier parameters (Python literals)."""
    return {k: ast.literal_eval(v) for k, v in (p.split("=", 1) for p in values)}


def banner(script, **fields):
    """The first output line: script, date, machine, torch, threads and the run's settings."""
    settings = "  ".join(f"{k.replace('_', ' ')} {v}" for k, v in fields.items())
    print(
        f"# {script}  {time.strftime('%Y-%m-%d %H:%M')}  {cpu_description()}  "
        f"torch {torch.__version__}  threads {torch.get_num_threads()}  {settings}",
        flush=True,
    )


def validation_sets(data_home, seed):
    """MNIST validation images and notMNIST / Omniglot / CIFAR10bw images (x5) disjoint from
    Table 2's (its first 2,000 of each) for choosing."""
    kw = dict(data_home=data_home, input_range=INPUT_RANGE, scale=D.PAPER_OOD_SCALE)
    Xv, _ = D.load_mnist(
        "validation", data_home=data_home, input_range=INPUT_RANGE, return_X_y=True
    )
    sets = {
        "notMNIST": D.load_notmnist(**kw).data[N_VAL : 2 * N_VAL],
        "OmniGlot": D.load_omniglot(**kw).data[N_VAL : 2 * N_VAL],
        "CIFAR10bw": D.load_cifar10bw(**kw).data[N_VAL : 2 * N_VAL],
    }
    return Xv[:N_VAL], sets


def score(est, X_in, sets):
    """{set/kind: AUROC, mean-in, mean-out} in percent and raw means."""
    rows = ood_report(est, X_in, sets, kinds=KINDS).rows
    return {
        f"{r['ood_set']}/{r['kind']}": {
            "AUROC": 100 * r["AUROC"],
            "mean-in": r["mean-in"],
            "mean-out": r["mean-out"],
        }
        for r in rows
    }


def save_checkpoint(apd, path):
    """The GAN's state without its frozen sampler, which is cached on its own (1.9 GB on fcNN2)."""
    sampler = apd.sampler
    try:
        joblib.dump(apd.set_params(sampler=None), path)
    finally:
        apd.set_params(sampler=sampler)


def load_checkpoint(path, sgld):
    """A checkpoint of `save_checkpoint` (or an older one, which kept its sampler) on ``sgld``."""
    return joblib.load(path).set_params(sampler=FrozenEstimator(sgld))


def open_gan(path, start_from, sgld):
    """The GAN to continue: ``path``'s checkpoint, else ``start_from``'s, else None (a new one)."""
    if Path(path).exists():
        return load_checkpoint(path, sgld)
    return load_checkpoint(start_from, sgld) if start_from else None


def distil_checkpoints(ctx, sgld, apd, targets, X, y, path, **new_params):
    """Continue ``apd`` (or a new Table 2 GAN with ``new_params``) to each of ``targets`` updates.

    Yields ``(apd, seconds)`` after each target it had not reached, the GAN saved to ``path``
    (`save_checkpoint`) first; ``seconds`` is that stretch's fitting time.
    """
    for target in sorted(targets):
        done = apd.n_iter_ if apd is not None else 0
        if target <= done:
            continue
        if apd is None:
            apd = ctx.apd(sgld, on_weights=True, warm_start=True, max_iter=target, **new_params)
        else:
            apd.set_params(max_iter=target - done)
        t0 = time.perf_counter()
        apd.fit(X, y)
        seconds = time.perf_counter() - t0
        save_checkpoint(apd, path)
        yield apd, seconds


def posterior_of(sgld, draws):
    """``sgld`` predicting with ``draws`` as its samples (a shallow copy: the module is shared)."""
    est = copy.copy(sgld)
    est.samples_ = draws
    return est


def spread(gen, real):
    """Variance ratio per weight (mean) and the squared mean shift over the samples' variance."""
    gen, real = gen.double(), real.double()
    var_r, var_g = real.var(0), gen.var(0)
    keep = var_r > 0
    shift = ((gen.mean(0) - real.mean(0)) ** 2).sum() / var_r.sum()
    return {
        "variance_ratio_per_weight": float((var_g[keep] / var_r[keep]).mean()),
        "total_variance_ratio": float(var_g.sum() / var_r.sum()),
        "mean_shift": float(shift),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--summary", nargs="+", default=None, help="print a table of --out files")
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--cache", required=True, help="folder for the SGLD fit and APD checkpoints")
    ap.add_argument("--seed", type=int, default=0, help="Table 2's seed (SGLD and APD)")
    ap.add_argument("--budget", default="large", help="'quick' for a smoke run")
    ap.add_argument("--hidden", default="fcNN2", choices=["fcNN1", "fcNN2"])
    ap.add_argument("--sgld", default=None, help="a fitted SGLDClassifier (joblib) to distil")
    ap.add_argument("--init-spread", type=float, default=None)
    ap.add_argument(
        "--lr", type=float, default=None,
        help="the GAN's lr from here on (default: the budget's); with --start-from, a schedule",
    )  # fmt: skip
    ap.add_argument(
        "--start-from", default=None,
        help="continue a checkpoint of this script (apd_*.joblib) instead of a new GAN",
    )  # fmt: skip
    ap.add_argument("--updates", type=int, nargs="+", default=[200, 400, 800, 1200, 1600])
    ap.add_argument("--out", default=None, help="JSON file, rewritten after every checkpoint")
    args = ap.parse_args()
    if args.summary:
        return summary(args.summary)
    if args.init_spread is not None:
        use_spread_init(args.init_spread)
    tag = f"{args.hidden.lower()}_{args.budget}_seed{args.seed}"
    banner(
        "apd_updates_probe", seed=args.seed, budget=args.budget, network=args.hidden,
        init_spread=args.init_spread, lr=args.lr, start_from=args.start_from,
    )  # fmt: skip
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    ctx = ExperimentContext(
        "anomaly", args.budget, args.data_home, "cpu", cache / "ctx", args.seed, verbose=0
    )
    X, y, *_, Xt, _ = ctx.mnist()
    test_sets = ctx.ood_sets()
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    out = json.loads(Path(args.out).read_text()) if args.out and Path(args.out).exists() else {}

    path = Path(args.sgld) if args.sgld else cache / f"sgld_{tag}.joblib"
    if path.exists():
        sgld = joblib.load(path)
    else:
        t0 = time.perf_counter()
        sgld = ctx.sgld(args.hidden).fit(X, y)
        out["sgld_fit_s"] = round(time.perf_counter() - t0, 1)
        joblib.dump(sgld, path)
    real = sgld.collect()  # the samples APD distils
    if "sgld" not in out:
        out["sgld"] = {"test": score(sgld, Xt, test_sets), "validation": score(sgld, Xv, val_sets)}
    print(f"SGLD: {real.shape[0]} samples of {real.shape[1]:,} weights", flush=True)
    _print("SGLD", out["sgld"])

    curve = out.setdefault("apd", [])
    variant = "" if args.init_spread is None else f"_init{args.init_spread:g}"
    if args.start_from:
        variant += f"_from{joblib.load(args.start_from).n_iter_}"
    if args.lr is not None:
        variant += f"_lr{args.lr:g}"
    apd_path = cache / f"apd_{tag}{variant}.joblib"
    first_from = args.start_from and not apd_path.exists()
    resumed = open_gan(apd_path, args.start_from, sgld)
    if first_from:
        curve.append({"updates": int(resumed.n_iter_), "gan_s": None, "from": args.start_from})
    if args.lr is not None and resumed is not None:
        resumed.set_params(lr=args.lr)
    gan_s = curve[-1]["gan_s"] if curve and curve[-1]["gan_s"] else 0.0
    new_params = {} if args.lr is None else {"lr": args.lr}
    for apd, seconds in distil_checkpoints(
        ctx, sgld, resumed, args.updates, X, y, apd_path, **new_params
    ):
        gan_s += seconds
        point = {
            "updates": int(apd.n_iter_),
            "gan_s": round(gan_s, 1),
            "test": score(apd, Xt, test_sets),
            "validation": score(apd, Xv, val_sets),
            "spread": spread(apd.sample_parameters(ctx.b.n_samples), real),
            "wasserstein_last": float(np.mean(apd.distill_history_["wasserstein"][-20:])),
        }
        curve.append(point)
        _print(f"APD {point['updates']} updates ({point['gan_s']:.0f} s)", point)
        print(f"  spread {point['spread']}", flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


COLUMNS = [
    ("test", "notMNIST/variation_ratio"),
    ("test", "CIFAR10bw/variation_ratio"),
    ("test", "OmniGlot/variation_ratio"),
    ("test", "notMNIST/bald"),
    ("test", "CIFAR10bw/bald"),
    ("validation", "notMNIST/variation_ratio"),
    ("validation", "CIFAR10bw/variation_ratio"),
]


def summary(paths):
    """A Markdown table of one or more ``--out`` files: SGLD's row, then each checkpoint."""
    head = [f"{'val. ' if s == 'validation' else ''}{k.replace('variation_ratio', 'VR')}"
            .replace("bald", "BALD") for s, k in COLUMNS]  # fmt: skip
    print(
        "| run | updates | GAN s | " + " | ".join(head)
        + " | mean VR in / out (notMNIST) | variance ratio |"
    )  # fmt: skip
    print("|---" * (len(head) + 5) + "|")
    for i, path in enumerate(paths):
        out = json.loads(Path(path).read_text())
        rows = [("SGLD", "-", "-", out["sgld"], None)] if i == 0 else []
        rows += [
            (Path(path).stem, p["updates"], p["gan_s"], p, p["spread"])
            for p in out["apd"]
            if "test" in p
        ]
        for name, updates, gan_s, r, sp in rows:
            cells = [f"{r[s][k]['AUROC']:.2f}" for s, k in COLUMNS]
            vr = r["test"]["notMNIST/variation_ratio"]
            ratio = f"{sp['variance_ratio_per_weight']:.2f}" if sp else "1"
            print(
                f"| {name} | {updates} | {gan_s} | " + " | ".join(cells)
                + f" | {vr['mean-in']:.3f} / {vr['mean-out']:.3f} | {ratio} |"
            )  # fmt: skip


def _print(name, r):
    for split in ("test", "validation"):
        cells = "  ".join(
            f"{k.replace('variation_ratio', 'VR').replace('bald', 'BALD')} {v['AUROC']:.2f}"
            f" ({v['mean-in']:.3f}/{v['mean-out']:.3f})"
            for k, v in r[split].items()
            if split == "validation" or k.split("/")[0] in ("notMNIST", "CIFAR10bw", "OmniGlot")
        )
        print(f"{name} {split}: {cells}", flush=True)


if __name__ == "__main__":
    main()
