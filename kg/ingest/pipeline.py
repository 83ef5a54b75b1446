"""``kg ingest``: from paper files to a document in ``DIR/documents/`` and a draft coding.

For each file: read it (:mod:`kg.ingest.readers`), find or choose its document id, propose a
coding (:func:`kg.ingest.propose.propose`), align the proposed entities with the current build
(:mod:`kg.ingest.align`), merge with the draft already there (:mod:`kg.ingest.draft`), verify
the draft with the build's own annotation loader, then write the three files:

- ``documents/<id>_<sha256 of the copy, 16 hex>.txt`` — the text as UTF-8;
- ``documents/metadata.yaml`` — one entry appended by editing the text (the other entries and
  every comment stay as they are); a comment in the entry records the SHA-256 and encoding of
  the original file, which is how a re-run finds the same id;
- ``annotations/<id>.draft.yaml``.

Each is written to a temporary file and renamed into place; if a later one fails, the earlier
ones are put back, so ``DIR`` holds either the old state or the whole new one. Writers of one
``DIR`` take turns (an ``flock`` on the directory). The store (``--data-dir``) is only read.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from kg.documents import DocumentText, decode_document
from kg.errors import KgError
from kg.ingest import draft as drafts
from kg.ingest.readers import SUFFIXES, PaperText, read_paper

METADATA = "documents/metadata.yaml"
_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHA_COMMENT = re.compile(r"#\s*kg ingest: sha256 ([0-9a-f]{64})")
_ENTRY_ID = re.compile(r"^(\s*)-\s+id:\s*[\"']?([^\"'\s#]+)[\"']?\s*(?:#.*)?$")
_ANNOTATION_ID = re.compile(r"^\s*-?\s*id:\s*[\"']?([a-z0-9][a-z0-9/-]*)[\"']?\s*$", re.M)
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

Proposer = Callable[[str, str], Any]


@dataclass
class IngestResult:
    """What ingest did (or, with ``dry_run``, would do) for one file."""

    path: Path
    document: Optional[str] = None
    error: Optional[str] = None
    rerun: bool = False
    encoding: Optional[str] = None
    notices: list[str] = field(default_factory=list)
    copy: Optional[Path] = None
    draft: Optional[Path] = None
    metadata_added: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    relations: list[dict[str, Any]] = field(default_factory=list)
    alignments: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The contract's object (issue 10): document, entities, relations, alignments."""
        if not self.ok:
            return {"document": self.document, "path": str(self.path), "error": self.error}
        return {"document": self.document, "entities": self.entities,
                "relations": self.relations, "alignments": self.alignments}


# -- files -----------------------------------------------------------------------------------

def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every ``.txt``/``.pdf`` of a folder (sorted, not recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in SUFFIXES and p.is_file()
                           and not p.name.startswith("."))
            if not found:
                raise KgError("no .txt or .pdf files in the folder", where=str(path))
            out.extend(found)
        else:
            out.append(path)
    return list(dict.fromkeys(out))


