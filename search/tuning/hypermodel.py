"""A space plus a dataset becomes a keras-tuner HyperModel: inputs, preprocessing, the space's
features, the task's head, compile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import keras_tuner as kt

from search.data.preprocessing import image_preprocessing_layers
from search.data.spec import DataSpec
from search.errors import ConfigError, SpaceMismatchError
from search.experiment import HyperparameterOverride
from search.registry import unknown_name_message
from search.tuning.explore import explore
from search.tuning.overrides import OverridingHyperParameters
from search.tuning.task import TASKS, Task
from spaces.registry import Space

LEARNING_RATE = ("learning_rate", 1e-4, 1e-2)


def check_fits(space: Space, spec: DataSpec) -> None:
    """A space only takes data of its modality; say so before anything trains."""
    if not space.compiled and space.modality != spec.modality:
        raise SpaceMismatchError(
            f"space '{space.name}' takes {space.modality} data, but dataset '{spec.name}' "
            f"holds {spec.modality} data"
        )


def preprocessing_layers(spec: DataSpec) -> list[keras.layers.Layer]:
    """Layers inside the model that turn raw inputs into what spaces expect.

    Images: pixels 0..255 to 0..1. Text: raw strings to token ids with the vocabulary fitted
    on the train split (`search.data.text.with_text_encoding`), so the model takes strings.
    """
    if spec.modality == "image":
        return image_preprocessing_layers(spec)
    if spec.text is None:
        raise ValueError(f"text dataset '{spec.name}' has no fitted vocabulary (spec.text)")
    from search.data.text import vectorizer

    return [vectorizer(spec.text)]


def input_dtype(spec: DataSpec) -> str:
    """Text comes in as one scalar string per example, images as float32 pixels."""
    return "string" if spec.modality == "text" else "float32"


class SpaceHyperModel(kt.HyperModel):
    """Builds a space for one dataset, adds the task's head and compiles for the task, with
    the experiment's overrides applied."""

    def __init__(
        self,
        space: Space,
        spec: DataSpec,
        overrides: Mapping[str, HyperparameterOverride] | None = None,
        task: Task | str = "classification",
    ) -> None:
        super().__init__(name=space.name)
        check_fits(space, spec)
        self.space = space
        self.spec = spec
        self.overrides = dict(overrides or {})
        self.task = TASKS.get(task) if isinstance(task, str) else task

    def build(self, hp: kt.HyperParameters) -> keras.Model:
        from search.speed.choice import jit_compile

        model = self.build_declaring(hp)[0]
        if jit_compile():  # XLA where this machine measured it faster (search.speed)
            model.jit_compile = True
        return model

    def build_declaring(self, hp: kt.HyperParameters) -> tuple[keras.Model, set[str]]:
        """The compiled model and the names of the hyperparameters it declared."""
        scoped = OverridingHyperParameters(hp, self.overrides)
        if self.space.compiled:  # the user's own build_model(hp): used as it is
            return self.space.build(scoped, None, self.spec), scoped.declared
        raw = keras.Input(shape=self.spec.input_shape, dtype=input_dtype(self.spec), name="inputs")
        x = raw
        for layer in preprocessing_layers(self.spec):
            x = layer(x)
        features = self.space.build(scoped, x, self.spec)
        outputs = self.task.head(features, self.spec)
        model = keras.Model(raw, outputs, name=self.space.name.replace("-", "_"))
        learning_rate = scoped.Float(*LEARNING_RATE, sampling="log")
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=self.task.loss,
            metrics=list(self.task.metrics),
        )
        return model, scoped.declared

    def fit(self, hp: kt.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any) -> Any:
        return model.fit(*args, **kwargs)


def check_overrides(hypermodel: SpaceHyperModel, max_builds: int = 64) -> set[str]:
    """Builds the space (exploring choices only as needed) to check every override name.

    Returns the hyperparameter names seen. A name no build declares is a ConfigError, as is a
    space that cannot be built with the overrides (e.g. groups that do not divide filters).
    """
    wanted = set(hypermodel.overrides)
    seen = set(
        explore(hypermodel.build, hypermodel.space.name, max_builds, lambda seen: wanted <= seen)
    )
    missing = sorted(wanted - seen)
    if missing:
        kind = f"hyperparameter of space '{hypermodel.space.name}'"
        raise ConfigError(
            f"space.hyperparameters: {unknown_name_message(kind, missing[0], sorted(seen))}"
        )
    return seen
