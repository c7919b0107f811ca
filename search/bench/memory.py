"""Memory across trials: resident memory after trial 3 vs after the last trial of a search.

keras-tuner users report memory growing trial after trial in long searches; it grows here
too (about 13 MiB a trial in TensorFlow itself: a plain Keras loop with `clear_session` and
`gc` shows the same). The same search runs twice, side by side: in one process (the
training process is sampled), then in one worker process replaced every `RECYCLE` trials
(`tuner.trials_per_worker`; the worker is sampled). RSS is read at every trial end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.bench.common import experiment, rss_mb, tracking_uri
from search.outcome import TrialOutcome

GOAL = 1.10
EARLY = 3
RECYCLE = 5  # trials per worker process


class _RssAtTrialEnd:
    """Samples the training process's RSS when a trial ends: this one, or the worker's."""

    def __init__(self, in_workers: bool) -> None:
        self.in_workers = in_workers
        self.samples: list[float] = []

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        pass

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        self.samples.append(_worker_rss_mb() if self.in_workers else rss_mb())


def _worker_rss_mb() -> float:
    import psutil

    workers = [
        child
        for child in psutil.Process().children(recursive=True)
        if "worker" in child.cmdline() and "search" in child.cmdline()
    ]
    return max((float(w.memory_info().rss) / 2**20 for w in workers), default=float("nan"))


def _search(workdir: Path, trials: int, in_workers: bool, recycle: int) -> list[float]:
    from search.distributed.chief import Parallel
    from search.runner import run_search

    sampler = _RssAtTrialEnd(in_workers)
    name = "memory-workers" if in_workers else "memory"
    run_search(
        experiment(workdir / name, trials=trials, epochs=1),
        tracking_uri=tracking_uri(workdir, name),
        listeners=[sampler],
        parallel=Parallel(workers=1, trials_per_worker=recycle) if in_workers else None,
    )
    return sampler.samples


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    trials, recycle = (4, 2) if quick else (30, RECYCLE)  # quick: only that it runs
    in_process = _search(workdir, trials, in_workers=False, recycle=recycle)
    recycled = _search(workdir, trials, in_workers=True, recycle=recycle)
    before = in_process[-1] / in_process[EARLY - 1]
    after = recycled[-1] / recycled[EARLY - 1]
    return {
        "figure": f"RSS after trial {trials} / after trial {EARLY}, worker replaced "
        f"every {recycle} trials (one process: {before:.2f})",
        "ratio": after,
        "goal": f"<= {GOAL}",
        "passed": after <= GOAL,
        "details": {
            "one_process_ratio": round(before, 3),
            "one_process_rss_mb_per_trial": [round(s) for s in in_process],
            "recycled_worker_ratio": round(after, 3),
            "recycled_worker_rss_mb_per_trial": [round(s) for s in recycled],
            "trials_per_worker": recycle,
        },
    }
