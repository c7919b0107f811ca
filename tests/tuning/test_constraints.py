"""`tuner.constraints` on real keras-tuner searches of a tiny model: too many refusals in a
row stop the search, a trial that broke a limit scores as the worst and is never the best.
(Refusals before training on real data: tests/test_constraints_search.py.)"""

from __future__ import annotations

import keras_tuner as kt
import numpy as np
import pytest

from search.constraints_config import ConstraintsConfig
from search.errors import SearchError
from search.experiment import TrainingConfig, TunerConfig
from search.outcome import BROKE_MARK, REFUSED_MARK
from search.tuning import penalty
from search.tuning.oracle import TrialOracle
from search.tuning.tuners import build_tuner
from tests.tuning.test_budget import _tiny  # Dense(units 2..64) on 4 inputs: 7*units+2 params
from tests.tuning.test_oracle import Heard

X = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
Y = (X[:, 0] > 0).astype("int64")


class Measured(Heard):
    def __init__(self) -> None:
        super().__init__()
        self.measured: dict[str, tuple[dict, dict]] = {}

    def trial_measured(self, trial_id, measures, notes) -> None:
        self.measured[trial_id] = (measures, notes)


def _search(tmp_path, max_trials: int, objective="val_accuracy", **limits):
    heard = Measured()
    config = TunerConfig(
        kind="random",
        max_trials=max_trials,
        seed=1,
        objective=objective,
        constraints=ConstraintsConfig(**limits),
    )
    tuner = build_tuner(
        config, TrainingConfig(epochs=1), _tiny, tmp_path / "tuner", [heard], resume=False
    )
    tuner.search(X, Y, validation_data=(X, Y), epochs=1, verbose=0)
    return tuner, heard


