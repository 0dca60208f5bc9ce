"""SGLDClassifier: scikit-learn integration, fitted state and errors."""

import copy
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_apd import DivergenceError, SGLDClassifier
from sklearn_apd.nets import MLP


def fast(**kw):
    params = dict(
        lr=0.5,
        max_epochs=20,
        batch_size=50,
        burn_in=20,
        thinning=3,
        n_samples=16,
        device="cpu",
        random_state=0,
    )
    params.update(kw)
    return SGLDClassifier(**params)


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    # burn_in=21: samples at iterations 24, 27, ..., 60 (the last one).
    return fast(burn_in=21).fit(X, y)


def test_fit_learns_and_stores_samples(blobs, fitted):
    X, y = blobs
    assert fitted.score(X, y) > 0.9
    n_iter = 20 * 3  # 150 points / 50 per batch
    assert fitted.n_iter_ == n_iter
    assert fitted.n_samples_seen_ == (n_iter - 21) // 3 == 13
    assert fitted.samples_.shape == (fitted.n_samples_seen_, fitted.n_parameters_)
    assert fitted.samples_.dtype == torch.float32 and fitted.samples_.is_contiguous()
    expected_iters = np.arange(21 + 3, n_iter + 1, 3)
    np.testing.assert_array_equal(fitted.sample_iterations_, expected_iters)
    # MLP 2-100-3
    assert fitted.n_parameters_ == 2 * 100 + 100 + 100 * 3 + 3
    assert fitted.storage_size_ == fitted.samples_.numel()
    np.testing.assert_array_equal(fitted.classes_, [0, 1, 2])
    assert fitted.n_features_in_ == 2
    assert len(fitted.history_) == 20
    assert fitted.history_[-1, "n_iter"] == n_iter
    assert np.isfinite(fitted.history_[:, "train_loss"]).all()
    # The last stored sample is the chain's final state (iteration 60).
    last = fitted.layout_.flatten(fitted.module_)
    torch.testing.assert_close(fitted.samples_[-1], last)


def test_reservoir_bounds_the_store_and_covers_the_chain(blobs):
    X, y = blobs
    clf = fast(max_epochs=100, burn_in=0, thinning=1, max_samples=30).fit(X, y)
    assert clf.n_samples_seen_ == 300
    assert clf.samples_.shape[0] == 30
    its = clf.sample_iterations_
    assert np.all(np.diff(its) > 0)  # distinct, chronological
    # A uniform subset of 1..300: spread over the chain, not only its end.
    assert its.min() < 100 and its.max() > 200
    # Every stored row is one of the chain's states: rows are distinct.
    assert torch.unique(clf.samples_, dim=0).shape[0] == 30


