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
