"""What a model is trained to do: the head on a space's features, the loss, metrics, objective.

Spaces end in a feature tensor and know nothing of the task; the hypermodel adds the task's
head and compiles with its loss and metrics. A new task is one more entry here, and no space
changes.

Kept free of module-level Keras imports: the experiment config reads the default objective
from here, and loading a config should not start TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from search.errors import ConfigError
from search.registry import Registry

TaskName = Literal["classification", "regression"]
LabelKind = Literal["class", "number"]

# Metrics where lower is better: `objective: val_mae` then means direction min.
MINIMIZED = ("loss", "mae", "mse", "rmse", "error")


class Targets(Protocol):
    """What a head needs to know of the labels (a `search.data.spec.DataSpec` is one).

    A protocol, not the DataSpec import: the experiment config imports this module, and
    the data spec refers back to the config. `num_classes` is 0 for a numeric label; the
    label's train mean and standard deviation are 0 and 1 for class labels.
    """

    @property
    def label_kind(self) -> LabelKind: ...
    @property
    def num_classes(self) -> int: ...
    @property
    def label_mean(self) -> float: ...
    @property
    def label_std(self) -> float: ...


# head(features, targets) -> the model's outputs
HeadFn = Callable[[Any, Targets], Any]


@dataclass(frozen=True)
class Task:
    """The head, losses, metrics and default objective of one kind of supervised task."""

    name: str
    label_kind: LabelKind  # the labels it trains on
    head: HeadFn
    losses: tuple[str, ...]  # the first is the default
    metrics: tuple[str, ...]
    objective: str
    direction: Literal["max", "min"]
    # Compiled when the objective names one (all for tables): search.tuning.metrics.NAMES.
    optional_metrics: tuple[str, ...] = ()

    def default_objective(self) -> dict[str, str]:
        """The objective a search optimises when the experiment names none."""
        return {"name": self.objective, "direction": self.direction}

    def loss(self, name: str | None = None) -> str:
        """The Keras loss `name` (the task's default when None), refused when not the task's."""
        if name is None:
            return self.losses[0]
        if name not in self.losses:
            raise ConfigError(
                f"training.loss '{name}' is not a {self.name} loss; choose between "
                f"{', '.join(self.losses)}"
            )
        return name

    def keras_metrics(self) -> list[Any]:
        """Fresh Keras metric objects, named as the task names them (logged as `val_<name>`)."""
        return [METRICS.get(name)() for name in self.metrics]

    def check_objective(self, objective: str) -> None:
        """An objective the task's models never report (val_accuracy for a regression) would
        leave every trial without a score: refused before anything trains."""
        known = ("loss", *self.metrics, *self.optional_metrics)
        if objective.removeprefix("val_") not in known:
            choices = ", ".join(f"val_{m}" for m in known)
            raise ConfigError(
                f"tuner.objective '{objective}' is not reported by a {self.name} task; "
                f"choose between {choices}"
            )

    def check_labels(self, targets: Targets, dataset: str) -> None:
        """The labels must be what the task trains on: one line before anything trains."""
        if targets.label_kind == self.label_kind:
            return
        found = "numbers" if targets.label_kind == "number" else "class labels"
        wanted = "regression" if targets.label_kind == "number" else "classification"
        raise ConfigError(
            f"dataset '{dataset}' has {found} as labels, but the task is {self.name}: "
            f"set `task: {wanted}` (and an objective it reports)"
        )


def default_direction(objective: str) -> Literal["max", "min"]:
    """min for losses and errors (val_loss, val_mae, val_rmse), else max."""
    return "min" if objective.endswith(MINIMIZED) else "max"


TASKS: Registry[Task] = Registry("task")
METRICS: Registry[Callable[[], Any]] = Registry("metric")


def classification_head(features: Any, targets: Targets) -> Any:
    """Softmax over the classes, kept in float32 whatever the compute precision.

    Named `probabilities`: exported models and their reports refer to the layer by name.
    """
    from keras import layers

    return layers.Dense(
        targets.num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(features)


def regression_head(features: Any, targets: Targets) -> Any:
    """One linear unit in float32, scaled back to the label's units with the train split's
    mean and standard deviation: the net learns a standardized target, and the exported
    model still predicts raw values. Named `prediction`."""
    from keras import layers

    standard = layers.Dense(1, dtype="float32", name="standardized_prediction")(features)
    return layers.Rescaling(
        targets.label_std, targets.label_mean, dtype="float32", name="prediction"
    )(standard)


def _metric(name: str, cls: str) -> None:
    def make() -> Any:
        import keras

        return getattr(keras.metrics, cls)(name=name)

    METRICS.add(name, make)


for _name, _cls in (
    ("accuracy", "SparseCategoricalAccuracy"),
    ("mae", "MeanAbsoluteError"),
    ("rmse", "RootMeanSquaredError"),
    ("r2", "R2Score"),
):
    _metric(_name, _cls)

TASKS.add(
    "classification",
    Task(
        name="classification",
        label_kind="class",
        head=classification_head,
        losses=("sparse_categorical_crossentropy",),
        metrics=("accuracy",),
        objective="val_accuracy",
        direction="max",
        optional_metrics=("auc", "f1", "precision", "recall"),
    ),
)
TASKS.add(
    "regression",
    Task(
        name="regression",
        label_kind="number",
        head=regression_head,
        losses=("mse", "mae", "huber"),
        metrics=("mae", "rmse", "r2"),
        objective="val_loss",
        direction="min",
    ),
)
