"""Draft the coding of a paper from its text alone: ``propose(text, doc_id) -> Proposal``.

Offline and deterministic: no model, only the structure parsed by :mod:`kg.documents` (sections,
abstracts, tables), the genre's cue phrases (:mod:`kg.ingest.cues`), enumerations and the jieba
segmenter (for token overlap and theory names). Traditional Chinese is normalised character by
character with OpenCC ``t2s`` for matching; the normalised text has the same length as the
original, so every offset is an offset into the original and every quote is copied from it.

Rules (the ``rule`` field of each item names the one that proposed it):

- Barrier or Problem: one type per paper. A paper whose headings and text speak of obstacles
  (障碍/阻碍/阻力/瓶颈/制约, barriers/obstacles) gets Barrier items; one that speaks of problems and
  challenges (问题/挑战/难题, problems/challenges/issues) gets Problem items (paper 000 → Barrier,
  003 → Problem, as the curated coding). Both are the "obstacle family" below.
- ``heading:obstacle-subsection`` — a sub-heading of a section whose title names obstacles is an
  obstacle; ``维度：标签`` headings give the label after the colon and, for Barriers, a Dimension
  (``heading:dimension-prefix``, relation inDimension).
- ``cue:obstacle-clause`` — inside obstacle sections: 存在“X”问题, 陷入/面临“X”, 存在X的问题/情况,
  因…无法/难以/担心…, X层出不穷/愈演愈烈/日益突出, 挑战之一是X, 面临着与X的竞争, 存在X性, X鸿沟/缺口
  at a sentence start; partOf the sub-heading's item. ``enum:obstacle-item`` — an enumerated item
  there (first/second…, (1)(2), 首先/其次) that no cue found: its first clause.
- ``enum:obstacle-list`` — A、B与C等(现实)障碍/问题/挑战, 三重障碍：A、B、C, 面临的A问题、B问题和C问题,
  "obstacles such as A, B and C".
- ``enum:strategy-item`` / ``heading:strategy-item`` — numbered items (1)(2)…, 一是/二是, 首先/其次/最后
  in a section whose title names strategies (对策/建议/策略/路径…, recommendations/strategies);
  ``名称：内容`` gives the name, else the first clause without its subject and modal. A sub-heading is a
  strategy only when its body enumerates none and its title is not a group name (…层面, measures).
- ``cue:actor-modal`` — 企业/平台/政府/行业协会…(可|需|应|要|需要|必须…)… in strategy and conclusion
  sections ("enterprises/platforms/the government should …"); the subject gives the actor (a later
  clause of the sentence keeps it); partOf the item or heading strategy it sits in.
- ``cue:must-if`` — 要想…就必须X anywhere. ``cue:government-measures`` — 国家/政府鼓励…，促进…，推进…
  (one strategy per measure verb, actor government). ``cue:proposed-strategy`` —
  提出…“A–B–C”…策略/路径, "proposes a … strategy of “A—B—C”"; ``enum:strategy-list`` — 提出A、B和C等对策.
  ``cue:strategy-example`` — …采取…策略。例如，X，….
- Actor: the subject of the clause; else the section's actor (企业/平台/政府 in its heading or
  first sentence: 企业层面…, 针对…平台…); else keywords (监管/法规/治理 → government, 流量/生态 →
  platform, 能力/人才 → enterprise); else the actor of a stated strategy sharing a jieba token.
  Actors outside the ontology's ActorScheme (``kg.ontology.ACTORS``; e.g. industry for 行业协会)
  are left out of ``properties`` and named in the rule.
- ``heading:mechanism`` — headings without sub-headings whose name (before the colon) ends in
  机制/…路径/mechanism.
- ``cue:theory`` — …理论 (the jieba tokens before 理论, stopped at function words, at most 9
  characters), ``cue:theory-frame`` 基于“X”的逻辑链条/框架, "… theory"/"theory of …" in English papers.
- ``cue:policy`` — 《title》 whose title names a policy document (规划/办法/意见/通知/方案/要点…, not
  报告/年鉴/白皮书). ``table:policy-row``: in a table the row gives the date (2021.4 → 2021-04), the
  issuing bodies after the title and the key content; English tables: DATE “Title” Issuer.
  ``cue:policy-issued``: in running text ``DATE ORG、ORG发布《title》``. Organizations
  (``cue:policy-issuer``) come from a list of ministries (with English names) and a suffix rule
  (…部/委/局/办公厅…), English "Ministry of …/… Commission".
- ``table:case`` — table rows ``案例 N：name`` / ``Case N: name``.
- ``cue:figure`` — in obstacle and strategy sections, a clause with a figure (%, 万, 家, 倍…) is a
  Statistic (value, unit), hasStatistic from the section's barrier or strategy.

Relations: ``partOf`` (sub-item → item), ``mitigates`` (strategy → obstacle: parallel order of
two enumerations in one passage or of the obstacle and strategy sub-headings, ``针对X``, else
jieba token overlap), ``hinders`` (a Barrier whose dimension word (信息维度 → 信息) is in a
mechanism's name, and its sub-barriers), ``grounds`` (theory → mechanism sharing a token),
``issuedBy`` (policy → organization), ``inDimension``, ``hasStatistic``.

Restatements are merged (the first in document order of the body wins; abstracts and
conclusions come last): same normalised label; bigram Jaccard ≥ 0.6; containment in the same
section; a conclusion item sharing a 4-character run (two words in English) with an earlier one;
an abstract or conclusion item whose jieba tokens have Jaccard ≥ 0.5 with a body item.

In a Chinese paper the English abstract only supplies English labels (and so the ids' slugs) for
the items of an abstract enumeration that has the same length in both abstracts.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kg.documents import DocumentText
from kg.ontology import ACTORS
from kg.ingest import cues
from kg.ingest.model import Proposal, ProposedEntity, ProposedRelation

# -------------------------------------------------------------------------------------------
# normalisation and the whitespace-collapsed view
# -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _opencc():
    from opencc import OpenCC  # the OpenCC package (its t2s configuration ships with it)

    return OpenCC("t2s.json")


@lru_cache(maxsize=None)
def _t2s_char(ch: str) -> str:
    out = _opencc().convert(ch)
    return out if len(out) == 1 else ch


def normalise(text: str) -> str:
    """Simplified Chinese, character by character (same length as ``text``).

    >>> normalise("資訊維度：數據質量與安全")
    '资讯维度：数据质量与安全'
    """
    return "".join(_t2s_char(ch) if ord(ch) >= 0x3400 else ch for ch in text)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Content tokens (jieba for Chinese, words for English), lower-case."""
    out = []
    for tok in _jieba().lcut(text):
        tok = tok.strip().lower()
        if len(tok) >= 2 and tok not in cues.OVERLAP_STOP and not tok.isdigit():
            out.append(tok)
    return out


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return o >= 0x2E80 or ch in "“”‘’–—·…"


