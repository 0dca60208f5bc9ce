"""Figures 3, 5, 6, 7: how many samples, which compression, which GAN objective."""

from __future__ import annotations

import time
from dataclasses import asdict

from sklearn.frozen import FrozenEstimator

from ..evaluation.metrics import ood_auroc, uncertainty_scores
from ..posteriors import GaussianMixturePosterior
from ._report import render_gan_variants, render_mixture, render_sample_size


# ------------------------------------------------------------ sample-size
def run_sample_size(ctx):
    """Figures 3 and 6: OOD AUROC against the number of test-time samples."""
    *_, Xt, _ = ctx.mnist()
    sgld, apd = ctx.fitted("SGLD")[0], ctx.fitted("APD")[0]
    mc_dropout = ctx.fitted("MC-Drop")[0]
    out = ctx.ood_sets()["notMNIST"]
    counts = [c for c in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if c <= 4 * ctx.b.n_samples]
    names = ("SGLD", "APD", "MC-Drop")
    results = {"n_samples": counts, **{name: {} for name in names}}
    for name, est in zip(names, (sgld, apd, mc_dropout), strict=True):
        for kind in ("entropy", "bald"):
            results[name][kind] = [
                ood_auroc(
                    est.uncertainty(Xt, kind, n_samples=c), est.uncertainty(out, kind, n_samples=c)
                )
                for c in counts
            ]
    results["SGLD_stored_samples"] = int(sgld.samples_.shape[0])
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, name in enumerate(names):
        for kind, ls in (("entropy", "-"), ("bald", "--")):
            ax.semilogx(
                counts, results[name][kind], ls, color=f"C{i}", marker="o", label=f"{name}, {kind}"
            )
    ax.set_xlabel("posterior samples at test time")
    ax.set_ylabel("AUROC, MNIST vs notMNIST")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.out / "sample_size.png", dpi=100)
    plt.close(fig)
    markdown = render_sample_size(results, asdict(ctx.b))
    return results, markdown + "\n\n![sample size](sample_size.png)"


# ---------------------------------------------------------------- mixture
def run_mixture(ctx):
    """Figure 5: Gaussian mixtures of growing size against SGLD and APD."""
    X, y, *_, Xt, _ = ctx.mnist()
    sgld, apd = ctx.fitted("SGLD")[0], ctx.fitted("APD")[0]
    out = ctx.ood_sets()["notMNIST"]

    def entry(est):
        """AUROC by entropy (the paper's Figure 5) and by BALD, and the storage."""
        kinds = ("entropy", "bald")  # both from one evaluation of the draws
        s_in, s_out = (uncertainty_scores(est, data, kinds) for data in (Xt, out))
        return {
            **{f"auroc_{kind}": ood_auroc(s_in[kind], s_out[kind]) for kind in kinds},
            "storage": int(est.storage_size_),
        }

    results = {"SGLD": entry(sgld), "APD": entry(apd)}
    results["SGLD"]["stored_samples"] = int(sgld.samples_.shape[0])
    for k in ctx.b.mixture_components:
        if k > sgld.samples_.shape[0]:
            break
        gmm = GaussianMixturePosterior(
            FrozenEstimator(sgld), n_components=k, n_samples=ctx.b.n_samples,
            random_state=ctx.seed,
        ).fit(X, y)  # fmt: skip
        results[f"MoG-{k}"] = entry(gmm)
    ref = results["SGLD"]
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [int(k.split("-")[1]) for k in results if k.startswith("MoG")]
    for kind, ls in (("entropy", "-"), ("bald", "--")):
        key = f"auroc_{kind}"
        ax.plot(ks, [results[f"MoG-{k}"][key] for k in ks], "o" + ls, color="C0",
                label=f"mixture, {kind}")  # fmt: skip
        ax.axhline(ref[key], color="k", ls=ls, label=f"SGLD samples, {kind}")
        ax.axhline(results["APD"][key], color="C1", ls=ls, label=f"APD, {kind}")
    ax.set_xlabel("mixture components")
    ax.set_ylabel("AUROC, MNIST vs notMNIST")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.out / "mixture.png", dpi=100)
    plt.close(fig)
    markdown = render_mixture(results, asdict(ctx.b))
    return results, markdown + "\n\n![mixture](mixture.png)"


# ----------------------------------------------------------- gan-variants
def run_gan_variants(ctx):
    """Figure 7: the GAN objective of the distillation, as curves over its updates."""
    X, y, *_, Xt, yt = ctx.mnist()
    sgld = ctx.fitted("SGLD")[0]
    out = ctx.ood_sets()["notMNIST"]
    kinds = ("variation_ratio", "bald")

    def evaluate(est):
        s_in, s_out = (uncertainty_scores(est, data, kinds) for data in (Xt, out))
        row = {f"auroc_{k}": ood_auroc(s_in[k], s_out[k]) for k in kinds}
        return {"accuracy": float(est.score(Xt, yt)), **row}

    # Eight checkpoints: warm-started fits continue one GAN (and its noise
    # stream), so the last checkpoint is the GAN of one fit of apd_iter updates.
    checkpoints = sorted({int(round(ctx.b.apd_iter * i / 8)) for i in range(1, 9)} - {0})
    results = {}
    for gan in ("wgan-gp", "wgan", "gan"):
        apd = ctx.apd(sgld, on_weights=True, gan=gan, warm_start=True)
        curve = {"iteration": [], "accuracy": [], **{f"auroc_{k}": [] for k in kinds}}
        t0, done = time.perf_counter(), 0
        for total in checkpoints:
            apd.set_params(max_iter=total - done).fit(X, y)
            done = total
            for key, value in {"iteration": apd.n_iter_, **evaluate(apd)}.items():
                curve[key].append(value)
        results[gan] = {
            **{key: values[-1] for key, values in curve.items() if key != "iteration"},
            "curve": curve,
            "gan_params": apd.gan_params_,
            # Training and the checkpoints' evaluations.
            "fit_time_s": round(time.perf_counter() - t0, 1),
        }
    results["SGLD"] = evaluate(sgld)
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, gan in enumerate(("wgan-gp", "wgan", "gan")):
        c = results[gan]["curve"]
        ax.plot(c["iteration"], c["auroc_variation_ratio"], "o-", color=f"C{i}", label=gan)
    ax.axhline(results["SGLD"]["auroc_variation_ratio"], color="k", ls="--", label="SGLD")
    ax.set_xlabel("generator updates")
    ax.set_ylabel("AUROC (variation ratio), MNIST vs notMNIST")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.out / "gan_variants.png", dpi=100)
    plt.close(fig)
    markdown = render_gan_variants(results, asdict(ctx.b))
    return results, markdown + "\n\n![gan variants](gan_variants.png)"
