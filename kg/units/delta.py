"""``graph.nt`` of a rebuild from the previous build's ``graph.nt`` and the units that changed.

A line of ``graph.nt`` may come from several units (a passage two annotation files quote, the
journal of two papers), so the unit cache keeps, beside the fragments, the *base* of the last
build: its digest, its fragments and how many fragments emit each line that more than one
emits. A rebuild whose store still holds that build streams the old ``graph.nt`` once: a line
stays unless every fragment that emitted it is gone, the lines of new fragments are merged in,
and the counts are carried forward. The result is the set a full merge gives, in the same
order, so the file is the same byte for byte (tests/test_incremental.py compares rebuilds with
clean builds).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.units.fragment import Fragment

BASE = "base"
BASE_VERSION = 4

#: A row of the index's text owners: (folded text, 1 for a label else 0, owner id).
OwnerRow = tuple[str, int, str]


@dataclass
class Base:
    """What the last build was made of (see the module docstring)."""

    build: str
    #: The fragments of the build: key → (kind, name).
    fragments: dict[str, tuple[str, str]]
    #: Lines that more than one fragment emits, with how many do.
    shared: dict[bytes, int]
    #: Text owner rows of the index that more than one fragment gives, with how many do
    #: (:func:`kg.index.writer.update_index`).
    owners: dict[OwnerRow, int]
    #: How many nodes the build has.
    nodes: int = 0
    #: What its graph.nt and index.sqlite were when installed (:func:`file_stamp`): a file
    #: still so need not be read again to be trusted.
    stamps: dict[str, list[int]] = field(default_factory=dict)
    #: Where its graph.json's texts are (a :class:`kg.units.graph_json.Layout`).
    layout: Any = None


def file_stamp(path: Path) -> list[int]:
    """Size, inode, and change and modification times of a file: any write to it, or a
    file put in its place, changes one of them."""
    st = path.stat()
    return [st.st_size, st.st_ino, st.st_ctime_ns, st.st_mtime_ns]


def load_base(directory: Path) -> Base | None:
    """The base kept in the unit cache ``directory``, or None (absent, foreign, damaged)."""
    try:
        head, _, tail = (directory / BASE).read_bytes().partition(b"\n")
        data = json.loads(head)
        if data.get("version") != BASE_VERSION:
            return None
        fragments = {str(k): (str(kind), str(name)) for k, kind, name in data["fragments"]}
        *lines, rest = tail.split(b"\n")
        if rest:
            return None
        shared = dict(zip([line + b"\n" for line in lines], map(int, data["shared"]),
                          strict=True))
        owners = {(str(text), int(label), str(owner)): int(count)
                  for text, label, owner, count in data["owners"]}
        stamps = {str(name): [int(v) for v in stamp] for name, stamp in data["stamps"].items()}
        from kg.units.graph_json import Layout

        return Base(str(data["build"]), fragments, shared, owners, int(data["nodes"]), stamps,
                    Layout.from_json(data["layout"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def save_base(directory: Path, base: Base) -> None:
    """Keep ``base`` in the unit cache (never raises: without it the next build merges all)."""
    shared = sorted(base.shared)
    data = {"version": BASE_VERSION, "build": base.build, "nodes": base.nodes,
            "stamps": base.stamps, "layout": base.layout.to_json(),
            "fragments": [[k, kind, name] for k, (kind, name) in sorted(base.fragments.items())],
            "shared": [base.shared[line] for line in shared],  # the counts of the lines
            "owners": [[*row, count] for row, count in sorted(base.owners.items())]}
    with contextlib.suppress(OSError, ValueError):
        # one line of JSON (it holds no newline), then the shared lines as they are
        text = b"".join([json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode(
            "utf-8"), b"\n", *shared])
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(text)
            os.replace(tmp, directory / BASE)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


class StaleBase(Exception):
    """The old graph.nt does not match the digest its build recorded: merge everything."""


def delta_segments(old: Any, removed: list[Fragment], added: list[Fragment],
                   shared: dict[bytes, int]) -> tuple[list[Any], int]:
    """The new ``graph.nt`` as :mod:`kg.units.splice` segments of the old one (``old``, its
    bytes or mapping: sorted lines, each with its newline), and how many lines it gains (or
    loses: a negative count); ``shared`` is updated in place to the new counts. Each changed
    line is found by a binary search; the stretches between are copied as they are."""
    if len(old) and old[len(old) - 1:] != b"\n":  # not a file this kg wrote
        raise StaleBase
    change: Counter[bytes] = Counter()
    for fragment in removed:
        change.subtract(fragment.line_source())
    for fragment in added:
        change.update(fragment.line_source())
    segments: list[Any] = []
    gained = 0
    here = 0  # the old file is copied up to here
    for line in sorted(line for line, n in change.items() if n):
        at = _first_at_least(old, line, here)
        if old[at:at + len(line)] == line:  # an old line: kept while a fragment emits it
            if _count(shared, line, shared.get(line, 1) + change[line]) <= 0:
                segments.append((here, at))
                here = at + len(line)
                gained -= 1
        elif _count(shared, line, change[line]) > 0:  # a new line
            segments += [(here, at), line]
            here = at
            gained += 1
    segments.append((here, len(old)))
    return segments, gained


def _first_at_least(old: Any, line: bytes, low: int) -> int:
    """Where the first line of ``old`` from ``low`` (a line start) that sorts at or after
    ``line`` starts (the end of ``old`` if none does)."""
    high = len(old)
    while low < high:
        middle = (low + high) // 2
        start = old.rfind(b"\n", low, middle) + 1 or low  # the line holding ``middle``
        end = old.find(b"\n", start) + 1
        if old[start:end] < line:
            low = end
        else:
            high = start
    return low


def _count(shared: dict[bytes, int], line: bytes, count: int) -> int:
    if count >= 2:
        shared[line] = count
    else:
        shared.pop(line, None)
    return count

