"""SHACL validation of a built graph against ``ontology/shapes.ttl``.

Two engines give the same findings: pySHACL (:func:`validate_graph`, in process, no Java) and
Apache Jena SHACL (:mod:`kg.shacl_jena`, a Java launcher, several times faster on large graphs).
:func:`validate_ntriples` validates stored N-Triples with the engine chosen by
:func:`choose_engine`. Both reports are read by :func:`_findings`: the same normalisation, the
same draft-severity rule, the same order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.errors import KgError
from kg.ontology import ONTOLOGY_DIR, SHAPES_FILE, ontology_files

if TYPE_CHECKING:
    from rdflib import Graph

#: The focus node of the whole-graph SPARQL constraints in shapes.ttl.
ONTOLOGY_IRI = "https://w3id.org/innovation-kg/ontology"
#: A node shape's severity for results on draft focus nodes (see the header of shapes.ttl).
DRAFT_SEVERITY = "https://w3id.org/innovation-kg/shapes#draftSeverity"
STATUS = "https://w3id.org/innovation-kg/ontology#status"
PROPOSED_BY = "https://w3id.org/innovation-kg/ontology#proposedBy"

ENGINES = ("auto", "jena", "pyshacl")
#: With engine "auto", graphs of at least this many bytes of N-Triples go to Jena when it can
#: run (about 14k triples; the seeds are 1.8 MB): below it the JVM's start costs more than pySHACL's
#: slowness (measurements in docs/scale.md, "SHACL validation at scale").
JENA_MIN_BYTES = 2_500_000
#: An IRI as Jena writes it into a message: ``<https://...>``.
_BRACKETED_IRI = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^<>\"{}|^`\\\s]*)>")


@dataclass(frozen=True)
class Finding:
    """One SHACL result: how bad, on which node, through which path, and why."""

    severity: str
    focus: str
    path: str
    message: str
    shape: str
    value: str = ""


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of a validation, with typed findings and the engine's text report."""

    conforms: bool
    results: list[Finding]
    text: str
    engine: str = "pyshacl"


def validate_graph(graph: "Graph", ontology_dir: Path = ONTOLOGY_DIR, *,
                   copy: bool = True) -> ValidationReport:
    """Validate instance data together with the ontology (shapes may use its triples), with
    pySHACL.

    With ``copy=False`` the ontology is added to ``graph`` itself (saves a copy when the
    caller has no further use for the instance-only graph).
    """
    from pyshacl import validate
    from rdflib import Graph

    if copy:
        data = Graph()
        for triple in graph:
            data.add(triple)
    else:
        data = graph
    for path in ontology_files(ontology_dir):
        data.parse(path, format="turtle")
    shapes = Graph().parse(ontology_dir / SHAPES_FILE, format="turtle")
    _conforms, report, text = validate(data, shacl_graph=shapes, inference="none",
                                       advanced=False, inplace=True, allow_warnings=True)
    findings = _findings(report, shapes, _drafts(data))
    return _report(findings, str(text), "pyshacl")


def validate_ntriples(ntriples: Path | bytes, *, engine: str = "auto",
                      ontology_dir: Path = ONTOLOGY_DIR) -> ValidationReport:
    """Validate stored N-Triples (a file, or its bytes as read and checked by the store) with
    ``engine``: "pyshacl", "jena", or "auto" (see :func:`choose_engine`)."""
    size = len(ntriples) if isinstance(ntriples, bytes) else ntriples.stat().st_size
    chosen = choose_engine(engine, size)
    if chosen == "pyshacl":
        return validate_graph(load_graph(ntriples), ontology_dir, copy=False)
    from kg import shacl_jena

    return _jena_report(shacl_jena.run(ontology_dir / SHAPES_FILE, ntriples,
                                       ontology_files(ontology_dir)))


class Validation:
    """A validation of an N-Triples file started by :func:`start_validation`: Jena's runs
    in its own process meanwhile (pySHACL's, in this one, when :meth:`report` is asked)."""

    def __init__(self, ntriples: Path, engine: str, ontology_dir: Path) -> None:
        from kg import shacl_jena

        self.ntriples, self.ontology_dir = ntriples, ontology_dir
        self.engine = choose_engine(engine, ntriples.stat().st_size)
        self.running = (shacl_jena.start(ontology_dir / SHAPES_FILE, ntriples,
                                         ontology_files(ontology_dir))
                        if self.engine == "jena" else None)

    def report(self) -> ValidationReport:
        """The report, once the validation is done."""
        if self.running is None:
            return validate_graph(load_graph(self.ntriples), self.ontology_dir, copy=False)
        running, self.running = self.running, None
        return _jena_report(running.finish())

    def stop(self) -> None:
        """Stop a validation whose report is not wanted (the build failed or wrote the file
        again)."""
        if self.running is not None:
            self.running.stop()
            self.running = None


def start_validation(ntriples: Path, *, engine: str = "auto",
                     ontology_dir: Path = ONTOLOGY_DIR) -> Validation:
    """:func:`validate_ntriples` of a written file, started now: with Jena the caller goes on
    while the graph is validated."""
    return Validation(ntriples, engine, ontology_dir)


