"""Figures 3, 5, 6, 7: how many samples, which compression, which GAN objective."""

from __future__ import annotations

from sklearn.frozen import FrozenEstimator

from ..evaluation.metrics import ood_auroc
from ..posteriors import GaussianMixturePosterior
from ._context import pct
from .paper import paper_results


# ------------------------------------------------------------ sample-size
def run_sample_size(ctx):
    """Figures 3 and 6: OOD AUROC against the number of test-time samples."""
    *_, Xt, _ = ctx.mnist()
    sgld, apd = ctx.fitted("SGLD")[0], ctx.fitted("APD")[0]
    out = ctx.ood_sets()["notMNIST"]
    counts = [c for c in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if c <= 4 * ctx.b.n_samples]
    results = {"n_samples": counts, "SGLD": {}, "APD": {}}
    for name, est in (("SGLD", sgld), ("APD", apd)):
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
    for name in ("SGLD", "APD"):
        for kind, ls in (("entropy", "-"), ("bald", "--")):
            ax.semilogx(counts, results[name][kind], ls, marker="o", label=f"{name}, {kind}")
    ax.set_xlabel("posterior samples at test time")
    ax.set_ylabel("AUROC, MNIST vs notMNIST")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.out / "sample_size.png", dpi=100)
    plt.close(fig)
    lines = [
        "Figures 3 and 6: notMNIST AUROC (%) vs the number of test-time samples "
        f"(fcNN1; SGLD draws from its {results['SGLD_stored_samples']} stored samples "
        "with replacement beyond that).",
        "",
        "| samples | "
        + " | ".join(f"{n} {k}" for n in ("SGLD", "APD") for k in ("entropy", "bald"))
        + " |",
        "|---|---|---|---|---|",
    ]
    for i, c in enumerate(counts):
        cells = [pct(results[n][k][i]) for n in ("SGLD", "APD") for k in ("entropy", "bald")]
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

    def auroc(est):
        return ood_auroc(est.uncertainty(Xt, "bald"), est.uncertainty(out, "bald"))

    ref = auroc(sgld)
    results = {"SGLD": {"auroc_bald": ref, "storage": int(sgld.storage_size_)}}
    results["APD"] = {"auroc_bald": auroc(apd), "storage": int(apd.storage_size_)}
    for k in ctx.b.mixture_components:
        if k > sgld.samples_.shape[0]:
            break
        gmm = GaussianMixturePosterior(
            FrozenEstimator(sgld), n_components=k, n_samples=ctx.b.n_samples,
            random_state=ctx.seed,
        ).fit(X, y)  # fmt: skip
        results[f"MoG-{k}"] = {"auroc_bald": auroc(gmm), "storage": int(gmm.storage_size_)}
    plt = ctx.plt()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [int(k.split("-")[1]) for k in results if k.startswith("MoG")]
    ax.plot(ks, [results[f"MoG-{k}"]["auroc_bald"] for k in ks], "o-", label="mixture")
    ax.axhline(ref, color="k", ls="--", label="SGLD samples")
    ax.axhline(results["APD"]["auroc_bald"], color="C1", ls=":", label="APD")
    ax.set_xlabel("mixture components")
    ax.set_ylabel("AUROC (BALD), MNIST vs notMNIST")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.out / "mixture.png", dpi=100)
    plt.close(fig)
    lines = [
        "Figure 5: BALD AUROC (%) on notMNIST and storage (floats) of each posterior (fcNN1).",
        f"Paper: a 60-component mixture ({paper['MoG_60_components_parameters']:,} floats) "
        f"keeps {100 * paper['MoG_60_retained_fraction_of_SGLD']:.1f}% of SGLD's AUROC; "
        f"APD ({paper['APD_hidden20_parameters']:,} floats) keeps "
        f"{100 * paper['APD_retained_fraction_of_SGLD']:.1f}%.",
        "",
        "| posterior | AUROC | fraction of SGLD | storage (floats) |",
        "|---|---|---|---|",
    ]
    for name, r in results.items():
        frac = r["auroc_bald"] / ref
        lines.append(f"| {name} | {pct(r['auroc_bald'])} | {frac:.3f} | {r['storage']:,} |")
    lines.append("\n![mixture](mixture.png)")
    return results, "\n".join(lines)


# ----------------------------------------------------------- gan-variants
def run_gan_variants(ctx):
    """Figure 7: the GAN objective of the distillation."""
    *_, Xt, yt = ctx.mnist()
    sgld = ctx.fitted("SGLD")[0]
    out = ctx.ood_sets()["notMNIST"]
    results = {}
    for gan in ("wgan-gp", "wgan", "gan"):
        apd, fit_time = ctx.fitted("APD", gan=gan)
        results[gan] = {
            "accuracy": float(apd.score(Xt, yt)),
            "auroc_bald": ood_auroc(apd.uncertainty(Xt, "bald"), apd.uncertainty(out, "bald")),
            "fit_time_s": round(fit_time, 1),
        }
    results["SGLD"] = {
        "accuracy": float(sgld.score(Xt, yt)),
        "auroc_bald": ood_auroc(sgld.uncertainty(Xt, "bald"), sgld.uncertainty(out, "bald")),
    }
    lines = [
        "Figure 7: the GAN objective of the distillation (fcNN1, notMNIST BALD AUROC, %); "
        f"{ctx.b.apd_iter} generator updates each, WGAN-GP at the budget's lr "
        f"{ctx.b.apd_lr:g}, WGAN and GAN with their own optimizers (APDClassifier's "
        "defaults: RMSprop 5e-5; Adam 2e-4, one discriminator step).",
        "",
        "| posterior | accuracy | AUROC (BALD) | distillation time (s) |",
        "|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {pct(r['accuracy'])} | {pct(r['auroc_bald'])} "
            f"| {r.get('fit_time_s', '-')} |"
        )
    return results, "\n".join(lines)
