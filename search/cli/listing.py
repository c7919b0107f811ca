"""`search list`: what this installation knows by name."""

from __future__ import annotations

from typing import Any

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
        from spaces.user import load_entry_points

        load_entry_points()
        click.echo("experiments: " + ", ".join(available_experiments()))
        click.echo("spaces:")
        for name in SPACES.names():
            space = SPACES.get(name)
            click.echo(f"  {name} ({space.modality}; {space.origin})")
        for line in _experiment_spaces(available_experiments()):
            click.echo(line)
        click.echo(
            "datasets:    "
            + ", ".join(OFFLINE_BUILDERS)
            + " (offline), or any TFDS name (downloads when online)"
        )
        click.echo("tuners:      " + ", ".join(TUNERS.names()))


def _experiment_spaces(experiments: dict[str, Any]) -> list[str]:
    """The spaces experiments take from the user's Python, named without importing them."""
    from search.errors import SearchError
    from search.experiment import load_experiment

    lines = []
    for name, path in experiments.items():
        try:
            space = load_experiment(str(path)).space
        except SearchError:
            continue  # `search run` says what is wrong with it
        if space.function is not None:
            lines.append(f"  {space.name} (function {space.function}; experiment {name})")
        elif space.module is not None:
            lines.append(f"  {space.name} (module {space.module}; experiment {name})")
    return lines
