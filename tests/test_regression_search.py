"""Regression on a TFDS dataset of the user's own: `search run` on a builder written outside
the project (scikit-learn's diabetes table) while no socket can open; test MAE, RMSE and R²
on the parent run; the best is the lowest val_loss everywhere; refusals before training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from search.cli import main
from tests.conftest import files_under
from tests.own_builder import block_sockets, write_builder

pytestmark = pytest.mark.slow

TRIALS, EPOCHS = 2, 3
SEARCH = {
    "task": "regression",
    "space": {"name": "vector-mlp"},
    "tuner": {"kind": "random", "max_trials": TRIALS},
    "training": {"epochs": EPOCHS, "batch_size": 32},
}


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the project with the diabetes builder and its TFDS data directory."""
    from search.data.own_builder import open_own_builder

    root = tmp_path_factory.mktemp("own-data")
    open_own_builder(str(write_builder(root)), str(root / "tfds"), None)  # prepared offline
    return root


def _write(folder: Path, **changes: object) -> Path:
    data = {
        "dataset": {"builder": "./diabetes/", "data_dir": str(folder / "tfds")},
        **SEARCH,
        **changes,
    }
    path = folder / "diabetes.yaml"
    path.write_text(yaml.safe_dump({"output_dir": str(folder / "runs"), **data}))
    return path


@pytest.fixture(scope="module")
def searched(own: Path):
    """The finished search: (folder, tracking URI, CLI result)."""
    from click.testing import CliRunner

    uri = f"sqlite:///{own / 'mlflow.db'}"
    with pytest.MonkeyPatch.context() as patch:
        block_sockets(patch)
        patch.chdir(own)
        result = CliRunner().invoke(main, ["run", str(_write(own)), "--tracking-uri", uri])
    assert result.exit_code == 0, result.output
    return own, uri, result


def _parent(uri: str):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("diabetes")
    return client.search_runs(
        [experiment.experiment_id], filter_string="tags.`search.kind` = 'search'"
    )[0]


