"""A table's label as a regression target: when it is a number, what the splits hold, and the
refusals (one `error:` line, exit 2, nothing written) that only a regression has."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from search.cli import main
from search.data.table_loading import load_table
from search.data.tables import label_kind
from search.experiment import DatasetConfig, validate_experiment
from tests.conftest import refused_search

ROWS = 40
PRICE = [f"{10 + 0.5 * i:.1f}" for i in range(ROWS)]  # fractions: a regression
TABLE = "size,colour,price\n" + "".join(
    f"{i % 7},{'red' if i % 2 else 'blue'},{p}\n" for i, p in enumerate(PRICE)
)


def _experiment(tmp_path: Path, table: str = TABLE, **top: object) -> Path:
    (tmp_path / "data.csv").write_text(table)
    path = tmp_path / "exp.yaml"
    data = {
        "output_dir": str(tmp_path / "runs"),
        "dataset": {"kind": "table", "path": str(tmp_path / "data.csv"), "label": "price"},
        "space": {"name": "tabular-mlp"},
        "tuner": {"kind": "random", "max_trials": 1},
        "training": {"epochs": 1},
        **top,
    }
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(
    ("values", "task", "kind"),
    [
        ([1.5, 2.25, 3.0], None, "number"),  # fractions
        (list(range(30)), None, "number"),  # more whole numbers than a category has
        ([0, 1, 2, 1, 0], None, "class"),  # few whole numbers: classes
        ([1.0, 2.0, np.nan, 1.0], None, "class"),  # whole numbers read as floats (a gap)
        (["a", "b"], None, "class"),
        (list(range(30)), "classification", "class"),  # asked for
        ([0, 1, 0], "regression", "number"),  # asked for
        ([1.5, 2.5], "classification", "number"),  # kept, for the task to refuse with a hint
    ],
)
def test_what_a_label_column_holds(values, task, kind) -> None:
    assert label_kind(pd.Series(values, name="y"), task, 20) == kind


def test_a_regression_table_has_number_targets_and_train_statistics(tmp_path) -> None:
    table = TABLE + "3,red,\n"  # a row without a label is left out
    (tmp_path / "data.csv").write_text(table)
    config = DatasetConfig(kind="table", path=str(tmp_path / "data.csv"), label="price")
    data = load_table(config, "regression")
    spec = data.spec
    assert (spec.label_kind, spec.num_classes, spec.class_names) == ("number", 0, ())
    assert sum(spec.split_sizes.values()) == ROWS
    train = np.array([float(y) for _, y in data.train])
    assert spec.label_mean == pytest.approx(train.mean()) and spec.label_std > 0
    every = sorted(float(y) for part in (data.train, data.validation, data.test) for _, y in part)
    assert every == sorted(map(float, PRICE))  # the values themselves, in the label's units
    assert "random" in data.validation_source


def test_an_unset_task_stays_unset_through_overrides() -> None:
    experiment = validate_experiment({"name": "x", "space": {"name": "tabular-mlp"}}, "t")
    changed = experiment.with_overrides(**{"tuner.max_trials": 3})
    assert "task" not in changed.model_fields_set
    assert "objective" not in changed.tuner.model_fields_set


def test_the_dry_run_plan_names_the_inferred_task(runner, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["run", str(_experiment(tmp_path)), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "objective:   min val_loss (regression, loss mse)" in result.stdout.splitlines()
    assert (
        "task: regression, inferred from the numeric label 'price' (objective min val_loss); "
        "set `task:` to choose"
    ) in " ".join(result.stderr.split())  # the log wraps long lines


def test_class_weights_in_a_regression(runner, tmp_path, monkeypatch) -> None:
    path = _experiment(
        tmp_path, task="regression", training={"epochs": 1, "class_weight": "balanced"}
    )
    assert refused_search(runner, tmp_path, monkeypatch, path) == (
        "error: training.class_weight weighs classes, and a regression has none: remove it"
    )


def test_a_numeric_label_in_a_classification_set_explicitly(runner, tmp_path, monkeypatch):
    path = _experiment(tmp_path, task="classification")
    assert refused_search(runner, tmp_path, monkeypatch, path) == (
        "error: dataset 'data' has numbers as labels, but the task is classification: "
        "set `task: regression` (and an objective it reports)"
    )


def test_a_numeric_label_with_a_classification_objective(runner, tmp_path, monkeypatch):
    path = _experiment(tmp_path, tuner={"kind": "random", "objective": "val_accuracy"})
    assert refused_search(runner, tmp_path, monkeypatch, path) == (
        "error: label 'price' is numeric: tuner.objective 'val_accuracy' is not reported by a "
        "regression task; choose between val_loss, val_mae, val_rmse, val_r2 "
        "(or set `task: classification`)"
    )


def test_text_in_a_regression_label(runner, tmp_path, monkeypatch) -> None:
    path = _experiment(tmp_path, TABLE + "3,red,cheap\n", task="regression")
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert line.startswith("error: ")
    assert "label column 'price' of a regression holds text: " in line
    assert "'cheap' (data row 41); a regression predicts numbers" in line
