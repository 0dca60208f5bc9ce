"""Cost of one APD (WGAN-GP) iteration on fcNN1-sized weight vectors vs the FLOP floor.

One iteration = n_critic critic updates (5 for WGAN-GP, with the gradient
penalty, and WGAN; 1 for the GAN) + 1 generator update, batch 100, the
paper's 3x100 generator and critic on flat vectors of 79,510 weights. Two
implementations side by side in one run: the
straightforward one (explicit fake batches, the penalty by double backward,
plain Adam: how the reference code and ANCHORS.md write it) and the package's
(``sklearn_apd.posteriors.apd._gan``: implicit fakes, Gram-matrix penalty, fused Adam; same
losses and gradients). FLOPs are counted with torch's per-op formulas on a real
iteration (matrix products, forward, backward, double backward); a floor is
FLOPs / (fp32 4096^3 matmul rate). Since the seventeenth session
(2026-12-06) each timed iteration is followed by one 4096^3 product and the
ratio is the median over iterations of (iteration time x the product's rate
next to it) / FLOPs: a peak measured once at the start, in a slow phase of
this VM, had made a ratio look 1.4x better than the same code's next run.
Reported: seconds
per iteration, each implementation's own floor and ratio, the ratio to the
straightforward iteration's floor (the issue's yardstick: the work the
algorithm asks for) and the speed-up.

A second table (added 2026-12-06) puts each implementation against a roofline
floor: every aten op that moves data (views excluded) costs at least the
larger of its FLOPs at the matmul peak and its bytes (every tensor it reads
and writes, counted once per op, as if nothing stayed in a cache; a gather
only the rows it takes, a fill only what it writes) at the machine's copy
bandwidth, measured in the same run; the floor is the sum over
the ops of an iteration. On flat 79,510-weight vectors most operands are
(100 x 79,510) matrices of 32 MB, larger than the caches, so an op's bytes
bound it as often as its FLOPs do.

On ``--device cuda`` both implementations run on the GPU and the peak is the
GPU's fp32 product (the clock waits for the GPU).

``--samples K`` sets the number of distinct samples (default 2,000). With
fewer than a batch (an active-learning round distils 20) the package's
iteration runs the critic's real products over the K samples
(``_trainer.RealRows``, ``train_offline``'s default then); a third row,
"sklearn-apd, gathered", is the same iteration on gathered batches.

``--breakdown`` prints the package's WGAN-GP roofline per aten op, and a
**shape floor** (added 2026-12-06, sixteenth session): each distinct matrix
product of the iteration (op, shapes, strides, scalars) is timed alone on
random operands of the same layout, and the floor is the sum over the
iteration's products of their isolated times plus the roofline time of every
other op. Since the seventeenth session each product alone is paired with a
4096^3 product timed next to it, and floor and iteration are both put at the
run's best rate. It says how far the iteration is from what torch's BLAS does at
these shapes, where the FLOP floor assumes the 4096^3 rate for all of them.

Usage: python benchmarks/bench_apd.py [--iters 10] [--samples 2000] [--device cpu|cuda]
       [--breakdown]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from _device import add_device_argument, clock, copy_bandwidth, machine_line, matmul_peak
from sklearn.frozen import FrozenEstimator
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves
from torch.utils.flop_counter import flop_registry

from sklearn_apd import APDClassifier, SGLDClassifier
from sklearn_apd.posteriors.apd._trainer import GANTrainer, RealRows, SampleRows

# In-place products count as their out-of-place forms (flop_registry lacks them).
INPLACE = {torch.ops.aten.addmm_: torch.ops.aten.addmm}


class CountFlops(TorchDispatchMode):
    """Counts matrix-product FLOPs of every aten op that runs, backward included.

    (torch's FlopCounterMode cannot follow the gradient penalty's
    autograd.grad; this uses the same per-op formulas without module tracking.)
    With ``record`` it also keeps each op call's FLOPs and bytes, for the
    roofline times ``max(flops / peak, bytes / bandwidth)`` (`per_op_times`,
    `roofline_s`) at the peak and bandwidth the caller settles on.
    """

    def __init__(self, record=False):
        super().__init__()
        self.flops = 0
        self.record = record
        self.calls = {}  # aten op -> [(flops, bytes) per call]
        self.products = {}  # (op, layout) -> [calls, flops, op, layout]: the shape floor's

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        packet = func._overloadpacket
        formula = flop_registry.get(INPLACE.get(packet, packet))
        flops = formula(*args, **kwargs, out_val=out) if formula is not None else 0
        self.flops += flops
        if self.record and not _is_view(func):
            moved = _bytes_moved(packet, args, kwargs, out)
            self.calls.setdefault(str(packet), []).append((flops, moved))
            if flops:
                layout = _layout((args, kwargs))
                product = self.products.setdefault((str(func), layout), [0, flops, func, layout])
                product[0] += 1
        return out

    def per_op_times(self, peak, bandwidth) -> dict:
        """aten op -> (calls, FLOP time, byte time, roofline time) in seconds."""
        times = {}
        for op, calls in self.calls.items():
            flop_s = [f / (peak * 1e9) for f, _ in calls]
            byte_s = [b / (bandwidth * 1e9) for _, b in calls]
            roof = sum(max(f, b) for f, b in zip(flop_s, byte_s))
            times[op] = (len(calls), sum(flop_s), sum(byte_s), roof)
        return times

    def roofline_s(self, peak, bandwidth) -> float:
        """The iteration's roofline floor: the sum of its ops' roofline times."""
        return sum(entry[3] for entry in self.per_op_times(peak, bandwidth).values())


# Ops that read only part of an operand: a gather reads the rows it writes (and
# its indices), a fill reads nothing.
GATHERS = {torch.ops.aten.index, torch.ops.aten.index_select, torch.ops.aten.gather}
FILLS = {
    torch.ops.aten.zeros_like, torch.ops.aten.ones_like, torch.ops.aten.full_like,
    torch.ops.aten.empty_like, torch.ops.aten.new_empty, torch.ops.aten.zero_,
    torch.ops.aten.fill_,
}  # fmt: skip
ALLOCATIONS = {torch.ops.aten.empty_like, torch.ops.aten.new_empty}  # nothing read or written


def _bytes_moved(packet, args, kwargs, out) -> int:
    """Bytes an op reads and writes, each tensor once (see `GATHERS`, `FILLS`)."""
    if packet in GATHERS:
        indices = [a for a in args[1:] if isinstance(a, (torch.Tensor, list, tuple))]
        return 2 * _tensor_bytes(out) + _tensor_bytes(indices)
    if packet in FILLS:
        return 0 if packet in ALLOCATIONS else _tensor_bytes(out)
    return _tensor_bytes((args, kwargs)) + _tensor_bytes(out)


def _layout(tree):
    """The arguments' structure with each tensor replaced by its layout (no data kept)."""
    leaves, spec = torch.utils._pytree.tree_flatten(tree)
    described = tuple(
        ("tensor", tuple(t.shape), t.stride(), t.dtype, t.device)
        if isinstance(t, torch.Tensor)
        else ("value", t)
        for t in leaves
    )
    return spec, described


