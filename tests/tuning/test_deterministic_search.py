"""Two real searches with `training.deterministic` and one seed give identical trials and
scores, with the training recipe (optimizer, schedule, label smoothing, batch size,
pad-and-crop) searched; `--deterministic` turns it on."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

EXPERIMENT = {
    "dataset": {"name": "sklearn_digits", "augment": {"pad_crop": [0, 1]}},
    "space": {
        "name": "image-cnn",
        "hyperparameters": {"conv_blocks": 1, "dense_units": 32, "normalization": "batch"},
    },
    "tuner": {"kind": "bayesian", "max_trials": 2, "seed": 7},
    "training": {
        "epochs": 1,
        "batch_size": 32,
        "recipe": {
            "optimizer": ["adam", "adamw", "sgd"],
            "weight_decay": 0.0001,
            "lr_schedule": ["constant", "cosine", "one_cycle"],
            "label_smoothing": 0.1,
            "batch_size": [16, 32],
        },
    },
}


@pytest.fixture
def restore_op_determinism():
    yield
    from tensorflow.python.framework import config  # the public API can only turn it on

    config.disable_op_determinism()


def _search(experiment, directory: Path) -> dict[str, tuple[dict, float]]:
    """The trials of one real search (keras-tuner and TFDS; no tracking): values and score."""
    from search.runner import check_inputs
    from search.tuning.training import fit_arguments
    from search.tuning.tuners import build_tuner

    _, data, hypermodel = check_inputs(experiment)
    tuner = build_tuner(
        experiment.tuner, experiment.training, hypermodel, directory, [], resume=False
    )
    tuner.search(**fit_arguments(experiment, data))
    return {
        t.trial_id: (dict(t.hyperparameters.values), t.score) for t in tuner.oracle.trials.values()
    }


def test_two_deterministic_searches_give_identical_trial_scores(
    tfds_dir, tmp_path, restore_op_determinism
) -> None:
    from search.experiment import validate_experiment

    data = {**EXPERIMENT, "name": "exp", "output_dir": str(tmp_path / "runs")}
    experiment = validate_experiment(data, "test").with_overrides(
        **{"dataset.data_dir": str(tfds_dir), "training.deterministic": True}
    )
    first = _search(experiment, tmp_path / "first" / "tuner")
    second = _search(experiment, tmp_path / "second" / "tuner")
    assert len(first) == 2 and all(score is not None for _, score in first.values())
    assert first == second
    values = next(iter(first.values()))[0]
    assert {"optimizer", "lr_schedule", "batch_size", "pad_crop"} <= set(values)


def test_the_deterministic_flag_turns_op_determinism_on(
    runner, tfds_dir, tmp_path, write_experiment, restore_op_determinism
) -> None:
    from tensorflow.python.framework import config

    from search.cli import main

    path = write_experiment({**EXPERIMENT, "training": {"epochs": 1}})
    result = runner.invoke(
        main, ["run", str(path), "--deterministic", "--dry-run", "--data-dir", str(tfds_dir)]
    )
    assert result.exit_code == 0, result.output
    assert config.is_op_determinism_enabled()
