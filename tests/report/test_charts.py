"""The report's charts and tables from synthetic trial records (shapes, encodings, files)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from search.report.curves import curves_data, curves_figure
from search.report.importance import importance_data
from search.report.parallel import parallel_data, parallel_figure
from search.report.table import encode, trials_table
from search.report.trials import TrialRecord
from search.report.writer import write_report

OBJECTIVE = "val_accuracy"


def record(trial_id: str, score: float | None, status: str = "COMPLETED", **hps) -> TrialRecord:
    history = {}
    if score is not None:
        history = {
            OBJECTIVE: {0: score / 2, 1: score},
            "accuracy": {0: score / 3, 1: score * 0.9},
            "loss": {0: 2.0, 1: 1.0},
        }
    return TrialRecord(trial_id, hps, status, score, seconds=1.5, history=history)


@pytest.fixture
def records() -> list[TrialRecord]:
    return [
        record("00", 0.50, conv_blocks=1, norm="batch", lr=1e-4),
        record("01", 0.90, conv_blocks=2, norm="none", lr=1e-2, **{"conv_2/filters": 32}),
        record("02", None, "FAILED", conv_blocks=3, norm="layer", lr=1e-3),
        record("03", 0.70, conv_blocks=2, norm="batch", lr=1e-3, **{"conv_2/filters": 64}),
    ]


def test_trials_table_has_every_trial_and_integer_columns_with_gaps(records) -> None:
    table = trials_table(records)
    assert list(table["trial_id"]) == ["00", "01", "02", "03"]
    assert list(table["status"]) == ["COMPLETED", "COMPLETED", "FAILED", "COMPLETED"]
    assert table["conv_2/filters"].dtype == "Int64"  # 32, not 32.0, though trial 00 lacks it
    assert table["conv_2/filters"].isna().tolist() == [True, False, True, False]


def test_encode_scales_decades_by_log_and_orders_choices() -> None:
    lr, labels = encode(pd.Series([1e-4, 1e-2, None]))
    assert labels is None and lr.tolist()[:2] == pytest.approx([-4.0, -2.0])
    assert np.isnan(lr.iloc[2])
    norm, labels = encode(pd.Series(["none", "batch", None, "batch"]))
    assert labels == ["batch", "none"]
    assert norm.tolist()[:2] == [1.0, 0.0] and norm.tolist()[3] == 0.0


def test_parallel_coordinates_draw_one_line_per_completed_trial(records) -> None:
    data = parallel_data(records, OBJECTIVE)
    assert list(data["trial_id"]) == ["00", "01", "03"]  # the failed trial has no score
    assert list(data[OBJECTIVE]) == [0.50, 0.90, 0.70]
    figure = parallel_figure(data, OBJECTIVE, maximize=True)
    lines = [line for line in figure.axes[0].get_lines() if line.get_gid()]
    assert [line.get_gid() for line in lines] == ["trial-00", "trial-01", "trial-03"]
    assert {len(line.get_xdata()) for line in lines} == {len(data.columns) - 1}
    widest = max(lines, key=lambda line: line.get_linewidth())
    assert widest.get_gid() == "trial-01"  # the best trial is drawn bold


def test_importance_finds_the_hyperparameter_that_decides_the_score() -> None:
    rng = random.Random(0)
    trials = []
    for i in range(30):
        lr = rng.choice([1e-4, 1e-3, 1e-2])
        hps = {"units": rng.choice([32, 64, 128]), "lr": lr, "act": rng.choice(["relu", "gelu"])}
        trials.append(record(f"{i:02d}", 0.5 + 0.1 * np.log10(lr) + rng.gauss(0, 0.005), **hps))
    data = importance_data(trials)
    assert data["hyperparameter"].iloc[0] == "lr"
    assert data["importance"].iloc[0] > 0.8
    assert data["importance"].sum() == pytest.approx(1.0)
    assert set(data["trials"]) == {30}


def test_importance_needs_two_completed_trials(records) -> None:
    assert importance_data(records[:1]).empty
    assert len(importance_data(records)) == 4  # conv_blocks, norm, lr, conv_2/filters


def test_learning_curves_keep_the_best_trials_epoch_by_epoch(records) -> None:
    data = curves_data(records, OBJECTIVE, maximize=True, top=2)
    assert list(dict.fromkeys(data["trial_id"])) == ["01", "03"]
    assert set(data["metric"]) == {OBJECTIVE, "accuracy"}  # the objective and its training twin
    best = data[(data["trial_id"] == "01") & (data["metric"] == OBJECTIVE)]
    assert best["value"].tolist() == [0.45, 0.90]
    figure = curves_figure(data, records, OBJECTIVE)
    assert [len(axes.get_lines()) for axes in figure.axes] == [2, 2]
    minimize = curves_data(records, "loss", maximize=False, top=5)
    assert set(minimize["metric"]) == {"loss"}


def test_write_report_writes_each_chart_as_png_with_its_data(records, tmp_path) -> None:
    folder = write_report(records, tmp_path / "report", OBJECTIVE, maximize=True)
    names = ("parallel_coordinates", "hyperparameter_importance", "learning_curves")
    for name in names:
        image = imread(folder / f"{name}.png")
        assert image.shape[0] > 200 and image.shape[1] > 300
        assert image.std() > 0.01  # not a blank canvas
        assert (folder / f"{name}.csv").stat().st_size > 0
    assert len(pd.read_csv(folder / "trials.csv")) == 4
    summary = (folder / "summary.md").read_text()
    assert "**3 trials completed**, 1 failed" in summary
    assert summary.index("| 01 | 0.9000 |") < summary.index("| 03 | 0.7000 |")


def test_recorder_keeps_epochs_restarts_retried_trials_and_adds_earlier_oracle_trials() -> None:
    import keras_tuner as kt

    from search.outcome import TrialOutcome
    from search.report.trials import TrialRecorder

    recorder = TrialRecorder()
    recorder.trial_started("1", {"units": 32})
    recorder.epoch_ended("1", 0, {OBJECTIVE: 0.1})
    recorder.trial_started("1", {"units": 32})  # retried: its first attempt's epochs go
    recorder.epoch_ended("1", 0, {OBJECTIVE: 0.4})
    recorder.epoch_ended("1", 1, {OBJECTIVE: 0.6})
    recorder.trial_ended(TrialOutcome("1", "COMPLETED", 0.6, {"units": 32}, seconds=3.0))
    # A resumed search: trial 0 finished in an earlier process, only the oracle knows it.
    hp = kt.HyperParameters()
    hp.Fixed("units", 64)
    earlier = kt.engine.trial.Trial(hp, trial_id="0", status="COMPLETED")
    earlier.score = 0.9
    records = recorder.records([earlier])
    assert [r.trial_id for r in records] == ["0", "1"]
    assert records[0].hyperparameters == {"units": 64} and records[0].score == 0.9
    assert records[0].history == {} and records[0].completed
    assert records[1].history == {OBJECTIVE: {0: 0.4, 1: 0.6}} and records[1].epochs == 2


def test_trial_title_names_the_first_hyperparameters_without_scopes() -> None:
    from search.report.naming import trial_title

    hps = {"tuner/epochs": 2, "conv_blocks": 2, "conv_1/filters": 64, "conv_2/filters": 32}
    assert trial_title("07", hps) == "trial-07 conv_blocks=2 filters=64 conv_2/filters=32"
    assert trial_title("08", {"lr": 0.00123456}) == "trial-08 lr=0.00123"
