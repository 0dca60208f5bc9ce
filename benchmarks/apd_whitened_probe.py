"""APD's GAN on the samples' whitened principal coordinates (issue #21, item 1).

``apd_pc_spread_probe.py`` found that on fcNN2 the generator spreads along
about ten of the SGLD samples' principal components and hardly along the rest,
and that restoring the missing spread linearly does not recover the gap. One
reading: the critic's Wasserstein distance is measured in the standardized
weights' Euclidean geometry, where components with a small share of the
variance weigh almost nothing, so a generator that ignores them pays almost
nothing. This probe changes only that geometry. Each sample becomes its
coordinates on the samples' top ``k`` principal components (``k`` = all: no
loss), the package's WGAN-GP (``GANTrainer``, Table 2's recipe: standardized,
which on principal coordinates is whitening, lr 1e-3, batch 100, 3 x 100
critic and generator, latent 32) is trained on those ``k`` numbers, and each
draw is mapped back to weights (the samples' mean plus the coordinates times
the components). If the whitened GAN reaches SGLD's AUROC, the geometry is what
limits APD and a critic that sees whitened coordinates is the product's fix;
if it does not, it is not.

The rows: the samples projected on their top ``k`` components (what the
coordinates can hold at best), then the GAN at each of ``--updates``. Scored
with 200 draws as ``apd_updates_probe.py`` scores (Table 2's test sets and the
validation images). The mapping back costs ``k x P`` stored floats, as much as
``k`` samples: a diagnosis, not a storage recipe.

Usage::

    python benchmarks/apd_whitened_probe.py --data-home ../shared/data \\
        --sgld .runs/apd_lik2/sgld_fcnn2_large_seed0.joblib --ks 50 all \\
        --updates 800 3000 --out results/apd_whitened_fcnn2_seed0.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from apd_pc_spread_probe import components, coordinates, load_posterior, print_scores
from apd_rank_probe import n_components
from apd_updates_probe import apd_params, banner, posterior_of, score

from sklearn_apd import APDClassifier
from sklearn_apd.experiments import BUDGETS
from sklearn_apd.posteriors.apd._subspace import off_subspace_std
from sklearn_apd.posteriors.apd._trainer import DistillationLog, GANTrainer, train_offline

N_DRAWS = 200


def gan_settings(seed, **params):
    """Table 2's APD settings (``params`` changed) as ``GANTrainer`` reads them, on the CPU."""
    b = BUDGETS["large"]
    params = {"lr": b.apd_lr, "standardize": b.apd_standardize, **params}
    est = APDClassifier(random_state=seed, device="cpu", **params)
    est.device_ = torch.device("cpu")
    return est


def weight_variance(xc, block=50_000):
    """Each weight's variance over the centred samples ``xc``."""
    return torch.cat(
        [xc[:, j : j + block].double().pow(2).sum(0) / (len(xc) - 1)
         for j in range(0, xc.shape[1], block)]
    ).float()  # fmt: skip


