"""The text of a document: decoding, section tree, tables and whitespace-insensitive quote lookup.

Offsets are character offsets into the decoded file as stored in ``seed_data/documents``.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from kg.errors import KgError
from kg.model import Document, Passage, Section, Table

# Line ends may be CRLF: a trailing ``\r`` is allowed before every ``$`` (the text itself is never
# normalised, so that offsets stay exact into the file).
_HEADING = re.compile(r"^[ \t]*(\d{1,2}(?:\.\d{1,2}){0,3})\.[ \t]+(\S[^\n]*?)[ \t\r]*$", re.M)
_ABSTRACT = re.compile(r"^[ \t]*(摘\s*要|Abstract)[ \t\r]*$", re.M)
_TABLE_EN = re.compile(r"^[ \t]*Table (\d+)\.[ \t]*([^\n]*?)[ \t\r]*$", re.M)
_TABLE_ZH = re.compile(r"^[ \t]*表 ?(\d+)\.[ \t]*([^\n]*?)[ \t\r]*$", re.M)
_PAGE_BREAK_LINE = re.compile(r"^[ \t]+\r?$", re.M)
_WS = re.compile(r"\s+")
#: A quote longer than this (in characters other than whitespace) is refused.
QUOTE_HARD_LIMIT = 2000
#: The closest-passage hint compares at most this many characters of a quote (bounded time).
_HINT_CHARS = 100


#: Bytes that a text file holds only by accident (line and page breaks and tabs aside).
CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\n\r\t\f")


def decode_document(data: bytes, *, where: str) -> str:
    """Decode a document file as UTF-8, refusing empty, binary and other encodings clearly.

    >>> decode_document("电子商务".encode(), where="x.txt")
    '电子商务'
    """
    if not data.strip():
        raise KgError("document is empty", where=where, hint="put the paper's extracted text in it")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise KgError("document is UTF-16, not UTF-8", where=where,
                      hint=f"convert it: iconv -f UTF-16 -t UTF-8 {where} > fixed.txt")
    utf16 = _utf16_without_bom(data)
    if utf16:
        raise KgError(f"document looks like {utf16} without a byte-order mark, not UTF-8",
                      where=where,
                      hint=f"convert it: iconv -f {utf16} -t UTF-8 {where} > fixed.txt")
    head = data[:8192]
    controls = len(head) - len(head.translate(None, CONTROL_BYTES))
    if controls > len(head) // 100:
        raise KgError("document is a binary file, not text", where=where,
                      hint="use the paper's extracted plain text (UTF-8)")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise KgError(f"document contains NUL bytes (the first at byte offset {nul}, line {line})",
                      where=where,
                      hint="a text file has none: re-extract the text, or remove them with "
                           f"tr -d '\\000' < {where} > fixed.txt")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise KgError(f"document is not UTF-8 text (invalid byte at {exc.start})", where=where,
                          hint="use the paper's extracted plain text in UTF-8") from None
        raise KgError("document is in GBK/GB18030, not UTF-8", where=where,
                      hint=f"convert it: iconv -f GB18030 -t UTF-8 {where} > fixed.txt") from None
    if text.startswith("\ufeff"):
        raise KgError("document starts with a byte-order mark", where=where,
                      hint="save it as UTF-8 without BOM so that offsets stay stable")
    if "\r" in text and "\n" not in text:
        raise KgError("document has old Mac line ends (CR only)", where=where,
                      hint=f"convert them: tr '\\r' '\\n' < {where} > fixed.txt")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    """``"UTF-16LE"`` or ``"UTF-16BE"`` when ``data`` reads as BOM-less UTF-16, else None.

    UTF-16 of text with any ASCII in it (digits, punctuation, line ends, Latin words) has a NUL
    byte on every such character, all on one parity (odd offsets for little-endian); CJK
    characters rarely have a zero byte. So: enough NULs, nearly all on one parity, and the
    bytes decode as UTF-16 to printable text.

    >>> _utf16_without_bom("电子商务 e-commerce\\n".encode("utf-16-le"))
    'UTF-16LE'
    >>> _utf16_without_bom("电子商务 e-commerce\\n".encode()) is None
    True
    """
    sample = data[:65536]
    sample = sample[:len(sample) - len(sample) % 2]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if max(even, odd) < 4 or min(even, odd) * 10 > max(even, odd):
        return None
    name = "UTF-16LE" if odd > even else "UTF-16BE"
    text = sample.decode(name.lower().replace("utf-16", "utf-16-"), errors="replace")
    text = text.removesuffix("\ufffd")  # a surrogate pair cut by the sample
    readable = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t\f")
    return name if text and readable >= 0.95 * len(text) else None


def read_document(path: Path, *, doc_id: str, title: dict[str, str], language: tuple[str, ...],
                  source: str) -> Document:
    """Read and decode one document file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KgError(f"cannot read document: {exc.strerror}", where=str(path),
                      hint="check the file name in documents/metadata.yaml") from None
    text = decode_document(data, where=str(path))
    return Document(id=doc_id, file=path.name, title=title, language=language, source=source,
                    sha256=hashlib.sha256(data).hexdigest(), text=text)


@dataclass(frozen=True)
class QuoteMatch:
    """Where a quote sits in the original text."""

    start: int
    end: int


