"""The vectorised prediction engine against a plain loop over weight draws."""

import numpy as np
import pytest
import torch
from torch import nn

from sklearn_apd.nets import MLP, LeNet, ParameterLayout
from sklearn_apd.prediction import (
    activation_footprint,
    batched_logits,
    plan_chunks,
    predictive_probabilities,
)


class SmallConv(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.head = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.head(torch.nn.functional.leaky_relu(self.conv(x), 0.2).flatten(1))


def _draws(module, n, scale=0.1, seed=0):
    layout = ParameterLayout(module)
    g = torch.Generator().manual_seed(seed)
    base = layout.flatten(module)
    return layout, base + scale * torch.randn(n, layout.n_parameters, generator=g)


def _loop_logits(module, layout, flat, x):
    out = []
    for row in flat:
        layout.assign(module, row)
        with torch.no_grad():
            out.append(module(x))
    return torch.stack(out)


@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda: MLP((5, 4), n_features_in=6, n_classes=3), (7, 6)),
        (lambda: SmallConv(), (7, 1, 8, 8)),
    ],
)
def test_batched_logits_match_a_loop(make, x_shape):
    torch.manual_seed(0)
    module = make().eval()
    layout, flat = _draws(module, 5)
    x = torch.randn(*x_shape)
    expected = _loop_logits(make().eval(), layout, flat, x)
    torch.testing.assert_close(batched_logits(module, layout, flat, x), expected)


def test_mlp_fast_path_matches_generic_vmap():
    module = MLP("toy", n_features_in=2, n_classes=2).eval()
    layout, flat = _draws(module, 9)
    x = torch.randn(11, 2)
    fast = batched_logits(module, layout, flat, x)
    generic = torch.func.vmap(
        lambda p, inp: torch.func.functional_call(module, p, (inp,)), in_dims=(0, None)
    )(layout.unflatten(flat), x)
    torch.testing.assert_close(fast, generic)


def test_flatten_unflatten_round_trip():
    module = SmallConv()
    layout = ParameterLayout(module)
    flat = layout.flatten(module)
    assert flat.shape == (sum(p.numel() for p in module.parameters()),)
    views = layout.unflatten(flat[None])
    for (name, p), v in zip(module.named_parameters(), views.values()):
        torch.testing.assert_close(v[0], p.detach())
        assert name in views


@pytest.mark.parametrize("memory", [0.001, 0.05, 1024])
@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda: MLP((16,), n_features_in=10, n_classes=4), (57, 10)),
        # 300 images: LeNet's CPU blocks cut them into several input chunks.
        (lambda: LeNet(n_features_in=196, n_classes=4), (300, 196)),
    ],
)
def test_chunking_gives_the_same_answer(memory, make, x_shape):
    torch.manual_seed(0)
    module = make().eval()
    layout, flat = _draws(module, 13)
    x = torch.randn(*x_shape)

    def source(a, b):
        return flat[a:b]

    full = torch.softmax(_loop_logits(module, layout, flat, x), -1)
    module = make().eval()
    got = predictive_probabilities(module, layout, source, 13, x, working_memory_mb=memory)
    torch.testing.assert_close(got, full)
    mean = predictive_probabilities(
        module, layout, source, 13, x, working_memory_mb=memory, reduce="mean"
    )
    torch.testing.assert_close(mean, full.mean(0))


def test_plan_chunks_respects_the_budget():
    footprint, n_params = 120, 79_510
    for memory in [1, 16, 256, 1024]:
        draws, inputs = plan_chunks(200, 10_000, footprint, n_params, memory)
        assert 1 <= draws <= 200 and 1 <= inputs <= 10_000
        used = 4 * (3 * draws * inputs * footprint + draws * n_params)
        assert used <= memory * 2**20 or (draws == 1 and inputs == 1)


def test_activation_footprint_counts_layer_outputs():
    module = MLP((5, 4), n_features_in=6, n_classes=3)
    # input 6, linear 5 + relu 5 ... leaves: 3 linears (5, 4, 3) and the Identity
    # dropout (called twice, 5 and 4); the output 3 again; relu is functional.
    f = activation_footprint(module, torch.zeros(1, 6))
    assert f == 6 + (5 + 4 + 3) + (5 + 4) + 3
    assert np.isfinite(f)


@pytest.mark.parametrize(
    "make, width",
    [
        (lambda: MLP((32,), n_features_in=20, n_classes=4), 20),
        # A conv net takes the per-draw path in cache-sized input blocks.
        (lambda: LeNet(n_features_in=196, n_classes=3), 196),
    ],
)
def test_results_do_not_depend_on_the_rest_of_the_batch(make, width):
    """Bit-identical probabilities for an input whatever else is in the batch."""
    torch.manual_seed(0)
    module = make().eval()
    layout, flat = _draws(module, 7)
    x = torch.randn(600, width)

    def run(inputs, memory=1024):
        return predictive_probabilities(
            module, layout, lambda a, b: flat[a:b], 7, inputs, working_memory_mb=memory
        )

    full = run(x)
    for a, b in [(0, 1), (0, 10), (250, 263), (590, 600), (17, 417)]:
        assert torch.equal(run(x[a:b]), full[:, a:b])
    perm = torch.randperm(600, generator=torch.Generator().manual_seed(0))
    assert torch.equal(run(x[perm]), full[:, perm])
    assert torch.equal(run(x, memory=0.5), full)  # smaller draw chunks
