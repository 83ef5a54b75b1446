"""A synthetic source directory of N papers derived from the two seed papers, for scale tests.

Usage: .venv/bin/python benchmarks/corpus.py --papers N --out DIR [--seed S] [--seeds seed_data]

Papers ``000`` and ``003`` are the seeds, copied byte for byte (documents, annotations,
``links.yaml``; ``metadata.yaml`` keeps the seed entries and appends the generated ones), so
every seed query keeps its answers. Papers 2 … N-1 are ``gNNNN``; even ones derive from 000,
odd ones from 003, and each consecutive pair (g0002/g0003, g0004/g0005, …) is coded as the
seeds are, links included. Variety, deterministic for a given ``--seed``:

* text: the document is cut into fixed blocks (headings, abstract markers, tables) and
  sentences; a sentence holding (part of) an evidence quote or a citation marker is kept
  verbatim and in order, the others are dropped (5–35 % per paper), shuffled within their run,
  mixed with sentences of the other seed paper, and have their numbers and firm names varied;
  so papers differ in length and content while every quote is still found in its section;
* coding: entities of the shared vocabularies (dimensions, innovation types, platforms,
  organizations, theories) are not redefined but referenced by the seed id (shared across
  papers); all others get a per-paper id (``barrier/<slug>-g0002``, the slug sometimes taken
  from an alternative label) and sometimes swap their label for an alternative label; about
  one entity in ten gets an aligned ``closeMatch`` to its seed counterpart quoted from both
  papers; 0–25 % of the relations that no SHACL shape requires are left out;
* metadata: varied titles, authors, year and keywords.

Every generated quote is checked against the generated text with the loader's own lookup
(:class:`kg.documents.DocumentText`) before anything is written.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.documents import _ABSTRACT, _HEADING, DocumentText  # noqa: E402

SEEDS = ROOT / "seed_data"
BASES = ("000", "003")
#: Annotation files of each seed paper (links.yaml is handled apart: it needs a pair).
BASE_FILES = {"000": ("000-barriers.yaml", "000-model.yaml"), "003": ("003.yaml",)}
LINKS = "links.yaml"
#: Classes whose entities are one shared vocabulary: copies refer to the seed's entity.
SHARED_CLASSES = {"Dimension", "InnovationType", "Platform", "Organization", "Theory"}
#: Relations some SHACL shape needs (never left out).
REQUIRED_PREDICATES = {"hinders", "mitigates", "strengthens", "issuedBy", "partOf", "hasStage"}
FIRMS = ["阿里巴巴", "京东", "拼多多", "淘宝", "亚马逊", "小米", "海尔", "美团", "苏宁", "小红书",
         "字节"]
OTHER_FIRMS = ["唯品会", "网易严选", "当当", "蘑菇街", "有赞", "微店", "得物", "国美", "盒马",
               "叮咚买菜", "快手", "携程", "格力", "美的", "华为", "联想", "比亚迪", "安踏",
               "李宁", "三只松鼠", "良品铺子", "波司登", "九阳", "苏泊尔"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
            "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉晨宇浩然思远欣怡子涵雨轩博文"
TITLE_FORMS = [
    ("{zh}", "{en}"),
    ("{zh}：来自制造企业的多案例证据", "{en}: multi-case evidence from manufacturing firms"),
    ("数字经济背景下{zh}", "{en} in the digital economy"),
    ("{zh}：机制与路径", "{en}: mechanisms and paths"),
    ("平台经济视角下{zh}研究", "A platform-economy perspective on {en_lower}"),
    ("{zh}——一个比较研究", "{en}: a comparative study"),
]
KEYWORDS = ["电子商务", "企业创新", "平台赋能", "数字化转型", "开放式创新", "市场竞争", "电商平台",
            "创新模式", "数据治理", "平台经济", "中小企业", "供应链协同"]

_SENTENCE_END = re.compile(r"[。！？][”’」』）)]*\s*")
_MARKER = re.compile(r"\[\d{1,3}\]")
_NUMBER = re.compile(r"(?<![\d.\[A-Za-z])(\d+(?:\.\d+)?)(?![\d\]A-Za-z])")
_SLUG = re.compile(r"[^a-z0-9]+")


class _Dumper(yaml.CSafeDumper if hasattr(yaml, "CSafeDumper") else yaml.SafeDumper):  # type: ignore[misc]
    """Plain YAML: never an anchor or alias (annotation files refuse them)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000,
                     default_flow_style=False)


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506


