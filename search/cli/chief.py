"""`search chief`: a search whose trials are trained by workers on this or other hosts."""

from __future__ import annotations

from typing import Any

import click

from search.cli.common import debug_option
from search.cli.run import run_command, search_options


@click.command()
@click.argument("experiment")
@search_options
@click.option(
    "--host",
    default="0.0.0.0",
    help="Address the oracle listens on for workers (0.0.0.0: every interface).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), required=True, help="Port workers connect to."
)
@click.option(
    "--advertise",
    help="Host name local workers use to reach this chief [default: 127.0.0.1].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    help="Also start this many workers on this host.",
)
@debug_option
def chief(
    experiment: str, host: str, port: int, advertise: str | None, workers: int, **options: Any
) -> None:
    """Run the search EXPERIMENT as a chief: serve its trials to `search worker` processes
    (`search worker --chief THIS_HOST:PORT --tracking-uri URI` on each worker host), then
    evaluate, export and register the best model as `search run` does."""
    run_command(experiment, workers, (host, port, advertise), **options)
