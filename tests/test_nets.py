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
    assert sgd.score(X_test, y_test) > 0.85  # He init: PyTorch's default does not train
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
    from sklearn_apd import SGLDClassifier
    from sklearn_apd.nets import ConvNet

    X_train, X_test, y_train, y_test = digits
    net = dict(module=ConvNet, module__n_filters=(8, 16), random_state=0, verbose=0)
    fit = dict(max_iter=12, burn_in=4, thinning=4, temperature=0.1, n_chains=2, **net)
    with pytest.raises(ValueError, match="n_chains=2 .* batch-normalisation .*norm='group'"):
        SGLDClassifier(module__norm="batch", **fit).fit(X_train, y_train)
    group = SGLDClassifier(module__norm="group", **fit).fit(X_train, y_train)
    assert group.samples_.shape[0] == 4
    # One chain with batch norm: samples share the last running statistics, and
    # prediction is a deterministic function of the weight draw (eval mode).
    bn = SGLDClassifier(module__norm="batch", **{**fit, "n_chains": 1}).fit(X_train, y_train)
    first = bn.predict_proba_samples(X_test[:5])
    np.testing.assert_array_equal(first, bn.predict_proba_samples(X_test[:5]))
    np.testing.assert_allclose(first.sum(-1), 1, atol=1e-5)
    # A prediction does not depend on the other rows of the batch (no batch statistics).
    np.testing.assert_allclose(bn.predict_proba_samples(X_test[:1]), first[:, :1], atol=1e-6)


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
