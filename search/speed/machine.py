"""Which machine the figures come from: CPU model, its vector flags, the threads TensorFlow
uses. A speed choice is only valid on the machine (and TensorFlow) that measured it."""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

# Flags that change which kernels are fastest (bf16 and int8 units, vector width).
RELEVANT_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_fp16", "amx_bf16", "amx_tile", "fma")


def _cpuinfo(field: str) -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return ""


def cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_flags() -> frozenset[str]:
    return frozenset(_cpuinfo("flags").split())


def has_bf16_units(flags: frozenset[str] | None = None) -> bool:
    """True when the CPU computes bfloat16 in hardware (AVX-512 BF16 or AMX); elsewhere bf16
    is emulated and slower than float32."""
    found = cpu_flags() if flags is None else flags
    return bool(found & {"avx512_bf16", "amx_bf16"})


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine_key() -> str:
    """Names a machine + TensorFlow for the speed cache: CPU model, relevant flags, CPUs,
    TensorFlow version (read without importing TensorFlow: experiments validate fast)."""
    flags = ",".join(sorted(cpu_flags() & set(RELEVANT_FLAGS)))
    text = f"{cpu_model()}|{flags}|{cpu_count()}|{tensorflow_version()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe() -> str:
    """One line for every figure: the CPU, its vector units, the CPUs used."""
    flags = cpu_flags()
    units = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    bf16 = ", bf16 units" if has_bf16_units(flags) else ", no bf16 units"
    return f"{cpu_model()} ({units}{bf16}), {cpu_count()} CPU(s)"


def tensorflow_version() -> str:
    from importlib import metadata

    for name in ("tensorflow", "tensorflow-cpu", "tensorflow-macos"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"
