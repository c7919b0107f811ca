"""`search best`: the top trials of a finished search, as a table or for scripts."""

from __future__ import annotations

import json
from typing import Any

import click
import yaml

from search.cli.common import (
    debug_option,
    open_store,
    setup_logging,
    tracking_uri_option,
    user_errors,
)


@click.command()
@click.argument("search")
@click.option("--top", type=click.IntRange(min=1), default=5, help="How many trials to show.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["table", "yaml", "json"]),
    default="table",
    help="Output format; yaml and json are for scripts.",
)
@click.option(
    "--pareto",
    is_flag=True,
    default=False,
    help="List the Pareto front of a search with several objectives (tuner.objectives).",
)
@tracking_uri_option
@debug_option
def best(
    search: str, top: int, format_: str, pareto: bool, tracking_uri: str | None, debug: bool
) -> None:
    """Show the best trials of SEARCH (an experiment name, or a search or trial run id)."""
    setup_logging(False)
    with user_errors(debug):
        from search.reuse.best import leaderboard
        from search.reuse.pareto import pareto_front
        from search.reuse.sources import find_search_run

        client, _ = open_store(tracking_uri)
        run = find_search_run(client, search)
        board = pareto_front(client, run) if pareto else leaderboard(client, run, top)
        if format_ == "json":
            click.echo(json.dumps(board.as_dict(), indent=2))
        elif format_ == "yaml":
            click.echo(yaml.safe_dump(board.as_dict(), sort_keys=False), nl=False)
        else:
            (_front_table if pareto else _table)(board)


def _table(board: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    arrow = "higher" if board.direction == "max" else "lower"
    table = Table(
        title=f"{board.experiment}: search run {board.search_run_id} "
        f"({board.objective}, {arrow} is better)"
    )
    for column in ("rank", board.objective, "trial", "run id", "hyperparameters"):
        table.add_column(column, overflow="fold")
    for trial in board.trials:
        hps = "\n".join(f"{k}={v}" for k, v in trial.hyperparameters.items())
        table.add_row(str(trial.rank), f"{trial.score:.4f}", trial.trial_id, trial.run_id, hps)
    Console(width=max(120, Console().width)).print(table)
    if not board.trials:
        click.echo("no completed trial yet")


def _front_table(front: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from search.tracking.schema import CHAMPION_COLUMN

    arrows = ", ".join(
        f"{o['name']} {'higher' if o['direction'] == 'max' else 'lower'} is better"
        for o in front.objectives
    )
    table = Table(
        title=f"{front.experiment}: search run {front.search_run_id}, Pareto front of "
        f"{front.eligible} trials ({arrows})"
    )
    names = [o["name"] for o in front.objectives]
    for column in ("trial", *names, CHAMPION_COLUMN, "run id"):
        table.add_column(column, overflow="fold")
    for member in front.members:
        values = [f"{member.values[n]:.4g}" for n in names]
        table.add_row(member.trial_id, *values, "*" if member.champion else "", member.run_id)
    Console(width=max(120, Console().width)).print(table)
    if front.champion_rule:
        click.echo(front.champion_rule)
