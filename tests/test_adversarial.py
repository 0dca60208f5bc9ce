"""Adversarial examples against one posterior sample, and their detection (Table 3)."""

import copy

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklearn_apd import (
    APDClassifier,
    DeterministicClassifier,
    MCDropoutClassifier,
    SGLDClassifier,
)
from sklearn_apd.adversarial import craft_adversarial, detection_auroc, transfer_matrix


@pytest.fixture(scope="module")
def models(digits):
    X_train, X_test, y_train, y_test = digits
    # 300 epochs of 12 minibatches: the chain has mixed after its 2,000-step burn-in.
    sgld = SGLDClassifier(
        max_epochs=300, burn_in=2000, thinning=20, random_state=0, verbose=0
    ).fit(X_train, y_train)
    mcd = MCDropoutClassifier(max_epochs=60, random_state=0, verbose=0).fit(X_train, y_train)
    apd = APDClassifier(
        FrozenEstimator(sgld), max_iter=30, lr=1e-3, standardize=True, random_state=0
    ).fit(X_train, y_train)
    return {"sgld": sgld, "mcd": mcd, "apd": apd, "X": X_test[:300], "y": y_test[:300]}


@pytest.mark.parametrize("attack", ["fgsm", "pgd"])
@pytest.mark.parametrize("bounds", [(0.0, 1.0), (-1.0, 1.0)])
def test_adversarial_inputs_stay_in_the_ball_and_the_bounds(models, attack, bounds):
    X, y = models["X"], models["y"]
    adv = craft_adversarial(
        models["sgld"], X, y, attack=attack, epsilon=0.15, bounds=bounds, steps=10
    )
    assert adv.X_adv.shape == X.shape and adv.X_adv.dtype == np.float32
    assert np.abs(adv.X_adv - X).max() <= 0.15 + 1e-6
    assert adv.X_adv.min() >= bounds[0] and adv.X_adv.max() <= bounds[1]
    assert np.abs(adv.X_adv - X).max() > 0.1  # it did move
    # success only where the attacked network was right on the clean input
    assert not (adv.success & ~adv.clean_correct).any()
    assert 0 < adv.success_rate <= 1
    np.testing.assert_array_equal(adv.X_successful, adv.X_adv[adv.success])


def test_success_is_checked_against_the_attacked_sample(models):
    sgld, X, y = models["sgld"], models["X"], models["y"]
    adv = craft_adversarial(sgld, X, y, attack="pgd", epsilon=0.1, sample=3, steps=10)
    torch.testing.assert_close(adv.weights, sgld.samples_[3].cpu())
    net = copy.deepcopy(sgld.module_).cpu()  # the arrays are on the CPU, wherever sgld ran
    sgld.layout_.assign(net, sgld.samples_[3].cpu())
    with torch.no_grad():
        pred_adv = net(torch.from_numpy(adv.X_adv)).argmax(1).numpy()
        pred_clean = net(torch.from_numpy(X)).argmax(1).numpy()
    np.testing.assert_array_equal(adv.clean_correct, sgld.classes_[pred_clean] == y)
    np.testing.assert_array_equal(adv.success, adv.clean_correct & (sgld.classes_[pred_adv] != y))


@pytest.mark.parametrize("epsilon", [0.05, 0.1])
def test_pgd_succeeds_at_least_as_often_as_fgsm(models, epsilon):
    X, y = models["X"], models["y"]
    fgsm = craft_adversarial(models["sgld"], X, y, attack="fgsm", epsilon=epsilon, sample=0)
    pgd = craft_adversarial(
        models["sgld"], X, y, attack="pgd", epsilon=epsilon, sample=0, random_state=0
    )
    assert pgd.success.sum() >= fgsm.success.sum()


def test_sgld_finds_successful_adversarial_inputs_more_uncertain(models):
    sgld, X, y = models["sgld"], models["X"], models["y"]
    adv = craft_adversarial(sgld, X, y, attack="fgsm", epsilon=0.1, random_state=0)
    assert adv.success.sum() > 50
    clean = sgld.uncertainty(X, kind="model_variance", n_samples=200)
    adversarial = sgld.uncertainty(adv.X_successful, kind="model_variance", n_samples=200)
    assert adversarial.mean() > 2 * clean.mean()
    auroc = detection_auroc(sgld, X, adv.X_successful, n_samples=200)
    assert auroc > 0.75


def test_deterministic_for_a_seed_and_global_rng_untouched(models):
    sgld, X, y = models["sgld"], models["X"][:100], models["y"][:100]
    state = torch.get_rng_state()
    a = craft_adversarial(sgld, X, y, attack="pgd", epsilon=0.1, steps=5, random_state=7)
    b = craft_adversarial(sgld, X, y, attack="pgd", epsilon=0.1, steps=5, random_state=7)
    c = craft_adversarial(sgld, X, y, attack="pgd", epsilon=0.1, steps=5, random_state=8)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(a.X_adv, b.X_adv)
    np.testing.assert_array_equal(a.success, b.success)
    assert not np.array_equal(a.X_adv, c.X_adv)


