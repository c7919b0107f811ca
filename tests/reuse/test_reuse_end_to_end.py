"""One real search (digits, random, 2 trials x 2 epochs), then every way of reusing its result.

search -> best -> export -> train from the exported file -> train from the best trial's run
id -> warm-start a new search, each checked against what MLflow recorded for the search.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from search.cli import main
from search.experiment import load_experiment
from tests.conftest import files_under

pytestmark = pytest.mark.slow

EPOCHS, TRIALS = 2, 2


@pytest.fixture(scope="module")
def search(tmp_path_factory, tfds_dir):
    """The finished search every test here reuses: (root, uri, invoke)."""
    from click.testing import CliRunner

    root = tmp_path_factory.mktemp("reuse")
    uri = f"sqlite:///{root / 'mlflow.db'}"

    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--tracking-uri", uri])

    result = invoke(
        "run",
        "image-cnn",
        "--tuner",
        "random",
        "--max-trials",
        str(TRIALS),
        "--epochs",
        str(EPOCHS),
        "--data-dir",
        str(tfds_dir),
        "--output-dir",
        str(root / "runs"),
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    return root, uri, invoke


def _client(uri):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def _runs(uri, kind, experiment="image-cnn"):
    client = _client(uri)
    found = client.get_experiment_by_name(experiment)
    return client.search_runs([found.experiment_id], filter_string=f"tags.`search.kind` = '{kind}'")


def _hyperparameters(run) -> dict[str, str]:
    return {k: v for k, v in run.data.params.items() if not k.startswith("train.")}


def _best_trial(uri):
    trials = [t for t in _runs(uri, "trial") if "score" in t.data.metrics]
    return max(trials, key=lambda t: t.data.metrics["score"])


def test_best_lists_the_trials_by_score_with_their_hyperparameters(search) -> None:
    root, uri, invoke = search
    result = invoke("best", "image-cnn", "--format", "json")
    assert result.exit_code == 0, result.output
    board = json.loads(result.stdout)
    parent = _runs(uri, "search")[0]
    assert board["search_run_id"] == parent.info.run_id and board["objective"] == "val_accuracy"
    scores = [t["score"] for t in board["trials"]]
    assert len(scores) == TRIALS and scores == sorted(scores, reverse=True)
    top = board["trials"][0]
    assert top["run_id"] == _best_trial(uri).info.run_id
    assert {f"best.{k}": str(v) for k, v in top["hyperparameters"].items()} == {
        k: v for k, v in parent.data.params.items() if k.startswith("best.")
    }
    as_yaml = invoke("best", parent.info.run_id, "--format", "yaml", "--top", "1")
    assert yaml.safe_load(as_yaml.stdout)["trials"] == board["trials"][:1]
    table = invoke("best", "image-cnn")
    assert top["run_id"] in table.stdout and f"{top['score']:.4f}" in table.stdout


def test_export_then_train_from_the_file_and_from_the_run_id(search) -> None:
    root, uri, invoke = search
    client = _client(uri)
    best = _best_trial(uri)
    exported = root / "image-cnn-tuned.yaml"

    result = invoke("export", "image-cnn", "--to", str(exported))
    assert result.exit_code == 0, result.output
    experiment = load_experiment(str(exported))  # validates against the experiment schema
    assert experiment.name == "image-cnn-tuned"
    fixed = experiment.space.hyperparameters
    assert {k: str(h.fixed) for k, h in fixed.items()} == best.data.params

    from_file = invoke("train", str(exported))
    assert from_file.exit_code == 0, from_file.output
    from_run = invoke("train", best.info.run_id, "--epochs", str(EPOCHS))
    assert from_run.exit_code == 0, from_run.output

    trained = {r.data.tags["search.source"]: r for r in _runs(uri, "train", "image-cnn")}
    trained.update(
        {r.data.tags["search.source"]: r for r in _runs(uri, "train", "image-cnn-tuned")}
    )
    file_run, id_run = trained[str(exported)], trained[best.info.run_id]
    for run in (file_run, id_run):
        assert _hyperparameters(run) == best.data.params  # the model's hyperparameters
        assert run.info.status == "FINISHED"
        assert {"test_accuracy", "score"} <= set(run.data.metrics)
    assert file_run.data.tags["search.source_kind"] == "file"
    assert id_run.data.tags["search.source_run_id"] == best.info.run_id
    assert id_run.data.tags["search.source_search"] == best.data.tags["mlflow.parentRunId"]
    history = client.get_metric_history(id_run.info.run_id, "val_accuracy")
    assert sorted(m.step for m in history) == list(range(EPOCHS))

    # Same epochs, seed and data as the trial: the score is reproduced within noise.
    retrained, original = id_run.data.metrics["score"], best.data.metrics["score"]
    print(f"trial val_accuracy {original:.4f}, retrained {retrained:.4f}")
    assert abs(retrained - original) < 0.1

    # Registered under the search's model with the alias `retrained`; champion stays put.
    assert client.get_model_version_by_alias("image-cnn", "retrained").run_id == id_run.info.run_id
    champion = client.get_model_version_by_alias("image-cnn", "champion")
    assert champion.run_id == best.data.tags["mlflow.parentRunId"]
    assert client.get_model_version_by_alias("image-cnn-tuned", "retrained").run_id == (
        file_run.info.run_id
    )

    # A training run is itself a source: its model's alias resolves to the same values.
    again = invoke("export", "models:/image-cnn@retrained", "--to", str(root / "again.yaml"))
    assert again.exit_code == 0, again.output
    assert load_experiment(str(root / "again.yaml")).space.hyperparameters == fixed


def test_train_from_the_champion_on_train_and_validation(search) -> None:
    root, uri, invoke = search
    client = _client(uri)
    parent = _runs(uri, "search")[0]
    result = invoke(
        "train",
        "models:/image-cnn@champion",
        "--with-validation",
        "--epochs",
        "1",
        "--alias",
        "final",
    )
    assert result.exit_code == 0, result.output
    assert "val_accuracy:      n/a (trained on train+validation)" in result.stdout
    (run,) = [r for r in _runs(uri, "train") if r.data.tags["search.source"].startswith("models:/")]
    assert run.data.tags["search.source_kind"] == "search"
    assert run.data.tags["search.source_run_id"] == parent.info.run_id
    assert run.data.params["train.with_validation"] == "True"
    assert run.data.params["train.epochs"] == "1"
    assert _hyperparameters(run) == {
        k.removeprefix("best."): v for k, v in parent.data.params.items() if k.startswith("best.")
    }
    assert "score" not in run.data.metrics and "test_accuracy" in run.data.metrics
    assert client.get_model_version_by_alias("image-cnn", "final").run_id == run.info.run_id
    assert client.get_model_version_by_alias("image-cnn", "champion").run_id == parent.info.run_id


def test_warm_start_makes_the_given_trial_the_first(search, tfds_dir) -> None:
    root, uri, invoke = search
    worst = min(_runs(uri, "trial"), key=lambda t: t.data.metrics.get("score", 0))
    experiment = root / "warm.yaml"
    experiment.write_text(
        yaml.safe_dump(
            {
                "dataset": {"data_dir": str(tfds_dir)},
                "space": {"name": "image-cnn"},
                "tuner": {"kind": "bayesian", "max_trials": 1},
                "training": {"epochs": 1},
                "output_dir": str(root / "warm-runs"),
            }
        )
    )
    result = invoke("run", str(experiment), "--warm-start", worst.info.run_id, "--quiet")
    assert result.exit_code == 0, result.output
    parent = _runs(uri, "search", "warm")[0]
    assert worst.info.run_id in parent.data.tags["search.warm_start"]
    (first,) = _runs(uri, "trial", "warm")
    assert first.data.tags["search.trial_id"] == "0"
    assert first.data.params == worst.data.params


BAD_REFERENCES = {
    "unknown run id": (
        ["train", "0123456789abcdef0123456789abcdef"],
        "error: no MLflow run '0123456789abcdef0123456789abcdef' in the tracking store at ",
    ),
    "unknown alias": (
        ["train", "models:/image-cnn@nope"],
        "error: registered model 'image-cnn' has no alias 'nope' (aliases: champion",
    ),
    "unknown model": (
        ["export", "models:/digits@champion", "--to", "{root}/x.yaml"],
        "error: no registered model 'digits' (registered: image-cnn",
    ),
    "unknown experiment": (
        ["best", "image-cn"],
        "error: no MLflow experiment 'image-cn' in the tracking store at ",
    ),
    "warm start from another space": (
        ["run", "image-cnn", "--warm-start", "{root}/rnn.yaml"],
        "error: warm start {root}/rnn.yaml is a configuration of space 'text-rnn', "
        "but experiment 'image-cnn' searches space 'image-cnn'",
    ),
    "train with another space's hyperparameters": (
        ["train", "{root}/mixed.yaml", "--data-dir", "{tfds}"],
        "error: space.hyperparameters: unknown hyperparameter of space 'image-cnn' 'rnn_units'",
    ),
}


@pytest.mark.parametrize("case", list(BAD_REFERENCES), ids=list(BAD_REFERENCES))
def test_bad_references_are_one_line_and_write_nothing(search, tfds_dir, case) -> None:
    root, uri, invoke = search
    bad = root / "bad"
    bad.mkdir(exist_ok=True)
    rnn = {"space": {"name": "text-rnn", "hyperparameters": {"rnn_units": 64}}}
    (bad / "rnn.yaml").write_text(yaml.safe_dump(rnn))
    mixed = {"space": {"name": "image-cnn", "hyperparameters": {"rnn_units": 64}}}
    (bad / "mixed.yaml").write_text(yaml.safe_dump({**mixed, "output_dir": str(bad)}))
    args, expected = BAD_REFERENCES[case]
    before = files_under(root)
    db_size = Path(root / "mlflow.db").stat().st_size
    result = invoke(*[a.format(root=bad, tfds=tfds_dir) for a in args])
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(expected.format(root=bad)), lines[0]
    assert files_under(root) == before and (root / "mlflow.db").stat().st_size == db_size


def test_a_model_trained_with_test_time_flip_is_registered_averaging_over_mirror_images(
    search,
) -> None:
    """`dataset.augment.test_time_flip`: the test accuracy logged is the registered model's,
    and that model (loaded back from MLflow) carries the mirror-image view."""
    import mlflow

    from search.data.pipeline import evaluation_pipeline
    from search.tuning.prepare import prepare
    from search.tuning.test_time_flip import MirrorImage

    root, uri, invoke = search
    exported = root / "flip.yaml"
    assert invoke("export", "image-cnn", "--to", str(exported)).exit_code == 0
    config = yaml.safe_load(exported.read_text())
    config["name"] = "flip"
    config.pop("tracking", None)  # registered and tracked under the name `flip`
    config["dataset"]["augment"] = {"flip": "horizontal", "test_time_flip": True}
    exported.write_text(yaml.safe_dump(config))

    result = invoke("train", str(exported), "--epochs", "1", "--alias", "flip")
    assert result.exit_code == 0, result.output
    mlflow.set_tracking_uri(uri)
    model = mlflow.keras.load_model("models:/flip@flip")
    assert any(isinstance(layer, MirrorImage) for layer in model.layers)
    (run,) = _runs(uri, "train", "flip")
    test = evaluation_pipeline(prepare(load_experiment(str(exported)))[0].test, 64)
    right = seen = 0
    for images, labels in test.as_numpy_iterator():
        labels = labels if labels.ndim == 1 else labels.argmax(axis=1)
        right += int(np.sum(model.predict(images, verbose=0).argmax(axis=1) == labels))
        seen += len(labels)
    assert run.data.metrics["test_accuracy"] == pytest.approx(right / seen, abs=1e-6)
