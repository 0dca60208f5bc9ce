"""APD's optional likelihood term: its gradient, its effect on the draws, its errors."""

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator
from torch.func import functional_call

from sklearn_apd import (
    APDClassifier,
    APDRegressor,
    DivergenceError,
    SGLDClassifier,
    SGLDRegressor,
)
from sklearn_apd.nets import MLP, ConvNet, ParameterLayout
from sklearn_apd.posteriors import GaussianNLLLoss
from sklearn_apd.posteriors.apd._likelihood import (
    LikelihoodTerm,
    cross_entropy_per_draw,
    gaussian_nll_per_draw,
)
from sklearn_apd.prediction import batched_logits

CPU = dict(device="cpu", random_state=0)


def _reference_gradient(module, layout, draws, xb, yb, weight):
    """The term's gradient one draw at a time, by autograd through the module itself."""
    grads = []
    for w in draws:
        w = w.clone().requires_grad_(True)
        params = {k: v[0] for k, v in layout.unflatten(w[None]).items()}
        loss = torch.nn.functional.cross_entropy(functional_call(module, params, (xb,)), yb)
        (g,) = torch.autograd.grad(loss / draws.shape[0], w)
        grads.append(g)
    return weight * torch.stack(grads)


@pytest.mark.parametrize(
    "make_module, shape",
    [
        (lambda: MLP(hidden_units=(7, 5), n_features_in=6, n_classes=3), (6,)),
        (lambda: MLP(hidden_units=(7, 5), dropout=0.2, n_features_in=6, n_classes=3), (6,)),
        (lambda: MLP(hidden_units=(), n_features_in=6, n_classes=3), (6,)),
        (lambda: ConvNet((4, 6), image_shape=(1, 8, 8), n_features_in=64, n_classes=3), (64,)),
    ],
)
@pytest.mark.parametrize("chunk", [1, 2, None])  # None: as planned (all 5 draws at once)
def test_gradient_matches_autograd_one_draw_at_a_time(make_module, shape, chunk):
    torch.manual_seed(0)
    module = make_module().eval()
    layout = ParameterLayout(module)
    X, y = torch.randn(40, *shape), torch.randint(3, (40,))
    term = LikelihoodTerm(2.5, cross_entropy_per_draw, module, layout, X, y, 16, 0, 64.0)
    assert term.chunk >= 5
    # an MLP without dropout by hand (nets.mlp_cross_entropy_grads_shared), else autograd
    assert term.by_hand == (type(module) is MLP and not module.dropout)
    term.chunk = chunk or term.chunk
    draws = 0.3 * torch.randn(5, layout.n_parameters)
    # The term draws its own rows: a second term with the same seed replays them.
    replay = LikelihoodTerm(2.5, cross_entropy_per_draw, module, layout, X, y, 16, 0, 64.0)
    picked = torch.randint(40, (16,), generator=replay.rng)
    grad = term.gradient(draws)
    ref = _reference_gradient(module, layout, draws, X[picked], y[picked], 2.5)
    torch.testing.assert_close(grad, ref, rtol=1e-4, atol=1e-6)
    assert np.isfinite(term.last) and term.last > 0


def test_gaussian_nll_per_draw_is_the_regressors_loss_per_draw():
    torch.manual_seed(0)
    out, y = torch.randn(4, 9, 4), torch.randn(9, 2)
    expected = torch.stack([GaussianNLLLoss()(o, y) for o in out])
    torch.testing.assert_close(gaussian_nll_per_draw(out, y), expected)
    logits, labels = torch.randn(3, 9, 5), torch.randint(5, (9,))
    expected = torch.stack([torch.nn.functional.cross_entropy(o, labels) for o in logits])
    torch.testing.assert_close(cross_entropy_per_draw(logits, labels), expected)


@pytest.fixture(scope="module")
def digits_sgld(digits):
    X, _, y, _ = digits
    sgld = SGLDClassifier(lr=0.5, max_epochs=30, burn_in=100, thinning=2, **CPU).fit(X, y)
    return sgld, X, y


def _draws_nll(apd, X, y, n=100):
    """Each of ``n`` draws' mean cross-entropy on ``(X, y)``."""
    draws = apd.sample_parameters(n, random_state=1)
    with torch.no_grad():
        out = batched_logits(apd.module_, apd.layout_, draws, torch.as_tensor(X))
        return cross_entropy_per_draw(out, torch.as_tensor(y)).numpy()


