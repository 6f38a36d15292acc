"""The MNIST handwritten digits: reading IDX files, finding them, downloading them.

MNIST holds 28x28 grey-scale images of the digits 0-9 (60,000 for training, 10,000
for testing in the full set). It is distributed as four files in the IDX format:
a big-endian header followed by the raw unsigned bytes.

=========  ================================================================
bytes      content
=========  ================================================================
0-1        two zero bytes
2          the element type, ``0x08`` for unsigned bytes
3          the number of dimensions ``d`` (3 for images, 1 for labels)
4-(4d+3)   the size of each dimension, one 32-bit big-endian integer each
rest       ``n_1 * ... * n_d`` bytes of data, in C order
=========  ================================================================

The first four bytes read as one integer give the *magic number*: 2051 (``0x0803``)
for an image file and 2049 (``0x0801``) for a label file.

:func:`load_mnist` looks for the files, in order, in the directory it is given, in
the directory named by the environment variable ``COURSE_DATA_DIR`` and in a user
cache (``$XDG_CACHE_HOME/course/mnist``, by default ``~/.cache/course/mnist``). When
they are in none of these it downloads them into the cache from one of
:data:`MIRRORS` and checks each file against its MD5 checksum in :data:`MNIST_MD5`.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "MNIST",
    "MNIST_FILES",
    "MNIST_MD5",
    "MIRRORS",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "load_mnist",
    "read_idx",
    "default_cache_dir",
]

#: Magic number of an IDX file of unsigned bytes with 3 dimensions (images).
IMAGES_MAGIC = 2051
#: Magic number of an IDX file of unsigned bytes with 1 dimension (labels).
LABELS_MAGIC = 2049

#: Base names of the four files (each may also carry a ``.gz`` suffix).
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

#: MD5 checksums of the original gzip-compressed files, as served by the mirrors.
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

#: Public copies of the original files, tried in this order.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

#: Seconds to wait for a mirror to answer before trying the next one.
DOWNLOAD_TIMEOUT = 30.0

_IMAGE_SIDE = 28
_N_CLASSES = 10
_IDX_UBYTE = 0x08
_CHUNK = 1 << 16


class MNIST(NamedTuple):
    """The MNIST training and test sets.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, 784)
        Training images, one flattened 28x28 image per row (row-major, so pixel
        ``(r, c)`` is column ``28 r + c``), scaled to [0, 1].
    y_train : ndarray of shape (n_train,), dtype int64
        Training labels, digits 0-9.
    X_test : ndarray of shape (n_test, 784)
        Test images, as ``X_train``.
    y_test : ndarray of shape (n_test,), dtype int64
        Test labels.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def _read_bytes(path: Path) -> bytes:
    """Return the content of ``path``, decompressed if it is gzip data."""
    with open(path, "rb") as f:
        is_gzip = f.read(2) == b"\x1f\x8b"
    if not is_gzip:
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{path}: expected a valid gzip file, but decompressing it failed: {exc}"
        ) from None


def read_idx(path: str | os.PathLike, *, magic: int | None = None) -> np.ndarray:
    """Read an IDX file of unsigned bytes, gzip-compressed or raw.

    Parameters
    ----------
    path : str or path-like
        The file. Gzip data is recognised by its first two bytes, whatever the
        file is called.
    magic : int, optional
        The magic number the file must have, e.g. :data:`IMAGES_MAGIC` (2051) or
        :data:`LABELS_MAGIC` (2049). By default any IDX file of unsigned bytes is
        accepted.

    Returns
    -------
    ndarray of dtype uint8
        The data, of the shape written in the header, e.g. ``(n, 28, 28)`` for
        MNIST images and ``(n,)`` for labels.

    Raises
    ------
    ValueError
        If the magic number is wrong or not that of an IDX file of unsigned bytes,
        if the header is cut short, or if the number of data bytes differs from
        the product of the dimensions in the header. The message names the file.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{path}: expected an IDX header of at least 4 bytes, but the file "
            f"holds {len(data)} bytes."
        )
    found = int.from_bytes(data[:4], "big")
    if magic is not None and found != magic:
        raise ValueError(f"{path}: expected magic number {magic}, but found {found}.")
    ndim = found & 0xFF
    if found >> 8 != _IDX_UBYTE or ndim == 0:
        raise ValueError(
            f"{path}: expected the magic number of an IDX file of unsigned bytes "
            f"(0x0000080d with d >= 1 dimensions), but found {found:#010x}."
        )
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(
            f"{path}: expected a header of {header_size} bytes for {ndim} "
            f"dimension(s), but the file holds {len(data)} bytes."
        )
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", ndim, offset=4))
    n_expected = int(np.prod(shape))
    n_found = len(data) - header_size
    if n_found != n_expected:
        raise ValueError(
            f"{path}: expected {n_expected} data bytes for shape {shape}, but found "
            f"{n_found}."
        )
    # A copy, so that the caller gets an ordinary writable array.
    return np.frombuffer(data, np.uint8, offset=header_size).reshape(shape).copy()


def _read_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and cross-check one pair of image and label files."""
    images = read_idx(images_path, magic=IMAGES_MAGIC)
    labels = read_idx(labels_path, magic=LABELS_MAGIC)
    if images.shape[1:] != (_IMAGE_SIDE, _IMAGE_SIDE):
        raise ValueError(
            f"{images_path}: expected {_IMAGE_SIDE}x{_IMAGE_SIDE} images, but found "
            f"{images.shape[1]}x{images.shape[2]}."
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels: expected the same number of examples in both."
        )
    if labels.size and labels.max() >= _N_CLASSES:
        raise ValueError(
            f"{labels_path}: expected labels in 0..{_N_CLASSES - 1}, but found "
            f"{labels.max()}."
        )
    return images, labels