def _build_view(text: str, breaks: frozenset[int] = frozenset()) -> tuple[str, list[int]]:
    """Whitespace runs dropped next to CJK characters, collapsed to one space elsewhere; a run
    holding one of ``breaks`` (the end of a heading line) becomes a newline."""
    out: list[str] = []
    pos: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            hard = next((b for b in range(i, j) if b in breaks), None)
            if hard is not None and out:
                out.append("\n")
                pos.append(hard)
            elif out and j < n and not _is_cjk(out[-1]) and not _is_cjk(text[j]) and out[-1] != " ":
                out.append(" ")
                pos.append(i)
            i = j
            continue
        out.append(ch)
        pos.append(i)
        i += 1
    return "".join(out), pos


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\s“”\"'‘’()（）、，,:：]", "", s.lower())
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def _jaccard(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _ap(actor: str | None, src: str) -> dict[str, str]:
    """Strategy properties for an actor and where it came from (subject, section, keyword)."""
    return {"actor": actor, "_src": src} if actor else {}


def _balance(s: str) -> str:
    """Drop an unpaired opening or closing quote mark at the edges."""
    if s.startswith("“") and "”" not in s:
        s = s[1:]
    if s.endswith("”") and "“" not in s:
        s = s[:-1]
    if s.count("“") > s.count("”") and s.endswith("“"):
        s = s[:-1]
    return s


def _token_jaccard(a: str, b: str) -> float:
    x, y = set(tokens(a)), set(tokens(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def _common_run(a: str, b: str, k: int = 4) -> bool:
    if a.isascii() and b.isascii():  # English: two words in a row
        wa, wb = re.findall(r"[a-z0-9-]+", a.lower()), " ".join(re.findall(r"[a-z0-9-]+", b.lower()))
        return any(f" {x} {y} " in f" {wb} " for x, y in zip(wa, wa[1:], strict=False))
    a = re.sub(r"\W", "", a)
    b = re.sub(r"\W", "", b)
    return any(a[i : i + k] in b for i in range(len(a) - k + 1))


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


_CLAUSE_END = "，。；：,;:！？!?\n"
_SENT_END = "。；！？!?;\n"


class _Proposer:
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

    # ---------------------------------------------------------------------------------------
    # rules
    # ---------------------------------------------------------------------------------------

    def run(self) -> Proposal:
        self.rule_headings()
        self.rule_obstacle_lists()
        self.rule_strategy_sections()
        self.rule_modal_anywhere()
        self.rule_proposed_strategies()
        self.rule_theories()
        self.rule_policies()
        self.rule_cases()
        self.rule_statistics()
        self.merge()
        self.abstract_en_labels()
        self.infer_actors()
        self.relations()
        return self.finish()

    # -- headings -----------------------------------------------------------------------------

    def rule_headings(self) -> None:
        self.heading_item: dict[str, int] = {}
        for s in self.sections:
            if s.number.startswith("abstract"):
                continue
            ts, te = self.heading_title_span(s)
            title = self.view[ts:te]
            parts = re.split(r"([：:])", title, maxsplit=1)
            head, sep = (parts[0], parts[1]) if len(parts) == 3 else (title, "")
            head = head.strip()
            parent = self._parent(s)
            # mechanisms
            if (
                cues.MECHANISM_HEAD.search(head.strip())
                and len(head) <= 30
                and not self.children(s)
                and not (parent is not None and self.section_kind(parent) in ("obstacle", "strategy"))
            ):
                if self.section_kind(s) not in ("obstacle", "strategy") or cues.MECHANISM_HEAD.search(head):
                    if not re.search(r"框架|分析|模型|framework|analysis|model", head, re.I):
                        idx = self.add(
                            "Mechanism", ts, te, "heading:mechanism", 0.85, label=(ts, ts + len(head))
                        )
                        if idx is not None:
                            self.heading_item[s.number] = idx
                        continue
            if parent is None:
                continue
            kind = self.section_kind(parent)
            own = self.section_kind(s)
            if kind == "obstacle" and own != "strategy":
                lab = (ts + len(head) + 1, te) if sep and te - ts - len(head) > 3 else (ts, te)
                idx = self.add(self.obstacle_type, ts, te, "heading:obstacle-subsection", 0.85, label=lab)
                if idx is not None:
                    self.heading_item[s.number] = idx
                    if (
                        sep
                        and self.obstacle_type == "Barrier"
                        and re.search(r"维度|层面|方面|环境|dimension|level", head, re.I)
                        and len(head) <= 12
                    ):
                        dim = self.add("Dimension", ts, ts + len(head), "heading:dimension-prefix", 0.7)
                        self.cands[idx].props["_dimension"] = head
                        self.rel(idx, "inDimension", dim, ts, te, 0.7, "heading:dimension-prefix")
                self.rule_obstacle_clauses(s, idx)

        # obstacle sections without sub-headings: cue clauses in their body
        for s in self.sections:
            if s.number.startswith("abstract") or self.section_kind(s) != "obstacle":
                continue
            if not self.children(s) and s.number not in self.heading_item:
                self.rule_obstacle_clauses(s, None)

    _OBST_PATTERNS = [
        # 存在“X”问题 / 陷入“X” / 面临“X” / 还存在“X”
        (
            re.compile(r"(?:存在|陷入|面临|遭遇|出现)(?:着)?(“([^”]{2,24})”)(?:问题|现象|情况|矛盾|困境)?"),
            2,
            0.7,
        ),
        # 存在(着)X的问题/情况
        (
            re.compile(
                r"存在(?:着|很多|很严重的|严重的|较大的)?([^\n，。；：“”]{2,30}?)(?:的)?(?:问题|情况|现象|困境|风险)"
            ),
            1,
            0.6,
        ),
        # 因…无法/难以/担心
        (
            re.compile(
                r"因(?:为)?((?:担心|顾虑|难以|缺乏|无法)[^\n，。；(（]{2,30}|[^\n，。；(（]{2,20}?[，,]?无法[^\n，。；(（]{2,20})"
            ),
            1,
            0.55,
        ),
        # X层出不穷 / 愈演愈烈
        (
            re.compile(r"([^\n，。；：]{2,20}?)(?:也)?(?:层出不穷|愈演愈烈|日益严重|日益突出|屡禁不止)"),
            1,
            0.6,
        ),
        # 挑战之一是X / 面临着与X的竞争
        (re.compile(r"挑战之一是([^\n，。；]{2,30})"), 1, 0.6),
        (re.compile(r"面临(?:着)?(与[^\n，。；]{2,20}的[\u4e00-\u9fff]{0,4}竞争)"), 1, 0.6),
        # 存在政策滞后性 / 存在X：
        (re.compile(r"存在([^\n，。；：“”]{2,12}性)"), 1, 0.55),
        # X鸿沟/缺口 at the start of a sentence
        (re.compile(r"(?:^|(?<=[。；\n]))([^\n，。；：]{2,10}(?:鸿沟|缺口|壁垒|短板))"), 1, 0.5),
    ]

    def rule_obstacle_clauses(self, s, parent: int | None) -> None:
        vs, ve = self.body_span(s)
        body = self.view[vs:ve]
        before = len(self.cands)
        self._obstacle_cues(s, parent, vs, ve, body)
        # enumerated items (first/second…, (1)(2), 首先/其次) that no cue found: their first clause
        found = [(c.vs, c.ve) for c in self.cands[before:]]
        for _a, b, end in self._items(vs, ve):
            if any(b <= x < end for x, _ in found):
                continue
            sent = self.sentences(b, end)
            if not sent:
                continue
            cs, ce = sent[0]
            cut = re.search(r"[，,;；:：]|\s(?:because|which|as|since|so that|due to)\s", self.view[cs:ce])
            if cut and cut.start() >= 4:
                ce = cs + cut.start()
            if ce - cs > 80:
                continue
            idx = self.add(self.obstacle_type, cs, ce, "enum:obstacle-item", 0.5, parent=parent)
            if idx is not None and parent is not None:
                self.rel(idx, "partOf", parent, cs, ce, 0.5, "enum:obstacle-item")

    def _obstacle_cues(self, s, parent: int | None, vs: int, ve: int, body: str) -> None:
        for pattern, grp, conf in self._OBST_PATTERNS:
            for m in pattern.finditer(body):
                label = m.group(grp)
                ls, le = vs + m.start(grp), vs + m.end(grp)
                tail = re.search(r"(?:的)?(?:问题|情况|现象)$", label)
                if tail and tail.start() >= 2:
                    le -= len(tail.group(0))
                    label = label[: tail.start()]
                if re.search(r"机遇|机会|优势|不利于|提供|研究|影响$|^(?:有|很多|一些|许多|不少)", label):
                    continue
                qs, qe = vs + m.start(), vs + m.end()
                if self.in_example(qs):
                    continue
                idx = self.add(
                    self.obstacle_type, qs, qe, "cue:obstacle-clause", conf, label=(ls, le), parent=parent
                )
                if idx is not None and parent is not None:
                    self.rel(idx, "partOf", parent, qs, qe, conf, "cue:obstacle-clause")

    def in_example(self, pos: int) -> bool:
        """Whether ``pos`` lies in an example (例如…, ，如…, an open (如…), which illustrates an
        obstacle already named rather than naming one."""
        start = max(self.view.rfind(ch, 0, pos) for ch in "。；！？\n") + 1
        prefix = self.view[start:pos]
        for m in re.finditer(r"例如|比如|譬如|[，,]如|^如|[(（]如|for example|e\.g\.", prefix):
            if m.group(0).startswith(("(", "（")):
                close = re.search(r"[)）]", prefix[m.end():])
                if close:
                    continue  # a closed parenthesis: the example ended before pos
            return True
        return False

    # -- enumerations of obstacles ----------------------------------------------------------

    _ENUM_ZH = re.compile(
        r"(?:存在|面临|包括|出现|有|如|即)(?:着)?([^\n。；：]{4,120}?)等[\u4e00-\u9fff]{0,4}?"
        r"(?:问题|障碍|困境|挑战|难题|风险|瓶颈)"
    )
    _COLON_ZH = re.compile(r"(?:障碍|问题|挑战|困境|难题|焦点|瓶颈)：([^\n。；]{4,160})")
    _ENUM_EN = re.compile(
        r"(?:obstacles|barriers|challenges|problems|difficulties|bottlenecks|risks)"
        r"\s*,?\s*(?:such as|including|like|namely|:)\s+([^.;]{4,240})",
        re.I,
    )

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

    _PROBLEM_SERIES = re.compile(
        r"(?:面临|存在|遇到)(?:着)?的?((?:[^\n、，。；]{2,20}?问题[、和与及]){1,}[^\n、，。；]{2,20}?问题)"
    )

    def rule_obstacle_lists(self) -> None:
        for m in self._PROBLEM_SERIES.finditer(self.view):
            vs, ve = m.span(1)
            key = f"obst@{vs}"
            parts = []
            i = vs
            for x in re.finditer(r"(?<=问题)[、和与及]", self.view[vs:ve]):
                parts.append((i, vs + x.start()))
                i = vs + x.end()
            parts.append((i, ve))
            for k, (a, b) in enumerate(parts):
                self.add(self.obstacle_type, a, b, "enum:obstacle-list", 0.65, group=(key, k, len(parts)))
        for pattern, english in ((self._ENUM_ZH, False), (self._COLON_ZH, False), (self._ENUM_EN, True)):
            if english and self.chinese:
                continue
            for m in pattern.finditer(self.view):
                vs, ve = m.span(1)
                if pattern is self._COLON_ZH and "、" in self.view[vs:ve]:
                    comma = self.view.find("，", vs, ve)
                    if comma > 0:
                        ve = comma
                items = self._split_enum(vs, ve, english)
                if len(items) < 2 and pattern is not self._ENUM_ZH:
                    continue
                sec = self.section_id(self.vpos[vs])
                key = f"obst@{vs}"
                for k, (a, b) in enumerate(items):
                    lab_s = a
                    # drop a leading "信息维度的" (dimension qualifier) from the label
                    mm = re.match(r"[^\n、，的]{2,6}(?:维度|层面)的", self.view[a:b])
                    dim_props = {}
                    if mm:
                        lab_s = a + mm.end()
                        dim_props = {"_dimension": self.view[a : a + mm.end() - 1]}
                    words = self.view[lab_s:b]
                    if english:
                        words = re.sub(r"^(?:the|a|an)\s+", "", words, flags=re.I)
                        if len(words.split()) > 8:
                            continue
                    elif len(words) > 24:
                        continue
                    self.add(
                        self.obstacle_type,
                        a,
                        b,
                        "enum:obstacle-list",
                        0.7,
                        label=(lab_s, b) if not english else words,
                        group=(key, k, len(items)),
                        props=dim_props,
                    )
                _ = sec

    # -- strategy sections ------------------------------------------------------------------

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

    def section_actor(self, s) -> str | None:
        ts, te = self.heading_title_span(s)
        title = self.view[ts:te]
        for word, actor in cues.ACTOR_SUBJECTS:
            if word in title and len(word) >= 2:
                return actor
        bs, be = self.body_span(s)
        sents = self.sentences(bs, be)
        if sents:
            first = self.view[sents[0][0] : sents[0][1]]
            for word, actor in cues.ACTOR_SUBJECTS:
                if first.startswith(word) or re.search(rf"针对[^\n，。]*{word}", first):
                    return actor
        for pattern, actor in cues.ACTOR_TITLE_EN:
            if pattern.search(title):
                return actor
        return self.actor_keywords(title)

    def rule_strategy_sections(self) -> None:
        for s in self.sections:
            if s.number.startswith("abstract") or self.section_kind(s) != "strategy":
                continue
            parent = self._parent(s)
            if self.children(s):
                continue  # the leaves carry the items
            actor = self.section_actor(s)
            bs, be = self.body_span(s)
            items = self._items(bs, be)
            ts, te = self.heading_title_span(s)
            group_title = re.search(
                r"层面|对策|建议|措施|策略|路径|方面|strateg|measure|recommend|implication",
                self.view[ts:te],
                re.I,
            )
            if not items and parent is not None and not group_title:
                ts, te = self.heading_title_span(s)
                idx = self.add("Strategy", ts, te, "heading:strategy-item", 0.7, props=_ap(actor, "section"))
                if idx is not None:
                    self.heading_item[s.number] = idx
                continue
            for a, b, end in items:
                self.strategy_item(b, end, actor, a)

    def strategy_item(self, cs: int, ce: int, actor: str | None, marker: int) -> None:
        text = self.view[cs:ce]
        m = re.match(r"\s*([^\n，。；：:,.]{2,24})[：:]", text)
        subjects_en = "|".join(re.escape(w) for w, _ in cues.ACTOR_SUBJECTS_EN)
        if m and not re.search(r"如下|以下|包括", m.group(1)):
            name_s, name_e = cs + m.start(1), cs + m.end(1)
            subj = self.actor_of(m.group(1), suffix=False)
            props = (
                _ap(subj, "subject")
                or _ap(actor, "section")
                or _ap(self.actor_keywords(text[:80]), "keyword")
            )
            idx = self.add("Strategy", name_s, name_e, "enum:strategy-item", 0.8, props=props)
            rest = cs + m.end()
        else:
            sents = self.sentences(cs, ce)
            if not sents:
                return
            a, b = sents[0]
            # the first clause names it (up to 40 characters)
            cut = b
            for k in range(a, b):
                if self.view[k] in "，,(（" and k - a >= 6:
                    cut = k
                    break
            if cut - a > 60:
                cut = a + 60
            props = (
                _ap(self.actor_of(self.view[a:cut], suffix=False), "subject")
                or _ap(actor, "section")
                or _ap(self.actor_keywords(self.view[a:b]), "keyword")
            )
            subj = re.match(
                rf"\s*(?:{subjects_en})\s+(?:should|must|need to|ought to|can)\s+", self.view[a:cut], re.I
            ) or re.match(
                rf"(?:{self._SUBJ_RE}|合作社|农户)(?:也|还|则)?(?:需要|必须|应当|应该|需|应|要|可以|可)",
                self.view[a:cut],
            )
            lab = (a + subj.end(), cut) if subj else None
            idx = self.add("Strategy", a, cut, "enum:strategy-item", 0.75, label=lab, props=props)
            rest = b
        # an embedded "，名称：" starts another item
        for mm in re.finditer(r"[，,]([^\n，。；：:]{2,10})[：:]", self.view[rest:ce]):
            ns, ne = rest + mm.start(1), rest + mm.end(1)
            if re.search(r"如下|以下|例如|比如|如", mm.group(1)):
                continue
            self.add("Strategy", ns, ne, "enum:strategy-item", 0.7, props=_ap(actor, "section"))
        # actor-modal sentences in the item are sub-strategies
        for unit in self.actor_modal_units(rest, ce, require_subject=True):
            us, ue, ls, le, uactor = unit
            sub = self.add(
                "Strategy",
                us,
                ue,
                "cue:actor-modal",
                0.65,
                label=(ls, le),
                props=_ap(uactor, "subject") or _ap(actor, "section"),
            )
            if sub is not None and idx is not None:
                self.cands[sub].parent = idx
                self.rel(sub, "partOf", idx, us, ue, 0.6, "cue:actor-modal", "recommended")

    _SUBJ_RE = "|".join(re.escape(w) for w, _ in cues.ACTOR_SUBJECTS)
    _MODAL_ZH = re.compile(
        rf"(?P<subj>(?:{_SUBJ_RE})?)(?:也|还|则|更|均|都)?(?P<modal>需要|必须要|必须|应当|应该"
        rf"|(?<=[{''.join(w[-1] for w, _ in cues.ACTOR_SUBJECTS)}])(?:需|应|要(?!想|求|素|点)|可以|可))"
        rf"(?!以|能|见|知|是|求)(?P<pred>[^\n。；]{{2}})"
    )
    _MODAL_EN = re.compile(
        r"(?P<subj>(?:"
        + "|".join(re.escape(w) for w, _ in cues.ACTOR_SUBJECTS_EN)
        + r"))\s+(?:also\s+|further\s+)?(?P<modal>should|must|need to|ought to|are advised to)\s+"
        r"(?P<pred>[^.;]{4})",
        re.I,
    )

    def actor_modal_units(
        self, vs: int, ve: int, *, require_subject: bool
    ) -> list[tuple[int, int, int, int, str | None]]:
        """Recommendation clauses: (quote start, end, label start, end, actor)."""
        out = []
        for a, b in self.sentences(vs, ve):
            sent = self.view[a:b]
            found = []
            pattern = self._MODAL_EN if not self.chinese else self._MODAL_ZH
            for m in pattern.finditer(sent):
                st = m.start()
                before = sent[:st].rstrip(" ")
                # a clause start: the subject (or the modal) opens a clause
                lead = re.search(
                    r"(?:同时|因此|此外|另外|并且|而且|所以|也|还|在[^\n，]{0,20}的同时)*$", before
                )
                clause_start = lead.start() if lead else st
                if clause_start > 0 and sent[clause_start - 1] not in "，,：:；( \n" and clause_start != 0:
                    continue
                subj = m.group("subj")
                if not subj and (require_subject or m.group("modal") in ("需", "应", "要", "可", "可以")):
                    continue
                found.append((clause_start, m, subj))
            last_subj = None
            for k, (cstart, m, subj) in enumerate(found):
                if subj:
                    last_subj = subj
                elif last_subj:
                    subj = last_subj
                uend = found[k + 1][0] if k + 1 < len(found) else len(sent)
                unit = sent[cstart:uend]
                if re.search(r"以下|如下[：:]?$", unit) or unit.rstrip().endswith(("：", ":")):
                    continue
                # cut at an example or a purpose clause
                cut = re.search(
                    r"[，,]\s*(?:如|例如|比如|e\.g\.|for example|such as)|\((?:如|e\.g\.)|（如"
                    r"|[，,](?:以|从而|确保|进而)|,\s*(?:while|whereas|so that|in order to|which)\b",
                    unit,
                )
                if cut and cut.start() > 8:
                    unit = unit[: cut.start()]
                unit = unit.rstrip(" ，,")
                if len(unit) > 90:
                    unit = unit[:90]
                ls = cstart + (m.start("pred") - cstart)
                le = cstart + len(unit)
                if le - ls < 2:
                    continue
                actor = self.actor_of(subj) if subj else None
                out.append((a + cstart, a + cstart + len(unit), a + ls, a + le, actor))
        return out

    def rule_modal_anywhere(self) -> None:
        """Actor-modal clauses in strategy/conclusion sections outside enumerated items; must-if and
        government measures anywhere."""
        done = {(c.vs, c.ve) for c in self.cands}
        for s in self.sections:
            kind = self.section_kind(s)
            if kind not in ("strategy", "conclusion") or self.children(s):
                continue
            bs, be = self.body_span(s)
            items = self._items(bs, be) if kind == "strategy" else []
            covered = [(a, e) for a, _, e in items]
            for us, ue, ls, le, actor in self.actor_modal_units(bs, be, require_subject=False):
                if any(a <= us < e for a, e in covered) or (us, ue) in done:
                    continue
                label = (ls, le)
                pred = self.view[ls:le]
                # "加强X、优化Y": one strategy per verb phrase
                parts = [(ls, le)]
                if "、" in pred and all(len(p) <= 14 for p in pred.split("、")):
                    parts = []
                    i = ls
                    for p in pred.split("、"):
                        parts.append((i, i + len(p)))
                        i += len(p) + 1
                for k, (ps, pe) in enumerate(parts):
                    qs, qe = (us, ue) if len(parts) == 1 else (ps if k else us, pe)
                    label = (ps, pe)
                    props = (
                        _ap(actor, "subject")
                        or _ap(self.section_actor(s), "section")
                        or _ap(self.actor_keywords(self.view[ps:pe]), "keyword")
                    )
                    sub = self.add("Strategy", qs, qe, "cue:actor-modal", 0.6, label=label, props=props)
                    head = self.heading_item.get(s.number)
                    if sub is not None and head is not None and self.cands[head].type == "Strategy":
                        self.cands[sub].parent = head
                        self.rel(sub, "partOf", head, qs, qe, 0.6, "cue:actor-modal", "recommended")
        # 要想…，就必须X
        for m in re.finditer(
            r"(?P<subj>[^\n，。；]{0,12}?)要想[^\n，。；]{2,30}[，,](?:就|则)?必须(?P<pred>[^\n，。；]{2,40})",
            self.view,
        ):
            props = _ap(self.actor_of(m.group("subj").strip()), "subject") or _ap(
                self.actor_keywords(m.group("pred")), "keyword"
            )
            self.add(
                "Strategy",
                m.start("pred") - 2,
                m.end("pred"),
                "cue:must-if",
                0.6,
                label=m.span("pred"),
                props=props,
            )
        # 国家鼓励…，促进…，推进…
        for m in cues.GOV_SUBJECT.finditer(self.view):
            sent_end = len(self.view)
            for k in range(m.end(), len(self.view)):
                if self.view[k] in "。；":
                    sent_end = k
                    break
            i = m.end()
            for cm in re.finditer(r"[^\n，,]+", self.view[m.end() : sent_end]):
                clause = cm.group(0)
                cs, ce = m.end() + cm.start(), m.end() + cm.end()
                c0 = re.sub(r"^(?:并|且|还|同时|以)", "", clause)
                ls = ce - len(c0)
                if ls == m.end() and re.match(r"鼓励|支持|引导", c0):
                    pass
                elif not c0.startswith(cues.POLICY_VERBS):
                    continue
                qs = m.start() if cs == m.end() else cs
                self.add(
                    "Strategy",
                    qs,
                    ce,
                    "cue:government-measures",
                    0.6,
                    label=(ls, ce),
                    props=_ap("government", "subject"),
                )
            _ = i
        # …策略。例如，X，
        for m in re.finditer(r"策略[^\n。]{0,20}。例如[，,]([^\n，。；]{2,12})[，,]", self.view):
            sent_start = max(self.view.rfind(ch, 0, m.start()) for ch in "。；\n") + 1
            clause = self.view[sent_start : m.start()]
            subject = next(
                (
                    actor
                    for word, actor in cues.ACTOR_SUBJECTS
                    if re.search(rf"(?:^|[，,]){word}(?:也|还)?(?:需要|必须|应|要|可以|可)", clause)
                ),
                None,
            )
            self.add(
                "Strategy",
                m.start(1),
                m.end(1),
                "cue:strategy-example",
                0.55,
                label=m.span(1),
                props=_ap(subject, "subject") or _ap(self.actor_keywords(m.group(1)), "keyword"),
            )

    _PROPOSED = re.compile(
        r"提出(?:了)?(?:构建|建立|实施)?(?:了)?[^\n。；]{0,20}?“([^”]{4,60})”[^\n。；]{0,20}?"
        r"(?:策略|对策|路径|建议|措施)"
    )
    _PROPOSED_EN = re.compile(
        r"propos\w*\s+(?:an?\s+|the\s+)?[^.;]{0,40}?(?:strategy|strategies|path|"
        r"countermeasures)\s*(?:of\s*)?“([^”]{4,120})”",
        re.I,
    )

    _ENUM_STRAT = re.compile(r"提出(?:了)?([^\n。；“”]{4,120}?)等(?:对策|策略|建议|路径|措施)")

    def rule_proposed_strategies(self) -> None:
        for m in self._ENUM_STRAT.finditer(self.view):
            items = self._split_enum(*m.span(1), False)
            if len(items) < 2:
                continue
            key = f"strat@{m.start(1)}"
            for k, (a, b) in enumerate(items):
                self.add(
                    "Strategy",
                    a,
                    b,
                    "enum:strategy-list",
                    0.65,
                    props=_ap(self.actor_keywords(self.view[a:b]), "keyword"),
                    group=(key, k, len(items)),
                )
        for pattern, english in ((self._PROPOSED, False), (self._PROPOSED_EN, True)):
            for m in pattern.finditer(self.view):
                vs, ve = m.span(1)
                seg = self.view[vs:ve]
                bounds = [(x.start(), x.end()) for x in re.finditer(r"\s*[–—\-、/]\s*", seg)]
                if not bounds:
                    continue
                i = 0
                parts = []
                for a, b in bounds:
                    parts.append((vs + i, vs + a))
                    i = b
                parts.append((vs + i, ve))
                key = f"strat@{vs}"
                for k, (a, b) in enumerate(parts):
                    if english and self.chinese:
                        continue
                    lab = self.view[a:b]
                    self.add(
                        "Strategy",
                        a,
                        b,
                        "cue:proposed-strategy",
                        0.7,
                        props=_ap(self.actor_keywords(lab), "keyword"),
                        group=(key, k, len(parts)),
                    )

    # -- theories -------------------------------------------------------------------------------

    def rule_theories(self) -> None:
        jb = _jieba()
        for m in re.finditer(r"理论", self.view):
            after = self.view[m.end() : m.end() + 6]
            s0 = max(0, m.start() - 24)
            for k in range(m.start() - 1, s0 - 1, -1):
                if self.view[k] in _CLAUSE_END + "、“”()（）[]":
                    s0 = k + 1
                    break
            left = self.view[s0 : m.start()]
            toks = jb.lcut(left)
            keep: list[str] = []
            if toks and toks[-1] == "的" and len(toks) >= 2:
                keep.append("的")
                toks = toks[:-1]
            for tok in reversed(toks):
                if tok in cues.THEORY_STOP_TOKENS or not re.match(r"^[\u4e00-\u9fffA-Za-z]+$", tok):
                    break
                keep.insert(0, tok)
            while keep and (keep[0] in cues.THEORY_STOP_TOKENS or keep[0][0] in "以将用在对为从把被及与和"):
                keep[0] = keep[0][1:]
                if not keep[0]:
                    keep.pop(0)
            name = "".join(keep).lstrip("的")
            if len(name) < 2 or (len(keep) == 1 and keep[0] == "的"):
                continue
            if (
                not keep
                or keep[0] == "的"
                or len(name) > 9
                or re.search(r"[一二三四五六七八九十两多]大", name)
            ):
                continue
            if cues.THEORY_AFTER_EXCLUDE.match(after) and len(name) < 2:
                continue
            ls = m.start() - len(name)
            if name.endswith("的"):
                pass
            # quote: from the name to the end of its clause (bounded)
            qe = m.end()
            for k in range(m.end(), min(len(self.view), m.end() + 30)):
                if self.view[k] in _CLAUSE_END:
                    break
                qe = k + 1
            qs = ls
            # include the author "X (2020)的" before it
            au = re.search(
                r"([A-Z][\w]*(?:\s(?:de|van|von|[A-Z][\w]*))*\s?\(\d{4}\)的)$",
                self.view[max(0, ls - 40) : ls],
            )
            if au:
                qs = ls - len(au.group(1))
            self.add("Theory", qs, qe, "cue:theory", 0.75, label=(ls, m.end()))
        for m in re.finditer(r"基于“([^”]{3,20})”的(?:逻辑链条|分析框架|框架|模型|范式)", self.view):
            self.add("Theory", m.start(), m.end(), "cue:theory-frame", 0.5, label=m.span(1))
        if not self.chinese:
            for m in cues.EN_THEORY.finditer(self.view):
                if m.group(1):
                    words = []
                    for w in reversed(m.group(1).split()):
                        if w.lower() in cues.EN_THEORY_STOP or not re.match(r"^[A-Za-z][\w'’-]*$", w):
                            break
                        words.insert(0, w)
                    if not words:
                        continue
                    name = " ".join(words) + " theory"
                    ls = m.end() - len(name)
                else:
                    words = m.group(2).split()
                    if any(w.lower() in cues.EN_THEORY_STOP for w in words):
                        continue
                    name = "theory of " + " ".join(words)
                    ls = m.start()
                self.add("Theory", ls, m.end(), "cue:theory", 0.7, label=name)

    # -- policies and organizations ------------------------------------------------------------

    def _orgs_at(self, vs: int, limit: int = 60) -> list[tuple[int, int, str, str | None]]:
        """Organizations listed at ``vs`` (A、B等): (start, end, name, en)."""
        out = []
        i = vs
        seg_end = min(len(self.view), vs + limit)
        while i < seg_end:
            while i < seg_end and self.view[i] == " ":
                i += 1
            best = None
            for name, en in cues.KNOWN_ORGS.items():
                if self.view.startswith(name, i) and (best is None or len(name) > len(best[0])):
                    best = (name, en)
            if best is None:
                # generic: the longest suffix within 14 characters
                window = self.view[i : i + 14]
                end = -1
                for k in range(2, len(window) + 1):
                    if not re.match(r"^[\u4e00-\u9fff]+$", window[:k]):
                        break
                    if window[:k].endswith(cues.ORG_SUFFIX):
                        end = k
                if end < 0:
                    em = cues.EN_ORG.match(self.view, i)
                    if em and not self.chinese:
                        name = em.group(1).strip()
                        out.append((i + em.start(1) - i, i + em.start(1) - i + len(name), name, name))
                        i = em.end()
                        m2 = re.match(r"\s*(?:,|and|&)\s*", self.view[i:])
                        if m2:
                            i += m2.end()
                            continue
                    break
                name, en = window[:end], None
            else:
                name, en = best
            out.append((i, i + len(name), name, en))
            i += len(name)
            if i < len(self.view) and self.view[i] in "、,，和与及":
                i += 1
                continue
            break
        return out

    def org_entity(self, s: int, e: int, name: str, en: str | None) -> int | None:
        for k, c in enumerate(self.cands):
            if c.type == "Organization" and c.norm == normalise(name):
                return k
        idx = self.add("Organization", s, e, "cue:policy-issuer", 0.7, label=(s, e))
        if idx is not None and en:
            self.cands[idx].en = en
        return idx

    def rule_policies(self) -> None:
        for m in re.finditer(r"《([^\n《》]{2,80})》", self.view):
            title = m.group(1)
            if not cues.POLICY_TITLE_WORDS.search(title) or re.search(r"报告|年鉴|白皮书", title):
                continue
            vs, ve = m.span()
            sec = self.section_id(self.vpos[vs])
            props: dict[str, Any] = {"title": self.oview[m.start(1) : m.end(1)]}
            issuers: list[tuple[int, int, str, str | None]] = []
            in_table = sec is not None and sec.startswith("table-")
            rule = "cue:policy"
            if in_table:
                row_start = max(self.view.rfind("》", 0, vs) + 1, 0)
                dates = list(
                    re.finditer(r"((?:19|20)\d{2})\s?[.．/年\-]\s?(\d{1,2})(?!\d)", self.view[row_start:vs])
                )
                dm = dates[-1] if dates else None  # the last date before the title: its row's
                if dm:
                    props["date"] = f"{dm.group(1)}-{int(dm.group(2)):02d}"
                issuers = self._orgs_at(ve)
                rule = "table:policy-row"
                # key content: after the issuers up to the next row's date
                if issuers:
                    ks = issuers[-1][1]
                    if self.view.startswith("等", ks):
                        ks += 1
                    nxt = re.search(r"(?:19|20)\d{2}\s?[.．/]\s?\d{1,2}(?!\d)", self.view[ks : ks + 400])
                    ke = ks + (nxt.start() if nxt else min(200, len(self.view) - ks))
                    content = self.oview[ks:ke].strip()
                    if content:
                        props["keyContent"] = content
            else:
                # DATE ORG、ORG发布《title》
                lead = self.view[max(0, vs - 60) : vs]
                pm = re.search(
                    r"(?:(?P<y>(?:19|20)\d{2})\s?年(?:(?P<m>\d{1,2})月)?)?[，,]?\s?(?P<orgs>[\u4e00-\u9fff、]{2,50}?)"
                    r"(?:联合)?(?:印发|发布|出台|颁布|制定|实施)(?:了)?(?:的)?$",
                    lead,
                )
                if pm:
                    if pm.group("y"):
                        props["date"] = pm.group("y") + (
                            f"-{int(pm.group('m')):02d}" if pm.group("m") else ""
                        )
                    base = vs - len(lead) + pm.start("orgs")
                    issuers = self._orgs_at(base)
                    rule = "cue:policy-issued"
                else:
                    dm = re.search(r"((?:19|20)\d{2})\s?年(?:(\d{1,2})月)?[^\n。；]{0,30}$", lead)
                    if dm:
                        props["date"] = dm.group(1) + (f"-{int(dm.group(2)):02d}" if dm.group(2) else "")
            qs = vs
            qe = issuers[-1][1] if issuers and in_table else ve
            if len(re.sub(r"\s", "", self.view[qs:qe])) > 80:
                qe = ve
            pidx = self.add(
                "Policy", qs, qe, rule, 0.8 if issuers else 0.6, label=(m.start(1), m.end(1)), props=props
            )
            if pidx is None:
                continue
            for s, e, name, en in issuers:
                oidx = self.org_entity(s, e, name, en)
                self.rel(pidx, "issuedBy", oidx, min(qs, s), max(qe, e), 0.75, rule)
        # English policy table rows: DATE “Title” ISSUER
        if not self.chinese:
            for table in self.tables:
                tvs, tve = self.vspan(table.start, table.end)
                for m in re.finditer(
                    r"((?:19|20)\d{2})[.\-/](\d{1,2})\s*“([^”]{4,160})”\s*", self.view[tvs:tve]
                ):
                    vs, ve = tvs + m.start(), tvs + m.end()
                    props = {"title": m.group(3), "date": f"{m.group(1)}-{int(m.group(2)):02d}"}
                    issuers = self._orgs_at(ve)
                    qe = issuers[-1][1] if issuers else tvs + m.end(3) + 1
                    if qe - vs > 80:
                        qe = tvs + m.end(3) + 1
                    pidx = self.add(
                        "Policy",
                        tvs + m.start(3) - 1,
                        qe,
                        "table:policy-row",
                        0.8,
                        label=(tvs + m.start(3), tvs + m.end(3)),
                        props=props,
                    )
                    for s, e, name, en in issuers:
                        rs = tvs + m.start(3) - 1
                        self.rel(
                            pidx,
                            "issuedBy",
                            self.org_entity(s, e, name, en),
                            rs,
                            e if e - rs <= 80 else qe,
                            0.75,
                            "table:policy-row",
                        )

    _NUMBER = re.compile(
        r"(?<![\d.])(\d+(?:\.\d+)?)\s?(%|％|个百分点|万亿元|亿元|万元|万条|万名|万|倍|家| percent"
        r"|-fold)"
    )

    def rule_statistics(self) -> None:
        """Quantitative statements in obstacle and strategy sections (one clause with a figure)."""
        for s in self.sections:
            kind = self.section_kind(s)
            if kind not in ("obstacle", "strategy") or self.children(s):
                continue
            owner = self.heading_item.get(s.number)
            bs, be = self.body_span(s)
            for a, b in self.sentences(bs, be):
                for cs, ce in self._clauses(a, b):
                    clause = self.view[cs:ce]
                    found = list(self._NUMBER.finditer(clause))
                    m = next(
                        (x for x in found if x.group(2) in ("%", "％", " percent")),
                        found[0] if found else None,
                    )
                    if not m or re.search(r"案例\s?$|表\s?$|Table\s?$|Case\s?$", clause[: m.start()]):
                        continue
                    if len(clause) > 80 or len(clause) < 6:
                        continue
                    unit = {"％": "%", " percent": "%"}.get(m.group(2), m.group(2))
                    value = float(m.group(1))
                    for word, factor in (("万亿", 1e12), ("亿", 1e8), ("万", 1e4)):
                        if unit.startswith(word):
                            value, unit = value * factor, unit[len(word) :] or "1"
                            break
                    props = {"value": int(value) if value.is_integer() else value, "unit": unit}
                    idx = self.add("Statistic", cs, ce, "cue:figure", 0.5, props=props)
                    if (
                        idx is not None
                        and owner is not None
                        and self.cands[owner].type in ("Barrier", "Strategy")
                    ):
                        self.rel(owner, "hasStatistic", idx, cs, ce, 0.5, "cue:figure")

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

    def rule_cases(self) -> None:
        for table in self.tables:
            tvs, tve = self.vspan(table.start, table.end)
            for m in re.finditer(
                r"(案例\s?\d{1,2}\s?[：:]\s?([^\s\d，。；]{2,20}?))(?=\s|制造业|服务业|零售业|\d|$)"
                r"|(Case\s\d{1,2}:\s?([A-Za-z][\w -]{2,40}?))(?=\s{2}|\s\d|$)",
                self.view[tvs:tve],
            ):
                g = 1 if m.group(1) else 3
                self.add(
                    "Case",
                    tvs + m.start(g),
                    tvs + m.end(g),
                    "table:case",
                    0.8,
                    label=(tvs + m.start(g), tvs + m.end(g)),
                )

    # ---------------------------------------------------------------------------------------
    # merging, labels, actors
    # ---------------------------------------------------------------------------------------

    @staticmethod
    def family(t: str) -> str:
        return "obstacle" if t in _OBSTACLE else t

    def merge(self) -> None:
        # an obstacle clause whose label lies inside a longer one of the same section: keep the longer
        for k, c in enumerate(self.cands):
            if c.type not in _OBSTACLE or c.rule != "cue:obstacle-clause":
                continue
            for j, d in enumerate(self.cands):
                if (
                    j != k
                    and d.type in _OBSTACLE
                    and d.section == c.section
                    and d.rule == c.rule
                    and d.dropped is None
                    and len(d.norm) > len(c.norm)
                    and c.norm in d.norm
                ):
                    c.dropped = j
                    break
        kept: list[int] = []

        def late(c: _Cand) -> bool:
            return (c.section or "").startswith("abstract") or c.conclusion

        def rank(i: int) -> tuple[int, int, int]:
            c = self.cands[i]
            return (1 if late(c) else 0, c.vs, i)

        for k in sorted(range(len(self.cands)), key=rank):
            c = self.cands[k]
            if c.dropped is not None:
                continue
            target = None
            for j in kept:
                d = self.cands[j]
                if self.family(d.type) != self.family(c.type):
                    continue
                if d.vs == c.vs and d.ve == c.ve and d.norm == c.norm:
                    target = j
                elif d.norm == c.norm:
                    target = j
                elif c.type in ("Policy", "Organization", "Case"):
                    continue
                elif _jaccard(d.norm, c.norm) >= 0.6:
                    target = j
                elif (
                    c.section == d.section
                    and (c.norm in d.norm or d.norm in c.norm)
                    and c.parent is None
                    and d.parent is None
                    and c.group is None
                    and d.group is None
                ):
                    target = j
                elif c.conclusion and not d.conclusion and c.group is None and _common_run(d.norm, c.norm):
                    target = j
                elif (
                    late(c)
                    and not late(d)
                    and self.family(c.type) in ("obstacle", "Strategy")
                    and _token_jaccard(c.norm, d.norm) >= 0.5
                ):
                    target = j  # the abstract or conclusion restates an item of the body
                elif (
                    self.family(c.type) == "obstacle"
                    and d.vs <= c.vs
                    and c.ve <= d.ve
                    and c.parent is None
                    and c.group is None
                ):
                    target = j  # a clause inside an earlier obstacle's quote
                if target is not None:
                    break
            if target is None:
                kept.append(k)
            else:
                c.dropped = target
                d = self.cands[target]
                if c.group and not d.group:
                    d.group = c.group
                if "actor" in c.props and (
                    "actor" not in d.props
                    or (c.props.get("_src") == "subject" and d.props.get("_src") != "subject")
                ):
                    d.props["actor"] = c.props["actor"]
                    d.props["_src"] = c.props.get("_src")

        # re-point relations and parents
        def final(i: int | None) -> int | None:
            while i is not None and self.cands[i].dropped is not None:
                i = self.cands[i].dropped
            return i

        for c in self.cands:
            c.parent = final(c.parent)
        for r in self.rels:
            r.subject = final(r.subject)
            r.object = final(r.object)
        self.rels = [r for r in self.rels if r.subject != r.object]

    def live(self) -> list[int]:
        return [k for k, c in enumerate(self.cands) if c.dropped is None]

    def abstract_en_labels(self) -> None:
        """English labels from the English abstract for abstract enumerations of the same length."""
        if not self.chinese:
            return
        span = self.dt.span_of("abstract-en")
        if span is None:
            return
        vs, ve = self.vspan(*span)
        lists = []
        for m in self._ENUM_EN.finditer(self.view, vs, ve):
            lists.append(("obstacle", [self.view[a:b] for a, b in self._split_enum(*m.span(1), True)]))
        for m in self._PROPOSED_EN.finditer(self.view, vs, ve):
            seg = m.group(1)
            lists.append(("Strategy", [p.strip() for p in re.split(r"\s*[–—\-/]\s*", seg) if p.strip()]))
        groups: dict[str, list[int]] = {}
        zh = self.dt.span_of("abstract-zh")
        if zh is None:
            return
        zs, ze = self.vspan(*zh)
        for k in self.live():
            c = self.cands[k]
            if c.group and zs <= int(c.group[0].split("@")[1]) < ze:
                groups.setdefault(c.group[0], []).append(k)
        for _key, members in groups.items():
            fam = self.family(self.cands[members[0]].type)
            total = self.cands[members[0]].group[2]
            for lfam, names in lists:
                if lfam == fam and len(names) == total == len(members):
                    ordered = sorted(members, key=lambda i: self.cands[i].group[1])
                    for k, name in zip(ordered, names, strict=True):
                        self.cands[k].en = re.sub(r"^(?:the|a|an)\s+", "", name, flags=re.I)
                    break

    def infer_actors(self) -> None:
        """A strategy without a stated actor takes the actor of a stated one sharing a token."""
        stated = [
            k
            for k in self.live()
            if self.cands[k].type == "Strategy" and self.cands[k].props.get("_src") in ("subject", "section")
        ]
        for k in self.live():
            c = self.cands[k]
            if c.type != "Strategy" or c.props.get("actor"):
                continue
            mine = set(tokens(c.norm))
            best, score = None, 0
            for j in stated:
                shared = len(mine & set(tokens(self.cands[j].norm)))
                if shared > score:
                    best, score = self.cands[j].props["actor"], shared
            if best:
                c.props.update(_ap(best, "overlap"))

    # ---------------------------------------------------------------------------------------
    # relations
    # ---------------------------------------------------------------------------------------

    def relations(self) -> None:
        live = self.live()
        obst = [k for k in live if self.cands[k].type in _OBSTACLE]
        strat = [k for k in live if self.cands[k].type == "Strategy"]
        mech = [k for k in live if self.cands[k].type == "Mechanism"]
        theo = [k for k in live if self.cands[k].type == "Theory"]
        toks = {
            k: set(tokens(self.cands[k].norm + " " + self.cands[k].props.get("_dimension", ""))) for k in live
        }
        # parallel order of two enumerations in one passage
        groups: dict[str, list[int]] = {}
        for k in live:
            if self.cands[k].group:
                groups.setdefault(self.cands[k].group[0], []).append(k)
        linked: set[tuple[int, int]] = set()
        for ok, om in groups.items():
            if not ok.startswith("obst@"):
                continue
            for sk, sm in groups.items():
                if not sk.startswith("strat@"):
                    continue
                ov, sv = int(ok[5:]), int(sk[6:])
                if 0 < sv - ov < 200 and len(om) == len(sm):
                    om_s = sorted(om, key=lambda i: self.cands[i].group[1])
                    sm_s = sorted(sm, key=lambda i: self.cands[i].group[1])
                    for o, s in zip(om_s, sm_s, strict=True):
                        self.rel(
                            s,
                            "mitigates",
                            o,
                            self.cands[o].vs,
                            self.cands[s].ve,
                            0.5,
                            "parallel order of enumerations",
                            "recommended",
                        )
                        linked.add((s, o))
        # parallel order of headings: the n-th obstacle sub-heading and the n-th strategy sub-heading
        heads_o = [
            k
            for n, k in sorted(self.heading_item.items(), key=lambda t: self.cands[t[1]].vs)
            if self.cands[k].dropped is None and self.cands[k].type in _OBSTACLE
        ]
        heads_s = [
            k
            for n, k in sorted(self.heading_item.items(), key=lambda t: self.cands[t[1]].vs)
            if self.cands[k].dropped is None and self.cands[k].type == "Strategy"
        ]
        if len(heads_o) == len(heads_s) >= 2:
            for o, s in zip(heads_o, heads_s, strict=True):
                self.rel(
                    s,
                    "mitigates",
                    o,
                    self.cands[s].vs,
                    self.cands[s].ve,
                    0.55,
                    "parallel order of obstacle and strategy headings",
                    "recommended",
                )
                linked.add((s, o))
        # 针对X: a strategy section that opens with 针对X
        for s in strat:
            c = self.cands[s]
            if (s, None) in linked:
                continue
            best, score = None, 0.0
            for o in obst:
                shared = toks[s] & toks[o]
                if not shared:
                    continue
                sc = len(shared) / (len(toks[o]) or 1)
                if sc > score:
                    best, score = o, sc
            if best is not None and score >= 0.34 and (s, best) not in linked:
                self.rel(
                    s,
                    "mitigates",
                    best,
                    c.vs,
                    c.ve,
                    round(0.3 + 0.4 * min(score, 1.0), 2),
                    "lexical overlap (jieba tokens) of strategy and obstacle",
                    "recommended",
                )
        for m in re.finditer(r"针对([^\n，。；]{2,30})[，,]", self.view):
            target = None
            for o in obst:
                if _common_run(self.cands[o].norm, m.group(1), 3):
                    target = o
                    break
            if target is None:
                continue
            for s in strat:
                if m.end() <= self.cands[s].vs < m.end() + 400:
                    self.rel(
                        s, "mitigates", target, m.start(), self.cands[s].ve, 0.55, "针对X", "recommended"
                    )
        # obstacles with a dimension (维度：/…维度的) hinder the mechanism named with the same word;
        # their sub-items (partOf) hinder it too
        for o in obst:
            c = self.cands[o]
            dim = re.sub(
                r"维度|层面|方面|dimension|level", "", c.props.get("_dimension", ""), flags=re.I
            ).strip()
            if not dim or self.cands[o].type != "Barrier":
                continue
            for k in mech:
                core = re.sub(r"机制|mechanism", "", self.cands[k].norm, flags=re.I)
                if len(dim) >= 2 and dim[:2] in core:
                    self.rel(o, "hinders", k, c.vs, c.ve, 0.5, f"dimension {dim} named in the mechanism")
                    for sub in obst:
                        sc = self.cands[sub]
                        if sc.parent == o:
                            self.rel(
                                sub, "hinders", k, sc.vs, sc.ve, 0.4, f"part of a barrier of dimension {dim}"
                            )
        # theories ground mechanisms sharing a token
        for t in theo:
            for k in mech:
                shared = toks[t] & toks[k]
                if shared:
                    c = self.cands[t]
                    self.rel(t, "grounds", k, c.vs, c.ve, 0.4, "shared token " + "/".join(sorted(shared)))

    # ---------------------------------------------------------------------------------------
    # output
    # ---------------------------------------------------------------------------------------

    _KIND = {
        "Barrier": "barrier",
        "Problem": "problem",
        "Strategy": "strategy",
        "Mechanism": "mechanism",
        "Theory": "theory",
        "Policy": "policy",
        "Organization": "org",
        "Case": "case",
        "Statistic": "statistic",
        "Dimension": "dimension",
    }

    def quote_of(self, vs: int, ve: int) -> tuple[str, int, int, str | None]:
        start, end = self.ospan(vs, ve)
        quote = self.text[start:end]
        sec = self.section_id(start)
        loc = self.orig.locate(quote, section=sec)
        if loc is None or loc.start != start:
            glob = self.orig.locate(quote)
            if glob is not None and (loc is None or glob.start == start):
                loc, sec = glob, None
        if loc is not None:
            start, end = loc.start, loc.end
            quote = self.text[start:end]
        return quote, start, end, sec

    def finish(self) -> Proposal:
        entities: list[ProposedEntity] = []
        ids: dict[int, str] = {}
        used: set[str] = set()
        for k in self.live():
            c = self.cands[k]
            kind = self._KIND.get(c.type, _slug(c.type))
            if c.type == "Theory" and not c.en:
                c.en = cues.THEORY_EN.get(c.norm)
            label: dict[str, str] = {}
            if self.chinese or re.search(r"[\u4e00-\u9fff]", c.label):
                label["zh"] = c.label
                if c.en:
                    label["en"] = c.en
            else:
                label["en"] = c.label
            if label.get("en") and _slug(label["en"]):
                slug = f"{self.doc_slug}-{_slug(label['en'])[:60].strip('-')}"
            else:
                slug = f"{self.doc_slug}-{hashlib.sha1(label['zh'].encode()).hexdigest()[:8]}"
            eid = f"{kind}/{slug}"
            n = 2
            while eid in used:
                eid = f"{kind}/{slug}-{n}"
                n += 1
            used.add(eid)
            ids[k] = eid
            quote, start, end, sec = self.quote_of(c.vs, c.ve)
            props = {key: value for key, value in c.props.items() if not key.startswith("_")}
            rule = c.rule
            if props.get("actor") and props["actor"] not in ACTORS:
                # e.g. industry (行业协会): not (yet) an actor of the ontology's ActorScheme
                rule = f"{rule}; actor: {props.pop('actor')} (not an actor of the ontology)"
            entities.append(
                ProposedEntity(
                    eid, c.type, label, quote, start, end, sec, round(c.confidence, 2), rule, props
                )
            )
        relations: list[ProposedRelation] = []
        seen: set[tuple[str, str, str]] = set()
        for r in self.rels:
            if r.subject not in ids or r.object not in ids:
                continue
            key = (ids[r.subject], r.predicate, ids[r.object])
            if key in seen:
                continue
            seen.add(key)
            vs, ve = r.vs, r.ve
            if (
                ve - vs < 2
                or ve - vs > 300
                or self.section_id(self.vpos[vs]) != self.section_id(self.vpos[ve - 1])
            ):
                vs, ve = self.cands[r.subject].vs, self.cands[r.subject].ve
            quote, start, end, sec = self.quote_of(vs, ve)
            relations.append(
                ProposedRelation(
                    key[0],
                    r.predicate,
                    key[2],
                    quote,
                    start,
                    end,
                    sec,
                    round(r.confidence, 2),
                    r.rule,
                    r.modality,
                )
            )
        return Proposal(self.doc_id, tuple(entities), tuple(relations))


def propose(text: str, doc_id: str) -> Proposal:
    """Propose a draft coding of ``text`` (the paper's extracted text) for document ``doc_id``.

    >>> p = propose("1. 障碍分析\\n1.1. 信息维度：数据安全的困境\\n企业存在“数据过载”问题。\\n", "d9")
    >>> [(e.type, e.label["zh"]) for e in p.entities]
    [('Barrier', '数据安全的困境'), ('Dimension', '信息维度'), ('Barrier', '数据过载')]
    """
    return _Proposer(text, doc_id).run()
