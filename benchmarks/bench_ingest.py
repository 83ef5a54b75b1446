"""Benchmark of ``kg.ingest.propose``: leave-one-out on the two seed papers, and timings.

Run: ``.venv/bin/python benchmarks/bench_ingest.py`` (a benchmark, not a test: it prints a table).

For each seed paper (000, 003) ``propose`` sees only the raw text of ``seed_data/documents/``;
its items are compared with the curated coding of that paper (``seed_data/annotations/000-*.yaml``
and ``003.yaml``; the proposer has no access to them).

Type families: obstacle = Barrier or Problem (000 codes Barrier, 003 Problem); Strategy;
Mechanism; Theory; Policy; Statistic (proposed only in obstacle and strategy sections; the curated
ones include the sample description and case outcomes, so its recall is low by design).

Matching rule (one proposed item ↔ one curated item, same family, one-to-one):
  a pair is a candidate when
  (a) quote overlap: a proposed quote span and one of the curated item's quote spans in that
      paper (``quote`` or ``evidence`` quotes, located with ``kg.documents.DocumentText.locate``)
      overlap by at least half of the shorter span; or
  (b) label similarity: a label of the proposed item (zh or en) and a label or alt label of the
      curated one are equal, or have a character-bigram Jaccard similarity ≥ 0.6, after
      removing whitespace and punctuation, lower-casing and converting to simplified Chinese.
  Candidates are assigned greedily by score (overlap pairs first, then by similarity), each
  item at most once, so a duplicate proposal counts as a false positive and one long proposal
  cannot cover several curated items.
recall = matched curated / curated; precision = matched proposed / proposed.
Actor accuracy: among matched strategies whose curated item has an actor, the share whose
proposed actor is the same. Policies: a curated policy is "complete" when it is matched, its
proposed date equals the curated date and the proposed ``issuedBy`` organizations include every
curated issuer (label equality after normalisation).

Timings: one paper of about 25 KB (seed 000) after start-up (first call, which loads the jieba
dictionary, and the mean of warm calls); 100 papers (the test papers of
``tests/fixtures/papers`` and the seeds, repeated) in one process.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.documents import DocumentText  # noqa: E402
from kg.ingest.propose import normalise, propose  # noqa: E402

DOCS = ROOT / "seed_data" / "documents"
ANN = ROOT / "seed_data" / "annotations"
FAMILIES = {
    "Barrier": "obstacle",
    "Problem": "obstacle",
    "Strategy": "Strategy",
    "Mechanism": "Mechanism",
    "Theory": "Theory",
    "Policy": "Policy",
    "Statistic": "Statistic",
}
ORDER = ["obstacle", "Strategy", "Mechanism", "Theory", "Policy", "Statistic"]


def _norm(label: str) -> str:
    return re.sub(r"[\s\W_]+", "", normalise(label).lower())


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def similarity(a: str, b: str) -> float:
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y)


def curated(doc: str) -> tuple[list[dict], dict[str, set[str]], dict[str, str]]:
    """Curated items of one paper: (items, issuers per policy id, labels of organizations)."""
    files = sorted(ANN.glob(f"{doc}-*.yaml")) + sorted(ANN.glob(f"{doc}.yaml"))
    text = next(DOCS.glob(f"{doc}_*.txt")).read_text(encoding="utf-8")
    dt = DocumentText(doc, text)
    items, issuers, orgs = [], {}, {}
    relations = []
    for f in files:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        default = str(data.get("document", doc))
        for e in data.get("entities", []):
            if e["type"] == "Organization":
                orgs[e["id"]] = e["label"].get("zh") or e["label"].get("en")
            fam = FAMILIES.get(e["type"])
            if fam is None:
                continue
            quotes = (
                [{"quote": e["quote"], "section": e.get("section"), "document": default}]
                if "quote" in e
                else [dict(q, document=str(q.get("document", default))) for q in e.get("evidence", [])]
            )
            spans = []
            for q in quotes:
                if q["document"] != doc:
                    continue
                m = dt.locate(q["quote"], section=q.get("section")) or dt.locate(q["quote"])
                if m:
                    spans.append((m.start, m.end))
            labels = [v for v in e["label"].values()]
            for vs in (e.get("alt_labels") or {}).values():
                labels.extend(vs)
            items.append(
                {
                    "id": e["id"],
                    "family": fam,
                    "spans": spans,
                    "labels": labels,
                    "props": e.get("properties") or {},
                }
            )
        for r in data.get("relations", []):
            relations.append((r["subject"], r["predicate"], r["object"]))
            if r["predicate"] == "issuedBy":
                issuers.setdefault(r["subject"], set()).add(r["object"])
    issuers["__relations__"] = relations
    return items, issuers, orgs


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return inter / shorter if inter > 0 and shorter > 0 else 0.0


def match(proposed, cur) -> list[tuple[int, int]]:
    cands = []
    for i, p in enumerate(proposed):
        for j, c in enumerate(cur):
            if FAMILIES[p.type] != c["family"]:
                continue
            ov = max((overlap((p.start, p.end), s) for s in c["spans"]), default=0.0)
            sim = max((similarity(pl, cl) for pl in p.label.values() for cl in c["labels"]), default=0.0)
            if ov >= 0.5:
                cands.append((1.0 + ov + sim / 10, i, j))
            elif sim >= 0.6:
                cands.append((sim, i, j))
    cands.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p, used_c, pairs = set(), set(), []
    for _, i, j in cands:
        if i in used_p or j in used_c:
            continue
        used_p.add(i)
        used_c.add(j)
        pairs.append((i, j))
    return pairs


def evaluate(doc: str) -> dict:
    text = next(DOCS.glob(f"{doc}_*.txt")).read_text(encoding="utf-8")
    proposal = propose(text, doc)
    proposed = [e for e in proposal.entities if e.type in FAMILIES]
    cur, issuers, orgs = curated(doc)
    cur_relations = set(issuers.pop("__relations__"))
    pairs = match(proposed, cur)
    out = {"doc": doc, "rows": {}, "actor": [0, 0], "policies": [], "missed": [], "false": []}
    for fam in ORDER:
        n_c = sum(1 for c in cur if c["family"] == fam)
        n_p = sum(1 for p in proposed if FAMILIES[p.type] == fam)
        n_m = sum(1 for i, j in pairs if cur[j]["family"] == fam)
        out["rows"][fam] = (n_c, n_p, n_m)
    matched_p = {i for i, _ in pairs}
    matched_c = {j for _, j in pairs}
    out["missed"] = [c["id"] for j, c in enumerate(cur) if j not in matched_c]
    out["false"] = [
        (p.type, p.label.get("zh") or p.label.get("en"), p.section)
        for i, p in enumerate(proposed)
        if i not in matched_p
    ]
    by_id = {e.id: e for e in proposal.entities}
    to_cur = {proposed[i].id: cur[j]["id"] for i, j in pairs}
    out["relations"] = {}
    for pred in ("mitigates", "hinders", "grounds", "partOf"):
        mine = [r for r in proposal.relations if r.predicate == pred]
        mapped = {(to_cur.get(r.subject), pred, to_cur.get(r.object)) for r in mine}
        hits = {t for t in mapped if t in cur_relations}
        n_cur = sum(
            1
            for t in cur_relations
            if t[1] == pred
            and FAMILIES.get(next((c["family"] for c in cur if c["id"] == t[0]), ""), None) is None
        )
        n_cur = sum(1 for t in cur_relations if t[1] == pred)
        out["relations"][pred] = (
            n_cur,
            len(mine),
            sum(1 for r in mine if (to_cur.get(r.subject), pred, to_cur.get(r.object)) in cur_relations),
            len(hits),
        )
    issued: dict[str, set[str]] = {}
    for r in proposal.relations:
        if r.predicate == "issuedBy" and r.object in by_id:
            issued.setdefault(r.subject, set()).add(
                _norm(by_id[r.object].label.get("zh") or by_id[r.object].label.get("en", ""))
            )
    for i, j in pairs:
        p, c = proposed[i], cur[j]
        if c["family"] == "Strategy" and c["props"].get("actor"):
            out["actor"][1] += 1
            out["actor"][0] += p.properties.get("actor") == c["props"]["actor"]
    for j, c in enumerate(cur):
        if c["family"] != "Policy":
            continue
        p = next((proposed[i] for i, jj in pairs if jj == j), None)
        want = {_norm(orgs[o]) for o in issuers.get(c["id"], ())}
        got = issued.get(p.id, set()) if p else set()
        out["policies"].append(
            {
                "id": c["id"],
                "found": p is not None,
                "date": (p.properties.get("date") if p else None, c["props"].get("date")),
                "issuers": (sorted(got), sorted(want)),
                "complete": p is not None
                and p.properties.get("date") == c["props"].get("date")
                and want <= got,
            }
        )
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "  – "


def alignments_leave_one_out(doc: str, other: str) -> dict:
    """Ingest ``doc``'s raw text into a corpus that holds only ``other`` (built), and check the
    proposed alignments against the annotators' cross-paper links (links.yaml).

    An alignment (new item → existing item M of ``other``) is correct when the curated item C of
    ``doc`` that the new item matches (same rule as above) is linked to M in links.yaml (any
    predicate, either direction), or to M's whole or part (one partOf step on either side).
    Recall: the links.yaml pairs (C, M) that some alignment recovers.
    """
    import shutil
    import tempfile
    from types import SimpleNamespace

    from kg.build import build
    from kg.ingest.pipeline import ingest

    links = yaml.safe_load((ANN / "links.yaml").read_text(encoding="utf-8"))["relations"]
    linked = {(r["subject"], r["object"]) for r in links} | {(r["object"], r["subject"])
                                                            for r in links}
    part_of = set()
    for f in sorted(ANN.glob("*.yaml")):
        for r in yaml.safe_load(f.read_text(encoding="utf-8")).get("relations") or []:
            if r["predicate"] == "partOf":
                part_of |= {(r["subject"], r["object"]), (r["object"], r["subject"])}
    cur, _, _ = curated(doc)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        (src / "annotations").mkdir(parents=True)
        (src / "documents").mkdir()
        meta = yaml.safe_load((DOCS / "metadata.yaml").read_text(encoding="utf-8"))
        meta["documents"] = [d for d in meta["documents"] if d["id"] == other]
        (src / "documents" / "metadata.yaml").write_text(
            yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
        shutil.copy(next(DOCS.glob(f"{other}_*.txt")), src / "documents")
        for f in [*ANN.glob(f"{other}-*.yaml"), *ANN.glob(f"{other}.yaml")]:
            shutil.copy(f, src / "annotations")
        store = Path(tmp) / "kg"
        build(src, store, validate=False)
        paper = Path(tmp) / f"{doc}-raw.txt"
        paper.write_bytes(next(DOCS.glob(f"{doc}_*.txt")).read_bytes())
        [result] = ingest([paper], source=src, data_dir=store, notices=[])
    by_id = {e["id"]: SimpleNamespace(type=e["type"], start=e["start"], end=e["end"],
                                      label=e["label"]) for e in result.entities}
    new_ids = [i for i in by_id if by_id[i].type in FAMILIES]
    pairs = match([by_id[i] for i in new_ids], cur)
    curated_of = {new_ids[i]: cur[j]["id"] for i, j in pairs}
    correct, rows, recovered = 0, [], set()
    for a in result.alignments:
        c = curated_of.get(a["entity"])
        m = a["match"]
        m_side = {m} | {y for x, y in part_of if x == m}
        c_side = {c} | {y for x, y in part_of if x == c}
        hits = {(x, y) for x in c_side for y in m_side if (x, y) in linked}
        ok = c is not None and bool(hits)
        correct += ok
        recovered |= hits
        rows.append((a["entity"], c, m, round(a["score"], 2), ok))
    ours = {c["id"] for c in cur}
    cross = {(s_, o) for s_, o in linked if s_ in ours}
    close = {(r["subject"], r["object"]) for r in links if r["predicate"] == "closeMatch"}
    close = {(a, b) if a in ours else (b, a) for a, b in close}
    return {"doc": doc, "other": other, "total": len(result.alignments), "correct": correct,
            "links": len(cross), "recovered": len(recovered & cross), "close": len(close),
            "close_recovered": len(recovered & close), "rows": rows}


def main() -> None:
    results = [evaluate("000"), evaluate("003")]
    print("Leave-one-out on the seed papers (proposed from raw text vs curated coding)\n")
    print(
        f"{'paper':6} {'family':10} {'curated':>7} {'proposed':>8} {'matched':>7} {'recall':>6} "
        f"{'precision':>9}"
    )
    totals = {fam: [0, 0, 0] for fam in ORDER}
    for res in results:
        for fam in ORDER:
            n_c, n_p, n_m = res["rows"][fam]
            totals[fam] = [totals[fam][0] + n_c, totals[fam][1] + n_p, totals[fam][2] + n_m]
            print(
                f"{res['doc']:6} {fam:10} {n_c:7} {n_p:8} {n_m:7} {_ratio(n_m, n_c):>6} {_ratio(n_m, n_p):>9}"
            )
    for fam in ORDER:
        n_c, n_p, n_m = totals[fam]
        print(f"{'both':6} {fam:10} {n_c:7} {n_p:8} {n_m:7} {_ratio(n_m, n_c):>6} {_ratio(n_m, n_p):>9}")
    print()
    for res in results:
        a, n = res["actor"]
        print(f"actor accuracy {res['doc']}: {a}/{n} = {_ratio(a, n)}")
    print()
    print("Relations (a proposed relation is correct when both ends matched curated items that the curated")
    print("coding links with the same predicate)")
    print(
        f"{'paper':6} {'predicate':10} {'curated':>7} {'proposed':>8} {'correct':>7} {'recall':>6} "
        f"{'precision':>9}"
    )
    for res in results:
        for pred, (n_cur, n_prop, n_ok, n_hit) in res["relations"].items():
            print(
                f"{res['doc']:6} {pred:10} {n_cur:7} {n_prop:8} {n_ok:7} {_ratio(n_hit, n_cur):>6} "
                f"{_ratio(n_ok, n_prop):>9}"
            )
    print()
    print("Policies (curated) — found / date (proposed vs curated) / issuers (proposed vs curated)")
    for res in results:
        for pol in res["policies"]:
            mark = "OK " if pol["complete"] else ("-- " if not pol["found"] else "~  ")
            print(
                f"  {mark}{res['doc']} {pol['id']:48} date {pol['date'][0]!s:8} vs {pol['date'][1]!s:8} "
                f"issuers {','.join(pol['issuers'][0]) or '-'} vs {','.join(pol['issuers'][1])}"
            )
    print()
    print("Alignments, leave-one-out (the raw text ingested against a graph of the other paper only;")
    print("correct = linked in links.yaml, directly or through one partOf step)")
    # 003 -> 000 only: paper 003's coding uses paper 000's innovation types, so 003 cannot be
    # built alone for the other direction.
    for doc, other in (("003", "000"),):
        res = alignments_leave_one_out(doc, other)
        print(f"  {doc} -> {other}: {res['total']} alignments, {res['correct']} correct "
              f"(precision {_ratio(res['correct'], res['total'])}); closeMatch pairs recovered "
              f"{res['close_recovered']}/{res['close']}; all links.yaml pairs {res['recovered']}/"
              f"{res['links']} (most are mitigates/addresses, which alignment does not propose)")
        if "-v" in sys.argv:
            for row in res["rows"]:
                print("     ", row)
    if "-v" in sys.argv:
        for res in results:
            print(f"\n{res['doc']} missed: {res['missed']}")
            print(f"{res['doc']} unmatched proposals: {res['false']}")

    # timings
    print()
    seed_path = next(DOCS.glob("000_*.txt"))
    seed = seed_path.read_text(encoding="utf-8")
    probe = (
        "import time, sys; t0 = time.perf_counter(); from kg.ingest.propose import propose; "
        "t1 = time.perf_counter(); text = open(sys.argv[1], encoding='utf-8').read(); propose(text, 'x'); "
        "t2 = time.perf_counter(); propose(text, 'y'); t3 = time.perf_counter(); "
        "print(f'{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}')"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(seed_path)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    imp, first, second = (float(x) for x in out)
    print(
        f"one paper ({len(seed.encode()) / 1024:.1f} KB), fresh process: import {imp:.2f} s, first call "
        f"{first:.2f} s (includes loading the jieba dictionary and OpenCC), second call {second:.3f} s"
    )
    papers = sorted((ROOT / "tests" / "fixtures" / "papers").glob("*.txt")) + sorted(DOCS.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in papers]
    batch = [texts[k % len(texts)] for k in range(100)]
    size = sum(len(t.encode()) for t in batch)
    t0 = time.perf_counter()
    for k, t in enumerate(batch):
        propose(t, f"b{k}")
    total = time.perf_counter() - t0
    print(f"100 papers ({len(texts)} distinct, {size / 1024:.0f} KB): {total:.1f} s")


if __name__ == "__main__":
    main()
