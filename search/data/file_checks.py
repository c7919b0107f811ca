"""Every file of a folder dataset read once before anything trains: a broken one is named.

A file that cannot be decoded would otherwise become a training example that fails one trial
deep inside tf.data (or, for text, a bare UnicodeDecodeError). Here each image is decoded the
way the pipeline will decode it, each text file is decoded as UTF-8, and the problems are
either refused in one line or, with `dataset.skip_unreadable`, left out with a warning.
Images also tell how many channels the data has: 1 when every file is grayscale.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from search.data.folders import Example, FolderListing
from search.errors import DataFileError

log = logging.getLogger(__name__)

SHOWN = 5  # files named in a message; the rest are counted
# Pillow's decompression-bomb limit: about 256 MiB decoded at 3 channels, per image, while
# several are decoded at once. Such files are refused (or skipped) without being decoded.
MAX_PIXELS = 89_478_485
TOO_BIG = -1


@dataclasses.dataclass(frozen=True)
class CheckedFolder:
    """A listing without its unreadable files, what was skipped, and the images' channels."""

    listing: FolderListing
    skipped: tuple[Path, ...] = ()
    channels: int | None = None  # images only: 1 (all grayscale) or 3


def check_folder(
    listing: FolderListing, kind: str, skip_unreadable: bool, channels: int | None = None
) -> CheckedFolder:
    """Reads every file of `listing`; refuses (DataFileError) or skips the unreadable ones."""
    files = [e for e in _examples(listing) if isinstance(e, Path)]
    problems = {p: why for p in files if (why := _name_problem(p))}
    readable = [p for p in files if p not in problems]
    found: Counter[int] = Counter()
    if kind == "image_folder":
        decoded = _decoded_channels(readable)
        found.update(c for c, _ in decoded.values() if c != TOO_BIG)
        problems.update({p: _too_big(size) for p, (c, size) in decoded.items() if c == TOO_BIG})
        problems.update({p: _image_problem(p) for p in readable if p not in decoded})
    else:
        problems.update({p: why for p in readable if (why := _text_problem(p))})
    problems = dict(sorted(problems.items()))  # named in path order
    if problems and not skip_unreadable:
        raise DataFileError(
            f"{_summary(problems, len(files), listing.root, kind)}; remove or replace "
            "them, or set dataset.skip_unreadable: true to train without them"
        )
    if problems:
        log.warning("skipping %s", _summary(problems, len(files), listing.root, kind))
    kept = _without(listing, set(problems))
    chosen = _channels(found, channels) if kind == "image_folder" else None
    return CheckedFolder(kept, tuple(problems), chosen)


def _examples(listing: FolderListing) -> list[Example]:
    return [e for by_label in listing.examples.values() for es in by_label.values() for e in es]