def default_cache_dir() -> Path:
    """Return the user cache for MNIST: ``$XDG_CACHE_HOME/course/mnist``.

    Without ``XDG_CACHE_HOME`` the cache is ``~/.cache/course/mnist``.
    """
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root).expanduser() / "course" / "mnist"


def _locate(directory: Path) -> tuple[dict[str, Path], list[str]]:
    """Find the four files in ``directory``: (paths found, base names missing).

    A gzip-compressed file (``name.gz``) is preferred over a raw one (``name``).
    """
    found, missing = {}, []
    for key, name in MNIST_FILES.items():
        candidates = (directory / f"{name}.gz", directory / name)
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            missing.append(name)
        else:
            found[key] = path
    return found, missing


class _DownloadError(OSError):
    """A download failed: unreachable mirror, incomplete data or wrong checksum."""


def _fetch(url: str, dest: Path, md5: str, *, timeout: float, progress: bool) -> None:
    """Download ``url`` to ``dest`` atomically, checking its MD5 checksum.

    The data go to a temporary file beside ``dest``, which is renamed to ``dest``
    only once complete and verified; on any failure it is removed.
    """
    from tqdm.auto import tqdm

    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        n_received = 0
        with (
            os.fdopen(fd, "wb") as out,
            urllib.request.urlopen(url, timeout=timeout) as response,
        ):
            length = response.headers.get("Content-Length")
            total = int(length) if length else None
            with tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=dest.name,
                disable=not progress,
                leave=False,
            ) as bar:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    n_received += len(chunk)
                    bar.update(len(chunk))
        if total is not None and n_received != total:
            raise _DownloadError(
                f"incomplete download: expected {total} bytes, received {n_received}"
            )
        if digest.hexdigest() != md5:
            raise _DownloadError(
                f"checksum mismatch: expected md5 {md5}, found {digest.hexdigest()}"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _download(
    directory: Path,
    checksums: Mapping[str, str],
    mirrors: Sequence[str],
    *,
    timeout: float = DOWNLOAD_TIMEOUT,
    progress: bool = True,
) -> None:
    """Download each file named in ``checksums`` into ``directory``.

    Parameters
    ----------
    directory : Path
        Destination, created if needed.
    checksums : mapping of str to str
        File name (as on the mirrors) to its expected MD5 hex digest.
    mirrors : sequence of str
        Base URLs ending in ``/``, tried in order for each file until one
        delivers it with the right checksum.
    timeout : float
        Seconds to wait for each mirror.
    progress : bool
        Show a progress bar per file.

    Raises
    ------
    _DownloadError
        If a file could be fetched from none of the mirrors; the message lists
        what went wrong with each. Files downloaded before it are kept (they were
        verified), and no partial file is left behind.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for name, md5 in checksums.items():
        failures = []
        for mirror in mirrors:
            url = mirror + name
            try:
                _fetch(url, directory / name, md5, timeout=timeout, progress=progress)
                break
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"  - {url}: {exc}")
        else:
            raise _DownloadError(
                f"could not download {name} from any mirror:\n" + "\n".join(failures)
            )


def _not_found_message(searched: list[str], cache: Path, reason: str) -> str:
    names = ", ".join(MNIST_FILES.values())
    lines = [
        "MNIST files not found. Searched, in order:",
        *(f"  - {line}" for line in searched),
        reason,
        f"Put the four files ({names}, each gzip-compressed with a .gz suffix or "
        f"raw) in {cache}, or in a folder of your choice and name it with "
        "`export COURSE_DATA_DIR=/path/to/mnist` (or call "
        'load_mnist("/path/to/mnist")).',
    ]
    return "\n".join(lines)


def _find_or_download(download: bool) -> dict[str, Path]:
    """Search ``COURSE_DATA_DIR`` then the cache; download into the cache if asked."""
    searched = []
    env_dir = os.environ.get("COURSE_DATA_DIR")
    cache = default_cache_dir()
    candidates = [(cache, "user cache")]
    if env_dir:
        candidates.insert(0, (Path(env_dir).expanduser(), "COURSE_DATA_DIR"))
    else:
        searched.append("COURSE_DATA_DIR: not set")
    for directory, origin in candidates:
        found, missing = _locate(directory)
        if not missing:
            return found
        searched.append(f"{directory} ({origin}): missing {', '.join(missing)}")

    if not download:
        reason = "Downloading is switched off (download=False)."
        raise FileNotFoundError(_not_found_message(searched, cache, reason))
    # The cache comes last, so ``missing`` lists the files it lacks.
    checksums = {f"{name}.gz": MNIST_MD5[f"{name}.gz"] for name in missing}
    try:
        _download(cache, checksums, MIRRORS, timeout=DOWNLOAD_TIMEOUT)
    except _DownloadError as exc:
        reason = f"Downloading them into {cache} failed: {exc}"
        raise FileNotFoundError(_not_found_message(searched, cache, reason)) from exc
    found, _ = _locate(cache)
    return found


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
    dtype=np.float32,
) -> MNIST:
    """Load MNIST as flattened images scaled to [0, 1] and integer labels.

    The number of examples is read from the file headers, so a partial training
    set (a prefix of the 60,000 images) loads as well as the full one.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each with a
        ``.gz`` suffix (gzip) or without (raw). When given, the files must be
        there: no other place is searched. When omitted, the loader looks in
        ``$COURSE_DATA_DIR``, then in the user cache (:func:`default_cache_dir`).
    download : bool, default True
        When ``data_dir`` is omitted and the files are in neither place, download
        them into the user cache from :data:`MIRRORS`, verifying their MD5
        checksums.
    dtype : floating dtype, default np.float32
        dtype of the images.

    Returns
    -------
    MNIST
        Named tuple ``(X_train, y_train, X_test, y_test)``; ``X_*`` of shape
        ``(n, 784)`` with pixel values ``x = byte / 255`` in [0, 1], ``y_*`` of
        shape ``(n,)`` and dtype int64.

    Raises
    ------
    FileNotFoundError
        If the files cannot be found (or downloaded); the message lists the
        folders searched and says where to put the files.
    ValueError
        If a file is not a valid MNIST IDX file: wrong magic number, data length
        different from the header's, images not 28x28, labels outside 0-9, or
        image and label files with different numbers of examples.
    TypeError
        If ``dtype`` is not a floating-point dtype.

    Examples
    --------
    >>> X_train, y_train, X_test, y_test = load_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    """
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(
            f"dtype must be a floating-point dtype such as np.float32, but got {dtype}."
        )
    if data_dir is not None:
        directory = Path(data_dir).expanduser()
        paths, missing = _locate(directory)
        if missing:
            raise FileNotFoundError(
                f"MNIST files not found in data_dir {directory}: missing "
                f"{', '.join(missing)} (expected each with a .gz suffix or raw). "
                "Pass the folder that holds all four files, or omit data_dir to "
                "search COURSE_DATA_DIR and the user cache."
            )
    else:
        paths = _find_or_download(download)

    arrays = []
    for split in ("train", "test"):
        images, labels = _read_split(paths[f"{split}_images"], paths[f"{split}_labels"])
        X = images.reshape(-1, _IMAGE_SIDE * _IMAGE_SIDE).astype(dtype)
        X /= 255
        arrays += [X, labels.astype(np.int64)]
    return MNIST(*arrays)
