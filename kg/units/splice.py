"""A rebuild's file written as stretches of the previous build's file with new bytes between.

The stretches are copied by the kernel (``os.copy_file_range``: no pass through this
process), and the new file is hashed by a second thread (a :class:`~kg.units.sink.Hasher`)
from the old file's mapping as it is written, so a rebuild that changes a few lines of a
500 MB graph.nt reads and writes it at the speed of the disk's cache.
"""

from __future__ import annotations

import errno
import hashlib
import mmap
import os
from pathlib import Path
from types import TracebackType
from typing import Any, Iterable, Union

from kg.units.delta import StaleBase
from kg.units.sink import Hasher

#: A part of the new file: new bytes, or ``(start, end)``: that stretch of the old file.
Segment = Union[bytes, tuple[int, int]]
#: New bytes gathered before a write.
BUFFER = 1 << 16
#: Errors of ``copy_file_range`` that mean "not here" (then the stretch is written from the
#: mapping); any other error, such as a full disk, is raised.
NO_KERNEL_COPY = {errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}


class OldFile:
    """The previous build's file, mapped for reading; with ``sha256`` ("" when the file is
    known unchanged) its bytes are checked first. Raises :class:`StaleBase` if it cannot be
    read or is not what its build recorded."""

    def __init__(self, path: Path, sha256: str = "") -> None:
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except OSError:
            raise StaleBase from None
        self.data: Any = b""
        try:
            size = os.fstat(self.fd).st_size
            if size:
                self.data = mmap.mmap(self.fd, size, access=mmap.ACCESS_READ)
            if sha256 and hashlib.sha256(self.data).hexdigest() != sha256:
                raise StaleBase
            #: The bytes, for stretches handed to a :class:`Hasher` (no copies).
            self.view = memoryview(self.data)
        except (OSError, ValueError):
            self.close()
            raise StaleBase from None
        except BaseException:
            self.close()
            raise

    @property
    def size(self) -> int:
        return len(self.data)

    def close(self) -> None:
        """Unmap and close the file. A stretch still referenced (by the traceback of an error
        raised while it was written) keeps the mapping until it is collected."""
        try:
            if hasattr(self, "view"):
                self.view.release()
            if isinstance(self.data, mmap.mmap):
                self.data.close()
        except BufferError:
            pass
        os.close(self.fd)

    def __enter__(self) -> "OldFile":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def write_spliced(old: OldFile, segments: Iterable[Segment], path: Path,
                  hasher: Hasher) -> None:
    """Write ``segments`` of ``old`` to ``path`` (a new file), each given to ``hasher`` too
    (which may still be hashing when this returns; ``old`` must stay open until it is done)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        pending = bytearray()
        for segment in segments:
            if isinstance(segment, bytes):
                pending += segment
                if len(pending) >= BUFFER:
                    _flush(fd, pending, hasher)
                continue
            start, end = segment
            if not 0 <= start <= end <= old.size:
                raise StaleBase
            if start == end:
                continue
            _flush(fd, pending, hasher)
            _copy(old.fd, fd, start, end, old.view)
            hasher.put(old.view[start:end])
        _flush(fd, pending, hasher)
    finally:
        os.close(fd)


def _flush(fd: int, pending: bytearray, hasher: Hasher) -> None:
    if pending:
        data = bytes(pending)
        _write(fd, data)
        hasher.put(data)
        pending.clear()


def _copy(source: int, target: int, start: int, end: int, view: memoryview) -> None:
    """Append the old file's ``start:end`` to ``target``: by the kernel where it can."""
    while start < end:
        try:
            done = os.copy_file_range(source, target, end - start, start)
        except AttributeError:  # no copy_file_range on this system
            done = -1
        except OSError as exc:
            if exc.errno not in NO_KERNEL_COPY:
                raise
            done = -1
        if done < 0:
            _write(target, view[start:end])
            return
        if done == 0:  # the old file got shorter since it was mapped
            raise StaleBase
        start += done


def _write(fd: int, data: bytes | memoryview) -> None:
    with memoryview(data) as left:
        while len(left):
            left = left[os.write(fd, left):]
