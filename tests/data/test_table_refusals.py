"""Bad tables, as a user makes them: one `error:` line, exit 2, nothing written, nothing
trained. Each case starts from a good table and breaks one thing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import refused_search

GOOD = "size,colour,label\n1.5,red,a\n2.5,blue,b\n3.5,red,a\n4.5,blue,b\n5.5,red,a\n6.5,blue,b\n"


def _experiment(tmp_path: Path, **dataset: object) -> Path:
    path = tmp_path / "exp.yaml"
    data = {
        "output_dir": str(tmp_path / "runs"),
        "dataset": {"kind": "table", "label": "label", **dataset},
        "space": {"name": "tabular-mlp"},
        "tuner": {"kind": "random", "max_trials": 1},
        "training": {"epochs": 1},
    }
    path.write_text(yaml.safe_dump(data))
    return path


def _table(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_no_such_label_column(runner, tmp_path, monkeypatch) -> None:
    table = _table(tmp_path, GOOD)
    line = refused_search(
        runner, tmp_path, monkeypatch, _experiment(tmp_path, path=str(table), label="lable")
    )
    assert line == (
        f"error: {table}: no label column 'lable'; the columns are: size, colour, label. "
        "Did you mean: label?"
    )


def test_one_class_only(runner, tmp_path, monkeypatch) -> None:
    table = _table(tmp_path, GOOD.replace(",b\n", ",a\n"))
    line = refused_search(runner, tmp_path, monkeypatch, _experiment(tmp_path, path=str(table)))
    assert line == (
        f"error: {table}: label column 'label' has one class (only 'a'); "
        "a classifier needs at least two"
    )


def test_text_in_a_column_declared_numeric(runner, tmp_path, monkeypatch) -> None:
    table = _table(tmp_path, GOOD.replace("3.5,red", "3.5 cm,red"))
    path = _experiment(tmp_path, path=str(table), columns={"size": "numeric"})
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: {table}: column 'size' is numeric but holds text: '3.5 cm' (data row 3); "
        "fix the value, or declare the column categorical (dataset.columns)"
    )


@pytest.mark.parametrize("text", ["", "size,colour,label\n"], ids=["no bytes", "header only"])
def test_an_empty_file(runner, tmp_path, monkeypatch, text) -> None:
    table = _table(tmp_path, text)
    line = refused_search(runner, tmp_path, monkeypatch, _experiment(tmp_path, path=str(table)))
    reason = "the file is empty (no header, no rows)" if not text else "the table has no rows"
    assert line == f"error: {table}: {reason}"


def test_test_columns_that_differ_from_train(runner, tmp_path, monkeypatch) -> None:
    train = _table(tmp_path, GOOD)
    test = _table(tmp_path, GOOD.replace("colour", "color"), "test.csv")
    path = _experiment(tmp_path, path=str(train), test_path=str(test))
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert (
        line == f"error: {test}: the test columns differ from train (missing colour; extra color)"
    )


def test_a_table_without_label_is_refused_at_load(runner, tmp_path, monkeypatch) -> None:
    table = _table(tmp_path, GOOD)
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {"dataset": {"kind": "table", "path": str(table)}, "space": {"name": "tabular-mlp"}}
        )
    )
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert "kind 'table' needs `label`: the column to predict" in line


def test_a_test_label_train_never_saw(runner, tmp_path, monkeypatch) -> None:
    train = _table(tmp_path, GOOD)
    test = _table(tmp_path, GOOD.replace("5.5,red,a", "5.5,red,c"), "test.csv")
    path = _experiment(tmp_path, path=str(train), test_path=str(test))
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: {test}: label 'c' of column 'label' is not among the train split's classes (a, b)"
    )


def test_columns_naming_a_column_the_file_lacks(runner, tmp_path, monkeypatch) -> None:
    table = _table(tmp_path, GOOD)
    path = _experiment(tmp_path, path=str(table), columns={"color": "categorical"})
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert line == (
        f"error: dataset.columns names 'color', which {table} does not have; "
        "its columns are: size, colour"
    )


def test_table_options_on_another_kind_arerefused_search(runner, tmp_path, monkeypatch) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(
        yaml.safe_dump(
            {"dataset": {"name": "sklearn_digits", "label": "x"}, "space": {"name": "image-mlp"}}
        )
    )
    line = refused_search(runner, tmp_path, monkeypatch, path)
    assert "`label` is for kind table; set `kind: table`" in line
