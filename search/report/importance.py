"""Which hyperparameters mattered: a random forest's feature importances over the trials."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from search.report.table import encode, hyperparameter_names
from search.report.trials import TrialRecord

MIN_TRIALS = 2
FEW_TRIALS = 10


def importance_data(records: Sequence[TrialRecord], seed: int = 0) -> pd.DataFrame:
    """Importance per hyperparameter (summing to 1), most important first; `trials` is how many
    completed trials the forest was fit on. Empty with fewer than two completed trials."""
    from sklearn.ensemble import RandomForestRegressor

    done = [r for r in records if r.completed]
    names = hyperparameter_names(done)
    columns = ["hyperparameter", "importance", "trials"]
    if len(done) < MIN_TRIALS or not names:
        return pd.DataFrame(columns=columns)
    raw = pd.DataFrame([{n: r.hyperparameters.get(n) for n in names} for r in done])
    # Unused (conditional) hyperparameters become -1: "absent" is a value of its own.
    features = pd.DataFrame({n: encode(raw[n])[0] for n in names}).fillna(-1.0)
    scores = [r.score for r in done]
    forest = RandomForestRegressor(n_estimators=200, random_state=seed, min_samples_leaf=1)
    forest.fit(features.to_numpy(), scores)
    table = pd.DataFrame(
        {"hyperparameter": names, "importance": forest.feature_importances_, "trials": len(done)}
    )
    return table.sort_values("importance", ascending=False, ignore_index=True)


def importance_figure(data: pd.DataFrame, objective: str) -> Figure:
    """Horizontal bars, most important on top."""
    figure = Figure(figsize=(6.5, 0.35 * max(len(data), 4) + 1.5), layout="constrained")
    axes = figure.add_subplot()
    if data.empty:
        axes.text(0.5, 0.5, "fewer than 2 completed trials", ha="center", va="center")
        axes.set_axis_off()
        return figure
    ordered = data.iloc[::-1]
    axes.barh(ordered["hyperparameter"], ordered["importance"], color="tab:blue")
    axes.set_xlabel(f"importance for {objective} (random forest, sums to 1)")
    trials = int(data["trials"].iloc[0])
    caveat = " (few trials: indicative only)" if trials < FEW_TRIALS else ""
    axes.set_title(f"Hyperparameter importance over {trials} trials{caveat}")
    return figure
