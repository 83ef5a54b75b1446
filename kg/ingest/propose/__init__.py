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

The package follows the flow of :func:`propose`: :mod:`.text` (normalisation, the
whitespace-collapsed view, token and string similarity), :mod:`.paper` (the paper as the rules see
it: offsets, sections, sentences, enumerations, clauses, and the candidate items and relations),
the rules — :mod:`.obstacles` (headings, barriers/problems), :mod:`.strategies` (strategies and
their actors), :mod:`.named` (theories, policies, organizations, cases, statistics) —, then
:mod:`.merge` (restatements, English labels, inferred actors), :mod:`.relations` (mitigates,
hinders, grounds) and :mod:`.assemble` (ids, quotes, the final :class:`Proposal`).
"""

from __future__ import annotations

from kg.ingest.model import Proposal
from kg.ingest.propose.assemble import _Proposer
from kg.ingest.propose.text import normalise, tokens

__all__ = ["propose", "normalise", "tokens"]


def propose(text: str, doc_id: str) -> Proposal:
    """Propose a draft coding of ``text`` (the paper's extracted text) for document ``doc_id``.

    >>> p = propose("1. 障碍分析\\n1.1. 信息维度：数据安全的困境\\n企业存在“数据过载”问题。\\n", "d9")
    >>> [(e.type, e.label["zh"]) for e in p.entities]
    [('Barrier', '数据安全的困境'), ('Dimension', '信息维度'), ('Barrier', '数据过载')]
    """
    return _Proposer(text, doc_id).run()
