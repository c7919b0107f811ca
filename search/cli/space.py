"""`search space show`: what an experiment's space will search, before any training."""

from __future__ import annotations

import click

from search.cli.common import debug_option, setup_logging, user_errors


@click.group()
def space() -> None:
    """Spaces: show the hyperparameters an experiment's space declares."""


@space.command()
@click.argument("experiment")
@click.option("--data-dir", help="Override dataset.data_dir (TFDS data directory).")
@debug_option
def show(experiment: str, data_dir: str | None, debug: bool) -> None:
    """Show each hyperparameter of EXPERIMENT's space (its values and condition) and the
    parameter count of the smallest and largest model; nothing is trained or written."""
    setup_logging(False)
    with user_errors(debug):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.experiment import load_experiment
        from search.tuning.space_summary import show_space

        loaded = load_experiment(experiment).with_overrides(**{"dataset.data_dir": data_dir})
        for line in show_space(loaded).lines():
            click.echo(line)
