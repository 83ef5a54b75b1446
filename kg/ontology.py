"""The ontology in ``ontology/*.ttl``: the one source of class, relation and property names."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILE = "innovation.ttl"
SHAPES_FILE = "shapes.ttl"

IKG = "https://w3id.org/innovation-kg/ontology#"
ID = "https://w3id.org/innovation-kg/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CITO = "http://purl.org/spar/cito/"
SCHEMA = "http://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: Annotation property names whose IRIs are reused from DCTERMS.
EXTERNAL_PROPERTIES = {"title": DCTERMS + "title", "creator": DCTERMS + "creator"}
#: Classes produced by the parser and the builder, never written in annotations.
GENERATED_CLASSES = frozenset({"Document", "Section", "Table", "Passage", "Reference",
                               "QuantitativeStatement", "Assertion"})
MODALITIES = ("stated", "evidenced", "recommended", "aligned")
ACTORS = ("enterprise", "platform", "government", "industry")


@dataclass(frozen=True)
class ClassInfo:
    """A class with its labels, definition and superclasses (local names)."""

    name: str
    label: dict[str, str]
    definition: dict[str, str]
    parents: tuple[str, ...]


@dataclass(frozen=True)
class RelationInfo:
    """A domain relation: allowed subject and object classes, and its Neo4j type."""

    name: str
    iri: str
    label: dict[str, str]
    domain: frozenset[str]
    range: frozenset[str]
    neo4j_type: str


@dataclass(frozen=True)
class PropertyInfo:
    """A datatype property: its XSD range and the classes that may carry it."""

    name: str
    iri: str
    datatype: str
    domain: frozenset[str]


@dataclass(frozen=True)
class Ontology:
    """Everything the loaders and the builder need to know about the ontology."""

    classes: dict[str, ClassInfo]
    relations: dict[str, RelationInfo]
    properties: dict[str, PropertyInfo]
    concepts: dict[str, str]  # notation ("enterprise", "stated") -> concept IRI

    def ancestors(self, name: str) -> set[str]:
        """The class and all its superclasses within the ontology."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.classes:
                continue
            seen.add(current)
            todo.extend(self.classes[current].parents)
        return seen

    def allows(self, relation: str, subject_type: str, object_type: str) -> bool:
        """Whether the relation may link these two classes (subclasses included)."""
        info = self.relations[relation]
        if not info.domain and not info.range:
            return True
        return bool(self.ancestors(subject_type) & info.domain) and bool(
            self.ancestors(object_type) & info.range)


def ontology_files(directory: Path = ONTOLOGY_DIR) -> list[Path]:
    """The Turtle files of the ontology (shapes excluded), sorted."""
    return sorted(p for p in directory.glob("*.ttl") if p.name != SHAPES_FILE)


@lru_cache(maxsize=4)
def load_ontology(directory: Path = ONTOLOGY_DIR) -> Ontology:
    """Read the ontology's classes, relations, datatype properties and concepts."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import OWL, RDF, RDFS

    graph = Graph()
    for path in ontology_files(directory):
        graph.parse(path, format="turtle")
    skos_pref = URIRef(SKOS + "prefLabel")
    skos_def = URIRef(SKOS + "definition")

    def local(iri: object) -> str:
        text = str(iri)
        return text.rsplit("#", 1)[-1] if "#" in text else text.rsplit("/", 1)[-1]

    def texts(subject: URIRef, predicate: URIRef) -> dict[str, str]:
        out: dict[str, str] = {}
        for value in sorted(graph.objects(subject, predicate), key=str):
            if isinstance(value, Literal) and value.language:
                out.setdefault(value.language, str(value))
        return out

    classes = {}
    for cls in graph.subjects(RDF.type, OWL.Class):
        if isinstance(cls, URIRef) and str(cls).startswith(IKG):
            parents = tuple(sorted(local(p) for p in graph.objects(cls, RDFS.subClassOf)
                                   if str(p).startswith(IKG)))
            classes[local(cls)] = ClassInfo(local(cls), texts(cls, skos_pref),
                                            texts(cls, skos_def), parents)
    relations = {}
    domain_relation = URIRef(IKG + "DomainRelation")
    for prop in graph.subjects(RDF.type, domain_relation):
        name = local(prop)
        relations[name] = RelationInfo(
            name=name, iri=str(prop), label=texts(prop, skos_pref),
            domain=frozenset(local(c) for c in graph.objects(prop, URIRef(SCHEMA + "domainIncludes"))),
            range=frozenset(local(c) for c in graph.objects(prop, URIRef(SCHEMA + "rangeIncludes"))),
            neo4j_type=str(graph.value(prop, URIRef(IKG + "neo4jType")) or _upper_snake(name)))
    properties = {}
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        if str(prop).startswith(IKG):
            rng = graph.value(prop, RDFS.range)
            properties[local(prop)] = PropertyInfo(
                local(prop), str(prop), str(rng) if rng else XSD + "string",
                frozenset(local(c) for c in graph.objects(prop, URIRef(SCHEMA + "domainIncludes"))))
    for name, iri in EXTERNAL_PROPERTIES.items():
        properties.setdefault(name, PropertyInfo(name, iri, XSD + "string", frozenset()))
    concepts = {}
    for concept, notation in graph.subject_objects(URIRef(SKOS + "notation")):
        concepts[str(notation)] = str(concept)
    return Ontology(classes, relations, properties, concepts)


def ontology_to_json(ontology: Ontology) -> dict[str, Any]:
    """The ontology as plain JSON data (kept by a build with its caches)."""
    return {
        "classes": [[c.name, c.label, c.definition, list(c.parents)]
                    for c in ontology.classes.values()],
        "relations": [[r.name, r.iri, r.label, sorted(r.domain), sorted(r.range), r.neo4j_type]
                      for r in ontology.relations.values()],
        "properties": [[p.name, p.iri, p.datatype, sorted(p.domain)]
                       for p in ontology.properties.values()],
        "concepts": ontology.concepts}


def ontology_from_json(data: Any) -> Ontology:
    """The ontology :func:`ontology_to_json` gave (ValueError, TypeError or KeyError if it is
    not such data)."""
    def texts(value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise TypeError("expected a mapping")
        return {str(k): str(v) for k, v in value.items()}

    def names(value: Any) -> frozenset[str]:
        return frozenset(str(v) for v in value)

    classes = {str(n): ClassInfo(str(n), texts(label), texts(definition),
                                 tuple(str(p) for p in parents))
               for n, label, definition, parents in data["classes"]}
    relations = {str(n): RelationInfo(str(n), str(iri), texts(label), names(domain),
                                      names(range_), str(neo4j))
                 for n, iri, label, domain, range_, neo4j in data["relations"]}
    properties = {str(n): PropertyInfo(str(n), str(iri), str(datatype), names(domain))
                  for n, iri, datatype, domain in data["properties"]}
    return Ontology(classes, relations, properties, texts(data["concepts"]))


def _upper_snake(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper() and out:
            out.append("_")
        out.append(ch.upper())
    return "".join(out)
