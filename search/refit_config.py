"""`tuner.refit`: after exploring, train the best configuration once more on train +
validation, the model that is then tested and registered (`search.refit`).

Kept apart from `search.experiment` (which imports it) so that the config stays one module a
job.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from search.config_base import Strict


class RefitConfig(Strict):
    """`refit: true` is enough. The refit trains the best trial's best epoch + 1 epochs,
    scaled by (train + validation) / train, at most `training.epochs` times that factor;
    with `tuner.max_seconds`, `share` of the budget is kept for it (fewer epochs, or none,
    when the best trial's pace says they do not fit)."""

    enabled: bool = False
    share: float = Field(0.2, gt=0.0, lt=0.9, description="of tuner.max_seconds kept for the refit")

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, data: Any) -> Any:
        return {"enabled": data} if isinstance(data, bool) else data


class RefitFields(Strict):
    """The tuner's fields for exploring cheap and finishing full (`TunerConfig` has them)."""

    refit: RefitConfig = RefitConfig()
    explore_fraction: float = Field(
        1.0, gt=0.0, le=1.0, description="of the train split each trial trains on (refit: all)"
    )
