"""One APD iteration of the working tree against a git revision's, in one process.

A change to the GAN update is timed against the code it replaces: the
revision's ``sklearn_apd`` is extracted (``git archive``) into a temporary
folder as the package ``sklearn_apd_base`` (its imports are relative), both
trainers are built on the same fcNN1 stand-in samples (`bench_apd.py`), and
their ``GANTrainer.step`` calls alternate (the order swapped each pair), so a
machine whose speed drifts slows both alike. Printed per objective: each
side's median seconds per iteration and the median and quartiles of the
per-pair ratio base / working tree (> 1: the working tree is faster).

Usage: python benchmarks/bench_apd_revisions.py --base REV [--pairs 16]
       [--objectives wgan-gp wgan gan] [--samples 2000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from _device import machine_line
from bench_apd import stand_in_sgld
from sklearn.frozen import FrozenEstimator

from sklearn_apd import APDClassifier
from sklearn_apd.posteriors.apd import _trainer

ROOT = Path(__file__).resolve().parents[1]


def base_trainer_module(rev: str, folder: Path):
    """The revision's ``posteriors.apd._trainer``, imported as ``sklearn_apd_base``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "sklearn_apd"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "sklearn_apd").rename(folder / "sklearn_apd_base")
    sys.path.insert(0, str(folder))
    from sklearn_apd_base.posteriors.apd import _trainer as base

    return base


def drawer(module, samples):
    """``draw(b)`` as the module's ``train_offline`` draws a gathered batch."""
    k = samples.shape[0]
    if hasattr(module, "SampleRows"):
        return lambda b: module.SampleRows(samples, torch.randint(k, (b,)))
    return lambda b: samples.index_select(0, torch.randint(k, (b,)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True, help="git revision to compare against")
    ap.add_argument("--pairs", type=int, default=16)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--objectives", nargs="+", default=["wgan-gp", "wgan", "gan"])
    args = ap.parse_args()
    rev = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.base],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    print(machine_line("bench_apd_revisions", "cpu"))
    print(f"# base {args.base} ({rev}) against the working tree; {args.pairs} alternating pairs")
    rng = np.random.default_rng(0)
    X = rng.random((1000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 1000)
    sgld = stand_in_sgld(X, y, args.samples, "cpu", max_epochs=1)
    samples = sgld.samples_
    with tempfile.TemporaryDirectory() as tmp:
        base = base_trainer_module(args.base, Path(tmp))
        print("| objective | base s / iteration | working tree s / iteration "
              "| base / working tree: median | quartiles |")  # fmt: skip
        print("|---|---|---|---|---|")
        for gan in args.objectives:
            apd = APDClassifier(
                FrozenEstimator(sgld), gan=gan, max_iter=1, device="cpu", random_state=0
            ).fit(X, y)
            sides = {
                "base": (
                    base.GANTrainer.new(apd, samples.shape[1], samples),
                    drawer(base, samples),
                ),
                "tree": (
                    _trainer.GANTrainer.new(apd, samples.shape[1], samples),
                    drawer(_trainer, samples),
                ),
            }
            for trainer, draw in sides.values():
                trainer.step(draw, 1)  # warm-up
            times = {name: [] for name in sides}
            for i in range(args.pairs):
                order = list(sides) if i % 2 else list(sides)[::-1]
                for name in order:
                    trainer, draw = sides[name]
                    t0 = time.perf_counter()
                    trainer.step(draw, 1)
                    times[name].append(time.perf_counter() - t0)
            b, t = np.array(times["base"]), np.array(times["tree"])
            q1, q3 = np.percentile(b / t, [25, 75])
            print(
                f"| {gan} | {np.median(b):.3f} | {np.median(t):.3f} | {np.median(b / t):.3f}x "
                f"| {q1:.3f}-{q3:.3f} |"
            )


if __name__ == "__main__":
    main()
