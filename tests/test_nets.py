import copy
import warnings

import numpy as np
import pytest
import torch

from sklearn_apd.nets import MLP, PRESETS, n_parameters


@pytest.mark.parametrize("preset, expected", [("fcNN1", 79_510), ("fcNN2", 478_410)])
def test_paper_network_sizes(preset, expected):
    assert n_parameters(preset, 784, 10) == expected
    net = MLP(preset, n_features_in=784, n_classes=10)
    assert sum(p.numel() for p in net.parameters()) == expected


def test_toy_preset_and_dropout_placement():
    net = MLP("toy", dropout=0.5, n_features_in=2, n_classes=2)
    assert net.hidden_units == PRESETS["toy"] == (10, 10)
    assert sum(p.numel() for p in net.parameters()) == n_parameters("toy", 2, 2) == 162
    net.train()
    x = torch.ones(1000, 2)
    # no dropout on the input or the logits: the first layer sees x unchanged
    h = torch.relu(net.layers[0](x))
    assert torch.equal(h[0], h[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hidden_units": "fcNN3"}, "preset"),
        ({"hidden_units": (10, 0)}, "positive"),
        ({"dropout": 1.0}, "dropout"),
        ({"n_features_in": None}, "n_features_in"),
    ],
)
def test_bad_arguments(kwargs, match):
    params = {"n_features_in": 4, "n_classes": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        MLP(**params)


# --------------------------------------------------------------------------- ConvNet


def test_convnet_layout_and_input_shapes():
    from sklearn_apd.nets import ConvNet

    net = ConvNet(n_features_in=784, n_classes=10)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    # All-CNN-C with half the filters: 3 x 48, 3 x 96, 3x3 96, 1x1 96, 1x1 classes.
    assert [c.out_channels for c in convs] == [48, 48, 48, 96, 96, 96, 96, 96, 10]
    assert [c.stride[0] for c in convs] == [1, 1, 2, 1, 1, 2, 1, 1, 1]
    acts = [m for m in net.modules() if isinstance(m, torch.nn.LeakyReLU)]
    assert acts and all(a.negative_slope == 0.2 for a in acts)
    x = torch.randn(3, 784)
    out = net(x)
    assert out.shape == (3, 10)
    torch.testing.assert_close(net(x.reshape(3, 28, 28)), out)
    torch.testing.assert_close(net(x.reshape(3, 1, 28, 28)), out)
    rgb = ConvNet(image_shape=(3, 8, 8), n_filters=(4, 8), n_features_in=192, n_classes=2)
    assert rgb(torch.randn(2, 192)).shape == (2, 2)


def test_convnet_max_pooling_halves_each_stage_with_the_same_weights():
    """pool="max": the stage's third convolution at stride 1, then 2x2 max pooling."""
    from sklearn_apd.nets import ConvNet

    net = ConvNet(pool="max", n_features_in=784, n_classes=10)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.stride[0] for c in convs] == [1] * 9
    pools = [i for i, m in enumerate(net.features) if isinstance(m, torch.nn.MaxPool2d)]
    assert len(pools) == 2
    assert n_params(net) == n_params(ConvNet(n_features_in=784, n_classes=10))
    x = torch.randn(2, 1, 28, 28)
    assert net.features[: pools[0] + 1](x).shape[-2:] == (14, 14)
    assert net.features[: pools[1] + 1](x).shape[-2:] == (7, 7)
    assert net(x).shape == (2, 10)
    tiny = ConvNet(pool="max", n_filters=(4, 8), n_features_in=9, n_classes=3)
    assert tiny(torch.randn(2, 9)).shape == (2, 3)  # 3 -> 2 -> 1 pixels (ceil_mode)


