"""`search bench`: the benchmark table (ratios measured side by side), printed and saved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from search.cli.common import debug_option, setup_logging, stderr, user_errors

NAMES = ("overhead", "pipeline", "memory", "precision", "quality", "parallel", "speed")


@click.command()
@click.option("--quick", is_flag=True, help="Small sizes (under 3 minutes), for CI.")
@click.option(
    "--only", "only", multiple=True, type=click.Choice(NAMES), help="Run only these (repeatable)."
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    default="bench-results.json",
    help="Where to write the figures as JSON.",
)
@debug_option
def bench(quick: bool, only: tuple[str, ...], json_path: str, debug: bool) -> None:
    """Measure framework overhead, pipeline speed, memory, precision, search quality,
    parallel trials and training speed (`--only speed` refreshes this machine's choice)."""
    setup_logging(False)
    with user_errors(debug):
        from search.bench.suite import check_all_ran, run_benchmarks

        with stderr.status("benchmarking (each in its own process)..."):
            report = run_benchmarks(only or NAMES, quick)
        Path(json_path).write_text(json.dumps(report, indent=2))
        _table(report)
        click.echo(f"figures written to {json_path}")
        check_all_ran(report)


def _table(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    machine = report["machine"]["cpu"]
    title = f"search bench{' --quick' if report['quick'] else ''} on {machine}"
    table = Table(title=title)
    for column in ("benchmark", "figure", "ratio", "goal", "met", "seconds"):
        table.add_column(column)
    for name, result in report["results"].items():
        if "error" in result:
            table.add_row(name, f"[red]failed: {result['error']}", "", "", "", "")
            continue
        table.add_row(
            name,
            result["figure"],
            "n/a" if result["ratio"] is None else f"{result['ratio']:.3f}",
            result["goal"],
            "yes" if result["passed"] else "no",
            f"{result['seconds']:.0f}",
        )
    Console(width=140).print(table)
    speed = report["results"].get("speed", {})
    if "details" in speed:
        Console(width=140).print(_speed_table(speed["details"]))


def _speed_table(details: dict[str, Any]) -> Any:
    """Each setting's samples/s and GFLOP/s against the measured peak, and the choice kept."""
    from rich.table import Table

    peak = details["peak_gflops"]
    table = Table(
        title=f"training speed, {details['threads']} threads; matmul peak {peak} GFLOP/s",
        caption=f"chosen: {details['chosen']} ({details['cache']})",
    )
    for column in ("model", "batch", "XLA", "precision", "samples/s", "GFLOP/s", "of peak"):
        table.add_column(column)
    for row in details["settings"]:
        table.add_row(
            row["model"],
            str(row["batch_size"]),
            "on" if row["jit_compile"] else "off",
            row["precision"],
            f"{row['samples_per_s']:,.0f}",
            f"{row['gflops']:.2f}",
            f"{row['of_peak']:.1%}",
        )
    return table