def gan_weight_variance(g, v, n=20_000):
    """Each weight's variance under the generator ``g`` of coordinates on ``v``'s rows
    (``n`` draws of its own seed): ``diag(v^T Cov(c) v)``."""
    z = torch.randn(n, g.latent_dim, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        cov = torch.cov(g(z).double().T)
    return ((cov @ v.double()) * v.double()).sum(0).float()


def residual_name(scale):
    """A row's suffix: `` + residual`` (scale 1) or `` + residual x 0.5``."""
    return " + residual" + ("" if scale == 1 else f" x {scale:g}")


def with_noise(draws, sd, seed=2):
    """``draws`` plus independent Gaussian noise of per-weight standard deviation ``sd``."""
    eps = torch.randn(draws.shape, generator=torch.Generator().manual_seed(seed))
    return draws + eps * sd


def per_layer(module, spec):
    """A per-weight scale from ``spec`` (one scale per layer, comma-separated): each
    layer's weight and bias, in ``named_parameters()`` order, get its layer's scale."""
    params = [p.numel() for _, p in module.named_parameters()]
    scales = [float(a) for a in spec.split(",")]
    if 2 * len(scales) != len(params):
        msg = f"--residual-layers {spec!r}: {len(params) // 2} layers, not {len(scales)}"
        raise ValueError(msg)
    return torch.cat([torch.full((n,), scales[i // 2]) for i, n in enumerate(params)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--sgld", required=True, help="the fitted SGLDClassifier (joblib)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ks", nargs="+", default=["50", "all"])
    ap.add_argument("--updates", type=int, nargs="*", default=[800, 3000], help="none: no GAN")
    ap.add_argument(
        "--apd-param", nargs="+", default=[], metavar="NAME=VALUE",
        help="APDClassifier parameters other than Table 2's (e.g. critic_units=(500,500,500))",
    )  # fmt: skip
    ap.add_argument(
        "--no-samples", action="store_true", help="skip the SGLD and projected samples' rows"
    )
    ap.add_argument(
        "--residual", type=float, nargs="*", default=None, metavar="SCALE",
        help="also each row with independent Gaussian noise of SCALE times the samples' "
        "per-weight standard deviation off the top k (P more stored floats); no SCALE: 1",
    )  # fmt: skip
    ap.add_argument(
        "--match-variance", action="store_true",
        help="also each GAN row with noise that tops each weight's variance up to the samples' "
        "(the noise's variance: the samples' minus the GAN's own, at least 0)",
    )  # fmt: skip
    ap.add_argument(
        "--residual-layers", nargs="*", default=[], metavar="A1,A2,...",
        help="also each GAN row with the residual scaled per layer: one scale per layer "
        "(weight and bias) in the network's order, e.g. 0,0.5,0.5",
    )  # fmt: skip
    ap.add_argument(
        "--z-scale", type=float, nargs="*", default=[], metavar="S",
        help="also each GAN row (and its residual rows) with the latent z scaled by S "
        "(S < 1 narrows the draws, the truncation trick)",
    )  # fmt: skip
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    extra = apd_params(args.apd_param)
    banner(
        "apd_whitened_probe", sgld=args.sgld, ks=args.ks, updates=args.updates, seed=args.seed,
        apd_params=extra,
    )  # fmt: skip
    Xt, sets, Xv, val_sets, sgld, samples, pcs = load_posterior(args, "/tmp/apd_white")
    mean = pcs[0]
    out = {"apd_params": extra}
    if not args.no_samples:
        out["sgld"] = {"test": score(sgld, Xt, sets), "validation": score(sgld, Xv, val_sets)}

    def report(name, weights, **fields):
        est = posterior_of(sgld, weights)
        r = {"test": score(est, Xt, sets), **fields, "validation": score(est, Xv, val_sets)}
        out[name] = r
        print_scores(name, r)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))

    pick = torch.randperm(len(samples), generator=torch.Generator().manual_seed(args.seed))
    for k_name in args.ks:
        k = n_components(pcs) if k_name == "all" else int(k_name)
        v = components(pcs, k)
        coords = coordinates(samples, mean, v)  # (K x k)
        want_sd = args.residual is not None or args.residual_layers
        sd = off_subspace_std(pcs[1], coords, v) if want_sd else None
        scales = (args.residual or [1.0]) if args.residual is not None else []
        layer_scales = {spec: per_layer(sgld.module_, spec) for spec in args.residual_layers}
        if not args.no_samples:
            report(f"samples on top {k_name}", mean + coords[pick[:N_DRAWS]] @ v)
            for a in scales:
                report(f"samples on top {k_name}{residual_name(a)}",
                       with_noise(mean + coords[pick[:N_DRAWS]] @ v, a * sd))  # fmt: skip
        trainer = GANTrainer.new(gan_settings(args.seed, **extra), k, coords)
        log = DistillationLog()
        gan_s = 0.0
        for target in sorted(args.updates):
            t0 = time.perf_counter()
            train_offline(trainer, coords, log, target - log.n_iter, verbose=0)
            gan_s += time.perf_counter() - t0
            g = trainer.generator.eval()
            z = torch.randn(N_DRAWS, g.latent_dim, generator=torch.Generator().manual_seed(1))
            with torch.no_grad():
                c = g(z)
            ratio = c.double().var(0) / coords.double().var(0)
            w = log.arrays()["wasserstein"]
            draws = mean + c @ v
            report(
                f"whitened GAN, top {k_name}, {target} updates",
                draws,
                gan_s=round(gan_s, 1),
                wasserstein_last50=float(w[-50:].mean()),
                variance_ratio={str(i): float(ratio[i - 1]) for i in (1, 5, 10, 20, 50, 100, 500)
                                if i <= k},
            )  # fmt: skip
            for a in scales:
                report(f"whitened GAN, top {k_name}, {target} updates{residual_name(a)}",
                       with_noise(draws, a * sd))  # fmt: skip
            for spec, a in layer_scales.items():
                report(f"whitened GAN, top {k_name}, {target} updates + residual x ({spec})",
                       with_noise(draws, a * sd))  # fmt: skip
            for zs in args.z_scale:
                with torch.no_grad():
                    draws_s = mean + g(z * zs) @ v
                name = f"whitened GAN, top {k_name}, {target} updates, z x {zs:g}"
                report(name, draws_s)
                for a in scales:
                    report(f"{name}{residual_name(a)}", with_noise(draws_s, a * sd))
            if args.match_variance:
                top_up = (weight_variance(pcs[1]) - gan_weight_variance(g, v)).clamp_min(0)
                report(f"whitened GAN, top {k_name}, {target} updates + variance matched",
                       with_noise(draws, top_up.sqrt()),
                       topped_up_share=float((top_up > 0).float().mean()))  # fmt: skip
            g.train()


if __name__ == "__main__":
    main()
