"""Learning curves of the best trials: the objective (and its training twin) per epoch."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from search.report.naming import trial_title
from search.report.table import ranked
from search.report.trials import TrialRecord

TOP = 5


def curves_data(
    records: Sequence[TrialRecord], objective: str, maximize: bool, top: int = TOP
) -> pd.DataFrame:
    """Long format (trial_id, rank, metric, epoch, value) for the `top` best trials, for the
    objective and, when it is a validation metric, the training metric it mirrors."""
    metrics = [objective]
    if objective.startswith("val_"):
        metrics.append(objective.removeprefix("val_"))
    rows = [
        {"trial_id": r.trial_id, "rank": rank, "metric": m, "epoch": epoch, "value": value}
        for rank, r in enumerate(ranked(records, maximize)[:top], start=1)
        for m in metrics
        for epoch, value in sorted(r.history.get(m, {}).items())
    ]
    return pd.DataFrame(rows, columns=["trial_id", "rank", "metric", "epoch", "value"])


def curves_figure(data: pd.DataFrame, records: Sequence[TrialRecord], objective: str) -> Figure:
    """One panel per metric, one line per trial (same colour in both panels)."""
    metrics = list(dict.fromkeys(data["metric"])) or [objective]
    figure = Figure(figsize=(5.5 * len(metrics), 4.2), layout="constrained")
    titles = {r.trial_id: trial_title(r.trial_id, r.hyperparameters) for r in records}
    for i, metric in enumerate(metrics):
        axes = figure.add_subplot(1, len(metrics), i + 1)
        for n, (trial_id, curve) in enumerate(data[data["metric"] == metric].groupby("trial_id")):
            axes.plot(
                curve["epoch"] + 1,
                curve["value"],
                marker="o",
                color=f"C{n}",
                label=titles.get(str(trial_id), str(trial_id)),
            )
        axes.set_xlabel("epoch")
        axes.set_ylabel(metric)
        axes.set_title(metric)
        axes.grid(alpha=0.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not data.empty:
        figure.axes[0].legend(fontsize="x-small")
    figure.suptitle(f"Learning curves of the {data['trial_id'].nunique()} best trials")
    return figure
