"""Workers on hosts that do not share the search directory keep the trial checkpoints: the
chief then retrains the best trial's configuration for its best number of epochs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.experiment import load_experiment
from search.tuning.best_model import best_model
from search.tuning.keras_tuner_internals import checkpoint_path
from search.tuning.prepare import prepare
from search.tuning.tuners import build_tuner
from tests.conftest import TINY_EPOCHS

pytestmark = pytest.mark.slow


def test_without_the_best_checkpoint_the_chief_retrains_the_best_trial(
    tiny_search, tfds_dir, tmp_path
) -> None:
    root, _, _ = tiny_search
    project = next(Path(root, "runs", "image-cnn").glob("*/tuner"))
    copy = tmp_path / "search" / "tuner"
    shutil.copytree(project, copy)
    experiment = load_experiment("image-cnn").with_overrides(
        **{
            "tuner.kind": "random",
            "training.epochs": TINY_EPOCHS,
            "dataset.data_dir": str(tfds_dir),
        }
    )
    data, hypermodel = prepare(experiment)
    tuner = build_tuner(
        experiment.tuner, experiment.training, hypermodel, copy, listeners=[], resume=True
    )
    best = tuner.oracle.get_best_trials(1)[0]
    checkpoint = Path(checkpoint_path(tuner, best.trial_id))
    assert checkpoint.exists()
    checkpoint.unlink()  # as on a chief whose workers kept their checkpoints

    model = best_model(tuner, best, experiment, data)

    from search.data.pipeline import evaluation_pipeline

    scores = model.evaluate(evaluation_pipeline(data.validation, 32), return_dict=True, verbose=0)
    assert scores["accuracy"] > 0.3, "a trained model (10 classes: chance is 0.1)"
    assert not checkpoint.exists(), "retrained in memory, the project left as it was"
