"""`tuner.refit`: after exploring, train the best configuration once more on train +
validation, the model that is then tested and registered (`search.refit`).

Kept apart from `search.experiment` (which imports it) so that the config stays one module a
job.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from search.config_base import Strict


class RefitConfig(Strict):
    """`refit: true` is enough. By default (`epochs: best`) the refit trains the best trial's
    best epoch + 1 epochs, scaled by (train + validation) / train, at most `training.epochs`
    times that factor; `epochs: 12` trains 12; `epochs: fill` as many as the budget left
    allows (a one-cycle schedule gains from every epoch it is given). With
    `tuner.max_seconds`, `share` of the budget is kept for it, plus what the trials left
    unspent; a timed run of a few of its batches says how many epochs fit (fewer, or none)."""

    enabled: bool = False
    share: float = Field(0.2, gt=0.0, lt=0.9, description="of tuner.max_seconds kept for the refit")
    epochs: int | Literal["best", "fill"] = Field(
        "best",
        description="best: the best trial's best epoch + 1, scaled; a number: that many; "
        "fill: as many as the budget left allows (needs tuner.max_seconds)",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_bool(cls, data: Any) -> Any:
        return {"enabled": data} if isinstance(data, bool) else data

    @model_validator(mode="after")
    def _epochs_make_sense(self) -> RefitConfig:
        if isinstance(self.epochs, int) and self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        return self


class RefitFields(Strict):
    """The tuner's fields for exploring cheap and finishing full (`TunerConfig` has them)."""

    @model_validator(mode="after")
    def _fill_needs_a_budget(self) -> RefitFields:
        if (
            self.refit.enabled
            and self.refit.epochs == "fill"
            and not getattr(self, "max_seconds", None)
        ):
            raise ValueError("refit epochs: fill needs tuner.max_seconds (the budget it fills)")
        return self

    refit: RefitConfig = RefitConfig()
    explore_fraction: float = Field(
        1.0, gt=0.0, le=1.0, description="of the train split each trial trains on (refit: all)"
    )
