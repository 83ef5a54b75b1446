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
#: to 3 GB) at the same speed.
DEFAULT_JAVA_OPTS = ("-XX:+UseSerialGC",)
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
    jar = jar or JAR
    exe = java()
    if exe is None:
        raise KgError("SHACL engine jena: no java found (Java 17 is needed)", hint=BUILD_HINT)
    if not jar.is_file():
        raise KgError(f"SHACL engine jena: {jar} is not built", hint=BUILD_HINT)
    env_opts = os.environ.get(JAVA_OPTS_ENV)
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    opts = (env_opts.split() if env_opts is not None else
            [*DEFAULT_JAVA_OPTS, *(["-XX:TieredStopAtLevel=1"] if size < C1_ONLY_BELOW else [])])
    source = "-" if isinstance(data, bytes) else str(data)
    command = [exe, *opts, "-jar", str(jar),
               *(["--threads", str(threads)] if threads is not None else []),
               str(shapes), source, *map(str, extra)]
    try:
        done = subprocess.run(command, input=data if isinstance(data, bytes) else None,
                              capture_output=True, check=False)
    except OSError as error:
        raise KgError(f"SHACL engine jena: cannot start java: {error}", hint=BUILD_HINT) from None
    if done.returncode != 0:
        lines = [line.strip() for line in
                 done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        own = [line.removeprefix("jena-shacl: ") for line in lines
               if line.startswith("jena-shacl: ")]
        detail = (own or lines or [f"exit status {done.returncode}"])[0]
        raise KgError(f"SHACL engine jena failed: {detail}")
    return done.stdout


def report_graph(output: bytes) -> "Graph":
    """The launcher's N-Triples output as an rdflib graph."""
    from rdflib import Graph

    try:
        return Graph().parse(data=output.decode("utf-8"), format="nt")
    except Exception as error:  # noqa: BLE001 - any parse failure is the launcher's fault
        raise KgError(f"SHACL engine jena: unreadable report ({error})") from None
