"""The trial display: one line per finished trial, the best so far, verbose epochs."""

from __future__ import annotations

import io

from rich.console import Console

from search.outcome import TrialOutcome
from search.progress import TrialProgress

HPS = {"conv_blocks": 2, "conv_1/filters": 64, "kernel_size": 3, "dropout": 0.25, "l2": 1.234e-5}


def outcome(trial_id: str, score: float | None, status: str = "COMPLETED") -> TrialOutcome:
    message = None if score is not None else "Traceback...\nValueError: groups must divide"
    return TrialOutcome(trial_id, status, score, HPS, seconds=2.5, message=message)


def run(events, verbose: bool = False, maximize: bool = True) -> list[str]:
    stream = io.StringIO()
    console = Console(file=stream, width=200, force_terminal=False)
    with TrialProgress(console, 3, "val_accuracy", maximize, 2, verbose) as progress:
        for event, *args in events:
            getattr(progress, event)(*args)
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_one_line_per_trial_with_score_best_so_far_duration_and_key_hyperparameters() -> None:
    lines = run(
        [
            ("trial_started", "00", HPS),
            ("epoch_ended", "00", 0, {"val_accuracy": 0.5}),
            ("trial_ended", outcome("00", 0.8)),
            ("trial_started", "01", HPS),
            ("trial_ended", outcome("01", 0.6)),
            ("trial_started", "02", HPS),
            ("trial_ended", outcome("02", None, "FAILED")),
        ]
    )
    assert lines[0] == (
        "trial  00  val_accuracy=0.8000 new best  best=0.8000    2.5s  "
        "conv_blocks=2 filters=64 kernel_size=3"
    )
    assert lines[1].startswith("trial  01  val_accuracy=0.6000  best=0.8000    2.5s")
    assert "FAILED ValueError: groups must divide  best=0.8000" in lines[2]
    assert lines[3].startswith("3 trials in ") and lines[3].endswith(
        "best val_accuracy 0.8000 (trial 00)"
    )
    assert len(lines) == 4  # no epoch lines without --verbose


def test_minimized_objective_takes_the_lowest_score_as_best() -> None:
    lines = run(
        [("trial_ended", outcome("00", 0.8)), ("trial_ended", outcome("01", 0.3))],
        maximize=False,
    )
    assert "new best  best=0.3000" in lines[1]


def test_verbose_adds_every_epoch_and_every_hyperparameter() -> None:
    lines = run(
        [
            ("trial_started", "00", HPS),
            ("epoch_ended", "00", 0, {"loss": 1.5, "val_accuracy": 0.5}),
            ("epoch_ended", "00", 1, {"loss": 0.5, "val_accuracy": 0.75}),
            ("trial_ended", outcome("00", 0.75)),
        ],
        verbose=True,
    )
    assert lines[0].startswith("trial 00 started  conv_blocks=2 conv_1/filters=64")
    assert lines[1] == "  trial 00 epoch 1/2  loss=1.5000  val_accuracy=0.5000"
    assert lines[2] == "  trial 00 epoch 2/2  loss=0.5000  val_accuracy=0.7500"
    assert "dropout=0.25 l2=1.23e-05" in lines[3]


def test_quiet_and_verbose_together_is_a_usage_error(runner) -> None:
    from search.cli import main

    result = runner.invoke(main, ["run", "image-cnn", "--quiet", "--verbose"])
    assert result.exit_code == 2
    assert "--quiet and --verbose exclude each other" in result.stderr


def test_lines_are_not_wrapped_in_logs() -> None:
    stream = io.StringIO()
    console = Console(file=stream, width=40, force_terminal=False)
    with TrialProgress(console, 1, "val_accuracy", True) as progress:
        progress.trial_ended(outcome("00", 0.8))
    first = stream.getvalue().splitlines()[0]
    assert first.endswith("conv_blocks=2 filters=64 kernel_size=3")  # whole, on one line
