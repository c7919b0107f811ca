"""`tuner.constraints`: limits a shippable model must meet (size, compute, speed, file size).

A model over `max_params` or `max_flops` is refused as soon as it is built, before it trains;
one over `max_latency_ms` or `max_model_mb` is known only once trained: it completes, is tagged
with what it broke, scores as badly as the worst trial, and is never the best.
"""

from __future__ import annotations

from pydantic import Field

from search.config_base import Strict

BUILT = ("max_params", "max_flops")  # known when the model is built: checked before training
TRAINED = ("max_latency_ms", "max_model_mb")  # known once it has trained


class ConstraintsConfig(Strict):
    max_params: int | None = Field(None, ge=1, description="parameters (all weights)")
    max_flops: float | None = Field(None, gt=0, description="forward FLOPs for one example")
    max_latency_ms: float | None = Field(
        None, gt=0, description="median milliseconds to predict one example, after training"
    )
    max_model_mb: float | None = Field(None, gt=0, description="saved .keras file, in MB (1e6)")

    def limits(self) -> dict[str, float]:
        """The constraints that are set, by name."""
        return {k: float(v) for k, v in self.model_dump().items() if v is not None}

    @property
    def active(self) -> bool:
        return bool(self.limits())
