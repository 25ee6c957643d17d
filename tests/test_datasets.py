"""Datasets: the offline digits, and the MNIST loader served from a local HTTP server.

The MNIST tests serve real MNIST test-set files (kept outside the repository, never committed)
from a server on 127.0.0.1 and always pass ``cache_dir``, so they touch neither the internet nor
the user's cache. Fashion-MNIST, which has no pinned hashes, is tested with synthesised files.
"""

import functools
import gzip
import http.server
import os
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from ganlab import datasets

# The real MNIST test-set files (never committed): GANLAB_TEST_MNIST_DIR, or a "shared/data/mnist"
# folder beside the repository.
MNIST_FILES = Path(
    os.environ.get("GANLAB_TEST_MNIST_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
)
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

needs_mnist = pytest.mark.skipif(
    not all((MNIST_FILES / f).exists() for f in TEST_FILES),
    reason=f"the MNIST test-set files are not in {MNIST_FILES} (they are never committed)",
)


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No proxy between the tests and 127.0.0.1, and a throwaway default cache folder."""
    for var in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.upper(), raising=False)
    monkeypatch.setenv("GANLAB_CACHE_DIR", str(tmp_path / "user-cache"))


class Server:
    """A static file server on 127.0.0.1 that counts the requests it answers."""

    def __init__(self, folder: Path):
        self.requests = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(handler, *args):  # keep test output clean
                self.requests.append(handler.path)

        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def serve():
    servers = []

    def start(folder):
        servers.append(Server(Path(folder)))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


# --- digits -------------------------------------------------------------------------------


def test_digits_splits_shapes_and_values():
    train_x, train_y = datasets.load("digits")
    test_x, test_y = datasets.load("digits", "test")
    all_x, all_y = datasets.load("digits", "all")
    assert train_x.shape == (1500, 8, 8, 1) and test_x.shape == (297, 8, 8, 1)
    assert all_x.shape == (1797, 8, 8, 1) and all_y.shape == (1797,)
    for x, y in [(train_x, train_y), (test_x, test_y), (all_x, all_y)]:
        assert x.dtype == np.float32 and y.dtype == np.int32
        assert x.min() == 0.0 and x.max() == 1.0
        assert set(np.unique(y)) == set(range(10))
    np.testing.assert_array_equal(np.concatenate([train_x, test_x]), all_x)
    np.testing.assert_array_equal(np.concatenate([train_y, test_y]), all_y)
    again_x, again_y = datasets.load("digits")
    np.testing.assert_array_equal(again_x, train_x)
    np.testing.assert_array_equal(again_y, train_y)


@pytest.mark.parametrize(
    "name, split, allowed",
    [("cifar", "train", "digits, mnist, fashion_mnist"), ("mnist", "val", "train, test, all")],
)
def test_bad_name_or_split_says_what_is_allowed(name, split, allowed, tmp_path):
    with pytest.raises(ValueError, match=allowed):
        datasets.load(name, split, cache_dir=tmp_path)
    assert leftovers(tmp_path) == []


# --- MNIST over a local server ---------------------------------------------------------------


@needs_mnist
def test_mnist_test_split_downloads_once_then_reads_the_cache(serve, tmp_path):
    server = serve(MNIST_FILES)
    cache = tmp_path / "cache"
    images, labels = datasets.load("mnist", "test", cache_dir=cache, base_url=server.url)
    assert images.shape == (10000, 28, 28, 1) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert labels.shape == (10000,) and labels.dtype == np.int32
    assert set(np.unique(labels)) == set(range(10))
    assert labels[:8].tolist() == [7, 2, 1, 0, 4, 1, 4, 9]
    assert sorted(server.requests) == ["/" + f for f in sorted(TEST_FILES)]
    assert leftovers(cache) == ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    server.stop()
    images2, labels2 = datasets.load("mnist", "test", cache_dir=cache, base_url=server.url)
    np.testing.assert_array_equal(images2, images)
    np.testing.assert_array_equal(labels2, labels)
    assert len(server.requests) == 2


@needs_mnist
def test_files_put_in_the_cache_by_hand_are_used(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in TEST_FILES:
        shutil.copy(MNIST_FILES / name, cache / name)
    images, labels = datasets.load("mnist", "test", cache_dir=cache, base_url="http://127.0.0.1:9/")
    assert images.shape == (10000, 28, 28, 1) and labels[:3].tolist() == [7, 2, 1]
    assert "t10k-images-idx3-ubyte" in leftovers(cache)


def flip_bytes(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 16]) + data[middle + 16 :]


def change_one_pixel(data: bytes) -> bytes:
    payload = bytearray(gzip.decompress(data))
    payload[-1] ^= 0x01
    return gzip.compress(bytes(payload), 1)


def wrong_header(data: bytes) -> bytes:
    payload = bytearray(gzip.decompress(data))
    payload[8:12] = (27).to_bytes(4, "big")
    return gzip.compress(bytes(payload), 1)


@needs_mnist
@pytest.mark.parametrize(
    "damage, message",
    [
        (flip_bytes, "failed"),
        (lambda data: data[: len(data) // 2], "failed"),
        (change_one_pixel, "SHA-256"),
        (wrong_header, "IDX header"),
    ],
    ids=["flipped-bytes", "truncated", "changed-pixel", "wrong-header"],
)
def test_a_damaged_download_raises_and_leaves_nothing(damage, message, serve, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    for name in TEST_FILES:
        shutil.copy(MNIST_FILES / name, served / name)
    images_gz = served / TEST_FILES[0]
    images_gz.write_bytes(damage(images_gz.read_bytes()))
    server = serve(served)
    cache = tmp_path / "cache"
    with pytest.raises(datasets.DownloadError, match=message) as caught:
        datasets.load("mnist", "test", cache_dir=cache, base_url=server.url)
    text = str(caught.value)
    assert "t10k-images-idx3-ubyte" in text and server.url in text and "base_url" in text
    assert leftovers(cache) == []


def test_an_unreachable_server_raises_and_leaves_nothing(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = tmp_path / "cache"
    url = f"http://127.0.0.1:{port}/"
    with pytest.raises(datasets.DownloadError, match="t10k-images-idx3-ubyte") as caught:
        datasets.load("mnist", "test", cache_dir=cache, base_url=url)
    assert url in str(caught.value) and "connection" in str(caught.value)
    assert leftovers(cache) == []


def test_a_missing_file_raises_and_leaves_nothing(serve, tmp_path):
    (tmp_path / "empty").mkdir()
    server = serve(tmp_path / "empty")
    cache = tmp_path / "cache"
    with pytest.raises(datasets.DownloadError, match="404"):
        datasets.load("mnist", "test", cache_dir=cache, base_url=server.url)
    assert leftovers(cache) == []


# --- structural checks only (Fashion-MNIST pins no hash), with synthesised files ---------------


def synthesise(folder: Path, n_images: int = 10000) -> np.ndarray:
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n_images, 28, 28), dtype=np.uint8)
    labels = np.arange(10000) % 10
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, 2051), 1))
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, 2049), 1))
    return images


def test_unpinned_files_pass_the_structural_checks(serve, tmp_path):
    served_images = synthesise(tmp_path / "served")
    server = serve(tmp_path / "served")
    cache = tmp_path / "cache"
    images, labels = datasets.load("fashion_mnist", "test", cache_dir=cache, base_url=server.url)
    assert images.shape == (10000, 28, 28, 1) and images.dtype == np.float32
    np.testing.assert_array_equal(np.rint(images[..., 0] * 255).astype(np.uint8), served_images)
    np.testing.assert_array_equal(labels, np.arange(10000) % 10)


@pytest.mark.parametrize("short_header", [True, False], ids=["header-9999", "payload-short"])
def test_unpinned_files_of_the_wrong_length_are_rejected(short_header, serve, tmp_path):
    images_gz = tmp_path / "served" / "t10k-images-idx3-ubyte.gz"
    if short_header:  # a well-formed file of 9,999 images
        synthesise(tmp_path / "served", n_images=9999)
    else:  # the header promises 10,000 images, the payload ends one byte early
        synthesise(tmp_path / "served")
        images_gz.write_bytes(gzip.compress(gzip.decompress(images_gz.read_bytes())[:-1], 1))
    server = serve(tmp_path / "served")
    cache = tmp_path / "cache"
    message = "IDX header" if short_header else "7840015 bytes, expected 7840016"
    with pytest.raises(datasets.DownloadError, match=message):
        datasets.load("fashion_mnist", "test", cache_dir=cache, base_url=server.url)
    assert leftovers(cache) == []


def test_a_damaged_cached_file_is_reported_not_used(serve, tmp_path):
    synthesise(tmp_path / "served")
    server = serve(tmp_path / "served")
    cache = tmp_path / "cache"
    datasets.load("fashion_mnist", "test", cache_dir=cache, base_url=server.url)
    cached = cache / "t10k-images-idx3-ubyte"
    cached.write_bytes(cached.read_bytes()[:-1])
    with pytest.raises(ValueError, match="delete it"):
        datasets.load("fashion_mnist", "test", cache_dir=cache, base_url=server.url)
