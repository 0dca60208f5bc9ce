import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """The embedded digits in [0, 1]: (X_train, X_test, y_train, y_test)."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return X[:1200], X[1200:], y[:1200], y[1200:]


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST from ../shared/data in the experiments' input range:
    (X_train, y_train, X_test, y_test); skips the test when the files are absent."""
    from pathlib import Path

    from sklearn_apd.datasets import load_mnist
    from sklearn_apd.experiments import INPUT_RANGE

    home = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (home / "mnist").exists():
        pytest.skip("the real MNIST files are not in ../shared/data")
    kw = dict(data_home=home, input_range=INPUT_RANGE, return_X_y=True)
    return (*load_mnist("train", **kw), *load_mnist("test", **kw))


@pytest.fixture(scope="session")
def blobs():
    """A small 3-class problem that trains in a fraction of a second."""
    rng = np.random.default_rng(0)
    centers = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]])
    y = rng.integers(0, 3, size=150)
    X = centers[y] + rng.normal(scale=0.6, size=(150, 2))
    return X, y


@pytest.fixture(scope="session")
def toy2d():
    """The Figure 2 task, the far-away probe points and fitted SGD / SGLD networks.

    ``far``: a ring of radius 6 without the sector around the decision
    boundary (where even a point estimate is uncertain).
    """
    from sklearn_apd import DeterministicClassifier, SGLDClassifier
    from sklearn_apd.datasets import make_toy2d

    X, y = make_toy2d(random_state=0)
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    ring = 6 * np.c_[np.cos(angles), np.sin(angles)]
    far = ring[np.abs(np.cos(angles - np.pi / 4)) > 0.5]
    common = dict(module__hidden_units="toy", lr=0.1, batch_size=20, device="cpu", random_state=0)
    sgd = DeterministicClassifier(max_epochs=500, **common).fit(X, y)
    sgld = SGLDClassifier(max_epochs=3000, burn_in=500, thinning=10, **common).fit(X, y)
    return {"X": X, "y": y, "far": far, "common": common, "sgd": sgd, "sgld": sgld}


class TwoClassLinear(torch.nn.Module):
    """Logistic regression as logits, class 0 fixed at 0.

    Three identifiable weights (``lin.weight`` (1, 2), ``lin.bias`` (1,)).
    """

    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)

    def forward(self, x):
        z = self.lin(x)
        return torch.cat([torch.zeros_like(z), z], 1)


@pytest.fixture(scope="session")
def two_class_linear():
    """The module class `TwoClassLinear`."""
    return TwoClassLinear
