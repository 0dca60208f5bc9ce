"""Where APD's draws spread, component by component of the samples (issue #21, item 1).

What the earlier probes left open on fcNN2: APD's draws disagree on MNIST more
than the SGLD samples (a tail of draws off the posterior's support) and on OOD
inputs less (``apd_likelihood_probe.py --diagnose``), while a Gaussian on the
samples' top 10 principal components already disagrees on notMNIST as much as
the samples (``apd_rank_probe.py``: mean variation ratio 0.535 against 0.538).
So the OOD side lives in a few leading directions of the samples. This probe
measures how much of the samples' variance APD puts along each of them, and
how much it puts outside the samples' span, then scores two corrections of the
same draws (no retraining) to test the reading:

- ``match-k``: each draw's coordinates on the samples' top ``k`` components
  rescaled so that their variance is the samples' (the rest of the draw kept);
- ``project-k``: each draw replaced by its projection on the samples' mean plus
  their top ``k`` components (what lies outside them dropped).

If matching the leading variances closes the OOD side of the gap, APD's loss is
there; if projection closes the MNIST side, the off-support tail lies outside
the samples' span. Draws are ``N_DRAWS`` from the generator, scored as
``apd_updates_probe.py`` scores (Table 2's test sets and the validation images);
the per-component variances use ``--n-fit`` draws, which also fix the rescaling.

Usage::

    python benchmarks/apd_pc_spread_probe.py --data-home ../shared/data \\
        --sgld .runs/apd_lik2/sgld_fcnn2_large_seed0.joblib --apd CHECKPOINT.joblib \\
        --ks 10 50 --out results/apd_pc_spread_fcnn2_seed0.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import joblib
from apd_rank_probe import n_components, principal_components
from apd_updates_probe import banner, load_checkpoint, posterior_of, score, validation_sets

from sklearn_apd.experiments._context import ExperimentContext

N_DRAWS = 200
REPORT_COMPONENTS = (1, 2, 5, 10, 20, 50, 100, 200, 500)


def components(pcs, k):
    """The samples' top ``k`` principal directions as a (k x P) float tensor of unit rows."""
    mean, xc, var, u = pcs
    s = (var[:k] * (len(xc) - 1)).sqrt()
    return ((u[:, :k].T / s[:, None]).float() @ xc).contiguous()


def coordinates(draws, mean, v):
    """Each draw's coordinates on the rows of ``v``, centred at the samples' mean."""
    return (draws - mean) @ v.T


def spread_by_component(draws, pcs, k_max):
    """Per-component variance of ``draws`` over the samples', and the share off their span."""
    mean, _, var, _ = pcs
    c_all = coordinates(draws, mean, components(pcs, n_components(pcs))).double()
    c = c_all[:, :k_max]
    ratio = c.var(0) / var[: c.shape[1]]
    total = (draws.double() - draws.double().mean(0)).pow(2).sum() / (len(draws) - 1)
    in_span = c_all.var(0).sum()
    return {
        "variance_ratio": {
            str(i): float(ratio[i - 1]) for i in REPORT_COMPONENTS if i <= len(ratio)
        },
        "variance_ratio_top10": float(c.var(0)[:10].sum() / var[:10].sum()),
        "total_variance_ratio": float(total / var.sum()),
        "off_span_share": float(1 - in_span / total),
        "mean_shift_top10": float(((c.mean(0)[:10]) ** 2).sum() / var[:10].sum()),
    }


def match(draws, pcs, k, fit_draws):
    """``draws``, top-``k`` coordinates rescaled so that ``fit_draws``' variances match."""
    mean, _, var, _ = pcs
    v = components(pcs, k)
    c_fit = coordinates(fit_draws, mean, v).double()
    centre, scale = c_fit.mean(0), (var[:k] / c_fit.var(0)).sqrt()
    c = coordinates(draws, mean, v).double()
    new = centre + (c - centre) * scale
    return draws + (new - c).float() @ v


def project(draws, pcs, k):
    """``draws`` projected on the samples' mean plus their top ``k`` components."""
    mean, *_ = pcs
    v = components(pcs, k)
    return mean + coordinates(draws, mean, v) @ v


def load_posterior(args, cache):
    """Test and validation sets, the SGLD fit ``args.sgld``, its samples and their components."""
    ctx = ExperimentContext("anomaly", "large", args.data_home, "cpu", cache, 0, 0)
    *_, Xt, _ = ctx.mnist()
    sets = ctx.ood_sets()
    Xv, val_sets = validation_sets(args.data_home, args.seed)
    sgld = joblib.load(args.sgld)
    samples = sgld.collect()
    return Xt, sets, Xv, val_sets, sgld, samples, principal_components(samples)


def print_scores(name, r):
    """One row's test AUROCs (with mean-in / mean-out) of the image sets, then its validation."""
    t = r["test"]
    cells = " ".join(
        f"{key} {t[key]['AUROC']:.2f} ({t[key]['mean-in']:.3f}/{t[key]['mean-out']:.3f})"
        for key in t
        if key.split("/")[0] in ("notMNIST", "CIFAR10bw", "OmniGlot")
    )
    val = " ".join(f"{key} {v['AUROC']:.2f}" for key, v in r["validation"].items())
    print(f"{name}: test {cells}\n  validation {val}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--sgld", required=True, help="the fitted SGLDClassifier (joblib)")
    ap.add_argument("--apd", required=True, help="an apd_updates_probe.py checkpoint")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ks", type=int, nargs="+", default=[10, 50])
    ap.add_argument("--n-fit", type=int, default=1000, help="draws for the variances")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    banner("apd_pc_spread_probe", sgld=args.sgld, apd=args.apd, ks=args.ks, n_fit=args.n_fit)
    Xt, sets, Xv, val_sets, sgld, samples, pcs = load_posterior(args, "/tmp/apd_pc")
    apd = load_checkpoint(args.apd, sgld)
    fit_draws = apd.sample_parameters(args.n_fit, random_state=args.seed + 1)
    draws = apd.sample_parameters(N_DRAWS, random_state=args.seed)
    out = {
        "apd_updates": int(apd.n_iter_),
        "spread": {
            "apd": spread_by_component(fit_draws, pcs, max(REPORT_COMPONENTS)),
            "sgld": spread_by_component(samples, pcs, max(REPORT_COMPONENTS)),
        },
        "scores": {},
    }
    print(json.dumps(out["spread"], indent=1), flush=True)
    del samples
    variants = {"apd": draws}
    for k in args.ks:
        variants[f"match-{k}"] = match(draws, pcs, k, fit_draws)
        variants[f"project-{k}"] = project(draws, pcs, k)
    for name, w in variants.items():
        est = posterior_of(sgld, w)
        r = {"test": score(est, Xt, sets), "validation": score(est, Xv, val_sets)}
        if name != "apd":
            r["spread"] = spread_by_component(w, pcs, 10)
        out["scores"][name] = r
        print_scores(name, r)
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
