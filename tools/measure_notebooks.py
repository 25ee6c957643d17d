"""What one top-to-bottom run of each notebook costs: wall time, CPU-seconds and peak memory.

    python tools/measure_notebooks.py [notebooks/04_kl_to_jsd.ipynb ...] [options]

      --set NAME=VALUE   override a parameter (VALUE is a Python literal): --set DATASET='"mnist"'
      --mnist-url URL    where MNIST's four .gz files are downloaded from (a local mirror)
      --cold             an empty cache folder: nothing compiled, no checkpoints, no downloads
                         (a student's first run); default: the user's cache folder as it is

Each notebook runs in a fresh kernel, in its own folder, and nothing is written back (unlike
``make notebooks``). When the last cell has run, the kernel reports on itself with
``resource.getrusage``: its peak resident memory (``ru_maxrss``) and the CPU-seconds of all its
threads (user + system), plus those of any child processes. The table is printed as Markdown.

Other code imports :func:`with_parameters` and :func:`measure` (the MNIST notebook tests do).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"  # papermill's name for the same thing

# Run last in the kernel: its own peak memory and CPU time, as one JSON line.
REPORT = """\
import json as _json, resource as _resource
_self = _resource.getrusage(_resource.RUSAGE_SELF)
_children = _resource.getrusage(_resource.RUSAGE_CHILDREN)
print(_json.dumps({
    "peak_rss_kib": max(_self.ru_maxrss, _children.ru_maxrss),
    "cpu_s": _self.ru_utime + _self.ru_stime + _children.ru_utime + _children.ru_stime,
}))
"""


@dataclass(frozen=True)
class Measurement:
    """One run of one notebook: ``wall_s`` seconds from kernel start to the last cell,
    ``cpu_s`` CPU-seconds of the kernel (all threads), ``peak_rss_mib`` its peak resident memory.
    """

    name: str
    wall_s: float
    cpu_s: float
    peak_rss_mib: float


def with_parameters(nb, values: dict | None = None, setup: str = ""):
    """A copy of notebook ``nb`` with a cell after its ``parameters`` cell that sets ``values``
    (``{name: python value}``, written with ``repr``) and then runs ``setup`` (code).

    Raises ``ValueError`` when the notebook has no parameters cell, or a name in ``values`` is
    not assigned there.
    """
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # a deep copy, still a NotebookNode
    where = [i for i, cell in enumerate(nb.cells)
             if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", [])]
    if len(where) != 1:
        raise ValueError(f"expected one cell tagged {PARAMETERS_TAG!r}, found {len(where)}")
    values = dict(values or {})
    assigned = _assigned_names(nb.cells[where[0]].source)
    unknown = sorted(set(values) - assigned)
    if unknown:
        raise ValueError(
            f"parameters {unknown} are not set in the parameters cell; it sets {sorted(assigned)}")
    lines = [f"{name} = {value!r}" for name, value in values.items()]
    if setup:
        lines.append(setup)
    cell = nbformat.v4.new_code_cell("\n".join(lines))
    cell.metadata["tags"] = [INJECTED_TAG]
    nb.cells.insert(where[0] + 1, cell)
    return nb


def _assigned_names(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def measure(path: Path, values: dict | None = None, setup: str = "",
            env: dict | None = None, timeout: int = 3600) -> Measurement:
    """Run notebook ``path`` top to bottom in a fresh kernel (parameters overridden by
    ``values``, then ``setup`` run; see :func:`with_parameters`) and measure it.

    ``env``: variables added to the kernel's environment. A cell that raises stops the run with
    nbclient's ``CellExecutionError``; ``timeout`` is the limit per cell in seconds.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    if values or setup:
        nb = with_parameters(nb, values, setup)
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env={**os.environ, **(env or {})})
    wall = time.perf_counter() - start
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs
                   if out.output_type == "stream")
    report = json.loads(text.strip().splitlines()[-1])
    return Measurement(path.stem, wall, report["cpu_s"], report["peak_rss_kib"] / 1024)


def table(rows: list[Measurement]) -> str:
    """The measurements as a Markdown table."""
    lines = ["| notebook | wall time (s) | CPU-seconds | peak memory (MiB) |",
             "| --- | ---: | ---: | ---: |"]
    lines += [f"| {m.name} | {m.wall_s:.0f} | {m.cpu_s:.0f} | {m.peak_rss_mib:.0f} |"
              for m in rows]
    return "\n".join(lines)


def _parse_set(text: str) -> tuple[str, object]:
    name, sep, value = text.partition("=")
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"--set wants NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError) as err:
        raise argparse.ArgumentTypeError(
            f"--set {name}: {value!r} is not a Python literal (quote strings: '\"mnist\"')"
        ) from err


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--set", dest="values", action="append", type=_parse_set, default=[])
    parser.add_argument("--mnist-url", default=None)
    parser.add_argument("--cold", action="store_true")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    setup = ""
    if args.mnist_url:
        setup = f"import ganlab.datasets\nganlab.datasets.BASE_URLS['mnist'] = {args.mnist_url!r}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="ganlab-cold-") as scratch:
        for path in paths:
            env = {"GANLAB_CACHE_DIR": str(Path(scratch) / path.stem)} if args.cold else {}
            rows.append(measure(path, dict(args.values), setup, env))
            m = rows[-1]
            print(f"{m.name}: {m.wall_s:.1f} s, {m.cpu_s:.1f} CPU-s, "
                  f"peak {m.peak_rss_mib:.0f} MiB", file=sys.stderr, flush=True)
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
