"""benchmarks/corpus.py: a small generated corpus builds with validation, is deterministic, its
papers differ, and the seed papers are in it unchanged. (No timings are asserted.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.build import build
from kg.loaders.corpus import load_corpus

from .conftest import ROOT, corpus_generator

SEEDS = ROOT / "seed_data"



@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus") / "src"
    corpus_generator().generate(4, out, seed=7)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_builds_with_validation(corpus_dir: Path, tmp_path: Path) -> None:
    result = build(corpus_dir, tmp_path / "store", validate=True, notify=lambda line: None)
    assert result.manifest["shacl_conforms"] is True
    seeds = build(SEEDS, tmp_path / "seeds", validate=False, notify=lambda line: None)
    assert result.manifest["triples"] > 1.5 * seeds.manifest["triples"]


def test_deterministic(corpus_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    corpus_generator().generate(4, again, seed=7)
    assert _files(again) == _files(corpus_dir)
    other = tmp_path / "other"
    corpus_generator().generate(4, other, seed=8)
    assert _files(other) != _files(corpus_dir)


def test_seed_papers_unchanged(corpus_dir: Path) -> None:
    for sub in ("documents", "annotations"):
        for path in (SEEDS / sub).iterdir():
            if path.name == "metadata.yaml":
                generated = (corpus_dir / sub / path.name).read_bytes()
                assert generated.startswith(path.read_bytes())  # seed entries kept, then ours
            else:
                assert (corpus_dir / sub / path.name).read_bytes() == path.read_bytes()


def test_papers_differ(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)
    texts = {d.id: d.text for d in corpus.documents}
    assert sorted(texts) == ["000", "003", "g0002", "g0003"]
    assert len(set(texts.values())) == 4
    assert texts["g0002"] != texts["000"] and texts["g0003"] != texts["003"]
    by_doc: dict[str, set[str]] = {}
    for entity in corpus.entities:
        if entity.origin != "parser":
            by_doc.setdefault(entity.document, set()).add(entity.id)
    # per-paper ids, and a generated paper's coding is not the seed's renamed one for one
    assert not by_doc["g0002"] & by_doc["000"]
    assert len(by_doc["g0002"]) < len(by_doc["000"])  # shared vocabularies are referenced
    labels = {e.id: e.label for e in corpus.entities}
    assert any(labels[i]["en"] != labels[i.rsplit("-g0002", 1)[0]]["en"]
               for i in by_doc["g0002"] if i.rsplit("-g0002", 1)[0] in labels)
    cross = [r for r in corpus.relations if r.predicate == "closeMatch"
             and {r.subject.endswith("-g0002"), r.object.endswith("-g0003")} == {True}]
    assert cross  # the pair is linked as links.yaml links the seeds
