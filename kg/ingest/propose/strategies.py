"""Rules for strategies and their actors: items of strategy sections, actor-modal clauses
(企业/平台/政府…应…), must-if, government measures, proposed and enumerated strategies.
"""

from __future__ import annotations

import re

from kg.ingest import cues
from kg.ingest.propose.paper import _Paper
from kg.ingest.propose.text import _ap


class _Strategies(_Paper):
    """Strategy rules; the actor of each from its subject, section or keywords."""

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
