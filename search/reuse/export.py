"""Writes a source's fixed configuration as an experiment file that `search run` takes as is."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from search.errors import ConfigError
from search.experiment import Experiment, load_experiment
from search.reuse.sources import Source


def exported_experiment(source: Source, name: str) -> Experiment:
    """The source's experiment renamed, with a description that says where it came from."""
    described = f"Best configuration of {source.experiment.name.removesuffix('-best')}"
    if source.run_id:
        described += f" ({source.describe()})"
    return source.experiment.with_overrides(name=name, description=described)


def experiment_yaml(experiment: Experiment) -> str:
    """The experiment without unset fields, each hyperparameter as its bare fixed value."""
    data = experiment.model_dump(mode="json", exclude_none=True)
    hyperparameters = data["space"]["hyperparameters"]
    for name, override in hyperparameters.items():
        hyperparameters[name] = override["fixed"]
    return yaml.safe_dump(data, sort_keys=False)


def export_source(
    source: Source, path: Path, name: str | None = None, force: bool = False
) -> Experiment:
    """Writes the experiment to `path` only once it has loaded back as a valid experiment."""
    if path.suffix not in (".yaml", ".yml"):
        raise ConfigError(f"export file must end in .yaml or .yml, got {path}")
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise ConfigError(f"directory {path.parent} does not exist")
    experiment = exported_experiment(source, name or path.stem)
    header = f"# Written by `search export` from {source.reference}; every hyperparameter fixed.\n"
    tmp = path.with_name(f".{path.stem}.partial{path.suffix}")
    tmp.write_text(header + experiment_yaml(experiment))
    try:
        loaded = load_experiment(str(tmp))
        if loaded != experiment:
            raise ConfigError(f"{path}: the exported experiment does not load back unchanged")
    except BaseException:
        tmp.unlink()
        raise
    os.replace(tmp, path)
    return loaded
