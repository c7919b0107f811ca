"""The trials as a table: one row per trial, one column per hyperparameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from search.report.trials import TrialRecord
from search.tracking.schema import (
    FLOPS,
    LATENCY_MS,
    LATENCY_MS_BATCH32,
    MODEL_BYTES,
    PARAMS,
    space_values,
)

FIXED_COLUMNS = ["trial_id", "status", "score", "seconds", "epochs"]
COST_COLUMNS = [PARAMS, FLOPS, MODEL_BYTES, LATENCY_MS, LATENCY_MS_BATCH32]


def trials_table(records: Sequence[TrialRecord]) -> pd.DataFrame:
    """Every trial (failed ones too); hyperparameters a trial did not use are empty. What
    each model costs follows the fixed columns, with `refused` (by tuner.constraints)."""
    names = hyperparameter_names(records)
    costs = [c for c in COST_COLUMNS if any(c in r.costs for r in records)]
    costs += ["refused"] if any(r.refused for r in records) else []
    rows = [
        {
            "trial_id": r.trial_id,
            "status": r.status,
            "score": r.score,
            "seconds": None if r.seconds is None else round(r.seconds, 2),
            "epochs": r.epochs,
            **{c: r.costs.get(c) for c in costs if c != "refused"},
            **({"refused": r.refused} if "refused" in costs else {}),
            **{name: r.hyperparameters.get(name) for name in names},
        }
        for r in records
    ]
    # convert_dtypes: an integer column with gaps (conditional hyperparameters) stays integer.
    return pd.DataFrame(rows, columns=FIXED_COLUMNS + costs + names).convert_dtypes()


def hyperparameter_names(records: Sequence[TrialRecord]) -> list[str]:
    """Every hyperparameter any trial used, in the order they first appear; hyperband's
    bookkeeping values (`tuner/epochs`, `tuner/round`, ...) are not hyperparameters."""
    names: dict[str, None] = {}
    for record in records:
        names.update(dict.fromkeys(record.hyperparameters))
    return list(space_values(names))


def ranked(records: Sequence[TrialRecord], maximize: bool) -> list[TrialRecord]:
    """Completed trials, best first."""
    done = [r for r in records if r.completed]
    return sorted(done, key=lambda r: r.score or 0.0, reverse=maximize)


def encode(values: pd.Series) -> tuple[pd.Series, list[Any] | None]:
    """A hyperparameter as numbers: numeric ones as floats (log10 when they span decades),
    choices as their index in sorted order (returned as labels). Missing stays NaN."""
    present = values.dropna()
    numeric = pd.to_numeric(present, errors="coerce")
    is_bool = present.map(lambda v: isinstance(v, bool | np.bool_)).any()
    if len(present) and numeric.notna().all() and not is_bool:
        column = pd.to_numeric(values, errors="coerce").astype(float)
        low, high = column.min(), column.max()
        if low > 0 and high / low >= 100:
            column = np.log10(column)
        return column, None
    labels = sorted({str(v) for v in present})
    codes = {label: float(i) for i, label in enumerate(labels)}
    return values.map(lambda v: np.nan if pd.isna(v) else codes[str(v)]).astype(float), labels
