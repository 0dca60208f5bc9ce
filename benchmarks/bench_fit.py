"""SGLDClassifier.fit iterations per second vs a minimal hand-written SGLD loop.

Both run the same network (fcNN1 784-100-10 or fcNN2 784-400-400-10) on the
same MNIST-sized data (random 28x28 inputs, 10 classes; speed does not depend
on the pixel values), batch 100, the reference SGLD settings, side by side in
one process, alternating repeats. The plain loop is what a PyTorch user would
write: shuffled index batches from tensors in memory, SGLD update by hand.

On ``--device cuda`` both sides run on the GPU (data, noise and generator
there; the clock waits for the GPU).

Columns: the plain loop's and ``fit``'s iterations per second (medians of the
repeats) and their ratio; "pair ratio" is the median of each repeat's own
ratio (the two runs of a repeat follow each other, so a machine whose speed
changes from minute to minute moves both). With ``--in-place-too`` a third
run per repeat times ``fit`` with SGLD's noise drawn in place instead of a
step ahead on a worker thread (``SGLD._noise_drawn_ahead``, the default on a
CPU with two or more threads): the gain of that worker, side by side.

``--method sghmc | psgld`` runs the other dynamics on both sides (the plain
loop then keeps a velocity or an RMSprop average per parameter).

``--unfused-too`` adds a run per repeat of ``fit`` without the fused step
(the optimizer's ``step`` after the hand-written gradient, noise drawn in
place: the path of every method but "sgld" before 2026-12-06's fused steps),
and the ratio of the fused in-place fit to it (needs ``--in-place-too``).

Usage: python benchmarks/bench_fit.py [--iters 2000] [--repeats 3] [--threads N]
       [--device cpu|cuda] [--networks fcNN1 fcNN2] [--in-place-too]
       [--method sgld|sghmc|psgld] [--unfused-too]

``--networks fcNN2 --iters 25000`` times fcNN2 alone over 5,000 iterations.
"""

from __future__ import annotations

import argparse
import functools
import math

import numpy as np
import torch
from _device import add_device_argument, clock, machine_line

from sklearn_apd import SGLDClassifier
from sklearn_apd.nets import MLP


def plain_sgld_loop(X, y, hidden, n_iter, lr=0.05, wd=1e-3, batch=100, seed=0, method="sgld"):
    """Hand-written SGLD (same update rules as sklearn_apd.SGLD), no store.

    ``X`` and ``y`` are tensors already on the device the loop runs on.
    ``method`` "sghmc" keeps a velocity per parameter (friction 0.1), "psgld"
    an RMSprop average (decay 0.999, eps 1e-5): the package's defaults,
    written per parameter as a PyTorch user would.
    """
    device = X.device
    torch.manual_seed(seed)
    net = MLP(hidden, n_features_in=X.shape[1], n_classes=10).to(device)
    params = list(net.parameters())
    state = [torch.zeros_like(p) for p in params]  # velocities or square averages
    friction, decay, eps = 0.1, 0.999, 1e-5
    n = X.shape[0]
    std = math.sqrt(lr / n)
    gen = torch.Generator(device=device).manual_seed(seed)
    it = 0
    t0 = clock(device)
    while it < n_iter:
        perm = torch.randperm(n, generator=gen, device=device)
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p, s in zip(params, state):
                    noise = torch.randn(p.shape, generator=gen, device=device)
                    g = p.grad + wd * p
                    if method == "sgld":
                        p.add_(g, alpha=-0.5 * lr)
                        p.add_(noise, alpha=std)
                    elif method == "sghmc":
                        s.mul_(1 - friction).add_(g, alpha=-0.5 * lr)
                        s.add_(noise, alpha=std * math.sqrt(friction))
                        p.add_(s)
                    else:  # psgld
                        if it == 0:
                            s.copy_(g * g)
                        else:
                            s.mul_(decay).addcmul_(g, g, value=1 - decay)
                        precond = 1 / (eps + s.sqrt())
                        p.addcmul_(precond, g, value=-0.5 * lr)
                        p.addcmul_(precond.sqrt(), noise, value=std)
            it += 1
            if it == n_iter:
                break
    return n_iter / (clock(device) - t0)


