from __future__ import annotations

from pathlib import Path

import pytest

from search.errors import ConfigError
from search.experiment import (
    Experiment,
    HyperparameterOverride,
    available_experiments,
    load_experiment,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "path", sorted((REPO / "experiments").glob("*.yaml")), ids=lambda p: p.stem
)
def test_every_shipped_experiment_validates(path: Path) -> None:
    experiment = load_experiment(str(path))
    assert experiment.name == path.stem


def test_experiments_are_found_by_name() -> None:
    assert "image-cnn" in available_experiments()
    assert load_experiment("image-cnn").space.name == "image-cnn"


def test_unknown_experiment_lists_the_known_ones() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown experiment 'image-cn'\. Did you mean 'image-cnn'\?"
    ):
        load_experiment("image-cn")


def test_unknown_key_names_the_key_and_suggests(write_experiment) -> None:
    path = write_experiment({"space": {"name": "image-cnn"}, "tuner": {"max_trails": 3}})
    with pytest.raises(ConfigError) as error:
        load_experiment(str(path))
    assert str(error.value) == f"{path}: unknown key 'tuner.max_trails'; did you mean 'max_trials'?"


def test_wrong_type_names_the_field_and_value(write_experiment) -> None:
    path = write_experiment({"space": {"name": "image-cnn"}, "training": {"epochs": "many"}})
    with pytest.raises(
        ConfigError, match=r"training\.epochs: Input should be a valid integer.*'many'"
    ):
        load_experiment(str(path))


def test_malformed_yaml_reports_the_line(write_experiment) -> None:
    path = write_experiment("space:\n  name: [image-cnn\n", name="broken")
    with pytest.raises(ConfigError, match=r"malformed YAML \(line \d+, column \d+\)"):
        load_experiment(str(path))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"min": 5, "max": 1}, r"`min <= max` must hold, but got \(min=5.0, max=1.0\)"),
        ({"min": 0, "max": 1, "sampling": "log"}, "log sampling needs `min > 0`"),
        ({"fixed": 1, "values": [1, 2]}, "exactly one of"),
        ({"values": []}, "must not be empty"),
        ({"min": 1}, "both `min` and `max`"),
    ],
)
def test_invalid_hyperparameter_ranges(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HyperparameterOverride.model_validate(raw)


def test_hyperparameter_shorthands() -> None:
    assert HyperparameterOverride.model_validate(64).fixed == 64
    assert HyperparameterOverride.model_validate(False).fixed is False
    assert HyperparameterOverride.model_validate(["batch", "none"]).values == ["batch", "none"]


def test_overrides_are_validated_again() -> None:
    experiment = load_experiment("image-cnn")
    assert experiment.with_overrides(**{"tuner.max_trials": 2}).tuner.max_trials == 2
    with pytest.raises(
        ConfigError, match="training.epochs: Input should be greater than or equal to 1"
    ):
        experiment.with_overrides(**{"training.epochs": 0})


def test_experiments_are_frozen() -> None:
    experiment = Experiment.model_validate({"name": "x", "space": {"name": "image-cnn"}})
    with pytest.raises(ValueError):
        experiment.name = "y"  # type: ignore[misc]


def test_the_task_gives_the_default_objective_unless_one_is_named() -> None:
    plain = Experiment.model_validate({"name": "x", "space": {"name": "image-cnn"}})
    assert plain.task == "classification"
    assert (plain.tuner.objective.name, plain.tuner.objective.direction) == ("val_accuracy", "max")
    named = Experiment.model_validate(
        {"name": "x", "space": {"name": "image-cnn"}, "tuner": {"objective": "val_loss"}}
    )
    assert (named.tuner.objective.name, named.tuner.objective.direction) == ("val_loss", "min")


def test_an_unknown_task_is_refused_with_the_valid_one(write_experiment) -> None:
    path = write_experiment({"space": {"name": "image-cnn"}, "task": "regresion"})
    with pytest.raises(ConfigError, match=r"task: Input should be 'classification'"):
        load_experiment(str(path))
