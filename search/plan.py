"""`search run --dry-run`: every check a search makes before training, then its plan.

A person fixing a config wants this loop to take seconds: the same checks as a real search
(`runner.check_inputs`: config, space and overrides, dataset and each of its files, output
directory), the tracking store reached without creating one, then what would run. Nothing
is trained and nothing is written: no MLflow run, no search directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.budget import describe_budget
from search.errors import ConfigError
from search.experiment import Experiment
from search.stopping_config import rule_for_kind
from search.tuning.task import TASKS


@dataclass
class Plan:
    """What `search run` would do with this experiment, as checked."""

    experiment: Experiment
    tracking_uri: str
    store: str
    data: str
    search_dir: str
    hyperparameters: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan as it is printed: one fact a line, then the hyperparameters."""
        e = self.experiment
        tuner, training = e.tuner, e.training
        trials = "as Hyperband schedules them" if tuner.kind == "hyperband" else tuner.max_trials
        budget = describe_budget(tuner.max_seconds, tuner.refit.share if tuner.refit.enabled else 0)
        workers = f"{tuner.workers} worker processes" if tuner.workers else "this process"
        limits = ", ".join(f"{k}={v:g}" for k, v in tuner.constraints.limits().items())
        return [
            "dry run: every check passed; nothing was trained or written",
            f"experiment:  {e.name} (space {e.space.name}, tuner {tuner.kind})",
            f"data:        {self.data}",
            f"trials:      {trials}, {training.epochs} epochs each, batch size "
            f"{training.batch_size}, {tuner.executions_per_trial} execution(s) per trial"
            + _explored(tuner.explore_fraction),
            f"budget:      {budget}",
            f"refit:       {_refit(tuner.refit.enabled)}",
            f"stopping:    {_stopping(tuner)}",
            f"workers:     {workers}",
            f"objective:   {tuner.objective.direction} {tuner.objective.name} ({e.task}, "
            f"loss {TASKS.get(e.task).loss(training.loss)})",
            f"tracking:    {self.tracking_uri} ({self.store})",
            *([f"constraints: {limits} (tuner.constraints)"] if limits else []),
            f"search dir:  {self.search_dir}",
            f"hyperparameters ({len(self.hyperparameters)}):",
            *(f"  {line}" for line in self.hyperparameters),
        ]


def _explored(fraction: float) -> str:
    return "" if fraction >= 1.0 else f", on {fraction:.0%} of train (tuner.explore_fraction)"


def _refit(enabled: bool) -> str:
    if not enabled:
        return "none: the best trial's own model is tested and registered (tuner.refit)"
    return "the best configuration trained again on train+validation, then tested and registered"


def _stopping(tuner: Any) -> str:
    rule = rule_for_kind(tuner.kind, tuner.early_stopping.rule)
    if tuner.kind == "asha":
        return "asha: the top 1/reduction_factor of each rung goes on to the next, continued"
    return {
        "none": "none: every trial trains all its epochs (tuner.early_stopping)",
        "median": "median rule: a trial worse than the completed ones' median stops",
        "asha": "asha (stopping form): at each rung only the top 1/reduction_factor goes on",
    }[rule]


def dry_run(
    experiment: Experiment, tracking_uri: str | None = None, warm_start: Any = None
) -> Plan:
    """Runs every check of a search (ConfigError and friends as a real search raises them)
    and returns the plan; trains and writes nothing."""
    from search import workspace
    from search.runner import check_inputs

    uri, data, hypermodel = check_inputs(experiment, tracking_uri, warm_start)
    previous = workspace.unfinished(experiment)
    where = workspace.experiment_root(experiment).resolve()
    return Plan(
        experiment=experiment,
        tracking_uri=uri,
        store=check_store(uri),
        data=data.describe(),
        search_dir=f"resumes {previous.path}" if previous else f"a new search in {where}",
        hyperparameters=describe_space(hypermodel),
    )


def check_store(uri: str) -> str:
    """Reaches the tracking store without creating it; says whether it exists."""
    from search import tracking

    if uri.startswith("sqlite:///"):
        database = Path(uri.removeprefix("sqlite:///"))
        if not database.exists():
            folder = next(p for p in [database.parent, *database.parents] if p.exists())
            if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
                raise ConfigError(
                    f"tracking store {uri} cannot be created: {folder} is not a writable folder"
                )
            return "a new store, created by the search"
    tracking.connect(uri)
    return "reached"


def describe_space(hypermodel: Any) -> list[str]:
    """Every hyperparameter the space can declare with the overrides applied, as
    `search space show` describes it, its condition, and `(set)` for the overridden ones."""
    from search.tuning.explore import explore
    from search.tuning.space_summary import condition, describe

    overridden = set(hypermodel.overrides)
    lines = []
    for name, entry in explore(hypermodel.build, hypermodel.space.name).items():
        when = condition(entry)
        lines.append(
            f"{name}: {describe(entry)}"
            + (f" (only if {when})" if when else "")
            + (" (set)" if name in overridden else "")
        )
    return lines
