"""Output files: ``--out`` checked once (:func:`check_output`), then written atomically.

Every writer of a user-named output goes through :func:`check_output`: it refuses to replace
anything but a regular file (a FIFO, a device such as ``/dev/full``, a socket), refuses a
symbolic link unless asked to write to its target, and refuses a missing parent directory
unless asked to create it. ``--out -`` means standard output (:func:`write_output`).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional

from kg.errors import KgError

#: The ``--out`` value that means standard output.
STDOUT = "-"

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def is_stdout(out: Optional[Path]) -> bool:
    """Whether ``--out`` names standard output (not given, or ``-``)."""
    return out is None or str(out) == STDOUT


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def check_output(path: Path, *, directory: bool = False, parents: bool = False,
                 follow_symlinks: bool = False) -> Path:
    """The path to write for ``--out path`` (its target when a followed symbolic link).

    Refused with one line: a symbolic link (unless ``follow_symlinks``), anything that exists
    and is not a regular file (or, with ``directory``, a directory), and a missing parent
    directory (unless ``parents``: the writer creates it). Nothing is created here.
    """
    where = str(path)
    try:
        mode: Optional[int] = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:  # a parent is a file, no permission …
        raise KgError(f"cannot use --out: {exc.strerror}", where=where,
                      hint="choose another location") from None
    if mode is not None and stat.S_ISLNK(mode):
        if not follow_symlinks:
            raise KgError("--out is a symbolic link; not replacing it", where=where,
                          hint="pass --follow-symlinks to write to its target, "
                               "or choose another name")
        target = Path(os.path.realpath(path))
        if os.path.islink(target):  # a loop of links: realpath gives up
            raise KgError("--out is a symbolic link that does not resolve", where=where,
                          hint="choose another name")
        return check_output(target, directory=directory, parents=parents)
    if mode is not None:
        if stat.S_ISDIR(mode):
            if not directory:
                raise KgError("--out is a directory", where=where,
                              hint="give a file name, e.g. view.html")
        elif not stat.S_ISREG(mode):
            raise KgError(f"--out is {_kind(mode)}; not replacing it", where=where,
                          hint="give a regular file name, or --out - for standard output"
                          if not directory else "give a directory name")
    parent = path.parent
    if not parent.is_dir():
        if os.path.lexists(parent):
            raise KgError("the parent of --out is not a directory", where=where,
                          hint="choose another location")
        if not parents:
            raise KgError("the directory of --out does not exist", where=str(parent),
                          hint="create it first, or pass --parents")
    return path


def write_atomic(path: Path, data: bytes | Iterable[bytes], *, parents: bool = False,
                 follow_symlinks: bool = False) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one.

    ``path`` is checked by :func:`check_output` first; returns the path written (the target
    of a followed symbolic link).
    """
    target = check_output(path, parents=parents, follow_symlinks=follow_symlinks)
    tmp: Optional[str] = None
    try:
        if parents:
            target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            for chunk in _chunks(data):
                fh.write(chunk)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise KgError(f"cannot write file: {exc.strerror}", where=str(path),
                      hint="choose a writable location") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return target


#: Characters of text gathered per chunk by :func:`encoded_chunks`.
CHUNK = 1 << 20


def encoded_chunks(pieces: Iterable[str], errors: str = "strict") -> Iterator[bytes]:
    """Text pieces as UTF-8 chunks of about :data:`CHUNK` characters (what the streamed
    exports hand to :func:`write_output`).

    >>> list(encoded_chunks(["a", "é"]))
    [b'a\\xc3\\xa9']
    """
    out: list[str] = []
    size = 0
    for piece in pieces:
        out.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(out).encode("utf-8", errors)
            out, size = [], 0
    yield "".join(out).encode("utf-8", errors)


def _chunks(data: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return (data,) if isinstance(data, (bytes, bytearray)) else data


def write_output(out: Optional[Path], data: bytes | Iterable[bytes], *, parents: bool = False,
                 follow_symlinks: bool = False) -> Optional[Path]:
    """``data`` (bytes, or chunks of them: an export that streams) to standard output (``out``
    None or ``-``, returns None) or atomically to a checked file (returns the path written)."""
    if is_stdout(out):
        for chunk in _chunks(data):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return None
    assert out is not None
    return write_atomic(out, data, parents=parents, follow_symlinks=follow_symlinks)