def test_source_estimator_is_not_modified(models):
    sgld, X, y = models["sgld"], models["X"], models["y"]
    before = sgld.predict_proba(X)
    weights = [p.detach().clone() for p in sgld.module_.parameters()]
    craft_adversarial(sgld, X, y, attack="fgsm", epsilon=0.1, random_state=0)
    np.testing.assert_array_equal(sgld.predict_proba(X), before)
    for w, p in zip(weights, sgld.module_.parameters()):
        assert torch.equal(w, p.detach()) and p.requires_grad


def test_every_source_kind(models, digits):
    X, y = models["X"], models["y"]
    # MC dropout: the eval-mode network, the same with or without a seed.
    m1 = craft_adversarial(models["mcd"], X, y, attack="fgsm", epsilon=0.1)
    m2 = craft_adversarial(models["mcd"], X, y, attack="fgsm", epsilon=0.1)
    assert m1.weights is None and m1.success.sum() > 0
    np.testing.assert_array_equal(m1.X_adv, m2.X_adv)
    # APD: one generated sample; a point estimate: its weights.
    apd = craft_adversarial(models["apd"], X, y, attack="fgsm", epsilon=0.1, random_state=0)
    assert apd.weights.shape == (models["apd"].n_parameters_,)
    X_train, _, y_train, _ = digits
    sgd = DeterministicClassifier(max_epochs=10, random_state=0, verbose=0).fit(X_train, y_train)
    det = craft_adversarial(sgd, X, y, attack="fgsm", epsilon=0.1)
    torch.testing.assert_close(det.weights, sgd.weights_.cpu())
    # String labels work through classes_.
    names = np.array(list("abcdefghij"))
    sgd_str = DeterministicClassifier(max_epochs=3, random_state=0, verbose=0)
    sgd_str.fit(X_train, names[y_train])
    adv = craft_adversarial(sgd_str, X, names[y], attack="fgsm", epsilon=0.2)
    assert adv.success.any()


def test_transfer_matrix(models):
    ests = {"MC dropout": models["mcd"], "SGLD": models["sgld"], "APD": models["apd"]}
    X, y = models["X"][:150], models["y"][:150]
    m = transfer_matrix(ests, ests, X, y, epsilon=0.1, steps=5, n_samples=50, random_state=0)
    assert m.auroc.shape == (2, 3, 3) and m.success_rate.shape == (2, 3)
    assert np.isfinite(m.auroc).all() and ((0 <= m.auroc) & (m.auroc <= 1)).all()
    text = m.to_markdown()
    assert text.count("\n") == 2 + 6 - 1 and "| pgd | SGLD (" in text
    frame = m.to_frame()
    assert frame.shape == (6, 4) and list(frame.columns[:3]) == list(ests)
    # A budget too small to flip anything leaves NaN cells, not an error.
    tiny = transfer_matrix(
        {"SGLD": models["sgld"]},
        {"SGLD": models["sgld"]},
        X,
        y,
        attacks=["fgsm"],
        epsilon=1e-7,
        n_samples=10,
    )
    assert tiny.n_successful[0, 0] == 0 and np.isnan(tiny.auroc[0, 0, 0])


def test_bad_input_gets_clear_errors(models, digits):
    sgld, X, y = models["sgld"], models["X"], models["y"]
    with pytest.raises(NotFittedError):
        craft_adversarial(SGLDClassifier(), X, y)
    lr = LogisticRegression(max_iter=200).fit(X, y)
    with pytest.raises(ValueError, match="no network weights"):
        craft_adversarial(lr, X, y)
    pipe = make_pipeline(FunctionTransformer(), FrozenEstimator(sgld)).fit(X, y)
    with pytest.raises(ValueError, match="Pipeline"):
        craft_adversarial(pipe, X, y)
    for eps in (0, -0.1, 1.5, float("nan"), "0.1"):
        with pytest.raises(ValueError, match="epsilon="):
            craft_adversarial(sgld, X, y, epsilon=eps)
    with pytest.raises(ValueError, match=r"epsilon=2.5 must be in \(0, 2\]"):
        craft_adversarial(sgld, X, y, epsilon=2.5, bounds=(-1, 1))
    with pytest.raises(ValueError, match="outside bounds"):
        craft_adversarial(sgld, X * 2 - 1, y)
    with pytest.raises(ValueError, match="attack='cw'"):
        craft_adversarial(sgld, X, y, attack="cw")
    with pytest.raises(ValueError, match="steps=0"):
        craft_adversarial(sgld, X, y, attack="pgd", steps=0)
    with pytest.raises(ValueError, match="step_size"):
        craft_adversarial(sgld, X, y, attack="pgd", step_size=5.0)
    with pytest.raises(ValueError, match="bounds"):
        craft_adversarial(sgld, X, y, bounds=(1, 0))
    with pytest.raises(ValueError, match="not fitted on"):
        craft_adversarial(sgld, X, y + 20)
    with pytest.raises(ValueError, match="features"):
        craft_adversarial(sgld, X[:, :10], y)
    with pytest.raises(ValueError, match="sample=999"):
        craft_adversarial(sgld, X, y, sample=999)
    with pytest.raises(ValueError, match="stores none"):
        craft_adversarial(models["apd"], X, y, sample=0)
    with pytest.raises(ValueError, match="X_adv is empty"):
        detection_auroc(sgld, X, X[:0])
    with pytest.raises(ValueError, match="sources"):
        transfer_matrix({}, {"SGLD": sgld}, X, y)