def test_convnet_dropout_layers_are_distinct_modules():
    from sklearn_apd.nets import ConvNet

    net = ConvNet(dropout=0.5, n_filters=(4, 8), n_features_in=64, n_classes=10)
    drops = [name for name, m in net.named_modules() if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 2  # one mask per place for MC dropout


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_features_in": 60}, "square image"),
        ({"n_features_in": 64, "image_shape": (1, 8, 7)}, "holds 56 values"),
        ({"n_features_in": 4}, "3x3"),
        ({"n_features_in": 64, "n_filters": (4,)}, "n_filters"),
        ({"n_features_in": 64, "dropout": 1.0}, "dropout"),
        ({"n_features_in": 64, "negative_slope": -1}, "negative_slope"),
        ({"n_features_in": 64, "norm": "layer"}, "norm='layer'"),
        ({"n_features_in": 64, "pool": "avg"}, "pool='avg'"),
        ({"n_features_in": None}, "n_features_in"),
    ],
)
def test_convnet_bad_arguments(kwargs, match):
    from sklearn_apd.nets import ConvNet

    with pytest.raises(ValueError, match=match):
        ConvNet(**{"n_classes": 10, **kwargs})


def test_convnet_with_every_posterior_estimator(digits):
    """ConvNet trains with SGD and serves every estimator's prediction API."""
    from sklearn.frozen import FrozenEstimator

    from sklearn_apd import (
        APDClassifier,
        DeterministicClassifier,
        GaussianMixturePosterior,
        MCDropoutClassifier,
        SGLDClassifier,
    )
    from sklearn_apd.nets import ConvNet

    X_train, X_test, y_train, y_test = digits
    net = dict(module=ConvNet, module__n_filters=(8, 16), random_state=0, verbose=0)
    sgd = DeterministicClassifier(max_epochs=15, lr=0.2, **net).fit(X_train, y_train)
    # He init: PyTorch's default does not train. 0.89-0.92 over random_state 0-2 on
    # the CPU; 0.849 on an H200 (other random streams there: benchmarks/RESULTS.md).
    assert sgd.score(X_test, y_test) > 0.8
    dropout = MCDropoutClassifier(max_epochs=2, n_samples=4, **net).fit(X_train, y_train)
    assert len(dropout.dropout_layers_) == 2
    sgld = SGLDClassifier(
        max_epochs=3, burn_in=10, thinning=5, temperature=0.1, n_samples=4, **net
    ).fit(X_train, y_train)
    apd = APDClassifier(FrozenEstimator(sgld), max_iter=3, n_samples=4, random_state=0)
    gmm = GaussianMixturePosterior(FrozenEstimator(sgld), n_components=1, n_samples=4)
    for est in (sgd, dropout, sgld, apd.fit(X_train, y_train), gmm.fit(X_train, y_train)):
        probas = est.predict_proba_samples(X_test[:7])
        assert probas.shape == (4 if est is not sgd else 1, 7, 10)
        assert np.isfinite(probas).all()
        np.testing.assert_allclose(probas.sum(-1), 1, atol=1e-5)


@pytest.mark.parametrize(
    "norm, layer", [("batch", torch.nn.BatchNorm2d), ("group", torch.nn.GroupNorm)]
)
def test_convnet_norm_follows_every_hidden_convolution(norm, layer):
    from sklearn_apd.nets import ConvNet

    plain = ConvNet(n_features_in=784, n_classes=10)
    net = ConvNet(norm=norm, n_features_in=784, n_classes=10)
    norms = [m for m in net.modules() if isinstance(m, layer)]
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [n.num_features if norm == "batch" else n.num_channels for n in norms] == [
        c.out_channels for c in convs[:-1]
    ]
    if norm == "group":  # 8 groups where the channels divide, fewer where they do not
        assert {n.num_groups for n in norms} == {8}
        odd = ConvNet(norm=norm, n_filters=(6, 12), n_features_in=64, n_classes=3)
        assert [n.num_groups for n in odd.modules() if isinstance(n, layer)] == [2] * 3 + [4] * 5
    # The normalised convolutions lose their bias (the norm's shift replaces it);
    # the logits' convolution keeps it. Unnormalised: same names as before.
    assert [c.bias is None for c in convs] == [True] * 8 + [False]
    extra = sum(2 * c.out_channels - c.out_channels for c in convs[:-1])
    assert n_params(net) == n_params(plain) + extra
    assert [k for k, _ in plain.named_parameters()][:2] == ["features.0.weight", "features.0.bias"]
    net.eval()
    assert net(torch.randn(3, 28, 28)).shape == (3, 10)


