"""Curated annotations (``annotations/*.yaml``): entities and relations anchored to quotes."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from kg.documents import QUOTE_HARD_LIMIT, DocumentText
from kg.errors import KgError
from kg.loaders.yaml_source import LINE_KEY, read_yaml, where
from kg.model import DRAFT, Entity, Passage, Relation
from kg.ontology import ACTORS, GENERATED_CLASSES, MODALITIES, XSD, Ontology

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)+$")
_YEAR_MONTH = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
#: A language key of label, alt_labels, definition or a document title (BCP 47, simplified).
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
#: The quote-length guideline of docs/annotations.md (characters other than whitespace).
QUOTE_GUIDELINE = (8, 80)
#: Keys of a proposed item (``kg ingest`` writes them; ``kg review`` drops ``status``).
PROVENANCE_KEYS = {"status", "confidence", "rule"}
_ENTITY_KEYS = {"id", "type", "label", "alt_labels", "definition", "quote", "section", "evidence",
                "properties", "document", LINE_KEY, *PROVENANCE_KEYS}
_RELATION_KEYS = {"subject", "predicate", "object", "modality", "quote", "section", "evidence",
                  LINE_KEY, *PROVENANCE_KEYS}
#: Ontology properties the build derives from those keys (never written under properties:).
_REVIEW_PROPERTIES = {"status", "confidence", "proposedBy"}
#: Top-level keys of an annotation file; ``rejected`` lists the keys of items a reviewer
#: rejected (kept for ``kg ingest``, ignored by the build).
_TOP_KEYS = ("document", "entities", "relations", "rejected")
#: The suffix of a file of proposed items (``annotations/<document-id>.draft.yaml``).
DRAFT_SUFFIX = ".draft.yaml"
_STAGE_KINDS = ("input", "transformation", "output")
_SIZES = ("small", "medium", "large")


class AnnotationFile:
    """One annotation file, checked against the ontology and the documents it quotes."""

    def __init__(self, path: Path, ontology: Ontology, texts: dict[str, DocumentText]) -> None:
        self.path = path
        self.ontology = ontology
        self.texts = texts
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise KgError("expected a mapping with 'document', 'entities' and 'relations'",
                          where=str(path), hint="see docs/annotations.md")
        unknown = sorted(set(data) - {*_TOP_KEYS, LINE_KEY})
        if unknown:
            raise KgError(f"unknown top-level key '{unknown[0]}'", where=str(path),
                          hint="allowed: " + ", ".join(_TOP_KEYS))
        #: Advice that does not stop the build (one line each, ``where: what (hint)``).
        self.warnings: list[str] = []
        self.document = str(data.get("document", ""))
        if self.document not in texts:
            raise KgError(f"unknown document '{self.document}'", where=where(path, data),
                          hint=f"use one of {', '.join(sorted(texts))} (documents/metadata.yaml)")
        self.raw_entities = self._list(data, "entities")
        self.raw_relations = self._list(data, "relations")
        #: Keys of rejected items (an entity id, or "subject predicate object").
        self.rejected = self._rejected(data)

    def _rejected(self, data: dict[str, Any]) -> tuple[str, ...]:
        items = data.get("rejected")
        if items is None:
            return ()
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip()
                                                  for i in items):
            raise KgError("'rejected' must be a list of item keys (texts)",
                          where=where(self.path, data),
                          hint="an entity id, or \"subject predicate object\" for a relation")
        return tuple(" ".join(i.split()) for i in items)

    def _provenance(self, raw: dict[str, Any], at: str) -> dict[str, Any]:
        """``status``, ``confidence`` and ``rule`` of a proposed item, checked."""
        status = raw.get("status")
        if "status" in raw and status != DRAFT:
            raise KgError(f"status {_short(str(status))!r} is not allowed", where=at,
                          hint="write status: draft, or remove the key once the item is "
                               "reviewed")
        confidence = raw.get("confidence")
        if "confidence" in raw:
            number = confidence if isinstance(confidence, (int, float)) and not isinstance(
                confidence, bool) else None
            if number is None or not math.isfinite(float(number)) or not 0 <= number <= 1:
                raise KgError(f"confidence {_short(str(confidence))!r} is not a number from 0 "
                              "to 1", where=at, hint="write e.g. confidence: 0.7")
            confidence = float(number)
        rule = raw.get("rule")
        if "rule" in raw:
            if not isinstance(rule, str) or not rule.strip():
                raise KgError("rule must be a non-empty text", where=at,
                              hint="say which rule or signal proposed the item, or remove "
                                   "the key")
            rule = " ".join(rule.split())
        return {"status": status, "confidence": confidence, "rule": rule}

    def _list(self, data: dict[str, Any], key: str) -> list[dict[str, Any]]:
        items = data.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise KgError(f"'{key}' must be a list of mappings", where=where(self.path, data))
        return items

    # -- entities ----------------------------------------------------------------------------

    def entities(self) -> list[Entity]:
        """The file's entities with located evidence."""
        return [self._entity(raw) for raw in self.raw_entities]

    def _entity(self, raw: dict[str, Any]) -> Entity:
        at = where(self.path, raw)
        self._check_keys(raw, _ENTITY_KEYS, at, "entity")
        entity_id = raw.get("id")
        if not isinstance(entity_id, str) or not _ID.fullmatch(entity_id):
            raise KgError(f"entity id {entity_id!r} is missing or malformed", where=at,
                          hint="use <kind>/<slug> in lowercase ascii, e.g. barrier/data-security-risk")
        at = f"{at}: entity '{entity_id}'"
        cls = raw.get("type")
        if cls not in self.ontology.classes or cls in GENERATED_CLASSES:
            known = ", ".join(sorted(set(self.ontology.classes) - GENERATED_CLASSES))
            raise KgError(f"unknown class {cls!r}", where=at, hint=f"use one of: {known}")
        provenance = self._provenance(raw, at)
        label = self._lang_map(raw.get("label"), at, "label", required=True)
        if provenance["status"] == DRAFT or provenance["rule"] is not None:
            # a proposal of `kg ingest` (draft, or accepted: it keeps its rule) may have only
            # the paper's language
            if "en" not in label and "zh" not in label:
                raise KgError("label needs zh or en", where=at,
                              hint="write label: {zh: ..., en: ...}")
        elif "en" not in label or "zh" not in label:
            raise KgError("label needs both zh and en", where=at,
                          hint="write label: {zh: ..., en: ...}")
        alt = self._alt_labels(raw.get("alt_labels"), at)
        document = str(raw.get("document", self.document))
        if document not in self.texts:
            raise KgError(f"unknown document '{document}'", where=at)
        evidence = self._evidence(raw, at, default_document=document)
        return Entity(
            id=entity_id, type=cls, label=label, document=document, evidence=evidence,
            alt_labels=alt,
            definition=self._lang_map(raw.get("definition"), at, "definition"),
            properties=self._properties(raw.get("properties"), cls, at), **provenance)

    @staticmethod
    def _alt_labels(value: Any, at: str) -> dict[str, tuple[str, ...]]:
        """``{lang: [text, ...]}``; bare numbers (``1688``) are read as the text they spell."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise KgError("alt_labels must map a language to a list of texts", where=at,
                          hint="write alt_labels: {zh: [...], en: [...]}")
        out: dict[str, tuple[str, ...]] = {}
        for lang, texts in sorted(((k, v) for k, v in value.items() if k != LINE_KEY),
                                  key=lambda item: str(item[0])):
            check_language(lang, at, "alt_labels")
            if isinstance(texts, (str, int, float)):
                texts = [texts]
            if not isinstance(texts, list) or not all(
                    isinstance(t, (str, int, float)) and str(t).strip() for t in texts):
                raise KgError(f"alt_labels.{lang} must be a list of non-empty texts", where=at)
            out[lang] = tuple(" ".join(str(t).split()) for t in texts)
        return out

    def _lang_map(self, value: Any, at: str, key: str, *, required: bool = False) -> dict[str, str]:
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise KgError(f"'{key}' must map a language to text", where=at,
                          hint=f"write {key}: {{zh: ..., en: ...}}")
        out = {k: v for k, v in value.items() if k != LINE_KEY}
        for lang in out:
            check_language(lang, at, key)
        if not all(isinstance(v, str) and v.strip() for v in out.values()):
            raise KgError(f"'{key}' values must be non-empty text", where=at)
        return {k: " ".join(v.split()) for k, v in sorted(out.items())}

    def _properties(self, value: Any, cls: str, at: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise KgError("'properties' must be a mapping", where=at)
        lineage = self.ontology.ancestors(cls)
        out: dict[str, Any] = {}
        for name, item in sorted((k, v) for k, v in value.items() if k != LINE_KEY):
            info = self.ontology.properties.get(name)
            if name in _REVIEW_PROPERTIES:
                raise KgError(f"'{name}' is not a property: status, confidence and rule are "
                              "keys of the entity", where=at,
                              hint="write them next to id and type (docs/annotations.md)")
            if name == "actor":
                if cls != "Strategy" or item not in ACTORS:
                    raise KgError(f"actor {item!r} is not allowed here", where=at,
                                  hint=f"Strategy entities take actor: {' | '.join(ACTORS)}")
                out[name] = item
                continue
            if info is None or (info.domain and not lineage & info.domain):
                raise KgError(f"property '{name}' is not defined for class {cls}", where=at,
                              hint="see the class table in docs/annotations.md")
            out[name] = self._typed(name, item, info.datatype, at)
        return out

    def _typed(self, name: str, item: Any, datatype: str, at: str) -> Any:
        kind = datatype.removeprefix(XSD)
        ok = {
            "integer": isinstance(item, int) and not isinstance(item, bool),
            "decimal": isinstance(item, (int, float)) and not isinstance(item, bool),
            "gYearMonth": isinstance(item, str) and bool(_YEAR_MONTH.fullmatch(item)),
        }.get(kind, isinstance(item, str) and bool(item.strip()))
        if name == "stageKind" and item not in _STAGE_KINDS:
            ok = False
        if name == "size" and item not in _SIZES:
            ok = False
        if not ok:
            raise KgError(f"property '{name}' has value {item!r}, expected {kind}", where=at)
        if kind == "decimal":
            try:
                number = float(item)
            except OverflowError:  # an integer beyond the range of a float
                number = math.inf
            if not math.isfinite(number):
                raise KgError(f"property '{name}' has value {_short(str(item))!r}, expected a "
                              "finite number", where=at,
                              hint=f"write a number such as 12.5, or leave '{name}' out")
            return number
        return " ".join(item.split()) if isinstance(item, str) else item

    # -- relations ---------------------------------------------------------------------------

    def relations(self, types: dict[str, str], documents: dict[str, str]) -> list[Relation]:
        """The file's relations, checked against known entity ids and the ontology."""
        return [self._relation(raw, types, documents) for raw in self.raw_relations]

    def _relation(self, raw: dict[str, Any], types: dict[str, str],
                  documents: dict[str, str]) -> Relation:
        at = where(self.path, raw)
        self._check_keys(raw, _RELATION_KEYS, at, "relation")
        subject, predicate, obj = (str(raw.get(k, "")) for k in ("subject", "predicate", "object"))
        at = f"{at}: relation {subject} {predicate} {obj}"
        provenance = self._provenance(raw, at)
        if predicate not in self.ontology.relations or predicate == "cites":
            known = ", ".join(sorted(set(self.ontology.relations) - {"cites"}))
            raise KgError(f"unknown relation {predicate!r}", where=at, hint=f"use one of: {known}")
        for role, ident in (("subject", subject), ("object", obj)):
            if ident not in types:
                raise KgError(f"unknown {role} id {ident!r}", where=at,
                              hint="define the entity first, or fix the id's spelling")
        if not self.ontology.allows(predicate, types[subject], types[obj]):
            info = self.ontology.relations[predicate]
            raise KgError(
                f"'{predicate}' cannot link {types[subject]} to {types[obj]}", where=at,
                hint=f"it links {', '.join(sorted(info.domain))} to {', '.join(sorted(info.range))}")
        if subject == obj:
            raise KgError(f"'{predicate}' links {subject} to itself", where=at,
                          hint="a relation needs two different entities")
        if predicate == "closeMatch" and documents[subject] == documents[obj]:
            raise KgError("closeMatch must link entities of different documents", where=at)
        modality = raw.get("modality")
        if modality not in MODALITIES:
            raise KgError(f"modality {modality!r} is not allowed", where=at,
                          hint=f"use one of: {', '.join(MODALITIES)}")
        evidence = self._evidence(raw, at, default_document=self.document)
        if predicate == "closeMatch" and len({p.document for p in evidence}) < 2:
            raise KgError("closeMatch needs quotes from both documents", where=at,
                          hint="give an evidence list with a quote from each document")
        return Relation(subject, predicate, obj, modality, evidence, **provenance)

    # -- evidence ----------------------------------------------------------------------------

    def _evidence(self, raw: dict[str, Any], at: str, *, default_document: str) -> tuple[Passage, ...]:
        if "quote" in raw and "evidence" in raw:
            raise KgError("give either 'quote' or 'evidence', not both", where=at)
        items: Any
        if "quote" in raw:
            items = [{"quote": raw["quote"], "section": raw.get("section")}]
        else:
            items = raw.get("evidence")
            if not isinstance(items, list) or not items:
                raise KgError("no evidence: every entity and relation needs a quote", where=at,
                              hint="add quote: \"...\" copied from the document")
        passages: list[Passage] = []
        for item in items:
            if not isinstance(item, dict):
                raise KgError("evidence items must be mappings with a quote", where=at)
            document = str(item.get("document", default_document))
            if document not in self.texts:
                raise KgError(f"unknown document '{document}' in evidence", where=at,
                              hint=f"use one of {', '.join(sorted(self.texts))}")
            passage = self._locate(item.get("quote"), item.get("section"), document, at)
            if passage not in passages:
                passages.append(passage)
        return tuple(passages)

    def _locate(self, quote: Any, section: Any, document: str, at: str) -> Passage:
        text = self.texts[document]
        if not isinstance(quote, str) or not quote.strip():
            raise KgError("quote is empty", where=at, hint="copy the supporting text verbatim")
        size = len("".join(quote.split()))
        if size > QUOTE_HARD_LIMIT:
            raise KgError(f"quote is {size} characters long, more than the limit of "
                          f"{QUOTE_HARD_LIMIT}: \"{_short(quote)}\"", where=at,
                          hint=f"quote one clause of {QUOTE_GUIDELINE[0]}–{QUOTE_GUIDELINE[1]} "
                               "characters that supports the claim")
        self._check_length(size, quote, section, at)
        if section is not None and text.span_of(str(section)) is None:
            raise KgError(f"unknown section '{section}' in document {document}", where=at,
                          hint="use a heading number such as 5.1, abstract-zh or table-1")
        match = text.locate(quote, section=None if section is None else str(section))
        if match is None:
            closest = text.closest(quote)
            scope = f" section {section} of" if section is not None else ""
            raise KgError(
                f"quote not found in{scope} document {document}: \"{_short(quote)}\"", where=at,
                hint=f"closest passage: \"{closest}\"" if closest else "copy it verbatim")
        return text.passage(match)

    def _check_length(self, size: int, quote: str, section: Any, at: str) -> None:
        """Warn (never fail) when a quote is far from the 8–80 guideline.

        Short quotes are normal for names (a mechanism, a ministry) when ``section`` pins
        them down; a one-character quote, a short one without ``section``, or one over 80
        characters gets a warning.
        """
        low, high = QUOTE_GUIDELINE
        what = ""
        if size < 2:
            what = f"quote of {size} character is too short to be evidence"
        elif size < low and section is None:
            what = f"quote of {size} characters without a section may be found in the wrong place"
        elif size > high:
            what = f"quote is {size} characters long, longer than the guideline of {high}"
        if what:
            hint = (f"keep quotes to one clause of {low}–{high} characters; give section: "
                    "for short ones (docs/annotations.md)")
            self.warnings.append(KgError(f"{what}: \"{_short(quote)}\"", where=at,
                                         hint=hint).line())

    @staticmethod
    def _check_keys(raw: dict[str, Any], allowed: set[str], at: str, kind: str) -> None:
        unknown = sorted(set(raw) - allowed)
        if unknown:
            raise KgError(f"unknown {kind} key '{unknown[0]}'", where=at,
                          hint=f"allowed: {', '.join(sorted(allowed - {LINE_KEY}))}")


def check_language(lang: Any, at: str, key: str) -> None:
    """Refuse a language key that is not a language tag (``zh``, ``en``, ``en-GB``)."""
    if not isinstance(lang, str) or not LANGUAGE_TAG.fullmatch(lang):
        raise KgError(f"'{key}' has the language key {_short(str(lang))!r}, not a language tag",
                      where=at, hint="use a lowercase language code such as zh or en")


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
