"""Data loaders: real files from ../shared/data when present, synthetic ones always."""

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from sklearn_apd import datasets as D

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (SHARED / "mnist").is_dir(), reason=f"real data not found at {SHARED}"
)


# ------------------------------------------------------------ real files
@needs_data
def test_mnist_splits_shapes_and_ranges():
    sizes = {"train": 50_000, "validation": 10_000, "test": 10_000}
    for split, n in sizes.items():
        X, y = D.load_mnist(split, data_home=SHARED, return_X_y=True)
        assert X.shape == (n, 784) and X.dtype == np.float32
        assert y.shape == (n,) and y.dtype == np.int64
        assert X.min() == 0.0 and X.max() == 1.0
        assert set(np.unique(y)) == set(range(10))


@needs_data
def test_mnist_test_class_counts_and_symmetric_range():
    b = D.load_mnist("test", data_home=SHARED, input_range=(-1, 1), flatten=False)
    assert b.data.shape == (10_000, 28, 28)
    assert b.data.min() == -1.0 and b.data.max() == 1.0
    counts = np.bincount(b.target)
    np.testing.assert_array_equal(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])


@needs_data
def test_mnist_train_file_is_the_official_one():
    raw = gzip.decompress((SHARED / "mnist" / "train-images-idx3-ubyte.gz").read_bytes())
    assert hashlib.md5(raw).hexdigest() == "6bbc9ace898e44ae57da46a324031adb"
    # train + validation are the 60,000 training images in file order
    full = D.read_idx(SHARED / "mnist" / "train-images-idx3-ubyte.gz")
    val = D.load_mnist("validation", data_home=SHARED, flatten=False).data
    np.testing.assert_array_equal(np.round(val * 255).astype(np.uint8), full[50_000:])


@needs_data
@pytest.mark.parametrize(
    "loader, n", [(D.load_notmnist, 10_000), (D.load_omniglot, 4_840), (D.load_cifar10bw, 10_000)]
)
def test_ood_sets(loader, n):
    X, y = loader(data_home=SHARED, return_X_y=True)
    assert X.shape == (n, 784) and X.dtype == np.float32 and len(y) == n
    assert X.min() >= 0.0 and X.max() <= 1.0 and X.max() > 0.5
    X5 = loader(data_home=SHARED, input_range=(-1, 1), scale=D.PAPER_OOD_SCALE).data
    np.testing.assert_allclose(X5, 5 * (2 * X - 1), atol=1e-5)


@needs_data
def test_environment_variable_sets_data_home(monkeypatch):
    monkeypatch.setenv("SKLEARN_APD_DATA", str(SHARED))
    assert D.get_data_home() == SHARED
    assert D.load_notmnist().data.shape == (10_000, 784)


# ------------------------------------------------------------ synthetic
def _write(tmp_path, folder, name, array, compress=True):
    path = tmp_path / folder / name
    if compress:
        D.write_idx(path, array)
    else:
        gz = tmp_path / "tmp.gz"
        D.write_idx(gz, array)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix("").write_bytes(gzip.decompress(gz.read_bytes()))
    return path


def test_idx_round_trip_gzipped_and_raw(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    p = _write(tmp_path, "x", "a-idx3-ubyte.gz", a)
    np.testing.assert_array_equal(D.read_idx(p), a)
    _write(tmp_path, "y", "a-idx3-ubyte.gz", a, compress=False)
    np.testing.assert_array_equal(D.read_idx(tmp_path / "y" / "a-idx3-ubyte"), a)


def test_idx_rejects_bad_header_and_truncation(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        D.read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1, 2]))
    with pytest.raises(ValueError, match="truncated"):
        D.read_idx(short)


def test_missing_file_names_it_and_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz") as err:
        D.load_mnist(data_home=tmp_path)
    assert "download=True" in str(err.value) and "SKLEARN_APD_DATA" in str(err.value)
    with pytest.raises(FileNotFoundError, match="notmnist"):
        D.load_notmnist(data_home=tmp_path)


