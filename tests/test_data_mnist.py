"""Tests for course.data.mnist: IDX reading, the search order and the downloader.

Everything except the tests on the real files runs on tiny IDX files written into
``tmp_path``; downloads come from an HTTP server on 127.0.0.1. The real user cache
and the network beyond loopback are never touched.
"""

import functools
import gzip
import hashlib
import http.server
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from course.data import MNIST, load_mnist, read_idx
from course.data import mnist as mnist_module

NAMES = mnist_module.MNIST_FILES
GZ_NAMES = [f"{name}.gz" for name in NAMES.values()]


# ----------------------------------------------------------------------------
# Tiny IDX files
# ----------------------------------------------------------------------------


def idx_bytes(array, magic=None):
    """The IDX encoding of a uint8 array; ``magic`` overrides the header's."""
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 | array.ndim
    header = magic.to_bytes(4, "big") + b"".join(
        d.to_bytes(4, "big") for d in array.shape
    )
    return header + array.tobytes()


def write_file(path, data, *, gz=True):
    path = Path(f"{path}.gz" if gz else path)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def make_mnist_dir(directory, n_train=5, n_test=3, *, gz=True, seed=0):
    """Write the four files with random images and labels; return the arrays."""
    rng = np.random.default_rng(seed)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"{split}_labels"] = rng.integers(0, 10, n, dtype=np.uint8)
    for key, array in arrays.items():
        write_file(directory / NAMES[key], idx_bytes(array), gz=gz)
    return arrays


def closed_port_url():
    """A loopback URL on which nothing listens: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Make any download the loader attempts go to a closed loopback port."""
    monkeypatch.setattr(mnist_module, "MIRRORS", (closed_port_url(),))
    monkeypatch.setattr(mnist_module, "DOWNLOAD_TIMEOUT", 5.0)


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """No COURSE_DATA_DIR and a user cache inside tmp_path; returns the cache."""
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "course" / "mnist"


# ----------------------------------------------------------------------------
# A local mirror
# ----------------------------------------------------------------------------


class MirrorHandler(http.server.SimpleHTTPRequestHandler):
    """Serves ``good/`` (the tiny files) and ``partial/`` (cut short)."""

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/partial/"):
            name = self.path.removeprefix("/partial/")
            body = (Path(self.directory) / "good" / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            return
        super().do_GET()


@pytest.fixture(scope="module")
def mirror(tmp_path_factory):
    """A loopback HTTP mirror: (base URL, checksums of good/, arrays, server)."""
    root = tmp_path_factory.mktemp("www")
    arrays = make_mnist_dir(root / "good", n_train=5, n_test=4, seed=1)
    checksums = {
        name: hashlib.md5((root / "good" / name).read_bytes()).hexdigest()
        for name in GZ_NAMES
    }
    handler = functools.partial(MirrorHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requests = []
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", checksums, arrays, server
    server.shutdown()
    server.server_close()
    thread.join()


# ----------------------------------------------------------------------------
# read_idx
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path, gz):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = write_file(tmp_path / "a-idx3-ubyte", idx_bytes(array), gz=gz)
    out = read_idx(path)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, array)
    assert out.flags.writeable


def test_read_idx_recognises_gzip_by_content(tmp_path):
    path = tmp_path / "labels-without-suffix"
    path.write_bytes(gzip.compress(idx_bytes([3, 1, 4])))
    np.testing.assert_array_equal(read_idx(path), [3, 1, 4])


def test_read_idx_checks_expected_magic(tmp_path):
    path = write_file(tmp_path / "x", idx_bytes([1, 2]), gz=False)
    with pytest.raises(
        ValueError, match=r"x: expected magic number 2051, but found 2049\."
    ):
        read_idx(path, magic=2051)


def test_read_idx_rejects_other_element_types(tmp_path):
    path = write_file(tmp_path / "floats", idx_bytes([1, 2], magic=0x0D01), gz=False)
    with pytest.raises(
        ValueError,
        match=r"floats: expected the magic number of an IDX file of unsigned bytes "
        r"\(0x0000080d with d >= 1 dimensions\), but found 0x00000d01\.",
    ):
        read_idx(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"\x00\x00",
            r"expected an IDX header of at least 4 bytes, but the file holds 2",
        ),
        (
            b"\x00\x00\x08\x03\x00\x00\x00\x05",
            r"expected a header of 16 bytes for 3 dimension\(s\), but the file holds 8",
        ),
    ],
)
def test_read_idx_rejects_truncated_header(tmp_path, data, message):
    path = write_file(tmp_path / "short", data, gz=False)
    with pytest.raises(ValueError, match=rf"short: {message} bytes\."):
        read_idx(path)


