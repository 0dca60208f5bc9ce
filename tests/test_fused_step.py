"""The fused sampler steps: the gradient folded in the backward pass, the rest on flat buffers.

`SGLD.fused_step_plan` says where a hand-written backward pass folds the
gradient (the weights for SGLD, the velocities for SGHMC, a gradient buffer
for pSGLD) and `SGLD.finish_fused_step_` does the rest; with the parameters
packed in one buffer (`pack_contiguous_`) each element-wise pass is one
kernel. Both must be `SGLD.step` to float32 rounding, share its state, and
leave the module usable as any other.
"""

from __future__ import annotations

import copy
import pickle

import pytest
import torch
from skorch.callbacks import Callback

from sklearn_apd import SGLDClassifier
from sklearn_apd.nets import MLP, MLPGradient
from sklearn_apd.sampling import SGLD, pack_contiguous_
from sklearn_apd.sampling._flat import contiguous_flat

METHODS = ["sgld", "sghmc", "psgld"]


def _pair(method, pack, seed=0):
    """A network and its twin, each with an SGLD optimizer on the same noise stream."""
    torch.manual_seed(seed)
    net = MLP((16, 7), n_features_in=8, n_classes=3)
    twin = copy.deepcopy(net)
    if pack:
        pack_contiguous_(list(net.parameters()))

    def optimizer(module):
        gen = torch.Generator().manual_seed(seed + 1)
        return SGLD(module.parameters(), lr=0.05, num_data=50, method=method, generator=gen)

    return net, optimizer(net), twin, optimizer(twin)


def _fused_step(net, opt, x, y):
    with torch.no_grad():
        loss = MLPGradient(net)(x, y, into=opt.fused_step_plan())
        opt.finish_fused_step_()
    return loss


def _plain_step(net, opt, x, y):
    grads = [torch.zeros_like(p) for p in net.parameters()]
    with torch.no_grad():
        loss = MLPGradient(net)(x, y, grads)
    for p, g in zip(net.parameters(), grads):
        p.grad = g
    opt.step()
    return loss


def _batches(n, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        (torch.randn(10, 8, generator=gen), torch.randint(0, 3, (10,), generator=gen))
        for _ in range(n)
    ]


def _max_diff(a, b):
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("pack", [False, True])
@pytest.mark.parametrize("method", METHODS)
def test_fused_step_is_the_step(method, pack):
    """20 fused steps land where 20 `step` calls do, to float32 rounding (packed or not)."""
    net, opt, twin, twin_opt = _pair(method, pack)
    start = copy.deepcopy(twin)
    for x, y in _batches(20):
        loss = _fused_step(net, opt, x, y)
        torch.testing.assert_close(loss, _plain_step(twin, twin_opt, x, y), rtol=1e-5, atol=0)
        assert _max_diff(net, twin) < 1e-5
    assert _max_diff(twin, start) > 1e-2  # the steps moved the weights
    if method != "sgld":  # the same state, under the same key
        for p, q in zip(net.parameters(), twin.parameters()):
            torch.testing.assert_close(
                opt.state[p]["buffer"], twin_opt.state[q]["buffer"], rtol=1e-4, atol=1e-7
            )


@pytest.mark.parametrize("method", ["sghmc", "psgld"])
def test_fused_and_plain_steps_continue_each_other(method):
    """The flat state is `step`'s state: steps of both kinds, a state_dict round trip
    and a pickle in between follow one trajectory."""
    net, opt, twin, twin_opt = _pair(method, pack=True)
    batches = _batches(12)
    for i, (x, y) in enumerate(batches):
        if i == 6:  # a reload: the loaded state is copied into a new flat buffer
            fresh = SGLD(net.parameters(), lr=0.05, num_data=50, method=method)
            fresh.load_state_dict(opt.state_dict())
            fresh.generator = opt.generator
            opt = fresh
        if i == 9:
            net, opt = pickle.loads(pickle.dumps((net, opt)))
        step = _plain_step if i % 3 == 1 else _fused_step
        step(net, opt, x, y)
        _plain_step(twin, twin_opt, x, y)
        assert _max_diff(net, twin) < 1e-5, f"step {i}"


def test_psgld_first_fused_step_starts_the_averages_at_the_squared_gradient():
    net, opt, twin, twin_opt = _pair("psgld", pack=True)
    x, y = _batches(1)[0]
    _fused_step(net, opt, x, y)
    grads = [torch.zeros_like(p) for p in twin.parameters()]
    with torch.no_grad():
        MLPGradient(twin)(x, y, grads)
    for p, q, g in zip(net.parameters(), twin.parameters(), grads):
        expected = (g + 1e-3 * q.detach()) ** 2
        torch.testing.assert_close(opt.state[p]["buffer"], expected, rtol=1e-5, atol=1e-12)


