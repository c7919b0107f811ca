"""`search sync`: writes the tracking records a search or a training run kept while MLflow was
unreachable."""

from __future__ import annotations

from pathlib import Path

import click

from search.cli.common import debug_option, setup_logging, user_errors


@click.command()
@click.argument("target")
@click.option("--output-dir", help="Override output_dir when TARGET is an experiment.")
@debug_option
def sync(target: str, output_dir: str | None, debug: bool) -> None:
    """Write pending MLflow records of TARGET: a search or training directory, or an experiment's
    searches and training runs."""
    setup_logging(False)
    with user_errors(debug):
        import spaces  # noqa: F401  (registers the custom layers a pending model file holds)
        from search.errors import SearchError
        from search.tracking.sync import sync_directory
        from search.workspace import read_state

        directories = _search_dirs(target, output_dir)
        left = 0
        for directory in directories:
            written, pending = sync_directory(directory, read_state(directory))
            left += pending
            click.echo(f"{directory}: {written} records written, {pending} pending")
        if left:
            raise SearchError(f"{left} records are still pending; run `search sync` again")


def _search_dirs(target: str, output_dir: str | None) -> list[Path]:
    """TARGET itself when it is a search or training directory, else every one of the
    experiment."""
    from search.errors import ConfigError
    from search.experiment import load_experiment
    from search.workspace import STATE, experiment_root, is_search_dir, tracked_dirs

    path = Path(target)
    if is_search_dir(path):
        return [path]
    if path.is_dir():
        raise ConfigError(f"{path} is not a search directory (it has no {STATE})")
    experiment = load_experiment(target).with_overrides(output_dir=output_dir)
    root = experiment_root(experiment)
    found = tracked_dirs(root)
    if not found:
        raise ConfigError(f"no search of experiment '{experiment.name}' under {root}")
    return found
