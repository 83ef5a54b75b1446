"""Rules for named things: theories, policies (in text and tables) and their issuing
organizations, cases of a table, and statistics in obstacle and strategy sections.
"""

from __future__ import annotations

import re
from typing import Any

from kg.ingest import cues
from kg.ingest.propose.paper import _Paper
from kg.ingest.propose.text import _CLAUSE_END, _jieba, normalise


class _Named(_Paper):
    """Theory, Policy, Organization, Case and Statistic rules."""

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
