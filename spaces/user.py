"""The user's own Python spaces: a module (file or importable) that calls `register_space`, a
keras-tuner `build_model(hp)` function, and packages offering spaces through the entry-point
group `search.spaces`.

A module is imported once per process, whatever asks (check, search, retrain). One that fails
to import is a ConfigError naming its file and line; one whose source no longer matches the
digest a search recorded is refused, since its hyperparameters may mean something else now.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from search.errors import ConfigError
from search.experiment import SpaceConfig
from search.space_source import digest, is_file_ref, source_file, split_function
from spaces.registry import SPACES, Space, loading_origin

ENTRY_POINT_GROUP = "search.spaces"
_loaded: dict[str, ModuleType] = {}


def user_space(config: SpaceConfig) -> Space:
    """The Space of `space.module` or `space.function`, its digest checked."""
    ref = config.module if config.module is not None else split_function(config.function or "")[0]
    check_digest(ref, config.digest)
    module = load_module(ref)
    if config.function is None:
        return SPACES.get(config.name)
    attribute = split_function(config.function)[1]
    build_model = getattr(module, attribute, None)
    if not callable(build_model):
        raise ConfigError(f"space.function: {ref} has no function '{attribute}'")
    return Space(
        name=config.name,
        modality="image",  # not used: a compiled space takes whatever its model takes
        build=lambda hp, inputs, spec: build_model(hp),
        origin=origin_of(ref),
        source=ref,
        compiled=True,
    )


def offered_space(config: SpaceConfig) -> Space:
    """A space registered under its name: built in, or offered by an installed package's
    entry point, whose module is checked against the digest a search recorded."""
    if config.name not in SPACES:
        load_entry_points()  # an installed package may offer it
    space = SPACES.get(config.name)
    if space.source is not None:
        check_digest(space.source, config.digest)
    return space


def pinned(config: SpaceConfig) -> SpaceConfig:
    """`config` with the digest of the module its space came from, for a search to record:
    file modules are digested when the experiment is read, entry points only once imported."""
    if config.digest is not None or config.blocks is not None:
        return config
    space = user_space(config) if config.module or config.function else offered_space(config)
    if space.source is None:
        return config
    return config.model_copy(update={"digest": digest(space.source)})


def check_digest(ref: str, recorded: str | None) -> None:
    if recorded is not None and digest(ref) != recorded:
        raise ConfigError(
            f"space module {source_file(ref)} changed since the search recorded it "
            f"(sha256 {recorded[:12]}, now {digest(ref)[:12]}): restore it or start a new search"
        )


def origin_of(ref: str) -> str:
    return f"module file {ref}" if is_file_ref(ref) else f"module {ref}"


def load_module(ref: str) -> ModuleType:
    """Imports the module once; a failure is one line naming the file and line."""
    if ref in _loaded:
        return _loaded[ref]
    path = source_file(ref)
    loading_origin.append((origin_of(ref), ref))
    try:
        module = _import(ref, path)
    except Exception as error:
        raise ConfigError(_failure(path, error)) from error
    finally:
        loading_origin.pop()
    _loaded[ref] = module
    return module


def _import(ref: str, path: Path) -> ModuleType:
    if not is_file_ref(ref):
        return importlib.import_module(ref)
    name = f"search_user_space_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ConfigError(f"space module {path} cannot be imported (not a Python file?)")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # custom layers defined there must be found again by name
    spec.loader.exec_module(module)
    return module


def _failure(path: Path, error: BaseException) -> str:
    """`FILE:LINE: Kind: message` for the deepest frame inside the user's file."""
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename).resolve() == path.resolve():
            line = frame.lineno
    where = f"{path}:{line}" if line else str(path)
    return f"space module {where} failed to import: {type(error).__name__}: {error}"


def load_entry_points() -> None:
    """Imports the modules installed packages offer under `search.spaces` (once each)."""
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry.value in _loaded:
            continue
        loading_origin.append((f"entry point {entry.name} ({entry.value})", entry.module))
        try:
            _loaded[entry.value] = importlib.import_module(entry.module)
        except Exception as error:
            raise ConfigError(
                f"entry point '{entry.name}' ({entry.value}) failed to import: "
                f"{type(error).__name__}: {error}"
            ) from error
        finally:
            loading_origin.pop()


def check_objective(model: Any, objective: str) -> None:
    """A compiled model's objective must be its loss or one of its metrics (val_ or not)."""
    metrics = model.get_compile_config().get("metrics") or []
    names = ["loss"] + [m if isinstance(m, str) else m["config"]["name"] for m in metrics]
    if objective.removeprefix("val_") not in names:
        raise ConfigError(
            f"tuner.objective '{objective}' is not a metric of the compiled model; "
            f"choose between: {', '.join(n for b in names for n in (b, 'val_' + b))}"
        )