def test_the_term_pulls_the_draws_onto_the_data(digits_sgld):
    """A heavy term lowers the draws' training NLL, in the mean and in the tail, against none.

    Same SGLD samples, seed and updates; only the generator's loss differs. With
    weight 30 the mean and the 90% quantile fell by 10-14% and 10-17% for GAN
    seeds 0-2 (weight 1 moves them by about 3% here, either way in the tail).
    """
    sgld, X, y = digits_sgld
    params = dict(max_iter=100, lr=1e-3, standardize=True, **CPU)
    plain = APDClassifier(FrozenEstimator(sgld), **params).fit(X, y)
    pulled = APDClassifier(
        FrozenEstimator(sgld), likelihood_weight=30.0, likelihood_batch_size=500, **params
    ).fit(X, y)
    nll_plain, nll_pulled = _draws_nll(plain, X, y), _draws_nll(pulled, X, y)
    q_plain, q_pulled = np.quantile(nll_plain, 0.9), np.quantile(nll_pulled, 0.9)
    assert q_pulled < 0.95 * q_plain, (q_plain, q_pulled)
    assert nll_pulled.mean() < 0.95 * nll_plain.mean(), (nll_plain.mean(), nll_pulled.mean())
    h = pulled.distill_history_
    assert len(h["likelihood"]) == pulled.n_iter_ == 100
    assert np.isfinite(h["likelihood"]).all()
    assert "likelihood" not in plain.distill_history_
    assert pulled.score(X, y) >= plain.score(X, y) - 0.01


def test_regressor_and_online_mode_take_the_term(blobs):
    from sklearn_apd.datasets import make_cubic_toy

    X, y = make_cubic_toy(random_state=0)
    sgld = SGLDRegressor(lr=0.1, max_iter=500, burn_in=100, thinning=5, batch_size=20, **CPU)
    sgld.fit(X, y)
    apd = APDRegressor(
        FrozenEstimator(sgld), max_iter=30, standardize=True, likelihood_weight=1.0, **CPU
    ).fit(X, y)
    assert np.isfinite(apd.distill_history_["likelihood"]).all()
    assert np.isfinite(apd.predict(X)).all()
    Xb, yb = blobs
    online = APDClassifier(
        SGLDClassifier(lr=0.5, batch_size=50, burn_in=20, **CPU),
        mode="online", n_chains=3, sgld_steps=15, gan_steps=4, buffer_size=25, max_iter=12,
        lr=1e-3, standardize=True, likelihood_weight=1.0, likelihood_batch_size=64, **CPU,
    ).fit(Xb, yb)  # fmt: skip
    h = online.distill_history_
    assert len(h["likelihood"]) == len(h["buffer_size"]) == 12
    assert np.isfinite(h["likelihood"]).all()


def test_bad_input_names_the_parameter(blobs):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_iter=40, batch_size=50, burn_in=10, thinning=2, **CPU)
    sgld.fit(X, y)
    for params, match in [
        ({"likelihood_weight": -1.0}, "'likelihood_weight' parameter"),
        ({"likelihood_batch_size": 0}, "'likelihood_batch_size' parameter"),
    ]:
        with pytest.raises(ValueError, match=match):
            APDClassifier(FrozenEstimator(sgld), max_iter=2, **params).fit(X, y)


def test_a_non_finite_term_stops_with_an_actionable_message(blobs, monkeypatch):
    X, y = blobs
    sgld = SGLDClassifier(lr=0.5, max_iter=40, batch_size=50, burn_in=10, thinning=2, **CPU)
    sgld.fit(X, y)
    real_gradient = LikelihoodTerm.gradient

    def overflowing(self, draws):
        grad = real_gradient(self, draws)
        self.last = float("inf")  # as a term whose draws left every finite likelihood
        return grad

    monkeypatch.setattr(LikelihoodTerm, "gradient", overflowing)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=3, likelihood_weight=2.0, **CPU)
    expected = r"likelihood inf\. .*likelihood_weight \(now 2\.0\)"
    with pytest.raises(DivergenceError, match=expected):
        apd.fit(X, y)