# ----------------------------------------------------------------------------------------------
# The seeds, read once
# ----------------------------------------------------------------------------------------------

class Base:
    """One seed paper: its text cut into blocks and atoms, and its coding."""

    def __init__(self, seeds: Path, doc_id: str, entry: dict[str, Any]) -> None:
        self.doc_id = doc_id
        self.entry = entry
        self.text = (seeds / "documents" / entry["file"]).read_text(encoding="utf-8")
        self.doc = DocumentText(doc_id, self.text)
        self.files = {name: _load(seeds / "annotations" / name) for name in BASE_FILES[doc_id]}
        self.entities = [e for data in self.files.values() for e in data.get("entities") or []]
        self.relations = [r for data in self.files.values() for r in data.get("relations") or []]
        self.types = {e["id"]: e["type"] for e in self.entities}

    def quotes(self, links: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
        """Every (quote, section) of this paper in its own files and in links.yaml."""
        out: list[tuple[str, str | None]] = []
        items = [*self.entities, *self.relations]
        for item in items:
            out.extend(_evidence(item, self.doc_id))
        for link in links:
            out.extend((quote, section) for quote, section, doc
                       in _evidence(link, "000", with_document=True) if doc == self.doc_id)
        return out

    def cut(self, quotes: list[tuple[str, str | None]]) -> None:
        """Blocks of atoms: ``(fixed, [(text, protected), ...])``."""
        text = self.text
        protected: list[tuple[int, int]] = []
        for quote, section in quotes:
            match = self.doc.locate(quote, section=section)
            if match is None:
                raise SystemExit(f"seed quote not found in {self.doc_id}: {quote!r} ({section})")
            protected.append((match.start, match.end))
        fixed: list[tuple[int, int]] = []
        for m in _HEADING.finditer(text):
            fixed.append((m.start(), _line_end(text, m.end())))
        for m in _ABSTRACT.finditer(text):
            fixed.append((m.start(), _line_end(text, m.end())))
        for table in self.doc.tables:
            fixed.append((table.start, table.end))
        fixed.sort()
        merged: list[list[int]] = []
        for start, end in fixed:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.blocks: list[tuple[bool, list[tuple[str, bool]]]] = []
        pos = 0
        in_sections = False
        for start, end in merged:
            if start > pos:
                self.blocks.append((False, self._atoms(pos, start, protected, in_sections)))
            self.blocks.append((True, [(text[start:end], True)]))
            if _HEADING.match(text, start):
                in_sections = True
            pos = end
        if pos < len(text):
            self.blocks.append((False, self._atoms(pos, len(text), protected, in_sections)))
        # sentences another paper may borrow: plain body sentences of a fair length
        # (borrowing one leaves this paper as it is: any body sentence without a citation)
        self.pool = [t for fixed_block, atoms in self.blocks if not fixed_block
                     for t, _ in atoms if 12 <= len(t.strip()) <= 400
                     and re.search(r"[\u4e00-\u9fff]", t) and not _MARKER.search(t)
                     and t.rstrip()[-1:] in "。！？”’」』）)"]

    def _atoms(self, lo: int, hi: int, protected: list[tuple[int, int]],
               in_sections: bool) -> list[tuple[str, bool]]:
        text = self.text
        cuts = [lo] + [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)
                       if m.end() < hi] + [hi]
        cuts = sorted(set(cuts))
        # no cut inside a quote: quotes that cross sentence ends keep their sentences together
        cuts = [c for c in cuts if c in (lo, hi) or not any(s < c < e for s, e in protected)]
        atoms: list[tuple[str, bool]] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = text[a:b]
            keep = (not in_sections or any(s < b and a < e for s, e in protected)
                    or bool(_MARKER.search(piece)))
            atoms.append((piece, keep))
        return atoms


def _line_end(text: str, pos: int) -> int:
    nl = text.find("\n", pos)
    return len(text) if nl < 0 else nl + 1


def _evidence(item: dict[str, Any], default: str, *, with_document: bool = False) -> list[Any]:
    if "quote" in item:
        items = [{"quote": item["quote"], "section": item.get("section")}]
    else:
        items = item.get("evidence") or []
    out = []
    for ev in items:
        section = ev.get("section")
        section = None if section is None else str(section)
        doc = str(ev.get("document", default))
        out.append((ev["quote"], section, doc) if with_document else (ev["quote"], section))
    return out