def n_params(net):
    return sum(p.numel() for p in net.parameters())


def test_sgld_with_batch_norm_needs_one_chain_and_group_norm_runs_several(digits):
    from sklearn_apd import APDClassifier, SGLDClassifier
    from sklearn_apd.nets import ConvNet

    X_train, X_test, y_train, y_test = digits
    net = dict(module=ConvNet, module__n_filters=(8, 16), random_state=0, verbose=0)
    fit = dict(max_iter=12, burn_in=4, thinning=4, temperature=0.1, n_chains=2, **net)
    with pytest.raises(ValueError, match="n_chains=2 .* batch normalisation.*norm='group'"):
        SGLDClassifier(module__norm="batch", **fit).fit(X_train, y_train)
    # The sampler protocol's chains (online APD) are vectorised too: the same message,
    # where a torch error about in-place operations under a transform came before.
    with pytest.raises(ValueError, match="start_chains .* batch normalisation.*norm='group'"):
        SGLDClassifier(module__norm="batch", **net).start_chains(X_train, y_train)
    with pytest.raises(ValueError, match="start_chains .* batch normalisation"):
        APDClassifier(
            sampler=SGLDClassifier(module__norm="batch", **net), mode="online", max_iter=2
        ).fit(X_train, y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # group normalisation: no running statistics, no warning
        group = SGLDClassifier(module__norm="group", **fit).fit(X_train, y_train)
    assert group.samples_.shape[0] == 4 and group.sample_statistics_ is None


@pytest.fixture(scope="module")
def batch_norm_sgld(digits):
    """One SGHMC chain on a batch-normalised ConvNet, 4 samples kept."""
    from sklearn_apd import SGLDClassifier
    from sklearn_apd.nets import ConvNet

    X_train, _, y_train, _ = digits
    est = SGLDClassifier(
        module=ConvNet, module__n_filters=(8, 16), module__norm="batch", module__dropout=0.25,
        method="sghmc", lr=0.02, temperature=1e-3, max_iter=20, burn_in=4, thinning=4,
        batch_size=64, random_state=0, verbose=0,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # per-sample statistics: nothing to warn about
        return est.fit(X_train[:800], y_train[:800])  # fewer rows than STATISTICS_ROWS


def test_sgld_keeps_each_batch_norm_samples_own_statistics(batch_norm_sgld, digits):
    import torch

    from sklearn_apd.nets import StatisticsLayout

    X_train, X_test, _, _ = digits
    est = batch_norm_sgld
    stats = StatisticsLayout(est.module_)
    k = est.samples_.shape[0]
    assert k == 4 and est.sample_statistics_.shape == (k, stats.n_statistics)
    assert est.storage_size_ == k * (est.n_parameters_ + stats.n_statistics)
    assert est.sample_parameters(3).shape == (3, est.n_parameters_)
    # The statistics are those of each sample's own weights on the training rows (all of
    # them: fewer than STATISTICS_ROWS), with dropout off: recomputed here by hand.
    module = copy.deepcopy(est.module_)
    X_t = torch.as_tensor(X_train[:800], dtype=torch.float32)
    manual = []
    for i in range(k):
        est.layout_.assign(module, est.samples_[i])
        torch.testing.assert_close(
            stats.estimate(module, X_t), est.sample_statistics_[i], rtol=1e-5, atol=1e-5
        )
        module.eval()
        with torch.no_grad():
            manual.append(torch.softmax(module(torch.as_tensor(X_test[:7])), -1).numpy())
    # A moving chain: no two samples share their statistics.
    assert len({tuple(r.tolist()) for r in est.sample_statistics_[:, :4]}) == k
    # Every draw predicts with its own statistics: each of the k draws (all samples, in
    # some order) matches one by-hand prediction; the mean is theirs.
    draws = est.predict_proba_samples(X_test[:7], n_samples=k)
    for d in draws:
        assert min(np.abs(d - m).max() for m in manual) < 1e-4  # float rounding only
    np.testing.assert_allclose(
        est.predict_proba(X_test[:7], n_samples=k), np.mean(manual, 0), atol=1e-4
    )
    # A prediction does not depend on the other rows of the batch (eval mode).
    np.testing.assert_allclose(
        est.predict_proba_samples(X_test[:1], n_samples=k), draws[:, :1], atol=1e-6
    )


def test_sgld_batch_norm_statistics_subset_warm_start_and_merge(
    batch_norm_sgld, digits, monkeypatch
):
    import torch

    from sklearn_apd import APDClassifier, GaussianMixturePosterior
    from sklearn_apd.parallel import merge_chains
    from sklearn_apd.posteriors import _sgld

    X_train, X_test, y_train, _ = digits
    est = copy.deepcopy(batch_norm_sgld)
    # On more rows than STATISTICS_ROWS: a fixed random subset, the same for every sample.
    monkeypatch.setattr(_sgld, "STATISTICS_ROWS", 50)
    X_t = torch.as_tensor(X_train, dtype=torch.float32)
    rows = est._statistics_rows(X_t)
    assert rows.shape == (50, X_train.shape[1])
    torch.testing.assert_close(rows, est._statistics_rows(X_t))  # from random_state
    assert len({tuple(r.tolist()) for r in rows}) == 50
    # A warm fit keeps the earlier samples' statistics and adds the new ones'.
    old = est.sample_statistics_.clone()
    est.set_params(warm_start=True, burn_in=0).fit(X_train[:800], y_train[:800])
    assert est.sample_statistics_.shape[0] == est.samples_.shape[0] > old.shape[0]
    torch.testing.assert_close(est.sample_statistics_[: old.shape[0]], old)
    # Merged chains carry them too.
    merged = merge_chains([batch_norm_sgld, est])
    assert merged.sample_statistics_.shape[0] == merged.samples_.shape[0]
    assert merged.storage_size_ == batch_norm_sgld.storage_size_ + est.storage_size_
    assert merged.predict_proba(X_test[:3]).shape == (3, 10)
    # The posteriors that draw weights only say what they lose.
    for cls, kw in ((APDClassifier, dict(max_iter=2)), (GaussianMixturePosterior, {})):
        with pytest.warns(UserWarning, match="draws weights only.*batch normalisation"):
            cls(sampler=batch_norm_sgld, **kw).fit(X_train[:800], y_train[:800])


# ----------------------------------------------------------------------------- LeNet
def test_lenet_shapes_inputs_and_dropout_placement():
    import torch

    from sklearn_apd.nets import LeNet

    net = LeNet(n_features_in=784, n_classes=10)
    assert sum(p.numel() for p in net.parameters()) == 206922
    x = torch.randn(3, 784)
    assert torch.equal(net(x), net(x.reshape(3, 28, 28)))
    assert torch.equal(net(x), net(x.reshape(3, 1, 28, 28)))
    small = LeNet(n_features_in=64, n_classes=4, n_filters=(2, 3), hidden_units=5)
    assert small(torch.zeros(2, 8, 8)).shape == (2, 4)
    rgb = LeNet(image_shape=(3, 8, 8), n_features_in=192, n_classes=2)
    assert rgb(torch.zeros(2, 192)).shape == (2, 2)
    drop = LeNet(dropout=0.5, n_features_in=64, n_classes=10)
    ps = sorted(m.p for m in drop.modules() if isinstance(m, torch.nn.Dropout))
    assert ps == [0.25, 0.5]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "n_features_in and n_classes"),
        ({"n_features_in": 50}, "square image"),
        ({"n_features_in": 9}, "at least 4x4"),
        ({"n_features_in": 64, "n_filters": (4,)}, "n_filters"),
        ({"n_features_in": 64, "hidden_units": 0}, "hidden_units=0"),
        ({"n_features_in": 64, "dropout": 1.0}, "dropout=1.0"),
        ({"n_features_in": 64, "image_shape": (2, 8, 8)}, "holds 128 values"),
    ],
)
def test_lenet_bad_arguments_name_the_parameter(kwargs, match):
    from sklearn_apd.nets import LeNet

    with pytest.raises(ValueError, match=match):
        LeNet(**{"n_classes": 10, **kwargs})


