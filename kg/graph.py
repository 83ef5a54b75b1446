"""The only code that turns a checked :class:`Corpus` into RDF (ontology-conformant, no blank nodes)."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterable

from kg.model import Corpus, Document, Entity, Passage, PropertyValue, Relation
from kg.ontology import CITO, DCTERMS, ID, IKG, SKOS, XSD, Ontology

if TYPE_CHECKING:
    from rdflib import Graph

PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
BIBO = "http://purl.org/ontology/bibo/"
CONCEPT_SCHEMES = {"Dimension": "DimensionScheme", "InnovationType": "InnovationTypeScheme"}
PREFIXES = {"ikg": IKG, "id": ID, "skos": SKOS, "prov": PROV, "dcterms": DCTERMS,
            "cito": CITO, "xsd": XSD, "bibo": BIBO}


def assertion_id(subject: str, predicate: str, obj: str) -> str:
    """A stable id for the reified statement ``subject predicate object``."""
    digest = hashlib.sha256(f"{subject}|{predicate}|{obj}".encode()).hexdigest()[:16]
    return f"assertion/{digest}"


def build_rdf(corpus: Corpus, ontology: Ontology) -> "Graph":
    """The RDF graph of a corpus (an rdflib ``Graph``: what SHACL validation needs)."""
    return rdf_graph(rdf_triples(corpus, ontology))


def rdf_graph(triples: Iterable[tuple]) -> "Graph":
    """An rdflib ``Graph`` of ``triples``, with the project's prefixes bound."""
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for triple in triples:
        graph.add(triple)
    return graph


def rdf_triples(corpus: Corpus, ontology: Ontology) -> set[tuple]:
    """The triples of a corpus as rdflib terms (what SHACL validation and the tests read)."""
    from rdflib import Literal, URIRef

    graph: set[tuple] = set()
    _emit(corpus, ontology, graph.add, URIRef, Literal)
    return graph


def rdf_lines(corpus: Corpus, ontology: Ontology) -> set[str]:
    """The triples of a corpus as N-Triples lines (each with its newline), written as rdflib's
    N-Triples serializer writes them, without making rdflib terms where a line can be written
    directly (IRIs, plain and language-tagged strings, integers): the build's hot path."""
    from rdflib.plugins.serializers.nt import _nt_row

    lines: set[str] = set()

    def add(triple: tuple) -> None:
        s, p, o = triple
        if type(o) is _N3 and type(s) is _N3 and type(p) is _N3:
            lines.add(f"{s} {p} {o} .\n")
        else:
            lines.add(_nt_row((_rdflib(s), _rdflib(p), _rdflib(o))))

    _emit(corpus, ontology, add, _iri, _literal)
    return lines


class _N3(str):
    """A term already written in N-Triples form."""


_INTEGER = f"<{XSD}integer>"


def _iri(value: str) -> _N3:
    return _N3(f"<{value}>")


def _literal(value: object, lang: str | None = None, datatype: object = None) -> object:
    """A literal's N-Triples form when it is a string or an integer; else an rdflib Literal."""
    if type(value) is str and datatype is None:
        quoted = '"' + value.replace("\\", "\\\\").replace("\n", "\\n").replace(
            '"', '\\"').replace("\r", "\\r") + '"'
        return _N3(f"{quoted}@{lang.lower()}" if lang else quoted)
    if type(value) is int and datatype == _INTEGER:
        return _N3(f'"{value}"^^{_INTEGER}')
    from rdflib import Literal

    return Literal(value, lang=lang, datatype=_rdflib(datatype) if datatype else None)


def _rdflib(term: object) -> object:
    """An rdflib term for a term of either kind."""
    if type(term) is not _N3:
        return term
    from rdflib import URIRef
    from rdflib.util import from_n3

    text = str(term)
    return URIRef(text[1:-1]) if text.startswith("<") else from_n3(text)


