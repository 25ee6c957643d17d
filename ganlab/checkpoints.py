"""Save and load trained GANs and auto-encoders: one ``.npz`` file, no pickle, written atomically.

A checkpoint holds every array of the run (both networks, both optimiser states, the data's
location and scale), the per-step history, the step count, and the :class:`GANConfig` as JSON;
for an auto-encoder or VAE (:class:`ganlab.autoencoding.AERun`) the model, its Adam state and
its :class:`~ganlab.autoencoding.AEConfig`, read back by the same :func:`load_run`.
A bare name such as ``"two_gaussians"`` goes to the per-user cache folder
(``cache_dir("checkpoints")``); ``.npz`` is added when missing. A run may carry named
``extras`` arrays (a coverage trace, say), written in the same file and read back by
:func:`load_extras`. Train once, then load::

    run, extras = train_once("two_gaussians", lambda: train_gan(data, cfg), config=cfg)

Several seeds trained together, once: :func:`train_seeds_once`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ganlab.autoencoding import HISTORY_KEYS as AE_KEYS
from ganlab.autoencoding import AEConfig, AERun
from ganlab.cache import cache_dir
from ganlab.training import HISTORY_KEYS, GANConfig, GANRun

__all__ = ["checkpoint_path", "save_run", "load_run", "load_extras", "train_once",
           "train_seeds_once"]


_FORMAT = "ganlab.GANRun"
_AE_FORMAT = "ganlab.AERun"


def checkpoint_path(path) -> Path:
    """``path`` as a file: a bare name goes to the cache's ``checkpoints`` folder; ``.npz``
    is added when missing."""
    text = os.fspath(path)
    p = Path(text).expanduser()
    if not text or p.name in ("", ".", ".."):
        raise ValueError(f"not a checkpoint file name: {text!r}")
    if len(p.parts) == 1 and os.sep not in text and (os.altsep is None or os.altsep not in text):
        p = cache_dir("checkpoints") / p
    return p if p.suffix == ".npz" else p.with_name(p.name + ".npz")


def _leaf_names(state) -> tuple[list[str], list, object]:
    """``(names, leaves, treedef)`` of a state: each leaf named by its path, such as
    ``generator/net/layers/0/kernel/value``."""
    paths_leaves, treedef = jax.tree_util.tree_flatten_with_path(state)
    names = [jax.tree_util.keystr(path, simple=True, separator="/") for path, _ in paths_leaves]
    return names, [leaf for _, leaf in paths_leaves], treedef


def save_run(run, path, *, extras: dict | None = None) -> Path:
    """Write ``run`` (a GANRun or an AERun: networks, optimiser states, config, step, history).

    ``extras``: ``{name: array}`` saved in the same file (numbers only: anything
    ``np.asarray`` turns into a numeric array), read back by :func:`load_extras`.
    The file appears complete or not at all (a temporary file in the same folder, then
    ``os.replace``). Snapshots are not saved. Returns the file's path.
    """
    extras = _check_extras(extras)
    if isinstance(run, AERun):
        return _write_run(path, run, extras, {"format": _AE_FORMAT, "version": 1,
                                              "image_shape": list(run.image_shape),
                                              "step": run.step})
    if not isinstance(run, GANRun):
        raise ValueError(f"save_run needs a GANRun or an AERun, got {type(run).__name__}")
    return _write_run(path, run, extras, {"format": _FORMAT, "version": 1,
                                          "data_dim": run.data_dim, "step": run.step})


def _check_extras(extras) -> dict[str, np.ndarray]:
    """``extras`` as ``{name: numeric array}``; ``ValueError`` naming the bad entry."""
    if extras is None:
        return {}
    if not isinstance(extras, dict):
        raise ValueError(f"extras must be a dict of name -> array, got {type(extras).__name__}")
    checked = {}
    for name, value in extras.items():
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(f"extras names must be non-empty strings without '/', got {name!r}")
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise ValueError(f"extras[{name!r}] must be numbers (booleans, integers or floats), "
                             f"got dtype {array.dtype}")
        checked[name] = array
    return checked


def _write_run(path, run, extras: dict, meta: dict) -> Path:
    """Write ``run.export_state()``'s arrays, ``run.history``, ``run.config``, ``extras`` and
    ``meta`` atomically."""
    target = checkpoint_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    names, leaves, _ = _leaf_names(run.export_state())
    arrays = {f"state/{n}": np.asarray(v) for n, v in zip(names, leaves)}
    arrays.update({f"history/{n}": v for n, v in run.history.items()})
    arrays.update({f"extra/{n}": v for n, v in extras.items()})
    arrays["meta"] = np.array(json.dumps(meta))
    arrays["config"] = np.array(json.dumps(run.config.to_dict()))
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def load_run(path, *, config: GANConfig | None = None, data=None, labels=None) -> GANRun:
    """Read a run written by :func:`save_run`.

    ``config``: the configuration you expect; a checkpoint of another architecture (noise
    size, widths, activation) or loss raises ``ValueError``. ``data``: needed only to train
    further (:meth:`GANRun.train`), continuing exactly where the saved run stopped (with
    ``labels`` for a conditional image GAN).
    A missing file raises ``FileNotFoundError``; a damaged one ``ValueError``.
    """
    target = checkpoint_path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no checkpoint at {target}")
    if _format(target) == _AE_FORMAT:
        return _load_autoencoder(target, config, data)
    def parse(meta):
        data_dim, step = meta["data_dim"], int(meta["step"])
        # images: (h, w, c), stored as a JSON list
        return tuple(map(int, data_dim)) if isinstance(data_dim, list) else int(data_dim), step

    files, stored, (data_dim, step) = _read(target, GANConfig, _FORMAT, parse)
    if config is not None:
        fields = ("loss", "latent_dim", "hidden", "d_hidden", "activation", "noise", "pack",
                  "channels", "norm", "n_classes", "n_components")
        diff = [f"{f}: file {getattr(stored, f)!r}, expected {getattr(config, f)!r}"
                for f in fields if getattr(stored, f) != getattr(config, f)]
        if diff:
            raise ValueError(f"{target} holds a different GAN ({'; '.join(diff)}); train it "
                             "again or load it without config=")
    run = GANRun(stored, data, labels=labels, data_dim=data_dim)
    if run.data_dim != data_dim:
        raise ValueError(f"{target} was trained on {data_dim}D data, data is {run.data_dim}D")
    _restore(target, run, files, step, HISTORY_KEYS)
    return run


def load_extras(path) -> dict[str, np.ndarray]:
    """The ``extras`` arrays saved with a run by :func:`save_run` (``{}`` if none).

    A missing file raises ``FileNotFoundError``; a damaged one ``ValueError``.
    """
    target = checkpoint_path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no checkpoint at {target}")
    fmt = _format(target)
    config_class = GANConfig
    if fmt == _AE_FORMAT:
        config_class = AEConfig
    files, _, _ = _read(target, config_class, fmt or _FORMAT, lambda meta: None)
    return {k.removeprefix("extra/"): v for k, v in files.items() if k.startswith("extra/")}


def train_once(path, train, *, config=None, data=None, labels=None):
    """``(run, extras)``: trained by ``train()`` the first time, loaded from ``path`` after.

    ``train()`` returns a run, or ``(run, extras)`` with ``extras`` a dict of arrays to keep
    with it (e.g. a trace of scores recorded while training). The first call trains and saves
    both atomically (:func:`save_run`); later calls load them (:func:`load_run` with
    ``config``, ``data`` and ``labels``, :func:`load_extras`). A file of another
    architecture (``config`` differs) or a damaged one is trained again and replaced.
    """
    try:
        run = load_run(path, config=config, data=data, labels=labels)
        return run, load_extras(path)
    except (FileNotFoundError, ValueError):  # not trained yet, another architecture, damaged
        pass
    result = train()
    run, extras = result if isinstance(result, tuple) else (result, {})
    save_run(run, path, extras=extras)
    return run, _check_extras(extras)


def train_seeds_once(name: str, train, seeds, *, config, data=None, labels=None):
    """``(runs, extras)``, one of each per seed: trained together by ``train(seeds)`` the first
    time, loaded after.

    Seed ``s``'s run goes to the cache file ``{name}_{fingerprint}_seed{s}``, the fingerprint a
    short hash of ``config`` without its seed, so changing any other setting trains again.
    ``train(seeds)`` returns the runs in the order of ``seeds``, or ``(runs, extras)`` with one
    dict of arrays per run; it is called only if some seed's file is missing, of another
    architecture or damaged, and then trains every seed side by side
    and replaces all their files. ``config``, ``data`` and
    ``labels`` as in :func:`train_once`.
    """
    seeds = [int(s) for s in seeds]
    values = {k: v for k, v in config.to_dict().items() if k != "seed"}
    fingerprint = hashlib.sha1(json.dumps(values, sort_keys=True).encode()).hexdigest()[:10]
    paths = [f"{name}_{fingerprint}_seed{s}" for s in seeds]
    try:
        loaded = [(load_run(p, config=config, data=data, labels=labels), load_extras(p))
                  for p in paths]
        return [run for run, _ in loaded], [extras for _, extras in loaded]
    except (FileNotFoundError, ValueError):  # some seed not trained yet, or stale, or damaged
        pass
    result = train(seeds)
    runs, extras = result if isinstance(result, tuple) else (result, [{}] * len(seeds))
    runs, extras = list(runs), list(extras)
    if len(runs) != len(seeds) or len(extras) != len(seeds):
        raise ValueError(f"train(seeds) must return one run (and one extras dict) per seed, "
                         f"{len(seeds)} in all; got {len(runs)} runs, {len(extras)} extras")
    for run, more, path in zip(runs, extras, paths):
        save_run(run, path, extras=more)
    return runs, [_check_extras(more) for more in extras]


def _restore(target: Path, run, files: dict, step: int, history_keys) -> None:
    """Put the checkpoint's arrays ``files`` into ``run``; set its step and history."""
    names, leaves, treedef = _leaf_names(run.export_state())
    wanted = {f"state/{n}": leaf for n, leaf in zip(names, leaves)}
    found = {k for k in files if k.startswith("state/")}
    problems = sorted(set(wanted) ^ found)
    problems += [f"{k}: shape {files[k].shape} {files[k].dtype}, expected "
                 f"{leaf.shape} {leaf.dtype}" for k, leaf in wanted.items()
                 if k in files and (files[k].shape != leaf.shape or files[k].dtype != leaf.dtype)]
    if problems:
        raise ValueError(f"{target} does not match its model's architecture "
                         f"({len(problems)} mismatches, e.g. {problems[0]})")
    new_leaves = [jnp.asarray(files[f"state/{n}"]) for n in names]
    run.restore(jax.tree_util.tree_unflatten(treedef, new_leaves), step=step,
                history={n: files.get(f"history/{n}", np.zeros(0)) for n in history_keys})


