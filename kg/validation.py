"""SHACL validation of a built graph with pyshacl against ``ontology/shapes.ttl``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.ontology import ONTOLOGY_DIR, SHAPES_FILE, ontology_files

if TYPE_CHECKING:
    from rdflib import Graph

#: The focus node of the whole-graph SPARQL constraints in shapes.ttl.
ONTOLOGY_IRI = "https://w3id.org/innovation-kg/ontology"
#: A node shape's severity for results on draft focus nodes (see the header of shapes.ttl).
DRAFT_SEVERITY = "https://w3id.org/innovation-kg/shapes#draftSeverity"
STATUS = "https://w3id.org/innovation-kg/ontology#status"
PROPOSED_BY = "https://w3id.org/innovation-kg/ontology#proposedBy"


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
    """The outcome of a validation, with typed findings and pyshacl's text report."""

    conforms: bool
    results: list[Finding]
    text: str


def validate_graph(graph: "Graph", ontology_dir: Path = ONTOLOGY_DIR, *,
                   copy: bool = True) -> ValidationReport:
    """Validate instance data together with the ontology (shapes may use its triples).

    With ``copy=False`` the ontology is added to ``graph`` itself (saves a copy when the
    caller has no further use for the instance-only graph).
    """
    from pyshacl import validate
    from rdflib import BNode, Graph, URIRef
    from rdflib.namespace import RDF, SH

    if copy:
        data = Graph()
        for triple in graph:
            data.add(triple)
    else:
        data = graph
    for path in ontology_files(ontology_dir):
        data.parse(path, format="turtle")
    shapes = Graph().parse(ontology_dir / SHAPES_FILE, format="turtle")
    conforms, report, text = validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                      inplace=True, allow_warnings=True)

    def value(result: object, p: URIRef) -> str:
        v = report.value(result, p)
        return "" if v is None else str(v)

    drafts = {str(s) for s, o in data.subject_objects(URIRef(STATUS)) if str(o) == "draft"}
    drafts |= {str(s) for s in data.subjects(URIRef(PROPOSED_BY))}  # accepted proposals

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
    for result in report.subjects(RDF.type, SH.ValidationResult):
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
            path=value(result, SH.resultPath), message=value(result, SH.resultMessage),
            shape=str(holder if isinstance(source, BNode) and holder is not None else source or ""),
            value=value(result, SH.value)))
    findings.sort(key=lambda f: (f.severity != "Violation", f.focus, f.path, f.message))
    if not conforms and all(f.severity != "Violation" for f in findings):
        conforms = True  # only drafts' warnings are left
    return ValidationReport(bool(conforms), findings, str(text))


def load_graph(ntriples: Path | bytes) -> "Graph":
    """Parse stored N-Triples: a file, or its bytes as read (and checked) by the store."""
    from rdflib import Graph

    if isinstance(ntriples, bytes):
        return Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    return Graph().parse(ntriples, format="nt")
