"""What a model is trained to do: the head on a space's features, the loss, metrics, objective.

Spaces end in a feature tensor and know nothing of the task; the hypermodel adds the task's
head and compiles with its loss and metrics. A new task (regression, say) is one more entry
here, and no space changes.

Kept free of module-level Keras imports: the experiment config reads the default objective
from here, and loading a config should not start TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from search.registry import Registry

TaskName = Literal["classification"]


class Targets(Protocol):
    """What a head needs to know of the data (a `search.data.spec.DataSpec` is one).

    A protocol, not the DataSpec import: the experiment config imports this module, and
    the data spec refers back to the config.
    """

    @property
    def num_classes(self) -> int: ...


# head(features, spec) -> the model's outputs
HeadFn = Callable[[Any, Targets], Any]


@dataclass(frozen=True)
class Task:
    """The head, loss, metrics and default objective of one kind of supervised task."""

    name: str
    head: HeadFn
    loss: str
    metrics: tuple[str, ...]
    objective: str
    direction: Literal["max", "min"]

    def default_objective(self) -> dict[str, str]:
        """The objective a search optimises when the experiment names none."""
        return {"name": self.objective, "direction": self.direction}


TASKS: Registry[Task] = Registry("task")


def classification_head(features: Any, spec: Targets) -> Any:
    """Softmax over the classes, kept in float32 whatever the compute precision.

    Named `probabilities`: exported models and their reports refer to the layer by name.
    """
    from keras import layers

    return layers.Dense(
        spec.num_classes, activation="softmax", dtype="float32", name="probabilities"
    )(features)


TASKS.add(
    "classification",
    Task(
        name="classification",
        head=classification_head,
        loss="sparse_categorical_crossentropy",
        metrics=("accuracy",),
        objective="val_accuracy",
        direction="max",
    ),
)
