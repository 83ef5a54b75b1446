"""After the rules: merge restatements of one item, give abstract enumerations their English
labels, and infer the actor of a strategy that states none.
"""

from __future__ import annotations

import re

from kg.ingest.propose.paper import _OBSTACLE, _Cand, _Paper
from kg.ingest.propose.text import _ap, _common_run, _jaccard, _token_jaccard, tokens


class _Merge(_Paper):
    """Merging, English labels and inferred actors (uses the enumeration patterns of
    :mod:`.obstacles` and :mod:`.strategies` through the combined proposer).
    """

    # ---------------------------------------------------------------------------------------
    # merging, labels, actors
    # ---------------------------------------------------------------------------------------

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
