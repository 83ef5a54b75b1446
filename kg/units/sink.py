"""A file written and hashed by a second thread while the build makes what goes in it.

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

#: Chunks waiting to be written, at most (memory stays flat).
WAITING = 8


class Sink:
    """Chunks put in order are written to ``path``; :meth:`close` gives the file's entry.

    Used as a context manager; an error of the writing thread (a full disk) is raised by
    :meth:`close`, or by :meth:`put` once it happened.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.sha = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None
        self.chunks: queue.Queue[bytes | None] = queue.Queue(WAITING)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def put(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        if data:
            self.chunks.put(data)

    def close(self) -> dict[str, Any]:
        """Wait for the last chunk; the file's size and SHA-256."""
        self._stop()
        if self.error is not None:
            raise self.error
        return {"bytes": self.size, "sha256": self.sha.hexdigest()}

    def _stop(self) -> None:
        if self.thread.is_alive():
            self.chunks.put(None)
            self.thread.join()
        self.file.close()

    def _run(self) -> None:
        while (data := self.chunks.get()) is not None:
            if self.error is not None:
                continue  # drain, so that put never blocks
            try:
                self.file.write(data)
                self.sha.update(data)
                self.size += len(data)
            except BaseException as exc:  # noqa: BLE001 - raised in the building thread
                self.error = exc

    def __enter__(self) -> "Sink":
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()
