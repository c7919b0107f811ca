"""Experiment YAML reads numbers as people write them and refuses a key given twice."""

from __future__ import annotations

import pytest

from search.errors import ConfigError
from search.experiment import load_experiment
from search.yaml_loader import load_yaml


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e-3", 0.001),
        ("1E-3", 0.001),
        ("3e4", 30000.0),
        (".5", 0.5),
        ("1.0e12", 1.0e12),
        ("-2e-5", -2e-5),
        ("1.0e-3", 0.001),
        ("0.25", 0.25),
    ],
)
def test_numbers_read_as_floats(text: str, value: float) -> None:
    loaded = load_yaml(f"x: {text}", "t.yaml")["x"]
    assert isinstance(loaded, float) and loaded == value


@pytest.mark.parametrize(("text", "value"), [("3", 3), ("1_000", 1000), ("-7", -7)])
def test_integers_stay_integers(text: str, value: int) -> None:
    loaded = load_yaml(f"x: {text}", "t.yaml")["x"]
    assert isinstance(loaded, int) and loaded == value


@pytest.mark.parametrize("text", ["3.0.1", "'1e-3'", "e3", "1e", "image-cnn"])
def test_other_scalars_stay_strings(text: str) -> None:
    assert isinstance(load_yaml(f"x: {text}", "t.yaml")["x"], str)


def test_a_duplicate_key_names_the_key_and_both_lines() -> None:
    text = "name: a\ntuner:\n  kind: random\ntraining:\n  epochs: 1\ntuner:\n  kind: grid\n"
    with pytest.raises(ConfigError) as error:
        load_yaml(text, "exp.yaml")
    assert str(error.value) == "exp.yaml: duplicate key 'tuner' (lines 2 and 6): give each key once"


def test_a_nested_duplicate_key_is_refused_too() -> None:
    with pytest.raises(ConfigError, match=r"duplicate key 'epochs' \(lines 2 and 3\)"):
        load_yaml("training:\n  epochs: 1\n  epochs: 2\n", "exp.yaml")


def test_learning_rate_1e_3_reaches_the_experiment_as_a_float(tmp_path) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        "space:\n  name: image-cnn\n  hyperparameters:\n"
        "    learning_rate: 1e-3\n    dropout: [.1, 2e-1]\n"
    )
    overrides = load_experiment(str(path)).space.hyperparameters
    assert overrides["learning_rate"].fixed == 0.001
    assert overrides["dropout"].values == [0.1, 0.2]
