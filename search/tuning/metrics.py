"""AUC, F1, precision and recall for classifiers trained on class ids, usable as objectives.

Keras's own versions want one-hot (or 0/1) labels; ours take the class ids every dataset
gives. With two classes they score the second class (the positive one, in sorted order;
probability 0.5 as threshold); with more, F1, precision and recall are macro averages over
the classes of argmax predictions (as scikit-learn's `average="macro"`), and AUC is
micro-averaged over one-vs-rest columns. Their names are the plain `auc`,
`f1`, `precision` and `recall`, so the objectives are `val_auc`, `val_f1`, and so on.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from search.data.spec import DataSpec

NAMES = ("auc", "f1", "precision", "recall")


class _ClassIds:
    """Turns class ids into what the Keras metric wants: the positive column, or one-hot."""

    num_classes: int

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        ids = ops.reshape(ops.cast(y_true, "int32"), (-1,))
        if self.num_classes == 2:
            truth = ops.expand_dims(ops.cast(ids, y_pred.dtype), -1)
            return super().update_state(truth, y_pred[:, 1:2], sample_weight)  # type: ignore[misc]
        truth = ops.one_hot(ids, self.num_classes, dtype=y_pred.dtype)
        return super().update_state(truth, y_pred, sample_weight)  # type: ignore[misc]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes}  # type: ignore[misc]


@keras.saving.register_keras_serializable(package="search")
class ClassAUC(_ClassIds, keras.metrics.AUC):
    def __init__(self, num_classes: int, name: str = "auc", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes


class _PerClassRate(_ClassIds, keras.metrics.F1Score):
    """Precision or recall per class from F1Score's counts, averaged over the classes."""

    rate = "precision"

    def __init__(self, num_classes: int, name: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("average", None)
        kwargs.setdefault("threshold", 0.5 if num_classes == 2 else None)
        super().__init__(name=name or self.rate, **kwargs)
        self.num_classes = num_classes

    def result(self) -> Any:
        wrong = self.false_positives if self.rate == "precision" else self.false_negatives
        per_class = ops.divide_no_nan(self.true_positives, self.true_positives + wrong)
        return ops.mean(per_class)


@keras.saving.register_keras_serializable(package="search")
class ClassPrecision(_PerClassRate):
    rate = "precision"


@keras.saving.register_keras_serializable(package="search")
class ClassRecall(_PerClassRate):
    rate = "recall"


@keras.saving.register_keras_serializable(package="search")
class ClassF1(_ClassIds, keras.metrics.F1Score):
    def __init__(self, num_classes: int, name: str = "f1", **kwargs: Any) -> None:
        kwargs.setdefault("average", "macro")
        kwargs.setdefault("threshold", 0.5 if num_classes == 2 else None)
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes


METRICS = {"auc": ClassAUC, "f1": ClassF1, "precision": ClassPrecision, "recall": ClassRecall}


def extra_metric_names(objective: str, spec: DataSpec) -> tuple[str, ...]:
    """The metrics a classifier compiles besides the task's: all four for tables (where
    classes are often imbalanced), else the one the objective names, if any."""
    if spec.modality == "table":
        return NAMES
    return tuple(name for name in NAMES if name == objective.removeprefix("val_"))


def build_metrics(names: tuple[str, ...], num_classes: int) -> list[keras.metrics.Metric]:
    """Fresh metric objects (one set per compiled model: they hold state)."""
    return [METRICS[name](num_classes) for name in names]