def test_prediction_api_shapes_and_consistency(blobs, fitted):
    X, _ = blobs
    proba = fitted.predict_proba(X)
    samples = fitted.predict_proba_samples(X)
    assert proba.shape == (150, 3) and proba.dtype == np.float64
    assert samples.shape == (16, 150, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(samples.mean(0), proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[proba.argmax(1)])
    # Draws differ from each other (a posterior, not one network).
    assert np.abs(samples[0] - samples[1]).max() > 1e-4
    # n_samples per call; more than stored -> drawn with replacement
    assert fitted.predict_proba_samples(X[:5], n_samples=3).shape == (3, 5, 3)
    big = fitted.predict_proba_samples(X[:5], n_samples=100)
    assert big.shape == (100, 5, 3)
    # Same random_state: same draws on every call.
    np.testing.assert_array_equal(fitted.predict_proba(X), proba)
    for kind in ["entropy", "bald", "variation_ratio", "model_variance", "least_confidence"]:
        u = fitted.uncertainty(X, kind=kind)
        assert u.shape == (150,) and np.isfinite(u).all() and (u >= 0).all()


def test_far_inputs_are_more_uncertain(blobs, fitted):
    X, _ = blobs
    far = np.random.default_rng(0).normal(scale=15.0, size=(200, 2))
    for kind in ["bald", "model_variance"]:
        assert (
            fitted.uncertainty(far, kind=kind).mean() > 3 * fitted.uncertainty(X, kind=kind).mean()
        )


def test_sample_parameters(fitted):
    a = fitted.sample_parameters(5)
    b = fitted.sample_parameters(5)
    c = fitted.sample_parameters(5, random_state=1)
    assert a.shape == (5, fitted.n_parameters_)
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    # Every draw is one of the stored samples.
    d = torch.cdist(a, fitted.samples_)
    assert torch.all(d.min(1).values == 0)


def test_working_memory_does_not_change_results(blobs, fitted):
    X, _ = blobs
    small = clone(fitted).set_params(working_memory=0.01)
    small.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_")})
    np.testing.assert_allclose(
        small.predict_proba_samples(X), fitted.predict_proba_samples(X), rtol=1e-6, atol=1e-7
    )


def test_same_random_state_same_results_and_different_seed_differs(blobs):
    X, y = blobs
    a = fast().fit(X, y)
    b = fast().fit(X, y)
    c = fast(random_state=1).fit(X, y)
    torch.testing.assert_close(a.samples_, b.samples_, rtol=0, atol=0)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not torch.equal(a.samples_, c.samples_)


def test_global_torch_rng_is_untouched(blobs):
    X, y = blobs
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fast().fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_string_labels(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf = fast().fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clf.score(X, names) > 0.9


def test_pickle_round_trip(blobs, fitted):
    X, _ = blobs
    assert fitted.cuda_dependent_attributes_.count("samples_") == 1
    clone_ = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone_.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(clone_.uncertainty(X, "bald"), fitted.uncertainty(X, "bald"))
    assert clone_.device == "cpu" and clone_.device_ == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks loading without a GPU")
def test_gpu_fitted_estimator_loads_on_a_cpu_only_machine_with_a_warning(blobs, fitted):
    """What a pickle from a GPU machine looks like here: the fitted device says cuda.

    The tensors inside are CPU tensors (no GPU to make CUDA ones), but the
    loading path is the one a CUDA pickle takes: skorch maps to the CPU and
    our warning names the device the estimator was fitted on.
    """
    X, _ = blobs
    state = fitted.__getstate__()
    state["device_"] = torch.device("cuda", 0)
    again = SGLDClassifier.__new__(SGLDClassifier)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again.__setstate__(state)
    assert len(caught) == 1, [str(w.message) for w in caught]  # one warning, not skorch's two
    message = str(caught[0].message)
    assert re.match(r"SGLDClassifier was fitted on cuda:0; .*not available", message)
    assert again.device_ == torch.device("cpu") and again.device == fitted.device
    assert again.samples_.device.type == "cpu"
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_clone_and_routed_params(blobs):
    X, y = blobs
    clf = fast(module__hidden_units=(7,))
    params = clf.get_params()
    assert params["module__hidden_units"] == (7,)
    c = clone(clf)
    assert c.get_params()["module__hidden_units"] == (7,)
    c.fit(X, y)
    assert c.module_.hidden_units == (7,)
    assert c.n_parameters_ == 2 * 7 + 7 + 7 * 3 + 3
    assert "samples_" not in clone(c).__dict__


def test_grid_search_in_pipeline(blobs):
    X, y = blobs
    pipe = Pipeline(
        [("scale", StandardScaler()), ("sgld", fast(max_epochs=10, burn_in=5, n_samples=4))]
    )
    grid = GridSearchCV(
        pipe,
        {"sgld__lr": [0.05, 0.5], "sgld__module__hidden_units": [(8,), (16, 16)]},
        cv=2,
        error_score="raise",
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"sgld__lr", "sgld__module__hidden_units"}
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert grid.best_score_ > 0.8
    assert grid.best_estimator_[-1].module_.hidden_units in [(8,), (16, 16)]


def test_cross_val_score(blobs):
    X, y = blobs
    scores = cross_val_score(fast(max_epochs=10, burn_in=5), X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.85


def test_custom_module_class_and_instance(blobs):
    X, y = blobs

    class Net(torch.nn.Module):  # no n_features_in / n_classes: nothing injected
        def __init__(self, width=5):
            super().__init__()
            self.body = torch.nn.Sequential(
                torch.nn.Linear(2, width), torch.nn.Tanh(), torch.nn.Linear(width, 3)
            )

        def forward(self, x):
            return self.body(x)

    clf = fast(module=Net, module__width=6).fit(X, y)
    assert clf.n_parameters_ == 2 * 6 + 6 + 6 * 3 + 3
    assert clf.score(X, y) > 0.85
    instance = MLP(hidden_units=(4,), n_features_in=2, n_classes=3)
    before = [p.detach().clone() for p in instance.parameters()]
    clf = fast(module=instance).fit(X, y)
    for p, q in zip(instance.parameters(), before):
        torch.testing.assert_close(p.detach(), q)  # the user's object is not trained
    assert clf.module_ is not instance


def test_warm_start_continues_the_chain(blobs):
    X, y = blobs
    clf = fast(warm_start=True, max_epochs=10, burn_in=21).fit(X, y)
    first_iters = clf.sample_iterations_.copy()
    clf.fit(X, y)
    assert clf.n_iter_ == 60
    np.testing.assert_array_equal(clf.sample_iterations_[: len(first_iters)], first_iters)
    assert clf.sample_iterations_[-1] == 60


@pytest.mark.parametrize("method", ["sgld", "sghmc"])
@pytest.mark.parametrize("copier", [copy.deepcopy, lambda e: pickle.loads(pickle.dumps(e))])
def test_a_copied_estimator_continues_its_chain_as_the_original(blobs, method, copier):
    # torch's Optimizer pickles without the SGLD's noise generator and buffer: a copy
    # failed on its first warm step (AttributeError) until the optimizer kept them.
    X, y = blobs
    original = fast(method=method, max_epochs=4, burn_in=5).fit(X, y)
    copied = copier(original)
    for est in (original, copied):
        est.set_params(warm_start=True).fit(X, y)
    assert copied.optimizer_.generator is copied._train_generator
    torch.testing.assert_close(copied.samples_, original.samples_, rtol=0, atol=0)


def test_image_shaped_input(digits):
    X_train, X_test, y_train, y_test = digits
    imgs = X_train.reshape(-1, 8, 8)
    clf = fast(max_epochs=5, burn_in=5).fit(imgs, y_train)
    assert clf.input_shape_ == (8, 8)
    assert clf.predict(X_test.reshape(-1, 8, 8)).shape == (len(X_test),)
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.predict(X_test.reshape(-1, 4, 16))
    with pytest.raises(ValueError, match="shape \\(8, 4, 2\\)"):
        clf.predict(X_test.reshape(-1, 8, 4, 2))


# ---------------------------------------------------------------- errors
def test_predict_before_fit():
    for method in ["predict", "predict_proba", "predict_proba_samples", "uncertainty"]:
        with pytest.raises(NotFittedError):
            getattr(fast(), method)(np.zeros((2, 2)))
    with pytest.raises(NotFittedError):
        fast().sample_parameters(3)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_inf_in_X(blobs, fitted, value):
    X, y = blobs
    bad = X.copy()
    bad[3, 1] = value
    with pytest.raises(ValueError, match="X"):
        fast().fit(bad, y)
    with pytest.raises(ValueError, match="X"):
        fitted.predict(bad)


def test_wrong_feature_count(fitted):
    with pytest.raises(ValueError, match="X has 3 features"):
        fitted.predict_proba(np.zeros((4, 3)))


def test_unknown_kind(blobs, fitted):
    X, _ = blobs
    with pytest.raises(ValueError, match="kind='varience'"):
        fitted.uncertainty(X, kind="varience")


def test_sparse_input_is_rejected(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="[Ss]parse"):
        fast().fit(sp.csr_matrix(X), y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lr": -0.1}, "'lr' parameter"),
        ({"lr": "fast"}, "'lr' parameter"),
        ({"thinning": 0}, "'thinning' parameter"),
        ({"burn_in": -1}, "'burn_in' parameter"),
        ({"max_samples": 0}, "'max_samples' parameter"),
        ({"n_samples": 0}, "'n_samples' parameter"),
        ({"weight_decay": -1.0}, "'weight_decay' parameter"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"device": "tpu"}, "device='tpu'"),
        ({"module": "ConvNet"}, "'module' parameter .* callable. Got 'ConvNet'"),
        ({"optimizer": "sgld"}, "'optimizer' parameter"),
        ({"lrate": 0.1}, "unexpected parameter lrate=0.1"),
        ({"iterator_train__shuffle": False}, "unexpected parameter iterator_train__shuffle"),
    ],
)
def test_invalid_parameters(blobs, params, match):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        fast(**params).fit(X, y)


def test_invalid_n_samples_at_predict(blobs, fitted):
    X, _ = blobs
    with pytest.raises(ValueError, match="n_samples=0"):
        fitted.predict_proba(X, n_samples=0)


def test_too_short_run_for_burn_in(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="burn_in=1000"):
        fast(burn_in=1000).fit(X, y)


def test_one_class(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="at least 2 classes"):
        fast().fit(X, np.zeros(len(X)))


def test_divergence_stops_with_actionable_message(blobs):
    X, y = blobs
    clf = fast(lr=1e6)
    with pytest.raises(DivergenceError, match="Lower lr"):
        clf.fit(X * 1e3, y)
    assert "samples_" not in clf.__dict__  # no half-fitted state is left


def test_module_with_wrong_output_size(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="expected \\(1, 3\\)"):
        fast(module=MLP, module__n_classes=5).fit(X, y)


def test_set_params_on_a_fitted_estimator_keeps_its_state_until_refit(blobs):
    X, y = blobs
    clf = fast(burn_in=21).fit(X, y)
    proba = clf.predict_proba(X)
    clf.set_params(module__hidden_units=(5,), lr=0.1)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)  # nothing re-initialized
    clf.fit(X, y)
    assert clf.module_.hidden_units == (5,)
    assert clf.cuda_dependent_attributes_.count("samples_") == 1  # not re-added per fit
    assert clf.samples_.shape[1] == clf.n_parameters_ == 2 * 5 + 5 + 5 * 3 + 3
    clf.set_params(modul__hidden_units=(3,))
    with pytest.raises(ValueError, match="unexpected parameter modul__hidden_units"):
        clf.fit(X, y)