def test_lenet_trains_under_mc_dropout_and_sgld(digits):
    """LeNet serves the sampling estimators (vmap engine over conv weights)."""
    from sklearn_apd import MCDropoutClassifier, SGLDClassifier
    from sklearn_apd.nets import LeNet

    X, Xt, y, yt = digits
    net = dict(module=LeNet, module__n_filters=(4, 8), module__hidden_units=16, verbose=0)
    mcd = MCDropoutClassifier(
        optimizer=torch.optim.Adam, lr=1e-2, weight_decay=0.0, max_iter=150, batch_size=64,
        random_state=0, n_samples=5, **net,
    )  # fmt: skip
    assert mcd.fit(X, y).score(Xt, yt) > 0.5
    sgld = SGLDClassifier(
        max_iter=300, burn_in=100, thinning=20, batch_size=64, lr=0.5, random_state=0,
        n_samples=5, **net,
    )  # fmt: skip
    sgld.fit(X, y)
    assert sgld.predict_proba_samples(Xt[:7]).shape == (5, 7, 10)
    assert sgld.score(Xt, yt) > 0.5


# ------------------------------------------------ the hand-written MLP gradient
@pytest.mark.parametrize("hidden", [(7,), (16, 9), (5, 4, 3)])
def test_mlp_gradient_by_hand_equals_autograd(hidden):
    from sklearn_apd.nets import mlp_cross_entropy_grad_

    torch.manual_seed(0)
    net = MLP(hidden, n_features_in=12, n_classes=4)
    x = torch.randn(33, 3, 4)  # image-shaped rows are flattened, as in forward
    y = torch.randint(0, 4, (33,))
    grads = [torch.full_like(p, float("nan")) for p in net.parameters()]
    loss = mlp_cross_entropy_grad_(net, x, y, grads)
    expected = torch.nn.functional.cross_entropy(net(x), y)
    expected.backward()
    assert torch.allclose(loss, expected.detach(), rtol=1e-6, atol=1e-7)
    for g, p in zip(grads, net.parameters()):
        torch.testing.assert_close(g, p.grad, rtol=1e-5, atol=1e-7)
    # dead units (no ReLU gradient) and a one-row batch
    with torch.no_grad():
        net.layers[0].bias.fill_(-100.0)
    grads = [torch.empty_like(p) for p in net.parameters()]
    mlp_cross_entropy_grad_(net, x[:1], y[:1], grads)
    assert float(grads[0].abs().max()) == 0.0


