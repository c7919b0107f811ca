"""A space plus a dataset becomes a keras-tuner HyperModel: inputs, preprocessing, compile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import keras_tuner as kt

from search.data.preprocessing import image_preprocessing_layers
from search.data.spec import DataSpec
from search.errors import SpaceMismatchError
from search.experiment import HyperparameterOverride
from search.tuning.overrides import OverridingHyperParameters
from spaces.registry import Space

LEARNING_RATE = ("learning_rate", 1e-4, 1e-2)


def check_fits(space: Space, spec: DataSpec) -> None:
    """A space only takes data of its modality; say so before anything trains."""
    if space.modality != spec.modality:
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
    """Builds and compiles a space for one dataset, with the experiment's overrides applied."""

    def __init__(
        self,
        space: Space,
        spec: DataSpec,
        overrides: Mapping[str, HyperparameterOverride] | None = None,
    ) -> None:
        super().__init__(name=space.name)
        check_fits(space, spec)
        self.space = space
        self.spec = spec
        self.overrides = dict(overrides or {})

    def build(self, hp: kt.HyperParameters) -> keras.Model:
        return self.build_declaring(hp)[0]

    def build_declaring(self, hp: kt.HyperParameters) -> tuple[keras.Model, set[str]]:
        """The compiled model and the names of the hyperparameters it declared."""
        scoped = OverridingHyperParameters(hp, self.overrides)
        raw = keras.Input(shape=self.spec.input_shape, dtype=input_dtype(self.spec), name="inputs")
        x = raw
        for layer in preprocessing_layers(self.spec):
            x = layer(x)
        outputs = self.space.build(scoped, x, self.spec)
        model = keras.Model(raw, outputs, name=self.space.name.replace("-", "_"))
        learning_rate = scoped.Float(*LEARNING_RATE, sampling="log")
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model, scoped.declared

    def fit(self, hp: kt.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any) -> Any:
        return model.fit(*args, **kwargs)


def check_overrides(hypermodel: SpaceHyperModel, max_builds: int = 64) -> set[str]:
    """Builds the space (exploring choices only as needed) to check every override name.

    Returns the hyperparameter names seen. A name no build declares is a ConfigError, as is a
    space that cannot be built with the overrides (e.g. groups that do not divide filters).
    """
    from search.errors import ConfigError
    from search.registry import unknown_name_message

    wanted, seen = set(hypermodel.overrides), set[str]()
    frontier: list[dict[str, Any]] = [{}]
    builds = 0
    while frontier and builds < max_builds:
        assignment = frontier.pop(0)
        hp = kt.HyperParameters()
        hp.values.update(assignment)
        try:
            _, declared = hypermodel.build_declaring(hp)
        except ConfigError:  # an override that does not fit its declaration, said as such
            raise
        except Exception as error:
            raise ConfigError(
                f"space '{hypermodel.space.name}' cannot be built with the experiment's "
                f"hyperparameters {dict(assignment) or ''}: {error}"
            ) from error
        builds += 1
        new = declared - seen
        seen |= declared
        if wanted <= seen:
            break
        for entry in hp.space:
            if entry.name in new:
                for value in _other_values(entry, hp.values.get(entry.name)):
                    frontier.append({**assignment, entry.name: value})
    # Once, not per build: the garbage collection inside `clear_session` cost more than
    # the builds themselves (64 builds: about 4x slower).
    keras.backend.clear_session()
    missing = sorted(wanted - seen)
    if missing:
        kind = f"hyperparameter of space '{hypermodel.space.name}'"
        raise ConfigError(
            f"space.hyperparameters: {unknown_name_message(kind, missing[0], sorted(seen))}"
        )
    return seen


def _other_values(entry: Any, current: Any, limit: int = 8) -> list[Any]:
    """The values of a discrete hyperparameter other than `current` (none for wide ranges)."""
    if isinstance(entry, kt.engine.hyperparameters.Boolean):
        values: list[Any] = [True, False]
    elif hasattr(entry, "values"):
        values = list(entry.values)
    elif isinstance(entry, kt.engine.hyperparameters.Int):
        values = list(range(entry.min_value, entry.max_value + 1, entry.step or 1))
        if len(values) > limit:
            return []
    else:
        return []
    return [v for v in values if v != current]
