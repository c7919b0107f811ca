"""After a real tiny search: the report on the parent run, names, descriptions, datasets,
and the progress lines, each checked against what MLflow recorded for the trials."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib.image import imread

from tests.conftest import TINY_EPOCHS, TINY_TRIALS

pytestmark = pytest.mark.slow

CHARTS = ("parallel_coordinates", "hyperparameter_importance", "learning_curves")


@pytest.fixture(scope="module")
def recorded(tiny_search, tmp_path_factory):
    """The parent run, its trial runs by trial id, and the parent's artifacts downloaded."""
    from mlflow.tracking import MlflowClient

    root, uri, result = tiny_search
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("image-cnn")
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.data.tags["search.kind"] == "search")
    trials = {r.data.tags["search.trial_id"]: r for r in runs if r is not parent}
    local = tmp_path_factory.mktemp("artifacts")
    client.download_artifacts(parent.info.run_id, "", str(local))
    return client, parent, trials, local, result


def test_each_chart_is_a_nonempty_png_logged_with_its_data(recorded) -> None:
    _, _, _, artifacts, _ = recorded
    for name in CHARTS:
        image = imread(artifacts / "report" / f"{name}.png")
        assert image.shape[0] > 200 and image.shape[1] > 300, name
        assert image.std() > 0.01, name  # something is drawn
        assert (artifacts / "report" / f"{name}.csv").stat().st_size > 0


def test_parallel_coordinates_have_one_point_per_trial_with_its_mlflow_score(recorded) -> None:
    _, _, trials, artifacts, _ = recorded
    data = pd.read_csv(artifacts / "report" / "parallel_coordinates.csv", dtype={"trial_id": str})
    assert sorted(data["trial_id"]) == sorted(trials) and len(data) == TINY_TRIALS
    for _, row in data.iterrows():
        run = trials[row["trial_id"]]
        assert row["val_accuracy"] == pytest.approx(run.data.metrics["score"])
        assert str(row["conv_blocks"]) == run.data.params["conv_blocks"]


def test_learning_curves_are_the_trials_epoch_metrics(recorded) -> None:
    client, _, trials, artifacts, _ = recorded
    data = pd.read_csv(artifacts / "report" / "learning_curves.csv", dtype={"trial_id": str})
    assert set(data["trial_id"]) == set(trials)  # top 5 of 3: every trial
    assert len(data) == TINY_TRIALS * TINY_EPOCHS * 2  # val_accuracy and accuracy
    for (trial_id, metric), curve in data.groupby(["trial_id", "metric"]):
        history = client.get_metric_history(trials[trial_id].info.run_id, metric)
        logged = {m.step: m.value for m in history}
        assert dict(zip(curve["epoch"], curve["value"], strict=True)) == pytest.approx(logged)


def test_importance_covers_the_hyperparameters_of_every_trial(recorded) -> None:
    _, _, trials, artifacts, _ = recorded
    data = pd.read_csv(artifacts / "report" / "hyperparameter_importance.csv")
    used = set().union(*(run.data.params for run in trials.values()))
    assert set(data["hyperparameter"]) == used
    assert set(data["trials"]) == {TINY_TRIALS}
    assert data["importance"].sum() == pytest.approx(1.0)


def test_trials_table_and_model_summary(recorded) -> None:
    _, parent, trials, artifacts, _ = recorded
    table = pd.read_csv(artifacts / "report" / "trials.csv", dtype={"trial_id": str})
    assert sorted(table["trial_id"]) == sorted(trials)
    assert set(table["status"]) == {"COMPLETED"} and set(table["epochs"]) == {TINY_EPOCHS}
    summary = (artifacts / "model_summary.txt").read_text()
    assert "Total params" in summary and "probabilities (Dense)" in summary


def test_run_names_descriptions_and_datasets_fill_the_mlflow_ui(recorded) -> None:
    _, parent, trials, _, _ = recorded
    for trial_id, run in trials.items():
        params = run.data.params
        expected = f"trial-{trial_id} conv_blocks={params['conv_blocks']} "
        expected += f"filters={params['conv_1/filters']} kernel_size={params['kernel_size']}"
        assert run.info.run_name == expected
        note = run.data.tags["mlflow.note.content"]
        assert f"normalization={params['normalization']}" in note
        assert f"Result: completed, score {run.data.metrics['score']:.4f}" in note
    note = parent.data.tags["mlflow.note.content"]
    assert note.startswith("Search **image-cnn**: space `image-cnn`, `random` tuner")
    assert f"**{TINY_TRIALS} trials completed**, 0 failed" in note
    for run in (parent, *trials.values()):
        inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
        assert set(inputs) == {f"sklearn_digits/{s}" for s in ("train", "validation", "test")}
        train = inputs["sklearn_digits/train"]
        assert [t.value for t in train.tags if t.key == "mlflow.data.context"] == ["train"]
        assert "sklearn_digits/1.0.0" in train.dataset.source


def test_progress_prints_one_line_per_trial_and_keeps_stdout_for_the_result(recorded) -> None:
    _, parent, trials, _, result = recorded
    lines = [line for line in result.stderr.splitlines() if line.startswith("trial ")]
    assert len(lines) == TINY_TRIALS
    for line in lines:
        trial_id = re.match(r"trial +(\S+)", line)[1]
        score = trials[trial_id].data.metrics["score"]
        assert f"val_accuracy={score:.4f}" in line and "best=" in line
    best = max(run.data.metrics["score"] for run in trials.values())
    assert f"{TINY_TRIALS} trials in " in result.stderr
    assert f"best val_accuracy {best:.4f}" in result.stderr
    assert result.stdout.startswith("experiment:        image-cnn\n")


def test_registered_version_says_which_search_it_came_from(recorded) -> None:
    client, parent, trials, _, _ = recorded
    version = client.get_model_version("image-cnn", "1")
    assert version.description.startswith(
        f"Best model of the search run `{parent.info.run_name}` ({parent.info.run_id})."
    )
    best = max(trials.values(), key=lambda run: run.data.metrics["score"])
    assert f"| {best.data.tags['search.trial_id']} | {best.data.metrics['score']:.4f} |" in (
        version.description
    )
    assert "@champion" in client.get_registered_model("image-cnn").description
