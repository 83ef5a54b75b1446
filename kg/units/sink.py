"""Bytes hashed (and written) by a second thread while the build makes what comes next.

Writing and SHA-256 both let the interpreter run, so a build that streams hundreds of
megabytes (graph.nt, graph.json) makes the next chunk while the last one is written and
hashed: on a machine with a spare core the writing costs almost nothing.
"""

from __future__ import annotations

import hashlib
import queue
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

#: Chunks waiting, at most (memory stays flat).
WAITING = 8


class Hasher:
    """Chunks put in order are hashed by a thread; :meth:`close` gives their size and SHA-256.

    Used as a context manager; an error of the thread is raised by :meth:`close`, or by
    :meth:`put` once it happened. A chunk may be a memoryview (released once hashed).
    """

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None
        self.chunks: queue.Queue[Any] = queue.Queue(WAITING)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def put(self, data: bytes | memoryview) -> None:
        if self.error is not None:
            raise self.error
        if len(data):
            self.chunks.put(data)

    def close(self) -> dict[str, Any]:
        """Wait for the last chunk; the size and SHA-256 of all of them."""
        self._stop()
        if self.error is not None:
            raise self.error
        return {"bytes": self.size, "sha256": self.sha.hexdigest()}

    def _take(self, data: bytes | memoryview) -> None:
        self.sha.update(data)
        self.size += len(data)

    def _stop(self) -> None:
        if self.thread.is_alive():
            self.chunks.put(None)
            self.thread.join()

    def _run(self) -> None:
        while (data := self.chunks.get()) is not None:
            try:
                if self.error is None:  # else drain, so that put never blocks
                    self._take(data)
            except BaseException as exc:  # noqa: BLE001 - raised in the building thread
                self.error = exc
            finally:
                if isinstance(data, memoryview):
                    data.release()

    def __enter__(self) -> "Hasher":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()


class Sink(Hasher):
    """Chunks put in order are written to ``path`` and hashed; :meth:`close` gives the
    file's entry (a full disk is raised there, or by :meth:`put`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = open(path, "wb")  # noqa: SIM115 - closed by close()
        super().__init__()

    def _take(self, data: bytes | memoryview) -> None:
        self.file.write(data)
        super()._take(data)

    def _stop(self) -> None:
        super()._stop()
        self.file.close()
