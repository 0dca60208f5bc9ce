"""A critic that also sees what a weight draw predicts (issue #21, item 1; an experiment).

``apd_updates_probe.py`` and ``apd_rank_probe.py`` found APD's variation-ratio
gap on fcNN1 to be disagreement on in-distribution images: by 800 updates the
draws have the samples' per-weight spread, but they disagree on MNIST 1.6-1.8x
as often as the SGLD samples, like a Gaussian with the samples' covariance.
APD's critic sees weight vectors only. This script trains the same WGAN-GP
(Table 2's recipe: 3 x 100 generator and critic on standardized weights, Adam
lr 1e-3, betas (0.5, 0.9), 5 critic steps, batch 100, penalty 10) with one
change: the critic's first hidden layer also receives, through a linear map of
its own, the softmax outputs of the drawn network on ``--probes`` fixed
training images. The gradient penalty is taken on the weights through both
paths (straightforward autograd: the fake batch is formed, unlike the
package's iteration). ``--probes 0`` is the same GAN without the function
features, the control for this implementation.

The fcNN1 SGLD fit is ``bench_apd_quality.py``'s cache (1,000 samples);
evaluation as ``apd_updates_probe.py`` (Table 2's test sets, 200 draws).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/apd_function_critic.py --data-home ../shared/data \\
        --sgld /tmp/apdq/sgld_fcnn1_400.joblib --probes 100 --updates 200 400 800 \\
        --out results/apd_function_critic_fcnn1_p100.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import joblib
import torch
from apd_updates_probe import banner, posterior_of, score, spread
from torch import nn

from sklearn_apd._utils import STREAM_INIT, seeded_global_rng
from sklearn_apd.experiments._context import ExperimentContext
from sklearn_apd.posteriors.apd._gan import WeightGenerator, mlp
from sklearn_apd.posteriors.apd._trainer import weight_moments


def mlp_forward(flat, shapes, x):
    """Softmax outputs (b, m, classes) of ``b`` ReLU MLPs with flat weights ``flat`` on ``x``."""
    h, i = x.expand(flat.shape[0], *x.shape), 0
    layers = [(shapes[k], shapes[k + 1]) for k in range(0, len(shapes), 2)]
    for n, (ws, bs) in enumerate(layers):
        w = flat[:, i : i + ws.numel()].view(-1, *ws)
        i += ws.numel()
        b = flat[:, i : i + bs.numel()]
        i += bs.numel()
        h = torch.baddbmm(b[:, None, :], h, w.transpose(1, 2))
        if n < len(layers) - 1:
            h = torch.relu(h)
    return torch.softmax(h, -1)


class Critic(nn.Module):
    """D(x) = MLP(relu(W x + V vec(f_x(probes)) + c)): weights and, if any probes, predictions."""

    def __init__(self, n_parameters, units, n_features):
        super().__init__()
        self.first = nn.Linear(n_parameters, units[0])
        self.features = nn.Linear(n_features, units[0], bias=False) if n_features else None
        self.rest = mlp(units + (1,))

    def forward(self, x_std, probs):
        a = self.first(x_std)
        if self.features is not None:
            a = a + self.features(probs.flatten(1))
        return self.rest(torch.relu(a))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-home", default=None)
    ap.add_argument("--sgld", required=True)
    ap.add_argument("--probes", type=int, default=100, help="training images the critic sees")
    ap.add_argument("--updates", type=int, nargs="+", default=[200, 400, 800])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    banner("apd_function_critic", probes=args.probes, seed=args.seed)
    ctx = ExperimentContext("anomaly", "large", args.data_home, "cpu", "/tmp/apd_fc", 0, 0)
    X, _, *_, Xt, _ = ctx.mnist()
    sets = ctx.ood_sets()
    sgld = joblib.load(args.sgld)
    samples = sgld.collect()
    shapes = [p.shape for p in sgld.module_.parameters()]
    n, n_params = samples.shape
    g = torch.Generator().manual_seed(args.seed)
    probes = torch.as_tensor(X[torch.randperm(len(X), generator=g)[: args.probes].numpy()])
    mean, scale = weight_moments(samples)
    real_std = (samples - mean) / scale
    real_probs = mlp_forward(samples, shapes, probes) if args.probes else None

    with seeded_global_rng(args.seed, STREAM_INIT, torch.device("cpu")):  # module initialisation
        gen = WeightGenerator(32, (100, 100, 100), n_params)  # outputs standardized weights
        critic = Critic(n_params, (100, 100, 100), args.probes * len(sgld.classes_))
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_c = torch.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    batch, lam = 100, 10.0

    def probs_of(x_std):
        if not args.probes:
            return None
        return mlp_forward(mean + scale * x_std, shapes, probes)

    out = {"sgld": score(sgld, Xt, sets), "apd": [], "probes": args.probes}
    print("SGLD", {k: round(v["AUROC"], 2) for k, v in out["sgld"].items()}, flush=True)
    done, t_gan = 0, 0.0
    for target in sorted(args.updates):
        t0 = time.perf_counter()
        for _ in range(target - done):
            for _ in range(5):
                idx = torch.randint(n, (batch,), generator=g)
                real = real_std[idx]
                rp = real_probs[idx] if args.probes else None
                with torch.no_grad():
                    fake = gen(torch.randn(batch, 32, generator=g))
                fp = probs_of(fake)
                eps = torch.rand(batch, 1, generator=g)
                mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
                d_mix = critic(mix, probs_of(mix))
                (grad,) = torch.autograd.grad(d_mix.sum(), mix, create_graph=True)
                penalty = ((grad.norm(dim=1) - 1) ** 2).mean()
                loss_c = critic(fake, fp).mean() - critic(real, rp).mean() + lam * penalty
                opt_c.zero_grad()
                loss_c.backward()
                opt_c.step()
            fake = gen(torch.randn(batch, 32, generator=g))
            loss_g = -critic(fake, probs_of(fake)).mean()
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            if not torch.isfinite(loss_c):
                raise SystemExit(f"diverged at update {done}: critic loss {loss_c.item()}")
        t_gan += time.perf_counter() - t0
        done = target
        with torch.no_grad():
            z = torch.randn(200, 32, generator=torch.Generator().manual_seed(1))
            draws = mean + scale * gen(z)
        est = posterior_of(sgld, draws)
        point = {
            "updates": done,
            "gan_s": round(t_gan, 1),
            "test": score(est, Xt, sets),
            "spread": spread(draws, samples),
        }
        out["apd"].append(point)
        cells = {k: round(v["AUROC"], 2) for k, v in point["test"].items()}
        vr = point["test"]["notMNIST/variation_ratio"]
        print(
            f"{done} updates ({t_gan:.0f} s): {cells}; mean VR in/out "
            f"{vr['mean-in']:.3f}/{vr['mean-out']:.3f}; spread {point['spread']}",
            flush=True,
        )
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
