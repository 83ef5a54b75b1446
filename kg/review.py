"""Review a draft coding (``annotations/<id>.draft.yaml``): list, accept and reject its items.

Pure functions over the file. A *draft item* is an entity or relation with ``status: draft``;
items are numbered 1, 2, … in file order (entities, then relations). Accepting an item removes
its ``status: draft`` line (``confidence`` and ``rule`` stay, as provenance); rejecting one
removes it and adds its key (an entity's id, a relation's ``"subject predicate object"``) to the
top-level ``rejected:`` list, which ``kg ingest`` never proposes again. Rejecting an entity also
removes the draft relations that use it.

The file is edited as text at the positions the YAML parser reports, so comments, key order,
quoting and layout of everything else stay as they were; the result is parsed again before it
replaces the file (a temporary file renamed over it).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from kg.errors import KgError
from kg.loaders.annotations import DRAFT_SUFFIX
from kg.loaders.yaml_source import LINE_KEY, read_yaml
from kg.model import DRAFT


@dataclass(frozen=True)
class DraftItem:
    """One draft entity or relation of a draft file, as the review lists it."""

    number: int
    kind: str            # "entity" | "relation"
    key: str             # entity id, or "subject predicate object"
    type: str            # the entity's class, or the relation's predicate
    label: dict[str, str]
    quote: str
    section: str | None
    document: str | None
    confidence: float | None
    rule: str | None
    line: int

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "kind": self.kind, "key": self.key, "type": self.type,
                "label": self.label, "quote": self.quote, "section": self.section,
                "document": self.document, "confidence": self.confidence, "rule": self.rule,
                "line": self.line}


@dataclass(frozen=True)
class ReviewResult:
    """What a review changed: the keys accepted, rejected, and removed with a rejected entity."""

    accepted: tuple[str, ...]
    rejected: tuple[str, ...]
    removed: tuple[str, ...]
    left: int


def draft_file(source: Path, doc_id: str) -> Path:
    """``source/annotations/<doc_id>.draft.yaml``, or one error line naming the known drafts."""
    folder = source / "annotations"
    path = folder / f"{doc_id}{DRAFT_SUFFIX}"
    if "/" in doc_id or "\\" in doc_id or doc_id in ("", ".", "..") or not path.is_file():
        known = sorted(p.name.removesuffix(DRAFT_SUFFIX) for p in folder.glob("*" + DRAFT_SUFFIX))
        raise KgError(f"no draft coding for document {doc_id!r}", where=str(path),
                      hint=("drafts: " + ", ".join(known)) if known
                      else "run `kg ingest PATH` first")
    return path


def item_key(raw: dict[str, Any]) -> str:
    """An entity's id; a relation's ``"subject predicate object"``."""
    if "id" in raw:
        return str(raw["id"])
    return f"{raw.get('subject')} {raw.get('predicate')} {raw.get('object')}"


def _quote(raw: dict[str, Any]) -> tuple[str, str | None, str | None]:
    if "quote" in raw:
        return str(raw["quote"]), _opt(raw.get("section")), _opt(raw.get("document"))
    evidence = raw.get("evidence")
    if isinstance(evidence, list) and evidence and isinstance(evidence[0], dict):
        first = evidence[0]
        more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
        return (str(first.get("quote", "")) + more, _opt(first.get("section")),
                _opt(first.get("document")))
    return "", None, None


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _sequences(data: dict[str, Any]) -> list[tuple[str, list[Any]]]:
    out = []
    for key in ("entities", "relations"):
        items = data.get(key) or []
        out.append((key, items if isinstance(items, list) else []))
    return out


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise KgError("expected a mapping with 'document', 'entities' and 'relations'",
                      where=str(path))
    return data


def list_drafts(path: Path) -> list[DraftItem]:
    """The draft items of a draft file, numbered 1, 2, … (entities first, in file order)."""
    data = _read(path)
    items: list[DraftItem] = []
    for key, raws in _sequences(data):
        for raw in raws:
            if not isinstance(raw, dict) or raw.get("status") != DRAFT:
                continue
            quote, section, document = _quote(raw)
            label = raw.get("label") if key == "entities" else None
            confidence = raw.get("confidence")
            items.append(DraftItem(
                number=len(items) + 1, kind="entity" if key == "entities" else "relation",
                key=item_key(raw), type=str(raw.get("type") if key == "entities"
                                            else raw.get("predicate")),
                label={k: str(v) for k, v in label.items() if k != LINE_KEY}
                if isinstance(label, dict) else {},
                quote=" ".join(quote.split()), section=section, document=document,
                confidence=float(confidence) if isinstance(confidence, (int, float))
                and not isinstance(confidence, bool) else None,
                rule=_opt(raw.get("rule")), line=int(raw.get(LINE_KEY, 0))))
    return items


def _numbers(values: Iterable[int], count: int, option: str, path: Path) -> list[int]:
    out = []
    for number in values:
        if not 1 <= number <= count:
            raise KgError(f"{option} {number}: no such draft item", where=str(path),
                          hint=f"the draft items are numbered 1 to {count}" if count
                          else "the file has no draft items left")
        if number not in out:
            out.append(number)
    return out


def review(path: Path, *, accept: Iterable[int] = (), reject: Iterable[int] = (),
           accept_all: bool = False) -> ReviewResult:
    """Accept and reject draft items by number (as :func:`list_drafts` numbers them), in one
    atomic rewrite of the file."""
    items = list_drafts(path)
    accept_n = list(range(1, len(items) + 1)) if accept_all else _numbers(
        accept, len(items), "--accept", path)
    reject_n = _numbers(reject, len(items), "--reject", path)
    both = sorted(set(accept_n) & set(reject_n))
    if both:
        raise KgError(f"item {both[0]} is both accepted and rejected", where=str(path),
                      hint="give each number to --accept or to --reject, not both")
    text = path.read_text(encoding="utf-8")
    doc = _Positions(text, path)
    accepted_keys = {items[n - 1].key for n in accept_n}
    rejected_keys = {items[n - 1].key for n in reject_n}
    rejected_ids = {items[n - 1].key for n in reject_n if items[n - 1].kind == "entity"}
    edits: list[tuple[int, int, str]] = []
    removed: list[str] = []
    for entry in doc.items:
        key = entry.key
        uses_rejected = entry.kind == "relation" and (
            entry.raw.get("subject") in rejected_ids or entry.raw.get("object") in rejected_ids)
        if key in rejected_keys:
            edits.append(doc.delete_item(entry))
        elif uses_rejected:
            if entry.raw.get("status") != DRAFT:
                used = entry.raw.get("subject") if entry.raw.get("subject") in rejected_ids \
                    else entry.raw.get("object")
                raise KgError(f"cannot reject {used}: the reviewed relation {key} uses it",
                              where=f"{path}:{entry.line}",
                              hint="remove or change that relation first")
            edits.append(doc.delete_item(entry))
            removed.append(key)
        elif key in accepted_keys and entry.raw.get("status") == DRAFT:
            edits.append(doc.drop_status(entry))
    ordered_rejected = [items[n - 1].key for n in sorted(reject_n)]
    if ordered_rejected:
        edits.append(doc.add_rejected(ordered_rejected))
    new_text = _apply(text, edits)
    try:
        yaml.safe_load(new_text)
    except yaml.YAMLError as exc:  # an edit this module cannot make safely: leave the file
        raise KgError(f"cannot edit the file safely ({' '.join(str(exc).split())[:120]})",
                      where=str(path), hint="edit it by hand (docs/annotations.md)") from None
    if new_text != text:
        write_atomically(path, new_text)
    left = sum(1 for n in range(1, len(items) + 1) if n not in accept_n and n not in reject_n)
    left -= sum(1 for key in removed if any(i.key == key for i in items))
    return ReviewResult(tuple(items[n - 1].key for n in sorted(accept_n)), tuple(ordered_rejected),
                        tuple(removed), left)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


@dataclass
class _Entry:
    kind: str
    key: str
    raw: dict[str, Any]
    node: yaml.MappingNode
    line: int


class _Positions:
    """Where each item, its ``status`` and the ``rejected`` list are in the file's text."""

    def __init__(self, text: str, path: Path) -> None:
        self.text = text
        self.path = path
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if not isinstance(root, yaml.MappingNode):
            raise KgError("expected a mapping", where=str(path))
        self.root = root
        self.items: list[_Entry] = []
        self.rejected: yaml.Node | None = None
        self.rejected_key: yaml.Node | None = None
        self.list_column = 0
        for key_node, value in root.value:
            if key_node.value == "rejected":
                self.rejected, self.rejected_key = value, key_node
            if key_node.value not in ("entities", "relations"):
                continue
            if not isinstance(value, yaml.SequenceNode):
                continue
            kind = "entity" if key_node.value == "entities" else "relation"
            for item in value.value:
                if not isinstance(item, yaml.MappingNode):
                    continue
                if value.flow_style or item.flow_style and self._dash(item) is None:
                    raise KgError("items written as a flow list cannot be edited",
                                  where=f"{path}:{item.start_mark.line + 1}",
                                  hint="write one '- key: value' block per item, or edit by hand")
                raw = yaml.safe_load(text[item.start_mark.index:item.end_mark.index]) \
                    if item.flow_style else self._construct(item)
                self.items.append(_Entry(kind, item_key(raw), raw, item,
                                         item.start_mark.line + 1))
                dash = self._dash(item)
                if dash is not None:
                    self.list_column = dash - self._line_start(dash)

    @staticmethod
    def _construct(node: yaml.MappingNode) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.value:
            if isinstance(value, yaml.ScalarNode):
                out[str(key.value)] = value.value
            else:
                out[str(key.value)] = None
        return out

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _line_end(self, index: int) -> int:
        end = self.text.find("\n", index)
        return len(self.text) if end < 0 else end + 1

    def _dash(self, item: yaml.Node) -> int | None:
        """The index of the ``-`` that opens a block sequence item."""
        i = item.start_mark.index - 1
        while i >= 0 and self.text[i] in " \t\r\n":
            i -= 1
        return i if i >= 0 and self.text[i] == "-" else None

    def _end(self, node: yaml.Node) -> int:
        """Where the last character of a node's text is (trailing comments excluded)."""
        last = node.end_mark.index
        if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
            last = max(self._end(v) for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
            last = max(self._end(v) for v in node.value)
        return last

    def delete_item(self, entry: _Entry) -> tuple[int, int, str]:
        dash = self._dash(entry.node)
        start = self._line_start(dash if dash is not None else entry.node.start_mark.index)
        end = self._end(entry.node)
        if end > 0 and self.text[end - 1] == "\n":
            return start, end, ""
        return start, self._line_end(end), ""

    def drop_status(self, entry: _Entry) -> tuple[int, int, str]:
        pairs = entry.node.value
        for i, (key, value) in enumerate(pairs):
            if key.value != "status":
                continue
            if i + 1 < len(pairs):  # up to the next key: its line keeps the indentation
                return key.start_mark.index, pairs[i + 1][0].start_mark.index, ""
            if i == 0:
                break
            return self._end(pairs[i - 1][1]), self._end(value), ""
        raise KgError(f"cannot find the status of {entry.key}", where=f"{self.path}:{entry.line}")

    def add_rejected(self, keys: list[str]) -> tuple[int, int, str]:
        node = self.rejected
        quoted = [json.dumps(k, ensure_ascii=False) for k in keys]
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~")):
            pad = " " * self.list_column
            block = "rejected:\n" + "".join(f"{pad}- {q}\n" for q in quoted)
            if self.rejected_key is not None:  # `rejected:` with no value: replace its line
                at = self.rejected_key.start_mark.index
                return self._line_start(at), self._line_end(at), block
            prefix = "" if self.text.endswith("\n") or not self.text else "\n"
            return len(self.text), len(self.text), prefix + block
        if not isinstance(node, yaml.SequenceNode):
            raise KgError("'rejected' must be a list", where=f"{self.path}:{node.start_mark.line + 1}")
        if node.flow_style:
            old = [json.dumps(str(v.value), ensure_ascii=False) for v in node.value]
            return (node.start_mark.index, node.end_mark.index,
                    "[" + ", ".join(old + quoted) + "]")
        last = node.value[-1]
        dash = self._dash(last)
        pad = " " * (dash - self._line_start(dash)) if dash is not None else ""
        end = self._end(last)
        at = end if self.text[end - 1] == "\n" else self._line_end(end)
        prefix = "" if at == 0 or self.text[at - 1] == "\n" else "\n"
        return at, at, prefix + "".join(f"{pad}- {q}\n" for q in quoted)