def _name_problem(path: Path) -> str | None:
    """A name that is not UTF-8 (e.g. from an old archive) cannot be handed to TensorFlow."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not UTF-8; rename it"
    return None


def _decoded_channels(paths: list[Path]) -> dict[Path, tuple[int, tuple[int, int]]]:
    """(channels, (height, width)) of every image that decodes, decoded in parallel as the
    pipeline will; a file missing from the result is broken. An image over MAX_PIXELS is
    not decoded (its header says its size): channels TOO_BIG."""
    import tensorflow as tf

    if not paths:
        return {}

    def channels(index: tf.Tensor, path: tf.Tensor) -> tuple[tf.Tensor, ...]:
        content = tf.io.read_file(path)
        size = _header_size(content)
        count = tf.cond(
            size[0] * size[1] > MAX_PIXELS,
            lambda: tf.constant(TOO_BIG),
            lambda: tf.shape(tf.io.decode_image(content, expand_animations=False))[-1],
        )
        return index, count, size

    dataset = tf.data.Dataset.from_tensor_slices((range(len(paths)), [str(p) for p in paths]))
    dataset = dataset.map(channels, num_parallel_calls=tf.data.AUTOTUNE)
    decoded: dict[Path, tuple[int, tuple[int, int]]] = {}
    for indices, counts, sizes in dataset.ignore_errors().batch(4096).as_numpy_iterator():
        for i, count, (height, width) in zip(indices, counts, sizes, strict=True):
            decoded[paths[i]] = (int(count), (int(height), int(width)))
    return decoded


def _header_size(content: Any) -> Any:
    """(height, width) from a PNG's or JPEG's header, without decoding; (0, 0) otherwise."""
    import tensorflow as tf

    def png() -> tf.Tensor:  # IHDR: width then height, big-endian, at bytes 16..24
        raw = tf.cast(tf.io.decode_raw(tf.strings.substr(content, 16, 8), tf.uint8), tf.int64)
        width = ((raw[0] * 256 + raw[1]) * 256 + raw[2]) * 256 + raw[3]
        height = ((raw[4] * 256 + raw[5]) * 256 + raw[6]) * 256 + raw[7]
        return tf.stack([height, width])

    def jpeg() -> tf.Tensor:
        return tf.cast(tf.io.extract_jpeg_shape(content)[:2], tf.int64)

    return tf.case(
        [
            (tf.strings.substr(content, 0, 4) == b"\x89PNG", png),
            (tf.strings.substr(content, 0, 2) == b"\xff\xd8", jpeg),
        ],
        default=lambda: tf.zeros([2], tf.int64),
    )


def _too_big(size: tuple[int, int]) -> str:
    height, width = size
    return (
        f"{width}x{height} pixels, over the {MAX_PIXELS / 1e6:.0f}-megapixel limit: "
        "shrink it (dataset.image_size resizes after decoding)"
    )


def _image_problem(path: Path) -> str:
    """What is wrong with an image file that did not decode, in words."""
    try:
        content = path.read_bytes()
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    return "not a readable JPEG or PNG image" if content else "empty file"


def _text_problem(path: Path) -> str | None:
    try:
        path.read_bytes().decode("utf-8")
    except OSError as error:
        return f"cannot be read: {error.strerror}"
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        return f"not UTF-8: byte 0x{byte:02x} at offset {error.start}"
    return None


def _summary(problems: dict[Path, str], total: int, root: Path, kind: str) -> str:
    """`2 of 41 files ... : train/3/a.png (empty file), ...`, at most SHOWN named."""
    what = "images" if kind == "image_folder" else "UTF-8 text"
    named = [f"{_relative(p, root)} ({why})" for p, why in list(problems.items())[:SHOWN]]
    more = len(problems) - SHOWN
    rest = f" and {more} more" if more > 0 else ""
    count = f"{len(problems)} of {total} files in {root}"
    return f"{count} cannot be read as {what}: {', '.join(named)}{rest}"


def _relative(path: Path, root: Path) -> str:
    try:
        shown = str(path.relative_to(root))
    except ValueError:
        shown = str(path)
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _without(listing: FolderListing, bad: set[Path]) -> FolderListing:
    if not bad:
        return listing
    examples = {
        split: {label: [e for e in es if e not in bad] for label, es in by_label.items()}
        for split, by_label in listing.examples.items()
    }
    examples = {s: {lb: es for lb, es in by.items() if es} for s, by in examples.items()}
    return dataclasses.replace(listing, examples=examples)


def _channels(found: Counter[int], wanted: int | None) -> int:
    """The configured channels, else 1 when every image is grayscale (with or without alpha),
    else 3 (a mix is converted to colour, which keeps every image's content)."""
    gray = found[1] + found[2]
    colour = found[3] + found[4]
    if wanted is not None:
        return wanted
    if gray and colour:
        log.info(
            "images: %d grayscale and %d colour; the grayscale ones are converted to colour "
            "(set dataset.channels: 1 to train on gray)",
            gray,
            colour,
        )
    return 3 if colour else 1
