"""Citable references for passages of the papers: a plain line, BibTeX and JSON (``kg cite``).

A citation is the paper's bibliographic record (``documents/metadata.yaml``; unknown fields are
left out, never invented) plus where the passage is: section and character offsets into the
stored document file, so that ``text[start:end]`` is exactly the quote.

Everything here is pure except :func:`source_text`, which reads a document file named by the
store's manifest when a quote is not among the stored evidence passages.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from kg.errors import AmbiguousQuery, KgError

_PASSAGE_ID = re.compile(r"^passage/([^/\s]+)/(\d+)-(\d+)$")
_ID_LIKE = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9._-]+)*$")
_WS = re.compile(r"\s+")
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


@dataclass(frozen=True)
class Location:
    """Where a cited passage is: document, section and offsets (``None`` for a whole paper)."""

    document: str
    section: str | None = None
    start: int | None = None
    end: int | None = None
    quote: str = ""


@dataclass(frozen=True)
class CiteResult:
    """What a query cites: an entity's evidence, a passage, a whole paper or a located quote."""

    query: str
    kind: str  # "entity" | "passage" | "document" | "quote"
    locations: tuple[Location, ...]
    entity: dict[str, Any] | None = None


# -- the reference of a paper -----------------------------------------------------------------


def title_text(title: dict[str, str]) -> str:
    """The title as cited: the original (zh) title with the English one in brackets.

    >>> title_text({"zh": "电商平台", "en": "E-commerce platforms"})
    '电商平台 [E-commerce platforms]'
    >>> title_text({"en": "Only English"})
    'Only English'
    """
    zh, en = title.get("zh", "").strip(), title.get("en", "").strip()
    if zh and en and zh != en:
        return f"{zh} [{en}]"
    return zh or en or next((v for v in title.values() if v), "")


def _sentence(text: str) -> str:
    """``text`` ending with one full stop (none added after ``.?!`` or their CJK forms)."""
    text = text.strip()
    return text if not text or text[-1] in ".?!。？！" else text + "."


def reference_text(title: dict[str, str], bib: dict[str, Any]) -> str:
    """A paper's reference: authors (year). Title. Venue, volume(issue), pages. DOI or URL.

    Fields that are not known are left out, and the title leads when there are no authors.

    >>> reference_text({"en": "A model"}, {"authors": ["Li Hua", "Wang Fang"], "year": 2024,
    ...                 "venue": "Journal", "volume": "13", "issue": "2", "pages": "10-20",
    ...                 "doi": "10.1/x.2"})
    'Li Hua, Wang Fang (2024). A model. Journal, 13(2), 10-20. https://doi.org/10.1/x.2'
    >>> reference_text({"zh": "电商平台", "en": "Platforms"}, {})
    '电商平台 [Platforms].'
    """
    year = f" ({bib['year']})" if bib.get("year") else ""
    parts: list[str] = []
    if bib.get("authors"):
        parts += [_sentence(", ".join(bib["authors"]) + year), _sentence(title_text(title))]
    else:
        parts.append(_sentence(title_text(title) + year))
    if bib.get("venue"):
        venue = bib["venue"]
        if bib.get("volume"):
            venue += f", {bib['volume']}"
        if bib.get("issue"):
            venue += f"({bib['issue']})" if bib.get("volume") else f", no. {bib['issue']}"
        if bib.get("pages"):
            venue += f", {bib['pages']}"
        parts.append(_sentence(venue))
    link = link_of(bib)
    if link:
        parts.append(link)
    return " ".join(parts)


def link_of(bib: dict[str, Any]) -> str:
    """The DOI as a resolver link, else the landing-page URL, else ``""``."""
    if bib.get("doi"):
        return f"https://doi.org/{bib['doi']}"
    return str(bib.get("url") or "")


