"""`search train`: one model from fixed hyperparameters (a best config, a run, a model)."""

from __future__ import annotations

from typing import Any

import click

from search.cli.common import (
    debug_option,
    open_store,
    setup_logging,
    tracking_uri_option,
    user_errors,
)
from search.tracking.schema import CHAMPION, RETRAINED

TRAIN_INTERRUPTED = (
    "interrupted: the training run is marked KILLED; run the same command again to train anew"
)


@click.command()
@click.argument("source")
@click.option("--epochs", type=click.IntRange(min=1), help="[default: the source's epochs]")
@click.option("--seed", type=int, help="[default: the source's tuner seed]")
@click.option("--batch-size", type=click.IntRange(min=1), help="[default: the source's]")
@click.option(
    "--with-validation",
    is_flag=True,
    help="Train on train+validation (final model; no validation score then).",
)
@click.option("--data-dir", help="TFDS data directory [default: the source's].")
@click.option("--model-name", help="Registered model name [default: the source's].")
@click.option(
    "--alias", default=RETRAINED, show_default=True, help="Alias set on the new model version."
)
@click.option(
    "--champion", is_flag=True, help=f"Also move the alias `{CHAMPION}` to the new version."
)
@tracking_uri_option
@click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr.")
@debug_option
def train(
    source: str,
    epochs: int | None,
    seed: int | None,
    batch_size: int | None,
    with_validation: bool,
    data_dir: str | None,
    model_name: str | None,
    alias: str,
    champion: bool,
    tracking_uri: str | None,
    verbose: bool,
    debug: bool,
) -> None:
    """Train one model with the fixed hyperparameters of SOURCE, evaluate it, register it.

    SOURCE is an experiment YAML with every hyperparameter fixed (see `search export`), an
    experiment name (its latest finished search's best trial), a search, trial or training
    run id, or models:/NAME@ALIAS. Early stopping and the NaN-loss guard apply as in a
    trial; while MLflow is unreachable the records wait in the training directory for
    `search sync`.
    """
    setup_logging(verbose)
    with user_errors(debug, TRAIN_INTERRUPTED):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.reuse.sources import is_file_reference, resolve_source
        from search.reuse.train import TrainOptions, check_alias, train_from_source
        from search.tracking.store import resolve_tracking_uri

        check_alias(alias)
        if is_file_reference(source):  # the store is opened (or made) once the file is valid
            uri, resolved = resolve_tracking_uri(tracking_uri), resolve_source(source)
        else:
            client, uri = open_store(tracking_uri)
            resolved = resolve_source(source, client)
        options = TrainOptions(
            epochs=epochs,
            seed=seed,
            batch_size=batch_size,
            data_dir=data_dir,
            with_validation=with_validation,
            model_name=model_name,
            alias=alias,
            champion=champion,
        )
        _report(train_from_source(resolved, uri, options))


def _report(result: Any) -> None:
    out = click.echo
    source = result.source
    training = result.experiment.training
    out(f"trained run id:    {result.run_id or 'pending'}")
    out(f"source:            {source.reference} ({source.describe()})")
    out(
        f"training:          {training.epochs} epochs, seed {result.experiment.tuner.seed}, "
        f"batch size {training.batch_size}"
    )
    if result.validation_score is None:
        out(f"{result.objective + ':':<19}n/a (trained on train+validation)")
    else:
        out(
            f"{result.objective + ':':<19}{result.validation_score:.4f} at epoch "
            f"{result.best_epoch + 1} (last epoch {result.final_validation:.4f})"
        )
    if source.score is not None:
        out(f"{'source ' + str(source.objective) + ':':<19}{source.score:.4f}")
    out("test metrics:      " + ", ".join(f"{k}={v:.4f}" for k, v in result.test_metrics.items()))
    out("hyperparameters:")
    for name, value in result.hyperparameters.items():
        out(f"  {name}: {value}")
    aliases = ", ".join(f"models:/{result.registered_model}@{a}" for a in result.aliases)
    if result.pending_records:
        out(f"registered model:  pending ({result.pending_records} tracking records not written)")
        click.echo(
            f"warning: MLflow at {result.tracking_uri} was unreachable; "
            f"{result.pending_records} records wait in {result.train_dir}; write them with: "
            f"search sync {result.train_dir}",
            err=True,
        )
    else:
        out(f"registered model:  {aliases} (version {result.model_version})")
