"""Per-user cache folder and JAX's persistent compilation cache.

Everything ganlab writes at run time (compiled programs, downloads, checkpoints) goes under
:func:`cache_dir`, never inside the repository.

Environment variables:
  ``GANLAB_CACHE_DIR``  the folder to use (default: ``$XDG_CACHE_HOME/ganlab`` or ``~/.cache/ganlab``)
  ``GANLAB_JAX_CACHE``  ``0`` turns the persistent compilation cache off
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The per-user ganlab cache folder (or a sub-folder of it), created if missing."""
    root = os.environ.get("GANLAB_CACHE_DIR")
    if root:
        base = Path(root).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "ganlab"
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def compilation_cache_enabled() -> bool:
    """False when ``GANLAB_JAX_CACHE`` is set to 0, off, false or no."""
    value = os.environ.get("GANLAB_JAX_CACHE", "1").strip().lower()
    return value not in {"0", "off", "false", "no"}


def enable_compilation_cache() -> Path | None:
    """Point JAX's persistent compilation cache at ``cache_dir('jax')``; returns the folder.

    Small programs are cached too (the toy GANs compile in well under a second, which JAX would
    otherwise not bother to store). Returns None, changing nothing, when turned off.
    """
    if not compilation_cache_enabled():
        return None
    import jax

    folder = cache_dir("jax")
    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    return folder
