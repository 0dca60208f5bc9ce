"""Data that needs no files: noise images, the toy tasks, scikit-learn's digits."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits as _sk_load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .._utils import check_positive_int
from ._images import _preprocess, _result


def make_noise_images(
    kind="gaussian",
    n_samples=2000,
    *,
    image_shape=(28, 28),
    input_range=(0.0, 1.0),
    flatten=True,
    scale=1.0,
    random_state=None,
):
    """Noise images, the Gaussian and Uniform OOD sets of Hendrycks & Gimpel (2017).

    Pixels are drawn in [0, 1] space, "gaussian": N(0.5, 1) clipped to [0, 1];
    "uniform": U(0, 1); then mapped to ``input_range`` and multiplied by
    ``scale`` exactly like the real images.

    Parameters
    ----------
    kind : {"gaussian", "uniform"}, default="gaussian"
    n_samples : int, default=2000
    image_shape : tuple of int, default=(28, 28)
    input_range : (float, float), default=(0.0, 1.0)
    flatten : bool, default=True
    scale : float, default=1.0
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, prod(image_shape)) or (n_samples, *image_shape)
        float32.

    Examples
    --------
    >>> from sklearn_apd.datasets import make_noise_images
    >>> X = make_noise_images("uniform", 5, input_range=(-1, 1), random_state=0)
    >>> X.shape, bool(X.min() >= -1 and X.max() <= 1)
    ((5, 784), True)
    """
    if kind not in ("gaussian", "uniform"):
        raise ValueError(f"kind={kind!r} must be 'gaussian' or 'uniform'.")
    check_positive_int("n_samples", n_samples)
    rng = check_random_state(random_state)
    shape = (int(n_samples), *image_shape)
    if kind == "gaussian":
        unit = np.clip(rng.normal(0.5, 1.0, size=shape), 0.0, 1.0)
    else:
        unit = rng.uniform(0.0, 1.0, size=shape)
    return _preprocess(unit * 255.0, input_range, flatten, scale)


def make_toy2d(n_per_cluster=10, *, random_state=None):
    """The paper's toy 2D task (Figure 2): two Gaussian clusters, one per class.

    Class 0 ~ N([-2, -2], 0.3 I), class 1 ~ N([2, 2], 0.3 I) (0.3 is the
    variance of each coordinate).

    Parameters
    ----------
    n_per_cluster : int, default=10
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (2 * n_per_cluster, 2), float32
    y : ndarray of shape (2 * n_per_cluster,), int64

    Examples
    --------
    >>> from sklearn_apd.datasets import make_toy2d
    >>> X, y = make_toy2d(random_state=0)
    >>> X.shape, y.tolist().count(1)
    ((20, 2), 10)
    """
    check_positive_int("n_per_cluster", n_per_cluster)
    rng = check_random_state(random_state)
    std = np.sqrt(0.3)
    X = np.concatenate(
        [
            rng.normal([-2.0, -2.0], std, size=(n_per_cluster, 2)),
            rng.normal([2.0, 2.0], std, size=(n_per_cluster, 2)),
        ]
    ).astype(np.float32)
    y = np.repeat(np.arange(2, dtype=np.int64), n_per_cluster)
    return X, y


def make_cubic_toy(n_samples=20, *, low=-4.0, high=4.0, noise=3.0, random_state=None):
    """The 1-D regression toy of Hernandez-Lobato & Adams (2015): ``y = x^3 + N(0, noise^2)``.

    ``x`` uniform in ``[low, high]``; the paper uses 20 points in [-4, 4]
    with noise standard deviation 3 and shows the predictive intervals on
    [-6, 6], outside the data.

    Parameters
    ----------
    n_samples : int, default=20
    low, high : float, default=-4.0, 4.0
        Range of ``x``.
    noise : float, default=3.0
        Standard deviation of the observation noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 1), float32
    y : ndarray of shape (n_samples,), float64

    References
    ----------
    J. M. Hernandez-Lobato and R. P. Adams. Probabilistic backpropagation for
    scalable learning of Bayesian neural networks. ICML 2015.

    Examples
    --------
    >>> from sklearn_apd.datasets import make_cubic_toy
    >>> X, y = make_cubic_toy(random_state=0)
    >>> X.shape, y.shape, bool(abs(X).max() <= 4)
    ((20, 1), (20,), True)
    """
    check_positive_int("n_samples", n_samples)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"make_cubic_toy needs finite low < high; got low={low}, high={high}.")
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise={noise!r} must be a finite number >= 0.")
    rng = check_random_state(random_state)
    x = rng.uniform(low, high, size=int(n_samples))
    y = x**3 + rng.normal(0.0, noise, size=x.shape) if noise else x**3
    return x[:, None].astype(np.float32), y.astype(np.float64)


def load_embedded_digits(split="train", *, input_range=(0.0, 1.0), flatten=True, return_X_y=False):
    """scikit-learn's bundled 8x8 digits, preprocessed like MNIST; needs no files.

    A fixed stratified split (``random_state=0``): 1,257 train and 540 test
    images; ``"all"`` returns all 1,797.

    Parameters
    ----------
    split : {"train", "test", "all"}, default="train"
    input_range : (float, float), default=(0.0, 1.0)
        Pixel values 0-16 are mapped linearly to this range.
    flatten : bool, default=True
        Return ``(n, 64)`` instead of ``(n, 8, 8)``.
    return_X_y : bool, default=False

    Returns
    -------
    data : Bunch (``data``, ``target``, ``image_shape``, ``DESCR``) or ``(X, y)``.

    Examples
    --------
    >>> from sklearn_apd.datasets import load_embedded_digits
    >>> X, y = load_embedded_digits("test", return_X_y=True)
    >>> X.shape, X.dtype.name
    ((540, 64), 'float32')
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split={split!r} must be 'train', 'test' or 'all'.")
    digits = _sk_load_digits()
    images = digits.images * (255.0 / 16.0)
    y = digits.target.astype(np.int64)
    if split != "all":
        tr, te = train_test_split(np.arange(len(y)), test_size=0.3, random_state=0, stratify=y)
        idx = tr if split == "train" else te
        images, y = images[idx], y[idx]
    X = _preprocess(images, input_range, flatten)
    descr = f"scikit-learn digits, {split} split ({len(X)} 8x8 images) in {tuple(input_range)}."
    return _result(X, y, (8, 8), descr, return_X_y)
