"""The proposer: the rule mixins combined, run in order, and the output — entity ids (kind/slug),
quotes located in the original text, and the final :class:`~kg.ingest.model.Proposal`.
"""

from __future__ import annotations

import hashlib
import re

from kg.ontology import ACTORS
from kg.ingest import cues
from kg.ingest.model import Proposal, ProposedEntity, ProposedRelation
from kg.ingest.propose.merge import _Merge
from kg.ingest.propose.named import _Named
from kg.ingest.propose.obstacles import _Obstacles
from kg.ingest.propose.relations import _Relations
from kg.ingest.propose.strategies import _Strategies
from kg.ingest.propose.text import _slug


class _Proposer(_Relations, _Merge, _Named, _Strategies, _Obstacles):
    """All the rules on one paper: :meth:`run` applies them in order and returns the Proposal."""

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
