"""Descriptions shown in the MLflow UI (`mlflow.note.content`, rendered as markdown)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
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
        f"{training['epochs']} epochs on {_dataset(config['dataset'])}, "
        f"{objective['direction']}imizing `{objective['name']}` ({config.get('task')}).",
    ]
    if config.get("description"):
        lines += ["", str(config["description"])]
    lines += ["", "Trials are the nested runs; the report (charts, trials.csv) is in `report/`."]
    return "\n".join(lines) + "\n"


def _dataset(dataset: Mapping[str, Any]) -> str:
    """The dataset as the experiment names it: a builder of one's own, a folder, a TFDS name."""
    if dataset.get("builder"):
        return f"the TFDS builder `{dataset['builder']}`"
    if dataset.get("kind", "tfds") != "tfds":
        return f"the {dataset['kind'].replace('_', ' ')} `{dataset.get('path')}`"
    return f"TFDS `{dataset['name']}`"


def trial_note(hyperparameters: Mapping[str, Any], outcome: TrialOutcome | None = None) -> str:
    """Every hyperparameter of the trial and, once it ended, how it ended."""
    text = f"Hyperparameters: {describe(dict(hyperparameters))}\n"
    if outcome is None:
        return text
    if outcome.penalized:  # its score is a penalty
        result = "refused before training" if outcome.refused else "trained, over a limit"
        result += " by tuner.constraints (tags say which and by how much)"
    elif outcome.score is not None:
        result = f"{outcome.status.lower()}, score {outcome.score:.4f}"
        if outcome.stopped:
            result += f", stopped early at {outcome.stopped}"
        if outcome.spared:
            result += f", spared by early stopping ({outcome.spared})"
    else:
        result = f"{outcome.status.lower()}: {outcome.reason[:300]}"
    return f"{text}\nResult: {result} in {outcome.seconds:.1f}s\n"


def refusal_note(records: Sequence[Any]) -> str | None:
    """How many trials `tuner.constraints` refused before training and about the time that
    saved: each would have trained about as long as the median trained trial."""
    count = sum(bool(getattr(r, "refused", False)) for r in records)
    trained = [r.seconds for r in records if r.completed and r.seconds is not None]
    if not count:
        return None
    each = statistics.median(trained) if trained else 0.0
    return (
        f"{count} trial(s) refused before training by tuner.constraints, saving about "
        f"{count * each:.1f}s ({count} x {each:.1f}s, the median trained trial)"
    )
