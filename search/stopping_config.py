"""`tuner.early_stopping`: which rule stops a bad trial before its last epoch.

Kept apart from `search.experiment` (which imports it) so that the config stays one
module a job; the rules themselves are in `search.tuning.stopping`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from search.config_base import Strict
from search.errors import ConfigError

RuleName = Literal["none", "median", "asha"]


class EarlyStoppingConfig(Strict):
    """`median`: stop a trial whose objective at an epoch is worse than the median of the
    completed trials at that epoch. `asha`: asynchronous successive halving, epochs as the
    resource, rungs at min_epochs x reduction_factor^k epochs. With `tuner.kind: asha` the
    top 1/reduction_factor of each rung is continued to the next (`search.tuning.asha`);
    as the rule of another tuner, a trial goes on only while it is in the top
    1/reduction_factor of the trials that reached its rung (the stopping form)."""

    rule: RuleName = "none"
    grace_epochs: int = Field(1, ge=1, description="median: epochs a trial trains before judged")
    min_trials: int = Field(
        3, ge=1, description="median: completed trials that reached an epoch before judging there"
    )
    min_epochs: int = Field(1, ge=1, description="asha: epochs of the first rung")
    reduction_factor: int | None = Field(
        None, ge=2, description="asha: keep the top 1/this at each rung; unset: hyperband_factor"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_rule(cls, data: Any) -> Any:
        """`early_stopping: median` is enough."""
        return {"rule": data} if isinstance(data, str) else data


def rule_for_kind(kind: str, rule: str) -> str:
    """The rule a search applies: `tuner.kind: asha` halves by the asha rule (promoting).

    Raises ConfigError when the experiment names another rule for it."""
    if kind != "asha":
        return rule
    if rule not in ("none", "asha"):
        raise ConfigError(
            "tuner.early_stopping.rule: tuner.kind asha stops trials by the asha rule, "
            f"but got rule '{rule}'; remove it or choose another tuner.kind"
        )
    return "asha"