def test_pack_contiguous_keeps_values_and_identity():
    torch.manual_seed(0)
    net = MLP((6,), n_features_in=4, n_classes=3)
    params = list(net.parameters())
    before = [p.detach().clone() for p in params]
    assert contiguous_flat(params) is None  # separate tensors as torch makes them
    flat = pack_contiguous_(params)
    assert [p is q for p, q in zip(params, net.parameters())] == [True] * 4
    assert all(torch.equal(p, b) and p.requires_grad for p, b in zip(params, before))
    assert flat.shape == (sum(p.numel() for p in params),)
    torch.testing.assert_close(flat, torch.cat([b.reshape(-1) for b in before]))
    with torch.no_grad():
        flat.add_(1.0)  # one pass updates every parameter
    assert all(torch.equal(p, b + 1) for p, b in zip(params, before))
    again = pack_contiguous_(params)  # already packed: the same buffer
    assert again.data_ptr() == flat.data_ptr()
    assert contiguous_flat(params[::-1]) is None  # the order matters
    assert contiguous_flat([params[0], params[2]]) is None  # a gap
    # autograd still works on the packed module
    net(torch.randn(2, 4)).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)


class _Layout(Callback):
    """Records, at each epoch's end, whether the weights and the method's state are packed."""

    def initialize(self):
        self.seen = []
        return self

    def on_epoch_end(self, net, **kwargs):
        params = list(net.module_.parameters())
        state = net.optimizer_.state
        buffers = [state[p]["buffer"] for p in params if "buffer" in state[p]]
        packed = contiguous_flat(params) is not None
        state_packed = bool(buffers) and contiguous_flat(buffers) is not None
        self.seen.append((packed, state_packed))


@pytest.mark.parametrize("method", METHODS)
def test_fit_takes_the_fused_step_with_packed_weights(digits, method):
    """The estimator's fit: during it the module's weights lie in one buffer and the
    optimizer's state is its flat buffer; after it each has its own storage again (a
    plain pickle stays its size). The samples are those of `step` to float32 rounding
    (pSGLD over fewer steps: on digits, whose constant pixels get large preconditioners,
    it amplifies a rounding difference along a fit; its gradient buffer is written as
    `step`'s is, so here its samples equal `step`'s, but the element-wise kernels'
    rounding may differ on another CPU)."""
    X, _, y, _ = digits
    iters = 40 if method == "psgld" else 200
    kwargs = dict(max_iter=iters, burn_in=0, thinning=10, method=method, random_state=0)
    fused = SGLDClassifier(callbacks=[("layout", _Layout())], **kwargs)
    fused._draw_noise_ahead = False
    fused.fit(X, y)
    layout = dict(fused.callbacks_)["layout"].seen
    assert layout and all(packed for packed, _ in layout)
    assert all(state == (method != "sgld") for _, state in layout)
    params = list(fused.module_.parameters())
    assert contiguous_flat(params) is None
    buffers = [fused.optimizer_.state[p].get("buffer") for p in params]
    if method != "sgld":
        assert contiguous_flat(buffers) is None
    separate = copy.deepcopy(fused.module_)
    assert len(pickle.dumps(fused.module_)) < 1.1 * len(pickle.dumps(separate))
    plain = SGLDClassifier(**kwargs)
    plain._draw_noise_ahead = False
    plain._fused_plan = lambda: None  # `step` after the hand-written gradient
    plain.fit(X, y)
    assert fused.samples_.shape == plain.samples_.shape
    diff = (fused.samples_ - plain.samples_).abs().max().item()
    assert diff < 1e-4, diff
    # a warm fit packs again and continues from the same state
    fused.set_params(warm_start=True).fit(X, y)
    plain.set_params(warm_start=True).fit(X, y)
    diff = (fused.samples_ - plain.samples_).abs().max().item()
    assert diff < 1e-4, diff


def test_a_noisy_step_without_a_noise_source_is_refused_before_it_changes_anything():
    from sklearn_apd.sampling import (
        psgld_finish_,
        psgld_update_,
        sghmc_finish_,
        sghmc_update_,
        sgld_update_,
    )

    w, v, g = torch.ones(3), torch.ones(3), torch.ones(3)
    calls = {
        "sgld_update_": lambda: sgld_update_([w], [g], lr=0.1, weight_decay=0.1, noise_std=0.1),
        "sghmc_update_": lambda: sghmc_update_(
            [w], [g], [v], lr=0.1, weight_decay=0.1, friction=0.5, noise_std=0.1
        ),
        "sghmc_finish_": lambda: sghmc_finish_(
            [w], [v], lr=0.1, weight_decay=0.1, friction=0.5, noise_std=0.1
        ),
        "psgld_update_": lambda: psgld_update_(
            [w], [g], [v], lr=0.1, weight_decay=0.1, decay=0.9, eps=1e-5, noise_std=0.1
        ),
        "psgld_finish_": lambda: psgld_finish_(
            [w], [g], [v], lr=0.1, decay=0.9, eps=1e-5, noise_std=0.1
        ),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=f"{name} needs draw_noise when noise_std > 0"):
            call()
        assert torch.equal(w, torch.ones(3)) and torch.equal(v, torch.ones(3)), name