def package_fit(
    X,
    y,
    hidden,
    n_iter,
    batch=100,
    device="cpu",
    temperature=1.0,
    noise_ahead=True,
    method="sgld",
    fused=True,
):
    """End-to-end ``fit`` (validation and set-up included) of ``n_iter`` iterations.

    ``noise_ahead=False`` draws the noise in place (the private switch
    ``_draw_noise_ahead`` of the estimator), for a side-by-side timing;
    ``fused=False`` also takes the optimizer's ``step`` instead of the fused
    step (the estimator's ``_fused_plan`` answers None).
    """
    n = X.shape[0]
    epochs = max(1, n_iter * batch // n)
    clf = SGLDClassifier(
        module__hidden_units=hidden,
        lr=0.05,
        weight_decay=1e-3,
        batch_size=batch,
        max_epochs=epochs,
        burn_in=0,
        thinning=20,
        max_samples=1000,
        temperature=temperature,
        method=method,
        device=device,
        random_state=0,
    )
    clf._draw_noise_ahead = noise_ahead and fused
    if not fused:
        clf._fused_plan = lambda: None
    t0 = clock(device)
    clf.fit(X, y)
    return clf.n_iter_ / (clock(device) - t0), clf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=5000, help="fcNN1; fcNN2 runs a fifth")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--networks", nargs="+", choices=["fcNN1", "fcNN2"], default=["fcNN1", "fcNN2"]
    )
    ap.add_argument("--method", choices=["sgld", "sghmc", "psgld"], default="sgld")
    ap.add_argument(
        "--in-place-too",
        action="store_true",
        help="also time fit with SGLD's noise drawn in place (not a step ahead)",
    )
    ap.add_argument(
        "--unfused-too",
        action="store_true",
        help="also time fit with the optimizer's step instead of the fused step",
    )
    add_device_argument(ap)
    args = ap.parse_args()
    if args.unfused_too and not args.in_place_too:
        ap.error("--unfused-too needs --in-place-too")
    if args.threads:
        torch.set_num_threads(args.threads)
    print(machine_line("bench_fit", args.device))
    rng = np.random.default_rng(0)
    n = 50_000
    X = rng.random((n, 784), dtype=np.float32) * 2 - 1
    y = rng.integers(0, 10, n)
    Xt, yt = torch.from_numpy(X).to(args.device), torch.from_numpy(y).to(args.device)
    print(f"# method {args.method}")
    extra, unfused = args.in_place_too, args.unfused_too
    print(
        "| network | iterations | plain loop it/s | SGLDClassifier.fit it/s | ratio | pair ratio |"
        + (" fit, noise in place, it/s | its pair ratio | ahead / in place |" if extra else "")
        + (" fit, step, it/s | its pair ratio | fused / step, in place |" if unfused else "")
    )
    print(
        "|---|---|---|---|---|---|"
        + ("---|---|---|" if extra else "")
        + ("---|---|---|" if unfused else "")
    )
    # Whole epochs of 500 iterations: the package runs max_epochs * 500.
    n1 = max(500, args.iters // 500 * 500)
    n2 = max(500, n1 // 5 // 500 * 500)
    networks = [("fcNN1", (100,), n1), ("fcNN2", (400, 400), n2)]
    for name, hidden, iters in [net for net in networks if net[0] in args.networks]:
        plain, pkg, in_place, step = [], [], [], []
        for _ in range(args.repeats):
            plain.append(plain_sgld_loop(Xt, yt, hidden, iters, method=args.method))
            # fit validates and converts X (50,000 x 784) once (and copies it to the
            # GPU): included in its time; the plain loop's data is already there
            fit = functools.partial(
                package_fit, X, y, hidden, iters, device=args.device, method=args.method
            )
            pkg.append(fit()[0])
            if extra:
                in_place.append(fit(noise_ahead=False)[0])
            if unfused:
                step.append(fit(noise_ahead=False, fused=False)[0])
        plain, pkg, in_place, step = map(np.asarray, (plain, pkg, in_place, step))
        p, q = np.median(plain), np.median(pkg)
        pair = np.median(pkg / plain)
        row = f"| {name} | {iters} | {p:.0f} | {q:.0f} | {q / p:.2f}x | {pair:.2f}x |"
        if extra:
            r = np.median(in_place)
            row += (
                f" {r:.0f} | {np.median(in_place / plain):.2f}x |"
                f" {np.median(pkg / in_place):.2f}x |"
            )
        if unfused:
            row += (
                f" {np.median(step):.0f} | {np.median(step / plain):.2f}x |"
                f" {np.median(in_place / step):.2f}x |"
            )
        print(row, flush=True)


if __name__ == "__main__":
    main()
