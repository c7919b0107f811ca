"""The task of an experiment that does not name one, read off its label.

A label of numbers (a table column of fractions, or of more whole numbers than a category
has; a TFDS feature that is one number per example) makes the search a regression, with
`val_loss`/min unless an objective is set; anything else stays a classification. Settled
before the search opens, so that what it records and reports is the task it trains.
"""

from __future__ import annotations

import logging

from search.data import features, tables
from search.data.folders import resolve_path
from search.errors import ConfigError
from search.experiment import DatasetConfig, Experiment, validate_experiment
from search.objectives_config import ObjectiveConfig
from search.tuning.task import TASKS, LabelKind

log = logging.getLogger(__name__)


def settled(experiment: Experiment) -> Experiment:
    """`experiment` with its task set: as written, else from what its label holds."""
    if "task" in experiment.model_fields_set:
        return experiment
    label, kind = label_of(experiment.dataset)
    if kind == "class":
        return experiment.model_copy(update={"task": "classification"})
    tuner = experiment.tuner
    objective = tuner.objective
    if "objective" not in tuner.model_fields_set:
        objective = ObjectiveConfig(**TASKS.get("regression").default_objective())
    data = experiment.model_dump(mode="json")
    data["task"] = "regression"
    data["tuner"]["objective"] = objective.model_dump(mode="json")
    try:
        regression = validate_experiment(data, source=f"label '{label}' is numeric")
    except ConfigError as error:
        raise ConfigError(f"{error} (or set `task: classification`)") from None
    log.info(
        "task: regression, inferred from the numeric label '%s' (objective %s %s); "
        "set `task:` to choose",
        label,
        objective.direction,
        objective.name,
    )
    return regression


def label_of(config: DatasetConfig) -> tuple[str, LabelKind]:
    """(the label's name, what it holds), reading a table's file or a builder's features."""
    if config.kind == "table":
        assert config.path is not None and config.label is not None  # the config requires them
        path = resolve_path(config.path)
        frame = tables.read_table(path)
        tables.check_label(frame, config.label, path)
        return config.label, tables.label_kind(
            frame[config.label], None, config.categorical_max_distinct
        )
    from search.data.loading import open_builder

    builder, name, _, _ = open_builder(config)
    _, key = features.supervised_keys(builder, config.features)
    return key, features.label_kind(name, key, builder.info.features[key])
