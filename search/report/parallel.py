"""Parallel coordinates: one line per completed trial across its hyperparameters and score."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Colormap, Normalize
from matplotlib.figure import Figure

from search.report.table import encode, hyperparameter_names
from search.report.trials import TrialRecord


def parallel_data(records: Sequence[TrialRecord], objective: str) -> pd.DataFrame:
    """The plotted values: a row per completed trial, its hyperparameters and its score."""
    done = [r for r in records if r.completed]
    names = hyperparameter_names(done)
    rows = [
        {"trial_id": r.trial_id, **{n: r.hyperparameters.get(n) for n in names}, objective: r.score}
        for r in done
    ]
    return pd.DataFrame(rows, columns=["trial_id", *names, objective]).convert_dtypes()


def parallel_figure(data: pd.DataFrame, objective: str, maximize: bool) -> Figure:
    """Each axis scaled to 0..1; choices labelled, numbers shown at their ends; best in bold."""
    columns = [c for c in data.columns if c != "trial_id"]
    width = min(16.0, max(7.0, 0.95 * len(columns)))
    figure = Figure(figsize=(width, 5.0), layout="constrained")
    axes = figure.add_subplot()
    scaled = {}
    for x, column in enumerate(columns):
        values, labels = encode(data[column])
        low, high = np.nanmin(values), np.nanmax(values)
        span = high - low if high > low else 1.0
        scaled[column] = (values - low) / span if high > low else values * 0 + 0.5
        _label_axis(axes, x, data[column], labels)
    score = data[objective].astype(float)
    norm = Normalize(score.min(), score.max() if score.max() > score.min() else score.min() + 1)
    cmap = colormaps["viridis" if maximize else "viridis_r"]
    best = _ranked_ids(data, objective, maximize)[:1]
    for i in range(len(data)):
        ys = [scaled[c].iloc[i] for c in columns]
        is_best = data["trial_id"].iloc[i] in best
        axes.plot(
            range(len(columns)),
            ys,
            color=cmap(norm(score.iloc[i])),
            linewidth=3 if is_best else 1.3,
            marker="o",
            markersize=4,
            alpha=0.95 if is_best else 0.75,
            label=f"trial {data['trial_id'].iloc[i]}" if is_best else None,
            gid=f"trial-{data['trial_id'].iloc[i]}",
        )
    axes.set_xticks(range(len(columns)), columns, rotation=30, ha="right")
    axes.set_yticks([])
    axes.set_xlim(-0.3, len(columns) - 0.7)
    axes.set_ylim(-0.08, 1.08)
    axes.set_title(f"{len(data)} trials: hyperparameters vs {objective} (best in bold)")
    figure.colorbar(_mappable(norm, cmap), ax=axes, label=objective)
    if best:
        axes.legend(loc="upper left", fontsize="small")
    return figure


def _ranked_ids(data: pd.DataFrame, objective: str, maximize: bool) -> list[str]:
    order = data.sort_values(objective, ascending=not maximize)
    return list(order["trial_id"])


def _label_axis(axes: Axes, x: int, raw: pd.Series, labels: list[Any] | None) -> None:
    axes.axvline(x, color="0.8", linewidth=1, zorder=0)
    if labels is not None:
        for i, label in enumerate(labels):
            y = i / (len(labels) - 1) if len(labels) > 1 else 0.5
            axes.text(x, y, f" {label}", fontsize=7, va="center", color="0.3")
        return
    logged = raw.dropna().astype(float)
    ends = (logged.min(), logged.max())
    for y, value in zip((0.0, 1.0), ends, strict=True):
        axes.text(x, y, f" {value:.3g}", fontsize=7, va="center", color="0.3")


def _mappable(norm: Normalize, cmap: Colormap) -> ScalarMappable:
    return ScalarMappable(norm=norm, cmap=cmap)
