"""How text becomes token ids: the `text:` section of an experiment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from search.config_base import Strict


class TextConfig(Strict):
    """How text becomes token ids (text datasets only): fitted on the train split, once."""

    split: Literal["auto", "whitespace", "character"] = Field(
        "auto", description="auto: characters for text written without spaces (e.g. Chinese)"
    )
    max_tokens: int = Field(20_000, ge=3, description="vocabulary cap, padding and OOV included")
    sequence_length: int | None = Field(
        None, ge=1, description="tokens per text; unset: the train split's 90th percentile"
    )
    standardize: Literal["lower_and_strip_punctuation", "lower", "strip_punctuation"] | None = (
        "lower_and_strip_punctuation"
    )