def test_warm_start_with_other_features_is_refused(blobs):
    X, y = blobs
    clf = fast(warm_start=True, burn_in=21).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features"):
        clf.fit(np.c_[X, X], y)
    with pytest.raises(ValueError, match="needs the same (classes|input shape)"):
        clf.fit(X, y + 1)
    assert clf.input_shape_ == (2,) and clf.n_features_in_ == 2
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


def test_unfitted_estimators_pickle_with_device_auto():
    """Dask and joblib ship unfitted estimators between processes by pickling."""
    from sklearn_apd import (
        APDClassifier,
        DeterministicClassifier,
        GaussianMixturePosterior,
        MCDropoutClassifier,
    )

    for est in (
        SGLDClassifier(lr=0.2),
        DeterministicClassifier(),
        MCDropoutClassifier(),
        APDClassifier(SGLDClassifier()),
        GaussianMixturePosterior(SGLDClassifier()),
    ):
        again = pickle.loads(pickle.dumps(est))
        assert repr(again) == repr(est)
        assert again.get_params(deep=False).get("device", "auto") == "auto"


def test_max_iter_is_a_budget_in_iterations(digits):
    """max_iter overrides max_epochs; a whole number of epochs gives the same chain."""
    X_train, _, y_train, _ = digits
    per_epoch = -(-len(X_train) // 100)
    kw = dict(lr=0.5, batch_size=100, burn_in=5, thinning=3, random_state=0, device="cpu")
    by_epochs = SGLDClassifier(max_epochs=2, **kw).fit(X_train, y_train)
    by_iters = SGLDClassifier(max_iter=2 * per_epoch, max_epochs=50, **kw).fit(X_train, y_train)
    torch.testing.assert_close(by_iters.samples_, by_epochs.samples_, rtol=0, atol=0)
    part = SGLDClassifier(max_iter=per_epoch + 4, **kw).fit(X_train, y_train)
    assert part.n_iter_ == per_epoch + 4
    assert part.history_[:, "n_iter"] == [per_epoch, per_epoch + 4]
    assert part.samples_.shape[0] == (per_epoch + 4 - 5) // 3
    np.testing.assert_array_equal(
        part.sample_iterations_, 5 + 3 * np.arange(1, 1 + part.samples_.shape[0])
    )
    with pytest.raises(ValueError, match="max_iter"):
        SGLDClassifier(max_iter=0).fit(X_train, y_train)


def test_max_iter_lets_a_full_data_setting_sample_twenty_labels(digits):
    """20 labels, batch 32, max_epochs=15: 15 iterations do not pass burn_in=20; max_iter does."""
    X_train, _, y_train, _ = digits
    idx = np.concatenate([np.flatnonzero(y_train == c)[:2] for c in range(10)])
    kw = dict(batch_size=32, burn_in=20, thinning=5, random_state=0, device="cpu")
    with pytest.raises(ValueError, match="set max_iter"):
        SGLDClassifier(max_epochs=15, **kw).fit(X_train[idx], y_train[idx])
    clf = SGLDClassifier(max_epochs=15, max_iter=120, **kw).fit(X_train[idx], y_train[idx])
    assert clf.n_iter_ == 120 and clf.samples_.shape[0] == 20
