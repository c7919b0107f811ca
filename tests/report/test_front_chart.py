"""The report's Pareto front: `pareto_front.csv` holds every eligible trial with its values and
marks, and the chart drawn from it names the axes with their directions."""

from __future__ import annotations

import pandas as pd
from matplotlib.image import imread

from search.report.front import front_data, front_figure, write_front
from search.tuning.champion import FrontRow

OBJECTIVES = [("val_accuracy", "max"), ("latency_ms", "min")]
ROWS = [
    FrontRow("00", (0.99, 1.5), True, False),
    FrontRow("01", (0.95, 0.4), True, True),
    FrontRow("02", (0.93, 0.9), False, False),
]


def test_the_csv_has_a_row_per_eligible_trial_with_its_values_and_marks(tmp_path) -> None:
    write_front(tmp_path, ROWS, OBJECTIVES, {"00": "run-a", "01": "run-b"})
    table = pd.read_csv(tmp_path / "pareto_front.csv", dtype={"trial_id": str})
    assert list(table.columns) == [
        "trial_id",
        "run_id",
        "val_accuracy",
        "latency_ms",
        "on_front",
        "champion",
    ]
    assert table["trial_id"].tolist() == ["00", "01", "02"]
    assert table["run_id"].fillna("").tolist() == ["run-a", "run-b", ""]  # not yet in MLflow
    assert table["on_front"].tolist() == [1, 1, 0] and table["champion"].tolist() == [0, 1, 0]
    assert table["latency_ms"].tolist() == [1.5, 0.4, 0.9]
    assert imread(tmp_path / "pareto_front.png").shape[2] in (3, 4)


def test_the_chart_draws_the_front_through_its_members_and_marks_the_champion() -> None:
    figure = front_figure(front_data(ROWS, OBJECTIVES, {}), OBJECTIVES)
    axes = figure.axes[0]
    assert axes.get_xlabel() == "val_accuracy (higher is better)"
    assert axes.get_ylabel() == "latency_ms (lower is better)"
    [line] = axes.get_lines()
    assert list(line.get_xdata()) == [0.95, 0.99] and list(line.get_ydata()) == [0.4, 1.5]
    assert axes.get_title() == "Pareto front: 2 of 3 trials"
    champion = axes.collections[-1].get_offsets().tolist()
    assert champion == [[0.95, 0.4]]