@pytest.mark.parametrize(("extra", "found"), [(-1, 5), (1, 7)])
def test_read_idx_checks_data_length(tmp_path, extra, found):
    data = idx_bytes(np.zeros((2, 3), np.uint8))
    data = data[:extra] if extra < 0 else data + b"\x00" * extra
    path = write_file(tmp_path / "len", data)
    with pytest.raises(
        ValueError,
        match=rf"len\.gz: expected 6 data bytes for shape \(2, 3\), "
        rf"but found {found}\.",
    ):
        read_idx(path)


def test_read_idx_rejects_corrupt_gzip(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros(100, np.uint8)))[:-20])
    with pytest.raises(ValueError, match=r"broken\.gz: expected a valid gzip file"):
        read_idx(path)


# ----------------------------------------------------------------------------
# load_mnist on tiny files
# ----------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_flattens_and_scales(tmp_path, gz):
    arrays = make_mnist_dir(tmp_path, n_train=5, n_test=3, gz=gz)
    data = load_mnist(tmp_path)
    assert isinstance(data, MNIST)
    for split in ("train", "test"):
        X = getattr(data, f"X_{split}")
        y = getattr(data, f"y_{split}")
        images = arrays[f"{split}_images"]
        assert X.shape == (len(images), 784)
        assert X.dtype == np.float32
        assert y.dtype == np.int64
        np.testing.assert_array_equal(y, arrays[f"{split}_labels"])
        np.testing.assert_allclose(X, images.reshape(len(images), -1) / 255, rtol=1e-7)
        assert X.min() >= 0 and X.max() <= 1
    # Pixel (r, c) is column 28 r + c.
    assert data.X_train[2, 28 * 7 + 11] == np.float32(
        arrays["train_images"][2, 7, 11] / 255
    )


def test_load_mnist_dtype(tmp_path):
    arrays = make_mnist_dir(tmp_path)
    data = load_mnist(tmp_path, dtype=np.float64)
    assert data.X_train.dtype == data.X_test.dtype == np.float64
    np.testing.assert_array_equal(
        data.X_test, arrays["test_images"].reshape(3, -1) / 255.0
    )
    with pytest.raises(
        TypeError,
        match=r"dtype must be a floating-point dtype such as np\.float32, "
        r"but got int64\.",
    ):
        load_mnist(tmp_path, dtype=np.int64)


def _bad_magic(d, arrays):
    write_file(d / NAMES["train_images"], idx_bytes(arrays["train_images"], 2049))
    return r"train-images-idx3-ubyte\.gz: expected magic number 2051, but found 2049\."


def _bad_label_magic(d, arrays):
    write_file(d / NAMES["test_labels"], idx_bytes(arrays["test_images"]))
    return r"t10k-labels-idx1-ubyte\.gz: expected magic number 2049, but found 2051\."


def _truncated(d, arrays):
    data = idx_bytes(arrays["test_images"])
    write_file(d / NAMES["test_images"], data[:-100])
    return (
        r"t10k-images-idx3-ubyte\.gz: expected 2352 data bytes for shape "
        r"\(3, 28, 28\), but found 2252\."
    )


def _count_mismatch(d, arrays):
    write_file(d / NAMES["train_labels"], idx_bytes(arrays["train_labels"][:4]))
    return (
        r"train-images-idx3-ubyte\.gz holds 5 images but \S*train-labels-idx1-ubyte"
        r"\.gz holds 4 labels: expected the same number of examples in both\."
    )


def _wrong_size(d, arrays):
    write_file(d / NAMES["train_images"], idx_bytes(np.zeros((5, 32, 32), np.uint8)))
    return r"train-images-idx3-ubyte\.gz: expected 28x28 images, but found 32x32\."


def _bad_label(d, arrays):
    write_file(d / NAMES["train_labels"], idx_bytes([1, 2, 12, 3, 4]))
    return r"train-labels-idx1-ubyte\.gz: expected labels in 0\.\.9, but found 12\."


@pytest.mark.parametrize(
    "corrupt",
    [
        _bad_magic,
        _bad_label_magic,
        _truncated,
        _count_mismatch,
        _wrong_size,
        _bad_label,
    ],
)
def test_load_mnist_rejects_corrupt_files(tmp_path, corrupt):
    arrays = make_mnist_dir(tmp_path, n_train=5, n_test=3)
    message = corrupt(tmp_path, arrays)
    with pytest.raises(ValueError, match=message):
        load_mnist(tmp_path)


