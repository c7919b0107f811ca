"""The `search` command line: each command lives in its own module; this one registers them.

Commands parse, call one library function and report; errors become exit codes in
`search.cli.common`. Nothing outside this package imports it.
"""

from __future__ import annotations

import click

from search.cli.bench import bench
from search.cli.best import best
from search.cli.chief import chief
from search.cli.common import OneLineUsageGroup
from search.cli.data import data
from search.cli.export import export
from search.cli.listing import list_
from search.cli.run import run
from search.cli.space import space
from search.cli.sync import sync
from search.cli.train import train
from search.cli.ui import ui
from search.cli.worker import worker


@click.group(
    cls=OneLineUsageGroup,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.version_option(package_name="search")
def main() -> None:
    """Tune Keras models with keras-tuner; every trial tracked in MLflow."""


for command in (run, chief, worker, best, export, train, ui, sync, data, space, list_, bench):
    main.add_command(command)

__all__ = ["main"]