# ----------------------------------------------------------------------------------------------
# One generated paper
# ----------------------------------------------------------------------------------------------

def _vary_number(m: re.Match[str], rng: random.Random, text: str) -> str:
    raw = m.group(1)
    if "." not in raw and len(raw) == 4:  # a year, or 1688
        return raw
    value = float(raw)
    new = value * rng.uniform(0.7, 1.3)
    percent = text[m.end():m.end() + 2].lstrip().startswith("%")
    if percent and value <= 100:
        new = min(new, 99.0)
    if "." in raw:
        decimals = len(raw.split(".")[1])
        return f"{new:.{decimals}f}"
    return str(max(1, round(new)))


def vary_text(piece: str, rng: random.Random, firms: dict[str, str]) -> str:
    piece = _NUMBER.sub(lambda m: _vary_number(m, rng, piece), piece)
    for old, new in firms.items():
        piece = piece.replace(old, new)
    return piece


def make_text(base: Base, other: Base, rng: random.Random) -> str:
    drop = rng.uniform(0.05, 0.35)
    mix = rng.uniform(0.0, 0.4)
    firms = {f: rng.choice(OTHER_FIRMS) for f in FIRMS if rng.random() < 0.7}
    out: list[str] = []

    def flush(run: list[str]) -> None:
        """A run of free sentences between kept ones: drop, shuffle, mix in the other paper."""
        kept = [t for t in run if rng.random() >= drop]
        if rng.random() < 0.5:
            rng.shuffle(kept)
        for t in kept:
            out.append(vary_text(t, rng, firms))
            borrow()
        run.clear()

    def borrow() -> None:
        if other.pool and rng.random() < mix:
            out.append(vary_text(rng.choice(other.pool), rng, firms))

    in_sections = False
    for fixed, atoms in base.blocks:
        if fixed:
            in_sections = in_sections or bool(_HEADING.match(atoms[0][0]))
            if out and not out[-1].endswith("\n"):
                out.append("\n")  # a heading or caption only counts at the start of a line
            out.append(atoms[0][0])
            continue
        run: list[str] = []
        for t, keep in atoms:
            if keep:
                flush(run)
                out.append(t)
                if in_sections:
                    borrow()
            else:
                run.append(t)
        flush(run)
    return "".join(out)


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")[:48].strip("-")


def paper_ids(base: Base, doc_id: str, rng: random.Random) -> dict[str, str]:
    """Seed id → this paper's id for every entity the base defines (shared ones unchanged)."""
    suffix = doc_id.lower()
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for entity in base.entities:
        old = entity["id"]
        if entity["type"] in SHARED_CLASSES:
            ids[old] = old
            continue
        kind, slug = old.split("/", 1)
        alts = (entity.get("alt_labels") or {}).get("en") or []
        if alts and rng.random() < 0.4:
            alt = _slug(str(rng.choice(alts)))
            if alt:
                slug = alt
        new = f"{kind}/{slug}-{suffix}"
        if new in taken:
            new = f"{old}-{suffix}"
        taken.add(new)
        ids[old] = new
    return ids


def _rename(ident: str, ids: dict[str, str], base_doc: str, doc_id: str) -> str:
    if ident in ids:
        return ids[ident]
    prefix = f"reference/{base_doc}/"
    if ident.startswith(prefix):
        return f"reference/{doc_id}/{ident[len(prefix):]}"
    return ident  # an entity of another seed file (shared): referenced as it is


def _strip(item: Any) -> Any:
    if isinstance(item, dict):
        return {k: _strip(v) for k, v in item.items()}
    if isinstance(item, list):
        return [_strip(v) for v in item]
    return item


