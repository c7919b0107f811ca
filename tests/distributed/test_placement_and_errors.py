"""How local workers share the machine, and bad worker input as one line on stderr."""

from __future__ import annotations

import pytest

from search.cli import main
from search.distributed.placement import Placement, cpu_list, placements
from search.errors import ConfigError


def test_workers_get_disjoint_cpu_shares_covering_the_machine() -> None:
    shares = placements(3, cpus=[0, 1, 2, 3, 4, 5, 6, 7])
    assert [p.cpus for p in shares] == [(0, 1), (2, 3, 4), (5, 6, 7)]
    assert placements(1, cpus=[0, 1]) == [Placement(cpus=(0, 1))]
    assert [p.cpus for p in placements(3, cpus=[0, 1])] == [(0,), (1,), (0,)]


def test_with_gpus_each_worker_gets_one_and_no_cpu_pinning() -> None:
    shares = placements(3, gpus=2, cpus=[0, 1])
    assert [(p.gpu, p.cpus) for p in shares] == [(0, ()), (1, ()), (0, ())]
    assert shares[1].environment() == {"CUDA_VISIBLE_DEVICES": "1"}


def test_a_cpu_share_sizes_tensorflows_thread_pools() -> None:
    env = Placement(cpus=(2, 3)).environment()
    assert env["SEARCH_WORKER_CPUS"] == "2,3"
    assert env["TF_NUM_INTRAOP_THREADS"] == env["TF_NUM_INTEROP_THREADS"] == "2"


def test_cpu_lists_parse_and_refuse_cpus_this_machine_lacks() -> None:
    assert cpu_list("0") == [0]
    with pytest.raises(ConfigError, match="not a CPU list"):
        cpu_list("a-b")
    with pytest.raises(ConfigError, match="cannot use"):
        cpu_list("0-4096")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--chief", "nohost"], "chief address 'nohost' is not HOST:PORT"),
        (["--chief", "127.0.0.1:1", "--id", "chief-2"], "must be a simple name without 'chief'"),
        (["--chief", "127.0.0.1:1", "--cpus", "0-4096"], "names CPUs this process cannot use"),
    ],
)
def test_bad_worker_input_is_one_line_and_exit_2(runner, tmp_path, args, message) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(main, ["worker", *args, "--tracking-uri", uri])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "mlflow.db").exists(), "nothing written"


def test_a_worker_with_no_chief_search_to_join_says_so(runner, tmp_path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    result = runner.invoke(
        main, ["worker", "--chief", "127.0.0.1:1", "--tracking-uri", uri, "--wait", "0"]
    )
    assert result.exit_code == 1
    assert "no running search with its chief on port 1" in result.stderr


def test_a_worker_whose_data_differs_from_the_chiefs_is_refused() -> None:
    from search.distributed.worker import check_same_data
    from search.errors import DatasetError

    chief = {"data.name": "sklearn_digits", "data.train_size": "1437", "lr": "0.1"}
    check_same_data(chief, {"data.name": "sklearn_digits", "data.train_size": "1437"})
    with pytest.raises(DatasetError, match="data.train_size is 1000 here, 1437 on the chief"):
        check_same_data(chief, {"data.name": "sklearn_digits", "data.train_size": "1000"})
