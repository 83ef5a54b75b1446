"""Relations between the merged items: mitigates (parallel enumerations and headings, 针对X,
token overlap), hinders (a barrier's dimension named in a mechanism), grounds (theory →
mechanism). partOf, inDimension, issuedBy and hasStatistic are added by the rules themselves.
"""

from __future__ import annotations

import re

from kg.ingest.propose.paper import _OBSTACLE, _Paper
from kg.ingest.propose.text import _common_run, tokens


class _Relations(_Paper):
    """mitigates, hinders and grounds."""

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
