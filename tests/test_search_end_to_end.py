"""A real search (real TFDS data, real keras-tuner, real SQLite MLflow store), then its records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from search.experiment import load_experiment
from tests.conftest import TINY_EPOCHS, TINY_TRIALS

pytestmark = pytest.mark.slow

EPOCHS, TRIALS = TINY_EPOCHS, TINY_TRIALS


@pytest.fixture(scope="module")
def finished_search(tiny_search):
    """The session's tiny search (digits, random tuner): (root, tracking URI, CLI result)."""
    return tiny_search


def _client(uri):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _runs(uri, kind):
    client = _client(uri)
    experiment = client.get_experiment_by_name("image-cnn")
    return client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`search.kind` = '{kind}'"
    )


def test_stdout_reports_the_result(finished_search) -> None:
    root, uri, result = finished_search
    parent = _runs(uri, "search")[0]
    out = result.stdout
    assert f"parent run id:     {parent.info.run_id}" in out
    assert "registered model:  models:/image-cnn@champion (version 1)" in out
    assert f"MLflow UI:         mlflow ui --backend-store-uri {uri}" in out
    assert "best val_accuracy: 0." in out and "test metrics:      accuracy=" in out


def test_one_parent_and_one_child_per_trial(finished_search) -> None:
    root, uri, _ = finished_search
    parents, children = _runs(uri, "search"), _runs(uri, "trial")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert len(children) == TRIALS
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert all(
        c.info.status == "FINISHED" and c.data.tags["search.status"] == "COMPLETED"
        for c in children
    )


def test_child_params_are_the_trial_hyperparameters_with_per_epoch_metrics(finished_search) -> None:
    root, uri, _ = finished_search
    client = _client(uri)
    trial_files = list((root / "runs" / "image-cnn").glob("*/tuner/trial_*/trial.json"))
    trials = {json.loads(p.read_text())["trial_id"]: json.loads(p.read_text()) for p in trial_files}
    assert len(trials) == TRIALS
    for child in _runs(uri, "trial"):
        trial = trials[child.data.tags["search.trial_id"]]
        expected = {k: str(v) for k, v in trial["hyperparameters"]["values"].items()}
        assert child.data.params == expected
        for metric in ("loss", "accuracy", "val_loss", "val_accuracy"):
            history = client.get_metric_history(child.info.run_id, metric)
            assert sorted(m.step for m in history) == list(range(EPOCHS)), metric
        assert child.data.metrics["score"] == pytest.approx(trial["score"])


def test_parent_holds_config_dataset_identity_best_and_test_metrics(finished_search) -> None:
    root, uri, _ = finished_search
    parent = _runs(uri, "search")[0]
    params, metrics = parent.data.params, parent.data.metrics
    assert params["tuner.kind"] == "random" and params["training.epochs"] == str(EPOCHS)
    assert params["dataset.name"] == "sklearn_digits" and params["data.train_size"] == "1257"
    assert params["data.version"] == "1.0.0"
    assert {"best_score", "test_accuracy", "test_loss"} <= set(metrics)
    assert any(k.startswith("best.") for k in params)
    artifacts = {a.path for a in _client(uri).list_artifacts(parent.info.run_id)}
    assert {"experiment.yaml", "best_hyperparameters.yaml", "best_experiment.yaml"} <= artifacts


def test_champion_alias_loads_and_predicts(finished_search) -> None:
    import mlflow

    root, uri, _ = finished_search
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model("models:/image-cnn@champion")
    pixels = np.random.default_rng(0).integers(0, 256, size=(5, 8, 8, 1)).astype("float32")
    predictions = np.asarray(model.predict(pixels))
    assert predictions.shape == (5, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-4)


def test_best_config_is_a_runnable_experiment_with_every_hyperparameter_fixed(
    finished_search,
) -> None:
    root, uri, _ = finished_search
    parent = _runs(uri, "search")[0]
    best_path = root / "runs" / "image-cnn" / "best.yaml"
    best = load_experiment(str(best_path))
    hps = best.space.hyperparameters
    assert hps and all(h.fixed is not None for h in hps.values())
    assert {f"best.{k}": str(h.fixed) for k, h in hps.items()} == {
        k: v for k, v in parent.data.params.items() if k.startswith("best.")
    }
    assert Path(parent.data.tags["search.dir"], "best.yaml").read_text() == best_path.read_text()