def test_refusals_in_a_row_stop_the_search_saying_there_is_no_room(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(penalty, "NO_ROOM_AFTER", 3)  # 50 in a real search
    tuner, heard = _search(tmp_path, max_trials=5, max_params=10)  # no model is this small
    assert len(tuner.oracle.trials) == 3 and tuner.trial_oracle.refusals.no_room
    assert not [e for e in heard.events if e[0] == "epoch"]
    with pytest.raises(SearchError) as error:
        penalty.best_meeting_trial(tuner.oracle, no_room=True)
    assert str(error.value) == (
        "search stopped: 3 models in a row were refused before training; the constraints "
        "(tuner.constraints max_params/max_flops) leave no room in the space"
    )


def test_when_every_trained_model_breaks_a_limit_none_is_best_and_the_closest_is_named(
    tmp_path,
) -> None:
    tuner, heard = _search(tmp_path, max_trials=1, max_latency_ms=1e-6)
    trials = list(tuner.oracle.trials.values())
    assert all(penalty.penalized(t) and str(t.status) == "COMPLETED" for t in trials)
    assert all("max_latency_ms" in heard.measured[t.trial_id][1]["broken"] for t in trials)
    [closest] = [t.trial_id for t in trials]
    with pytest.raises(SearchError) as error:
        penalty.best_meeting_trial(tuner.oracle)
    assert str(error.value).startswith(
        f"no completed trial meets tuner.constraints (1 broke them); the closest is trial "
        f"{closest}: max_latency_ms exceeded by "
    )
    assert str(error.value).endswith(
        "No model was registered: loosen the constraints or narrow the space"
    )


def _oracle(tmp_path, direction: str) -> kt.Oracle:
    oracle = kt.oracles.RandomSearchOracle(
        objective=kt.Objective("score", direction), max_trials=10, seed=0
    )
    oracle._set_project_dir(str(tmp_path), "p")
    oracle.hyperparameters.Int("units", 1, 100)
    TrialOracle(oracle)  # installs the penalty on the deciding oracle
    return oracle


def _end(oracle: kt.Oracle, metrics: dict[str, float]) -> kt.engine.trial.Trial:
    trial = oracle.create_trial("tuner0")
    oracle.update_trial(trial.trial_id, metrics)
    trial.status = "COMPLETED"
    oracle.end_trial(trial)
    return oracle.get_trial(trial.trial_id)


@pytest.mark.parametrize(
    ("direction", "met", "worst"), [("max", [0.9, 0.6], 0.6), ("min", [0.2, 0.5], 0.5)]
)
def test_a_penalized_trial_scores_as_the_worst_trial_that_met_the_constraints(
    tmp_path, direction, met, worst
) -> None:
    oracle = _oracle(tmp_path, direction)
    refused = _end(oracle, {"score": 0.0, REFUSED_MARK: 1.0})  # refused first: nothing known
    first = _end(oracle, {"score": met[0]})
    broke = _end(oracle, {"score": 0.95 if direction == "max" else 0.01, BROKE_MARK: 1.0})
    assert refused.score == broke.score == met[0]  # its own better score does not count
    _end(oracle, {"score": met[1]})
    assert refused.score == broke.score == worst  # kept as the worst the tuner has seen
    assert oracle.get_best_trials(1)[0] is first
    assert penalty.best_meeting_trial(oracle) is first


def test_refused_trials_give_their_places_back_again_when_a_search_resumes(tmp_path) -> None:
    oracle = _oracle(tmp_path, "max")
    for _ in range(2):
        _end(oracle, {"score": 0.0, REFUSED_MARK: 1.0})
    _end(oracle, {"score": 0.7})
    assert oracle.max_trials == 12  # 10 planned, 2 refused
    reloaded = kt.oracles.RandomSearchOracle(
        objective=kt.Objective("score", "max"), max_trials=10, seed=0
    )
    reloaded._set_project_dir(str(tmp_path), "p")
    reloaded.reload()
    refusals = TrialOracle(reloaded).refusals
    assert reloaded.max_trials == 12 and refusals is not None and refusals.in_a_row == 0


def test_a_trained_trial_over_a_limit_keeps_its_best_epoch(tmp_path) -> None:
    limits = ConstraintsConfig(max_model_mb=1e-6)  # every saved model is larger
    config = TunerConfig(kind="random", max_trials=1, objective="val_loss", constraints=limits)
    tuner = build_tuner(config, TrainingConfig(epochs=3), _tiny, tmp_path / "t", [], resume=False)
    tuner.search(X, Y, validation_data=(X, Y), epochs=3, verbose=0)
    [trial] = tuner.oracle.trials.values()
    assert trial.best_step == 2  # the loss on its own training data falls every epoch
    [mark] = trial.metrics.get_history(BROKE_MARK)
    assert mark.step == 2 and trial.metrics.exists("model_bytes")


def test_a_trial_over_a_limit_is_marked_when_its_epochs_were_reported_as_they_ended(
    tmp_path,
) -> None:
    """Under a time budget (or early stopping) each epoch goes to the oracle as it ends and
    keras-tuner ignores what run_trial returns: the mark must still reach the oracle, or a
    model over the limit could become the champion."""
    import time

    limits = ConstraintsConfig(max_model_mb=1e-6)  # every saved model is larger
    config = TunerConfig(kind="random", max_trials=1, objective="val_loss", constraints=limits)
    tuner = build_tuner(
        config,
        TrainingConfig(epochs=2),
        _tiny,
        tmp_path / "t",
        [],
        resume=False,
        deadline=time.time() + 600,
    )
    assert tuner.trial_oracle.stopping  # epochs are reported as they end
    tuner.search(X, Y, validation_data=(X, Y), epochs=2, verbose=0)
    [trial] = tuner.oracle.trials.values()
    assert penalty.penalized(trial) and trial.metrics.exists("model_bytes")
    with pytest.raises(SearchError, match="no completed trial meets tuner.constraints"):
        penalty.best_meeting_trial(tuner.oracle)