def test_mlp_gradient_by_hand_refuses_dropout():
    from sklearn_apd.nets import mlp_cross_entropy_grad_

    net = MLP((4,), dropout=0.5, n_features_in=3, n_classes=2)
    with pytest.raises(ValueError, match="without dropout"):
        mlp_cross_entropy_grad_(net, torch.ones(2, 3), torch.zeros(2, dtype=torch.long), [])


def test_bound_mlp_gradient_is_the_function_bit_for_bit():
    """`MLPGradient` keeps weights, transposes and per-batch-size constants between
    calls: its losses, gradients and descent steps equal the function's exactly, over
    batch sizes that change and weights that change in place in between."""
    from sklearn_apd.nets import MLPGradient, mlp_cross_entropy_grad_

    torch.manual_seed(0)
    net = MLP((16, 9), n_features_in=12, n_classes=4)
    twin = MLP((16, 9), n_features_in=12, n_classes=4)
    twin.load_state_dict(net.state_dict())
    bound = MLPGradient(net)
    for size in (33, 1, 33, 32):
        x, y = torch.randn(size, 12), torch.randint(0, 4, (size,))
        got = [torch.empty_like(p) for p in net.parameters()]
        want = [torch.empty_like(p) for p in twin.parameters()]
        with torch.no_grad():
            loss = bound(x, y, got)
        assert torch.equal(loss, mlp_cross_entropy_grad_(twin, x, y, want))
        assert all(torch.equal(g, w) for g, w in zip(got, want))
        with torch.no_grad():  # a descent step, then the next size sees the new weights
            assert torch.equal(
                bound(x, y, descent=(0.99, 0.3)),
                mlp_cross_entropy_grad_(twin, x, y, descent=(0.99, 0.3)),
            )
        assert all(torch.equal(p, q) for p, q in zip(net.parameters(), twin.parameters()))
    assert len(bound._constants) == 3
    # with autograd on it turns it off itself (the in-place step would refuse a leaf)
    assert torch.equal(
        bound(x, y, descent=(1.0, 0.1)), mlp_cross_entropy_grad_(twin, x, y, descent=(1.0, 0.1))
    )
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), twin.parameters()))
    with pytest.raises(ValueError, match="exactly one of grads, descent and into"):
        bound(x, y)
    with pytest.raises(ValueError, match="without dropout"):
        MLPGradient(MLP((4,), dropout=0.1, n_features_in=3, n_classes=2))


