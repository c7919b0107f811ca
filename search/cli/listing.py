"""`search list`: what this installation knows by name."""

from __future__ import annotations

import click

from search.cli.common import user_errors
from search.tuning.tuners import TUNERS


@click.command(name="list")
def list_() -> None:
    """List the experiments, spaces, datasets and tuners this installation knows."""
    with user_errors(False):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.data.builders import OFFLINE_BUILDERS
        from search.experiment import available_experiments
        from spaces import SPACES

        click.echo("experiments: " + ", ".join(available_experiments()))
        click.echo(
            "spaces:      " + ", ".join(f"{n} ({SPACES.get(n).modality})" for n in SPACES.names())
        )
        click.echo(
            "datasets:    "
            + ", ".join(OFFLINE_BUILDERS)
            + " (offline), or any TFDS name (downloads when online)"
        )
        click.echo("tuners:      " + ", ".join(TUNERS.names()))
