"""APD with the training likelihood in the generator's loss (issue #21, item 1).

What the earlier probes measured on fcNN1 (Table 2's recipe, 1,200 updates):
APD's draws match the SGLD samples' per-weight variance, but disagree on MNIST
1.6-1.8x as often; shrinking the draws towards their mean only lowers the AUROC
(``apd_shrink_probe.py``). Per draw, the training NLL of APD's draws has the
samples' median but a long tail (``--diagnose``): the draws spread in directions
that cost likelihood, where the samples spread along directions the data leaves
free, and those are the directions that separate OOD inputs.

The variant: the generator's loss gets ``lam`` times the mean cross-entropy of its
draws on a minibatch of training images (``--nll-batch`` images, new ones every
update), so each draw is pulled towards weights that fit the data while the
critic keeps the draws' distribution on the samples'. ``lam=0`` is the package's
recipe (the control). The SGLD posterior's own log-density has this term times
the training-set size over the temperature; here ``lam`` is a free weight. Since
2026-12-05 (fifth session) the term is the package's own
(``APDClassifier(likelihood_weight=lam, likelihood_batch_size=...)``); the
results of the fourth session came from this script's earlier patch of the
generator's loss, the same term with the batches drawn from the GAN's stream.

Without ``--sgld``, or when its file does not exist yet, SGLD is fitted as Table 2
fits it (``ExperimentContext("anomaly", "large")``, the seed's ``ctx.sgld``) and
saved there.

Usage (continue a checkpoint of ``apd_updates_probe.py`` by 200 updates)::

    python benchmarks/apd_likelihood_probe.py --data-home ../shared/data --hidden fcNN1 \\
        --sgld /tmp/apdq/sgld_fcnn1_400.joblib --cache .runs/apd_lik \\
        --start-from .runs/apd_fcnn1/apd_fcnn1_large_seed0.joblib --lam 1 --updates 1400
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from apd_updates_probe import (
    _print,
    apd_params,
    banner,
    distil_checkpoints,
    load_checkpoint,
    open_gan,
    posterior_of,
    score,
    spread,
    validation_sets,
)

from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.nets import ParameterLayout
from sklearn_apd.posteriors.apd._likelihood import cross_entropy_per_draw
from sklearn_apd.prediction import batched_logits

#: The quantiles of the per-draw training NLL the probe reports.
QUANTILES = (0.1, 0.5, 0.9, 0.99, 1.0)


def per_draw_nll(W, X, y, net, chunk=50):
    """Mean cross-entropy on ``(X, y)`` of each row of the flat weights ``W``, as a NumPy array.

    ``net`` is ``(module, layout)``: the package's engine and per-draw loss, without
    gradient, in chunks of ``chunk`` draws.
    """
    module, layout = net
    with torch.no_grad():
        return torch.cat(
            [
                cross_entropy_per_draw(batched_logits(module, layout, W[s : s + chunk], X), y)
                for s in range(0, W.shape[0], chunk)
            ]
        ).numpy()


def diagnose(args, sgld, nll_s, X, y, net, Xt, test_sets):
    """Per-draw NLL quantiles, and the AUROCs without the draws that fit worse than any sample.

    ``nll_s`` is the per-sample NLL of the SGLD samples on ``(X, y)``.
    """
    apd = load_checkpoint(args.start_from, sgld)
    draws = apd.sample_parameters(600, random_state=args.seed)
    nll_a = per_draw_nll(draws, X, y, net)
    print(f"SGLD NLL quantiles {np.quantile(nll_s, QUANTILES).round(4)}", flush=True)
    print(f"APD ({apd.n_iter_} updates) NLL quantiles {np.quantile(nll_a, QUANTILES).round(4)}")
    keep = torch.from_numpy(nll_a <= nll_s.max())
    print(f"APD draws above the worst sample: {int((~keep).sum())} of {len(nll_a)}")
    for name, w in (("all draws", draws[:200]), ("draws <= the worst sample", draws[keep][:200])):
        r = score(posterior_of(sgld, w), Xt, test_sets)
        vr = r["notMNIST/variation_ratio"]
        cells = "  ".join(f"{k} {v['AUROC']:.2f}" for k, v in r.items())
        print(
            f"{name}: mean VR in / out {vr['mean-in']:.4f} / {vr['mean-out']:.4f}  {cells}",
            flush=True,
        )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--hidden", default="fcNN1", choices=["fcNN1", "fcNN2"])
    ap.add_argument("--sgld", default=None, help="the fitted SGLDClassifier (joblib)")
    ap.add_argument("--cache", required=True, help="folder for this probe's checkpoints")
    ap.add_argument("--start-from", default=None, help="an apd_updates_probe.py checkpoint")
    ap.add_argument("--lam", type=float, default=1.0)
    ap.add_argument("--nll-batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--updates", type=int, nargs="+", default=[200, 400, 800])
    ap.add_argument(
        "--lr-from", nargs="+", default=[], metavar="UPDATES:LR",
        help="from that many updates on, the GAN's lr (default: the budget's 1e-3 throughout); "
        "it takes effect at a checkpoint, so list UPDATES in --updates too",
    )  # fmt: skip
    ap.add_argument(
        "--apd-param", nargs="+", default=[], metavar="NAME=VALUE",
        help="other APDClassifier parameters of a new GAN (e.g. latent_dim=100), Python literals",
    )  # fmt: skip
    ap.add_argument("--diagnose", action="store_true", help="per-draw NLL quantiles only")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    extra = apd_params(args.apd_param)
    banner(
        "apd_likelihood_probe", network=args.hidden, lam=args.lam, nll_batch=args.nll_batch,
        start_from=args.start_from, seed=args.seed, lr_from=args.lr_from, apd_params=extra,
    )  # fmt: skip
    lr_from = sorted((int(u), float(lr)) for u, lr in (v.split(":") for v in args.lr_from))
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    ctx = ExperimentContext(
        "anomaly", "large", args.data_home, "cpu", cache / "ctx", args.seed, verbose=0
    )
    X, y, *_, Xt, _ = ctx.mnist()
    Xtr = torch.as_tensor(np.asarray(X, dtype=np.float32).reshape(len(X), -1))
    ytr = torch.as_tensor(np.asarray(y, dtype=np.int64))
    tag = f"{args.hidden.lower()}_large_seed{args.seed}"
    sgld_path = Path(args.sgld or cache / f"sgld_{tag}.joblib")
    if sgld_path.exists():
        sgld = joblib.load(sgld_path)
    else:
        t0 = time.perf_counter()
        sgld = ctx.sgld(args.hidden).fit(X, y)
        print(f"SGLD fitted in {time.perf_counter() - t0:.0f} s", flush=True)
        joblib.dump(sgld, sgld_path)
    net = (sgld.module_.eval(), ParameterLayout(sgld.module_))
    real = sgld.collect()
    diag_rows = torch.arange(5000)  # the first 5,000 training images

    X_diag, y_diag = Xtr[diag_rows], ytr[diag_rows]

    def nll_quantiles(nll):
        q = np.quantile(nll, QUANTILES)
        return {"mean": float(nll.mean()), "q10_50_90_99_100": [round(float(v), 4) for v in q]}

    pick = torch.randperm(real.shape[0], generator=torch.Generator().manual_seed(0))[:200]
    nll_s = per_draw_nll(real[pick], X_diag, y_diag, net)
    out = {"sgld_nll": nll_quantiles(nll_s), "apd": []}
    print(f"SGLD per-sample training NLL: {out['sgld_nll']}", flush=True)
    test_sets = ctx.ood_sets()
    if args.diagnose:
        return diagnose(args, sgld, nll_s, X_diag, y_diag, net, Xt, test_sets)
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    out["sgld"] = {"test": score(sgld, Xt, test_sets), "validation": score(sgld, Xv, val_sets)}
    _print("SGLD", out["sgld"])
    tag = f"apd_{args.hidden.lower()}_lam{args.lam:g}_b{args.nll_batch}_seed{args.seed}"
    if args.start_from:
        tag += f"_from{joblib.load(args.start_from).n_iter_}"
    tag += "".join(f"_lr{lr:g}from{u}" for u, lr in lr_from)
    tag += "".join(f"_{k}{v}".replace(" ", "").replace(",", "-") for k, v in extra.items())
    path = cache / f"{tag}.joblib"
    term = dict(likelihood_weight=args.lam, likelihood_batch_size=args.nll_batch, **extra)
    resumed = open_gan(path, args.start_from, sgld)
    if resumed is not None:
        resumed.set_params(**term)

    def stretches(apd):
        """``distil_checkpoints`` one target at a time, each stretch at its lr of ``--lr-from``."""
        for target in sorted(args.updates):
            done = apd.n_iter_ if apd is not None else 0
            lr = [ctx.b.apd_lr, *(r for u, r in lr_from if u <= done)][-1]
            if apd is not None:
                apd.set_params(lr=lr)
            for fitted, seconds in distil_checkpoints(
                ctx, sgld, apd, [target], X, y, path, **term, lr=lr
            ):
                apd = fitted
                yield fitted, seconds

    gan_s = 0.0
    for apd, seconds in stretches(resumed):
        gan_s += seconds
        trace = apd.distill_history_.get("likelihood", [])
        draws = apd.sample_parameters(ctx.b.n_samples, random_state=args.seed)
        point = {
            "updates": int(apd.n_iter_),
            "lr": float(apd.lr),
            "gan_s": round(gan_s, 1),
            "nll_term_last50": float(np.mean(trace[-50:])) if len(trace) else None,
            "test": score(apd, Xt, test_sets),
            "validation": score(apd, Xv, val_sets),
            "spread": spread(draws, real),
            "draw_nll": nll_quantiles(per_draw_nll(draws, X_diag, y_diag, net)),
        }
        out["apd"].append(point)
        _print(f"APD lam {args.lam:g} {point['updates']} updates ({gan_s:.0f} s)", point)
        print(f"  spread {point['spread']}\n  draw NLL {point['draw_nll']}", flush=True)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