def test_raw_files_are_found_too(tmp_path):
    imgs = np.full((60_000, 2, 2), 255, np.uint8)
    labels = (np.arange(60_000) % 10).astype(np.uint8)
    _write(tmp_path, "mnist", "train-images-idx3-ubyte.gz", imgs, compress=False)
    _write(tmp_path, "mnist", "train-labels-idx1-ubyte.gz", labels, compress=False)
    X, y = D.load_mnist("validation", data_home=tmp_path, return_X_y=True)
    assert X.shape == (10_000, 4) and (X == 1.0).all()
    np.testing.assert_array_equal(y, labels[50_000:])


def test_download_uses_openml_once_and_writes_idx(tmp_path, monkeypatch):
    calls = []

    def fake_fetch_openml(name, version, return_X_y, as_frame, data_home):
        calls.append(name)
        X = np.zeros((70_000, 784))
        X[:, 0] = np.arange(70_000) % 256
        y = (np.arange(70_000) % 10).astype(str)  # OpenML returns string labels
        return X, y

    # The MNIST loader looks fetch_openml up in its own module when it downloads.
    monkeypatch.setattr("sklearn_apd.datasets._images.fetch_openml", fake_fetch_openml)
    b = D.load_mnist("test", data_home=tmp_path, download=True)
    assert calls == ["mnist_784"]
    assert b.data.shape == (10_000, 784)
    np.testing.assert_array_equal(b.target, np.arange(60_000, 70_000) % 10)
    assert (tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz").exists()
    D.load_mnist("train", data_home=tmp_path, download=True)  # now from disk
    assert calls == ["mnist_784"]
    with pytest.raises(FileNotFoundError):
        D.load_mnist(data_home=tmp_path / "elsewhere")  # download=False by default


def test_noise_images():
    g = D.make_noise_images("gaussian", 500, random_state=0)
    u = D.make_noise_images("uniform", 500, random_state=0)
    assert g.shape == u.shape == (500, 784) and g.dtype == np.float32
    assert g.min() == 0.0 and g.max() == 1.0  # clipped N(0.5, 1)
    assert abs(u.mean() - 0.5) < 0.01 and 0 <= u.min() and u.max() <= 1
    # clipping piles mass at 0 and 1: P(N(0.5,1) < 0) = 0.3085
    assert abs((g == 0).mean() - 0.3085) < 0.01
    np.testing.assert_array_equal(g, D.make_noise_images("gaussian", 500, random_state=0))
    s = D.make_noise_images("uniform", 10, input_range=(-1, 1), scale=5, random_state=1)
    assert s.min() >= -5 and s.max() <= 5 and s.min() < -3
    with pytest.raises(ValueError, match="kind='pink'"):
        D.make_noise_images("pink")


def test_toy2d():
    X, y = D.make_toy2d(n_per_cluster=4000, random_state=0)
    np.testing.assert_allclose(X[y == 0].mean(0), [-2, -2], atol=0.05)
    np.testing.assert_allclose(X[y == 1].mean(0), [2, 2], atol=0.05)
    np.testing.assert_allclose(np.cov(X[y == 0].T), 0.3 * np.eye(2), atol=0.03)
    X, y = D.make_toy2d(random_state=0)
    assert X.shape == (20, 2) and np.bincount(y).tolist() == [10, 10]


def test_embedded_digits():
    Xtr, ytr = D.load_embedded_digits("train", return_X_y=True)
    Xte, yte = D.load_embedded_digits("test", return_X_y=True)
    assert Xtr.shape == (1257, 64) and Xte.shape == (540, 64)
    assert Xtr.min() == 0.0 and Xtr.max() == 1.0
    b = D.load_embedded_digits("all", input_range=(-1, 1), flatten=False)
    assert b.data.shape == (1797, 8, 8) and b.data.min() == -1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "dev"}, "split='dev'"),
        ({"input_range": (1, 0)}, "input_range"),
        ({"input_range": "unit"}, "input_range"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        D.load_embedded_digits(**kwargs)
