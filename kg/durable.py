"""Flushing written files and directories to disk."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_quietly(path: Path, *, directory: bool = False) -> None:
    """Flush a file (or, with ``directory``, a directory's entries) to disk; an error is
    ignored, as it is left to a later step that syncs again, or is not worth failing for."""
    try:
        fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
