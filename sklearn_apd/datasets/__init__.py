"""Data sets of the paper: MNIST and its OOD sets, noise images, the toy task.

Image files are read from ``data_home`` in the IDX format (gzipped or raw):

| folder | files |
|---|---|
| ``mnist`` | ``train-`` and ``t10k-`` ``images-idx3-ubyte.gz``, ``labels-idx1-ubyte.gz`` |
| ``notmnist`` | ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` |
| ``omniglot`` | ``images-idx3-ubyte.gz``, ``labels-idx1-ubyte.gz`` |
| ``cifar10bw`` | ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz`` |

`check_data()` says, before any work, which of these files are missing.
``data_home`` defaults to the ``SKLEARN_APD_DATA`` environment variable, else
``~/sklearn_apd_data``. Images are 28x28 uint8 and are returned as float32,
mapped linearly from [0, 255] to ``input_range`` ((0, 1) or (-1, 1); the
paper's reference code used (-1, 1)), flattened to 784 features unless
``flatten=False``. Out-of-distribution loaders take ``scale``: the paper
multiplies OOD inputs by `PAPER_OOD_SCALE` = 5 *after* the same
preprocessing as MNIST.

`make_cubic_toy()` is the 1-D regression toy of Hernandez-Lobato & Adams
(2015). `load_embedded_digits()` needs no files: scikit-learn's bundled 8x8
digits, for demos, examples and tests.
"""

from ._files import get_data_home, read_idx, write_idx
from ._images import (
    DATA_FILES,
    PAPER_OOD_SCALE,
    check_data,
    load_cifar10bw,
    load_mnist,
    load_notmnist,
    load_omniglot,
)
from ._synthetic import load_embedded_digits, make_cubic_toy, make_noise_images, make_toy2d

__all__ = [
    "DATA_FILES",
    "PAPER_OOD_SCALE",
    "check_data",
    "get_data_home",
    "load_cifar10bw",
    "load_embedded_digits",
    "load_mnist",
    "load_notmnist",
    "load_omniglot",
    "make_cubic_toy",
    "make_noise_images",
    "make_toy2d",
    "read_idx",
    "write_idx",
]