def _jena_report(output: bytes) -> ValidationReport:
    from kg import shacl_jena

    report = shacl_jena.report_graph(output)
    findings = _findings(report, report, _drafts(report), bracketed=True)
    return _report(findings, _text(findings), "jena")


def choose_engine(engine: str, size: int) -> str:
    """The engine that validates ``size`` bytes of N-Triples: "jena" or "pyshacl".

    "auto" takes Jena when its launcher is built, ``java`` is found and the graph has at least
    :data:`JENA_MIN_BYTES`; otherwise pySHACL. "jena" and "pyshacl" are taken as asked (a Jena
    that cannot run is an error when it is used).
    """
    from kg import shacl_jena

    if engine not in ENGINES:
        raise KgError(f"unknown SHACL engine {engine!r}", hint="use one of: " + ", ".join(ENGINES))
    if engine != "auto":
        return engine
    return "jena" if size >= JENA_MIN_BYTES and shacl_jena.available() else "pyshacl"


def _drafts(graph: "Graph") -> set[str]:
    """The proposals among the nodes of ``graph``: drafts and accepted proposals."""
    from rdflib import URIRef

    drafts = {str(s) for s, o in graph.subject_objects(URIRef(STATUS)) if str(o) == "draft"}
    drafts |= {str(s) for s in graph.subjects(URIRef(PROPOSED_BY))}  # accepted proposals
    return drafts


def _findings(report: "Graph", shapes: "Graph", drafts: set[str], *,
              bracketed: bool = False) -> list[Finding]:
    """The results of a SHACL report graph as sorted findings.

    Results are the report's ``sh:result`` values (pySHACL also writes the results of a nested
    ``sh:node`` as ``sh:detail``; Jena does not, and they are not results of the data graph).
    ``shapes`` answers ``?holder sh:property ?source`` and ``ikgsh:draftSeverity`` for the
    results' source shapes (the shapes graph, or the Jena launcher's output, which carries
    those triples); ``drafts`` are the proposals (:func:`_drafts`). Messages get their
    whitespace collapsed and, with ``bracketed`` (Jena writes the IRIs it puts into a SPARQL
    constraint's message as ``<iri>``, pySHACL as the bare IRI), their IRIs unbracketed.
    """
    from rdflib import BNode, URIRef
    from rdflib.namespace import SH

    def message(text: str) -> str:
        if bracketed:
            text = _BRACKETED_IRI.sub(r"\1", text)
        return " ".join(text.split())

    def value(result: object, p: URIRef) -> str:
        v = report.value(result, p)
        return "" if v is None else str(v)

    def lenient(source: object, focus_node: object) -> str | None:
        """The draft severity of the node shape behind a result on a draft focus node."""
        if str(focus_node) not in drafts or source is None:
            return None
        for shape in (source, *shapes.subjects(SH.property, source)):
            severity = shapes.value(shape, URIRef(DRAFT_SEVERITY))
            if severity is not None:
                return str(severity).rsplit("#", 1)[-1]
        return None

    findings = []
    for result in sorted(set(report.objects(None, SH.result))):  # not sh:detail's nested ones
        source = report.value(result, SH.sourceShape)
        holder = shapes.value(predicate=SH.property, object=source) if source is not None else None
        focus = value(result, SH.focusNode)
        if focus == ONTOLOGY_IRI:  # a whole-graph constraint: the offending node is sh:value
            focus = value(result, SH.value) or focus
        severity = value(result, SH.resultSeverity).rsplit("#", 1)[-1]
        if severity == "Violation":
            severity = lenient(source, report.value(result, SH.focusNode)) or severity
        findings.append(Finding(
            severity=severity, focus=focus,
            path=value(result, SH.resultPath),
            message=message(value(result, SH.resultMessage)),
            shape=str(holder if isinstance(source, BNode) and holder is not None else source or ""),
            value=value(result, SH.value)))
    # One finding per distinct result: a SPARQL constraint gives a result per solution, and
    # RelationDomainShape's solutions differ only in the object it does not report (Jena
    # reports each, pySHACL merges them).
    return sorted(set(findings), key=lambda f: (f.severity != "Violation", f.focus, f.path,
                                               f.message, f.shape, f.value))


def _report(findings: list[Finding], text: str, engine: str) -> ValidationReport:
    """Conforms unless a finding is a violation (drafts' warnings pass)."""
    conforms = all(f.severity != "Violation" for f in findings)
    return ValidationReport(conforms, findings, text, engine)


def _text(findings: list[Finding]) -> str:
    """A plain text report (the Jena engine's counterpart of pySHACL's)."""
    conforms = all(f.severity != "Violation" for f in findings)
    lines = ["Validation Report", f"Conforms: {conforms}", f"Results ({len(findings)}):"]
    lines += [f"{f.severity}: {f.focus} {f.path}: {f.message} [{f.shape}]" for f in findings]
    return "\n".join(lines) + "\n"


def load_graph(ntriples: Path | bytes) -> "Graph":
    """Parse stored N-Triples: a file, or its bytes as read (and checked) by the store."""
    from rdflib import Graph

    if isinstance(ntriples, bytes):
        return Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    return Graph().parse(ntriples, format="nt")
