"""Experiment definitions: one YAML file each, validated into strict, frozen models."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from search.config_base import HyperparameterOverride, Strict, check_hard_limits
from search.constraints_config import ConstraintsConfig
from search.data_config import FeatureKeys, anchored_dataset
from search.errors import ConfigError, UnknownNameError
from search.objectives_config import ObjectivesFields
from search.recipe_config import AugmentConfig, RecipeConfig
from search.refit_config import RefitFields
from search.registry import unknown_name_message
from search.space_source import anchored
from search.speed.choice import default_batch_size
from search.stopping_config import EarlyStoppingConfig
from search.table_config import TableFields
from search.text_config import TextConfig
from search.tuning.task import TASKS, TaskName
from search.validation_errors import describe_validation_error
from search.yaml_loader import load_yaml

EXPERIMENTS_DIR = Path(__file__).resolve().parent.parent / "experiments"


DatasetKind = Literal["tfds", "image_folder", "text_folder", "table"]


class DatasetConfig(TableFields):
    """Where examples come from (a TFDS name, a folder of images or texts, a table file) and how
    they are split and preprocessed. Our TFDS builders are prepared offline; others download."""

    kind: DatasetKind = "tfds"
    name: str = "sklearn_digits"
    version: str | None = Field(None, description="TFDS version, e.g. 3.0.1; the latest if unset")
    path: str | None = Field(None, description="folder (or .tar of one) for the folder kinds")
    data_dir: str | None = Field(None, description="TFDS data directory; TFDS's default if unset")
    builder: str | None = Field(None, description="your own TFDS builder's folder (`tfds new`)")
    features: FeatureKeys | None = Field(None, description="input and label, if not supervised")
    train_split: str = "train"
    validation_split: str | None = Field(
        None, description="unset: the dataset's 'validation' split, else carved from train"
    )
    validation_fraction: float = Field(0.1, gt=0.0, lt=1.0)
    split_seed: int = 42
    test_split: str = "test"
    image_size: tuple[int, int] | None = Field(None, description="resize images to (height, width)")
    scaling: Literal["unit", "symmetric"] = "unit"
    augment: AugmentConfig = AugmentConfig()
    cache: Literal["auto", "memory", "file"] = "auto"
    channels: Literal[1, 3] | None = Field(
        None, description="image channels; unset: 1 when every image is grayscale, else 3"
    )
    skip_unreadable: bool = Field(
        False, description="folder kinds: leave out files that cannot be read (else refuse)"
    )

    @field_validator("image_size")
    @classmethod
    def _positive_size(cls, size: tuple[int, int] | None) -> tuple[int, int] | None:
        if size is not None and min(size) < 1:
            raise ValueError(f"image_size must be positive, but got {list(size)}")
        return size

    @model_validator(mode="after")
    def _path_for_folders(self) -> DatasetConfig:
        if self.kind != "tfds" and not self.path:
            raise ValueError(f"kind '{self.kind}' needs `path` (a folder, or a table's file)")
        self.check_table_fields(self.kind, self.path)
        if self.builder and self.kind != "tfds":
            raise ValueError(f"`builder` is a TFDS dataset of your own, not kind '{self.kind}'")
        if self.kind == "tfds" and self.path:
            raise ValueError("`path` is for kind image_folder or text_folder; set `kind`")
        if self.kind == "tfds" and self.skip_unreadable:
            raise ValueError("`skip_unreadable` is for kind image_folder or text_folder")
        if self.kind == "text_folder" and self.channels:
            raise ValueError("`channels` is for images; this dataset holds text")
        return self


class SpaceConfig(Strict):
    """A registered space by `name`, one written here as `blocks` (see spaces/recipe.py), or
    the user's own Python: a `module` that registers spaces, or a keras-tuner `function`."""

    name: str
    module: str | None = Field(None, description="a .py file or module that registers `name`")
    function: str | None = Field(None, description="FILE_OR_MODULE:build_model, compiled")
    digest: str | None = Field(None, description="sha256 of the module's source, recorded")
    hyperparameters: dict[str, HyperparameterOverride] = Field(default_factory=dict)
    blocks: list[Any] | None = Field(
        None, description="a space composed of layer-pattern blocks; `name` then only names it"
    )

    @model_validator(mode="before")
    @classmethod
    def _name_for_blocks(cls, data: Any) -> Any:
        """A space written as blocks may go unnamed (`blocks`), a function is named after it."""
        if isinstance(data, dict) and data.get("blocks") is not None and "name" not in data:
            return {**data, "name": "blocks"}
        if isinstance(data, dict) and isinstance(data.get("function"), str) and "name" not in data:
            return {**data, "name": data["function"].rpartition(":")[2].replace("_", "-")}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> SpaceConfig:
        given = [k for k in ("blocks", "module", "function") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(f"give one of blocks, module or function, got {' and '.join(given)}")
        return self

    @field_validator("hyperparameters")
    @classmethod
    def _within_hard_limits(
        cls, overrides: dict[str, HyperparameterOverride]
    ) -> dict[str, HyperparameterOverride]:
        for name, override in overrides.items():
            check_hard_limits(name, override)
        return overrides


class TunerConfig(RefitFields, ObjectivesFields):
    kind: str = "bayesian"
    max_trials: int = Field(10, ge=1)
    seed: int = 42
    executions_per_trial: int = Field(1, ge=1)
    max_retries_per_trial: int = Field(0, ge=0)
    max_consecutive_failed_trials: int = Field(3, ge=1)
    hyperband_factor: int = Field(3, ge=2)
    max_seconds: float | None = Field(
        None, gt=0, description="wall-clock budget of the whole command, data preparation included"
    )
    early_stopping: EarlyStoppingConfig = EarlyStoppingConfig()
    workers: int = Field(
        0, ge=0, description="worker processes training trials in parallel (0: this process)"
    )
    trials_per_worker: int | None = Field(
        None,
        ge=1,
        description="a worker process is replaced by a fresh one after this many trials "
        "(memory stays flat over long searches)",
    )
    constraints: ConstraintsConfig = ConstraintsConfig()


class TrainingConfig(Strict):
    epochs: int = Field(20, ge=1)
    batch_size: int = Field(default_factory=default_batch_size, ge=1)  # measured per machine
    early_stopping_patience: int | None = Field(None, ge=1)
    class_weight: Literal["balanced"] | None = Field(None, description="weigh rare classes up")
    loss: str | None = Field(None, description="unset: the task's; regression: mse, mae, huber")
    recipe: RecipeConfig = RecipeConfig()
    deterministic: bool = Field(
        False, description="the same seed gives the same trials and scores (slower ops)"
    )
    distribution_strategy: Literal["none", "mirrored"] = Field(
        "none",
        description="mirrored: each trial trains on every local GPU (tf.distribute); "
        "with workers, on every GPU its worker sees",
    )


class TrackingConfig(Strict):
    tracking_uri: str | None = None
    experiment_name: str | None = None
    registered_model_name: str | None = None


class Experiment(Strict):
    """A whole search: what data, which space, how to tune and train, where to track."""

    name: str
    description: str = ""
    task: TaskName = Field(
        "classification", description="decides the model's head, loss, metrics and objective"
    )
    dataset: DatasetConfig = DatasetConfig()
    space: SpaceConfig
    tuner: TunerConfig = TunerConfig()
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    text: TextConfig = TextConfig()
    tracking: TrackingConfig = TrackingConfig()
    output_dir: str = "search-runs"

    @model_validator(mode="before")
    @classmethod
    def _task_objective(cls, data: Any) -> Any:
        """Without `tuner.objective`, the search optimises the task's default objective (an
        unset task is settled from the label later: search.tuning.inferred_task)."""
        if not isinstance(data, dict) or data.get("task") not in TASKS:
            return data
        tuner = data.get("tuner", {})
        if isinstance(tuner, dict) and "objective" not in tuner and not tuner.get("objectives"):
            default = TASKS.get(data["task"]).default_objective()
            data = {**data, "tuner": {**tuner, "objective": default}}
        return data

    @field_validator("name")
    @classmethod
    def _name_is_simple(cls, name: str) -> str:
        if not name or any(c in name for c in "/\\ "):
            raise ValueError(f"must be a non-empty name without slashes or spaces, got {name!r}")
        return name

    @property
    def mlflow_experiment(self) -> str:
        return self.tracking.experiment_name or self.name

    @property
    def registered_model(self) -> str:
        return self.tracking.registered_model_name or self.name

    def with_overrides(self, **changes: Any) -> Experiment:
        """A copy with dotted-path changes (`tuner.max_trials=3`), validated again."""
        data = self.model_dump(mode="json", exclude_none=False)
        if "task" not in self.model_fields_set:  # still to be inferred from the label
            del data["task"]
            if "objective" not in self.tuner.model_fields_set:
                del data["tuner"]["objective"]
        for dotted, value in changes.items():
            if value is None:
                continue
            *parents, leaf = dotted.split(".")
            node = data
            for part in parents:
                node = node[part]
            node[leaf] = value
        return validate_experiment(data, source="command line")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)