def _read(target: Path, config_class, fmt: str, parse):
    """``(arrays, config, parse(meta))`` of the checkpoint ``target`` of format ``fmt``; a
    damaged file or one of another format raises ``ValueError``."""
    try:
        if not zipfile.is_zipfile(target):
            raise ValueError("not an .npz archive")
        with np.load(target, allow_pickle=False) as npz:
            files = {name: npz[name] for name in npz.files}
        meta = json.loads(str(files.pop("meta")))
        stored = config_class.from_dict(json.loads(str(files.pop("config"))))
        if meta.get("format") != fmt:
            raise ValueError(f"format {meta.get('format')!r} is not {fmt!r}")
        return files, stored, parse(meta)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{target} is not a readable ganlab checkpoint ({err}); "
                         "delete it and save the run again") from None


def _format(target: Path) -> str | None:
    """The ``format`` recorded in a checkpoint's metadata, or None if it cannot be read."""
    try:
        with np.load(target, allow_pickle=False) as npz:
            return json.loads(str(npz["meta"])).get("format")
    except Exception:  # a damaged file: load_run's own checks say what is wrong
        return None


def _load_autoencoder(target: Path, config, data):
    """:func:`load_run` for an auto-encoder or VAE checkpoint (an :class:`AERun`)."""

    files, stored, (image_shape, step) = _read(
        target, AEConfig, _AE_FORMAT,
        lambda meta: (tuple(int(v) for v in meta["image_shape"]), int(meta["step"])))
    if config is not None:
        if not isinstance(config, AEConfig):
            raise ValueError(f"{target} holds an auto-encoder; config must be an AEConfig, "
                             f"got {type(config).__name__}")
        if stored._architecture() != config._architecture():
            raise ValueError(f"{target} holds a different auto-encoder (file "
                             f"{stored._architecture()}, expected {config._architecture()}); "
                             "train it again or load it without config=")
    run = AERun(stored, data, image_shape=image_shape)
    if run.image_shape != image_shape:
        raise ValueError(f"{target} was trained on images of shape {image_shape}, data has "
                         f"{run.image_shape}")
    _restore(target, run, files, step, AE_KEYS)
    return run
