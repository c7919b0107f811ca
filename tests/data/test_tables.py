"""Tables read from real files (scikit-learn's wine and breast cancer written out as CSV and
Parquet, the penguins CSV): column kinds, splits, statistics from train only, class weights,
metrics usable as objectives, a model that takes raw rows."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from search.data.class_weights import balanced_weights
from search.data.loading import load_dataset
from search.data.splits import labels_of
from search.experiment import DatasetConfig
from search.tuning.metrics import build_metrics, extra_metric_names

PENGUINS = Path(__file__).resolve().parents[2] / "data" / "penguins" / "penguins.csv"


def _config(path: Path, label: str, **options: object) -> DatasetConfig:
    return DatasetConfig.model_validate(
        {"kind": "table", "path": str(path), "label": label, **options}
    )


@pytest.fixture(scope="module")
def wine_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """scikit-learn's wine table (178 rows, 13 numbers, 3 classes) as train.csv + test.csv."""
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    folder = tmp_path_factory.mktemp("wine")
    shuffled = frame.sample(frac=1.0, random_state=0)
    shuffled.iloc[:140].to_csv(folder / "train.csv", index=False)
    shuffled.iloc[140:].to_csv(folder / "test.csv", index=False)
    return folder / "train.csv", folder / "test.csv"


def test_penguins_columns_are_inferred_and_fitted_on_train_only() -> None:
    data = load_dataset(_config(PENGUINS, "species"))
    spec = data.spec
    columns = {c.name: c for c in spec.table.columns}
    assert spec.modality == "table" and spec.class_names == ("Adelie", "Chinstrap", "Gentoo")
    assert {n: c.kind for n, c in columns.items()} == {
        "island": "categorical", "bill_length_mm": "numeric", "bill_depth_mm": "numeric",
        "flipper_length_mm": "numeric", "body_mass_g": "numeric", "sex": "categorical",
        "year": "categorical",  # integers with 3 values
    }  # fmt: skip
    assert columns["year"].integer and columns["year"].vocabulary == ("2007", "2008", "2009")
    assert columns["sex"].vocabulary == ("female", "male")  # missing is not a category
    assert spec.split_sizes == {"train": 247, "validation": 28, "test": 69}  # 344 rows
    train = np.concatenate([x["body_mass_g"].numpy() for x, _ in data.train.batch(512)])
    everything = pd.read_csv(PENGUINS)["body_mass_g"]
    assert columns["body_mass_g"].mean == pytest.approx(np.nanmean(train))
    assert columns["body_mass_g"].mean != pytest.approx(everything.mean())  # train only
    assert columns["body_mass_g"].fill == columns["body_mass_g"].mean


def test_splits_are_stratified_by_class() -> None:
    data = load_dataset(_config(PENGUINS, "species"))
    shares = {
        role: np.bincount(labels_of(getattr(data, role)), minlength=3) / data.spec.split_sizes[role]
        for role in ("train", "validation", "test")
    }
    for role in ("validation", "test"):
        np.testing.assert_allclose(shares[role], shares["train"], atol=0.05)


def test_the_threshold_and_declared_kinds_decide_columns() -> None:
    declared = _config(
        PENGUINS, "species", categorical_max_distinct=2, columns={"body_mass_g": "categorical"}
    )
    columns = {c.name: c.kind for c in load_dataset(declared).spec.table.columns}
    assert columns["year"] == "numeric"  # 3 values > 2
    assert columns["body_mass_g"] == "categorical"


def test_wine_train_and_test_files_and_a_model_that_takes_raw_rows(wine_files) -> None:
    import keras_tuner as kt

    from search.tuning.hypermodel import SpaceHyperModel
    from spaces import SPACES

    train, test = wine_files
    data = load_dataset(_config(train, "target", test_path=str(test)))
    assert data.spec.split_sizes["test"] == 38 and data.spec.num_classes == 3
    assert all(c.kind == "numeric" for c in data.spec.table.columns)
    model = SpaceHyperModel(SPACES.get("tabular-mlp"), data.spec).build(kt.HyperParameters())
    rows = pd.read_csv(test).drop(columns="target").head(4)
    rows.loc[0, "alcohol"] = np.nan  # imputed inside the model
    assert np.isfinite(model.predict(rows, verbose=0)).all()