def _fit_both_ways(make, X, y):
    fast, slow = make(), make()
    slow._use_manual_gradient = False
    fast.fit(X, y)
    slow.fit(X, y)
    return fast, slow


def test_estimators_take_the_hand_written_gradient_with_autograds_result(digits):
    """SGLD and SGD fits of an MLP give autograd's samples and weights (to rounding)."""
    from sklearn_apd import DeterministicClassifier, SGLDClassifier

    X, _, y, _ = digits
    fast, slow = _fit_both_ways(
        lambda: SGLDClassifier(max_iter=60, burn_in=20, thinning=10, random_state=0), X, y
    )
    torch.testing.assert_close(fast.samples_, slow.samples_, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        fast.history_[:, "train_loss"], slow.history_[:, "train_loss"], rtol=1e-5
    )
    fast, slow = _fit_both_ways(
        lambda: DeterministicClassifier(max_epochs=3, random_state=0), X, y
    )
    np.testing.assert_allclose(fast.predict_proba(X), slow.predict_proba(X), atol=1e-5)


def test_hand_written_gradient_only_where_it_applies(digits):
    """Dropout, another loss or an overridden get_loss train through autograd."""
    from sklearn_apd import MCDropoutClassifier, SGLDClassifier

    X, _, y, _ = digits

    class Smoothed(SGLDClassifier):
        def get_loss(self, y_pred, y_true, X=None, training=False):
            return torch.nn.functional.cross_entropy(y_pred, y_true, label_smoothing=0.1)

    seen = {}

    def record(est):
        original = est._manual_gradient_buffers

        def wrapped():
            params = est.get_params()
            key = type(est).__name__ + str(params.get("criterion__weight"))
            seen[key + str(params.get("criterion__ignore_index", ""))] = (
                out := original()
            ) is not None
            return out

        est._manual_gradient_buffers = wrapped
        return est

    cases = [
        SGLDClassifier(max_iter=20, burn_in=0, random_state=0),
        Smoothed(max_iter=20, burn_in=0, random_state=0),
        MCDropoutClassifier(max_epochs=1, random_state=0),
        SGLDClassifier(max_iter=20, burn_in=0, random_state=0, criterion__weight=torch.ones(10)),
        SGLDClassifier(max_iter=20, burn_in=0, random_state=0, criterion__ignore_index=0),
    ]
    for est in cases:
        record(est).fit(X, y)
    assert seen == {
        "SGLDClassifierNone": True,
        "SmoothedNone": False,
        "MCDropoutClassifierNone": False,
        "SGLDClassifiertensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1.])": False,
        "SGLDClassifierNone0": False,  # ignore_index names an encoded class
    }


def test_fit_and_predict_leave_a_shared_input_unchanged(digits):
    """float32 inputs are shared with torch, not copied: nothing may write to them."""
    from sklearn_apd import SGLDClassifier

    X, _, y, _ = digits
    X = np.ascontiguousarray(X, dtype=np.float32)
    before = X.copy()
    clf = SGLDClassifier(max_iter=30, burn_in=0, random_state=0).fit(X, y)
    clf.predict_proba(X)
    np.testing.assert_array_equal(X, before)
    readonly = X.copy()
    readonly.flags.writeable = False  # a memmap-like input is copied, without a warning
    clf.fit(readonly, y)


