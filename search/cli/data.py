"""`search data list|inspect`: which datasets are known, and what one of them holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from search.cli.common import debug_option, setup_logging, user_errors


@click.group()
def data() -> None:
    """Datasets: list the known ones, inspect one before tuning on it."""


@data.command(name="list")
def list_datasets() -> None:
    """List the offline TFDS builders and the datasets the experiments use."""
    with user_errors(False):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.data.builders import OFFLINE_BUILDERS
        from search.experiment import available_experiments, load_experiment

        click.echo("offline TFDS builders (prepared with no network):")
        for name, builder in OFFLINE_BUILDERS.items():
            summary = (builder.__doc__ or "").strip().splitlines()[0]
            click.echo(f"  {name}: {summary}")
        click.echo("datasets of the experiments:")
        for experiment in available_experiments():
            click.echo(f"  {experiment}: {_describe(load_experiment(experiment).dataset)}")
        click.echo(
            "any TFDS name (downloads when online), or a folder: "
            "kind image_folder|text_folder with path <dir or .tar>, or a table: kind table "
            "with path <.csv or .parquet> and label <column>"
        )


def _describe(config: Any) -> str:
    if config.kind == "tfds":
        return f"{config.name}{':' + config.version if config.version else ''} (tfds)"
    return f"{config.path} ({config.kind})"


@data.command()
@click.argument("name_or_path")
@click.option("--data-dir", help="TFDS data directory [default: TFDS's, ~/tensorflow_datasets].")
@click.option(
    "--grid",
    "grid_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to save the sample grid of an image dataset [default: ./<name>-samples.png].",
)
@click.option("--per-class", default=8, type=click.IntRange(min=1), help="Samples per class.")
@debug_option
def inspect(
    name_or_path: str, data_dir: str | None, grid_path: Path | None, per_class: int, debug: bool
) -> None:
    """Show features, classes and split sizes of NAME_OR_PATH (a TFDS name, an experiment, or
    a folder / .tar of one), and save a grid of sample images."""
    setup_logging(False)
    with user_errors(debug):
        from search.quiet import import_tensorflow_quietly

        import_tensorflow_quietly()
        from search.data.inspect import dataset_config, inspect_dataset, save_sample_grid

        found = inspect_dataset(dataset_config(name_or_path, data_dir))
        spec = found.data.spec
        out = click.echo
        out(f"dataset:    {spec.name} {spec.version} ({found.config.kind})")
        out(f"modality:   {spec.modality}, input shape {'x'.join(map(str, spec.input_shape))}")
        if spec.table is not None:
            kinds = ", ".join(f"{c.name} ({c.kind})" for c in spec.table.columns)
            out(f"columns:    {kinds}; label {spec.table.label}")
        if spec.label_kind == "number":
            _label_ranges(found)
            return
        out(f"classes:    {spec.num_classes}: {', '.join(spec.class_names)}")
        out(f"validation: {found.data.validation_source}")
        width = max(len(c) for c in spec.class_names)
        out(f"{'':{width}}  {'train':>8} {'valid':>8} {'test':>8}")
        for index, name in enumerate(spec.class_names):
            counts = (found.class_counts[role][index] for role in ("train", "validation", "test"))
            out(f"{name:{width}}  " + " ".join(f"{n:>8}" for n in counts))
        sizes = spec.split_sizes
        out(
            f"{'total':{width}}  "
            + " ".join(f"{sizes[role]:>8}" for role in ("train", "validation", "test"))
        )
        if spec.modality == "image":
            grid = save_sample_grid(
                found.data, grid_path or Path(f"{spec.name}-samples.png"), per_class
            )
            out(f"samples:    {grid} (one row per class, in the order above)")
        for name, texts in found.samples.items():
            for text in texts:
                shown = " ".join(text.split())
                out(f"sample {name}: {shown[:100]}{'...' if len(shown) > 100 else ''}")


def _label_ranges(found: Any) -> None:
    """Numeric labels (regression): size and label range of each split."""
    click.echo(f"labels:     numbers; validation: {found.data.validation_source}")
    click.echo(f"{'':10}  {'examples':>8} {'min':>10} {'mean':>10} {'max':>10}")
    for role, (low, mean, high) in found.label_ranges.items():
        size = found.data.spec.split_sizes[role]
        click.echo(f"{role:10}  {size:>8} {low:>10.4g} {mean:>10.4g} {high:>10.4g}")
