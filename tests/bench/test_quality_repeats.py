"""The quality benchmark counts the configurations a tuner proposed again (keras-tuner #608)
from the trials keras-tuner saved; a Hyperband promotion is not a repeat."""

from __future__ import annotations

import keras_tuner as kt

from search.bench.quality import repeats


def _save(folder, trial_id: str, values: dict) -> None:
    hp = kt.HyperParameters()
    hp.values = dict(values)
    (folder / f"trial_{trial_id}").mkdir(parents=True)
    kt.engine.trial.Trial(hp, trial_id=trial_id).save(
        str(folder / f"trial_{trial_id}" / "trial.json")
    )


def test_repeats_count_configurations_seen_before(tmp_path) -> None:
    _save(tmp_path, "0", {"units": 8, "tuner/epochs": 3})
    _save(tmp_path, "1", {"units": 16, "tuner/epochs": 3})
    _save(tmp_path, "2", {"units": 8, "tuner/epochs": 9})  # the same configuration again
    _save(tmp_path, "3", {"units": 8, "tuner/epochs": 9, "tuner/trial_id": "0"})  # promoted
    assert repeats(tmp_path) == 1