# ----------------------------------------------------------------------------
# Where the files are looked for
# ----------------------------------------------------------------------------


def test_explicit_dir_wins_and_never_falls_back(tmp_path, isolated, monkeypatch):
    make_mnist_dir(tmp_path / "given", n_train=5)
    make_mnist_dir(tmp_path / "env", n_train=4)
    make_mnist_dir(isolated, n_train=3)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    assert len(load_mnist(tmp_path / "given").X_train) == 5

    (tmp_path / "given" / f"{NAMES['test_labels']}.gz").unlink()
    with pytest.raises(
        FileNotFoundError,
        match=r"MNIST files not found in data_dir \S*given: missing "
        r"t10k-labels-idx1-ubyte \(expected each with a \.gz suffix or raw\)\.",
    ):
        load_mnist(tmp_path / "given")


def test_environment_variable_before_cache(tmp_path, isolated, monkeypatch):
    make_mnist_dir(tmp_path / "env", n_train=4)
    make_mnist_dir(isolated, n_train=3)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "env"))
    assert len(load_mnist().X_train) == 4
    # An incomplete COURSE_DATA_DIR is passed over for the cache.
    (tmp_path / "env" / f"{NAMES['train_images']}.gz").unlink()
    assert len(load_mnist().X_train) == 3


def test_cache_is_used_without_environment_variable(isolated):
    make_mnist_dir(isolated, n_train=3, gz=False)
    assert len(load_mnist(download=False).X_train) == 3


def test_default_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert mnist_module.default_cache_dir() == tmp_path / "xdg" / "course" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    expected = tmp_path / "home" / ".cache" / "course" / "mnist"
    assert mnist_module.default_cache_dir() == expected


def test_not_found_without_download_says_where_to_put_files(
    tmp_path, isolated, monkeypatch
):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(download=False)
    message = str(info.value)
    assert message.startswith("MNIST files not found. Searched, in order:")
    assert f"{tmp_path / 'nowhere'} (COURSE_DATA_DIR): missing train-images" in message
    assert f"{isolated} (user cache): missing train-images" in message
    assert "Downloading is switched off (download=False)." in message
    assert "Put the four files" in message and f"in {isolated}" in message
    assert "export COURSE_DATA_DIR=/path/to/mnist" in message
    assert not isolated.exists()


# ----------------------------------------------------------------------------
# Downloading
# ----------------------------------------------------------------------------


def test_download_verifies_and_writes_files(tmp_path, mirror):
    url, checksums, _, _ = mirror
    dest = tmp_path / "dest"
    mnist_module._download(dest, checksums, [url + "good/"], progress=False)
    assert sorted(p.name for p in dest.iterdir()) == sorted(GZ_NAMES)
    for name, md5 in checksums.items():
        assert hashlib.md5((dest / name).read_bytes()).hexdigest() == md5


def test_load_mnist_downloads_into_cache_once(isolated, mirror, monkeypatch):
    url, checksums, arrays, _ = mirror
    monkeypatch.setattr(mnist_module, "MIRRORS", (url + "good/",))
    monkeypatch.setattr(mnist_module, "MNIST_MD5", checksums)
    data = load_mnist()
    np.testing.assert_array_equal(data.y_test, arrays["test_labels"])
    assert data.X_train.shape == (5, 784)
    assert sorted(p.name for p in isolated.iterdir()) == sorted(GZ_NAMES)
    # Now in the cache: loading again needs no mirror.
    monkeypatch.setattr(mnist_module, "MIRRORS", (closed_port_url(),))
    np.testing.assert_array_equal(load_mnist().X_train, data.X_train)


def test_only_missing_files_are_downloaded(isolated, mirror, monkeypatch):
    url, checksums, _, server = mirror
    make_mnist_dir(isolated, n_train=5, n_test=4, seed=1)
    (isolated / f"{NAMES['test_images']}.gz").unlink()
    monkeypatch.setattr(mnist_module, "MIRRORS", (url + "good/",))
    monkeypatch.setattr(mnist_module, "MNIST_MD5", checksums)
    server.requests.clear()
    assert load_mnist().X_test.shape == (4, 784)
    assert server.requests == [f"/good/{NAMES['test_images']}.gz"]


