"""Which CPUs (or GPU) each local worker gets: disjoint shares, so trials do not fight."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Placement:
    """One worker's share of the machine; empty `cpus` means no pinning."""

    cpus: tuple[int, ...] = ()
    gpu: int | None = None

    def environment(self) -> dict[str, str]:
        """Variables that keep TensorFlow (and its thread pools) inside the share."""
        env: dict[str, str] = {}
        if self.gpu is not None:
            env["CUDA_VISIBLE_DEVICES"] = str(self.gpu)
        if self.cpus:
            threads = str(len(self.cpus))
            env.update(
                {
                    "SEARCH_WORKER_CPUS": ",".join(map(str, self.cpus)),
                    "TF_NUM_INTRAOP_THREADS": threads,
                    "TF_NUM_INTEROP_THREADS": threads,
                    "OMP_NUM_THREADS": threads,
                }
            )
        return env


def available_cpus() -> list[int]:
    """The CPUs this process may run on (a container's or a scheduler's limit included)."""
    return sorted(os.sched_getaffinity(0))


def placements(workers: int, gpus: int = 0, cpus: list[int] | None = None) -> list[Placement]:
    """One GPU each when there are GPUs (round robin), else the CPUs split into contiguous
    shares as even as they go; more workers than CPUs share CPUs round robin."""
    if gpus:
        return [Placement(gpu=i % gpus) for i in range(workers)]
    cpus = cpus if cpus is not None else available_cpus()
    if workers >= len(cpus):
        return [Placement(cpus=(cpus[i % len(cpus)],)) for i in range(workers)]
    shares = []
    for i in range(workers):
        start, end = i * len(cpus) // workers, (i + 1) * len(cpus) // workers
        shares.append(Placement(cpus=tuple(cpus[start:end])))
    return shares


def pin_this_process() -> None:
    """Applies the CPU share a supervisor gave this worker (before TensorFlow starts)."""
    cpus = os.environ.get("SEARCH_WORKER_CPUS")
    if cpus:
        os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})


def cpu_list(text: str) -> list[int]:
    """`0-3`, `0,2` or `0-1,4` as CPU numbers; a ConfigError for anything else."""
    from search.errors import ConfigError

    cpus: list[int] = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            cpus.extend(range(int(low), int(high or low) + 1))
    except ValueError:
        raise ConfigError(f"--cpus '{text}' is not a CPU list such as 0-3 or 0,2") from None
    unknown = set(cpus) - set(available_cpus())
    if not cpus or unknown:
        raise ConfigError(
            f"--cpus '{text}' names CPUs this process cannot use: {sorted(unknown)}; "
            f"available: {available_cpus()}"
        )
    return sorted(set(cpus))


def pin_cpus(cpus: list[int]) -> None:
    """Pins this process to `cpus` and sizes TensorFlow's thread pools to match."""
    os.environ.update(Placement(cpus=tuple(cpus)).environment())
    pin_this_process()