def test_fused_descent_is_the_gradient_step():
    """descent=(c, a) leaves the weights where c * w - a * grad puts them."""
    from sklearn_apd.nets import mlp_cross_entropy_grad_

    torch.manual_seed(1)
    net = MLP((16, 9), n_features_in=12, n_classes=4)
    x, y = torch.randn(40, 12), torch.randint(0, 4, (40,))
    grads = [torch.empty_like(p) for p in net.parameters()]
    before = [p.detach().clone() for p in net.parameters()]
    loss = mlp_cross_entropy_grad_(net, x, y, grads)
    fused_loss = mlp_cross_entropy_grad_(net, x, y, descent=(0.99, 0.3))
    assert torch.equal(loss, fused_loss)
    for p, w, g in zip(net.parameters(), before, grads):
        torch.testing.assert_close(p.detach(), 0.99 * w - 0.3 * g, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="exactly one of grads, descent and into"):
        mlp_cross_entropy_grad_(net, x, y)
    with pytest.raises(ValueError, match="exactly one of grads, descent and into"):
        mlp_cross_entropy_grad_(net, x, y, grads, descent=(1.0, 0.1))


def test_sgld_offers_the_fused_step_only_when_step_would_do_the_same():
    from sklearn_apd import SGLD

    w = torch.nn.Parameter(torch.zeros(3))
    opt = SGLD([w], lr=0.1, weight_decay=0.5, num_data=10)
    assert opt.gradient_step_factors() == (1 - 0.5 * 0.1 * 0.5, 0.05)
    assert SGLD([w], method="sghmc").gradient_step_factors() is None  # momenta see the gradient
    two = SGLD([{"params": [w]}, {"params": [torch.nn.Parameter(torch.zeros(1))]}])
    assert two.gradient_step_factors() is None

    class OwnStep(SGLD):
        def step(self, closure=None):
            return super().step(closure)

    assert OwnStep([w]).gradient_step_factors() is None
    handle = opt.register_step_pre_hook(lambda *a: None)
    assert opt.gradient_step_factors() is None
    handle.remove()
    assert opt.gradient_step_factors() is not None
    # the noise part alone: sqrt(T lr / N) * N(0, 1)
    opt = SGLD([w], lr=0.1, num_data=10, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        w.zero_()
    opt.step_noise_()
    expected = torch.randn(3, generator=torch.Generator().manual_seed(0)) * (0.1 / 10) ** 0.5
    torch.testing.assert_close(w.detach(), expected)


def test_fused_fit_adds_a_subclass_noise(digits):
    """The fused step adds the noise through `SGLD.step_noise_` when a subclass overrides it."""
    from sklearn_apd import SGLD, SGLDClassifier

    X, _, y, _ = digits
    calls = []

    class Counted(SGLD):
        def step_noise_(self):
            calls.append(1)
            super().step_noise_()

    counted = SGLDClassifier(
        optimizer=Counted, max_iter=30, burn_in=10, thinning=10, random_state=0
    ).fit(X, y)
    assert len(calls) == counted.n_iter_ == 30
    plain = SGLDClassifier(max_iter=30, burn_in=10, thinning=10, random_state=0).fit(X, y)
    assert torch.equal(counted.samples_, plain.samples_)  # the same noise, the same samples


def test_batch_callbacks_still_see_every_batch_and_its_gradient(digits):
    """A callback acting per batch turns the fused update off: it sees each step's gradient."""
    from skorch.callbacks import Callback

    from sklearn_apd import SGLDClassifier

    X, _, y, _ = digits
    seen = []

    class GradNorm(Callback):
        def on_batch_end(self, net, batch=None, training=None, **kwargs):
            seen.append(float(net.module_.layers[0].weight.grad.norm()))

    clf = SGLDClassifier(
        max_iter=30, burn_in=0, thinning=10, callbacks=[("g", GradNorm())], random_state=0
    ).fit(X, y)
    assert len(seen) == clf.n_iter_ == 30
    assert len(set(seen)) == 30 and all(v > 0 for v in seen)


def test_flatten_into_a_given_row():
    from sklearn_apd.nets import ParameterLayout

    net = MLP((5,), n_features_in=3, n_classes=2)
    layout = ParameterLayout(net)
    store = torch.full((2, layout.n_parameters), float("nan"))
    out = layout.flatten(net, out=store[1])
    assert out.data_ptr() == store[1].data_ptr()
    torch.testing.assert_close(store[1], layout.flatten(net))
    assert torch.isnan(store[0]).all()


def test_batched_gradient_is_each_networks_own():
    """K networks' losses and gradients at once equal K separate autograd evaluations."""
    from sklearn_apd.nets import ParameterLayout, mlp_cross_entropy_grads_batched

    torch.manual_seed(2)
    net = MLP((8, 5), n_features_in=6, n_classes=3)
    layout = ParameterLayout(net)
    states = torch.randn(4, layout.n_parameters) * 0.5
    x, y = torch.randn(4, 11, 6), torch.randint(0, 3, (4, 11))
    losses, grads = mlp_cross_entropy_grads_batched(layout.unflatten(states), x, y)
    flat = torch.cat([g.reshape(4, -1) for g in grads], 1)
    for k in range(4):
        layout.assign(net, states[k])
        net.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x[k]), y[k])
        loss.backward()
        torch.testing.assert_close(losses[k], loss.detach())
        expected = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
        torch.testing.assert_close(flat[k], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hidden", [(8, 5), (7,), ()])
def test_shared_batch_gradient_is_each_networks_own(hidden):
    """K weight vectors on one shared batch: each one's autograd loss and gradient."""
    from sklearn_apd.nets import ParameterLayout, mlp_cross_entropy_grads_shared

    torch.manual_seed(3)
    net = MLP(hidden, n_features_in=6, n_classes=3)
    layout = ParameterLayout(net)
    states = torch.randn(4, layout.n_parameters) * 0.5
    x, y = torch.randn(11, 6), torch.randint(0, 3, (11,))
    losses, grads = mlp_cross_entropy_grads_shared(layout.unflatten(states), x, y)
    flat = torch.cat([g.reshape(4, -1) for g in grads], 1)
    for k in range(4):
        layout.assign(net, states[k])
        net.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        torch.testing.assert_close(losses[k], loss.detach())
        expected = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
        torch.testing.assert_close(flat[k], expected, rtol=1e-5, atol=1e-6)


def test_vectorised_chains_take_the_batched_gradient_with_vmaps_result(digits):
    from sklearn_apd import SGLDClassifier

    X, _, y, _ = digits
    fast, slow = _fit_both_ways(
        lambda: SGLDClassifier(n_chains=3, max_iter=40, burn_in=0, thinning=10, random_state=0),
        X,
        y,
    )
    torch.testing.assert_close(fast.samples_, slow.samples_, rtol=1e-4, atol=1e-5)
    assert fast.samples_.shape[0] == 12


@pytest.mark.slow
def test_user_guide_sampled_convnet_beats_fcnn1_on_120_mnist_labels(mnist):
    """The user guide's sampled ConvNet (pSGLD, lr 4e-3 · √(20 / n)) on 120 MNIST labels.

    benchmarks/al_convnet_probe.py (``convnet-max-batch-drop0.25:psgld_lr4e-3_ns20_t1e-3``)
    measured 85.9 / 86.4 / 91.5% on its seeds' 120-label sets against fcNN1's SGLD at
    72.8 / 72.0 / 75.9% (issue #20, item 4); here one random 120-label set, so the bar is fcNN1's
    best seed, 75.9%, not the probe's figures. Passed on 2026-12-06 in 417 s (1 thread, beside
    two 1-thread jobs, on a 2-core Intel Xeon with AVX-512).
    """
    from sklearn_apd import SGLDClassifier
    from sklearn_apd.nets import ConvNet

    X, y, X_test, y_test = mnist
    idx = np.random.default_rng(0).choice(len(X), 120, replace=False)
    n = len(idx)
    est = SGLDClassifier(
        module=ConvNet, module__pool="max", module__norm="batch", module__dropout=0.25,
        method="psgld", lr=4e-3 * (20 / n) ** 0.5, temperature=1e-3, weight_decay=0.05,
        max_iter=600, batch_size=64, burn_in=200, thinning=20, n_samples=20, random_state=0,
        verbose=0,
    )  # fmt: skip
    est.fit(X[idx], y[idx])
    assert est.score(X[idx], y[idx]) > 0.95  # the chain fits its labelled set
    assert est.score(X_test[:1000], y_test[:1000]) > 0.759
