"""A warm start for a new search from any source (`search run EXPERIMENT --warm-start SOURCE`)."""

from __future__ import annotations

from search.errors import ConfigError
from search.experiment import Experiment
from search.reuse.sources import Source
from search.space_source import check_recorded
from search.tuning.warm_start import WarmStart


def warm_start_from(source: Source, experiment: Experiment) -> WarmStart:
    """The source's values as the first trial of `experiment`, if they are of the same space.

    Values are checked against the experiment's (possibly narrowed) space by the runner,
    before anything is written.
    """
    theirs, ours = source.experiment.space.name, experiment.space.name
    if theirs != ours:
        raise ConfigError(
            f"warm start {source.reference} is a configuration of space '{theirs}', "
            f"but experiment '{experiment.name}' searches space '{ours}'"
        )
    recorded = source.experiment.space
    check_recorded(
        recorded.function or recorded.module or f"of space '{ours}'",  # an entry point's
        experiment.space.digest,
        recorded.digest,
    )  # the same space name from another version of the user's module means other values
    return WarmStart(values=dict(source.hyperparameters), source=source.describe())
