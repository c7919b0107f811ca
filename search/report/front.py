"""The Pareto front of a search with several objectives: `pareto_front.csv` (every eligible
trial, its objectives' values, whether it is on the front, whether it is the champion) and
its chart over the first two objectives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from search.tracking.schema import (
    CHAMPION_COLUMN,
    ON_FRONT_COLUMN,
    PARETO_FRONT_CSV,
    PARETO_FRONT_PNG,
)

if TYPE_CHECKING:
    from search.tuning.champion import FrontRow

DPI = 110
Objectives = Sequence[tuple[str, str]]  # (name, direction) of each objective, first first


def write_front(
    folder: Path, rows: Sequence[FrontRow], objectives: Objectives, run_ids: Mapping[str, str]
) -> None:
    """The CSV and, from the same frame, the chart, into the report folder."""
    data = front_data(rows, objectives, run_ids)
    data.to_csv(folder / PARETO_FRONT_CSV, index=False)
    front_figure(data, objectives).savefig(folder / PARETO_FRONT_PNG, dpi=DPI)


def front_data(
    rows: Sequence[FrontRow], objectives: Objectives, run_ids: Mapping[str, str]
) -> pd.DataFrame:
    """A row per eligible trial: trial_id, run_id, each objective, on_front and champion 0/1."""
    names = [name for name, _ in objectives]
    records = [
        {
            "trial_id": row.trial_id,
            "run_id": run_ids.get(row.trial_id, ""),
            **dict(zip(names, row.values, strict=True)),
            ON_FRONT_COLUMN: int(row.on_front),
            CHAMPION_COLUMN: int(row.champion),
        }
        for row in rows
    ]
    columns = ["trial_id", "run_id", *names, ON_FRONT_COLUMN, CHAMPION_COLUMN]
    return pd.DataFrame(records, columns=columns)


def front_figure(data: pd.DataFrame, objectives: Objectives) -> Figure:
    """Each trial a point, the front a line through its members, the champion a star."""
    (x, x_direction), (y, y_direction) = objectives[0], objectives[1]
    figure = Figure(figsize=(6.5, 4.8), layout="constrained")
    axes = figure.add_subplot()
    axes.scatter(data[x], data[y], color="0.6", label="trial")
    members = data[data[ON_FRONT_COLUMN] == 1].sort_values([x, y])
    axes.plot(members[x], members[y], marker="o", color="C0", label="Pareto front")
    for _, row in data.iterrows():
        axes.annotate(
            str(row["trial_id"]),
            (row[x], row[y]),
            fontsize="x-small",
            xytext=(3, 3),
            textcoords="offset points",
        )
    champion = data[data[CHAMPION_COLUMN] == 1]
    axes.scatter(
        champion[x], champion[y], marker="*", s=220, color="C3", zorder=3, label=CHAMPION_COLUMN
    )
    axes.set_xlabel(f"{x} ({_better(x_direction)})")
    axes.set_ylabel(f"{y} ({_better(y_direction)})")
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    axes.set_title(f"Pareto front: {len(members)} of {len(data)} trials")
    return figure


def _better(direction: str) -> str:
    return "higher is better" if direction == "max" else "lower is better"
