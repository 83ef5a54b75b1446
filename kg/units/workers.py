"""Run unit jobs in this process or spread over forked worker processes.

A job is ``("document", doc_id, key)``, ``("entities", path)`` (open an annotation file and
check its entities) or ``("make", path, key)`` (its relations and fragment; every make job of
a run gets the same ``(types, homes)``). Each gives an outcome, ``("ok", value)`` or
``(stage, error)`` where ``stage`` is ``"open"`` or ``"error"`` and ``error`` a
:class:`~kg.errors.KgError`: the caller raises errors in the order a sequential build meets
them, so the first error reported does not depend on how the work was spread.

Workers are forked (they share the parent's documents, ontology and parse cache at the time),
and a file's jobs always go to the worker that opened it. What a job returns is a pure
function of its inputs, so the build's result does not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from pathlib import Path
from typing import Any

from kg import errors
from kg.errors import KgError
from kg.units.making import UnitMaker

Job = tuple[Any, ...]
Outcome = tuple[str, Any]
#: Below this many bytes of files to read, forking is not worth it.
PARALLEL_FROM_BYTES = 2 << 20
#: More workers than this gain little (the merge that follows runs in one process).
MAX_WORKERS = 4


def worker_count(work_bytes: int) -> int:
    """How many processes to use for ``work_bytes`` of input: ``KG_BUILD_WORKERS`` if set,
    else one per available CPU (up to :data:`MAX_WORKERS`) for a large enough job."""
    configured = os.environ.get("KG_BUILD_WORKERS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    if work_bytes < PARALLEL_FROM_BYTES:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def execute(maker: UnitMaker, job: Job, shared: Any) -> Outcome:
    """One job's outcome on ``maker``."""
    try:
        if job[0] == "document":
            return "ok", maker.document(job[1], job[2])
        if job[0] == "entities":
            try:
                maker.open(job[1])
            except KgError as exc:
                return "open", exc
            return "ok", maker.entities(job[1])
        types, homes = shared
        return "ok", maker.make(job[1], job[2], types, homes)
    except KgError as exc:
        return "error", exc


class Runner:
    """Runs jobs on a :class:`UnitMaker`, in ``workers`` processes (1: this one)."""

    def __init__(self, maker: UnitMaker, workers: int) -> None:
        self.maker = maker
        self.workers = max(1, workers)
        self.connections: list[Any] = []
        self.processes: list[Any] = []
        self.home: dict[Path, int] = {}  # the worker holding an opened file
        self.load = [0] * self.workers

    def run(self, jobs: list[Job], weights: list[int], shared: Any = None) -> list[Outcome]:
        """The outcome of every job, in order (``weights`` balance the work across workers)."""
        if self.workers == 1 or len(jobs) < 2:
            return [self._local(job, shared) for job in jobs]
        self._start()
        plan: list[list[int]] = [[] for _ in range(self.workers)]
        for index in sorted(range(len(jobs)), key=lambda i: -weights[i]):
            plan[self._worker_for(jobs[index], weights[index])].append(index)
        for worker, indexes in enumerate(plan):
            self.connections[worker].send(([jobs[i] for i in indexes], shared))
        outcomes: list[Outcome | None] = [None] * len(jobs)
        for worker, indexes in enumerate(plan):
            reply = self._receive(worker)
            for index, outcome in zip(indexes, reply, strict=True):
                outcomes[index] = _restored(outcome)
        return [o for o in outcomes if o is not None]

    def terminate(self) -> None:
        """Stop the workers now (the build failed or was interrupted)."""
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join(timeout=5)
        self.connections, self.processes = [], []

    def close(self) -> None:
        """Stop the workers."""
        for connection in self.connections:
            try:
                connection.send(None)
            except (OSError, EOFError):
                pass
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        self.connections, self.processes = [], []

    def _local(self, job: Job, shared: Any) -> Outcome:
        return execute(self.maker, job, shared)

    def _worker_for(self, job: Job, weight: int) -> int:
        """The worker holding the job's file, else the least loaded one."""
        path = None if job[0] == "document" else job[1]
        worker = self.home.get(path) if path is not None else None
        if worker is None:
            worker = min(range(self.workers), key=lambda w: (self.load[w], w))
            if path is not None:
                self.home[path] = worker
        self.load[worker] += weight
        return worker

    def _start(self) -> None:
        if self.processes:
            return
        context = multiprocessing.get_context("fork")
        for _ in range(self.workers):
            parent, child = context.Pipe()
            process = context.Process(target=_serve, args=(child, self.maker), daemon=True)
            process.start()
            child.close()
            self.connections.append(parent)
            self.processes.append(process)

    def _receive(self, worker: int) -> Any:
        try:
            reply = self.connections[worker].recv()
        except (EOFError, OSError):
            raise KgError("a build worker process stopped unexpectedly (killed, or out of "
                          "memory?)", hint="build again; KG_BUILD_WORKERS=1 builds in one "
                          "process") from None
        if isinstance(reply, tuple) and reply and reply[0] == "crash":
            raise RuntimeError(f"build worker {worker} failed:\n{reply[1]}")
        return reply


def _restored(outcome: Any) -> Outcome:
    """An outcome received from a worker, its error rebuilt (exceptions travel as fields)."""
    stage, value = outcome
    if stage in ("open", "error"):
        name, what, where, hint = value
        cls = getattr(errors, name, KgError)
        if not (isinstance(cls, type) and issubclass(cls, KgError)):
            cls = KgError
        return stage, cls(what, where=where, hint=hint)
    return stage, value


def _sendable(outcome: Outcome) -> Any:
    stage, value = outcome
    if isinstance(value, KgError):
        return stage, (type(value).__name__, value.what, value.where, value.hint)
    return outcome


def _serve(connection: Any, maker: UnitMaker) -> None:
    """A worker: run the job lists it is sent until told to stop (None) or the parent is gone."""
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        try:
            if message is None:
                return
            jobs, shared = message
            connection.send([_sendable(execute(maker, job, shared)) for job in jobs])
        except BaseException:  # noqa: BLE001 - a bug: report it to the parent, then stop
            connection.send(("crash", traceback.format_exc()))
            return
