"""Save and load trained GANs: one ``.npz`` file, no pickle, written atomically.

A checkpoint holds every array of the run (both networks, both optimiser states, the data's
location and scale), the per-step history, the step count, and the :class:`GANConfig` as JSON.
A bare name such as ``"two_gaussians"`` goes to the per-user cache folder
(``cache_dir("checkpoints")``); ``.npz`` is added when missing. Train-once-then-load::

    try:
        run = load_run("two_gaussians", config=cfg)
    except FileNotFoundError:
        run = train_gan(data, cfg)
        save_run(run, "two_gaussians")
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from ganlab.cache import cache_dir
from ganlab.training import HISTORY_KEYS, GANConfig, GANRun

__all__ = ["checkpoint_path", "save_run", "load_run"]


_FORMAT = "ganlab.GANRun"


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
    paths_leaves, treedef = jax.tree_util.tree_flatten_with_path(state)
    names = []
    for path, _ in paths_leaves:
        parts = [str(getattr(k, "key", getattr(k, "idx", getattr(k, "name", k)))) for k in path]
        names.append("/".join(p for p in parts if p != "value"))
    return names, [leaf for _, leaf in paths_leaves], treedef


def save_run(run: GANRun, path) -> Path:
    """Write ``run`` (networks, optimiser states, config, step, history) to ``path``.

    The file appears complete or not at all (a temporary file in the same folder, then
    ``os.replace``). Snapshots are not saved. Returns the file's path.
    """
    if not isinstance(run, GANRun):
        raise ValueError(f"save_run needs a GANRun, got {type(run).__name__}")
    target = checkpoint_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    names, leaves, _ = _leaf_names(nnx.state(run._nets))
    arrays = {f"state/{n}": np.asarray(v) for n, v in zip(names, leaves)}
    arrays.update({f"history/{n}": v for n, v in run.history.items()})
    meta = {"format": _FORMAT, "version": 1, "data_dim": run.data_dim, "step": run.step}
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


def load_run(path, *, config: GANConfig | None = None, data=None) -> GANRun:
    """Read a run written by :func:`save_run`.

    ``config``: the configuration you expect; a checkpoint of another architecture (noise
    size, widths, activation) or loss raises ``ValueError``. ``data``: needed only to train
    further (:meth:`GANRun.train`), continuing exactly where the saved run stopped.
    A missing file raises ``FileNotFoundError``; a damaged one ``ValueError``.
    """
    target = checkpoint_path(path)
    if not target.is_file():
        raise FileNotFoundError(f"no checkpoint at {target}")
    try:
        if not zipfile.is_zipfile(target):
            raise ValueError("not an .npz archive")
        with np.load(target, allow_pickle=False) as npz:
            files = {name: npz[name] for name in npz.files}
        meta = json.loads(str(files.pop("meta")))
        stored = GANConfig.from_dict(json.loads(str(files.pop("config"))))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"format {meta.get('format')!r} is not {_FORMAT!r}")
        data_dim, step = int(meta["data_dim"]), int(meta["step"])
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"{target} is not a readable ganlab checkpoint ({err}); "
                         "delete it and save the run again") from None
    if config is not None:
        fields = ("loss", "latent_dim", "hidden", "d_hidden", "activation", "noise")
        diff = [f"{f}: file {getattr(stored, f)!r}, expected {getattr(config, f)!r}"
                for f in fields if getattr(stored, f) != getattr(config, f)]
        if diff:
            raise ValueError(f"{target} holds a different GAN ({'; '.join(diff)}); train it "
                             "again or load it without config=")
    run = GANRun(stored, data, data_dim=data_dim)
    if run.data_dim != data_dim:
        raise ValueError(f"{target} was trained on {data_dim}D data, data is {run.data_dim}D")
    names, leaves, treedef = _leaf_names(nnx.state(run._nets))
    wanted = {f"state/{n}": leaf for n, leaf in zip(names, leaves)}
    found = {k for k in files if k.startswith("state/")}
    problems = sorted(set(wanted) ^ found)
    problems += [f"{k}: shape {files[k].shape} {files[k].dtype}, expected "
                 f"{leaf.shape} {leaf.dtype}" for k, leaf in wanted.items()
                 if k in files and (files[k].shape != leaf.shape or files[k].dtype != leaf.dtype)]
    if problems:
        raise ValueError(f"{target} does not match its GAN's architecture "
                         f"({len(problems)} mismatches, e.g. {problems[0]})")
    new_leaves = [jnp.asarray(files[f"state/{n}"]) for n in names]
    nnx.update(run._nets, jax.tree_util.tree_unflatten(treedef, new_leaves))
    run.step = step
    run.history = {n: np.asarray(files.get(f"history/{n}", np.zeros(0)), np.float32)
                   for n in HISTORY_KEYS}
    return run
