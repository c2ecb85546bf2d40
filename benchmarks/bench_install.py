"""Benchmark: start-up time of ``dormancy`` and the size of the core install (issue 20).

Start-up: ``dormancy --help``, ``dormancy --version`` and ``import dormancy`` in fresh interpreters (median of 5),
against the eager import of every subpackage (what ``import dormancy`` did before names were loaded lazily),
measured in the same run. Size: the installed files (each distribution's RECORD) of the dependency closure of the
core requirements in ``pyproject.toml``, against the closure with every optional extra (the former core), read from
the environment this runs in (which must hold the ``all`` extra). Run with
``python -m pytest -m benchmark benchmarks/bench_install.py -s`` or ``python benchmarks/bench_install.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
EAGER = "import dormancy\nfor name in dormancy._SUBPACKAGES: getattr(dormancy, name)"
HELP = "import sys; from dormancy.cli import main; sys.argv = ['dormancy', '--help']; main()"
VERSION = "import sys; from dormancy.cli import main; sys.argv = ['dormancy', '--version']; main()"


def seconds(code: str, repeats: int = 5) -> float:
    """Median wall-clock seconds of a fresh interpreter running ``code``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env, stdout=subprocess.DEVNULL)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def _dist_bytes(distribution: metadata.Distribution) -> int:
    total = 0
    for file in distribution.files or ():
        path = Path(distribution.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def closure_bytes(requirements: list[str]) -> tuple[int, set[str]]:
    """Bytes installed by the closure of ``requirements`` (markers evaluated here), and the distributions in it."""
    seen: set[str] = set()
    total = 0
    queue = [(Requirement(text), "") for text in requirements]
    while queue:
        requirement, extra = queue.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(requirement.name)
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if name not in {k.split("[")[0] for k in seen - {key}}:
            total += _dist_bytes(distribution)
        for text in distribution.requires or ():
            child = Requirement(text)
            for wanted in sorted(requirement.extras) or [""]:
                if child.marker is None or child.marker.evaluate({"extra": wanted}):
                    queue.append((child, wanted))
                    break
    return total, {k.split("[")[0] for k in seen}


def install_sizes() -> tuple[int, int]:
    """(core, core + the extras that used to be core) installed bytes, from ``pyproject.toml`` and this environment."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = list(project["dependencies"])
    extras = project["optional-dependencies"]
    former_core = ("sbml", "calibration", "movie", "scanpy")  # moved out of the core (the app extra never was in it)
    optional = [text for name in former_core for text in extras[name]]
    return closure_bytes(core)[0], closure_bytes(core + optional)[0]


def report() -> dict[str, float]:
    """Measure and print; return the figures."""
    figures = {
        "help_s": seconds(HELP),
        "version_s": seconds(VERSION),
        "import_s": seconds("import dormancy"),
        "eager_import_s": seconds(EAGER),
    }
    core, full = install_sizes()
    figures |= {"core_mb": core / 1e6, "full_mb": full / 1e6}
    print(f"dormancy --help     {figures['help_s']:.2f} s")
    print(f"dormancy --version  {figures['version_s']:.2f} s")
    print(
        f"import dormancy     {figures['import_s']:.3f} s; eager import of every subpackage (the former "
        f"`import dormancy`) {figures['eager_import_s']:.2f} s: {figures['eager_import_s'] / figures['import_s']:.0f}x"
    )
    print(
        f"core install {figures['core_mb']:.0f} MB; with every optional extra (the former core) "
        f"{figures['full_mb']:.0f} MB: core is {1 - core / full:.0%} smaller"
    )
    return figures


@pytest.mark.benchmark
def test_startup_and_core_install_size():
    figures = report()
    assert figures["help_s"] <= 0.5
    assert figures["version_s"] <= 0.5
    assert figures["core_mb"] <= 0.7 * figures["full_mb"]


if __name__ == "__main__":
    report()
