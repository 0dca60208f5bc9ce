"""MNIST (the paper's split) and the OOD image sets, preprocessed as the paper did."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import fetch_openml
from sklearn.utils import Bunch

from ._files import _find, get_data_home, read_idx, write_idx

#: The paper multiplies out-of-distribution inputs by 5 after preprocessing.
PAPER_OOD_SCALE = 5.0

_MNIST_TRAIN = 50_000  # the paper's train split; the last 10,000 are validation


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
    "call load_mnist(..., download=True) (sklearn-apd reproduce --download) to fetch it "
    "once from OpenML."
)

_NOTMNIST_HOW = (
    "notMNIST: 10,000 letter images A-J (labels 0-9) in MNIST's "
    "format, e.g. from the notMNIST-to-MNIST project."
)
_OMNIGLOT_HOW = (
    "Omniglot: the background alphabets resized to 28x28 with white "
    "strokes on black, as IDX files."
)
_CIFAR10BW_HOW = "CIFAR10bw: the CIFAR-10 test set in grayscale resized to 28x28, as IDX files."

#: The files of each data set under ``data_home``, and how to get them.
DATA_FILES = {
    "mnist": (
        ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        _MNIST_HOW,
    ),
    "notmnist": (("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"), _NOTMNIST_HOW),
    "omniglot": (("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz"), _OMNIGLOT_HOW),
    "cifar10bw": (("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"), _CIFAR10BW_HOW),
}  # fmt: skip


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
        Folder holding ``mnist/``; see `get_data_home()`.
    input_range : (float, float), default=(0.0, 1.0)
        Pixel values are mapped linearly from [0, 255] to this range.
    flatten : bool, default=True
        Return ``(n, 784)`` instead of ``(n, 28, 28)``.
    return_X_y : bool, default=False
        Return ``(X, y)`` instead of a `Bunch`.
    download : bool, default=False
        If the files are missing, fetch MNIST once from OpenML
        (`sklearn.datasets.fetch_openml()`, needs internet) and store the
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


def _load_ood(folder, data_home, input_range, flatten, scale, return_X_y, what):
    (images_file, labels_file), how = DATA_FILES[folder]
    images = read_idx(_find(data_home, folder, images_file, how))
    labels = read_idx(_find(data_home, folder, labels_file, how))
    X = _preprocess(images, input_range, flatten, scale)
    descr = f"{what} ({len(X)} images) in {tuple(input_range)}, times {scale}."
    return _result(X, labels.astype(np.int64), images.shape[1:], descr, return_X_y)


def load_notmnist(
    *, data_home=None, input_range=(0.0, 1.0), flatten=True, scale=1.0, return_X_y=False
):
    """Load the notMNIST OOD set (10,000 letters A-J).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the data set's folder; see `get_data_home()`.
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
    return _load_ood(
        "notmnist",
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
    """Load the Omniglot OOD set (4,840 characters).

    Give it the in-distribution data's ``input_range``, as ``sklearn-apd
    reproduce`` does with MNIST's. The paper's reference code fed Omniglot
    unnormalised, unlike its other OOD sets: pixels 0-255 times 5
    (``input_range=(0, 255), scale=PAPER_OOD_SCALE``), inputs up to 1,275
    against MNIST's [-1, 1], which SGLD's and APD's posteriors tell apart
    from MNIST far more easily; the reproduction report scores every method
    on both scales.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the data set's folder; see `get_data_home()`.
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
    return _load_ood(
        "omniglot",
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
    """Load CIFAR-10 test images in grayscale, 28x28.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the data set's folder; see `get_data_home()`.
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
    return _load_ood(
        "cifar10bw",
        data_home,
        input_range,
        flatten,
        scale,
        return_X_y,
        "CIFAR-10 grayscale test set",
    )


def check_data(names, *, data_home=None):
    """Check that the files of the named data sets are present, before any work uses them.

    Parameters
    ----------
    names : iterable of {"mnist", "notmnist", "omniglot", "cifar10bw"}
        The data sets needed.
    data_home : str or path-like, default=None
        Folder holding the data sets' folders; see `get_data_home()`.

    Returns
    -------
    paths : dict of str to list of Path
        The files found, per data set.

    Raises
    ------
    FileNotFoundError
        Naming every missing file, ``data_home`` and how to get each set.

    Examples
    --------
    >>> from sklearn_apd.datasets import check_data
    >>> check_data(["mnist"], data_home="/nonexistent")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: Missing data (data_home='/nonexistent'): mnist/train-images-...
    """
    names = list(dict.fromkeys(names))
    for name in names:
        if name not in DATA_FILES:
            raise ValueError(f"names: {name!r} is not one of {tuple(DATA_FILES)}.")
    found, missing, how = {}, [], []
    for name in names:
        files, how_to_get = DATA_FILES[name]
        paths = []
        for file in files:
            try:
                paths.append(_find(data_home, name, file, ""))
            except FileNotFoundError:
                missing.append(f"{name}/{file}")
                if how_to_get not in how:
                    how.append(how_to_get)
        found[name] = paths
    if missing:
        raise FileNotFoundError(
            f"Missing data (data_home={str(get_data_home(data_home))!r}): "
            f"{', '.join(missing)}. {' '.join(how)} Pass data_home=... (--data-home on the "
            "command line) or set the SKLEARN_APD_DATA environment variable to the folder "
            "that holds them."
        )
    return found