def available_experiments() -> dict[str, Path]:
    """Experiment names found in ./experiments and in the installed project's experiments/."""
    found: dict[str, Path] = {}
    for folder in (EXPERIMENTS_DIR, Path.cwd() / "experiments"):
        if folder.is_dir():
            found.update({p.stem: p for p in sorted(folder.glob("*.yaml"))})
    return found


def resolve_experiment_path(name_or_path: str) -> Path:
    """A YAML path as given, or the file of a named experiment."""
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        path = Path(name_or_path)
        if not path.is_file():
            raise ConfigError(f"experiment file not found: {path}")
        return path
    known = available_experiments()
    if name_or_path not in known:
        raise UnknownNameError(unknown_name_message("experiment", name_or_path, list(known)))
    return known[name_or_path]


def load_experiment(name_or_path: str) -> Experiment:
    """Reads and validates an experiment by name or path; every problem is a ConfigError."""
    path = resolve_experiment_path(name_or_path)
    data = load_yaml(path.read_text(), source=str(path))
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: an experiment must be a YAML mapping, got {type(data).__name__}"
        )
    data.setdefault("name", path.stem)
    data["space"] = anchored(data.get("space"), path.parent)
    if "dataset" in data:
        data["dataset"] = anchored_dataset(data["dataset"], path.parent)
    return validate_experiment(data, source=str(path))


def validate_experiment(data: dict[str, Any], source: str) -> Experiment:
    try:
        experiment = Experiment.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{source}: {describe_validation_error(error, Experiment)}") from None
    task = TASKS.get(experiment.task)
    try:  # the loss and objective must be the task's (a compiled model reports its own)
        task.loss(experiment.training.loss)
        if experiment.space.function is None:
            for objective in experiment.tuner.all_objectives:
                if not objective.measured:
                    task.check_objective(objective.name)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    return experiment
