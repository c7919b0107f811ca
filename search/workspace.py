"""Where a search keeps its keras-tuner project and its state, so an interrupted one resumes.

Layout: <output_dir>/<experiment>/<YYYYmmdd-HHMMSS>/{tuner/, state.json, best.yaml}, and
<output_dir>/<experiment>/best.yaml, a copy of the latest finished search's best config.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import ConfigError
from search.experiment import Experiment


def config_fingerprint(experiment: Experiment) -> str:
    """Identifies what a search explores; its budgets and tracking URI may change on resume."""
    data = experiment.model_dump(mode="json")
    data["tuner"].pop("max_trials")
    data["tuner"].pop("max_seconds")
    data["tracking"].pop("tracking_uri")
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class SearchDir:
    path: Path
    state: dict[str, Any]

    @property
    def tuner_dir(self) -> Path:
        return self.path / "tuner"

    @property
    def best_config(self) -> Path:
        return self.path / "best.yaml"

    def save(self, **changes: Any) -> None:
        self.state.update(changes)
        tmp = self.path / "state.json.tmp"
        tmp.write_text(json.dumps(self.state, indent=2))
        os.replace(tmp, self.path / "state.json")


def experiment_root(experiment: Experiment) -> Path:
    return Path(experiment.output_dir) / experiment.name


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
    searches = sorted(p for p in root.iterdir() if (p / "state.json").is_file())
    if not searches:
        return None
    latest = searches[-1]
    state = json.loads((latest / "state.json").read_text())
    same_space = state.get("fingerprint") == config_fingerprint(experiment)
    if state.get("status") == "finished" or not same_space:
        return None
    return SearchDir(latest, state)


def new_search_dir(experiment: Experiment) -> SearchDir:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = experiment_root(experiment) / stamp
    suffix = 1
    while path.exists():
        suffix += 1
        path = experiment_root(experiment) / f"{stamp}-{suffix}"
    path.mkdir(parents=True)
    search_dir = SearchDir(path, {})
    search_dir.save(status="running", fingerprint=config_fingerprint(experiment), stamp=stamp)
    return search_dir
