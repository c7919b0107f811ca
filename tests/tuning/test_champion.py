"""`tuner.champion`: which eligible trial becomes the registered model, and the note that says
why. Trials are keras-tuner's own metrics trackers, filled as a trained trial's would be."""

from __future__ import annotations

import random
from types import SimpleNamespace

import keras_tuner as kt
from keras_tuner.src.engine.metrics_tracking import MetricsTracker

from search.objectives_config import ObjectivesFields
from search.pareto import front
from search.tuning.champion import choose, eligible, front_rows
from search.tuning.stopping import STOP_PREFIX

TWO = [{"name": "val_accuracy"}, {"name": "latency_ms"}]


def _trial(trial_id: str, accuracy: float, **measures: float) -> SimpleNamespace:
    metrics = MetricsTracker()
    metrics.update("val_accuracy", accuracy, step=0)
    for name, value in measures.items():
        metrics.register(name, direction="min")
        metrics.update(name, value, step=0)
    return SimpleNamespace(trial_id=trial_id, metrics=metrics, score=accuracy)


def _config(objectives=TWO, **champion) -> ObjectivesFields:
    rule = {"rule": "cheapest_within", **champion} if champion else "best"
    return ObjectivesFields.model_validate({"objectives": objectives, "champion": rule})


def test_best_takes_the_most_accurate_and_says_so() -> None:
    ranked = [_trial("01", 0.99, latency_ms=2.0), _trial("02", 0.98, latency_ms=0.1)]
    champion = choose(ranked, _config())
    assert champion.trial_id == "01"
    assert champion.note == "tuner.champion rule best: trial 01, val_accuracy 0.9900"


def test_cheapest_within_takes_the_fastest_close_enough_to_the_best() -> None:
    ranked = [
        _trial("01", 0.9852, latency_ms=2.0),
        _trial("02", 0.9815, latency_ms=0.41),
        _trial("03", 0.9802, latency_ms=0.3),  # 0.005 below the best: still within
        _trial("04", 0.97, latency_ms=0.1),  # fastest, but too far below
    ]
    champion = choose(ranked, _config(within=0.005))
    assert champion.trial_id == "03"
    assert champion.note == (
        "tuner.champion rule cheapest_within 0.005 by latency_ms: trial 03, latency_ms 0.3000 "
        "(best val_accuracy 0.9852, trial 01; trial 03 0.9802)"
    )
    assert choose(ranked, _config(within=0.004)).trial_id == "02"
    best = choose(ranked, _config(within=0.0))
    assert best.trial_id == "01"
    assert best.note.endswith(": trial 01, latency_ms 2 (the best val_accuracy too, 0.9852)")


def test_a_tie_goes_to_the_more_accurate_trial() -> None:
    ranked = [
        _trial("01", 0.99, latency_ms=1.0),
        _trial("02", 0.988, latency_ms=0.5),
        _trial("03", 0.986, latency_ms=0.5),
    ]
    assert choose(ranked, _config(within=0.01)).trial_id == "02"


def test_a_trial_without_the_value_is_skipped_and_none_with_it_leaves_the_best() -> None:
    ranked = [_trial("01", 0.99, latency_ms=1.0), _trial("02", 0.989), _trial("03", 0.988)]
    assert choose(ranked, _config(within=0.01)).trial_id == "01"
    by_params = _config(within=0.01, by="params")  # a measure none of them recorded
    champion = choose(ranked, by_params)
    assert champion.trial_id == "01"
    assert champion.note.startswith("tuner.champion rule cheapest_within 0.01 by params: no ")


def test_by_a_measure_outside_the_objectives_still_picks_a_front_member() -> None:
    # 02 and 03 tie on latency (the second objective); 03 is smaller, so 02 is dominated.
    three = [*TWO, {"name": "params"}]
    ranked = [
        _trial("01", 0.99, latency_ms=1.0, params=900, flops=10),
        _trial("02", 0.989, latency_ms=0.5, params=800, flops=1),
        _trial("03", 0.989, latency_ms=0.5, params=500, flops=5),
    ]
    assert choose(ranked, _config(three, within=0.01)).trial_id == "03"
    assert choose(ranked, _config(three, within=0.01, by="flops")).trial_id == "03"


def test_with_several_objectives_the_champion_is_always_on_the_front() -> None:
    rng = random.Random(7)
    three = [*TWO, {"name": "params"}]
    for _ in range(40):
        ranked = [
            _trial(
                f"{i:02d}",
                round(rng.uniform(0.9, 1.0), 2),
                latency_ms=rng.randint(1, 4),
                params=rng.randint(1, 4),
            )
            for i in range(8)
        ]
        ranked.sort(key=lambda t: -t.score)
        for objectives in (TWO, three):
            config = _config(objectives, within=rng.choice([0.0, 0.02, 0.05]))
            rows = front_rows(ranked, config.all_objectives)
            members = {
                rows[i].trial_id
                for i in front(
                    [r.values for r in rows], [o.direction for o in config.all_objectives]
                )
            }
            assert choose(ranked, config).trial_id in members


def test_front_rows_mark_the_front_and_the_champion() -> None:
    trials = [
        _trial("01", 0.99, latency_ms=1.0),
        _trial("02", 0.95, latency_ms=0.5),
        _trial("03", 0.94, latency_ms=0.9),  # dominated by 02
        _trial("04", 0.96),  # no latency: on no front
    ]
    rows = front_rows(trials, _config().all_objectives, champion_id="02")
    assert [(r.trial_id, r.values, r.on_front, r.champion) for r in rows] == [
        ("01", (0.99, 1.0), True, False),
        ("02", (0.95, 0.5), True, True),
        ("03", (0.94, 0.9), False, False),
    ]


def test_only_trials_trained_furthest_are_eligible(tmp_path) -> None:
    oracle = kt.oracles.RandomSearchOracle(
        objective=kt.Objective("val_accuracy", "max"), max_trials=10, seed=0
    )
    oracle._set_project_dir(str(tmp_path), "p")
    oracle.hyperparameters.Int("units", 1, 100)
    ended = []
    for accuracy, stopped in ((0.99, True), (0.9, False), (0.8, False)):
        trial = oracle.create_trial("tuner0")
        marks = {f"{STOP_PREFIX}asha": 1.0} if stopped else {}
        oracle.update_trial(trial.trial_id, {"val_accuracy": accuracy, **marks})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
        ended.append(trial.trial_id)
    assert [t.trial_id for t in eligible(oracle)] == ended[1:]  # best first, stopped one out
