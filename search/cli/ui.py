"""`search ui`: the MLflow UI on this project's tracking store, in the foreground."""

from __future__ import annotations

import sys

import click

from search.cli.common import debug_option, setup_logging, tracking_uri_option, user_errors


@click.command()
@tracking_uri_option
@click.option(
    "--host",
    default="127.0.0.1",
    help="Interface to listen on (0.0.0.0 exposes the UI to the network).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, help="Port to listen on.")
@debug_option
def ui(tracking_uri: str | None, host: str, port: int, debug: bool) -> None:
    """Start the MLflow UI on the project's tracking store; Ctrl-C stops it."""
    setup_logging(False)
    with user_errors(debug):
        from search.quiet import import_tensorflow_quietly
        from search.reuse.ui import check_port_free, serve, server_command, url

        import_tensorflow_quietly()  # quiet, should anything below load TensorFlow
        from search.tracking.store import resolve_tracking_uri

        uri = resolve_tracking_uri(tracking_uri)
        command = server_command(uri, host, port)
        check_port_free(host, port)
        click.echo(f"MLflow UI: {url(host, port)} (store {uri}; Ctrl-C stops it)")
        sys.stdout.flush()
        sys.exit(serve(command))
