"""Apache Jena SHACL as a validation engine for large graphs (tools/jena-shacl, Java 17).

The launcher (``java -jar tools/jena-shacl/target/jena-shacl.jar SHAPES DATA...``, built by
``scripts/ensure-jena-shacl``) validates the stored N-Triples together with the ontology and
writes the report graph as N-Triples, plus the few shape and data triples needed to read it
(see its class comment); :func:`kg.validation.validate_ntriples` turns that into the same
findings as pySHACL's report.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import KgError

if TYPE_CHECKING:
    from rdflib import Graph

TOOL_DIR = Path(__file__).resolve().parent.parent / "tools" / "jena-shacl"
JAR = TOOL_DIR / "target" / "jena-shacl.jar"
#: JVM options, split on whitespace, instead of the chosen ones (see :func:`run`; e.g. ``-Xmx4g``).
JAVA_OPTS_ENV = "KG_JENA_JAVA_OPTS"
#: The serial collector keeps the JVM at about 0.6 GB on the ×100 corpus (the default G1 grows
#: to 3 GB) at the same speed. C2 compiles a method only when it is ten times as hot as by
#: default: in a run of seconds C2's compiling was 11 of the 21 s of CPU at ×100 (177 MB of
#: N-Triples); so it is 19 s, the validating ×100 build 7 % faster (the same at ×300).
DEFAULT_JAVA_OPTS = ("-XX:+UseSerialGC", "-XX:Tier4InvocationThreshold=100000",
                     "-XX:Tier4CompileThreshold=120000", "-XX:Tier4BackEdgeThreshold=400000")
#: Below this many bytes of N-Triples the JVM compiles with C1 only: half the CPU time at ×10
#: (18 MB; C2's compiling does not pay off in a run of seconds), the same at ×100 (177 MB),
#: but 1.7 times as slow at ×300 (530 MB), where C2's code (its string intrinsics) wins.
C1_ONLY_BELOW = 100_000_000
BUILD_HINT = "run scripts/ensure-jena-shacl (Java 17 and Maven), or use --shacl-engine pyshacl"


def java() -> str | None:
    """The ``java`` executable on PATH (or under $JAVA_HOME/bin), if any."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def available(jar: Path | None = None) -> bool:
    """Whether the launcher (default :data:`JAR`) is built and ``java`` runs (``java
    -version``, checked once per executable)."""
    exe = java()
    return (jar or JAR).is_file() and exe is not None and _runs(exe)


@functools.lru_cache(maxsize=None)
def _runs(exe: str) -> bool:
    try:
        return subprocess.run([exe, "-version"], capture_output=True, timeout=60,
                              check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run(shapes: Path, data: Path | bytes, extra: list[Path], *, jar: Path | None = None,
        threads: int | None = None) -> bytes:
    """The launcher's output for ``data`` (a file, or N-Triples bytes fed on stdin) plus the
    Turtle files ``extra`` against ``shapes``: the report graph and its context, N-Triples.
    ``threads``: the launcher's validation threads (default: the processors)."""
    if isinstance(data, Path):
        return start(shapes, data, extra, jar=jar, threads=threads).finish()
    _checked(jar)
    try:
        done = subprocess.run(_command(shapes, "-", len(data), extra, jar, threads),
                              input=data, capture_output=True, check=False)
    except OSError as error:
        raise KgError(f"SHACL engine jena: cannot start java: {error}", hint=BUILD_HINT) from None
    return _output(done.returncode, done.stdout, done.stderr)


class Running:
    """A launcher started on a file (:func:`start`): :meth:`finish` waits for its output,
    :meth:`stop` ends it."""

    def __init__(self, command: list[str]) -> None:
        self.out = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish() or stop()
        self.err = tempfile.TemporaryFile()  # noqa: SIM115
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.out,
                                            stderr=self.err)
        except OSError as error:
            self._close()
            raise KgError(f"SHACL engine jena: cannot start java: {error}",
                          hint=BUILD_HINT) from None

    def finish(self) -> bytes:
        """The launcher's output once it has ended (an error of its raised here)."""
        try:
            code = self.process.wait()
            self.out.seek(0)
            self.err.seek(0)
            return _output(code, self.out.read(), self.err.read())
        finally:
            self._close()

    def stop(self) -> None:
        """End the launcher if it still runs (its output is not wanted)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close()

    def _close(self) -> None:
        self.out.close()
        self.err.close()


def start(shapes: Path, data: Path, extra: list[Path], *, jar: Path | None = None,
          threads: int | None = None) -> Running:
    """The launcher started on the N-Triples file ``data`` (see :func:`run`): it validates
    while the caller goes on."""
    _checked(jar)
    return Running(_command(shapes, str(data), data.stat().st_size, extra, jar, threads))


def _checked(jar: Path | None) -> None:
    """Java and the launcher are there (else one error line)."""
    if java() is None:
        raise KgError("SHACL engine jena: no java found (Java 17 is needed)", hint=BUILD_HINT)
    if not (jar or JAR).is_file():
        raise KgError(f"SHACL engine jena: {jar or JAR} is not built", hint=BUILD_HINT)


def _command(shapes: Path, source: str, size: int, extra: list[Path], jar: Path | None,
             threads: int | None) -> list[str]:
    env_opts = os.environ.get(JAVA_OPTS_ENV)
    opts = (env_opts.split() if env_opts is not None else
            [*DEFAULT_JAVA_OPTS, *(["-XX:TieredStopAtLevel=1"] if size < C1_ONLY_BELOW else [])])
    return [java() or "java", *opts, "-jar", str(jar or JAR),
            *(["--threads", str(threads)] if threads is not None else []),
            str(shapes), source, *map(str, extra)]


def _output(code: int, stdout: bytes, stderr: bytes) -> bytes:
    """The launcher's report, or its failure as one error line."""
    if code != 0:
        lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines()
                 if line.strip()]
        own = [line.removeprefix("jena-shacl: ") for line in lines
               if line.startswith("jena-shacl: ")]
        detail = (own or lines or [f"exit status {code}"])[0]
        raise KgError(f"SHACL engine jena failed: {detail}")
    return stdout


def report_graph(output: bytes) -> "Graph":
    """The launcher's N-Triples output as an rdflib graph."""
    from rdflib import Graph

    try:
        return Graph().parse(data=output.decode("utf-8"), format="nt")
    except Exception as error:  # noqa: BLE001 - any parse failure is the launcher's fault
        raise KgError(f"SHACL engine jena: unreadable report ({error})") from None
