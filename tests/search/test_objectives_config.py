"""`tuner.objectives` and `tuner.champion`: several objectives keep a Pareto front, the first
is the learning objective, and bad combinations are refused before anything runs."""

from __future__ import annotations

import pytest

from search.errors import ConfigError
from search.experiment import validate_experiment

BASE = {"name": "t", "space": {"name": "image-cnn"}}


def _tuner(**tuner: object):  # noqa: ANN202
    return validate_experiment({**BASE, "tuner": tuner}, source="t.yaml").tuner


def test_the_first_objective_is_the_learning_objective_and_measures_are_minimized() -> None:
    tuner = _tuner(objectives=["val_accuracy", "latency_ms"])
    assert tuner.several
    assert (tuner.objective.name, tuner.objective.direction) == ("val_accuracy", "max")
    assert [(o.name, o.direction) for o in tuner.objectives] == [
        ("val_accuracy", "max"),
        ("latency_ms", "min"),
    ]
    assert tuner.champion.rule == "best"
    assert tuner.champion_by is not None and tuner.champion_by.name == "latency_ms"


def test_one_objective_keeps_the_single_objective_search() -> None:
    tuner = _tuner(objective="val_loss")
    assert not tuner.several
    assert [o.name for o in tuner.all_objectives] == ["val_loss"]


def test_cheapest_within_names_what_it_minimizes() -> None:
    tuner = _tuner(champion={"rule": "cheapest_within", "within": 0.01, "by": "params"})
    assert tuner.champion_by is not None
    assert (tuner.champion_by.name, tuner.champion_by.direction) == ("params", "min")


@pytest.mark.parametrize(
    ("tuner", "message"),
    [
        ({"objectives": ["val_accuracy"]}, "objectives needs two or more"),
        ({"objectives": ["val_accuracy", "val_accuracy"]}, "repeats a name"),
        ({"objectives": ["latency_ms", "val_accuracy"]}, "must be a metric training reports"),
        (
            {"objective": "val_loss", "objectives": ["val_accuracy", "params"]},
            "must be the first of objectives",
        ),
        ({"champion": "cheapest_within"}, "needs `by`"),
        ({"objectives": ["val_accuracy", "val_nonsense"]}, "val_nonsense"),
        ({"champion": "fastest"}, "champion"),
    ],
)
def test_bad_objectives_are_refused_with_one_line(tuner: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        validate_experiment({**BASE, "tuner": tuner}, source="t.yaml")
    assert "\n" not in str(error.value)