def isolated_seconds(func, layout, repeats=10):
    """Seconds per call of ``func`` alone on random operands of ``layout`` (`_layout`)."""
    spec, described = layout
    leaves, device = [], None
    for kind, *rest in described:
        if kind == "tensor":
            shape, stride, dtype, device = rest
            t = torch.empty_strided(shape, stride, dtype=dtype, device=device)
            leaves.append(t.normal_() if t.is_floating_point() else t.zero_())
        else:
            leaves.append(rest[0])
    args, kwargs = torch.utils._pytree.tree_unflatten(leaves, spec)
    for _ in range(2):
        func(*args, **kwargs)
    t0 = clock(device)
    for _ in range(repeats):
        func(*args, **kwargs)
    return (clock(device) - t0) / repeats


def shape_floor(counter, peak, bandwidth, probe):
    """``(floor seconds, rows)`` at the rate ``peak``: the iteration's products at their
    isolated speed, the rest at their roofline (`CountFlops.per_op_times`).

    Each product is timed alone and then one `peak_probe` product: its share of the
    machine's rate next to it (``efficiency``) puts it at ``peak``, so a drift of the
    machine's speed between products does not move the floor. A row per distinct
    product: (op, shapes, calls, seconds alone, GFLOP/s alone, efficiency).
    """
    rows, product_s = [], 0.0
    for calls, flops, func, layout in counter.products.values():
        secs = isolated_seconds(func, layout)
        efficiency = flops / secs / 1e9 / probe()
        product_s += calls * flops / (efficiency * peak * 1e9)
        shapes = [list(d[1]) for d in layout[1] if d[0] == "tensor"]
        rows.append(
            (str(func._overloadpacket), shapes, calls, secs, flops / secs / 1e9, efficiency)
        )
    product_ops = {name for name, *_ in rows}
    per_op = counter.per_op_times(peak, bandwidth)
    rest_s = sum(e[3] for op, e in per_op.items() if op not in product_ops)
    return product_s + rest_s, rows


