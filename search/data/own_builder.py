"""A TFDS dataset of your own: the folder `tfds new NAME` lays out, its `Builder` imported from
`NAME_dataset_builder.py`, prepared by TFDS into the data directory like any dataset.

The builder's source is digested (every .py file of the folder but tests): a search records
the digest, so a resumed search or a joining worker whose builder changed is refused, and a
builder changed since TFDS prepared it (same version) is not read from the stale files.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import tensorflow_datasets as tfds

from search.errors import ConfigError, DatasetError

SUFFIX = "_dataset_builder.py"
MARKER = "search_builder.sha256"  # beside the prepared files: the source they came from


def builder_file(folder: Path) -> Path:
    """`folder/NAME_dataset_builder.py` (NAME the folder's name, else the only such file)."""
    if not folder.is_dir():
        raise ConfigError(f"dataset.builder: no folder {folder}")
    named = folder / f"{folder.name}{SUFFIX}"
    found = [named] if named.is_file() else sorted(folder.glob(f"*{SUFFIX}"))
    if len(found) != 1:
        raise ConfigError(
            f"dataset.builder: {folder} has no {folder.name}{SUFFIX} defining `class Builder` "
            f"(the layout `tfds new {folder.name}` makes)"
        )
    return found[0]


def source_digest(folder: Path) -> str:
    """sha256 over the folder's Python sources (names and bytes), tests left out."""
    sha = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        if not path.name.endswith("_test.py"):
            sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def builder_class(path: Path) -> type[tfds.core.DatasetBuilder]:
    """`Builder` from the file, imported afresh (a changed file is read again) and without
    registering it in TFDS's global registry, where a second import would clash.

    Imported as `tfds build` does, as a module of the folder's package (TFDS finds README and
    CITATIONS through it), under a private package name so no installed package is shadowed.
    """
    package = f"_search_builder_{path.parent.name}"
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]  # a changed builder is read again
    init = path.parent / "__init__.py"
    sys.modules[package] = _module(package, init if init.is_file() else None, path.parent)
    try:
        with tfds.core.registered.skip_registration():
            module = _module(f"{package}.{path.stem}", path, None)
            sys.modules[module.__name__] = module
            assert module.__spec__ is not None and module.__spec__.loader is not None
            module.__spec__.loader.exec_module(module)
    except Exception as error:
        raise DatasetError(
            f"cannot import the TFDS builder {path}: {type(error).__name__}: {error}"
        ) from error
    found = getattr(module, "Builder", None)
    if not (isinstance(found, type) and issubclass(found, tfds.core.DatasetBuilder)):
        raise ConfigError(f"dataset.builder: {path} defines no `class Builder` (a TFDS builder)")
    return found


def _module(name: str, path: Path | None, package_dir: Path | None) -> ModuleType:
    """A module object for `path` (a package when `package_dir` is given), not yet executed."""
    locations = [str(package_dir)] if package_dir is not None else None
    spec: importlib.machinery.ModuleSpec | None
    if path is None:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = locations
    else:
        spec = importlib.util.spec_from_file_location(
            name, path, submodule_search_locations=locations
        )
    assert spec is not None
    return importlib.util.module_from_spec(spec)


def open_own_builder(
    folder: str, data_dir: str | None, version: str | None
) -> tuple[tfds.core.DatasetBuilder, str]:
    """The prepared builder of `folder`, and its source digest."""
    root = Path(folder)
    path = builder_file(root)
    digest = source_digest(root)
    builder = builder_class(path)(data_dir=data_dir, version=version)
    marker = Path(builder.data_dir) / MARKER
    if builder.is_prepared() and marker.is_file() and marker.read_text().strip() != digest:
        raise DatasetError(
            f"TFDS builder {path} changed since it was prepared as {builder.name} "
            f"{builder.version} in {builder.data_dir}: raise its VERSION, or delete that folder"
        )
    if not builder.is_prepared():
        try:
            with contextlib.redirect_stdout(sys.stderr):  # TFDS prints progress; stdout is results
                builder.download_and_prepare()
        except Exception as error:  # the user's code: any kind
            first = str(error).splitlines()[0] if str(error) else ""
            raise DatasetError(
                f"cannot prepare {builder.name} from {path}: {type(error).__name__}: {first}"
            ) from error
        marker.write_text(digest + "\n")
    return builder, digest
