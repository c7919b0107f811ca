"""Folders of examples (`<split>/<label>/<file>`): found, unpacked from a tar, and checked.

Every problem a folder can have is found here, before TFDS or training sees it: a path that
does not exist, no files of the expected kind, a single class, classes that differ between
splits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from search.errors import ConfigError, DataFileError, DatasetError, FolderLayoutError

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
TEXT_SUFFIXES = (".txt",)
SUFFIXES = {"image_folder": IMAGE_SUFFIXES, "text_folder": TEXT_SUFFIXES}


def cache_root() -> Path:
    """Where unpacked archives live: $SEARCH_CACHE_DIR, else ~/.cache/search."""
    return Path(os.environ.get("SEARCH_CACHE_DIR", Path.home() / ".cache" / "search"))


def resolve_path(path: str) -> Path:
    """A folder or archive as given; a relative path is tried in the working directory, then
    beside the project (so `../shared/...` in a shipped experiment works from anywhere)."""
    given = Path(path).expanduser()
    candidates = [given] if given.is_absolute() else [Path.cwd() / given, PROJECT_ROOT / given]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    looked = " and ".join(str(c) for c in candidates)
    raise ConfigError(f"dataset path not found: {path} (looked at {looked})")


def materialize(path: Path) -> Path:
    """The folder itself, or a `.tar` unpacked once into the cache (checked against the
    `<tar>.sha256` beside it, if any) and reused while the archive is unchanged."""
    if path.is_dir():
        return path
    if not tarfile.is_tarfile(path):
        raise ConfigError(f"dataset path {path} is neither a folder nor a tar archive")
    stat = path.stat()
    key = hashlib.sha256(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]
    target = cache_root() / "folders" / f"{path.name.split('.')[0]}-{key}"
    if not target.is_dir():
        _verify_checksum(path)
        _extract(path, target)
    return _single_top_folder(target)


def _verify_checksum(path: Path) -> None:
    checksum_file = path.with_name(path.name + ".sha256")
    if not checksum_file.is_file():
        return
    expected = checksum_file.read_text().split()[0].lower()
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected:
        raise DatasetError(
            f"{path} does not match its checksum in {checksum_file} "
            f"(sha256 {digest.hexdigest()}, expected {expected}): the archive is damaged"
        )


def _extract(archive: Path, target: Path) -> None:
    """Unpacks into a temporary folder beside `target`, then renames: never half a folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        log.info("unpacking %s into %s", archive, target)
        with tarfile.open(archive) as tar:
            tar.extractall(partial, filter="data")
        partial.rename(target)
    except FileExistsError:  # another process unpacked it at the same time
        shutil.rmtree(partial, ignore_errors=True)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise DataFileError(
            f"archive {archive} is damaged or truncated ({error or type(error).__name__}): "
            "download or copy it again"
        ) from None
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _single_top_folder(root: Path) -> Path:
    """`archive.tar` holding `name/train/...` is read from `name/`."""
    entries = [p for p in root.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir() and not (root / "train").is_dir():
        return _single_top_folder(entries[0])
    return root


Example = Path | str  # a file of one example, or the text of one (from a CSV)


@dataclass(frozen=True)
class FolderListing:
    """The examples of each split, by class: `examples[split][label]`, in a fixed order."""

    root: Path
    examples: dict[str, dict[str, list[Example]]]

    @property
    def classes(self) -> list[str]:
        return sorted({label for by_label in self.examples.values() for label in by_label})

    def sizes(self) -> dict[str, int]:
        return {s: sum(map(len, by_label.values())) for s, by_label in self.examples.items()}


def list_folder(root: Path, kind: str, splits: list[str]) -> FolderListing:
    """Lists `root/<split>/<label>/*` (or, for text, `root/<split>.csv` with `text` and `label`
    columns) for the splits the experiment uses, train first, and checks that a classifier can
    be trained and tested on them."""
    suffixes = SUFFIXES[kind]
    what = "images" if kind == "image_folder" else "text files"
    examples: dict[str, dict[str, list[Example]]] = {}
    for split in splits:
        split_dir, csv_file = root / split, root / f"{split}.csv"
        if split_dir.is_dir():
            examples[split] = _files_by_label(split_dir, suffixes, what)
        elif kind == "text_folder" and csv_file.is_file():
            examples[split] = _csv_by_label(csv_file)
        else:
            found = sorted(p.name for p in root.iterdir() if not p.name.startswith("."))
            raise FolderLayoutError(
                f"folder {root} has no '{split}' folder; it has: {', '.join(found) or 'nothing'}"
            )
        if not examples[split]:
            raise FolderLayoutError(
                f"folder {split_dir} has no {what} ({', '.join(suffixes)}) in class folders: "
                f"expected {split}/<class>/<file>"
            )
    check_classes(root, examples, splits)
    return FolderListing(root=root, examples=examples)


def _files_by_label(
    split_dir: Path, suffixes: tuple[str, ...], what: str
) -> dict[str, list[Example]]:
    """Files by class folder; hidden ones (`.DS_Store`, macOS's `._x.png`) and other kinds
    (`Thumbs.db`, notes) are not examples. A class folder without any is a mistake."""
    by_label: dict[str, list[Example]] = {}
    for label in sorted(p for p in split_dir.iterdir() if p.is_dir() and _visible(p)):
        files = sorted(f for f in label.iterdir() if f.suffix.lower() in suffixes and _visible(f))
        by_label[label.name] = list(files)
    empty = [label for label, files in by_label.items() if not files]
    if empty and len(empty) < len(by_label):  # none at all: the caller names the split
        raise DataFileError(
            f"class folder {split_dir / empty[0]} has no {what} ({', '.join(suffixes)}): "
            "add some, or remove the folder"
        )
    return {label: files for label, files in by_label.items() if files}


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _csv_by_label(csv_file: Path) -> dict[str, list[Example]]:
    import csv

    try:
        csv_file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(
            f"{csv_file} is not UTF-8: byte 0x{error.object[error.start]:02x} at offset "
            f"{error.start}; save it as UTF-8"
        ) from None
    with csv_file.open(newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        if not {"text", "label"} <= set(reader.fieldnames or ()):
            raise FolderLayoutError(
                f"{csv_file} needs a header with columns 'text' and 'label', "
                f"got: {', '.join(reader.fieldnames or ()) or 'none'}"
            )
        by_label: dict[str, list[Example]] = {}
        for row in reader:
            by_label.setdefault(row["label"], []).append(row["text"])
    return dict(sorted(by_label.items()))


def check_classes(
    root: Path, examples: dict[str, dict[str, list[Example]]], splits: list[str]
) -> None:
    train = splits[0]
    if len(examples[train]) < 2:
        only = next(iter(examples[train]))
        raise FolderLayoutError(
            f"folder {root / train} has a single class '{only}'; classification needs at least 2"
        )
    for split in splits[1:]:
        if set(examples[split]) != set(examples[train]):
            only_train = sorted(set(examples[train]) - set(examples[split]))
            only_other = sorted(set(examples[split]) - set(examples[train]))
            raise FolderLayoutError(
                f"folder {root}: classes differ between {train} and {split}: "
                f"only in {train}: {', '.join(only_train) or '-'}; "
                f"only in {split}: {', '.join(only_other) or '-'}"
            )