def test_checksum_mismatch_is_rejected_and_leaves_nothing(tmp_path, mirror):
    url, checksums, _, _ = mirror
    name = GZ_NAMES[0]
    dest = tmp_path / "dest"
    with pytest.raises(
        mnist_module._DownloadError,
        match=rf"could not download {name} from any mirror:\n  - {url}good/{name}: "
        rf"checksum mismatch: expected md5 0{{32}}, found {checksums[name]}",
    ):
        mnist_module._download(dest, {name: "0" * 32}, [url + "good/"], progress=False)
    assert list(dest.iterdir()) == []


def test_partial_download_is_rejected_and_leaves_nothing(tmp_path, mirror):
    url, checksums, _, _ = mirror
    name = GZ_NAMES[0]
    dest = tmp_path / "dest"
    with pytest.raises(
        mnist_module._DownloadError,
        match=rf"partial/{name}: incomplete download: expected \d+ bytes, received \d+",
    ):
        mnist_module._download(
            dest, {name: checksums[name]}, [url + "partial/"], progress=False
        )
    assert list(dest.iterdir()) == []


def test_next_mirror_is_tried_after_a_404(tmp_path, mirror):
    url, checksums, _, server = mirror
    name = GZ_NAMES[1]
    server.requests.clear()
    mnist_module._download(
        tmp_path, {name: checksums[name]}, [url + "absent/", url + "good/"]
    )
    assert server.requests == [f"/absent/{name}", f"/good/{name}"]
    assert hashlib.md5((tmp_path / name).read_bytes()).hexdigest() == checksums[name]


def test_download_reports_every_mirror_failure(tmp_path, mirror):
    url, checksums, _, _ = mirror
    dead = closed_port_url()
    name = GZ_NAMES[2]
    with pytest.raises(mnist_module._DownloadError) as info:
        mnist_module._download(
            tmp_path, {name: checksums[name]}, [url + "absent/", dead], timeout=5
        )
    message = str(info.value)
    assert f"  - {url}absent/{name}: HTTP Error 404" in message
    assert f"  - {dead}{name}: <urlopen error" in message
    assert list(tmp_path.iterdir()) == []


def test_no_network_gives_a_helpful_error(isolated):
    with pytest.raises(FileNotFoundError) as info:
        load_mnist()
    message = str(info.value)
    assert "  - COURSE_DATA_DIR: not set\n" in message
    assert f"{isolated} (user cache): missing train-images-idx3-ubyte" in message
    assert f"Downloading them into {isolated} failed: could not download" in message
    assert "Connection refused" in message
    assert "export COURSE_DATA_DIR=/path/to/mnist" in message
    assert isinstance(info.value.__cause__, mnist_module._DownloadError)
    assert list(isolated.iterdir()) == []


# ----------------------------------------------------------------------------
# The real files (COURSE_DATA_DIR)
# ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_dir():
    data_dir = os.environ.get("COURSE_DATA_DIR")
    if not data_dir:
        pytest.skip("COURSE_DATA_DIR is not set: no MNIST files to test on")
    return Path(data_dir)


@pytest.mark.parametrize(
    "name", ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
)
def test_real_test_files_are_the_originals(mnist_dir, name):
    md5 = hashlib.md5((mnist_dir / name).read_bytes()).hexdigest()
    assert md5 == mnist_module.MNIST_MD5[name]


@pytest.mark.slow
def test_real_shapes_dtypes_and_range(mnist):
    assert mnist.X_train.shape == (22699, 784)
    assert mnist.X_test.shape == (10000, 784)
    assert mnist.y_train.shape == (22699,) and mnist.y_test.shape == (10000,)
    assert mnist.X_train.dtype == mnist.X_test.dtype == np.float32
    assert mnist.y_train.dtype == mnist.y_test.dtype == np.int64
    for X in (mnist.X_train, mnist.X_test):
        assert X.min() == 0.0 and X.max() == 1.0


@pytest.mark.slow
def test_real_labels(mnist):
    counts = [2258, 2581, 2215, 2369, 2222, 2010, 2235, 2356, 2163, 2290]
    np.testing.assert_array_equal(np.bincount(mnist.y_train, minlength=10), counts)
    assert np.bincount(mnist.y_test).sum() == 10000
    # The well-known first labels of each set.
    np.testing.assert_array_equal(mnist.y_train[:10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
    np.testing.assert_array_equal(mnist.y_test[:10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])


@pytest.mark.slow
def test_real_pixels_are_bytes_over_255(mnist, mnist_dir):
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz", magic=2051)
    np.testing.assert_array_equal(
        np.rint(mnist.X_test * 255).astype(np.uint8), images.reshape(10000, 784)
    )
