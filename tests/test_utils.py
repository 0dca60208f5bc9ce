"""The leaf helpers of sklearn_apd._utils that the estimators rely on for correctness."""

import numpy as np
import torch

from sklearn_apd._utils import all_finite, seeded_global_rng


def test_all_finite_is_exact():
    big = torch.full((4,), 3e38)  # finite values whose float32 sum overflows
    assert all_finite([torch.zeros(5), big, torch.empty(0)])
    assert not all_finite([torch.zeros(5), torch.tensor([1.0, float("nan")])])
    assert not all_finite([torch.tensor([float("inf"), 1.0])])
    assert not all_finite([torch.tensor([float("inf"), -float("inf")])])  # sum is NaN
    assert not all_finite([big, torch.tensor([float("-inf")])])
    assert all_finite([torch.tensor(np.array([1.0, -1e30], dtype=np.float32))])


def test_seeded_global_rng_seeds_then_restores_the_cpu_generator():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    with seeded_global_rng(7, 3, "cpu"):
        first = torch.rand(3)
    assert torch.equal(torch.get_rng_state(), before)
    with seeded_global_rng(7, 3, "cpu"):
        assert torch.equal(torch.rand(3), first)  # the stream, not the caller's state
    with seeded_global_rng(None, 3, "cpu"):  # None: the global stream, untouched
        torch.rand(1)
    assert not torch.equal(torch.get_rng_state(), before)
