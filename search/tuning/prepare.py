"""An experiment's data and hypermodel, checked: one path for searching and for retraining."""

from __future__ import annotations

from search.data.loading import LoadedData, load_dataset
from search.data.text import with_text_encoding
from search.errors import ConfigError
from search.experiment import Experiment
from search.speed import choice as speed
from search.tuning.hypermodel import SpaceHyperModel, check_fits
from search.tuning.metrics import extra_metric_names
from spaces import resolve_space


def prepare(experiment: Experiment) -> tuple[LoadedData, SpaceHyperModel]:
    """Loads the dataset, checks it fits the space, fits text encoding on train (text only).
    First applies this machine's fastest training settings (threads, precision, XLA)."""
    if experiment.task == "regression" and experiment.training.class_weight is not None:
        raise ConfigError(
            "training.class_weight weighs classes, and a regression has none: remove it"
        )
    speed.apply(speed.current())
    space = resolve_space(experiment.space)
    data = load_dataset(experiment.dataset, experiment.task)
    check_fits(space, data.spec)  # before fitting a vocabulary for nothing
    data = with_text_encoding(data, experiment.text)
    if space.check is not None:
        space.check(data.spec)
    extra: tuple[str, ...] = ()
    if experiment.task == "classification":
        extra = extra_metric_names(experiment.tuner.objective.name, data.spec)
    overrides = experiment.space.hyperparameters
    hypermodel = SpaceHyperModel(
        space,
        data.spec,
        overrides,
        task=experiment.task,
        loss=experiment.training.loss,
        extra_metrics=extra,
        training=experiment.training,
    )
    if not space.compiled:  # a compiled model brings its own head and loss
        hypermodel.task.check_labels(data.spec, data.spec.name)
    if space.compiled:
        import keras_tuner as kt

        from spaces.user import check_objective

        check_objective(hypermodel.build(kt.HyperParameters()), experiment.tuner.objective.name)
    return data, hypermodel


def with_space_digest(experiment: Experiment) -> Experiment:
    """`experiment` with the digest of the user's module its space comes from, for a search to
    record: an entry point's module is known only once imported, a file's when read."""
    from spaces.user import pinned

    space = pinned(experiment.space)
    return (
        experiment if space is experiment.space else experiment.model_copy(update={"space": space})
    )