def _is_view(func) -> bool:
    """Whether an aten op only makes a view (moves no data)."""
    schema = func._schema
    return bool(schema.returns) and all(
        r.alias_info is not None and not r.alias_info.is_write for r in schema.returns
    )


def _tensor_bytes(tree) -> int:
    """Bytes of the distinct tensors in a nest of tuples, lists and dicts."""
    tensors = {id(t): t for t in tree_leaves(tree) if isinstance(t, torch.Tensor)}
    return sum(t.numel() * t.element_size() for t in tensors.values())


def reference_step(apd, draw_real, critic, optimizers, generator, gen):
    """The straightforward iteration (explicit fakes, penalty by double backward).

    ``apd``: the trainer's resolved settings (objective, batch, n_critic, ...).
    """
    opt_c, opt_g = optimizers
    g_net, b, d, device = generator.net, apd.batch_size, apd.latent_dim, gen.device
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    for _ in range(apd.n_critic):
        real = draw_real(b)
        with torch.no_grad():
            fake = g_net(torch.randn(b, d, generator=gen, device=device))
        d_real, d_fake = critic(real), critic(fake)
        if apd.gan == "gan":
            loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        else:
            loss = d_fake.mean() - d_real.mean()
        if apd.gan == "wgan-gp":
            eps = torch.rand(b, 1, generator=gen, device=device)
            mix = torch.lerp(fake, real, eps).requires_grad_(True)
            (grad,) = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)
            loss = loss + apd.gp_weight * ((grad.norm(2, dim=1) - 1) ** 2).mean()
        opt_c.zero_grad(set_to_none=True)
        loss.backward()
        opt_c.step()
        if apd.gan == "wgan":
            with torch.no_grad():
                for q in critic.parameters():
                    q.clamp_(-apd.clip_value, apd.clip_value)
    d_fake = critic(g_net(torch.randn(b, d, generator=gen, device=device)))
    loss = bce(d_fake, torch.ones_like(d_fake)) if apd.gan == "gan" else -d_fake.mean()
    opt_g.zero_grad(set_to_none=True)
    loss.backward()
    opt_g.step()


def stand_in_sgld(X, y, n_samples, device, **fit_params):
    """An `SGLDClassifier` fitted briefly on ``(X, y)`` whose samples are ``n_samples`` stand-ins.

    The stand-ins are vectors around the fitted weights (0.01 x standard normal
    noise): a GAN's cost does not depend on what the samples hold.
    """
    sgld = SGLDClassifier(burn_in=0, thinning=1, device=device, random_state=0, **fit_params)
    sgld.fit(X, y)
    base = sgld.samples_[-1]
    sgld.samples_ = base + 0.01 * torch.randn(n_samples, base.numel(), device=base.device)
    return sgld


