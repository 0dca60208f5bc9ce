"""Data sets of the paper: MNIST and its OOD sets, noise images, the toy task.

Image files are read from ``data_home`` in the IDX format (gzipped or raw):

=============  =====================================================================
folder         files
=============  =====================================================================
``mnist``      ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
               ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``
``notmnist``   ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``
``omniglot``   ``images-idx3-ubyte.gz``, ``labels-idx1-ubyte.gz``
``cifar10bw``  ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``
=============  =====================================================================

``data_home`` defaults to the ``SKLEARN_APD_DATA`` environment variable, else
``~/sklearn_apd_data``. Images are 28x28 uint8 and are returned as float32,
mapped linearly from [0, 255] to ``input_range`` ((0, 1) or (-1, 1); the
paper's reference code used (-1, 1)), flattened to 784 features unless
``flatten=False``. Out-of-distribution loaders take ``scale``: the paper
multiplies OOD inputs by :data:`PAPER_OOD_SCALE` = 5 *after* the same
preprocessing as MNIST.

:func:`load_embedded_digits` needs no files: scikit-learn's bundled 8x8
digits, for demos, examples and tests.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
from sklearn.datasets import fetch_openml
from sklearn.datasets import load_digits as _sk_load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state

from ._utils import check_positive_int

__all__ = [
    "PAPER_OOD_SCALE",
    "get_data_home",
    "load_cifar10bw",
    "load_embedded_digits",
    "load_mnist",
    "load_notmnist",
    "load_omniglot",
    "make_noise_images",
    "make_toy2d",
    "read_idx",
]

#: The paper multiplies out-of-distribution inputs by 5 after preprocessing.
PAPER_OOD_SCALE = 5.0

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_MNIST_TRAIN = 50_000  # the paper's train split; the last 10,000 are validation


def read_idx(path) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped or raw.

    Parameters
    ----------
    path : str or os.PathLike
        File to read; gzip compression is detected from the content.

    Returns
    -------
    array : ndarray
        With the shape and dtype the header declares.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> from sklearn_apd.datasets import read_idx
    >>> raw = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "a.idx")
    ...     _ = open(p, "wb").write(raw)
    ...     read_idx(p)
    array([[0, 1, 2],
           [3, 4, 5]], dtype=uint8)
    """
    path = Path(path)
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{path} is not an IDX file: its header {data[:4]!r} should start with "
            "two zero bytes, a type code (0x08 for uint8) and the number of dimensions."
        )
    dtype = np.dtype(_IDX_DTYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: the header declares shape {shape} "
            f"({expected} bytes of data) but the file holds {len(data) - header}."
        )
    return (
        np.frombuffer(data, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def write_idx(path, array) -> None:
    """Write a uint8 array as a gzipped IDX file (used by ``download=True``)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def get_data_home(data_home=None) -> Path:
    """The folder data sets are read from.

    ``data_home`` if given, else the ``SKLEARN_APD_DATA`` environment variable,
    else ``~/sklearn_apd_data``.
    """
    if data_home is None:
        data_home = os.environ.get("SKLEARN_APD_DATA") or "~/sklearn_apd_data"
    return Path(data_home).expanduser()


def _find(data_home, folder, name, how_to_get):
    base = get_data_home(data_home) / folder
    for candidate in (base / name, base / name.removesuffix(".gz")):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"Data file {base / name} not found (data_home={str(get_data_home(data_home))!r}). "
        f"{how_to_get} Pass data_home=... or set the SKLEARN_APD_DATA environment "
        "variable to the folder that holds it."
    )


def _check_input_range(input_range):
    try:
        lo, hi = (float(v) for v in input_range)
    except (TypeError, ValueError):
        lo = hi = None
    if lo is None or not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(
            f"input_range={input_range!r} must be a pair (low, high) with low < high, "
            "e.g. (0, 1) or (-1, 1)."
        )
    return lo, hi


def _preprocess(images, input_range, flatten, scale=1.0):
    """uint8 images in [0, 255] -> float32 in input_range, times scale."""
    lo, hi = _check_input_range(input_range)
    if not (isinstance(scale, (int, float)) and np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale={scale!r} must be a finite number > 0.")
    X = images.astype(np.float32) * np.float32((hi - lo) / 255.0) + np.float32(lo)
    if scale != 1.0:
        X *= np.float32(scale)
    if flatten:
        X = X.reshape(len(X), -1)
    return X


def _result(X, y, images_shape, descr, return_X_y, **extra):
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, image_shape=images_shape, DESCR=descr, **extra)


_MNIST_HOW = (
    "MNIST is at http://yann.lecun.com/exdb/mnist/ (the four *-ubyte.gz files), or "
    "call load_mnist(..., download=True) to fetch it once from OpenML."
)


def _download_mnist(data_home):
    """Fetch MNIST from OpenML and store it as the four IDX files."""
    X, y = fetch_openml("mnist_784", version=1, return_X_y=True, as_frame=False, data_home=None)
    images = np.asarray(X, dtype=np.float64).reshape(-1, 28, 28).round().astype(np.uint8)
    labels = np.asarray(y).astype(np.int64).astype(np.uint8)
    if images.shape[0] != 70_000:
        raise ValueError(f"OpenML returned {images.shape[0]} MNIST images, expected 70000.")
    folder = get_data_home(data_home) / "mnist"
    write_idx(folder / "train-images-idx3-ubyte.gz", images[:60_000])
    write_idx(folder / "train-labels-idx1-ubyte.gz", labels[:60_000])
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images[60_000:])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels[60_000:])


def load_mnist(
    split="train",
    *,
    data_home=None,
    input_range=(0.0, 1.0),
    flatten=True,
    return_X_y=False,
    download=False,
):
    """Load MNIST with the paper's split.

    Parameters
    ----------
    split : {"train", "validation", "test"}, default="train"
        "train": the first 50,000 training images; "validation": the last
        10,000 training images; "test": the 10,000 t10k images.
    data_home : str or path-like, default=None
        Folder holding ``mnist/``; see :func:`get_data_home`.
    input_range : (float, float), default=(0.0, 1.0)
        Pixel values are mapped linearly from [0, 255] to this range.
    flatten : bool, default=True
        Return ``(n, 784)`` instead of ``(n, 28, 28)``.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a :class:`~sklearn.utils.Bunch`.
    download : bool, default=False
        If the files are missing, fetch MNIST once from OpenML
        (:func:`sklearn.datasets.fetch_openml`, needs internet) and store the
        four IDX files under ``data_home/mnist``.

    Returns
    -------
    data : Bunch with ``data`` (float32), ``target`` (int64), ``image_shape``,
        ``DESCR``; or ``(X, y)`` if ``return_X_y``.
    """
    if split not in ("train", "validation", "test"):
        raise ValueError(f"split={split!r} must be 'train', 'validation' or 'test'.")
    prefix = "t10k" if split == "test" else "train"
    names = (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz")
    try:
        paths = [_find(data_home, "mnist", n, _MNIST_HOW) for n in names]
    except FileNotFoundError:
        if not download:
            raise
        _download_mnist(data_home)
        paths = [_find(data_home, "mnist", n, _MNIST_HOW) for n in names]
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if split == "train":
        images, labels = images[:_MNIST_TRAIN], labels[:_MNIST_TRAIN]
    elif split == "validation":
        images, labels = images[_MNIST_TRAIN:], labels[_MNIST_TRAIN:]
    X = _preprocess(images, input_range, flatten)
    descr = f"MNIST {split} split ({len(X)} images) in {tuple(input_range)}."
    return _result(X, labels.astype(np.int64), images.shape[1:], descr, return_X_y)


def _load_ood(folder, stem, how, data_home, input_range, flatten, scale, return_X_y, what):
    images = read_idx(_find(data_home, folder, f"{stem}images-idx3-ubyte.gz", how))
    labels = read_idx(_find(data_home, folder, f"{stem}labels-idx1-ubyte.gz", how))
    X = _preprocess(images, input_range, flatten, scale)
    descr = f"{what} ({len(X)} images) in {tuple(input_range)}, times {scale}."
    return _result(X, labels.astype(np.int64), images.shape[1:], descr, return_X_y)


_OOD_DOC = """
    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the data set's folder; see :func:`get_data_home`.
    input_range : (float, float), default=(0.0, 1.0)
        Use the same range as the in-distribution data.
    flatten : bool, default=True
    scale : float, default=1.0
        Multiplies the preprocessed inputs; the paper's protocol uses
        ``PAPER_OOD_SCALE`` (5).
    return_X_y : bool, default=False

    Returns
    -------
    data : Bunch (``data``, ``target``, ``image_shape``, ``DESCR``) or ``(X, y)``.
"""


def load_notmnist(
    *, data_home=None, input_range=(0.0, 1.0), flatten=True, scale=1.0, return_X_y=False
):
    return _load_ood(
        "notmnist",
        "t10k-",
        "notMNIST: 10,000 letter images A-J (labels 0-9) in MNIST's "
        "format, e.g. from the notMNIST-to-MNIST project.",
        data_home,
        input_range,
        flatten,
        scale,
        return_X_y,
        "notMNIST",
    )


def load_omniglot(
    *, data_home=None, input_range=(0.0, 1.0), flatten=True, scale=1.0, return_X_y=False
):
    return _load_ood(
        "omniglot",
        "",
        "Omniglot: the background alphabets resized to 28x28 with white "
        "strokes on black, as IDX files.",
        data_home,
        input_range,
        flatten,
        scale,
        return_X_y,
        "Omniglot",
    )


def load_cifar10bw(
    *, data_home=None, input_range=(0.0, 1.0), flatten=True, scale=1.0, return_X_y=False
):
    return _load_ood(
        "cifar10bw",
        "t10k-",
        "CIFAR10bw: the CIFAR-10 test set in grayscale resized to 28x28, as IDX files.",
        data_home,
        input_range,
        flatten,
        scale,
        return_X_y,
        "CIFAR-10 grayscale test set",
    )


load_notmnist.__doc__ = "Load the notMNIST OOD set (10,000 letters A-J).\n" + _OOD_DOC
load_omniglot.__doc__ = "Load the Omniglot OOD set (4,840 characters).\n" + _OOD_DOC
load_cifar10bw.__doc__ = "Load CIFAR-10 test images in grayscale, 28x28.\n" + _OOD_DOC


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