def make_coding(base: Base, doc_id: str, ids: dict[str, str], rng: random.Random,
                relation_keys: set[tuple[str, str, str]]) -> dict[str, Any]:
    entities = []
    for raw in base.entities:
        if raw["type"] in SHARED_CLASSES:
            continue
        entity = _strip(raw)
        entity["id"] = ids[raw["id"]]
        label = dict(entity["label"])
        alts = {k: list(v) if isinstance(v, list) else [v]
                for k, v in (entity.get("alt_labels") or {}).items()}
        for lang in ("zh", "en"):
            if alts.get(lang) and rng.random() < 0.35:
                pick = rng.randrange(len(alts[lang]))
                label[lang], alts[lang][pick] = str(alts[lang][pick]), label[lang]
        entity["label"] = label
        if alts:
            entity["alt_labels"] = alts
        entities.append(entity)
    relations = []
    leave_out = rng.uniform(0.0, 0.25)
    for raw in base.relations:
        if raw["predicate"] not in REQUIRED_PREDICATES and rng.random() < leave_out:
            continue
        relation = _strip(raw)
        relation["subject"] = _rename(raw["subject"], ids, base.doc_id, doc_id)
        relation["object"] = _rename(raw["object"], ids, base.doc_id, doc_id)
        key = (relation["subject"], relation["predicate"], relation["object"])
        if key in relation_keys:  # both ends shared: the seed states it already
            continue
        relation_keys.add(key)
        relations.append(relation)
    # aligned links to the seed's own entity, quoted from both papers
    for raw in base.entities:
        if raw["type"] in SHARED_CLASSES or rng.random() >= 0.1:
            continue
        evidence = [dict(zip(("quote", "section"), q, strict=True))
                    for q in _evidence(raw, base.doc_id)][:1]
        evidence = [{k: v for k, v in e.items() if v is not None} for e in evidence]
        relations.append({
            "subject": ids[raw["id"]], "predicate": "closeMatch", "object": raw["id"],
            "modality": "aligned",
            "evidence": evidence + [{**e, "document": base.doc_id} for e in evidence]})
    return {"document": doc_id, "entities": entities, "relations": relations}


def link_pair(links: list[dict[str, Any]], ids_a: dict[str, str], ids_b: dict[str, str],
              doc_a: str, doc_b: str, relation_keys: set[tuple[str, str, str]]
              ) -> list[dict[str, Any]]:
    """links.yaml for a generated pair (000-derived ``doc_a``, 003-derived ``doc_b``)."""
    out = []
    for raw in links:
        relation = _strip(raw)
        for role in ("subject", "object"):
            ident = raw[role]
            relation[role] = ids_a.get(ident) or ids_b.get(ident) or ident
        key = (relation["subject"], relation["predicate"], relation["object"])
        if key in relation_keys:
            continue
        relation_keys.add(key)
        evidence = []
        for quote, section, doc in _evidence(raw, "000", with_document=True):
            item: dict[str, Any] = {"quote": quote}
            if section is not None:
                item["section"] = section
            if doc == "003":
                item["document"] = doc_b
            evidence.append(item)
        relation.pop("quote", None)
        relation.pop("section", None)
        relation["evidence"] = evidence
        out.append(relation)
    return out


def check_quotes(doc_id: str, text: str, coding: dict[str, Any], extra: dict[str, str]) -> None:
    """Every quote of ``coding`` for ``doc_id`` is found (in its section): else stop loudly."""
    docs = {doc_id: DocumentText(doc_id, text)}
    for item in [*coding["entities"], *coding["relations"]]:
        for quote, section, where in _evidence(item, coding["document"], with_document=True):
            if where not in docs:
                if where not in extra:
                    raise SystemExit(f"generator bug: quote of unknown document {where}")
                docs[where] = DocumentText(where, extra[where])
            if docs[where].locate(quote, section=section) is None:
                raise SystemExit(f"generator bug: quote not found in {where} §{section}: {quote!r}")


def metadata_entry(base: Base, doc_id: str, file: str, rng: random.Random) -> dict[str, Any]:
    zh_form, en_form = rng.choice(TITLE_FORMS)
    title = base.entry["title"]
    en = title["en"]
    authors = ["".join([rng.choice(SURNAMES)] + rng.sample(GIVEN, rng.choice((1, 2))))
               for _ in range(rng.randint(1, 4))]
    return {
        "id": doc_id, "file": file,
        "title": {"zh": zh_form.format(zh=title["zh"]),
                  "en": en_form.format(en=en, en_lower=en[0].lower() + en[1:])},
        "language": ["zh", "en"],
        "source": f"generated by benchmarks/corpus.py from paper {base.doc_id}",
        "authors": authors,
        "year": rng.choice((2023, 2024, 2025)),
        "keywords": rng.sample(KEYWORDS, rng.randint(3, 5)),
    }


