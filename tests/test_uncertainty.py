"""Uncertainty measures on hand-built probability arrays with known answers."""

import numpy as np
import pytest
import torch

from sklearn_apd import uncertainty as U

LN2 = np.log(2.0)

# Three inputs, two draws, two classes:
#  0: both draws certain of class 0            -> nothing uncertain
#  1: both draws at 50/50                      -> aleatoric only
#  2: draws certain of opposite classes        -> epistemic (disagreement)
P = np.array(
    [
        [[1.0, 0.0], [0.5, 0.5], [1.0, 0.0]],
        [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]],
    ]
)


def test_entropy_known_values():
    np.testing.assert_allclose(U.entropy(P), [0.0, LN2, LN2], atol=1e-12)


def test_bald_separates_aleatoric_from_epistemic():
    np.testing.assert_allclose(U.bald(P), [0.0, 0.0, LN2], atol=1e-12)


def test_variation_ratio_is_one_minus_mode_frequency():
    # Ties inside a draw go to the lowest class, so input 1 votes 0 twice.
    np.testing.assert_allclose(U.variation_ratio(P), [0.0, 0.0, 0.5])
    votes = np.zeros((5, 1, 3))
    for s, c in enumerate([0, 0, 1, 2, 0]):
        votes[s, 0, c] = 1.0
    np.testing.assert_allclose(U.variation_ratio(votes), [1 - 3 / 5])


def test_model_variance_is_summed_population_variance():
    np.testing.assert_allclose(U.model_variance(P), [0.0, 0.0, 0.5])
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=(7, 5))
    np.testing.assert_allclose(U.model_variance(p), p.var(axis=0).sum(-1))


def test_least_confidence():
    np.testing.assert_allclose(U.least_confidence(P), [0.0, 0.5, 0.5])


def test_bald_equals_entropy_minus_expected_entropy_on_random_input():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(10) * 0.3, size=(20, 50))
    mean = p.mean(0)
    h_mean = -(mean * np.log(mean)).sum(-1)
    h_each = -(p * np.log(p)).sum(-1).mean(0)
    np.testing.assert_allclose(U.entropy(p), h_mean, rtol=1e-10)
    np.testing.assert_allclose(U.bald(p), h_mean - h_each, rtol=1e-8, atol=1e-12)
    assert (U.bald(p) >= 0).all()


@pytest.mark.parametrize("kind", sorted(U.KINDS))
def test_numpy_and_torch_inputs_agree(kind):
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(3), size=(6, 4))
    out_np = U.uncertainty(p, kind=kind)
    out_t = U.uncertainty(torch.tensor(p), kind=kind)
    assert isinstance(out_np, np.ndarray) and out_np.shape == (4,)
    assert isinstance(out_t, torch.Tensor) and out_t.shape == (4,)
    np.testing.assert_allclose(out_np, out_t.numpy(), rtol=1e-12)
    # float32 torch input stays float32 and close
    out_32 = U.uncertainty(torch.tensor(p, dtype=torch.float32), kind=kind)
    assert out_32.dtype == torch.float32
    np.testing.assert_allclose(out_32.numpy(), out_np, atol=1e-6)


def test_zero_probabilities_give_finite_results():
    p = np.zeros((3, 2, 4))
    p[:, :, 0] = 1.0
    for kind in U.KINDS:
        out = U.uncertainty(p, kind=kind)
        assert np.isfinite(out).all()
        np.testing.assert_allclose(out, 0.0, atol=1e-12)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.ones((2, 3)), "shape"),
        (np.full((2, 1, 2), np.nan), "NaN"),
        (-np.ones((2, 1, 2)), "negative"),
        (np.ones((0, 1, 2)), "at least one sample"),
        (np.array([[["a", "b"]]]), "real numbers"),
    ],
)
def test_bad_input_raises_value_error(bad, match):
    with pytest.raises(ValueError, match=match):
        U.entropy(bad)


def test_unknown_kind_names_the_value():
    with pytest.raises(ValueError, match="kind='mutual_info'"):
        U.uncertainty(P, kind="mutual_info")
