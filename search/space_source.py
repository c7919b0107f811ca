"""Where a user's own space comes from: a Python file or an importable module, its digest.

Plain Python (no TensorFlow): the experiment config anchors file paths and records the
digest when it is loaded, and `spaces/user.py` imports the module when the space is needed.
A search records the digest, so a later `search train`, export or worker refuses a module
that changed since (the hyperparameters it reads may mean something else now).
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from search.errors import ConfigError


def is_file_ref(ref: str) -> bool:
    """`./my_spaces.py` or `/abs/x.py` names a file; `my_package.spaces` a module."""
    return ref.endswith(".py") or "/" in ref


def split_function(ref: str) -> tuple[str, str]:
    """`./my_model.py:build_model` -> (`./my_model.py`, `build_model`)."""
    module, _, name = ref.rpartition(":")
    if not module or not name.isidentifier():
        raise ConfigError(
            f"space.function must be MODULE:FUNCTION (e.g. ./my_model.py:build_model), got '{ref}'"
        )
    return module, name


def anchor(ref: str, base: Path) -> str:
    """A relative file is looked for next to the experiment file, then in the working directory;
    the absolute path is what the search records. Module names are kept as they are."""
    if not is_file_ref(ref) or Path(ref).is_absolute():
        return ref
    for folder in (base, Path.cwd()):
        if (folder / ref).is_file():
            return str((folder / ref).resolve())
    return str((base / ref).resolve())


def source_file(ref: str) -> Path:
    """The file holding the module's source (a ConfigError when there is none)."""
    if is_file_ref(ref):
        path = Path(ref)
        if not path.is_file():
            raise ConfigError(f"space module not found: {path}")
        return path
    try:
        spec = importlib.util.find_spec(ref)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        raise ConfigError(f"space module '{ref}' cannot be found on the Python path")
    return Path(spec.origin)


def digest(ref: str) -> str:
    """The sha256 of the module's source."""
    return hashlib.sha256(source_file(ref).read_bytes()).hexdigest()


def module_ref(space: dict[str, object]) -> str | None:
    """The module of a `space:` mapping (`module`, or the module part of `function`)."""
    if isinstance(space.get("function"), str):
        return split_function(str(space["function"]))[0]
    return space["module"] if isinstance(space.get("module"), str) else None  # type: ignore[return-value]


def anchored(space: object, base: Path) -> object:
    """The `space:` mapping of an experiment file at `base`, its file anchored and digested.

    A digest already present (a config read back from a search's parent run) is kept: it is
    what the module must still match.
    """
    if not isinstance(space, dict):
        return space
    space = dict(space)
    if isinstance(space.get("module"), str):
        space["module"] = anchor(space["module"], base)
    if isinstance(space.get("function"), str) and ":" in space["function"]:
        module, name = split_function(space["function"])
        space["function"] = f"{anchor(module, base)}:{name}"
    ref = module_ref(space)
    if ref is not None and not space.get("digest"):
        space["digest"] = digest(ref)
    return space


def check_recorded(
    ref: str | None,
    here: str | None,
    recorded: str | None,
    remedy: str = "use the module the search ran with",
) -> None:
    """A process joining or resuming a search must build the space the search recorded."""
    if recorded is not None and here != recorded:
        raise ConfigError(
            f"space module {ref} differs from the one the search recorded (sha256 "
            f"{recorded[:12]}, here {(here or 'none')[:12]}): {remedy}"
        )