def test_breast_cancer_as_parquet_with_balanced_class_weights(tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    path = tmp_path / "cancer.parquet"
    load_breast_cancer(as_frame=True).frame.to_parquet(path)
    data = load_dataset(_config(path, "target"))
    weights = balanced_weights(data.train)
    counts = np.bincount(labels_of(data.train))
    assert data.spec.num_classes == 2 and len(data.spec.table.columns) == 30
    np.testing.assert_allclose(weights * counts, [counts.sum() / 2] * 2, rtol=1e-5)


@pytest.mark.parametrize("classes", [2, 3])
def test_auc_f1_precision_recall_take_class_ids(classes: int) -> None:
    labels = np.array([0, 1, 1, classes - 1])
    perfect = keras.ops.one_hot(labels, classes)
    for metric in build_metrics(("auc", "f1", "precision", "recall"), classes):
        metric.update_state(labels, perfect)
        assert float(metric.result()) == pytest.approx(1.0), metric.name


@pytest.mark.parametrize("classes", [2, 3])
def test_f1_precision_recall_are_scikit_learns(classes: int) -> None:
    from sklearn.metrics import f1_score, precision_score, recall_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, classes, 64)
    scores = rng.random((64, classes)).astype("float32")
    scores /= scores.sum(axis=1, keepdims=True)
    predicted = scores.argmax(axis=1) if classes > 2 else (scores[:, 1] > 0.5).astype(int)
    average = "macro" if classes > 2 else "binary"
    expected = {
        "f1": f1_score(labels, predicted, average=average),
        "precision": precision_score(labels, predicted, average=average),
        "recall": recall_score(labels, predicted, average=average),
    }
    for metric in build_metrics(("f1", "precision", "recall"), classes):
        metric.update_state(labels, scores)
        assert float(metric.result()) == pytest.approx(expected[metric.name], abs=1e-5)


def test_metric_names_follow_the_objective() -> None:
    from search.data.spec import DataSpec

    images = DataSpec("d", "1", "image", (8, 8, 1), 10, tuple("0123456789"))
    assert extra_metric_names("val_auc", images) == ("auc",)
    assert extra_metric_names("val_accuracy", images) == ()
    table = load_dataset(_config(PENGUINS, "species")).spec
    assert extra_metric_names("val_accuracy", table) == ("auc", "f1", "precision", "recall")


def test_many_categories_are_embedded_few_one_hot() -> None:
    from search.data.spec import TableColumn, TableEncoding
    from search.data.table_model import EMBEDDING_ABOVE, EMBEDDING_SIZE, TableModel, table_inputs

    many = tuple(f"city{i}" for i in range(EMBEDDING_ABOVE + 1))
    encoding = TableEncoding(
        (
            TableColumn("city", "categorical", vocabulary=many),
            TableColumn("colour", "categorical", vocabulary=("blue", "red")),
        ),
        label="y",
    )
    inputs, features = table_inputs(encoding)
    assert features.shape == (None, EMBEDDING_SIZE + 3)  # embedded; 2 colours + unknown
    model = TableModel(inputs, keras.layers.Dense(2, activation="softmax")(features))
    rows = pd.DataFrame({"city": ["city3", "nowhere", None], "colour": ["red", None, "blue"]})
    assert np.isfinite(model.predict(rows, verbose=0)).all()


def test_a_wide_table_is_identified_by_a_digest_of_its_columns() -> None:
    from search.data.spec import TableColumn, TableEncoding

    wide = TableEncoding(tuple(TableColumn(f"feature_{i}", "numeric") for i in range(300)), "y")
    described = wide.describe_columns()
    assert described.startswith("300 columns, sha256 ") and len(described) < 100
    assert TableEncoding(wide.columns[:2], "y").describe_columns() == (
        "feature_0:numeric,feature_1:numeric"
    )


def test_integer_categories_may_be_negative() -> None:
    from search.data.spec import TableColumn, TableEncoding
    from search.data.table_model import TableModel, table_inputs

    level = TableColumn("level", "categorical", integer=True, vocabulary=("-1", "0", "1"))
    inputs, features = table_inputs(TableEncoding((level,), "y"))
    model = TableModel(inputs, features)
    one_hot = model.predict(pd.DataFrame({"level": [-1, 1, np.nan, 7]}), verbose=0)
    assert one_hot.argmax(axis=1).tolist() == [1, 3, 0, 0]  # slot 0: missing or unseen
