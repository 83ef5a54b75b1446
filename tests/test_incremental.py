"""Incremental builds (kg/units): a rebuild reads again only the units whose inputs changed,
and its store is byte for byte the store of a clean build of the same source."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import BuildResult, build
from kg.errors import KgError
from kg.store import current_build
from kg.units.delta import BASE

from .conftest import ROOT, generate_corpus

UNITS = Path("cache") / "units"
BARRIERS = Path("annotations") / "000-barriers.yaml"
MODEL = Path("annotations") / "000-model.yaml"
#: The seeds' units: two documents and four annotation files.
SEED_UNITS = 6


def files(store: Path) -> dict[str, bytes]:
    """The current build's files (the stamp of a checked index aside)."""
    build_dir = current_build(store)
    return {p.name: p.read_bytes() for p in sorted(build_dir.iterdir())
            if not p.name.endswith(".checked")}


def clean(source: Path, tmp_path: Path, name: str = "clean") -> dict[str, bytes]:
    """The files of a clean build of ``source`` (a data dir of its own)."""
    target = tmp_path / name
    shutil.rmtree(target, ignore_errors=True)
    build(source, target, validate=False)
    return files(target)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuild(source: Path, store: Path) -> BuildResult:
    return build(source, store, validate=False)


def test_an_unchanged_source_reuses_every_unit(source_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    first = rebuild(source_copy, store)
    assert (first.reused, first.made) == (0, SEED_UNITS)
    before = files(store)
    second = rebuild(source_copy, store)
    assert (second.reused, second.made) == (SEED_UNITS, 0)
    assert files(store) == before
    assert before["graph.nt"] == clean(ROOT / "seed_data", tmp_path)["graph.nt"]


def test_one_edited_file_is_read_again_and_the_store_equals_a_clean_build(
        source_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    rebuild(source_copy, store)
    edit(source_copy / BARRIERS, "Data security risk", "Data-security risk")
    result = rebuild(source_copy, store)
    assert (result.reused, result.made) == (SEED_UNITS - 1, 1)
    assert result.merged == "delta"  # graph.nt from the previous build's (kg/units/delta.py)
    assert files(store) == clean(source_copy, tmp_path)
    assert b"Data-security risk" in files(store)["graph.nt"]


def test_a_changed_document_remakes_the_units_that_quote_it(source_copy: Path,
                                                            tmp_path: Path) -> None:
    store = tmp_path / "store"
    rebuild(source_copy, store)
    text = next((source_copy / "documents").glob("003_*.txt"))
    with text.open("a", encoding="utf-8") as handle:
        handle.write("\n附录：本文新增的一句话。\n")
    result = rebuild(source_copy, store)
    # the document itself, 003.yaml and links.yaml (which quotes 003) are made again
    assert (result.reused, result.made) == (3, 3)
    assert files(store) == clean(source_copy, tmp_path)


def test_a_changed_class_remakes_the_units_whose_relations_link_it(source_copy: Path,
                                                                   tmp_path: Path) -> None:
    """A relation's checks read the classes of both ends: a file whose relations link an entity
    defined elsewhere is checked again when that entity's class changes."""
    store = tmp_path / "store"
    rebuild(source_copy, store)
    # 003.yaml's relations link platform/taobao, defined in 000-model.yaml
    edit(source_copy / MODEL, "id: platform/taobao\n    type: Platform",
         "id: platform/taobao\n    type: Organization")
    result = rebuild(source_copy, store)
    assert (result.reused, result.made) == (SEED_UNITS - 2, 2)
    assert files(store) == clean(source_copy, tmp_path)


def test_a_relation_made_invalid_elsewhere_is_refused_as_a_clean_build_refuses_it(
        source_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    rebuild(source_copy, store)
    before = files(store)
    # valid for 000-model.yaml's own relations; a relation of 000-barriers.yaml (cached, its
    # file unchanged) now links a class its predicate does not allow
    edit(source_copy / MODEL, "id: dimension/external-environment\n    type: Dimension",
         "id: dimension/external-environment\n    type: Theory")
    with pytest.raises(KgError) as incremental:
        rebuild(source_copy, store)
    with pytest.raises(KgError) as fresh:
        rebuild(source_copy, tmp_path / "fresh")
    assert incremental.value.line() == fresh.value.line()
    assert "000-barriers.yaml" in incremental.value.line()
    assert files(store) == before  # the failed build changed nothing


def test_a_duplicate_id_across_files_is_found_with_cached_units(source_copy: Path,
                                                                tmp_path: Path) -> None:
    store = tmp_path / "store"
    rebuild(source_copy, store)
    extra = source_copy / "annotations" / "zz-extra.yaml"
    shutil.copy(source_copy / BARRIERS, extra)
    with pytest.raises(KgError) as incremental:
        rebuild(source_copy, store)
    with pytest.raises(KgError) as fresh:
        rebuild(source_copy, tmp_path / "fresh")
    assert "duplicate id" in incremental.value.line()
    assert incremental.value.line() == fresh.value.line()


def test_a_damaged_fragment_is_made_again(source_copy: Path, tmp_path: Path) -> None:
    """A fragment's .json is checked when its unit is looked up; its lines and rows when the
    build reads them: a damaged one met then makes the build start again checking every
    fragment whole, and the damaged units are made again."""
    store = tmp_path / "store"
    rebuild(source_copy, store)
    before = files(store)
    keys = sorted(p.stem for p in (store / UNITS).glob("*.nt"))
    with (store / UNITS / f"{keys[0]}.nt").open("ab") as handle:
        handle.write(b"<urn:x> <urn:y> <urn:z> .\n")  # a triple no unit emits
    (store / UNITS / f"{keys[1]}.json").write_text('{"version": "1", "nodes": [',
                                                    encoding="utf-8")
    rows = store / UNITS / f"{keys[2]}.rows"
    rows.write_bytes(rows.read_bytes().replace(b"\t", b" ", 1))
    result = rebuild(source_copy, store)  # from the previous build: reads no unchanged unit
    assert (result.made, result.merged) == (1, "delta")
    assert files(store) == before
    (store / UNITS / BASE).unlink()  # a full merge reads every fragment
    result = rebuild(source_copy, store)
    assert (result.made, result.merged) == (2, "full")
    assert files(store) == before
    assert b"urn:x" not in files(store)["graph.nt"]


def test_warnings_of_cached_units_name_the_current_source(source_copy: Path,
                                                          tmp_path: Path) -> None:
    """A cached unit's warnings are shown again, with the path of the source being built."""
    edit(source_copy / BARRIERS, "Data security risk", "Data security risk")  # unchanged text
    moved = tmp_path / "moved"
    shutil.copytree(source_copy, moved)
    store = tmp_path / "store"
    first: list[str] = []
    build(source_copy, store, validate=False, notify=first.append)
    second: list[str] = []
    build(moved, store, validate=False, notify=second.append)
    third: list[str] = []
    build(moved, tmp_path / "fresh", validate=False, notify=third.append)
    assert second == third
    assert [w.replace(str(source_copy), str(moved)) for w in first] == third


def test_a_failed_build_writes_no_fragment(source_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    edit(source_copy / BARRIERS, "mechanism/information-empowerment", "mechanism/nope")
    with pytest.raises(KgError):
        rebuild(source_copy, store)
    assert not (store / UNITS).exists()


def test_fragments_of_removed_files_are_pruned(source_copy: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    rebuild(source_copy, store)
    count = len(list((store / UNITS).iterdir()))
    # a .json, a .nt and a .rows per unit, the base and the parsed ontology
    assert count == 3 * SEED_UNITS + 2
    edit(source_copy / BARRIERS, "Data security risk", "Data-security risk")
    rebuild(source_copy, store)
    assert len(list((store / UNITS).iterdir())) == count


def test_the_ontology_is_parsed_once_then_kept_with_the_units(source_copy: Path,
                                                            tmp_path: Path, monkeypatch) -> None:
    """The second build reads the parsed ontology its unit cache kept (rdflib's parse takes a
    tenth of a second); one the cache cannot give back, or of other files, is parsed again."""
    import kg.build
    from kg.ontology import load_ontology
    from kg.units.fragment import ONTOLOGY

    store = tmp_path / "store"
    first = rebuild(source_copy, store)
    parsed: list[Path] = []
    monkeypatch.setattr(kg.build, "load_ontology",
                        lambda directory: parsed.append(directory) or load_ontology(directory))
    edit(source_copy / BARRIERS, "Data security risk", "Data-security risk")
    rebuild(source_copy, store)
    assert parsed == []
    (store / UNITS / ONTOLOGY).write_text('{"key": "damaged"', encoding="utf-8")
    edit(source_copy / BARRIERS, "Data-security risk", "Data security risk")
    again = rebuild(source_copy, store)
    assert len(parsed) == 1
    assert (again.path / "graph.nt").read_bytes() == (first.path / "graph.nt").read_bytes()
    assert json.loads((store / UNITS / ONTOLOGY).read_bytes())["key"] != "damaged"


def test_a_generated_corpus_rebuilds_as_a_clean_build(tmp_path: Path) -> None:
    """Six papers of the benchmark's generator: one paper edited, then one removed."""
    corpus = generate_corpus(6, tmp_path / "corpus")
    store = tmp_path / "store"
    rebuild(corpus, store)
    generated = sorted((corpus / "annotations").glob("g*.yaml"))
    edit(generated[0], "en: ", "en: edited ")
    result = rebuild(corpus, store)
    assert result.made == 1
    assert files(store) == clean(corpus, tmp_path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6-paper corpus of the benchmark's generator (read-only: copy it to change it)."""
    return generate_corpus(6, tmp_path_factory.mktemp("generated") / "corpus")


def test_worker_processes_make_the_same_store(generated: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    stores = {}
    for workers in ("1", "3"):
        monkeypatch.setenv("KG_BUILD_WORKERS", workers)
        result = rebuild(generated, tmp_path / workers)
        assert result.made == 6 + 8  # six documents, eight annotation files
        stores[workers] = files(tmp_path / workers)
    assert stores["1"] == stores["3"]


def test_the_first_error_does_not_depend_on_worker_processes(
        generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors in several files: the one reported is the one a sequential build meets first
    (every file is read before entities are checked, entities before relations)."""
    source = tmp_path / "source"
    shutil.copytree(generated, source)
    annotations = sorted((source / "annotations").glob("g*.yaml"))
    edit(annotations[0], "predicate: ", "predicate: nope-")  # a relation error, first file
    edit(annotations[1], "type: ", "type: Nope", )  # an entity error, a later file
    with annotations[-1].open("a", encoding="utf-8") as handle:
        handle.write("entities: [\n")  # malformed YAML, the last file
    lines = set()
    for workers in ("1", "2", "3"):
        monkeypatch.setenv("KG_BUILD_WORKERS", workers)
        with pytest.raises(KgError) as error:
            rebuild(source, tmp_path / f"store-{workers}")
        lines.add(error.value.line())
    assert len(lines) == 1
    assert "malformed YAML" in lines.pop()


def test_fragments_depend_only_on_the_code_their_key_names(tmp_path: Path) -> None:
    """Making and merging fragments imports only the modules whose code is in the fragment
    key (kg.units.FRAGMENT_MODULES): a change elsewhere cannot change a fragment unseen."""
    script = f"""
import sys
from pathlib import Path
from kg.ontology import load_ontology
from kg.projection import header
from kg.units import FRAGMENT_MODULES
from kg.units.fragment import FragmentCache
from kg.units.merge import write_files
from kg.units.reader import read_units
ontology = load_ontology()
units = read_units(Path({str(ROOT / "seed_data")!r}), ontology, "x",
                   FragmentCache(Path({str(tmp_path / "cache")!r})))
write_files(units.fragments, header(units.documents, ontology), Path({str(tmp_path)!r}))
loaded = {{m for m in sys.modules if m == "kg" or m.startswith("kg.")}}
print(sorted(loaded - set(FRAGMENT_MODULES)))
"""
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_removing_and_restoring_a_file_keeps_the_lines_other_files_share(
        source_copy: Path, tmp_path: Path) -> None:
    """links.yaml quotes passages that other files quote too: without it, those passages stay
    and its own lines go; with it back, the store is the first one again."""
    store = tmp_path / "store"
    rebuild(source_copy, store)
    first = files(store)
    links = source_copy / "annotations" / "links.yaml"
    kept = links.read_bytes()
    links.unlink()
    result = rebuild(source_copy, store)
    assert result.merged == "delta" and result.made == 0
    assert files(store) == clean(source_copy, tmp_path)
    links.write_bytes(kept)
    result = rebuild(source_copy, store)
    assert result.merged == "delta"
    assert files(store) == first


@pytest.mark.parametrize("name", ["graph.nt", "graph.json", "index.sqlite"])
def test_a_damaged_previous_file_is_not_trusted(name: str, source_copy: Path,
                                                tmp_path: Path) -> None:
    """A rebuild starts from the previous build's files only if each still has its recorded
    digest (rewritten in place, a file is no longer trusted by its stamp)."""
    store = tmp_path / "store"
    rebuild(source_copy, store)
    graph = current_build(store) / name
    data = bytearray(graph.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 10] = b"X" * 10  # same size: only the digest can tell
    graph.write_bytes(bytes(data))
    edit(source_copy / BARRIERS, "Data security risk", "Data-security risk")
    result = rebuild(source_copy, store)
    assert result.merged == "full"
    assert files(store) == clean(source_copy, tmp_path)


def test_a_worker_that_dies_is_one_clear_error(generated: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-build (here: it exits on its first job) is one line, no store."""
    import os

    from kg.units import workers

    def die(maker: object, job: object, shared: object) -> object:
        os._exit(9)

    monkeypatch.setenv("KG_BUILD_WORKERS", "2")
    monkeypatch.setattr(workers, "execute", die)
    with pytest.raises(KgError) as error:
        rebuild(generated, tmp_path / "store")
    assert "build worker process stopped unexpectedly" in error.value.line()
    assert not (tmp_path / "store" / "CURRENT").exists()


def test_the_index_written_in_a_second_process_is_the_same(generated: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A large graph's index is written by a forked process while the build writes graph.nt
    and graph.json: the same files as when the build writes it itself."""
    from kg.units import merge

    monkeypatch.setattr(merge, "BACKGROUND_INDEX_NODES", 10**9)
    rebuild(generated, tmp_path / "inline")
    monkeypatch.setattr(merge, "BACKGROUND_INDEX_NODES", 1)
    monkeypatch.setattr(merge, "_cpus", lambda: 2)
    rebuild(generated, tmp_path / "forked")
    assert files(tmp_path / "forked") == files(tmp_path / "inline")


def test_a_failing_index_writer_is_one_error_and_no_store(generated: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from kg.units import merge

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(merge, "BACKGROUND_INDEX_NODES", 1)
    monkeypatch.setattr(merge, "_cpus", lambda: 2)
    monkeypatch.setattr(merge, "write_index", full)
    with pytest.raises(KgError) as error:
        rebuild(generated, tmp_path / "store")
    assert "cannot write the store: No space left on device" in error.value.line()
    assert not (tmp_path / "store" / "CURRENT").exists()