class DocumentText:
    """A document's text with its structure and a whitespace-insensitive index.

    >>> t = DocumentText("d", "1. 引言\\n电子商务已从单纯的交\\n易渠道升级")
    >>> m = t.locate("交易渠道")
    >>> t.text[m.start:m.end]
    '交\\n易渠道'
    """

    def __init__(self, doc_id: str, text: str) -> None:
        self.doc_id = doc_id
        self.text = text
        positions = [i for i, ch in enumerate(text) if not ch.isspace()]
        self._flat = "".join(text[i] for i in positions)
        self._positions = positions

    # -- structure -------------------------------------------------------------------------

    @cached_property
    def sections(self) -> list[Section]:
        """Numbered headings (and the two abstracts) as a tree, in document order."""
        heads: list[tuple[int, str, str]] = []
        for m in _ABSTRACT.finditer(self.text):
            number = "abstract-en" if m.group(1) == "Abstract" else "abstract-zh"
            heads.append((m.start(), number, m.group(1).replace(" ", "")))
        expected_top = 1
        for m in _HEADING.finditer(self.text):
            number, title = m.group(1), m.group(2)
            if title.endswith(("。", "，", "；")) or len(title) > 60:
                continue
            top = int(number.split(".")[0])
            if "." not in number:
                if top != expected_top:
                    continue
                expected_top += 1
            elif top >= expected_top:
                continue
            heads.append((m.start(), number, title))
        heads.sort()
        sections: list[Section] = []
        for i, (start, number, title) in enumerate(heads):
            depth = _depth(number)
            end = len(self.text)
            for later_start, later_number, _ in heads[i + 1:]:
                if _depth(later_number) <= depth:
                    end = later_start
                    break
            parent = number.rsplit(".", 1)[0] if "." in number else None
            sections.append(Section(self.doc_id, number, title, start, end, parent))
        return sections

    @cached_property
    def tables(self) -> list[Table]:
        """Captioned tables; a table runs to the next heading or to a page-break line."""
        tables: list[Table] = []
        heading_starts = sorted(s.start for s in self.sections)
        for m in _TABLE_EN.finditer(self.text):
            number = int(m.group(1))
            zh = _TABLE_ZH.search(self.text, m.end())
            caption_zh = zh.group(2) if zh and int(zh.group(1)) == number else ""
            body_from = zh.end() if caption_zh else m.end()
            end = len(self.text)
            k = bisect.bisect_right(heading_starts, m.start())
            if k < len(heading_starts):
                end = heading_starts[k]
            brk = _PAGE_BREAK_LINE.search(self.text, body_from, end)
            if brk:
                end = brk.start()
            section = self.section_at(m.start())
            tables.append(Table(self.doc_id, number, m.group(2), caption_zh, m.start(), end,
                                section.number if section else None))
        return tables

    def section_at(self, offset: int) -> Section | None:
        """The deepest section whose span holds ``offset``."""
        best: Section | None = None
        for section in self.sections:
            if section.start <= offset < section.end:
                if best is None or _depth(section.number) >= _depth(best.number):
                    best = section
        return best

    def span_of(self, section: str) -> tuple[int, int] | None:
        """The character span of a section id (``"5.1"``, ``"abstract-zh"``, ``"table-1"``)."""
        if section.startswith("table-"):
            for table in self.tables:
                if f"table-{table.number}" == section:
                    return table.start, table.end
            return None
        for s in self.sections:
            if s.number == section:
                return s.start, s.end
        return None

    # -- quotes ----------------------------------------------------------------------------

    def locate(self, quote: str, *, section: str | None = None) -> QuoteMatch | None:
        """Find a quote ignoring all whitespace; first match, inside ``section`` when given."""
        needle = _WS.sub("", quote)
        if not needle:
            return None
        lo, hi = 0, len(self._flat)
        if section is not None:
            span = self.span_of(section)
            if span is None:
                return None
            lo = bisect.bisect_left(self._positions, span[0])
            hi = bisect.bisect_left(self._positions, span[1])
        k = self._flat.find(needle, lo, hi)
        if k < 0:
            return None
        return QuoteMatch(self._positions[k], self._positions[k + len(needle) - 1] + 1)

    def passage(self, match: QuoteMatch) -> Passage:
        """The passage record for a located match."""
        section = self.section_at(match.start)
        return Passage(self.doc_id, match.start, match.end, self.text[match.start:match.end],
                       section.number if section else None)

    def closest(self, quote: str, *, width: int = 40) -> str:
        """The passage most similar to ``quote``, for error messages.

        Only the first ``_HINT_CHARS`` characters of a longer quote are compared (then the
        last ones, if the first find nothing): the search costs the length of what is compared
        times the document's, and a hint needs no more.
        """
        from rapidfuzz import fuzz

        flat = _WS.sub("", quote)
        if not flat:
            return ""
        parts = [flat] if len(flat) <= _HINT_CHARS else [flat[:_HINT_CHARS], flat[-_HINT_CHARS:]]
        for needle in parts:
            alignment = fuzz.partial_ratio_alignment(needle, self._flat)
            if alignment is not None and alignment.score >= 40:
                break
        else:
            return ""
        start = alignment.dest_start
        end = min(alignment.dest_end, start + width)
        return self._flat[start:end]

    def sentence_around(self, offset: int, *, limit: int = 300) -> tuple[int, int]:
        """The sentence (bounded by 。！？, at most ``limit`` characters each side) at ``offset``."""
        text = self.text
        start = offset
        while start > 0 and text[start - 1] not in "。！？" and offset - start < limit:
            start -= 1
        end = offset
        while end < len(text) and text[end] not in "。！？" and end - offset < limit:
            end += 1
        if end < len(text) and text[end] in "。！？":
            end += 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end


def _depth(number: str) -> int:
    return 0 if number.startswith("abstract") else number.count(".")
