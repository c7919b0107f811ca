"""Runs the benchmarks, each in a fresh subprocess, and collects their figures.

`python -m search.bench.suite NAME --quick WORKDIR RESULT` runs one benchmark in this
process and writes its figures to RESULT; `run_benchmarks` spawns one such process per
benchmark so memory and Keras' global state start clean every time.
"""

from __future__ import annotations

import importlib
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from search.errors import SearchError
from search.registry import Registry

BENCHMARKS: Registry[str] = Registry("benchmark")
for _name in ("overhead", "pipeline", "memory", "precision", "quality", "parallel", "speed"):
    BENCHMARKS.add(_name, f"search.bench.{_name}")


def machine() -> dict[str, Any]:
    """Where the figures were measured: the CPU model and its vector units, the CPUs used."""
    import os

    from search.speed.machine import describe

    return {
        "cpu": describe(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_benchmarks(names: Sequence[str], quick: bool) -> dict[str, Any]:
    """Each named benchmark in its own subprocess; a failure is recorded, not fatal."""
    results: dict[str, Any] = {}
    for name in names:
        BENCHMARKS.get(name)
        with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
            result_file = Path(tmp) / "result.json"
            command = [sys.executable, "-m", "search.bench.suite", name, str(quick), tmp]
            started = time.perf_counter()
            done = subprocess.run(
                [*command, str(result_file)], capture_output=True, text=True, check=False
            )
            seconds = time.perf_counter() - started
            if done.returncode != 0 or not result_file.exists():
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                results[name] = {"error": last, "seconds": round(seconds, 1)}
                continue
            results[name] = {**json.loads(result_file.read_text()), "seconds": round(seconds, 1)}
    return {"quick": quick, "machine": machine(), "results": results}


def check_all_ran(report: dict[str, Any]) -> None:
    failed = {n: r["error"] for n, r in report["results"].items() if "error" in r}
    if failed:
        raise SearchError(
            "benchmark(s) failed: " + "; ".join(f"{n}: {e}" for n, e in failed.items())
        )


def _run_one(name: str, quick: bool, workdir: Path, result_file: Path) -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    module = importlib.import_module(BENCHMARKS.get(name))
    figures = module.measure(quick, workdir)
    result_file.write_text(json.dumps(figures, default=float))


if __name__ == "__main__":
    _name, _quick, _workdir, _result = sys.argv[1:5]
    _run_one(_name, _quick == "True", Path(_workdir), Path(_result))
