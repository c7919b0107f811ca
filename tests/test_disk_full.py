"""A disk that fills up during a search (issue 18): the search stops with one `error:` line
naming the cause, and the same command resumes once there is space again.

Needs a small filesystem of its own: a tmpfs, which only root can mount; skipped otherwise.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from search.cli import main

SMALL = {"conv_blocks": 1, "conv_1/filters": 8, "head": "global_average", "dense_units": 32}


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 120 KiB tmpfs: room for the search directory and about one trial's checkpoint."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=120k", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_a_full_disk_stops_the_search_in_one_line_and_it_resumes(
    runner, tmp_path, monkeypatch, tfds_dir, small_disk
) -> None:
    monkeypatch.chdir(tmp_path)
    experiment = {
        "name": "full",
        "output_dir": str(small_disk / "runs"),
        "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
        "space": {"name": "image-cnn", "hyperparameters": SMALL},
        "tuner": {"kind": "random", "max_trials": 3},
        "training": {"epochs": 1},
    }
    (tmp_path / "full.yaml").write_text(yaml.safe_dump(experiment))
    args = ["run", str(tmp_path / "full.yaml"), "--tracking-uri", f"sqlite:///{tmp_path}/m.db"]
    stopped = runner.invoke(main, [*args, "--quiet"])
    assert stopped.exit_code == 1, stopped.output
    last = stopped.stderr.strip().splitlines()[-1]
    assert last.startswith("error: the disk is full"), stopped.stderr
    assert "Traceback" not in stopped.stderr  # what failed on the way: one line each
    assert last.endswith(": free some space, then run the same command again to resume the search")

    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    resumed = runner.invoke(main, [*args, "--quiet"])
    assert resumed.exit_code == 0, resumed.stderr
    assert "experiment:        full (resumed)" in resumed.stdout
