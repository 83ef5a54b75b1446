"""The draft coding file ``annotations/<id>.draft.yaml``: build, merge with a reviewed one, write.

The file is the annotation format of docs/annotations.md plus, on every item, ``status: draft``,
``confidence`` and ``rule``; alignments are ``closeMatch`` relations (modality ``aligned``) with
one quote from each paper; ``rejected:`` lists the keys of items the researcher rejected (an
entity's id, a relation's ``"subject predicate object"``).

Merging a new proposal into an existing draft (a re-run of ``kg ingest``):

- an item without ``status: draft`` has been reviewed: it is kept exactly as it is, in place of
  the proposal of the same key (and kept, at the end, if nothing proposes it any more);
- an item whose key is in ``rejected`` is never proposed again, nor any relation that needs a
  rejected entity;
- the other draft items are replaced by the new proposal.

The output is a function of the proposal and the existing file only, so a re-run on the same
text writes the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from kg.documents import QUOTE_HARD_LIMIT, DocumentText
from kg.ingest.model import Alignment, Proposal, ProposedEntity, ProposedRelation
from kg.loaders.yaml_source import LINE_KEY, read_yaml

DRAFT_SUFFIX = ".draft.yaml"
DRAFT_STATUS = "draft"


def draft_path(source: Path, doc_id: str) -> Path:
    return source / "annotations" / f"{doc_id}{DRAFT_SUFFIX}"


def item_key(item: dict[str, Any]) -> str:
    """An entity's id; a relation's ``"subject predicate object"``."""
    if "id" in item:
        return str(item["id"])
    return f"{item.get('subject')} {item.get('predicate')} {item.get('object')}"


def is_draft(item: dict[str, Any]) -> bool:
    return item.get("status") == DRAFT_STATUS


@dataclass
class Draft:
    """The items of a draft file (plain dicts as YAML gives them, without line numbers)."""

    document: str
    entities: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    #: Proposed items left out, one line each (quote not found, rejected, …).
    skipped: list[str] = field(default_factory=list)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != LINE_KEY}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def read_draft(path: Path) -> Draft | None:
    """The existing draft file, or None when there is none."""
    if not path.exists():
        return None
    data = _strip_lines(read_yaml(path))
    if not isinstance(data, dict):
        from kg.errors import KgError

        raise KgError("expected a mapping with 'document', 'entities' and 'relations'",
                      where=str(path), hint="fix or remove the draft file")
    return Draft(document=str(data.get("document", "")),
                 entities=[e for e in data.get("entities") or [] if isinstance(e, dict)],
                 relations=[r for r in data.get("relations") or [] if isinstance(r, dict)],
                 rejected=[" ".join(str(k).split()) for k in data.get("rejected") or []])


# -- from a proposal to draft items ----------------------------------------------------------

def _locate(text: DocumentText, quote: str, section: str | None) -> tuple[dict[str, Any], Any]:
    """``({quote, section?}, match)`` verified as the loader will, or ``({}, None)``."""
    size = len("".join(quote.split()))
    if size < 2 or size > QUOTE_HARD_LIMIT:
        return {}, None
    if section is not None and text.span_of(section) is not None:
        match = text.locate(quote, section=section)
        if match is not None:
            return {"quote": quote, "section": section}, match
    match = text.locate(quote)
    if match is None:
        return {}, None
    # Without a section the loader takes the first occurrence: name the section it is in.
    found = text.section_at(match.start)
    if found is not None and text.locate(quote, section=found.number) == match:
        return {"quote": quote, "section": found.number}, match
    return {"quote": quote}, match


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def join_lines(quote: str) -> str:
    """A passage as a one-line quote: line breaks between Chinese characters dropped, others a
    space (quotes match ignoring whitespace, so it still finds the same passage).

    >>> join_lines("三位一体\\n\\n提升策略 and data\\nsecurity")
    '三位一体提升策略 and data security'
    """
    def repl(m: re.Match[str]) -> str:
        before = quote[m.start() - 1] if m.start() else ""
        after = quote[m.end()] if m.end() < len(quote) else ""
        return "" if _CJK.match(before) and _CJK.match(after) else " "

    return re.sub(r"\s+", repl, quote.strip())


def _confidence(value: float) -> float:
    return round(min(max(float(value), 0.0), 1.0), 2)


def entity_item(entity: ProposedEntity, text: DocumentText) -> tuple[dict[str, Any] | None, Any]:
    anchor, match = _locate(text, entity.quote, entity.section)
    if match is None:
        return None, None
    item: dict[str, Any] = {"id": entity.id, "type": entity.type,
                            "label": {k: entity.label[k] for k in sorted(entity.label)}}
    item.update(anchor)
    if entity.properties:
        item["properties"] = {k: entity.properties[k] for k in sorted(entity.properties)}
    item.update(status=DRAFT_STATUS, confidence=_confidence(entity.confidence), rule=entity.rule)
    return item, match


def relation_item(relation: ProposedRelation, text: DocumentText) -> dict[str, Any] | None:
    anchor, match = _locate(text, relation.quote, relation.section)
    if match is None:
        return None
    item: dict[str, Any] = {"subject": relation.subject, "predicate": relation.predicate,
                            "object": relation.object, "modality": relation.modality}
    item.update(anchor)
    item.update(status=DRAFT_STATUS, confidence=_confidence(relation.confidence),
                rule=relation.rule)
    return item


def alignment_item(alignment: Alignment, entity: dict[str, Any]) -> dict[str, Any]:
    theirs = alignment.quotes[1]
    own = {"quote": entity["quote"]}
    if entity.get("section"):
        own["section"] = entity["section"]
    other: dict[str, Any] = {"document": str(theirs["document"]),
                             "quote": join_lines(theirs["quote"])}
    if theirs.get("section"):
        other["section"] = theirs["section"]
    return {"subject": alignment.entity, "predicate": "closeMatch", "object": alignment.match,
            "modality": "aligned", "evidence": [own, other], "status": DRAFT_STATUS,
            "confidence": _confidence(alignment.score),
            "rule": f"alignment: label/definition similarity {alignment.score:.2f} "
                    "(threshold 0.75)"}


def from_proposal(proposal: Proposal, alignments: Iterable[Alignment], text: DocumentText,
                  *, known_ids: set[str]) -> Draft:
    """Draft items of a proposal, each quote verified against the text (unverifiable ones are
    left out and listed in ``skipped``)."""
    draft = Draft(document=proposal.document)
    by_id: dict[str, dict[str, Any]] = {}
    for entity in proposal.entities:
        if entity.id in by_id:
            continue
        item, _ = entity_item(entity, text)
        if item is None:
            draft.skipped.append(f"entity {entity.id}: quote not found in the text")
            continue
        by_id[entity.id] = item
        draft.entities.append(item)
    seen: set[str] = set()
    ids = set(by_id) | known_ids
    for relation in proposal.relations:
        key = f"{relation.subject} {relation.predicate} {relation.object}"
        if key in seen:
            continue
        if relation.subject not in ids or relation.object not in ids:
            draft.skipped.append(f"relation {key}: an entity is missing")
            continue
        item = relation_item(relation, text)
        if item is None:
            draft.skipped.append(f"relation {key}: quote not found in the text")
            continue
        seen.add(key)
        draft.relations.append(item)
    for alignment in alignments:
        if alignment.entity not in by_id:
            continue
        item = alignment_item(alignment, by_id[alignment.entity])
        if item_key(item) not in seen:
            seen.add(item_key(item))
            draft.relations.append(item)
    return draft


# -- merging with what the researcher reviewed -----------------------------------------------

def merge(new: Draft, old: Draft | None, *, known_ids: set[str]) -> Draft:
    """The new proposal with the reviewed items of ``old`` kept and its rejected keys left out."""
    if old is None:
        return new
    rejected = list(dict.fromkeys(old.rejected))
    refused = set(rejected)
    out = Draft(document=new.document, rejected=rejected, skipped=list(new.skipped))
    reviewed = {item_key(e): e for e in old.entities if not is_draft(e)}
    for item in new.entities:
        key = item_key(item)
        if key in reviewed:
            out.entities.append(reviewed.pop(key))
        elif key not in refused:
            out.entities.append(item)
    out.entities.extend(reviewed.values())
    ids = {e["id"] for e in out.entities} | known_ids
    reviewed_rel = {item_key(r): r for r in old.relations if not is_draft(r)}
    for item in new.relations:
        key = item_key(item)
        if key in reviewed_rel:
            out.relations.append(reviewed_rel.pop(key))
        elif key in refused:
            continue
        elif item["subject"] in ids and item["object"] in ids:
            out.relations.append(item)
    out.relations.extend(reviewed_rel.values())
    return out


# -- writing ---------------------------------------------------------------------------------

class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when available (10x faster than the pure-Python one)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if value[:1].isdigit() or any(c in value for c in "\n\r") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def render(draft: Draft, *, source: str) -> bytes:
    """The draft file's bytes (stable: the same draft gives the same bytes)."""
    header = (
        f"# Draft coding of document {draft.document}, proposed by `kg ingest` from {source!r}\n"
        "# (the original file is named in documents/metadata.yaml).\n"
        "# Every item marked `status: draft` was proposed from the text (confidence 0..1, rule);\n"
        f"# review with `kg review {draft.document}` or by editing this file: an item without\n"
        "# `status: draft` counts as reviewed and is kept on re-runs; keys listed under\n"
        "# `rejected:` are never proposed again. Format: docs/annotations.md.\n"
    )
    header = "".join(line if line.startswith("#") else "# " + line
                     for line in header.replace("\r", " ").splitlines(keepends=True))
    body = {"document": draft.document, "entities": draft.entities,
            "relations": draft.relations, "rejected": draft.rejected}
    text = yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000,
                     default_flow_style=False)
    return (header + text).encode("utf-8")
