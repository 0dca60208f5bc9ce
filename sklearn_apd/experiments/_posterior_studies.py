"""Figures 3, 5, 6, 7: how many samples, which compression, which GAN objective."""

from __future__ import annotations

import time

from sklearn.frozen import FrozenEstimator

from ..evaluation.metrics import ood_auroc, uncertainty_scores
from ..posteriors import GaussianMixturePosterior
from ._report import pct
from .paper import paper_results


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
    lines = [
        "Figures 3 and 6: notMNIST AUROC (%) vs the number of test-time samples "
        f"(fcNN1; SGLD draws from its {results['SGLD_stored_samples']} stored samples "
        "with replacement beyond that; MC dropout draws fresh masks).",
        "",
        "| samples | " + " | ".join(f"{n} {k}" for n in names for k in ("entropy", "bald")) + " |",
        "|---" * (1 + 2 * len(names)) + "|",
    ]
    for i, c in enumerate(counts):
        cells = [pct(results[n][k][i]) for n in names for k in ("entropy", "bald")]
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("\n![sample size](sample_size.png)")
    return results, "\n".join(lines)


# ---------------------------------------------------------------- mixture
def run_mixture(ctx):
    """Figure 5: Gaussian mixtures of growing size against SGLD and APD."""
    paper = paper_results()["mixture_study_fcNN1_notMNIST"]
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
    lines = [
        "Figure 5: notMNIST AUROC (%) by predictive entropy (the paper's measure) and by "
        "BALD, and storage (floats) of each posterior (fcNN1), "
        f"{ctx.b.n_samples} draws each.",
        f"Paper: a 60-component mixture ({paper['MoG_60_components_parameters']:,} floats) "
        f"keeps {100 * paper['MoG_60_retained_fraction_of_SGLD']:.1f}% of SGLD's AUROC; "
        f"APD ({paper['APD_hidden20_parameters']:,} floats) keeps "
        f"{100 * paper['APD_retained_fraction_of_SGLD']:.1f}%. SGLD's storage is its "
        f"{sgld.samples_.shape[0]:,} stored samples ({ctx.b.n_samples} of them drawn "
        "per prediction).",
        "",
        "| posterior | AUROC entropy | fraction of SGLD | AUROC BALD | fraction of SGLD "
        "| storage (floats) |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        cells = [
            f"{pct(r[key])} | " + (f"{r[key] / ref[key]:.3f}" if ref[key] > 0 else "-")
            for key in ("auroc_entropy", "auroc_bald")
        ]
        lines.append(f"| {name} | {' | '.join(cells)} | {r['storage']:,} |")
    lines.append("\n![mixture](mixture.png)")
    return results, "\n".join(lines)


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
        apd = ctx.apd(sgld, gan=gan, warm_start=True)
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
    lines = [
        "Figure 7: the GAN objective of the distillation (fcNN1, notMNIST AUROC, %, by "
        "variation ratio as the paper's figure, and by BALD) over "
        f"{ctx.b.apd_iter} generator updates; WGAN-GP at the budget's lr "
        f"{ctx.b.apd_lr:g}, WGAN and GAN with their own optimizers (APDClassifier's "
        "defaults: RMSprop 5e-5; Adam 2e-4, one discriminator step).",
        "",
        "| posterior | updates | accuracy | AUROC (VR) | AUROC (BALD) |",
        "|---|---|---|---|---|",
    ]
    for gan in ("wgan-gp", "wgan", "gan"):
        c = results[gan]["curve"]
        for i, it in enumerate(c["iteration"]):
            lines.append(
                f"| {gan} | {it} | {pct(c['accuracy'][i])} | "
                f"{pct(c['auroc_variation_ratio'][i])} | {pct(c['auroc_bald'][i])} |"
            )
    r = results["SGLD"]
    lines.append(
        f"| SGLD | - | {pct(r['accuracy'])} | {pct(r['auroc_variation_ratio'])} "
        f"| {pct(r['auroc_bald'])} |"
    )
    lines.append("\n![gan variants](gan_variants.png)")
    return results, "\n".join(lines)