def batch_drawer(samples, package=False):
    """``draw(b)``: ``b`` rows of ``samples`` drawn with replacement (a trainer's real batch).

    ``samples[rows]`` as a loop writes it, or with ``package`` the rows as
    the package's `train_offline` passes them (`SampleRows`: the trainer
    gathers them into its critic's stack).
    """

    def draw(b):
        rows = torch.randint(samples.shape[0], (b,), device=samples.device)
        return SampleRows(samples, rows) if package else samples[rows]

    return draw


def peak_probe(device):
    """``probe()``: GFLOP/s of one fp32 4096^3 product now (timed between iterations)."""
    a = torch.randn(4096, 4096, device=device)
    b = torch.randn(4096, 4096, device=device)
    out = a @ b

    def probe():
        t0 = clock(device)
        torch.mm(a, b, out=out)
        return 2 * 4096**3 / (clock(device) - t0) / 1e9

    return probe


def measure(step, args, iters, device, probe):
    """``(flops, seconds, peaks, counter)`` of an iteration, ``iters`` times.

    Each iteration is timed alone and followed by one `peak_probe` product:
    ``seconds[i] * peaks[i]`` pairs an iteration with the machine's speed
    next to it (it drifts by up to 2x within minutes on the 2-core VM).
    ``counter`` is the `CountFlops` of a first iteration.
    """
    with CountFlops(record=True) as counter:
        step(*args)
    seconds, peaks = [], []
    for _ in range(iters):
        t0 = clock(device)
        step(*args)
        seconds.append(clock(device) - t0)
        peaks.append(probe())
    return counter.flops, np.array(seconds), np.array(peaks), counter


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument(
        "--breakdown", action="store_true", help="per-op roofline of the package's WGAN-GP update"
    )
    add_device_argument(ap)
    args = ap.parse_args()
    device = args.device
    print(machine_line("bench_apd", device))
    peaks, bandwidths = [matmul_peak(3, device)], [copy_bandwidth(3, device)]
    probe = peak_probe(device)
    rng = np.random.default_rng(0)
    X = rng.random((1000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 1000)
    sgld = stand_in_sgld(X, y, args.samples, device, max_epochs=1)
    rooflines = {}
    for gan in ("wgan-gp", "wgan", "gan"):
        apd = APDClassifier(
            FrozenEstimator(sgld), gan=gan, max_iter=1, device=device, random_state=0
        )
        apd.fit(X, y)  # builds everything; one iteration of warm-up
        samples = sgld.samples_
        draw = batch_drawer(samples)

        def draw_rows(b, samples=samples):  # standardize=False: the samples are the table
            return RealRows(samples, torch.randint(samples.shape[0], (b,), device=samples.device))

        names = ["straightforward", "sklearn-apd"]
        if samples.shape[0] < apd.batch_size:
            names.append("sklearn-apd, gathered")
        results = {}
        for name in names:
            trainer = GANTrainer.new(apd, samples.shape[1], samples)  # a fresh GAN each
            settings = trainer.settings  # the objective's optimizer, lr, n_critic
            if name.startswith("sklearn-apd"):
                rows = name == "sklearn-apd" and samples.shape[0] < apd.batch_size
                step_args = (draw_rows if rows else batch_drawer(samples, package=True), 1)
                measured = measure(trainer.step, step_args, args.iters, device, probe)
            else:
                optimizers = trainer.optimizers  # RMSprop for "wgan"
                if settings.optimizer == "adam":  # plain (unfused), as a loop writes it
                    optimizers = tuple(
                        torch.optim.Adam(
                            o.param_groups[0]["params"], lr=settings.lr, betas=settings.betas
                        )
                        for o in optimizers
                    )
                step_args = (settings, draw, trainer.critic, optimizers, trainer.generator)
                measured = measure(
                    reference_step, (*step_args, trainer.rng), args.iters, device, probe
                )
            results[name] = measured
        rooflines[gan] = results
        bandwidths.append(copy_bandwidth(3, device))  # after each objective: it drifts
    # The roofline uses the fastest the machine was seen to run; the FLOP floors
    # pair each iteration with the product timed next to it.
    peak = max(peaks + [float(r[2].max()) for res in rooflines.values() for r in res.values()])
    bandwidth = max(bandwidths)
    print(
        f"fp32 matmul 4096^3 peak: {peak:.1f} GFLOP/s (the best product of the run; "
        f"one timed after each iteration); copy bandwidth {bandwidth:.1f} GB/s "
        f"(best of {', '.join(f'{b:.1f}' for b in bandwidths)})"
    )
    print(
        "| objective | implementation | FLOPs / iteration | seconds / iteration "
        "| product rate next to it | floor (own FLOPs) | ratio "
        "| ratio to the straightforward floor | speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for gan, results in rooflines.items():
        ref_flops, ref_secs = results["straightforward"][:2]
        for name, (flops, secs, rates, _) in results.items():
            ratio = np.median(secs * rates * 1e9 / flops)  # each iteration against its floor
            ref_ratio = np.median(secs * rates * 1e9 / ref_flops)
            rate = np.median(rates)
            print(
                f"| {gan} | {name} | {flops / 1e9:.1f} GFLOP | {np.median(secs):.3f} s "
                f"| {rate:.0f} GFLOP/s | {flops / (rate * 1e9):.3f} s | {ratio:.2f}x "
                f"| {ref_ratio:.2f}x | {np.median(ref_secs) / np.median(secs):.2f}x |"
            )
    print()
    print("| objective | implementation | seconds / iteration | roofline floor | ratio |")
    print("|---|---|---|---|---|")
    for gan, results in rooflines.items():
        for name, (_, secs, _, counter) in results.items():
            roofline = counter.roofline_s(peak, bandwidth)
            secs = np.median(secs)
            print(f"| {gan} | {name} | {secs:.3f} s | {roofline:.3f} s | {secs / roofline:.2f}x |")
    if args.breakdown:
        _, secs, rates, counter = rooflines["wgan-gp"]["sklearn-apd"]
        at_peak = float(np.median(secs * rates)) / peak  # the iteration at the rate `peak`
        per_op = counter.per_op_times(peak, bandwidth)
        print()
        print("| aten op (sklearn-apd, wgan-gp) | calls | FLOP time | byte time | roofline |")
        print("|---|---|---|---|---|")
        for op, (calls, flop_s, byte_s, roof_s) in sorted(
            per_op.items(), key=lambda kv: -kv[1][3]
        ):
            if roof_s >= 1e-3:
                print(
                    f"| {op} | {calls} | {1e3 * flop_s:.1f} ms | {1e3 * byte_s:.1f} ms "
                    f"| {1e3 * roof_s:.1f} ms |"
                )
        floor, rows = shape_floor(counter, peak, bandwidth, probe)
        print()
        print(
            "| product (sklearn-apd, wgan-gp) | shapes | calls | alone | GFLOP/s "
            "| of the 4096^3 rate next to it |"
        )
        print("|---|---|---|---|---|---|")
        for name, shapes, calls, alone, rate, eff in sorted(rows, key=lambda r: -r[2] * r[3]):
            print(
                f"| {name} | {shapes} | {calls} | {1e3 * alone:.2f} ms | {rate:.0f} "
                f"| {100 * eff:.0f}% |"
            )
        print()
        print(
            f"shape floor (products at their isolated share of the 4096^3 rate, other ops at "
            f"their roofline), at {peak:.1f} GFLOP/s: {floor:.3f} s; the iteration at that rate "
            f"(median of its times x the rate next to them / {peak:.1f}) {at_peak:.3f} s "
            f"= {at_peak / floor:.2f}x of it"
        )


if __name__ == "__main__":
    main()
