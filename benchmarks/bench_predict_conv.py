"""Prediction on a conv net (LeNet): the engine against a plain loop and its old plan.

Figure 4 and ``ActiveLearner()`` score a pool and a test set with LeNet under
20 draws every round. This times ``predict_proba_samples`` on 2,000
MNIST-sized inputs (20 draws) for ``SGLDClassifier`` and
``MCDropoutClassifier`` on [`LeNet`][sklearn_apd.nets.LeNet], side by side with

- a plain loop: each draw's weights loaded into the network, one forward
  pass over all inputs (the hand-written PyTorch baseline);
- the engine's plan before 2026-12-05: ``vmap`` over draws in the chunks the
  memory budget allows (SGLD), and MC dropout's draws without the cache
  blocks (``cpu_block_mb=None``).

Also MC dropout on fcNN1 (200 draws x 10,000 inputs), with and without the
cache blocks, to check the blocks cost nothing on an MLP. Medians of
alternating repeats (``_device.alternating_medians``).

Usage: python benchmarks/bench_predict_conv.py [--repeats 5] [--threads N]
"""

from __future__ import annotations

import argparse
import copy
import time

import numpy as np
import torch
from _device import alternating_medians, machine_line
from torch.func import functional_call, vmap

from sklearn_apd import MCDropoutClassifier, SGLDClassifier
from sklearn_apd.nets import LeNet
from sklearn_apd.posteriors import _mc_dropout
from sklearn_apd.prediction import activation_footprint, plan_chunks


def timed(fn):
    def run():
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return run


def plain_loop(est, X):
    """Each draw loaded into the network, one forward pass over all inputs."""
    net, layout, x = copy.deepcopy(est.module_).eval(), est.layout_, torch.from_numpy(X)
    out = []
    with torch.no_grad():
        for w in est.samples_:
            layout.assign(net, w)
            out.append(torch.softmax(net(x), -1))
    return torch.stack(out)


def old_vmap_plan(est, X, working_memory_mb=1024):
    """The engine's generic path before 2026-12-05: vmap in memory-budget chunks."""
    net, layout, x = est.module_, est.layout_, torch.from_numpy(X)
    flat = est.samples_
    s, n = flat.shape[0], x.shape[0]
    footprint = activation_footprint(net, x[:1])
    dc, _ = plan_chunks(s, 1024, footprint, layout.n_parameters, working_memory_mb)
    _, ic = plan_chunks(dc, n, footprint, layout.n_parameters, working_memory_mb)
    out = []
    with torch.no_grad():
        for s0 in range(0, s, dc):
            params = layout.unflatten(flat[s0 : s0 + dc])
            f = vmap(lambda p, xi: functional_call(net, p, (xi,)), in_dims=(0, None))
            out.append(torch.cat([f(params, x[i : i + ic]) for i in range(0, n, ic)], 1))
    return torch.softmax(torch.cat(out), -1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(machine_line("bench_predict_conv.py", "cpu"))
    rng = np.random.default_rng(0)
    X_fit = rng.random((200, 784), dtype=np.float32)
    y_fit = np.arange(200) % 10
    X = rng.random((2000, 784), dtype=np.float32)
    common = dict(module=LeNet, random_state=0, verbose=0, device="cpu")
    sgld = SGLDClassifier(max_iter=60, burn_in=20, thinning=2, n_samples=20, **common)
    sgld.fit(X_fit, y_fit)
    drop = MCDropoutClassifier(max_iter=20, n_samples=20, **common).fit(X_fit, y_fit)

    # The three SGLD evaluations agree (predict_proba: the mean over the draws).
    ref = plain_loop(sgld, X)
    assert np.allclose(sgld.predict_proba(X), ref.mean(0).numpy(), atol=1e-5)
    assert torch.allclose(old_vmap_plan(sgld, X), ref, atol=1e-5)

    def mc_unblocked(est, X):
        _mc_dropout.CPU_BLOCK_MB, saved = None, _mc_dropout.CPU_BLOCK_MB
        try:
            return est.predict_proba_samples(X)
        finally:
            _mc_dropout.CPU_BLOCK_MB = saved

    fc = MCDropoutClassifier(max_iter=20, n_samples=200, random_state=0, verbose=0, device="cpu")
    fc.fit(X_fit, y_fit)
    X_fc = rng.random((10_000, 784), dtype=np.float32)
    assert np.array_equal(mc_unblocked(drop, X), drop.predict_proba_samples(X))

    runs = {
        "LeNet SGLD: engine": timed(lambda: sgld.predict_proba_samples(X)),
        "LeNet SGLD: plain loop": timed(lambda: plain_loop(sgld, X)),
        "LeNet SGLD: old vmap plan": timed(lambda: old_vmap_plan(sgld, X)),
        "LeNet MC dropout: engine": timed(lambda: drop.predict_proba_samples(X)),
        "LeNet MC dropout: no cache blocks": timed(lambda: mc_unblocked(drop, X)),
        "fcNN1 MC dropout (200 x 10,000): engine": timed(lambda: fc.predict_proba_samples(X_fc)),
        "fcNN1 MC dropout (200 x 10,000): no cache blocks": timed(lambda: mc_unblocked(fc, X_fc)),
    }
    med = alternating_medians(runs, args.repeats)
    print(f"median of {args.repeats} alternating repeats, seconds:")
    for name, t in med.items():
        print(f"  {name:50s} {t:7.3f}")
    print("ratios (higher: the engine is faster):")
    e = med["LeNet SGLD: engine"]
    print(f"  LeNet SGLD, plain loop / engine      {med['LeNet SGLD: plain loop'] / e:5.2f}x")
    print(f"  LeNet SGLD, old vmap plan / engine   {med['LeNet SGLD: old vmap plan'] / e:5.2f}x")
    d = med["LeNet MC dropout: no cache blocks"] / med["LeNet MC dropout: engine"]
    print(f"  LeNet MC dropout, unblocked / engine {d:5.2f}x")
    f = med["fcNN1 MC dropout (200 x 10,000): engine"]
    unb = med["fcNN1 MC dropout (200 x 10,000): no cache blocks"]
    print(f"  fcNN1 MC dropout, unblocked / engine {unb / f:5.2f}x")


if __name__ == "__main__":
    main()
