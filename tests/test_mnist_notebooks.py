"""The MNIST homework: notebooks 01, 02, 06 and 07 run top to bottom with ``DATASET = "mnist"``.

Each notebook runs in a fresh kernel with ``DATASET = "mnist"`` set after its parameters cell
(as papermill would), downloading MNIST through ``ganlab.datasets`` from a file server on
127.0.0.1 into an empty cache folder, so the download, its checks and every cell after it run as
they would for a student. The repository never ships MNIST: the files come from
``GANLAB_TEST_MNIST_DIR``, or a ``shared/data/mnist`` folder beside the repository, and the tests
skip, saying so, where they are absent.

Genuine MNIST files are served. Where the training images (``train-images-idx3-ubyte.gz``) are
missing but the test set and the genuine training labels are there, the training images are
stood in for by test-set images of the same digit: image i is a test image whose label is
training label i, so images and labels agree and the labels file still passes its pinned
SHA-256. Each test image then appears about six times; the notebooks only have to run.

These tests are slow (minutes per notebook, see the README's "Switching to MNIST") and marked
``slow``: ``make test`` leaves them out, ``make test-mnist`` runs them (CI runs both). Each
prints its run time, CPU-seconds and the kernel's peak memory (``pytest -s``).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import importlib.util
import os
import shutil
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from ganlab import cache

ROOT = Path(__file__).resolve().parents[1]
MNIST_FILES = Path(
    os.environ.get("GANLAB_TEST_MNIST_DIR") or ROOT.parent / "shared" / "data" / "mnist"
)
NEEDED = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz")
TRAIN_IMAGES = "train-images-idx3-ubyte.gz"
NOTEBOOKS = ["01_autoencoders", "02_variational_autoencoders", "06_dcgan_digits",
             "07_gan_architectures"]
CELL_TIMEOUT_S = 3600

needs_mnist = pytest.mark.skipif(
    not all((MNIST_FILES / name).exists() for name in NEEDED),
    reason=f"MNIST files {', '.join(NEEDED)} not found in {MNIST_FILES}: set "
           "GANLAB_TEST_MNIST_DIR to a folder holding them (they are never committed)",
)


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


measure_notebooks = _tool("measure_notebooks")


def read_idx(path: Path) -> np.ndarray:
    """The uint8 array of a gzip-compressed IDX file."""
    payload = gzip.decompress(path.read_bytes())
    dims = payload[3]
    shape = tuple(int(v) for v in np.frombuffer(payload, ">u4", count=dims, offset=4))
    return np.frombuffer(payload, np.uint8, offset=4 + 4 * dims).reshape(shape)


def idx_gz(array: np.ndarray, magic: int) -> bytes:
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return gzip.compress(header + array.astype(np.uint8).tobytes(), compresslevel=1)


def stand_in_train_images(test_images: np.ndarray, test_labels: np.ndarray,
                          train_labels: np.ndarray) -> np.ndarray:
    """(60000, 28, 28) uint8: for training label i, a test image of that digit (cycling
    through each digit's test images)."""
    out = np.empty((len(train_labels), *test_images.shape[1:]), np.uint8)
    for digit in range(10):
        where = np.flatnonzero(train_labels == digit)
        pool = np.flatnonzero(test_labels == digit)
        out[where] = test_images[pool[np.arange(len(where)) % len(pool)]]
    return out


@pytest.fixture(scope="module")
def mnist_mirror(tmp_path_factory):
    """A file server on 127.0.0.1 serving MNIST's four .gz files; yields its URL."""
    folder = tmp_path_factory.mktemp("mnist-mirror")
    for name in NEEDED:
        shutil.copyfile(MNIST_FILES / name, folder / name)
    if (MNIST_FILES / TRAIN_IMAGES).exists():
        shutil.copyfile(MNIST_FILES / TRAIN_IMAGES, folder / TRAIN_IMAGES)
    else:
        images = stand_in_train_images(read_idx(folder / NEEDED[0]), read_idx(folder / NEEDED[1]),
                                       read_idx(folder / NEEDED[2]))
        (folder / TRAIN_IMAGES).write_bytes(idx_gz(images, 2051))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_stand_in_images_match_the_training_labels():
    rng = np.random.default_rng(0)
    test_labels = np.repeat(np.arange(10), 3)
    test_images = rng.integers(0, 256, (30, 4, 4), dtype=np.uint8)
    train_labels = rng.integers(0, 10, 100)
    out = stand_in_train_images(test_images, test_labels, train_labels)
    assert out.shape == (100, 4, 4)
    for image, label in zip(out, train_labels):
        source = [i for i, t in enumerate(test_images) if np.array_equal(t, image)]
        assert source and all(test_labels[i] == label for i in source)


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_mnist(name, mnist_mirror, tmp_path):
    # An empty cache folder, so MNIST is downloaded and checked as on a student's first run;
    # JAX's compilation cache is the user's, so compiling is as warm as everyone else's.
    scratch = tmp_path / "cache"
    scratch.mkdir()
    (scratch / "jax").symlink_to(cache.cache_dir("jax"), target_is_directory=True)
    setup = (
        "import ganlab.datasets\n"
        f"ganlab.datasets.BASE_URLS['mnist'] = {mnist_mirror!r}\n"
    )
    result = measure_notebooks.measure(
        ROOT / "notebooks" / f"{name}.ipynb", {"DATASET": "mnist"}, setup,
        env={"GANLAB_CACHE_DIR": str(scratch), "http_proxy": "", "HTTP_PROXY": "",
             "no_proxy": "127.0.0.1", "NO_PROXY": "127.0.0.1"},
        timeout=CELL_TIMEOUT_S,
    )
    print(f"\n{name} on MNIST: {result.wall_s:.0f} s, {result.cpu_s:.0f} CPU-s, "
          f"peak {result.peak_rss_mib:.0f} MiB")
    downloaded = sorted(p.name for p in (scratch / "datasets" / "mnist").iterdir())
    assert downloaded == sorted(n.removesuffix(".gz") for n in (*NEEDED, TRAIN_IMAGES)), downloaded


def test_parameters_are_set_after_the_parameters_cell():
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('DATASET = "digits"\nSEED: int = 0')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), params, nbformat.v4.new_code_cell("x = 1")]
    out = measure_notebooks.with_parameters(nb, {"DATASET": "mnist", "SEED": 3}, "y = 2")
    assert [c.source for c in out.cells][2] == "DATASET = 'mnist'\nSEED = 3\ny = 2"
    assert out.cells[2].metadata["tags"] == ["injected-parameters"]
    assert len(nb.cells) == 3, "the notebook passed in was changed"
    with pytest.raises(ValueError, match="not set in the parameters cell"):
        measure_notebooks.with_parameters(nb, {"STEPS": 10})
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(ValueError, match="expected one cell tagged 'parameters'"):
        measure_notebooks.with_parameters(nb, {"DATASET": "mnist"})
