"""A rebuild's graph.nt spliced from the previous one (kg.units.delta, kg.units.splice): the
lines a counting merge of the units gives, whatever the kernel can copy."""

from __future__ import annotations

import errno
import hashlib
import os
import random
from pathlib import Path

import pytest

from kg.units.delta import StaleBase, delta_segments
from kg.units.sink import Hasher
from kg.units.splice import OldFile, write_spliced


class Unit:
    """What delta_segments reads of a fragment: its sorted lines."""

    def __init__(self, lines: set[bytes]) -> None:
        self.lines = sorted(lines)

    def line_source(self) -> list[bytes]:
        return self.lines


def spliced(tmp_path: Path, old: list[bytes], removed: list[Unit], added: list[Unit],
            shared: dict[bytes, int]) -> tuple[bytes, int, dict[str, object]]:
    (tmp_path / "old.nt").write_bytes(b"".join(old))
    with OldFile(tmp_path / "old.nt") as file, Hasher() as hasher:
        segments, gained = delta_segments(file.data, removed, added, shared)
        write_spliced(file, segments, tmp_path / "new.nt", hasher)
        entry = hasher.close()
    return (tmp_path / "new.nt").read_bytes(), gained, entry


def counted(old: list[bytes], shared: dict[bytes, int], removed: list[Unit],
            added: list[Unit]) -> dict[bytes, int]:
    """How many units emit each line after the change (the model a full merge counts)."""
    counts = {line: shared.get(line, 1) for line in old}
    for unit in removed:
        for line in unit.lines:
            counts[line] = counts.get(line, 0) - 1
    for unit in added:
        for line in unit.lines:
            counts[line] = counts.get(line, 0) + 1
    return {line: n for line, n in counts.items() if n > 0}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("kernel", [True, False])
def test_a_splice_gives_the_lines_a_full_merge_counts(seed: int, kernel: bool, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    if not kernel:  # a system or file system without copy_file_range: written from the map
        def unsupported(*args: object) -> int:
            raise OSError(errno.EXDEV, os.strerror(errno.EXDEV))
        monkeypatch.setattr(os, "copy_file_range", unsupported)
    words = [f"<s{rng.randrange(60):02d}> <p> \"{'é' * rng.randrange(3)}{i}\" .\n".encode()
             for i in range(rng.randrange(0, 40))]
    units = [Unit({rng.choice(words) for _ in range(rng.randrange(1, 8))})
             for _ in range(rng.randrange(1, 6))] if words else []
    everyone: dict[bytes, int] = {}
    for unit in units:
        for line in unit.lines:
            everyone[line] = everyone.get(line, 0) + 1
    old = sorted(everyone)
    shared = {line: n for line, n in everyone.items() if n > 1}
    removed = rng.sample(units, rng.randrange(0, len(units) + 1))
    added = [Unit({rng.choice(words + [b"<new> <p> <o> .\n", b"<a> <b> <c> .\n"])
                   for _ in range(rng.randrange(0, 6))}) for _ in range(rng.randrange(0, 3))]
    expected = counted(old, shared, removed, added)

    data, gained, entry = spliced(tmp_path, old, removed, added, shared)

    assert data == b"".join(sorted(expected))
    assert gained == len(expected) - len(old)
    assert shared == {line: n for line, n in expected.items() if n > 1}
    assert entry == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_an_old_file_that_is_not_ours_is_stale(tmp_path: Path) -> None:
    with pytest.raises(StaleBase):
        spliced(tmp_path, [b"<a> <b> <c> .\n", b"<d> <e> <f> ."], [], [Unit({b"<x> <y> <z> .\n"})],
                {})
    (tmp_path / "old.nt").write_bytes(b"<a> <b> <c> .\n")
    with pytest.raises(StaleBase):
        OldFile(tmp_path / "old.nt", sha256="0" * 64)
    with pytest.raises(StaleBase):
        OldFile(tmp_path / "missing.nt")


def test_a_full_disk_is_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "copy_file_range", full)
    with pytest.raises(OSError) as caught:
        spliced(tmp_path, [b"<a> <b> <c> .\n", b"<d> <e> <f> .\n"], [],
                [Unit({b"<b> <b> <b> .\n"})], {})
    assert caught.value.errno == errno.ENOSPC


def test_a_full_disk_without_kernel_copies_is_raised(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Written from the mapping, the error is the disk's (the mapping is closed regardless)."""
    real_write = os.write

    def unsupported(*args: object) -> int:
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS))

    def full(fd: int, data: bytes) -> int:
        if len(data) > 20:  # the old file's stretches, not the new lines
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)
    monkeypatch.setattr(os, "copy_file_range", unsupported)
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(OSError) as caught:
        spliced(tmp_path, [b"<a> <b> <c> .\n", b"<d> <e> <f> .\n", b"<g> <h> <i> .\n"], [],
                [Unit({b"<e> .\n"})], {})
    assert caught.value.errno == errno.ENOSPC
