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

import bisect
import contextlib
import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from kg.units.fragment import Fragment

BASE = "base.json"
BASE_VERSION = 2

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
        data = json.loads((directory / BASE).read_bytes())
        if data.get("version") != BASE_VERSION:
            return None
        fragments = {str(k): (str(kind), str(name)) for k, kind, name in data["fragments"]}
        shared = {str(line).encode("utf-8"): int(count) for line, count in data["shared"]}
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
    data = {"version": BASE_VERSION, "build": base.build, "nodes": base.nodes,
            "stamps": base.stamps, "layout": base.layout.to_json(),
            "fragments": [[k, kind, name] for k, (kind, name) in sorted(base.fragments.items())],
            "shared": [[line.decode("utf-8"), count]
                       for line, count in sorted(base.shared.items())],
            "owners": [[*row, count] for row, count in sorted(base.owners.items())]}
    with contextlib.suppress(OSError, ValueError):
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, directory / BASE)


class StaleBase(Exception):
    """The old graph.nt does not match the digest its build recorded: merge everything."""


#: Bytes of the old graph.nt read at a time.
BLOCK = 1 << 20


def delta_chunks(old_nt: Path, old_sha256: str, removed: list[Fragment],
                 added: list[Fragment], shared: dict[bytes, int]) -> Iterator[bytes]:
    """The new ``graph.nt`` as chunks of whole lines, in order; ``shared`` is updated in place
    to the new counts. Raises :class:`StaleBase` (after the last chunk) if the old file was not
    what its build recorded (``old_sha256``; "" when the caller knows it is unchanged).
    Unchanged stretches of the old file are copied as they are, without splitting them."""
    change: Counter[bytes] = Counter()
    for fragment in removed:
        change.subtract(fragment.line_source())
    for fragment in added:
        change.update(fragment.line_source())
    pending = sorted(line for line, n in change.items() if n)
    sha = hashlib.sha256() if old_sha256 else None
    index = 0  # the next pending line
    carry = b""
    with open(old_nt, "rb") as handle:
        while True:
            block = handle.read(BLOCK)
            if sha is not None:
                sha.update(block)
            if not block:
                break
            text = carry + block
            cut = text.rfind(b"\n") + 1
            carry = text[cut:]
            if not cut:
                continue
            last = text[text.rfind(b"\n", 0, cut - 1) + 1:cut]
            if index == len(pending) or pending[index] > last:
                yield text[:cut]  # nothing changes here
                continue
            lines = text[:cut].splitlines(keepends=True)
            end = index
            while end < len(pending) and pending[end] <= last:
                end += 1
            yield from _merge_block(lines, pending[index:end], change, shared)
            index = end
    if carry:  # a last line without its newline: not a file this kg wrote
        raise StaleBase
    for new in pending[index:]:
        if _count(shared, new, change[new]) > 0:
            yield new
    if sha is not None and sha.hexdigest() != old_sha256:
        raise StaleBase


def _merge_block(lines: list[bytes], pending: list[bytes], change: Counter[bytes],
                 shared: dict[bytes, int]) -> Iterator[bytes]:
    """One block's lines with the pending lines that sort into it merged in or dropped."""
    start = 0
    for line in pending:
        at = bisect.bisect_left(lines, line, start)
        if at > start:
            yield b"".join(lines[start:at])
        start = at
        if at < len(lines) and lines[at] == line:  # an old line: kept while emitted
            start = at + 1
            if _count(shared, line, shared.get(line, 1) + change[line]) > 0:
                yield line
        elif _count(shared, line, change[line]) > 0:  # a new line
            yield line
    if start < len(lines):
        yield b"".join(lines[start:])


def _count(shared: dict[bytes, int], line: bytes, count: int) -> int:
    if count >= 2:
        shared[line] = count
    else:
        shared.pop(line, None)
    return count

