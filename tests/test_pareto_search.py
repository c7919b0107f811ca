"""A real two-objective search on offline digits (val_accuracy against latency_ms): its front,
as `search best --pareto` lists it and as the report's `pareto_front.csv` holds it, is the
front this test computes itself from the trial runs' metrics; the champion is the trial the
rule picks, and the registered version's description names that rule."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from search.cli import main

pytestmark = pytest.mark.slow

TRIALS, WITHIN = 5, 0.05
SPACE = {"conv_blocks": 1, "head": "global_average", "normalization": "none"}


@pytest.fixture(scope="module")
def searched(tmp_path_factory: pytest.TempPathFactory, tfds_dir: Path):
    """The search, once: (tracking URI, client, parent run, trial runs by trial id)."""
    root = tmp_path_factory.mktemp("pareto")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    experiment = {
        "output_dir": str(root / "runs"),
        "dataset": {"name": "sklearn_digits"},
        "space": {"name": "image-cnn", "hyperparameters": SPACE},
        "tuner": {
            "kind": "random",
            "seed": 3,
            "max_trials": TRIALS,
            "objectives": [
                {"name": "val_accuracy", "direction": "max"},
                {"name": "latency_ms", "direction": "min"},
            ],
            "champion": {"rule": "cheapest_within", "within": WITHIN},
        },
        "training": {"epochs": 1},
    }
    path = root / "exp.yaml"
    path.write_text(yaml.safe_dump(experiment))
    args = ["run", str(path), "--data-dir", str(tfds_dir), "--tracking-uri", uri]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("exp").experiment_id])
    [parent] = [r for r in runs if r.data.tags.get("search.kind") == "search"]
    trials = {
        r.data.tags["search.trial_id"]: r for r in runs if r.data.tags.get("search.kind") == "trial"
    }
    return uri, client, parent, trials, result.stdout


def _points(client: MlflowClient, trials: dict) -> dict[str, tuple[float, float]]:
    """(val_accuracy at its best epoch, latency_ms) of every completed trial, from MLflow."""
    points = {}
    for trial_id, run in trials.items():
        if run.data.tags.get("search.status") != "COMPLETED":
            continue
        history = client.get_metric_history(run.info.run_id, "val_accuracy")
        points[trial_id] = (max(m.value for m in history), run.data.metrics["latency_ms"])
    return points


def _front(points: dict[str, tuple[float, float]]) -> set[str]:
    """Trials no other trial beats: at least as accurate and as fast, and better in one."""

    def dominated(a: tuple[float, float]) -> bool:
        return any(
            b[0] >= a[0] and b[1] <= a[1] and (b[0] > a[0] or b[1] < a[1]) for b in points.values()
        )

    return {trial_id for trial_id, point in points.items() if not dominated(point)}


def test_search_best_pareto_lists_the_front_of_the_trial_runs(searched) -> None:
    uri, client, parent, trials, _ = searched
    points = _points(client, trials)
    assert len(points) == TRIALS
    args = ["best", "exp", "--pareto", "--format", "json", "--tracking-uri", uri]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {m["trial_id"] for m in listed["front"]} == _front(points)
    for member in listed["front"]:
        assert member["run_id"] == trials[member["trial_id"]].info.run_id
        assert tuple(member["values"].values()) == pytest.approx(points[member["trial_id"]])
    [champion] = [m for m in listed["front"] if m["champion"]]
    assert champion["trial_id"] == parent.data.tags["search.champion_trial"]

    table = CliRunner().invoke(main, ["best", "exp", "--pareto", "--tracking-uri", uri])
    assert table.exit_code == 0, table.output
    assert "val_accuracy higher is better, latency_ms lower is better" in table.stdout
    assert table.stdout.rstrip().endswith(parent.data.tags["search.champion_rule"])


def test_the_reports_csv_holds_the_same_front_and_the_rules_champion(searched, tmp_path) -> None:
    uri, client, parent, trials, _ = searched
    points = _points(client, trials)
    local = client.download_artifacts(parent.info.run_id, "report/pareto_front.csv", tmp_path)
    table = pd.read_csv(local, dtype={"trial_id": str, "run_id": str})
    assert set(table["trial_id"]) == set(points)
    assert set(table.loc[table["on_front"] == 1, "trial_id"]) == _front(points)
    for row in table.itertuples():
        assert (row.val_accuracy, row.latency_ms) == pytest.approx(points[row.trial_id])
        assert row.run_id == trials[row.trial_id].info.run_id
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "report")}
    assert "report/pareto_front.png" in artifacts

    # The rule's pick, computed here: the fastest trial within WITHIN of the best accuracy.
    best = max(accuracy for accuracy, _ in points.values())
    close = {t: p for t, p in points.items() if p[0] >= best - WITHIN - 1e-9}
    fastest = min(close, key=lambda t: (close[t][1], -close[t][0]))
    assert table.loc[table["champion"] == 1, "trial_id"].tolist() == [fastest]
    assert fastest in _front(points)

    version = client.get_model_version("exp", parent.data.tags["search.model_version"])
    rule = f"tuner.champion rule cheapest_within {WITHIN:g} by latency_ms: trial {fastest}, "
    assert parent.data.tags["search.champion_rule"].startswith(rule)
    assert f"Chosen by {parent.data.tags['search.champion_rule']}." in version.description


def test_the_summary_calls_the_rules_pick_the_champion_and_says_why(searched) -> None:
    """Under cheapest_within the registered model need not have the best score: the summary
    must not print its score as the best one."""
    _, _, parent, trials, stdout = searched
    champion = trials[parent.data.tags["search.champion_trial"]]
    score = champion.data.metrics["score"]
    assert f"champion val_accuracy: {score:.4f}\n" in stdout
    assert "best val_accuracy:" not in stdout
    assert f"chosen by:         {parent.data.tags['search.champion_rule']}\n" in stdout


def test_a_search_with_one_objective_has_no_front_to_list(tiny_search) -> None:
    _, uri, _ = tiny_search
    result = CliRunner().invoke(main, ["best", "image-cnn", "--pareto", "--tracking-uri", uri])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "has one objective (val_accuracy): a Pareto front needs tuner.objectives with two or "
            "more; `search best` ranks its trials"
        )
    )
