"""The Cypher conformance suite: queries of the kinds a Neo4j user writes, run on the seed graph
by `kg cypher`'s engine and by a real Neo4j (tests/test_cypher_conformance.py).

Each case: an id, the query, its parameters, and whether the row order is fixed by the query
(``ordered``). Rows of an unordered query are compared as a multiset. ``unordered_lists`` names
columns holding collect() results whose order the query leaves open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

B = "barrier/data-security-risk"
M = "mechanism/information-empowerment"


@dataclass(frozen=True)
class Case:
    id: str
    query: str
    params: dict[str, Any] = field(default_factory=dict)
    ordered: bool = False
    unordered_lists: tuple[str, ...] = ()


SUITE: list[Case] = [
    # labels and property filters
    Case("count-by-label", "MATCH (b:Barrier) RETURN count(b) AS n"),
    Case("superclass-label", "MATCH (s:Statistic) RETURN count(*) AS n"),
    Case("two-labels", "MATCH (p:Organization:Platform) RETURN p.id ORDER BY p.id", ordered=True),
    Case("label-or", "MATCH (n:Barrier|Problem) RETURN count(n) AS n"),
    Case("marker-label", "MATCH (n:InnovationKG) RETURN count(n) AS n"),
    Case("unknown-label", "MATCH (n:NoSuchLabel) RETURN count(n) AS n"),
    Case("property-map", "MATCH (b:Barrier {id: 'barrier/data-security-risk'}) "
         "RETURN b.label_en AS label, b.document AS doc"),
    Case("where-equals-and-or", "MATCH (s:Strategy) WHERE s.actor = 'government' OR "
         "(s.actor = 'enterprise' AND s.document = '003') RETURN s.id ORDER BY s.id", ordered=True),
    Case("label-predicate-in-where", "MATCH (n) WHERE n:Platform AND n.label_en IS NOT NULL "
         "RETURN n.id ORDER BY n.id LIMIT 5", ordered=True),
    Case("not-null-and-null", "MATCH (s:Strategy) WHERE s.definition_en IS NULL "
         "RETURN count(s) AS without_definition"),
    Case("numeric-compare", "MATCH (c:Case) WHERE c.yearsOnPlatform >= 5 "
         "RETURN c.id, c.yearsOnPlatform AS years ORDER BY years DESC, c.id", ordered=True),
    # string operators
    Case("contains", "MATCH (b:Barrier) WHERE b.label_en CONTAINS 'data' RETURN b.id ORDER BY b.id",
         ordered=True),
    Case("starts-ends-with", "MATCH (n:InnovationKG) WHERE n.id STARTS WITH 'policy/' AND "
         "NOT n.id ENDS WITH 'plan' RETURN n.id ORDER BY n.id", ordered=True),
    Case("in-list", "MATCH (s:Strategy) WHERE s.actor IN ['government', 'platform'] "
         "RETURN s.actor AS actor, count(*) AS n ORDER BY actor", ordered=True),
    Case("regex", "MATCH (b:Barrier) WHERE b.id =~ 'barrier/(data|policy)-.*' "
         "RETURN b.id ORDER BY b.id", ordered=True),
    Case("case-insensitive-regex", "MATCH (m:Mechanism) WHERE m.label_en =~ '(?i).*EMPOWER.*' "
         "RETURN m.id ORDER BY m.id", ordered=True),
    Case("tolower", "MATCH (m:Mechanism) RETURN toLower(m.label_en) AS low ORDER BY low",
         ordered=True),
    # relationships
    Case("typed-relationship", "MATCH (b:Barrier)-[:HINDERS]->(m:Mechanism) "
         "RETURN m.id AS mechanism, count(*) AS barriers ORDER BY mechanism", ordered=True),
    Case("incoming", "MATCH (b:Barrier {id: $id})<-[:MITIGATES]-(s:Strategy) "
         "RETURN s.id, s.actor ORDER BY s.id", params={"id": B}, ordered=True),
    Case("undirected", "MATCH (b:Barrier {id: $id})-[r]-(x) WHERE NOT x:Passage "
         "RETURN type(r) AS type, x.id AS other ORDER BY type, other", params={"id": B},
         ordered=True),
    Case("undirected-two-hops", "MATCH (b:Barrier {id: $id})--(x)--(y:Mechanism) "
         "RETURN count(*) AS paths, count(DISTINCT y) AS mechanisms", params={"id": B}),
    Case("any-relationship-count", "MATCH (a:Barrier)-->(b) RETURN count(b) AS n"),
    Case("type-alternatives", "MATCH (s)-[r:MITIGATES|STRENGTHENS]->(t) "
         "RETURN type(r) AS t, count(*) AS n ORDER BY t", ordered=True),
    Case("type-function", "MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n "
         "ORDER BY n DESC, type", ordered=True),
    Case("variable-length", "MATCH (a:Barrier)-[:PART_OF*1..3]->(b:Barrier) "
         "RETURN a.id, b.id ORDER BY a.id, b.id", ordered=True),
    Case("variable-length-any", "MATCH (b:Barrier {id: $id})-[*1..2]->(x:Mechanism) "
         "RETURN DISTINCT x.id ORDER BY x.id", params={"id": B}, ordered=True),
    Case("variable-length-relationships", "MATCH (a:Barrier {id: $id})-[rs:PART_OF*]->(top) "
         "RETURN top.id, size(rs) AS hops, [r IN rs | type(r)] AS types ORDER BY hops",
         params={"id": B}, ordered=True),
    Case("shortest-path", "MATCH p = shortestPath((a:Barrier {id: $a})-[*..6]-"
         "(b:Mechanism {id: $b})) RETURN length(p) AS hops", params={"a": B, "b": M}),
    Case("shortest-path-nodes", "MATCH p = shortestPath((s:Strategy {id: "
         "'strategy/data-governance'})-[*..4]-(b:Barrier {id: $b})) "
         "RETURN [n IN nodes(p) | n.id] AS ids, length(p) AS hops", params={"b": B}),
    Case("pattern-predicate", "MATCH (b:Barrier) WHERE NOT (b)<-[:MITIGATES]-() "
         "RETURN b.id ORDER BY b.id", ordered=True),
    # OPTIONAL MATCH
    Case("optional-match", "MATCH (b:Barrier) OPTIONAL MATCH (b)<-[:ADDRESSES]-(p:Policy) "
         "RETURN b.id AS barrier, p.id AS policy ORDER BY barrier, policy", ordered=True),
    Case("optional-match-count", "MATCH (b:Barrier) OPTIONAL MATCH (b)<-[:MITIGATES]-(s) "
         "RETURN b.id AS barrier, count(s) AS strategies ORDER BY strategies DESC, barrier",
         ordered=True),
    # aggregation
    Case("with-aggregation", "MATCH (s:Strategy)-[:MITIGATES]->(b:Barrier) "
         "WITH s.actor AS actor, count(*) AS n WHERE n > 1 RETURN actor, n ORDER BY actor",
         ordered=True),
    Case("count-distinct", "MATCH (n:InnovationKG) WHERE n.document IS NOT NULL "
         "RETURN count(DISTINCT n.document) AS documents, count(*) AS nodes"),
    Case("collect", "MATCH (b:Barrier)-[:HINDERS]->(m:Mechanism) WITH m, collect(b.id) AS "
         "barriers RETURN m.id, size(barriers) AS n, barriers ORDER BY m.id", ordered=True,
         unordered_lists=("barriers",)),
    Case("top-k-then-match", "MATCH (b:Barrier) WITH b ORDER BY b.id DESC LIMIT 3 "
         "MATCH (b)-[:HINDERS]->(m) RETURN b.id, m.id ORDER BY b.id, m.id", ordered=True),
    Case("collect-distinct", "MATCH (s:Strategy) RETURN collect(DISTINCT s.actor) AS actors",
         unordered_lists=("actors",)),
    Case("sum-avg-min-max", "MATCH (c:Case) RETURN sum(c.yearsOnPlatform) AS total, "
         "min(c.platformTransactionRatio) AS low, max(c.platformTransactionRatio) AS high, "
         "avg(c.innovationInvestmentRatio) AS mean"),
    Case("distinct", "MATCH (s:Strategy) RETURN DISTINCT s.actor AS actor ORDER BY actor",
         ordered=True),
    Case("order-skip-limit", "MATCH (n:Barrier) RETURN n.id ORDER BY n.id DESC SKIP 2 LIMIT 3",
         ordered=True),
    Case("limit-parameter", "MATCH (n:Barrier) RETURN n.id ORDER BY n.id LIMIT $k",
         params={"k": 2}, ordered=True),
    # lists and expressions
    Case("unwind", "UNWIND ['barrier/data-security-risk', 'barrier/algorithmic-bias'] AS id "
         "MATCH (b:Barrier {id: id}) RETURN b.id, b.label_en ORDER BY b.id", ordered=True),
    Case("unwind-parameter", "UNWIND $ids AS id MATCH (n {id: id}) RETURN n.id, labels(n) "
         "AS labels ORDER BY n.id", params={"ids": [B, M, "nope"]}, ordered=True),
    Case("case-expression", "MATCH (s:Strategy) RETURN CASE s.actor WHEN 'government' THEN "
         "'state' WHEN 'platform' THEN 'platform' ELSE 'firm' END AS who, count(*) AS n "
         "ORDER BY who", ordered=True),
    Case("searched-case", "MATCH (c:Case) RETURN c.id, CASE WHEN c.feedbackResponseRate >= 0.8 "
         "THEN 'fast' ELSE 'slow' END AS feedback ORDER BY c.id", ordered=True),
    Case("list-indexing", "MATCH (s:Strategy)-[r:MITIGATES]->(b:Barrier {id: $id}) "
         "RETURN s.id, r.evidence_documents[0] AS first_doc, r.evidence_quotes[-1] AS last_quote "
         "ORDER BY s.id", params={"id": B}, ordered=True),
    Case("list-comprehension", "MATCH (m:Mechanism) RETURN m.id, "
         "[x IN m.alt_labels_en WHERE size(x) > 3 | toUpper(x)] AS alts ORDER BY m.id",
         ordered=True),
    Case("labels-function", "MATCH (n) WHERE n.id IN ['platform/amazon', $id] "
         "RETURN n.id, labels(n) AS labels ORDER BY n.id", params={"id": B}, ordered=True),
    Case("size-of-list-and-string", "MATCH (s:Strategy)-[r:STRENGTHENS]->(m) "
         "RETURN s.id, size(r.evidence_passages) AS passages, size(s.label_en) AS chars "
         "ORDER BY s.id, m.id LIMIT 5", ordered=True),
    Case("coalesce", "MATCH (s:Strategy) RETURN s.id, coalesce(s.definition_en, s.label_en) AS text "
         "ORDER BY s.id LIMIT 4", ordered=True),
    # subqueries
    Case("exists-subquery", "MATCH (b:Barrier) WHERE EXISTS { (b)<-[:ADDRESSES]-(:Policy) } "
         "RETURN b.id ORDER BY b.id", ordered=True),
    Case("exists-subquery-match", "MATCH (m:Mechanism) WHERE EXISTS { MATCH (m)<-[:HINDERS]-(b) "
         "WHERE b.document = '000' } RETURN m.id ORDER BY m.id", ordered=True),
    Case("count-subquery", "MATCH (b:Barrier) RETURN b.id, COUNT { (b)<-[:MITIGATES]-() } AS k "
         "ORDER BY k DESC, b.id LIMIT 5", ordered=True),
    # union
    Case("union", "MATCH (b:Barrier) RETURN b.id AS id UNION MATCH (p:Problem) RETURN p.id AS id"),
    Case("union-all", "MATCH (b:Barrier) RETURN b.document AS doc UNION ALL "
         "MATCH (p:Problem) RETURN p.document AS doc"),
    # evidence on relationships
    Case("evidence-properties", "MATCH (b:Barrier {id: $id})-[r:HINDERS]->(m) "
         "RETURN m.id, r.modality, r.evidence_passages, r.evidence_starts, r.evidence_quotes "
         "ORDER BY m.id", params={"id": B}, ordered=True),
    Case("evidence-passage-nodes", "MATCH (b:Barrier {id: $id})-[:HAS_EVIDENCE]->(p:Passage)"
         "-[:IN_DOCUMENT]->(d:Document) RETURN p.id, p.startOffset, d.id ORDER BY p.startOffset",
         params={"id": B}, ordered=True),
    Case("aligned-modality", "MATCH (a)-[r]->(b) WHERE r.modality = 'aligned' "
         "RETURN type(r) AS type, count(*) AS n ORDER BY type", ordered=True),
    Case("cross-paper", "MATCH (a)-[r]->(b) WHERE a.document <> b.document AND "
         "NOT type(r) IN ['HAS_EVIDENCE', 'IN_DOCUMENT'] RETURN count(*) AS links"),
    # what a label does not have
    Case("absent-property", "MATCH (b:Barrier) RETURN b.id, b.actor AS actor, "
         "coalesce(b.actor, 'none') AS shown ORDER BY b.id LIMIT 3", ordered=True),
    Case("absent-property-in-pattern", "MATCH (b:Barrier {actor: 'government'}) "
         "RETURN count(b) AS n"),
    Case("absent-relationship-property", "MATCH (:Barrier {id: $id})-[r:HAS_EVIDENCE]->(p) "
         "RETURN p.id, r.modality AS modality ORDER BY p.id", params={"id": B}, ordered=True),
    Case("unknown-type-optional", "MATCH (b:Barrier {id: $id}) OPTIONAL MATCH "
         "(b)-[:NO_SUCH_TYPE]->(x) RETURN b.id, x", params={"id": B}),
    # whole values
    Case("return-node", "MATCH (m:Mechanism {id: $id}) RETURN m", params={"id": M}),
    Case("return-relationship", "MATCH (:Barrier {id: $id})-[r:HINDERS]->() RETURN r "
         "ORDER BY r.evidence_starts[0]", params={"id": B}, ordered=True),
    Case("return-path", "MATCH p = (:Barrier {id: $id})-[:PART_OF]->(:Barrier) RETURN p",
         params={"id": B}),
    Case("null-comparison", "MATCH (b:Barrier) WHERE b.definition_en <> null RETURN count(b) AS n"),
    Case("arithmetic", "MATCH (c:Case) RETURN c.id, c.yearsOnPlatform * 12 AS months, "
         "c.platformTransactionRatio / 2 AS half, 7 / 2 AS int_div ORDER BY c.id", ordered=True),
]
