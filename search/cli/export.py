"""`search export`: the best configuration of a search as a runnable experiment file."""

from __future__ import annotations

from pathlib import Path

import click

from search.cli.common import (
    debug_option,
    open_store,
    setup_logging,
    tracking_uri_option,
    user_errors,
)


@click.command()
@click.argument("source")
@click.option(
    "--to",
    "to",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The experiment YAML to write (e.g. experiments/image-cnn-tuned.yaml).",
)
@click.option("--name", help="Experiment name inside the file [default: the file's stem].")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@tracking_uri_option
@debug_option
def export(
    source: str, to: Path, name: str | None, force: bool, tracking_uri: str | None, debug: bool
) -> None:
    """Write the configuration of SOURCE, every hyperparameter fixed, as an experiment file.

    SOURCE is an experiment name (its latest finished search), a search, trial or training
    run id, a models:/NAME@ALIAS URI, or an experiment YAML.
    """
    setup_logging(False)
    with user_errors(debug):
        from search.reuse.export import export_source
        from search.reuse.sources import is_file_reference, resolve_source

        client = None if is_file_reference(source) else open_store(tracking_uri)[0]
        resolved = resolve_source(source, client)
        experiment = export_source(resolved, to, name, force)
        click.echo(f"wrote {to} (experiment '{experiment.name}', from {resolved.describe()})")
        for hp, value in resolved.hyperparameters.items():
            click.echo(f"  {hp}: {value}")