def _emit(corpus: Corpus, ontology: Ontology, add: Any, URIRef: Any,  # noqa: N803
          Literal: Any) -> None:  # noqa: N803 - the term factories stand in for rdflib's
    """Every triple of a corpus given to ``add``, its terms made by ``URIRef``/``Literal``."""

    def node(ident: str) -> Any:
        return URIRef(ID + ident)

    def ikg(name: str) -> Any:
        return URIRef(IKG + name)

    a = URIRef(RDF + "type")
    is_part_of = URIRef(DCTERMS + "isPartOf")
    title = URIRef(DCTERMS + "title")
    source = URIRef(DCTERMS + "source")
    derived = URIRef(PROV + "wasDerivedFrom")
    pref, alt, definition = (URIRef(SKOS + n) for n in ("prefLabel", "altLabel", "definition"))
    integer = URIRef(XSD + "integer")

    for doc in corpus.documents:
        d = node(f"document/{doc.id}")
        add((d, a, ikg("Document")))
        add((d, URIRef(DCTERMS + "identifier"), Literal(doc.id)))
        for lang, text in sorted(doc.title.items()):
            add((d, title, Literal(text, lang=lang)))
            add((d, pref, Literal(text, lang=lang)))
        for lang in doc.language:
            add((d, URIRef(DCTERMS + "language"), Literal(lang)))
        add((d, ikg("sourceFile"), Literal(doc.file)))
        add((d, ikg("sha256"), Literal(doc.sha256)))
        for triple in _bibliographic_triples(doc, URIRef, Literal):
            add(triple)
    for section in corpus.sections:
        s = node(section.id)
        add((s, a, ikg("Section")))
        add((s, ikg("sectionNumber"), Literal(section.number)))
        add((s, title, Literal(section.title)))
        parent = (f"section/{section.document}/{section.parent}" if section.parent
                  else f"document/{section.document}")
        add((s, is_part_of, node(parent)))
        add((s, ikg("startOffset"), Literal(section.start, datatype=integer)))
        add((s, ikg("endOffset"), Literal(section.end, datatype=integer)))
    for table in corpus.tables:
        t = node(table.id)
        add((t, a, ikg("Table")))
        add((t, title, Literal(table.caption_en, lang="en")))
        if table.caption_zh:
            add((t, title, Literal(table.caption_zh, lang="zh")))
        add((t, is_part_of, node(f"document/{table.document}")))
        if table.section:
            add((t, ikg("inSection"), node(f"section/{table.document}/{table.section}")))
        add((t, ikg("startOffset"), Literal(table.start, datatype=integer)))
        add((t, ikg("endOffset"), Literal(table.end, datatype=integer)))
    for passage in _passages(corpus):
        p = node(passage.id)
        add((p, a, ikg("Passage")))
        add((p, ikg("quote"), Literal(passage.text)))
        add((p, ikg("startOffset"), Literal(passage.start, datatype=integer)))
        add((p, ikg("endOffset"), Literal(passage.end, datatype=integer)))
        add((p, is_part_of, node(f"document/{passage.document}")))
        if passage.section:
            add((p, ikg("inSection"), node(f"section/{passage.document}/{passage.section}")))
    for entity in corpus.entities:
        e = node(entity.id)
        add((e, a, ikg(entity.type)))
        if entity.type in CONCEPT_SCHEMES:
            add((e, a, URIRef(SKOS + "Concept")))
            add((e, URIRef(SKOS + "inScheme"), ikg(CONCEPT_SCHEMES[entity.type])))
        for lang, text in entity.label.items():
            add((e, pref, Literal(text, lang=lang)))
        for lang, texts in entity.alt_labels.items():
            for text in texts:
                add((e, alt, Literal(text, lang=lang)))
        for lang, text in entity.definition.items():
            add((e, definition, Literal(text, lang=lang)))
        add((e, source, node(f"document/{entity.document}")))
        add((e, ikg("extractedBy"), Literal(entity.origin)))
        for passage in entity.evidence:
            add((e, derived, node(passage.id)))
        for name, value in sorted(entity.properties.items()):
            add((e, *_property(name, value, ontology, URIRef, Literal)))
        for triple in _review_triples(e, entity, URIRef, Literal):
            add(triple)
    for relation in corpus.relations:
        s, o = node(relation.subject), node(relation.object)
        p = URIRef(ontology.relations[relation.predicate].iri)
        add((s, p, o))
        r = node(assertion_id(relation.subject, relation.predicate, relation.object))
        add((r, a, ikg("Assertion")))
        add((r, URIRef(RDF + "subject"), s))
        add((r, URIRef(RDF + "predicate"), p))
        add((r, URIRef(RDF + "object"), o))
        add((r, ikg("modality"), URIRef(ontology.concepts[relation.modality])))
        add((r, ikg("extractedBy"), Literal(relation.origin)))
        for passage in relation.evidence:
            add((r, derived, node(passage.id)))
        for triple in _review_triples(r, relation, URIRef, Literal):
            add(triple)