def section_text(section: str | None) -> str:
    """How a section id reads in a citation.

    >>> [section_text(s) for s in ("5.1", "abstract-zh", "table-1", None)]
    ['§5.1', 'abstract (zh)', 'Table 1', '']
    """
    if not section:
        return ""
    if section.startswith("abstract-"):
        return f"abstract ({section.removeprefix('abstract-')})"
    if section.startswith("table-"):
        return f"Table {section.removeprefix('table-')}"
    return f"§{section}"


def location_text(location: Location, *, with_quote: bool = True) -> str:
    """``§5.1, chars 8849–8867: “quote”`` (PDF line breaks joined in the quote).

    >>> location_text(Location("000", "5.1", 8849, 8867, "数据\\n泄露"))
    '§5.1, chars 8849–8867: “数据泄露”'
    """
    from kg.render import flat

    if location.start is None:
        return ""
    where = ", ".join(p for p in (section_text(location.section),
                                  f"chars {location.start}–{location.end}") if p)
    return f"{where}: “{flat(location.quote)}”" if with_quote and location.quote else where


def citation_line(document: dict[str, Any], location: Location) -> str:
    """One plain citation line: the paper's reference, then where the passage is."""
    bib = document.get("bibliography") or {}
    link = link_of(bib)
    reference = reference_text(document.get("title") or {}, {**bib, "doi": None, "url": None})
    where = location_text(location)
    line = f"{reference} {where}" if where else reference
    return f"{_sentence(line)} {link}" if link else line


# -- BibTeX ----------------------------------------------------------------------------------


def _tex(text: str) -> str:
    r"""Text safe inside a BibTeX field.

    >>> _tex("R&D {50%}")
    'R\\&D \\{50\\%\\}'
    """
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)


def bibtex_key(doc_id: str, bib: dict[str, Any]) -> str:
    """A deterministic key: first author's family name and year, then the document id.

    The family name is the part before a comma, else the first word ("Zhang San" -> zhang);
    names without Latin letters and unknown years are left out.

    >>> bibtex_key("000", {})
    'paper000'
    >>> bibtex_key("000", {"authors": ["Zhang San", "Li Si"], "year": 2024})
    'zhang2024_000'
    >>> bibtex_key("003", {"authors": ["张三"], "year": 2024})
    '2024_003'
    """
    authors = bib.get("authors") or []
    family = ""
    if authors:
        first = authors[0].split(",")[0] if "," in authors[0] else authors[0].split()[0]
        family = re.sub(r"[^a-z]", "", first.casefold())
    base = family + (str(bib["year"]) if bib.get("year") else "")
    return f"{base}_{doc_id}" if base else f"paper{doc_id}"


