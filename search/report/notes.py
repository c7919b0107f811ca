"""Descriptions shown in the MLflow UI (`mlflow.note.content`, rendered as markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.outcome import TrialOutcome
from search.report.naming import describe


def search_note(config: Mapping[str, Any]) -> str:
    """What the search is, from its resolved experiment config."""
    tuner, training = config["tuner"], config["training"]
    objective = tuner["objective"]
    lines = [
        f"Search **{config['name']}**: space `{config['space']['name']}`, "
        f"`{tuner['kind']}` tuner, up to {tuner['max_trials']} trials of "
        f"{training['epochs']} epochs on TFDS `{config['dataset']['name']}`, "
        f"{objective['direction']}imizing `{objective['name']}`.",
    ]
    if config.get("description"):
        lines += ["", str(config["description"])]
    lines += ["", "Trials are the nested runs; the report (charts, trials.csv) is in `report/`."]
    return "\n".join(lines) + "\n"


def trial_note(hyperparameters: Mapping[str, Any], outcome: TrialOutcome | None = None) -> str:
    """Every hyperparameter of the trial and, once it ended, how it ended."""
    text = f"Hyperparameters: {describe(dict(hyperparameters))}\n"
    if outcome is None:
        return text
    if outcome.score is not None:
        result = f"{outcome.status.lower()}, score {outcome.score:.4f}"
        if outcome.stopped:
            result += f", stopped early at {outcome.stopped}"
    else:
        result = f"{outcome.status.lower()}: {outcome.reason[:300]}"
    return f"{text}\nResult: {result} in {outcome.seconds:.1f}s\n"
