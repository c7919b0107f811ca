"""The fastest training settings for this machine, measured once (`search bench --only speed`)
and cached per machine, else a cheap rule; applied before a search builds its models.

The cache is one JSON file per machine key (CPU model + flags + CPUs + TensorFlow version)
under `$SEARCH_SPEED_CACHE_DIR`, else `$SEARCH_CACHE_DIR/speed/` (`~/.cache/search/speed/`),
so a search never pays the measurement and a machine never reads another's choice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any, Literal

from search.speed.machine import cpu_count, has_bf16_units, machine_key

log = logging.getLogger(__name__)

Precision = Literal["float32", "mixed_bfloat16", "mixed_float16"]


@dataclasses.dataclass(frozen=True)
class SpeedChoice:
    """Training settings; `source` says whether they were measured or are the rule's."""

    intra_op_threads: int
    inter_op_threads: int
    batch_size: int = 32
    jit_compile: bool = False
    precision: Precision = "float32"
    source: str = "rule"


def rule() -> SpeedChoice:
    """Without a measurement: every CPU for each op, float32 (bf16 measured 0.98x for small
    models even on an AVX-512/AMX machine; mixed_float16 is only taken where measured), no
    XLA (slower on CPUs here)."""
    cpus = cpu_count()
    return SpeedChoice(intra_op_threads=cpus, inter_op_threads=min(2, cpus))


def cache_file() -> Path:
    """`$SEARCH_SPEED_CACHE_DIR`, else the cache's `speed/`, one file per machine key."""
    from search.data.folders import cache_root

    folder = os.environ.get("SEARCH_SPEED_CACHE_DIR") or cache_root() / "speed"
    return Path(folder) / f"{machine_key()}.json"


def save(choice: SpeedChoice) -> Path:
    path = cache_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dataclasses.asdict(choice), indent=2))
    return path


def cached() -> SpeedChoice | None:
    """This machine's measured choice, or None (none yet, or unreadable: measured anew)."""
    path = cache_file()
    try:
        return SpeedChoice(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError) as error:
        log.warning("ignoring the speed cache %s: %s", path, error)
        return None


def current() -> SpeedChoice:
    """The measured choice for this machine, else the rule."""
    found = cached() or rule()
    if found.precision == "mixed_bfloat16" and not has_bf16_units():
        return dataclasses.replace(found, precision="float32")  # never emulated bf16
    return found


DEFAULT_BATCH_SIZE = 32
_applied: SpeedChoice | None = None  # what `apply` set in this process


def default_batch_size() -> int:
    """`training.batch_size` when an experiment does not set it: this machine's measured
    fastest, else 32 (the rule does not guess: batch size also changes what a model learns)."""
    found = cached()
    return found.batch_size if found is not None else DEFAULT_BATCH_SIZE


def jit_compile() -> bool:
    """Whether models built in this process compile with XLA (only where it measured faster)."""
    return _applied is not None and _applied.jit_compile


def apply(choice: SpeedChoice) -> None:
    """Threads (only before TensorFlow has run an op: later they are fixed), the precision
    policy, and XLA for the models built afterwards (`jit_compile`)."""
    import keras
    import tensorflow as tf

    global _applied
    _applied = choice

    try:
        tf.config.threading.set_intra_op_parallelism_threads(choice.intra_op_threads)
        tf.config.threading.set_inter_op_parallelism_threads(choice.inter_op_threads)
    except RuntimeError:
        log.debug("TensorFlow already initialised: threads left as they are")
    keras.mixed_precision.set_global_policy(choice.precision)


def as_dict(choice: SpeedChoice) -> dict[str, Any]:
    return dataclasses.asdict(choice)