# ----------------------------------------------------------------------------------------------
# The corpus
# ----------------------------------------------------------------------------------------------

def generate(papers: int, out: Path, *, seed: int = 0, seeds: Path = SEEDS,
             check: bool = True) -> dict[str, int]:
    """Write a source directory of ``papers`` papers into ``out`` (emptied first)."""
    if papers < 2:
        raise SystemExit("--papers must be at least 2 (the two seed papers)")
    if out.exists():
        shutil.rmtree(out)
    (out / "documents").mkdir(parents=True)
    (out / "annotations").mkdir()
    for sub in ("documents", "annotations"):
        for path in sorted((seeds / sub).iterdir()):
            if path.is_file():
                shutil.copyfile(path, out / sub / path.name)
    metadata = _load(seeds / "documents" / "metadata.yaml")
    entries = {str(e["id"]): e for e in metadata["documents"]}
    links = _load(seeds / "annotations" / LINKS).get("relations") or []
    bases = {b: Base(seeds, b, entries[b]) for b in BASES}
    for b in BASES:
        bases[b].cut(bases[b].quotes(links))
    relation_keys = {(r["subject"], r["predicate"], r["object"])
                     for base in bases.values() for r in base.relations}
    relation_keys |= {(r["subject"], r["predicate"], r["object"]) for r in links}
    new_entries = []
    stats = {"papers": papers, "entities": 0, "relations": 0, "characters": 0}
    pending: dict[str, Any] = {}
    for j in range(2, papers):
        rng = random.Random(f"innovation-kg corpus {seed} {j}")
        base = bases[BASES[j % 2]]
        other = bases[BASES[1 - j % 2]]
        doc_id = f"g{j:04d}"
        text = make_text(base, other, rng)
        ids = paper_ids(base, doc_id, rng)
        coding = make_coding(base, doc_id, ids, rng, relation_keys)
        file = f"{doc_id}_{hashlib.sha256(text.encode()).hexdigest()[:16]}.txt"
        new_entries.append(metadata_entry(base, doc_id, file, rng))
        paper = {"doc_id": doc_id, "text": text, "ids": ids, "coding": coding, "file": file}
        if base.doc_id == "000":
            pending = paper
            if j == papers - 1:
                _write(out, paper, {base.doc_id: base.text}, check)
        else:  # a 003-derived paper closes a pair with the 000-derived one before it
            first = pending
            first["coding"]["relations"].extend(link_pair(
                links, first["ids"], ids, first["doc_id"], doc_id, relation_keys))
            texts = {"000": bases["000"].text, "003": bases["003"].text, doc_id: text}
            _write(out, first, texts, check)
            _write(out, paper, texts, check)
        stats["entities"] += len(coding["entities"])
        stats["relations"] += len(coding["relations"])
        stats["characters"] += len(text)
    if new_entries:
        with (out / "documents" / "metadata.yaml").open("a", encoding="utf-8") as fh:
            fh.write("  # generated by benchmarks/corpus.py\n")
            for line in _dump(new_entries).splitlines():
                fh.write(f"  {line}\n")
    return stats


def _write(out: Path, paper: dict[str, Any], texts: dict[str, str], check: bool) -> None:
    if check:
        check_quotes(paper["doc_id"], paper["text"], paper["coding"], texts)
    (out / "documents" / paper["file"]).write_text(paper["text"], encoding="utf-8")
    (out / "annotations" / f"{paper['doc_id']}.yaml").write_text(
        f"# Generated by benchmarks/corpus.py (synthetic coding derived from a seed paper).\n"
        f"{_dump(paper['coding'])}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, required=True, help="papers in all (>= 2)")
    parser.add_argument("--out", type=Path, required=True, help="source directory to write")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="the seed source directory")
    parser.add_argument("--no-check", action="store_true",
                        help="skip re-locating every quote in the generated texts")
    args = parser.parse_args()
    start = time.perf_counter()
    stats = generate(args.papers, args.out, seed=args.seed, seeds=args.seeds,
                     check=not args.no_check)
    print(f"wrote {stats['papers']} papers into {args.out} ({stats['entities']} generated "
          f"entities, {stats['relations']} generated relations, {stats['characters']} "
          f"generated characters) in {time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
