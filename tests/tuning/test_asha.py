"""ASHA's promotion form on a real `AshaOracle`: trials are asked for as keras-tuner's tuner
loop asks, scored and ended; the oracle decides what the next trial trains."""

from __future__ import annotations

from pathlib import Path

import keras_tuner as kt

from search.tuning.asha import AshaOracle, rungs
from search.tuning.best_model import best_of
from search.tuning.stopping import mark_stopped


def asha(tmp_path: Path, **kwargs) -> AshaOracle:
    made = AshaOracle(objective="val_accuracy", max_epochs=9, factor=3, seed=1, **kwargs)
    made._set_project_dir(str(tmp_path), "project")
    hp = kt.HyperParameters()
    hp.Int("units", 1, 1000)
    made.update_space(hp)
    return made


def ask(oracle: AshaOracle) -> kt.engine.trial.Trial:
    return oracle.create_trial("tuner0")


def finish(oracle: AshaOracle, trial, score: float, deadline: bool = False) -> None:
    """Reports the trial's last epoch with `score` and ends it, as the tuner loop does."""
    last = trial.hyperparameters.values["tuner/epochs"] - 1
    oracle.update_trial(trial.trial_id, {"val_accuracy": score}, step=last)
    if deadline:
        mark_stopped(oracle.trials[trial.trial_id], "deadline", last)
    trial.status = "COMPLETED"
    oracle.end_trial(trial)


def rung_of(trial) -> tuple[int, int, str | None]:
    values = trial.hyperparameters.values
    return values["tuner/initial_epoch"], values["tuner/epochs"], values.get("tuner/trial_id")


def test_rungs_grow_by_the_factor_and_end_at_the_last_epoch() -> None:
    assert rungs(1, 3, 9) == [1, 3, 9]
    assert rungs(2, 3, 10) == [2, 6, 10]
    assert rungs(1, 3, 1) == [1]


def test_the_first_trial_trains_to_the_first_rung_and_the_best_of_three_goes_on(
    tmp_path,
) -> None:
    oracle = asha(tmp_path)
    first = ask(oracle)
    assert rung_of(first) == (0, 1, None), "the first trial is no different from the others"
    finish(oracle, first, 0.30)
    second = ask(oracle)
    assert rung_of(second) == (0, 1, None), "one in three: nothing to promote out of two"
    finish(oracle, second, 0.50)
    third = ask(oracle)
    finish(oracle, third, 0.40)
    promoted = ask(oracle)
    assert rung_of(promoted) == (1, 3, second.trial_id), "the best continues from epoch 1"
    values = {k: v for k, v in promoted.hyperparameters.values.items() if "/" not in k}
    assert values == {"units": second.hyperparameters.values["units"]}
    finish(oracle, promoted, 0.55)
    assert rung_of(ask(oracle))[1] == 1, "the next best waits for six at the rung"


def test_the_highest_rung_promotes_first_and_the_best_comes_from_the_furthest(
    tmp_path,
) -> None:
    oracle = asha(tmp_path)
    scores = iter([0.5, 0.6, 0.7, 0.61, 0.4, 0.3, 0.2, 0.1, 0.35])  # rung 0, in order asked
    rung_1 = {}
    while len(rung_1) < 3:
        trial = ask(oracle)
        start, epochs, continued = rung_of(trial)
        if epochs == 1:
            finish(oracle, trial, next(scores))
        else:
            assert epochs == 3 and continued not in rung_1.values()
            rung_1[trial.trial_id] = continued
            finish(oracle, trial, 0.80 + 0.01 * len(rung_1))
    top = ask(oracle)
    best_at_1 = max(rung_1, key=lambda t: oracle.trials[t].score)
    assert rung_of(top) == (3, 9, best_at_1), "a full rung 1 promotes before rung 0"
    finish(oracle, top, 0.75)  # worse than its own epoch 3 and than a lucky 1-epoch trial
    assert best_of(oracle).trial_id == top.trial_id, "chosen among the furthest trained"


def test_a_trial_the_deadline_cut_short_is_never_promoted(tmp_path) -> None:
    oracle = asha(tmp_path)
    cut = ask(oracle)
    finish(oracle, cut, 0.99, deadline=True)
    for score in (0.5, 0.4):
        finish(oracle, ask(oracle), score)
    promoted = ask(oracle)
    assert rung_of(promoted)[2] != cut.trial_id


def test_promotions_are_read_off_the_recorded_trials_after_a_reload(tmp_path) -> None:
    oracle = asha(tmp_path)
    for score in (0.5, 0.9, 0.4):
        finish(oracle, ask(oracle), score)
    promoted = ask(oracle)
    finish(oracle, promoted, 0.95)
    oracle.save()
    reloaded = asha(tmp_path)
    reloaded.reload()
    again = ask(reloaded)
    assert rung_of(again)[1] == 1, "the best of rung 0 was promoted before the reload"
    drawn = [t.hyperparameters.values["units"] for t in reloaded.trials.values()]
    assert again.hyperparameters.values["units"] not in drawn[:-1], "a new configuration"
