"""A real search records its training compute on the parent run: every trial's forward FLOPs
x 3 x the samples it trained on (train size x epochs), plus the refit's (the default search
refits its best configuration on train + validation)."""

from __future__ import annotations

import json

import keras_tuner as kt
import pytest

from search.experiment import validate_experiment
from search.speed.flops import forward_flops
from search.tuning.prepare import prepare
from tests.conftest import TINY_EPOCHS

pytestmark = pytest.mark.slow


def test_the_parent_run_holds_the_searchs_training_pflop(tiny_search, tfds_dir) -> None:
    from mlflow.tracking import MlflowClient

    root, uri, _ = tiny_search
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.get_experiment_by_name("image-cnn").experiment_id
    parent = client.search_runs([experiment_id], "tags.`search.kind` = 'search'")[0]
    config = validate_experiment(
        {
            "name": "x",
            "dataset": {"name": "sklearn_digits", "data_dir": str(tfds_dir)},
            "space": {"name": "image-cnn"},
        },
        source="test",
    )
    data, hypermodel = prepare(config)
    chosen = {k[5:]: v for k, v in parent.data.params.items() if k.startswith("best.")}
    expected, best = 0.0, 0.0
    for path in sorted((root / "runs").rglob("trial.json")):
        trial = json.loads(path.read_text())
        values = kt.HyperParameters.from_config(trial["hyperparameters"])
        forward = forward_flops(hypermodel.build(values))
        assert forward is not None and forward > 0
        expected += forward * 3 * data.spec.split_sizes["train"] * TINY_EPOCHS
        if {k: str(v) for k, v in values.values.items()} == chosen:
            best = forward  # the best configuration, the one refitted
    # the refit: "N epochs on train+validation (E examples, ...)", the best trial's model
    words = parent.data.tags["search.refit"].split()
    epochs, examples = int(words[0]), int(words[4].lstrip("("))
    assert best > 0
    expected += best * 3 * examples * epochs
    assert parent.data.metrics["search.compute_pflop"] == pytest.approx(expected / 1e15)
