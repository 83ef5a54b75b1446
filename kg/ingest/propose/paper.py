"""The proposer's view of a paper (offsets, sections, sentences, enumerations, clauses, actors
named by subjects) and its candidates: ``_Cand`` items and ``_Rel`` relations, added by the rules.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from kg.documents import DocumentText
from kg.ingest import cues
from kg.ingest.propose.text import _SENT_END, _balance, _build_view, _slug, normalise


# -------------------------------------------------------------------------------------------
# candidates
# -------------------------------------------------------------------------------------------

_OBSTACLE = ("Barrier", "Problem")


@dataclass
class _Cand:
    type: str
    label: str  # as in the file (whitespace collapsed)
    norm: str  # normalised label for matching
    vs: int  # quote span in the view
    ve: int
    rule: str
    confidence: float
    section: str | None = None
    props: dict[str, Any] = field(default_factory=dict)
    parent: int | None = None  # index of the candidate it is partOf
    en: str | None = None
    group: tuple[str, int, int] | None = None  # (enumeration key, position, length)
    conclusion: bool = False
    dropped: int | None = None  # merged into this candidate
    key: str = ""


@dataclass
class _Rel:
    subject: int
    predicate: str
    object: int
    vs: int
    ve: int
    confidence: float
    rule: str
    modality: str = "stated"


class _Paper:
    """The paper as the rules see it: the normalised text, its view and offsets, its sections and
    tables, the paper's obstacle type, and the candidate items and relations the rules add.

    Every rule module subclasses it; :class:`kg.ingest.propose.assemble._Proposer` combines them.
    """

    def __init__(self, text: str, doc_id: str) -> None:
        self.text = text
        self.doc_id = doc_id
        self.doc_slug = _slug(doc_id) or "doc"
        self.norm = normalise(text)
        self.dt = DocumentText(doc_id, self.norm)
        self.orig = DocumentText(doc_id, text)
        breaks = set()
        for sec in self.dt.sections:
            nl = self.norm.find("\n", sec.start)
            if nl >= 0:
                breaks.add(nl)
        for table in self.dt.tables:
            for start in (table.start, self.norm.find("\n", table.start) + 1):
                nl = self.norm.find("\n", start)
                if nl >= 0:
                    breaks.add(nl)
            breaks.add(table.end - 1 if table.end > 0 and self.norm[table.end - 1] == "\n" else table.end)
        self.view, self.vpos = _build_view(self.norm, frozenset(breaks))
        self.oview = "".join(text[p] for p in self.vpos)
        cjk = sum(1 for ch in self.view[:20000] if "\u4e00" <= ch <= "\u9fff")
        latin = sum(1 for ch in self.view[:20000] if ch.isascii() and ch.isalpha())
        self.chinese = cjk * 3 >= latin
        self.cands: list[_Cand] = []
        self.rels: list[_Rel] = []
        self.sections = self.dt.sections
        self.tables = self.dt.tables
        # obstacle type of the paper: Barrier when it speaks of obstacles, else Problem
        heads = " ".join(s.title for s in self.sections)
        b = len(cues.BARRIER_WORDS.findall(heads)) * 3 + len(cues.BARRIER_WORDS.findall(self.view))
        p = len(cues.PROBLEM_WORDS.findall(heads)) * 3 + len(cues.PROBLEM_WORDS.findall(self.view)) // 2
        self.obstacle_type = "Barrier" if b >= p else "Problem"

    # -- spans ------------------------------------------------------------------------------

    def vspan(self, start: int, end: int) -> tuple[int, int]:
        return bisect.bisect_left(self.vpos, start), bisect.bisect_left(self.vpos, end)

    def ospan(self, vs: int, ve: int) -> tuple[int, int]:
        return self.vpos[vs], self.vpos[ve - 1] + 1

    def section_id(self, offset: int) -> str | None:
        for table in self.tables:
            if table.start <= offset < table.end:
                return f"table-{table.number}"
        s = self.dt.section_at(offset)
        return s.number if s else None

    def section_obj(self, offset: int):
        return self.dt.section_at(offset)

    def in_conclusion(self, offset: int) -> bool:
        s = self.dt.section_at(offset)
        while s is not None:
            if cues.CONCLUSION_TITLE.search(s.title):
                return True
            s = self._parent(s)
        return False

    def _parent(self, s):
        if s.parent is None:
            return None
        for t in self.sections:
            if t.number == s.parent:
                return t
        return None

    def add(
        self,
        type_: str,
        vs: int,
        ve: int,
        rule: str,
        conf: float,
        *,
        label: tuple[int, int] | str | None = None,
        props: dict | None = None,
        parent: int | None = None,
        group: tuple[str, int, int] | None = None,
    ) -> int | None:
        # trim whitespace/punctuation at the edges of the quote
        while vs < ve and self.view[vs] in " ，、。；：,;:":
            vs += 1
        while ve > vs and self.view[ve - 1] in " ，、。；：,;:":
            ve -= 1
        if ve - vs < 2:
            return None
        if isinstance(label, tuple):
            ls, le = label
            lab = self.oview[ls:le]
            norm = self.view[ls:le]
        elif isinstance(label, str):
            lab = norm = label
        else:
            lab, norm = self.oview[vs:ve], self.view[vs:ve]
        lab = _balance(lab.strip(" ，、。；：,;:."))
        norm = _balance(norm.strip(" ，、。；：,;:."))
        lab = re.sub(r"^(?:also|further|actively|then)\s+", "", lab)
        norm = re.sub(r"^(?:also|further|actively|then)\s+", "", norm)
        if len(norm) < 2 or len(lab) > 120:
            return None
        start, _ = self.ospan(vs, ve)
        c = _Cand(
            type_,
            lab,
            norm,
            vs,
            ve,
            rule,
            conf,
            self.section_id(start),
            dict(props or {}),
            parent,
            group=group,
            conclusion=self.in_conclusion(start),
        )
        self.cands.append(c)
        return len(self.cands) - 1

    def rel(
        self,
        s: int | None,
        p: str,
        o: int | None,
        vs: int,
        ve: int,
        conf: float,
        rule: str,
        modality: str = "stated",
    ) -> None:
        if s is None or o is None or s == o:
            return
        if ve - vs < 2 or ve - vs > 300:
            vs, ve = self.cands[s].vs, self.cands[s].ve
        self.rels.append(_Rel(s, p, o, vs, ve, conf, rule, modality))

    # -- helpers ----------------------------------------------------------------------------

    def section_kind(self, s) -> str | None:
        """obstacle | strategy | conclusion | None, from the title and its ancestors."""
        t = s
        while t is not None:
            title = normalise(t.title)
            if cues.CONCLUSION_TITLE.search(title):
                return "conclusion"
            strat = cues.STRATEGY_TITLE.search(title) and not cues.STRATEGY_TITLE_EXCLUDE.search(title)
            obst = cues.OBSTACLE_TITLE.search(title)
            if strat and not obst:
                return "strategy"
            if obst and not strat:
                return "obstacle"
            if obst and strat and t is s:
                return None
            t = self._parent(t)
        return None

    def children(self, s) -> list:
        return [t for t in self.sections if t.parent == s.number]

    def sentences(self, vs: int, ve: int) -> list[tuple[int, int]]:
        out = []
        i = vs
        for k in range(vs, ve):
            if self.view[k] in _SENT_END or (
                self.view[k] == "."
                and k + 1 < ve
                and self.view[k + 1] == " "
                and not self.view[k - 1].isdigit()
            ):
                if k + 1 - i > 1:
                    out.append((i, k + 1))
                i = k + 1
        if ve - i > 1:
            out.append((i, ve))
        return out

    def heading_title_span(self, s) -> tuple[int, int]:
        """The view span of a heading's title (without its number)."""
        line_end = self.norm.find("\n", s.start)
        line_end = len(self.norm) if line_end < 0 else line_end
        vs, ve = self.vspan(s.start, line_end)
        m = re.match(r"\s*\d{1,2}(?:\.\d{1,2}){0,3}\.\s*", self.view[vs:ve])
        if m:
            vs += m.end()
        while ve > vs and self.view[ve - 1] == " ":
            ve -= 1
        return vs, ve

    def body_span(self, s) -> tuple[int, int]:
        _, hve = self.heading_title_span(s)
        _, ve = self.vspan(s.start, s.end)
        return hve, ve

    def actor_of(self, text: str, *, fallback: str | None = None, suffix: bool = True) -> str | None:
        """The actor named by a subject at the start (or, with ``suffix``, the end) of ``text``."""
        t = text.strip()
        for word, actor in cues.ACTOR_SUBJECTS:
            if t.startswith(word) or (suffix and t.endswith(word)):
                return actor
        low = t.lower()
        for word, actor in cues.ACTOR_SUBJECTS_EN:
            if low.startswith(word):
                return actor
        return fallback

    def actor_keywords(self, text: str) -> str | None:
        for pattern, actor in cues.ACTOR_KEYWORDS:
            if pattern.search(text):
                return actor
        return None

    _ITEM = re.compile(
        r"(?:[(（]\s?(\d{1,2})\s?[)）]|(?<![\d.])(\d{1,2})[)）、]|([①②③④⑤⑥⑦⑧⑨⑩])"
        r"|([一二三四五六七八九十])是|(首先|其次|再次|最后|第[一二三四五六七八九十])[，,、]"
        r"|\b(First|Second|Third|Fourth|Fifth|Finally|Firstly|Secondly|Thirdly)\b,?)"
    )

    def _items(self, vs: int, ve: int) -> list[tuple[int, int, int]]:
        """Enumerated items in a span: (marker start, content start, end)."""
        marks = []
        for m in self._ITEM.finditer(self.view, vs, ve):
            before = self.view[vs : m.start()].rstrip(" ")
            orig_before = self.text[: self.vpos[m.start()]].rstrip(" \t")
            if not (not before or before[-1] in "。；：:;.!?" or orig_before.endswith("\n")):
                continue
            marks.append((m.start(), m.end()))
        out = []
        for k, (a, b) in enumerate(marks):
            end = marks[k + 1][0] if k + 1 < len(marks) else ve
            out.append((a, b, end))
        return out

    def _split_enum(self, vs: int, ve: int, english: bool) -> list[tuple[int, int]]:
        seg = self.view[vs:ve]
        parts: list[tuple[int, int]] = []
        if english:
            bounds = [
                (m.start(), m.end())
                for m in re.finditer(r",\s*(?:and|or)\s+|,\s*|\s+and\s+|\s+or\s+|;\s*", seg)
            ]
        else:
            bounds = [(m.start(), m.end()) for m in re.finditer(r"[、，,]|以及|及", seg)]
        i = 0
        for a, b in bounds:
            parts.append((i, a))
            i = b
        parts.append((i, len(seg)))
        if not english and len(parts) >= 2:
            # the last item of "A、B与C" holds two
            a, b = parts[-1]
            m = re.search(r"和|以及|及", seg[a:b])
            if not m or m.start() < 2:
                m = re.search(r"与", seg[a:b])
                if m and any("与" in seg[x:y] for x, y in parts[:-1]):
                    m = None
            if m and m.start() >= 2 and b - a - m.end() >= 2:
                parts[-1:] = [(a, a + m.start()), (a + m.end(), b)]
        return [(vs + a, vs + b) for a, b in parts if b - a >= 2]

    def _clauses(self, a: int, b: int) -> list[tuple[int, int]]:
        """Clauses of a sentence: split at ，；, but not inside brackets; "…中" joins the next."""
        out, depth, i = [], 0, a
        for k in range(a, b):
            ch = self.view[k]
            if ch in "(（":
                depth += 1
            elif ch in ")）":
                depth = max(0, depth - 1)
            elif depth == 0 and ch in "，,；;。\n":
                if k > i:
                    out.append((i, k))
                i = k + 1
        if b > i:
            out.append((i, b))
        joined: list[tuple[int, int]] = []
        for cs, ce in out:
            if joined and self.view[joined[-1][1] - 1] == "中" and joined[-1][1] - joined[-1][0] <= 10:
                joined[-1] = (joined[-1][0], ce)
            else:
                joined.append((cs, ce))
        return joined

    @staticmethod
    def family(t: str) -> str:
        return "obstacle" if t in _OBSTACLE else t

    def live(self) -> list[int]:
        return [k for k, c in enumerate(self.cands) if c.dropped is None]
