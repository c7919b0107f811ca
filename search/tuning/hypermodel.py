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
from search.experiment import HyperparameterOverride, TrainingConfig
from search.registry import unknown_name_message
from search.tuning import recipe as recipes
from search.tuning.explore import explore
from search.tuning.metrics import build_metrics
from search.tuning.overrides import OverridingHyperParameters
from search.tuning.task import TASKS, Task
from search.tuning.training import ready_to_fit
from spaces.registry import Space

LEARNING_RATE = ("learning_rate", 1e-4, 1e-2)


def check_fits(space: Space, spec: DataSpec) -> None:
    """A space only takes data of its modality; say so before anything trains."""
    if not space.compiled and space.modality != spec.modality:
        raise SpaceMismatchError(
            f"space '{space.name}' takes {space.modality} data, but dataset '{spec.name}' "
            f"holds {spec.modality} data"
        )


def preprocessing_layers(spec: DataSpec, hp: Any = None) -> list[keras.layers.Layer]:
    """Layers inside the model that turn raw inputs into what spaces expect.

    Images: augmentation (pad-and-crop and cutout read from `hp` where searched), then
    pixels 0..255 to 0..1. Text: raw strings to token ids with the vocabulary fitted
    on the train split (`search.data.text.with_text_encoding`), so the model takes strings.
    Vectors: taken as they are (a builder of your own decides their scale).
    """
    if spec.modality == "image":
        if hp is None:
            return image_preprocessing_layers(spec)
        extra = recipes.augmentation_layers(hp, spec.augment, spec.input_shape)
        return image_preprocessing_layers(spec, extra)
    if spec.modality == "vector":
        return []
    if spec.text is None:
        raise ValueError(f"text dataset '{spec.name}' has no fitted vocabulary (spec.text)")
    from search.data.text import vectorizer

    return [vectorizer(spec.text)]


def input_dtype(spec: DataSpec) -> str:
    """Text comes in as one scalar string per example, images as float32 pixels."""
    return "string" if spec.modality == "text" else "float32"


def model_inputs(spec: DataSpec, hp: Any = None) -> tuple[Any, Any, type[keras.Model]]:
    """The model's raw inputs, the preprocessed tensor a space starts from, the model class.

    A table has one named input per column and a model whose `predict` takes a DataFrame.
    """
    if spec.modality == "table":
        assert spec.table is not None  # set by search.data.table_loading
        from search.data.table_model import TableModel, table_inputs

        inputs, x = table_inputs(spec.table)
        return inputs, x, TableModel
    raw = keras.Input(shape=spec.input_shape, dtype=input_dtype(spec), name="inputs")
    x = raw
    for layer in preprocessing_layers(spec, hp):
        x = layer(x)
    return raw, x, keras.Model


class SpaceHyperModel(kt.HyperModel):
    """Builds a space for one dataset, adds the task's head and compiles for the task (and
    `extra_metrics`, e.g. AUC), with the experiment's overrides applied."""

    def __init__(
        self,
        space: Space,
        spec: DataSpec,
        overrides: Mapping[str, HyperparameterOverride] | None = None,
        task: Task | str = "classification",
        extra_metrics: tuple[str, ...] = (),
        loss: str | None = None,
        training: TrainingConfig | None = None,
    ) -> None:
        super().__init__(name=space.name)
        check_fits(space, spec)
        self.space = space
        self.spec = spec
        self.overrides = dict(overrides or {})
        self.task = TASKS.get(task) if isinstance(task, str) else task
        self.extra_metrics = extra_metrics
        self.loss = self.task.loss(loss)
        self.training = training or TrainingConfig()
        # (examples an epoch, epochs) a schedule spans; None: the train split, training.epochs
        self.schedule_span: tuple[int, int] | None = None  # the refit's own (search.refit)

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
        raw, x, model_class = model_inputs(self.spec, scoped)
        features = self.space.build(scoped, x, self.spec)
        outputs = self.task.head(features, self.spec)
        model = model_class(raw, outputs, name=self.space.name.replace("-", "_"))
        learning_rate = scoped.Float(*LEARNING_RATE, sampling="log")
        self.compile_model(model, scoped, learning_rate)
        return model, scoped.declared

    def compile_model(self, model: keras.Model, hp: Any, learning_rate: float) -> None:
        """Compiles with the trial's recipe: optimizer, schedule over its steps, loss."""
        recipe = recipes.read_recipe(hp, self.training.recipe)
        batch = recipe.batch_size or self.training.batch_size
        examples, epochs = self.schedule_span or (
            self.spec.split_sizes.get("train", 0),
            self.training.epochs,
        )
        epochs = recipes.schedule_epochs(getattr(hp, "values", {}), epochs)
        steps = recipes.steps_per_epoch(examples, batch)
        schedule = recipes.learning_rate_schedule(recipe.lr_schedule, learning_rate, steps, epochs)
        model.compile(
            optimizer=recipes.make_optimizer(recipe, schedule),
            loss=recipes.make_loss(self.loss, recipe),
            metrics=[
                *self.task.keras_metrics(),
                *build_metrics(self.extra_metrics, self.spec.num_classes),
            ],
        )

    def fit(self, hp: kt.HyperParameters, model: keras.Model, *args: Any, **kwargs: Any) -> Any:
        """Trains on the pipelines, rebatched to the trial's batch size where it has one."""
        batch = self.batch_size(hp)
        if batch is not None and "x" in kwargs:
            import tensorflow as tf

            examples = (self.schedule_span or (self.spec.split_sizes.get("train"), 0))[0]
            rebatched = kwargs["x"].rebatch(batch)  # as unbatch().batch(), without the copy
            if examples:  # a known epoch length, as before (else Keras warns it ran out of data)
                steps = recipes.steps_per_epoch(examples, batch)
                rebatched = rebatched.apply(tf.data.experimental.assert_cardinality(steps))
            kwargs["x"] = rebatched
        ready = ready_to_fit(model, kwargs.get("x"))  # the training pipeline, by name
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), *ready]
        return model.fit(*args, **kwargs)

    def batch_size(self, hp: kt.HyperParameters) -> int | None:
        """The recipe's batch size for this trial (None: the pipelines' own)."""
        if self.training.recipe.batch_size is None:
            return None
        return recipes.batch_size_of(self.training, hp.values)


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