@contextmanager
def _locked(source: Path, dry_run: bool) -> Iterator[None]:
    """Writers of one source directory take turns."""
    if dry_run:
        yield
        return
    fd = os.open(source, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _stage(target: Path, data: bytes) -> Path:
    """``data`` in a temporary file next to ``target`` (renamed into place by the caller)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def _replace(tmp: Path, target: Path) -> None:
    os.replace(tmp, target)


# -- metadata.yaml ---------------------------------------------------------------------------

@dataclass
class Metadata:
    """``documents/metadata.yaml`` as text, with the ids, files and recorded hashes it holds."""

    path: Path
    text: Optional[str]
    files: dict[str, str]  # id -> file
    hashes: dict[str, str]  # sha256 -> id

    @classmethod
    def read(cls, source: Path) -> "Metadata":
        from kg.loaders.yaml_source import read_yaml

        path = source / METADATA
        if not path.exists():
            return cls(path, None, {}, {})
        data = read_yaml(path)
        entries = data.get("documents") if isinstance(data, dict) else None
        if entries is not None and not isinstance(entries, list):
            raise KgError("expected 'documents:' with a list of entries", where=str(path))
        files = {str(e.get("id")): str(e.get("file")) for e in entries or []
                 if isinstance(e, dict) and "id" in e}
        text = path.read_bytes().decode("utf-8")
        hashes: dict[str, str] = {}
        current: Optional[str] = None
        for line in text.splitlines():
            m = _ENTRY_ID.match(line)
            if m:
                current = m.group(2)
                continue
            h = _SHA_COMMENT.search(line)
            if h and current is not None:
                hashes.setdefault(h.group(1), current)
        return cls(path, text, files, hashes)

    def find(self, paper: PaperText, source: Path) -> Optional[str]:
        """The id this file was ingested under: by the recorded SHA-256 of the original, else
        by a document file with the same bytes as the copy would have."""
        if paper.sha256 in self.hashes:
            return self.hashes[paper.sha256]
        data = paper.data
        digest = hashlib.sha256(data).hexdigest()
        for doc_id, file in sorted(self.files.items()):
            path = source / "documents" / file
            try:
                if path.stat().st_size == len(data) and \
                        hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                    return doc_id
            except OSError:
                continue
        return None

    def next_id(self, source: Optional[Path] = None) -> str:
        """The next free numeric id, zero-padded like the others ("004" after "003"); an id
        whose annotation files are there without a document is not free."""
        numbers = [int(i) for i in self.files if i.isdigit()]
        width = max([3] + [len(i) for i in self.files if i.isdigit()])
        n = max(numbers) + 1 if numbers else 1
        while str(n).zfill(width) in self.files or (
                source is not None and _orphan_annotations(source, str(n).zfill(width))):
            n += 1
        return str(n).zfill(width)

    def with_entry(self, entry: str) -> str:
        """The file's text with ``entry`` appended to the ``documents:`` list."""
        if self.text is None or not self.text.strip():
            head = "# One entry per document (see docs/annotations.md).\n"
            return head + "documents:\n" + entry
        lines = self.text.splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines)
                      if re.match(r"^documents:\s*(#.*)?$", line.rstrip("\r\n"))), None)
        if start is None:
            raise KgError("cannot add an entry: no block 'documents:' list", where=str(self.path),
                          hint="write documents: on a line of its own, entries below it")
        last = start + 1
        for i in range(start + 1, len(lines)):
            line = lines[i]
            if not line.strip():
                continue
            if line[0].isspace() or line.startswith("-"):
                last = i + 1  # an entry's line, or a comment indented inside the list
            elif not line.startswith("#"):
                break  # the next top-level key
        before = "".join(lines[:last])
        if before and not before.endswith("\n"):
            before += "\n"
        return before + entry + "".join(lines[last:])

    def indent(self) -> str:
        for line in (self.text or "").splitlines():
            m = _ENTRY_ID.match(line)
            if m:
                return m.group(1)
        return "  "


def _orphan_annotations(source: Path, doc_id: str) -> Optional[Path]:
    """An annotation file of ``doc_id`` (draft or curated), when there is one."""
    for name in (f"{doc_id}{drafts.DRAFT_SUFFIX}", f"{doc_id}.yaml"):
        path = source / "annotations" / name
        if path.exists():
            return path
    return None


