"""Memory across trials: resident memory after trial 3 vs after the last trial of a search.

keras-tuner users report memory growing trial after trial in long searches; this runs a
real search (random tuner, MLflow tracking on) and samples the process RSS at every trial end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.bench.common import experiment, peak_rss_mb, rss_mb, tracking_uri
from search.tuning.events import TrialOutcome

GOAL = 1.10
EARLY = 3


class _RssAtTrialEnd:
    def __init__(self) -> None:
        self.samples: list[float] = []

    def trial_started(self, trial_id: str, hyperparameters: dict[str, Any]) -> None:
        pass

    def epoch_ended(self, trial_id: str, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def trial_ended(self, outcome: TrialOutcome) -> None:
        self.samples.append(rss_mb())


def measure(quick: bool, workdir: Path) -> dict[str, Any]:
    from search.runner import run_search

    trials = 6 if quick else 30
    sampler = _RssAtTrialEnd()
    run_search(
        experiment(workdir, trials=trials, epochs=1),
        tracking_uri=tracking_uri(workdir, "memory"),
        listeners=[sampler],
    )
    early, late = sampler.samples[EARLY - 1], sampler.samples[-1]
    return {
        "figure": f"RSS after trial {len(sampler.samples)} / after trial {EARLY}",
        "ratio": late / early,
        "goal": f"<= {GOAL}",
        "passed": late / early <= GOAL,
        "details": {
            "rss_mb_per_trial": [round(s) for s in sampler.samples],
            "peak_rss_mb": round(peak_rss_mb()),
        },
    }