def bibtex_entry(doc_id: str, document: dict[str, Any], locations: Iterable[Location]) -> str:
    """One ``@article`` for a paper; the cited passages go into ``note`` (section, offsets)."""
    bib = document.get("bibliography") or {}
    fields: list[tuple[str, str]] = [("title", _tex(title_text(document.get("title") or {})))]
    if bib.get("authors"):
        fields.append(("author", " and ".join(_tex(a) for a in bib["authors"])))
    if bib.get("year"):
        fields.append(("year", str(bib["year"])))
    for name, key in (("venue", "journal"), ("volume", "volume"), ("issue", "number")):
        if bib.get(name):
            fields.append((key, _tex(str(bib[name]))))
    if bib.get("pages"):
        fields.append(("pages", _tex(re.sub(r"\s*[-–—]+\s*", "--", str(bib["pages"])))))
    if bib.get("doi"):
        fields.append(("doi", bib["doi"]))
    if bib.get("url"):
        fields.append(("url", bib["url"]))
    notes = list(dict.fromkeys(text for loc in locations
                               if (text := location_text(loc, with_quote=False))))
    if notes:
        fields.append(("note", _tex("; ".join(notes))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@article{{{bibtex_key(doc_id, bib)},\n{body}\n}}\n"


def bibtex(projection: dict[str, Any], result: CiteResult) -> str:
    """BibTeX for a result: one entry per cited paper, in document order."""
    by_doc: dict[str, list[Location]] = {}
    for location in result.locations:
        by_doc.setdefault(location.document, []).append(location)
    return "\n".join(bibtex_entry(doc, projection["documents"].get(doc, {}), locs)
                     for doc, locs in sorted(by_doc.items()))


def to_json(projection: dict[str, Any], result: CiteResult) -> dict[str, Any]:
    """The result as plain JSON: the query, what it matched, each citation, each paper."""
    docs = sorted({loc.document for loc in result.locations})
    papers = {}
    for doc in docs:
        meta = projection["documents"].get(doc, {})
        bib = meta.get("bibliography") or {}
        papers[doc] = {"key": bibtex_key(doc, bib), "title": meta.get("title") or {}, **bib,
                       "reference": reference_text(meta.get("title") or {}, bib)}
    return {
        "query": result.query, "kind": result.kind, "entity": result.entity,
        "citations": [{"document": loc.document, "section": loc.section, "start": loc.start,
                       "end": loc.end, "quote": loc.quote,
                       "text": citation_line(projection["documents"].get(loc.document, {}), loc)}
                      for loc in result.locations],
        "papers": papers,
    }


def text_lines(projection: dict[str, Any], result: CiteResult) -> list[str]:
    """One plain citation line per location."""
    return [citation_line(projection["documents"].get(loc.document, {}), loc)
            for loc in result.locations]


# -- finding what to cite --------------------------------------------------------------------


def _passages(projection: dict[str, Any]) -> list[dict[str, Any]]:
    """Every distinct stored evidence passage, in document order."""
    seen: dict[tuple[str, int, int], dict[str, Any]] = {}
    for item in [*projection["nodes"], *projection["edges"]]:
        for ev in item.get("evidence", []):
            seen.setdefault((ev["document"], ev["start"], ev["end"]), ev)
    return [seen[k] for k in sorted(seen)]


def _location(ev: dict[str, Any]) -> Location:
    return Location(ev["document"], ev.get("section"), ev["start"], ev["end"], ev["quote"])


def _entity_ref(node: dict[str, Any]) -> dict[str, Any]:
    return {"id": node["id"], "class": node["class"], "label": dict(node.get("label") or {}),
            "document": node.get("document")}


def find_in_passages(projection: dict[str, Any], quote: str) -> list[Location]:
    """Where ``quote`` occurs (whitespace ignored) inside the stored evidence passages."""
    from kg.documents import DocumentText

    needle = _WS.sub("", quote)
    found: dict[tuple[str, int, int], Location] = {}
    for ev in _passages(projection):
        if needle not in _WS.sub("", ev["quote"]):
            continue
        match = DocumentText(ev["document"], ev["quote"]).locate(needle)
        if match is None:  # pragma: no cover - the flat test above found it
            continue
        start, end = ev["start"] + match.start, ev["start"] + match.end
        found.setdefault((ev["document"], start, end),
                         Location(ev["document"], ev.get("section"), start, end,
                                  ev["quote"][match.start:match.end]))
    return [found[k] for k in sorted(found)]


def find_in_documents(projection: dict[str, Any], quote: str,
                      text_of: Callable[[str], str]) -> list[Location]:
    """The first place in each document where ``quote`` occurs (whitespace ignored)."""
    from kg.documents import DocumentText

    out = []
    for doc_id in sorted(projection["documents"]):
        text = DocumentText(doc_id, text_of(doc_id))
        match = text.locate(quote) or _locate_hyphenated(text, quote)
        if match is not None:
            out.append(_location(_evidence(text.passage(match))))
    return out


def _locate_hyphenated(text: Any, quote: str) -> Any:
    """A quote that the PDF text breaks with a hyphen at a line end (``dimen-\nsions``)."""
    needle = _WS.sub("", quote)
    for i in range(1, len(needle)):
        if needle[i - 1].isalpha() and needle[i].isalpha():
            match = text.locate(needle[:i] + "-" + needle[i:])
            if match is not None and re.search(r"-[ \t]*\n", text.text[match.start:match.end]):
                return match
    return None


def _evidence(passage: Any) -> dict[str, Any]:
    return {"document": passage.document, "section": passage.section, "start": passage.start,
            "end": passage.end, "quote": passage.text}


def cite(projection: dict[str, Any], query: str,
         text_of: Callable[[str], str] | None = None) -> CiteResult:
    """What ``query`` cites: an entity id (its evidence passages), a passage id, a document id,
    or a quote found in the stored passages, else in the document text (through ``text_of``).

    Unknown ids and quotes that are in neither paper raise a :class:`KgError` (exit 1); an id
    suffix shared by several entities raises :class:`AmbiguousQuery` (exit 2).
    """
    query = query.strip()
    if not query:
        raise KgError("nothing to cite", hint="give an entity id or a quote from a paper")
    nodes = {n["id"]: n for n in projection["nodes"]}
    node = nodes.get(query)
    if node is None and _ID_LIKE.match(query) and "/" not in query:
        matches = sorted(i for i in nodes if i.endswith("/" + query))
        if len(matches) > 1:
            raise AmbiguousQuery(f"{query!r} is the end of several ids",
                                 hint="give the full id: " + ", ".join(matches[:8]))
        node = nodes[matches[0]] if matches else None
    if node is not None:
        if node["class"] == "Document":
            return CiteResult(query, "document", (Location(node["document"]),), _entity_ref(node))
        locations = tuple(dict.fromkeys(_location(ev) for ev in node.get("evidence", [])))
        if not locations:
            raise KgError(f"{node['id']} has no evidence passage to cite",
                          hint=f"cite its paper instead: kg cite document/{node['document']}")
        return CiteResult(query, "entity", locations, _entity_ref(node))
    passage = _PASSAGE_ID.match(query)
    if passage:
        key = (passage.group(1), int(passage.group(2)), int(passage.group(3)))
        for ev in _passages(projection):
            if (ev["document"], ev["start"], ev["end"]) == key:
                return CiteResult(query, "passage", (_location(ev),))
    found = find_in_passages(projection, query)
    unsearched = ""
    if not found and text_of is not None:
        try:
            found = find_in_documents(projection, query, text_of)
        except KgError as exc:  # the texts are optional: say that only passages were searched
            unsearched = f"; only the stored passages were searched: {exc.what}, {exc.where}"
    if found:
        return CiteResult(query, "quote", tuple(found))
    if _ID_LIKE.match(query) and ("/" in query or "-" in query):
        near = difflib.get_close_matches(query, list(nodes), n=3, cutoff=0.6)
        hint = ("did you mean: " + ", ".join(near) + "? " if near else "") + \
            "find ids with `kg search WORDS`, or give a verbatim quote"
        raise KgError(f"unknown id {query!r}, and no passage quotes it", hint=hint + unsearched)
    shown = query if len(query) <= 40 else query[:40] + "…"
    raise KgError(f"text not found in either paper: {shown!r}",
                  hint="copy the quote verbatim: whitespace is ignored, punctuation such as "
                       "，：“” must match; or find the passage with `kg search WORDS`"
                       + unsearched)


def source_text(data_dir: Path, projection: dict[str, Any], doc_id: str) -> str:
    """The text of a document as the build read it: the file named by the store's manifest,
    checked against the SHA-256 recorded at build time."""
    from kg.documents import decode_document
    from kg.store import load_manifest

    meta = projection["documents"][doc_id]
    source = Path(str(load_manifest(data_dir).get("source", "")))
    candidates = [source / "documents" / meta["file"]]
    if not source.is_absolute():
        candidates.append(data_dir.resolve().parent / candidates[0])
    for path in candidates:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise KgError("the document file changed since the build", where=str(path),
                          hint="run `kg build` again")
        return decode_document(data, where=str(path))
    raise KgError(f"the text of document {doc_id} is not available", where=str(candidates[0]),
                  hint="run kg from the directory where `kg build` ran, or build again")