def _yaml_str(value: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


_KEYWORDS = re.compile(r"^\s*(?:关\s*键\s*词|關\s*鍵\s*詞|key\s*words?)\s*[:：]\s*(?P<words>.+)$",
                       re.I | re.M)


def find_keywords(text: str) -> list[str]:
    """The paper's keywords (关键词：… / Keywords: …), every keyword line, without repeats.

    >>> find_keywords("摘要\\n关键词：电子商务，平台赋能；创新\\nKeywords: E-commerce; Platform")
    ['电子商务', '平台赋能', '创新', 'E-commerce', 'Platform']
    """
    words: list[str] = []
    for match in _KEYWORDS.finditer(text):
        for word in re.split(r"[，,；;、]", match["words"]):
            word = " ".join(word.split()).strip("。.")
            if word and len(word) <= 40 and word not in words:
                words.append(word)
    return words[:20]


def guess_title(text: str, fallback: str) -> dict[str, str]:
    """The paper's title: its first short line when that looks like one, else the file name.

    >>> guess_title("数字经济下电商平台赋能中小企业创新研究\\n摘 要\\n...", "x")
    {'zh': '数字经济下电商平台赋能中小企业创新研究'}
    >>> guess_title("1. 引言\\n正文。", "paper")
    {'en': 'paper'}
    """
    for line in text.splitlines()[:5]:
        line = " ".join(line.split())
        if not line:
            continue
        heading = re.match(r"^(\d+(\.\d+)*\.?\s|摘\s*要$|Abstract$|关键词|Key\s*words)", line)
        if heading or len(line) > 80 or len(line) < 4 or line.endswith(("。", "，", ".", ";", "；")):
            break
        return {"zh" if _CJK.search(line) else "en": line}
    name = " ".join(fallback.split()) or "untitled"
    return {"zh" if _CJK.search(name) else "en": name}


def detect_language(text: str) -> list[str]:
    """``[zh]``, ``[en]`` or ``[zh, en]`` (a Chinese paper with an English abstract).

    >>> detect_language("电子商务" * 30 + " Abstract " + "word " * 60)
    ['zh', 'en']
    """
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    out = []
    if cjk >= 20 or (cjk and cjk >= latin):
        out.append("zh")
    if latin >= 200 or not out:
        out.append("en")
    return out


def metadata_entry(indent: str, doc_id: str, file: str, title: dict[str, str],
                   language: list[str], source: str, paper: PaperText,
                   keywords: list[str] | None = None) -> str:
    sub = indent + "  "
    encoding = {"utf-8": "UTF-8", "pdf": "PDF, text layer extracted with pypdf"}.get(
        paper.encoding, f"{paper.encoding.upper()}, converted to UTF-8")
    lines = [f'{indent}- id: {_yaml_str(doc_id)}',
             f"{sub}file: {_yaml_str(file)}",
             f"{sub}title:",
             *(f"{sub}  {lang}: {_yaml_str(title[lang])}" for lang in sorted(title)),
             f"{sub}language: [{', '.join(language)}]",
             f"{sub}source: {_yaml_str(source)}",
             *([f"{sub}keywords: [{', '.join(_yaml_str(k) for k in keywords)}]"]
               if keywords else []),
             f"{sub}# kg ingest: sha256 {paper.sha256} of the original ({encoding})"]
    return "".join(line + "\n" for line in lines)


# -- the graph: what alignments may point at -------------------------------------------------

@dataclass
class GraphContext:
    """The current build (for alignments) and the entity ids the source already defines."""

    view: Any
    index: Any
    types: dict[str, str]
    homes: dict[str, str]
    notice: Optional[str] = None


class _Nodes:
    """The nodes of a stored projection by id (the part of a GraphView alignment reads)."""

    def __init__(self, projection: dict[str, Any]) -> None:
        self.nodes = {n["id"]: n for n in projection["nodes"]}


def graph_context(source: Path, data_dir: Optional[Path]) -> GraphContext:
    from kg.ingest.align import AlignIndex

    defined: set[str] = set()
    for path in sorted((source / "annotations").glob("*.yaml")):
        if path.name.endswith(drafts.DRAFT_SUFFIX):
            continue
        try:
            defined.update(_ANNOTATION_ID.findall(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    view = None
    notice = None
    if data_dir is not None:
        from kg.store import load_projection

        try:
            # The nodes of the current build are all alignment needs: the projection read as
            # GraphView.from_store reads it, without building the networkx graph (0.2 s).
            view = _Nodes(load_projection(data_dir))
        except KgError as exc:
            notice = f"no alignments: no usable graph in {data_dir} ({exc.what}); run kg build first"
    if view is None:
        return GraphContext(None, None, {}, {}, notice)
    types = {i: n["class"] for i, n in view.nodes.items() if i in defined}
    homes = {i: str(n.get("document")) for i, n in view.nodes.items() if i in defined}
    return GraphContext(view, AlignIndex(view), types, homes)


# -- one file --------------------------------------------------------------------------------

def _default_proposer() -> Proposer:
    try:
        from kg.ingest.propose import propose
    except ModuleNotFoundError as exc:
        if exc.name != "kg.ingest.propose":
            raise
        raise KgError("the proposer (kg.ingest.propose) is not installed") from None
    return propose


class _Texts:
    """DocumentText of the source's documents, read when first needed."""

    def __init__(self, source: Path, metadata: Metadata) -> None:
        self.source, self.metadata = source, metadata
        self.cache: dict[str, Optional[DocumentText]] = {}

    def get(self, doc_id: str) -> Optional[DocumentText]:
        if doc_id not in self.cache:
            file = self.metadata.files.get(doc_id)
            text = None
            if file:
                path = self.source / "documents" / file
                try:
                    text = DocumentText(doc_id, decode_document(path.read_bytes(), where=str(path)))
                except (OSError, KgError):
                    text = None
            self.cache[doc_id] = text
        return self.cache[doc_id]


def ingest_one(path: Path, *, source: Path, doc_id: Optional[str], dry_run: bool,
               context: GraphContext, proposer: Proposer, ontology: Any) -> IngestResult:
    """Ingest one file (raises :class:`KgError` with one line when it cannot)."""
    from kg.ingest.align import align

    result = IngestResult(path=path)
    paper = read_paper(path)
    result.encoding = paper.encoding
    if paper.notice:
        result.notices.append(paper.notice)
    metadata = Metadata.read(source)
    found = metadata.find(paper, source)
    if doc_id is not None:
        if not _DOCUMENT_ID.fullmatch(doc_id):
            raise KgError(f"document id {doc_id!r} is malformed",
                          hint="use 1-64 ascii letters, digits, '.', '_' or '-', e.g. 005")
        if found is not None and found != doc_id:
            raise KgError(f"already ingested as document {found}", where=str(path),
                          hint=f"re-run without --id, or with --id {found}")
        if found is None and doc_id in metadata.files:
            raise KgError(f"document id {doc_id} is already used by "
                          f"{metadata.files[doc_id]}", where=str(path),
                          hint="choose another --id, or leave it out for the next free one")
        orphan = _orphan_annotations(source, doc_id) if found is None else None
        if found is None and doc_id not in metadata.files and orphan is not None:
            raise KgError(f"document id {doc_id} clashes with {orphan.relative_to(source)}, "
                          "which has no document", where=str(path),
                          hint="choose another --id, or remove that file")
    new_id = doc_id or found or metadata.next_id(source)
    result.document = new_id
    result.rerun = found is not None
    data = paper.data
    documents = source / "documents"
    if found is not None:
        copy = documents / metadata.files[found]
        write_copy = not copy.exists()
    else:
        copy = documents / f"{new_id}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        write_copy = True
    result.copy = copy
    body_text = paper.text
    if not write_copy:  # a re-run: the draft must match the copy the build reads
        try:
            body_text = decode_document(copy.read_bytes(), where=str(copy))
        except (OSError, KgError):
            body_text = paper.text
    text = DocumentText(new_id, body_text)

    proposal = proposer(body_text, new_id)
    alignments = align(proposal, context.view, {new_id: text}, index=context.index) \
        if context.index is not None else []
    texts = _Texts(source, metadata)
    alignments = [a for a in alignments if a.match in context.types
                  and texts.get(str(a.quotes[1]["document"])) is not None
                  and texts.get(str(a.quotes[1]["document"])).locate(  # type: ignore[union-attr]
                      a.quotes[1]["quote"]) is not None]
    new = drafts.from_proposal(proposal, alignments, text, known_ids=set(context.types))
    target = drafts.draft_path(source, new_id)
    old = drafts.read_draft(target)
    merged = drafts.merge(new, old, known_ids=set(context.types))
    result.skipped = merged.skipped
    body = drafts.render(merged, source=f"documents/{copy.name}")
    result.draft = target

    metadata_text = None
    if found is None:
        title = guess_title(paper.text, path.stem)
        source_name = str(path.resolve())
        entry = metadata_entry(metadata.indent(), new_id, copy.name, title,
                               detect_language(paper.text), source_name, paper,
                               find_keywords(paper.text))
        metadata_text = metadata.with_entry(entry)
        result.metadata_added = True

    verified = None
    for _ in range(3):
        try:
            verified = verify(target, body, merged, text, texts, context, ontology)
            break
        except _BadItems as bad:
            for item, error in bad.items:
                if not drafts.is_draft(item):  # a reviewed item: the researcher must fix it
                    raise error from None
            for item, error in bad.items:
                key = drafts.item_key(item)
                result.skipped.append(f"{key}: {error.what}")
                if "id" in item:
                    merged.entities.remove(item)
                    merged.relations = [r for r in merged.relations if not drafts.is_draft(r)
                                        or key not in (r.get("subject"), r.get("object"))]
                elif item in merged.relations:
                    merged.relations.remove(item)
            body = drafts.render(merged, source=f"documents/{copy.name}")
    if verified is None:
        verified = verify(target, body, merged, text, texts, context, ontology)
    result.entities, result.relations, result.alignments = _report(merged, verified, alignments)
    if dry_run:
        return result
    _write(source, copy if write_copy else None, data, metadata.path, metadata.text,
           metadata_text, target, body)
    return result


def verify(target: Path, body: bytes, merged: drafts.Draft, text: DocumentText, texts: _Texts,
           context: GraphContext, ontology: Any) -> dict[str, Any]:
    """Load the draft with the build's annotation loader against the new text (and the other
    documents its alignments quote); returns the located passages by item key."""
    from kg.loaders.annotations import AnnotationFile

    needed = {merged.document: text}
    for relation in merged.relations:
        for item in relation.get("evidence") or []:
            doc = str(item.get("document", merged.document))
            if doc not in needed and texts.get(doc) is not None:
                needed[doc] = texts.get(doc)  # type: ignore[assignment]
    fd, tmp = tempfile.mkstemp(prefix=".verify-", suffix=drafts.DRAFT_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        try:
            annotation = AnnotationFile(Path(tmp), ontology, needed)
        except KgError as exc:
            raise KgError(f"the draft does not load: {exc.what}",
                          where=exc.where.replace(tmp, str(target)), hint=exc.hint) from None
        bad: list[tuple[dict[str, Any], KgError]] = []

        def refused(item: dict[str, Any], exc: KgError) -> None:
            bad.append((item, KgError(f"the draft does not load: {exc.what}",
                                      where=exc.where.replace(tmp, str(target)),
                                      hint=exc.hint)))

        entities = []
        types = dict(context.types)
        homes = dict(context.homes)
        for raw, item in zip(annotation.raw_entities, merged.entities, strict=True):
            try:
                entity = annotation._entity(raw)
            except KgError as exc:
                refused(item, exc)
                continue
            if entity.id in context.types:
                refused(item, KgError(f"id '{entity.id}' is already defined in another file",
                                      where=exc_where(tmp, raw)))
                continue
            entities.append(entity)
            types[entity.id] = entity.type
            homes[entity.id] = entity.document
        relations = []
        for raw, item in zip(annotation.raw_relations, merged.relations, strict=True):
            try:
                relations.append(annotation._relation(raw, types, homes))
            except KgError as exc:
                refused(item, exc)
        if bad:
            raise _BadItems(bad)
    finally:
        os.unlink(tmp)
    located: dict[str, Any] = {e.id: e.evidence for e in entities}
    for relation in relations:
        located[" ".join(relation.key)] = relation.evidence
    return located


class _BadItems(Exception):
    """Items of the draft that the loader refuses, with its one-line errors."""

    def __init__(self, items: list[tuple[dict[str, Any], KgError]]) -> None:
        super().__init__(items[0][1].line())
        self.items = items


def exc_where(path: str, raw: dict[str, Any]) -> str:
    from kg.loaders.yaml_source import where

    return where(Path(path), raw)


def _report(merged: drafts.Draft, located: dict[str, Any], alignments: list[Any]
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    entities = []
    for item in merged.entities:
        passage = located[item["id"]][0]
        entity = {"id": item["id"], "type": item["type"], "label": item["label"],
                  "quote": passage.text, "start": passage.start, "end": passage.end,
                  "section": passage.section, "confidence": item.get("confidence"),
                  "rule": item.get("rule")}
        if item.get("status") is not None:
            entity["status"] = item["status"]
        entities.append(entity)
    relations = []
    kept: set[str] = set()
    for item in merged.relations:
        key = drafts.item_key(item)
        if item["predicate"] == "closeMatch" and item.get("modality") == "aligned":
            kept.add(key)
            continue
        passage = located[key][0]
        relation = {"subject": item["subject"], "predicate": item["predicate"],
                    "object": item["object"], "quote": passage.text,
                    "confidence": item.get("confidence")}
        if item.get("status") is not None:
            relation["status"] = item["status"]
        relations.append(relation)
    out_alignments = []
    for alignment in alignments:
        key = f"{alignment.entity} closeMatch {alignment.match}"
        if key not in kept:
            continue
        passages = located[key]
        quotes = [{"document": p.document, "section": p.section, "start": p.start,
                   "end": p.end, "quote": p.text} for p in passages]
        out_alignments.append({"entity": alignment.entity, "match": alignment.match,
                               "score": alignment.score, "quotes": quotes})
    return entities, relations, out_alignments


def _write(source: Path, copy: Optional[Path], data: bytes, metadata_path: Path,
           old_metadata: Optional[str], new_metadata: Optional[str], target: Path,
           body: bytes) -> None:
    """Write the copy, the metadata and the draft; on any failure put everything back."""
    staged: list[Path] = []
    done: list[Callable[[], None]] = []
    try:
        (source / "documents").mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        plan: list[tuple[Path, Path, Callable[[], None]]] = []
        old_draft = target.read_bytes() if target.exists() else None
        old_meta = None if old_metadata is None else old_metadata.encode("utf-8")
        for final, payload, before in (
                (copy, data, None),
                (metadata_path if new_metadata is not None else None,
                 (new_metadata or "").encode("utf-8"), old_meta),
                (target if old_draft != body else None, body, old_draft)):
            if final is None:
                continue
            tmp = _stage(final, payload)
            staged.append(tmp)
            plan.append((tmp, final, _undo(final, before)))
        for tmp, final, undo in plan:
            _replace(tmp, final)
            done.append(undo)
    except BaseException as exc:
        for undo in reversed(done):
            try:
                undo()
            except OSError:
                pass
        for tmp in staged:
            try:
                tmp.unlink()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise KgError(f"cannot write: {exc.strerror or exc}", where=str(source),
                          hint="nothing was changed; check the permissions of the directory"
                          ) from None
        raise


def _undo(path: Path, before: Optional[bytes]) -> Callable[[], None]:
    """Put ``path`` back as it was: removed when it did not exist, else its old bytes."""
    def undo() -> None:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            _replace(_stage(path, before), path)

    return undo


# -- many files ------------------------------------------------------------------------------

def ingest(paths: Iterable[Path], *, source: Path, doc_id: Optional[str] = None,
           dry_run: bool = False, data_dir: Optional[Path] = None,
           proposer: Optional[Proposer] = None,
           progress: Optional[Callable[[Path, Optional[IngestResult]], None]] = None,
           notices: Optional[list[str]] = None) -> list[IngestResult]:
    """Ingest every file of ``paths`` (folders expanded); a bad file gives a result with its
    error and the others go on."""
    from kg.ontology import load_ontology

    files = expand(paths)
    if doc_id is not None and len(files) > 1:
        raise KgError("--id names one document: give one file",
                      hint="leave --id out to number several files")
    if not source.is_dir():
        raise KgError("source directory not found", where=str(source),
                      hint="pass --source DIR holding documents/ and annotations/")
    proposer = proposer or _default_proposer()
    context = graph_context(source, data_dir)
    if context.notice and notices is not None:
        notices.append(context.notice)
    ontology = load_ontology()
    results = []
    with _locked(source, dry_run):
        for path in files:
            if progress:
                progress(path, None)
            try:
                result = ingest_one(path, source=source, doc_id=doc_id, dry_run=dry_run,
                                    context=context, proposer=proposer, ontology=ontology)
            except KgError as exc:
                line = exc.line()
                if str(path) not in line:
                    line = f"{path}: {line}"
                result = IngestResult(path=path, error=line)
            results.append(result)
            if progress:
                progress(path, result)
    return results