def _test_split(folder: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """Test inputs and labels, and the train split's mean label."""
    import tensorflow_datasets as tfds

    from search.data.own_builder import builder_class

    cls = builder_class(folder / "diabetes" / "diabetes_dataset_builder.py")
    builder = cls(data_dir=str(folder / "tfds"))
    test = tfds.as_numpy(builder.as_dataset(split="test", as_supervised=True, batch_size=-1))
    train = tfds.as_numpy(builder.as_dataset(split="train", as_supervised=True, batch_size=-1))
    return test[0], test[1], float(train[1].mean())


def test_the_parent_run_has_test_mae_rmse_and_r2_and_the_champion_predicts_them(
    searched,
) -> None:
    import mlflow

    folder, uri, result = searched
    parent = _parent(uri)
    metrics, params, tags = parent.data.metrics, parent.data.params, parent.data.tags
    assert {"test_loss", "test_mae", "test_rmse", "test_r2"} <= set(metrics)
    assert (params["tuner.objective.name"], params["tuner.objective.direction"]) == (
        "val_loss",
        "min",
    )
    assert params["data.label_kind"] == "number" and params["data.modality"] == "vector"
    assert tags["search.data_builder"] == str(folder / "diabetes")
    assert (tags["search.data_name"], tags["search.data_version"]) == ("diabetes", "1.0.0")
    assert tags["search.data_builder_digest"] == params["data.builder_digest"]
    inputs = {d.dataset.name: d.dataset.source for d in parent.inputs.dataset_inputs}
    assert set(inputs) == {"diabetes/train", "diabetes/validation", "diabetes/test"}
    assert str(folder / "tfds" / "diabetes" / "1.0.0") in inputs["diabetes/train"]
    assert "best val_loss:" in result.stdout and "r2=" in result.stdout
    note = tags["mlflow.note.content"]
    assert (
        f"on the TFDS builder `{folder / 'diabetes'}`, minimizing `val_loss` (regression)" in note
    )

    x, y, train_mean = _test_split(folder)
    mlflow.set_tracking_uri(uri)
    champion = mlflow.pyfunc.load_model("models:/diabetes@champion")
    predicted = np.asarray(champion.predict(x)).reshape(-1)
    r2 = 1 - ((y - predicted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert r2 == pytest.approx(metrics["test_r2"], abs=1e-3)
    assert np.abs(y - predicted).mean() == pytest.approx(metrics["test_mae"], rel=1e-3)
    baseline_r2 = 1 - ((y - train_mean) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    print(  # the numbers the issue asks for, next to predicting the train mean
        f"\ntest R2 {metrics['test_r2']:.3f} MAE {metrics['test_mae']:.1f}; train mean: "
        f"R2 {baseline_r2:.3f} MAE {np.abs(y - train_mean).mean():.1f}"
    )
    assert metrics["test_r2"] > baseline_r2


def test_every_trial_logs_mae_rmse_and_r2_per_epoch(searched) -> None:
    from mlflow.tracking import MlflowClient

    _, uri, _ = searched
    client = MlflowClient(tracking_uri=uri)
    parent = _parent(uri)
    trials = client.search_runs(
        [parent.info.experiment_id], filter_string="tags.`search.kind` = 'trial'"
    )
    assert len(trials) == TRIALS
    for trial in trials:
        for name in ("val_loss", "val_mae", "val_rmse", "val_r2", "mae"):
            history = client.get_metric_history(trial.info.run_id, name)
            assert sorted(m.step for m in history) == list(range(EPOCHS)), name


def test_the_report_ranks_the_lowest_val_loss_first(searched) -> None:
    folder, _, _ = searched
    (search_dir,) = [p for p in (folder / "runs" / "diabetes").iterdir() if p.is_dir()]
    rows = [
        line
        for line in (search_dir / "report" / "summary.md").read_text().splitlines()
        if line.startswith("| ") and not line.startswith("| trial")
    ]
    scores = [float(row.split("|")[2]) for row in rows]
    assert len(scores) == TRIALS and scores == sorted(scores)
    trials = json.loads((search_dir / "state.json").read_text())
    assert trials["status"] == "finished"


def test_a_changed_builder_is_refused_when_the_search_resumes(searched, runner) -> None:
    folder, uri, _ = searched
    (search_dir,) = [p for p in (folder / "runs" / "diabetes").iterdir() if p.is_dir()]
    state = json.loads((search_dir / "state.json").read_text())
    (search_dir / "state.json").write_text(json.dumps({**state, "status": "interrupted"}))
    write_builder(folder, version="1.0.1")
    try:
        result = runner.invoke(main, ["run", str(_write(folder)), "--tracking-uri", uri])
    finally:
        write_builder(folder)
    assert result.exit_code == 2, result.output
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("error: dataset diabetes 1.0.1 (builder sha256 ")
    )
    assert "is not the one this search ran on (diabetes 1.0.0, sha256 " in result.stderr


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"task": "classification"},
            "error: dataset 'diabetes' has numbers as labels, but the task is classification: "
            "set `task: regression` (and an objective it reports)",
        ),
        (
            {"tuner": {"kind": "random", "objective": "val_accuracy"}},
            "diabetes.yaml: tuner.objective 'val_accuracy' is not reported by a regression task; "
            "choose between val_loss, val_mae, val_rmse, val_r2",
        ),
    ],
)
def test_a_regression_label_with_a_classification_objective_is_refused_before_training(
    own: Path, tmp_path: Path, runner, monkeypatch, changes, message
) -> None:
    write_builder(tmp_path)
    (tmp_path / "tfds").symlink_to(own / "tfds")  # prepared already: nothing written here
    path = _write(tmp_path, **changes)
    monkeypatch.chdir(tmp_path)
    before = files_under(tmp_path)
    result = runner.invoke(main, ["run", str(path)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith(message)
    assert files_under(tmp_path) == before


def test_the_dry_run_plan_names_the_task_and_its_loss(own: Path, tmp_path: Path, runner) -> None:
    write_builder(tmp_path)
    (tmp_path / "tfds").symlink_to(own / "tfds")
    path = _write(tmp_path, training={"epochs": 1, "loss": "huber"})
    result = runner.invoke(main, ["run", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "objective:   min val_loss (regression, loss huber)" in result.stdout.splitlines()


def test_a_builder_with_a_numeric_label_is_a_regression_without_task(
    own: Path, tmp_path: Path, runner
) -> None:
    write_builder(tmp_path)
    (tmp_path / "tfds").symlink_to(own / "tfds")
    path = _write(tmp_path)
    data = yaml.safe_load(path.read_text())
    del data["task"]
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(main, ["run", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "objective:   min val_loss (regression, loss mse)" in result.stdout.splitlines()
    assert "inferred from the numeric label 'progression'" in " ".join(result.stderr.split())
