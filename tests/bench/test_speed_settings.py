"""What `search bench --only speed` tries: bf16 only with bf16 units, mixed_float16 only on a
GPU, and the fastest of the deciding model's rows is chosen."""

from __future__ import annotations

from search.bench.speed import _fastest, settings


def test_bf16_is_tried_only_on_a_cpu_with_bf16_units_and_float16_only_on_a_gpu() -> None:
    plain = settings(quick=False, bf16=False, gpu=False)
    assert {p for _, _, p in plain} == {"float32"}
    assert any(jit for _, jit, _ in plain)
    assert (128, False, "mixed_bfloat16") in settings(quick=False, bf16=True, gpu=False)
    assert (128, False, "mixed_float16") in settings(quick=False, bf16=False, gpu=True)
    assert settings(quick=True, bf16=True, gpu=True) == [
        (32, False, "float32"),
        (128, False, "float32"),
    ]


def test_the_fastest_row_of_the_deciding_model_is_chosen() -> None:
    rows = [
        {"model": "a", "batch_size": 32, "samples_per_s": 5.0},
        {"model": "a", "batch_size": 128, "samples_per_s": 9.0},
        {"model": "b", "batch_size": 64, "samples_per_s": 99.0},
    ]
    assert _fastest(rows, "a")["batch_size"] == 128
