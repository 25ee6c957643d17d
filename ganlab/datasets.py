"""Image datasets as numpy arrays: scikit-learn's 8x8 digits (offline), MNIST and Fashion-MNIST.

:func:`load` returns ``(images, labels)``: images float32 in [0, 1] of shape (n, h, w, 1), dark
background and bright ink, labels int32 of shape (n,) with values 0-9.

``"digits"`` (the default dataset of every notebook) is bundled with scikit-learn: 1,797 images of
8x8 pixels. Its splits are fixed slices of scikit-learn's order: ``"train"`` the first 1,500,
``"test"`` the last 297, ``"all"`` every image.

``"mnist"`` and ``"fashion_mnist"`` (28x28; ``"train"`` 60,000, ``"test"`` 10,000, ``"all"`` the
train images then the test images) are read from the four original IDX files, downloaded once
into the per-user cache folder (``ganlab.cache.cache_dir("datasets", name)``) and stored there
decompressed. Every file is checked when it is downloaded and again each time it is loaded:

- always its IDX header (magic number, dimensions), its exact length and labels in 0-9;
- also the SHA-256 of the decompressed payload where it is pinned in :data:`SHA256`: MNIST's
  ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` and ``train-labels-idx1-ubyte``. MNIST's
  ``train-images-idx3-ubyte`` and all four Fashion-MNIST files get only the structural checks.

A download goes to a temporary file in the cache folder that is renamed into place only once it
has passed the checks, so a failed, truncated or corrupt download leaves nothing behind and raises
:class:`DownloadError`. Without internet access, copy the four ``.gz`` files (or their decompressed
payloads) by hand into the cache folder; they are checked the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np

NAMES = ("digits", "mnist", "fashion_mnist")
SPLITS = ("train", "test", "all")
TIMEOUT = 30.0  # seconds without an answer before a download gives up

BASE_URLS = {
    "mnist": "https://storage.googleapis.com/cvdf-datasets/mnist/",
    # Google's copy of Zalando's files (the one Keras uses); Zalando's own, plain-http site is
    # http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/
    "fashion_mnist": "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
}

# IDX file name -> (magic number, shape). Magic 2051: unsigned bytes in 3 dims; 2049: 1 dim.
IDX_FILES = {
    "train-images-idx3-ubyte": (2051, (60000, 28, 28)),
    "train-labels-idx1-ubyte": (2049, (60000,)),
    "t10k-images-idx3-ubyte": (2051, (10000, 28, 28)),
    "t10k-labels-idx1-ubyte": (2049, (10000,)),
}
SPLIT_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# SHA-256 of the decompressed IDX payloads (not of the .gz, which mirrors re-compress).
SHA256 = {
    "mnist": {
        "t10k-images-idx3-ubyte":
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte":
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "train-labels-idx1-ubyte":
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    "fashion_mnist": {},
}

DIGITS_TRAIN = 1500


class DownloadError(OSError):
    """A dataset file could not be downloaded, or what arrived failed its checks."""


def load(name: str, split: str = "train", cache_dir=None, base_url=None):
    """Load a dataset split as ``(images, labels)``.

    Args:
      name: ``"digits"``, ``"mnist"`` or ``"fashion_mnist"``.
      split: ``"train"``, ``"test"`` or ``"all"``.
      cache_dir: folder for the downloaded files (default: the per-user cache); unused by digits.
      base_url: where the IDX ``.gz`` files are downloaded from (default: :data:`BASE_URLS`).

    Returns:
      images: float32 array of shape (n, h, w, 1) in [0, 1]; (n, 8, 8, 1) for digits and
        (n, 28, 28, 1) for the others.
      labels: int32 array of shape (n,), values 0-9.
    """
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(NAMES)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if name == "digits":
        return _load_digits(split)
    if split == "all":
        parts = [load(name, s, cache_dir, base_url) for s in ("train", "test")]
        return tuple(np.concatenate(arrays) for arrays in zip(*parts))
    from ganlab import cache

    folder = Path(cache_dir) if cache_dir is not None else cache.cache_dir("datasets", name)
    folder.mkdir(parents=True, exist_ok=True)
    url = base_url or BASE_URLS[name]
    images, labels = (_read_idx(name, filename, folder, url) for filename in SPLIT_FILES[split])
    return images[..., None].astype(np.float32) / np.float32(255), labels.astype(np.int32)


def _load_digits(split: str):
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]
    labels = digits.target.astype(np.int32)
    part = {"train": slice(0, DIGITS_TRAIN), "test": slice(DIGITS_TRAIN, None)}.get(split)
    return (images, labels) if part is None else (images[part], labels[part])


def _read_idx(name: str, filename: str, folder: Path, base_url: str) -> np.ndarray:
    """The verified contents of one IDX file: uint8 array of shape ``IDX_FILES[filename][1]``."""
    path, packed = folder / filename, folder / f"{filename}.gz"
    if path.exists():
        payload = path.read_bytes()
        problem = _check(name, filename, payload)
        if problem:
            raise ValueError(f"{path} is damaged ({problem}); delete it to download it again")
    elif packed.exists():  # put there by hand
        try:
            payload = _decompress(packed.read_bytes())
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{packed} is not a readable gzip file ({err})") from err
        problem = _check(name, filename, payload)
        if problem:
            raise ValueError(f"{packed} is not the expected {name} file ({problem})")
        _write_atomically(path, payload)
    else:
        payload = _download(name, filename, folder, base_url.rstrip("/") + f"/{filename}.gz")
    shape = IDX_FILES[filename][1]
    return np.frombuffer(payload, np.uint8, offset=4 + 4 * len(shape)).reshape(shape)


def _download(name: str, filename: str, folder: Path, url: str) -> bytes:
    """Fetch ``url`` into ``folder/filename`` (decompressed, verified); returns the payload."""
    from tqdm.auto import tqdm

    advice = (
        f"Check the internet connection and try again, pass base_url= another mirror that "
        f"serves {filename}.gz, or copy that file by hand into {folder}"
    )
    handle, temp = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
            size = int(answer.headers.get("Content-Length") or 0) or None
            with tqdm(total=size, unit="B", unit_scale=True, desc=filename, leave=False) as bar:
                while chunk := answer.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
            if size is not None and out.tell() != size:
                raise DownloadError(f"got {out.tell()} of {size} bytes")
        payload = _decompress(Path(temp).read_bytes())
    except (OSError, EOFError, zlib.error, http.client.HTTPException) as err:
        reason = err if isinstance(err, urllib.error.HTTPError) else getattr(err, "reason", err)
        raise DownloadError(f"{filename}: download from {url} failed ({reason}). {advice}") from err
    finally:
        Path(temp).unlink(missing_ok=True)
    problem = _check(name, filename, payload)
    if problem:
        raise DownloadError(f"{filename}: download from {url} is corrupt ({problem}). {advice}")
    _write_atomically(folder / filename, payload)
    return payload


def _decompress(data: bytes) -> bytes:
    """Gunzip ``data``; data that is not gzip (a mirror serving the raw IDX file) passes as is."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def _check(name: str, filename: str, payload: bytes) -> str | None:
    """What is wrong with an IDX payload, or None: header, exact length, labels, pinned SHA-256."""
    magic, shape = IDX_FILES[filename]
    header = 4 + 4 * len(shape)
    if len(payload) < header:
        return f"{len(payload)} bytes, shorter than an IDX header"
    found = tuple(int(v) for v in np.frombuffer(payload, ">u4", count=1 + len(shape)))
    if found != (magic, *shape):
        return f"IDX header {found}, expected magic {magic} and shape {shape}"
    if len(payload) != header + int(np.prod(shape)):
        return f"{len(payload)} bytes, expected {header + int(np.prod(shape))}"
    if magic == 2049 and np.frombuffer(payload, np.uint8, offset=header).max() > 9:
        return "labels outside 0-9"
    pinned = SHA256[name].get(filename)
    if pinned and hashlib.sha256(payload).hexdigest() != pinned:
        return f"SHA-256 {hashlib.sha256(payload).hexdigest()}, expected {pinned}"
    return None


def _write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` to a temporary file next to ``path``, then rename it into place."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(payload)
        os.replace(temp, path)
    finally:
        Path(temp).unlink(missing_ok=True)
