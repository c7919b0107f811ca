"""Which earlier search `search run` resumes: only the latest, unfinished, same-space one."""

from __future__ import annotations

from search import workspace
from search.experiment import load_experiment


def test_resumes_only_the_latest_unfinished_search_of_the_same_space(tmp_path) -> None:
    experiment = load_experiment("image-cnn").with_overrides(output_dir=str(tmp_path))
    assert workspace.unfinished(experiment) is None

    first = workspace.new_search_dir(experiment)
    assert workspace.unfinished(experiment).path == first.path
    # more trials or another tracking URI still continue the same search
    assert workspace.unfinished(experiment.with_overrides(**{"tuner.max_trials": 50})) is not None

    first.save(status="finished")
    assert workspace.unfinished(experiment) is None

    changed = experiment.with_overrides(**{"training.epochs": 3})
    second = workspace.new_search_dir(changed)
    assert workspace.unfinished(changed).path == second.path
    assert workspace.unfinished(experiment) is None  # a different space is never resumed


def test_a_search_running_in_another_process_is_never_resumed(tmp_path) -> None:
    experiment = load_experiment("image-cnn").with_overrides(output_dir=str(tmp_path))
    first = workspace.new_search_dir(experiment)
    first.claim()  # flock: a second open of the lock file conflicts, as another process would
    try:
        assert workspace.is_running(first.path)
        assert workspace.unfinished(experiment) is None
    finally:
        first.release()
    assert not workspace.is_running(first.path)
    assert workspace.unfinished(experiment).path == first.path  # killed, not running: resume


def test_a_training_run_beside_an_unfinished_search_does_not_hide_it(tmp_path) -> None:
    experiment = load_experiment("image-cnn").with_overrides(output_dir=str(tmp_path))
    search = workspace.new_search_dir(experiment)
    trained = workspace.new_train_dir(experiment, tracking_uri="sqlite:///x.db")
    assert trained.path.name.startswith("train-")
    assert workspace.unfinished(experiment).path == search.path
    # `search sync EXPERIMENT` covers both
    assert workspace.tracked_dirs(workspace.experiment_root(experiment)) == sorted(
        [search.path, trained.path]
    )
