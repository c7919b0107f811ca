"""A trial's objective values as the oracle recorded them: the learning objective at its best
epoch, other metrics at that same epoch, measures as recorded."""

from __future__ import annotations

from types import SimpleNamespace

from keras_tuner.src.engine.metrics_tracking import MetricsTracker

from search.objectives_config import ObjectiveConfig
from search.tuning.objective_values import values_of

ACCURACY, LOSS, LATENCY = (
    ObjectiveConfig.model_validate(n) for n in ("val_accuracy", "val_loss", "latency_ms")
)


def _trial(accuracy: list[float], loss: list[float], latency: float | None) -> SimpleNamespace:
    metrics = MetricsTracker()
    for step, (a, v) in enumerate(zip(accuracy, loss, strict=True)):
        metrics.update("val_accuracy", a, step=step)
        metrics.update("val_loss", v, step=step)
    if latency is not None:
        metrics.update("latency_ms", latency, step=metrics.get_best_step("val_accuracy"))
    return SimpleNamespace(metrics=metrics)


def test_values_are_read_at_the_best_epoch_of_the_first_objective() -> None:
    trial = _trial([0.5, 0.9, 0.7], [1.0, 0.4, 0.3], latency=1.5)
    assert values_of(trial, [ACCURACY, LOSS, LATENCY]) == [0.9, 0.4, 1.5]


def test_a_missing_value_leaves_the_trial_out() -> None:
    assert values_of(_trial([0.5], [1.0], latency=None), [ACCURACY, LATENCY]) is None
    assert values_of(SimpleNamespace(metrics=MetricsTracker()), [ACCURACY, LATENCY]) is None
