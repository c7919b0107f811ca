"""Where a search keeps its keras-tuner project and its state, so an interrupted one resumes.

The one owner of the search directory's layout (other modules ask `SearchDir` for paths):

    <output_dir>/<experiment>/
        best.yaml                       the latest finished search's best config (a copy)
        <YYYYmmdd-HHMMSS>/              one search
            state.json  .lock           its state; held by the process running it
            tuner/                      keras-tuner's project (oracle.json, trial_*/)
            tracking-journal*.jsonl     the journals (the search's, each worker's)
            workers/<n>.log             local parallel workers' logs
            best.yaml  best-model.keras  best-sample.npy  report/
        train-<YYYYmmdd-HHMMSS>/        one `search train` run (state, journal, model files)
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from search.errors import ConfigError, SearchError
from search.experiment import Experiment

LOCK = ".lock"
STATE = "state.json"
TUNER = "tuner"
BEST_CONFIG = "best.yaml"
TRAIN_PREFIX = "train-"  # a `search train` directory, never a search to resume
TRAIN_KIND = "train"  # the `kind` in a training directory's state


def config_fingerprint(experiment: Experiment) -> str:
    """Identifies what a search explores; its budgets and tracking URI may change on resume."""
    data = experiment.model_dump(mode="json")
    data["tuner"].pop("max_trials")
    data["tuner"].pop("max_seconds")
    data["tuner"].pop("workers")  # how many processes share the trials
    data["tuner"].pop("trials_per_worker")
    data["tracking"].pop("tracking_uri")
    data["space"].pop("digest")  # a changed module is refused on resume, not a new search
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


# Locks this process holds on the searches it runs (the OS drops them on exit, kill -9 too):
# a locked search directory is live, never one to resume.
_CLAIMED: dict[Path, IO[str]] = {}


@dataclass
class SearchDir:
    path: Path
    state: dict[str, Any]

    def claim(self) -> None:
        """Marks this search as running in this process, for as long as the process lives."""
        if self.path in _CLAIMED:
            return
        handle = open(self.path / LOCK, "a")  # noqa: SIM115 (held open on purpose)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise SearchError(f"search {self.path} is running in another process") from None
        _CLAIMED[self.path] = handle

    def release(self) -> None:
        handle = _CLAIMED.pop(self.path, None)
        if handle is not None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    @classmethod
    def at(cls, path: Path) -> SearchDir:
        """The search directory at `path`, with its state when it has one (a worker's local
        directory has none)."""
        return cls(Path(path), read_state(path) if (Path(path) / STATE).is_file() else {})

    @property
    def tuner_dir(self) -> Path:
        return self.path / TUNER

    @property
    def has_tuner_project(self) -> bool:
        """Whether keras-tuner saved a project here (then the search resumes it)."""
        return (self.tuner_dir / "oracle.json").exists()

    @property
    def best_config(self) -> Path:
        return self.path / BEST_CONFIG

    @property
    def best_model(self) -> Path:
        return self.path / "best-model.keras"

    @property
    def best_sample(self) -> Path:
        """A few test inputs: the logged model's signature is inferred from them."""
        return self.path / "best-sample.npy"

    @property
    def report_dir(self) -> Path:
        return self.path / "report"

    @property
    def workers_dir(self) -> Path:
        return self.path / "workers"

    def save(self, **changes: Any) -> None:
        self.state.update(changes)
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps(self.state, indent=2))
        os.replace(tmp, self.path / "state.json")


def experiment_root(experiment: Experiment) -> Path:
    return Path(experiment.output_dir) / experiment.name


def latest_best_config(experiment: Experiment) -> Path:
    """The copy of the latest finished search's best config, beside its searches."""
    return experiment_root(experiment) / BEST_CONFIG


def is_search_dir(path: Path) -> bool:
    return (Path(path) / STATE).is_file()


def check_writable(experiment: Experiment) -> None:
    """Fails before anything is written when the output directory cannot be created."""
    path = experiment_root(experiment).resolve()
    existing = next(p for p in [path, *path.parents] if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"output directory {path} is not writable (at {existing})")


def unfinished(experiment: Experiment) -> SearchDir | None:
    """The latest search of this experiment that did not finish and explores the same space."""
    root = experiment_root(experiment)
    if not root.is_dir():
        return None
    searches = search_dirs(root)
    if not searches or is_running(searches[-1]):
        return None
    latest = searches[-1]
    state = read_state(latest)
    same_space = state.get("fingerprint") == config_fingerprint(experiment)
    if state.get("status") == "finished" or not same_space:
        return None
    return SearchDir(latest, state)


def search_dirs(root: Path) -> list[Path]:
    """The searches under an experiment's root, oldest first."""
    return sorted(
        p for p in root.iterdir() if is_search_dir(p) and not p.name.startswith(TRAIN_PREFIX)
    )


def tracked_dirs(root: Path) -> list[Path]:
    """Every directory under an experiment's root that keeps tracking records: its searches
    and its training runs."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if is_search_dir(p))


def new_train_dir(experiment: Experiment, **state: Any) -> SearchDir:
    """A new directory for one `search train` run, its state saved (`kind: train`)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    train_dir = SearchDir(_unique_dir(experiment_root(experiment), f"{TRAIN_PREFIX}{stamp}"), {})
    train_dir.save(kind=TRAIN_KIND, status="running", stamp=stamp, **state)
    return train_dir


def read_state(path: Path) -> dict[str, Any]:
    """A search or training directory's state."""
    state: dict[str, Any] = json.loads((path / STATE).read_text())
    return state


def is_running(path: Path) -> bool:
    """Whether a live process holds this search directory (see `SearchDir.claim`)."""
    if not (path / LOCK).exists():
        return False
    with open(path / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def new_search_dir(experiment: Experiment) -> SearchDir:
    """A new search directory (unique even when two searches start the same second)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    search_dir = SearchDir(_unique_dir(experiment_root(experiment), stamp), {})
    search_dir.save(status="running", fingerprint=config_fingerprint(experiment), stamp=stamp)
    return search_dir


def _unique_dir(root: Path, name: str) -> Path:
    """`root/name`, made now; `name-2`, `-3`... when another process made it the same second."""
    root.mkdir(parents=True, exist_ok=True)
    path, suffix = root / name, 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:
            suffix += 1
            path = root / f"{name}-{suffix}"
