"""IDX files: reading, writing, and finding them under ``data_home``."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


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
