"""Rules for headings and obstacles: mechanism headings, obstacle sub-headings (with their
Dimension), cue clauses and enumerated items in obstacle sections, and enumerations of
barriers/problems anywhere in the text.
"""

from __future__ import annotations

import re

from kg.ingest import cues
from kg.ingest.propose.paper import _Paper


class _Obstacles(_Paper):
    """Barrier/Problem (and Mechanism, Dimension) rules."""

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
