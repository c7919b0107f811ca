"""Two real searches with --deterministic and one seed give identical trials and scores, with
the training recipe (optimizer, schedule, label smoothing, batch size, pad-and-crop) searched."""

from __future__ import annotations

import json
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


def _trials(root: Path) -> dict[str, tuple[dict, float]]:
    found = {}
    for path in root.glob("runs/exp/*/tuner/trial_*/trial.json"):
        trial = json.loads(path.read_text())
        found[trial["trial_id"]] = (trial["hyperparameters"]["values"], trial["score"])
    return found


def test_two_deterministic_searches_give_identical_trial_scores(
    runner, tfds_dir, tmp_path, restore_op_determinism
) -> None:
    import yaml

    from search.cli import main

    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(EXPERIMENT))
    runs = []
    for name in ("first", "second"):
        root = tmp_path / name
        args = ["run", str(path), "--deterministic", "--data-dir", str(tfds_dir)]
        args += ["--output-dir", str(root / "runs"), "--tracking-uri", f"sqlite:///{root}/m.db"]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        runs.append(_trials(root))
    assert len(runs[0]) == 2
    assert runs[0] == runs[1]
    values = next(iter(runs[0].values()))[0]
    assert {"optimizer", "lr_schedule", "batch_size", "pad_crop"} <= set(values)
