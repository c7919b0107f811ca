"""Writes the whole report into one folder: PNG charts, the CSV behind each, and a summary."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from search.report.curves import curves_data, curves_figure
from search.report.importance import importance_data, importance_figure
from search.report.naming import describe
from search.report.notes import refusal_note
from search.report.parallel import parallel_data, parallel_figure
from search.report.table import ranked, trials_table
from search.report.trials import TrialRecord

DPI = 110


def write_report(
    records: Sequence[TrialRecord], folder: Path, objective: str, maximize: bool
) -> Path:
    """Every chart as `<name>.png` with its data as `<name>.csv`, plus `trials.csv` and
    `summary.md`; returns the folder. Charts come from the same frames the CSVs hold."""
    folder.mkdir(parents=True, exist_ok=True)
    trials_table(records).to_csv(folder / "trials.csv", index=False)
    parallel = parallel_data(records, objective)
    importance = importance_data(records)
    curves = curves_data(records, objective, maximize)
    charts = {
        "parallel_coordinates": (parallel, parallel_figure(parallel, objective, maximize)),
        "hyperparameter_importance": (importance, importance_figure(importance, objective)),
        "learning_curves": (curves, curves_figure(curves, records, objective)),
    }
    for name, (data, figure) in charts.items():
        data.to_csv(folder / f"{name}.csv", index=False)
        figure.savefig(folder / f"{name}.png", dpi=DPI)
    (folder / "summary.md").write_text(summary(records, objective, maximize))
    return folder


def summary(records: Sequence[TrialRecord], objective: str, maximize: bool, top: int = 5) -> str:
    """Markdown for the parent run's description: counts and the best trials."""
    best = ranked(records, maximize)
    done, failed = len(best), sum(r.status == "FAILED" for r in records)
    lines = [f"**{done} trials completed**, {failed} failed. Best first:", ""]
    lines += [f"| trial | {objective} | hyperparameters |", "|---|---|---|"]
    lines += [
        f"| {r.trial_id} | {r.score:.4f} | {describe(r.hyperparameters)} |" for r in best[:top]
    ]
    refused = refusal_note(records)
    lines += ["", refused] if refused else []
    lines += ["", "Charts: `report/` (parallel coordinates, importance, learning curves)."]
    return "\n".join(lines) + "\n"
