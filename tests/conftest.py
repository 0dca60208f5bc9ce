import numpy as np
import pytest
from sklearn.datasets import load_digits


@pytest.fixture(scope="session")
def digits():
    """The embedded digits in [0, 1]: (X_train, X_test, y_train, y_test)."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return X[:1200], X[1200:], y[:1200], y[1200:]


@pytest.fixture(scope="session")
def blobs():
    """A small 3-class problem that trains in a fraction of a second."""
    rng = np.random.default_rng(0)
    centers = np.array([[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0]])
    y = rng.integers(0, 3, size=150)
    X = centers[y] + rng.normal(scale=0.6, size=(150, 2))
    return X, y
