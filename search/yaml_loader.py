"""The one YAML reader of the project: numbers as people write them, duplicate keys refused.

PyYAML's `safe_load` follows YAML 1.1: `1e-3`, `1E-3`, `3e4` and `1.0e12` load as strings (a
float there needs a dot and a signed exponent), and a key given twice silently keeps the last
value. Experiment files, and the experiment YAML read back from a run, go through `load_yaml`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from search.errors import ConfigError

# YAML 1.2's core-schema floats (plus PyYAML's own forms: `1_000.5`, `.inf`, `.nan`).
FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
INTEGER = re.compile(r"^[-+]?[0-9][0-9_]*$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats and mappings that refuse a key given twice."""


# The float resolver is replaced, not added to: PyYAML's own would still win for `1.0e-3` and
# lose `1e-3` to the string resolver. Integers stay integers (INTEGER is tried first).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT, list("-+0123456789."))


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node))
    if INTEGER.match(text):  # `3` tagged float by our broader pattern: keep it an int
        return int(text.replace("_", ""))
    return loader.construct_yaml_float(node)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise ConfigError(
                f"duplicate key '{key}' (lines {seen[key]} and {line}): give each key once"
            )
        seen[key] = line
    return dict(loader.construct_pairs(node, deep=True))


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_yaml(text: str, source: str) -> Any:
    """The parsed document; a ConfigError naming `source` and the line for any problem."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise ConfigError(f"{source}: malformed YAML{where}: {problem}") from None
