"""A real table (Palmer penguins: numeric and categorical columns, missing values) searched
end to end, then its champion predicts species from raw rows through `mlflow.pyfunc`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from search.cli import main

pytestmark = pytest.mark.slow

PENGUINS = Path(__file__).resolve().parents[1] / "data" / "penguins" / "penguins.csv"
SPECIES = ["Adelie", "Chinstrap", "Gentoo"]


@pytest.fixture(scope="module")
def penguin_search(tmp_path_factory: pytest.TempPathFactory):
    """1 random trial x 1 epoch on the penguins, AUC as objective, balanced class weights."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("penguins")
    experiment = {
        "name": "penguins",
        "output_dir": str(root / "runs"),
        "dataset": {"kind": "table", "path": str(PENGUINS), "label": "species"},
        "space": {"name": "tabular-mlp"},
        "tuner": {"kind": "random", "max_trials": 1, "objective": "val_auc"},
        "training": {"epochs": 1, "batch_size": 32, "class_weight": "balanced"},
    }
    path = root / "penguins.yaml"
    path.write_text(yaml.safe_dump(experiment))
    uri = f"sqlite:///{root / 'mlflow.db'}"
    result = CliRunner().invoke(main, ["run", str(path), "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    return uri, result


def test_the_search_reports_auc_f1_precision_recall(penguin_search) -> None:
    _, result = penguin_search
    assert re.search(r"^best val_auc: [01]\.\d{4}$", result.stdout, re.MULTILINE)
    for name in ("accuracy", "auc", "f1", "precision", "recall"):
        assert f"{name}=" in result.stdout


def test_the_champion_predicts_from_a_dataframe_of_raw_rows(penguin_search) -> None:
    import mlflow

    uri, _ = penguin_search
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model("models:/penguins@champion")
    columns = [c.name for c in model.metadata.get_input_schema().inputs]
    assert columns == [
        "island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
        "sex", "year",
    ]  # fmt: skip
    rows = pd.read_csv(PENGUINS)
    raw = rows[rows.isna().any(axis=1)].drop(columns="species")  # missing numbers and sexes
    raw = pd.concat([raw, rows.drop(columns="species").head(3)]).reset_index(drop=True)
    assert raw.isna().any().any()
    probabilities = np.asarray(model.predict(raw))
    assert probabilities.shape == (len(raw), len(SPECIES))
    assert np.isfinite(probabilities).all()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-4)


def test_the_champion_names_what_it_needs_to_run(penguin_search) -> None:
    import mlflow

    uri, _ = penguin_search
    mlflow.set_tracking_uri(uri)
    requirements = mlflow.pyfunc.get_model_dependencies("models:/penguins@champion")
    names = {line.split("==")[0] for line in Path(requirements).read_text().splitlines()}
    assert {"mlflow", "keras", "pandas"} <= names
    assert names & {"tensorflow", "tensorflow-cpu"}


def test_the_parent_run_records_the_table(penguin_search) -> None:
    from mlflow.tracking import MlflowClient

    uri, _ = penguin_search
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("penguins")
    parent = client.search_runs(
        [experiment.experiment_id], filter_string="tags.`search.kind` = 'search'"
    )[0]
    params = parent.data.params
    assert params["data.modality"] == "table" and params["data.label"] == "species"
    assert "island:categorical" in params["data.columns"]
    assert "body_mass_g:numeric" in params["data.columns"]
    assert "year:categorical" in params["data.columns"]  # 3 distinct integers
    assert "test_auc" in parent.data.metrics