def _review_triples(subject: Any, item: Entity | Relation, URIRef: Any,  # noqa: N803
                    Literal: Any) -> list[tuple]:  # noqa: N803 - the term factories of _emit
    """A proposal's review status and provenance: ``ikg:status "draft"`` until reviewed,
    ``ikg:proposedBy`` (the rule) and ``ikg:confidence`` for as long as the coding keeps them."""
    out: list[tuple] = []
    if item.status:  # "draft": proposed by `kg ingest`, not reviewed yet
        out.append((subject, URIRef(IKG + "status"), Literal(item.status)))
    if item.rule is not None:
        out.append((subject, URIRef(IKG + "proposedBy"), Literal(item.rule)))
    if item.confidence is not None:
        out.append((subject, URIRef(IKG + "confidence"),
                    Literal(Decimal(repr(float(item.confidence))),
                            datatype=URIRef(XSD + "decimal"))))
    return out


def _bibliographic_triples(doc: Document, URIRef: Any,  # noqa: N803
                           Literal: Any) -> list[tuple]:  # noqa: N803 - _emit's factories
    """A document's known bibliographic record: DCTERMS where it has a term, else BIBO.

    Authors are ``dcterms:creator`` literals (their order is kept in
    ``dcterms:bibliographicCitation``), the year ``dcterms:issued`` (``xsd:gYear``), the journal a
    ``bibo:Journal`` the document ``dcterms:isPartOf``, the landing page ``bibo:uri``.
    """
    import re

    from kg.cite import reference_text

    bib = dict(doc.bibliography)
    if not bib:
        return []
    d = URIRef(f"{ID}document/{doc.id}")
    out: list[tuple] = [(d, URIRef(DCTERMS + "creator"), Literal(name))
                        for name in bib.get("authors", [])]
    if "year" in bib:
        out.append((d, URIRef(DCTERMS + "issued"),
                    Literal(f"{bib['year']:04d}", datatype=URIRef(XSD + "gYear"))))
    if "venue" in bib:
        slug = re.sub(r"[^a-z0-9]+", "-", bib["venue"].casefold()).strip("-") \
            or hashlib.sha256(bib["venue"].encode()).hexdigest()[:16]
        journal = URIRef(f"{ID}venue/{slug}")
        out += [(d, URIRef(DCTERMS + "isPartOf"), journal),
                (journal, URIRef(RDF + "type"), URIRef(BIBO + "Journal")),
                (journal, URIRef(DCTERMS + "title"), Literal(bib["venue"]))]
    out += [(d, URIRef(DCTERMS + "subject"), Literal(word)) for word in bib.get("keywords", [])]
    for name in ("volume", "issue", "pages", "doi"):
        if name in bib:
            out.append((d, URIRef(BIBO + name), Literal(bib[name])))
    if "url" in bib:
        out.append((d, URIRef(BIBO + "uri"), Literal(bib["url"], datatype=URIRef(XSD + "anyURI"))))
    out.append((d, URIRef(DCTERMS + "bibliographicCitation"),
                Literal(reference_text(doc.title, bib))))
    return out


def _property(name: str, value: PropertyValue, ontology: Ontology, URIRef: Any,  # noqa: N803
              Literal: Any) -> tuple:  # noqa: N803 - the term factories of _emit
    """The predicate and typed object of one entity property."""
    if name == "actor":
        return URIRef(IKG + "actor"), URIRef(ontology.concepts[str(value)])
    info = ontology.properties[name]
    kind = info.datatype.removeprefix(XSD)
    if kind == "decimal":
        literal = Literal(Decimal(repr(float(value))), datatype=URIRef(info.datatype))
    elif kind == "integer":
        literal = Literal(int(value), datatype=URIRef(info.datatype))
    elif kind == "gYearMonth":
        year_only = len(str(value)) == 4
        literal = Literal(str(value), datatype=URIRef(XSD + "gYear") if year_only
                          else URIRef(info.datatype))
    elif name in ("keyContent", "title"):
        literal = Literal(str(value), lang="zh")
    else:
        literal = Literal(str(value))
    return URIRef(info.iri), literal


def _passages(corpus: Corpus) -> list[Passage]:
    """Every distinct passage used as evidence, in document order."""
    seen: dict[str, Passage] = {}
    items: Iterable[Entity | Relation] = [*corpus.entities, *corpus.relations]
    for item in items:
        for passage in item.evidence:
            seen.setdefault(passage.id, passage)
    return sorted(seen.values(), key=lambda p: (p.document, p.start, p.end))


def canonical_ntriples(triples: Iterable[tuple]) -> str:
    """N-Triples with lines sorted: the same graph always gives the same bytes. ``triples`` is
    an rdflib ``Graph`` or any iterable of triples; each line is written as rdflib's N-Triples
    serializer writes it."""
    from rdflib.plugins.serializers.nt import _nt_row

    lines = sorted({_nt_row(triple).rstrip("\n") for triple in triples})
    return "\n".join(line for line in lines if line.strip()) + "\n"
