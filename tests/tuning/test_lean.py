"""The leaner per-trial work keeps keras-tuner's results: best-epoch checkpoints, Hyperband's
reloads, and a garbage collector left as it was found."""

from __future__ import annotations

import gc

import keras_tuner as kt
import numpy as np
import pytest

from search.experiment import TrainingConfig, TunerConfig
from search.tuning.keras_tuner_internals import SaveBestEpoch
from search.tuning.lean import BestEpochCheckpoint
from search.tuning.tuners import build_tuner
from tests.tuning.test_budget import _tiny


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


def test_the_best_epoch_is_written_once_when_training_ends(tmp_path) -> None:
    x, y = _data()
    model = _tiny(kt.HyperParameters())
    model.fit(x, y, epochs=1, verbose=0)  # builds the optimizer's variables
    path = tmp_path / "checkpoint.weights.h5"
    original = SaveBestEpoch(kt.Objective("val_accuracy", "max"), str(path))
    checkpoint = BestEpochCheckpoint(original)
    checkpoint.set_model(model)

    best = model.get_weights()
    checkpoint.on_epoch_end(0, {"val_accuracy": 0.9})
    later = [w + 1.0 for w in best]
    model.set_weights(later)
    checkpoint.on_epoch_end(1, {"val_accuracy": 0.5})  # worse: not kept
    assert not path.exists()

    checkpoint.on_train_end()
    assert original.best_value == 0.9
    reloaded = _tiny(kt.HyperParameters())
    reloaded.fit(x, y, epochs=1, verbose=0)
    reloaded.load_weights(str(path))
    assert all(np.allclose(a, b) for a, b in zip(reloaded.get_weights(), best, strict=True))
    assert all(np.allclose(a, b) for a, b in zip(model.get_weights(), later, strict=True))


def test_hyperband_continues_trials_from_their_checkpoints(tmp_path) -> None:
    config = TunerConfig(kind="hyperband", max_trials=1, hyperband_factor=3)
    tuner = build_tuner(
        config, TrainingConfig(epochs=3), _tiny, tmp_path / "tuner", listeners=[], resume=False
    )
    x, y = _data()
    tuner.search(x, y, validation_data=(x, y), epochs=3, verbose=0)

    trials = list(tuner.oracle.trials.values())
    continued = [t for t in trials if "tuner/trial_id" in t.hyperparameters.values]
    assert continued, "Hyperband promoted no trial"
    assert {str(t.status) for t in trials} == {"COMPLETED"}
    assert gc.get_freeze_count() == 0  # the search unfroze what it froze
    # The model read back is the best trial at its best epoch, not at its last.
    scored = tuner.oracle.get_best_trials(1)[0].score
    best = tuner.get_best_models(1)[0]
    assert best.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] == pytest.approx(scored)
