"""The samplers' noise drawn a step ahead on a worker thread: the same stream, threads restored."""

from __future__ import annotations

import contextlib
import pickle

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_apd import SGLDClassifier
from sklearn_apd.exceptions import DivergenceError
from sklearn_apd.sampling import SGLD
from sklearn_apd.sampling._noise_ahead import NoiseAhead


@pytest.fixture
def two_threads():
    """torch at 2 intra-op threads for the test (the block needs 2), restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _optimizer(seed=0, temperature=1.0):
    """SGLD on two zero tensors with zero gradients and no decay: each step adds its noise."""
    params = [torch.zeros(5, 3), torch.zeros(7)]
    for p in params:
        p.grad = torch.zeros_like(p)
    opt = SGLD(
        params,
        lr=0.5,
        num_data=2,
        weight_decay=0.0,
        temperature=temperature,
        generator=torch.Generator().manual_seed(seed),
    )
    return opt, params


def _flat(params):
    return torch.cat([p.detach().reshape(-1) for p in params])


def _trajectory(opt, params, temperatures):
    """Weights after each step; a step at temperature 0 draws nothing."""
    out = []
    for t in temperatures:
        opt.param_groups[0]["temperature"] = t
        opt.step()
        out.append(_flat(params).clone())
    return out


TEMPERATURES = [1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0]


@pytest.mark.parametrize("n_draws", [2, 3, 5, 20])
def test_drawn_ahead_is_the_stream_drawn_in_place(two_threads, n_draws):
    """Same numbers in the same order, whether the block covers all draws, some, or more.

    A draw made ahead and not used inside the block (steps at temperature 0,
    or fewer draws than announced) is the next step's noise after it.
    """
    ref_opt, ref_params = _optimizer()
    reference = _trajectory(ref_opt, ref_params, TEMPERATURES)

    opt, params = _optimizer()
    with opt._noise_drawn_ahead(n_draws) as ahead:
        assert ahead is True
        assert torch.get_num_threads() == 1  # the worker has the other core
        inside = _trajectory(opt, params, TEMPERATURES[:5])
    assert torch.get_num_threads() == 2
    after = _trajectory(opt, params, TEMPERATURES[5:])
    for step, (a, b) in enumerate(zip(inside + after, reference)):
        assert torch.equal(a, b), f"step {step}"
    # Not all zero: the steps did add noise.
    assert reference[-1].abs().sum() > 0


def test_a_draw_made_ahead_survives_pickling(two_threads):
    """A copy pickled inside the block (a draw in flight) continues the stream exactly."""
    ref_opt, ref_params = _optimizer(seed=3)
    reference = _trajectory(ref_opt, ref_params, [1.0] * 4)

    opt, params = _optimizer(seed=3)
    with opt._noise_drawn_ahead(10):
        _trajectory(opt, params, [1.0] * 2)
        copy = pickle.loads(pickle.dumps(opt))
    assert copy._pending_noise  # the draw for step 3, made ahead
    copy_params = copy.param_groups[0]["params"]
    for p in copy_params:
        p.grad = torch.zeros_like(p)
    assert torch.equal(_flat(copy_params), reference[1])
    continued = _trajectory(copy, copy_params, [1.0] * 2)
    assert torch.equal(continued[0], reference[2])
    assert torch.equal(continued[1], reference[3])


def test_block_does_nothing_where_it_cannot_keep_the_stream(two_threads):
    """Global generator, several groups, one thread, fewer than two draws: drawn in place."""
    w = torch.zeros(3)
    cases = [
        SGLD([w], generator=None),
        SGLD([{"params": [w]}, {"params": [torch.zeros(2)]}], generator=torch.Generator()),
    ]
    for opt in cases:
        with opt._noise_drawn_ahead(10) as ahead:
            assert ahead is False
            assert torch.get_num_threads() == 2
    opt = SGLD([w], generator=torch.Generator())
    with opt._noise_drawn_ahead(1) as ahead:
        assert ahead is False
    torch.set_num_threads(1)
    with opt._noise_drawn_ahead(10) as ahead:
        assert ahead is False
    assert torch.get_num_threads() == 1


def test_threads_come_back_after_an_error(two_threads):
    opt, params = _optimizer()
    with pytest.raises(KeyError), opt._noise_drawn_ahead(5):
        _trajectory(opt, params, [1.0])
        raise KeyError("inside the block")
    assert torch.get_num_threads() == 2
    assert opt._ahead is None


def test_worker_error_reaches_the_caller():
    """A draw that fails on the worker raises in ``wait`` (here: normal_ of an integer buffer)."""
    worker = NoiseAhead(torch.Generator().manual_seed(0))
    worker.request(torch.zeros(4, dtype=torch.int64))
    with pytest.raises(RuntimeError):
        worker.wait()
    buffer = torch.zeros(1000)
    worker.request(buffer)
    with pytest.raises(RuntimeError, match="not waited"):
        worker.request(buffer)
    worker.close()
    assert buffer.std() > 0.5
    assert not worker._thread.is_alive()


def _fit(X, y, ahead, **params):
    """An fcNN-like CPU fit (the worker serves a CPU generator; the GPU check runs this
    suite on CUDA), its noise drawn ahead (``ahead=True``) or in place."""
    settings = dict(
        module__hidden_units=(32,),
        batch_size=50,
        max_epochs=10,
        burn_in=0,
        thinning=5,
        device="cpu",
    )
    clf = SGLDClassifier(random_state=0, **{**settings, **params})
    clf._draw_noise_ahead = ahead
    return clf.fit(X, y)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 20)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, y


@pytest.fixture
def blocks_entered(monkeypatch):
    """``(n_draws, drew_ahead)`` of every `SGLD._noise_drawn_ahead` block entered."""
    seen = []
    original = SGLD._noise_drawn_ahead

    @contextlib.contextmanager
    def spy(self, n_draws):
        with original(self, n_draws) as ahead:
            seen.append((n_draws, ahead))
            yield ahead

    monkeypatch.setattr(SGLD, "_noise_drawn_ahead", spy)
    return seen


@pytest.mark.filterwarnings("ignore:method='psgld' with schedule='cyclical'")
@pytest.mark.parametrize("method", ["sgld", "sghmc", "psgld"])
def test_fit_draws_ahead_with_the_samples_of_one_thread_fewer(
    two_threads, data, blocks_entered, method
):
    """The fit's noise is drawn ahead, and its samples are those of a fit drawing in place
    with the products on one thread fewer (the thread count changes a product's rounding,
    the block does not change the noise)."""
    X, y = data
    seen = blocks_entered
    drawn_ahead = _fit(X, y, ahead=True, method=method)
    assert seen == [(drawn_ahead.n_iter_, True)]
    assert torch.get_num_threads() == 2
    _fit(X, y, ahead=False, method=method)  # the instance's switch: no block
    _fit(X, y, ahead=True, method=method, temperature=0.0)  # nothing to draw: no block
    _fit(X, y, ahead=True, method=method, max_epochs=7)  # 56 steps: too short to pay
    assert len(seen) == 1
    torch.set_num_threads(1)
    in_place = _fit(X, y, ahead=False, method=method)
    np.testing.assert_array_equal(np.asarray(drawn_ahead.samples_), np.asarray(in_place.samples_))
    # A cyclical schedule has steps at temperature 0 (no draw): still the same samples.
    cyclical = dict(method=method, schedule="cyclical", n_cycles=2, thinning=1)
    torch.set_num_threads(2)
    cyc_ahead = _fit(X, y, ahead=True, **cyclical)
    torch.set_num_threads(1)
    cyc_in_place = _fit(X, y, ahead=False, **cyclical)
    np.testing.assert_array_equal(
        np.asarray(cyc_ahead.samples_), np.asarray(cyc_in_place.samples_)
    )


class _PerBatch(Callback):
    def on_batch_end(self, net, **kwargs):
        pass


@pytest.mark.parametrize("method", ["sgld", "sghmc", "psgld"])
def test_unfused_steps_draw_in_place(two_threads, data, blocks_entered, method):
    """Without the fused step (here: a per-batch callback, which turns it off) there is no
    block: it is on only where it was measured to pay, the fused steps."""
    X, y = data
    _fit(X, y, ahead=True, method=method, callbacks=[("per_batch", _PerBatch())])
    assert blocks_entered == []


def test_divergent_fit_gives_the_threads_back(two_threads, data):
    X, y = data
    with pytest.raises(DivergenceError):
        _fit(X * 1e4, y, ahead=True, lr=1e6)
    assert torch.get_num_threads() == 2
