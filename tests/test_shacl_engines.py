"""The two SHACL engines (pySHACL in process, Apache Jena SHACL through tools/jena-shacl) give
the same findings: on the seeds, the broken samples, a damaged seed graph with drafts, a 6-paper
generated corpus, a build with draft items; the engine choice rules; Java errors as one line.

The Jena tests need Java 17 and the launcher built by scripts/ensure-jena-shacl; without them
they skip, and fail with CI=true. (No timings are asserted: benchmarks/ measures speed.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Graph
from typer.testing import CliRunner

from kg import shacl_jena
from kg.build import build
from kg.cli import app
from kg.errors import KgError
from kg.store import ntriples_path
from kg.validation import (JENA_MIN_BYTES, ValidationReport, _drafts, _findings, choose_engine,
                           validate_graph, validate_ntriples)

from .conftest import SEED, generate_corpus

FIXTURES = Path(__file__).parent / "fixtures" / "shacl"
SAMPLES = sorted(FIXTURES.glob("*.ttl"))
IKG = "https://w3id.org/innovation-kg/ontology#"


@pytest.fixture(scope="session")
def jena() -> None:
    """Jena SHACL can run here; else skip (fail with CI=true, where it must run)."""
    if shacl_jena.available():
        return
    reason = ("no java" if shacl_jena.java() is None
              else f"{shacl_jena.JAR} not built (scripts/ensure-jena-shacl)")
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"Jena SHACL engine: {reason}", pytrace=False)
    pytest.skip(f"Jena SHACL engine: {reason}; install Java 17 + Maven")


def both(ntriples: Path | bytes) -> tuple[ValidationReport, ValidationReport]:
    """The pySHACL and the Jena reports of the same N-Triples, checked to be the same."""
    py = validate_ntriples(ntriples, engine="pyshacl")
    jn = validate_ntriples(ntriples, engine="jena")
    assert (py.engine, jn.engine) == ("pyshacl", "jena")
    assert jn.conforms == py.conforms
    assert jn.results == py.results  # every field, messages included, in the same order
    return py, jn


def as_ntriples(path: Path, out: Path) -> Path:
    Graph().parse(path, format="turtle").serialize(out, format="nt", encoding="utf-8")
    return out


def damaged(ntriples: Path, out: Path, *, every: int = 23) -> Path:
    """A violating variant: every ``every``-th triple dropped, some entities marked as drafts,
    accepted proposals or with a bad status and confidence (deterministic)."""
    lines = ntriples.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for i, line in enumerate(lines) if i % every != every // 2]
    labelled = sorted({line.split(" ", 1)[0] for line in lines
                       if "skos/core#prefLabel" in line})
    extra = []
    for i, subject in enumerate(labelled[::7]):
        extra.append([f'{subject} <{IKG}status> "draft" .\n',
                      f'{subject} <{IKG}proposedBy> "rule" .\n',
                      f'{subject} <{IKG}status> "done" .\n'
                      f'{subject} <{IKG}confidence> "1.5"^^'
                      '<http://www.w3.org/2001/XMLSchema#decimal> .\n'][i % 3])
    out.write_text("".join(kept + extra), encoding="utf-8")
    return out


# -- same findings -------------------------------------------------------------------------


def test_same_findings_on_the_seeds(jena: None, seed_store: Path) -> None:
    py, jn = both(ntriples_path(seed_store))
    assert py.conforms and py.results == []


def test_same_findings_from_stored_bytes_and_from_the_file(jena: None, seed_store: Path,
                                                           tmp_path: Path) -> None:
    path = damaged(ntriples_path(seed_store), tmp_path / "bad.nt", every=97)
    from_file = validate_ntriples(path, engine="jena")
    from_bytes = validate_ntriples(path.read_bytes(), engine="jena")
    assert from_file == from_bytes and not from_file.conforms


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_same_findings_on_the_shape_samples(jena: None, sample: Path, tmp_path: Path) -> None:
    py, jn = both(as_ntriples(sample, tmp_path / "sample.nt"))
    assert py.conforms == (sample.stem == "conforming")
    # the report of the in-process entry point (the graph, not its N-Triples) is the same
    assert validate_graph(Graph().parse(sample)).results == jn.results


def test_same_findings_on_a_damaged_seed_graph_with_drafts(jena: None, seed_store: Path,
                                                           tmp_path: Path) -> None:
    py, jn = both(damaged(ntriples_path(seed_store), tmp_path / "bad.nt"))
    assert not py.conforms
    shapes = {f.shape.rsplit("#", 1)[-1] for f in py.results}
    # core, qualified, SPARQL (whole-graph and per node), draft status and proposal shapes
    assert {"AssertionShape", "RelationEvidenceShape", "AssertionTripleShape",
            "DraftStatusShape", "ProposalShape", "PassageShape"} <= shapes, shapes
    assert {f.severity for f in py.results} == {"Violation", "Warning"}
    assert len(py.results) > 100


def test_jena_threads_do_not_change_the_report(jena: None, seed_store: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """One thread, or three that parse stretches of the file (split from 100 kB here instead
    of 4 MB) and validate chunks of focus nodes at once: the same findings, every run."""
    from kg.ontology import ONTOLOGY_DIR, SHAPES_FILE, ontology_files

    path = damaged(ntriples_path(seed_store), tmp_path / "bad.nt")
    expected = validate_ntriples(path, engine="jena")
    monkeypatch.setenv(shacl_jena.JAVA_OPTS_ENV, "-Djenashacl.splitBytes=100000")
    for threads in (1, 3):
        out = shacl_jena.run(ONTOLOGY_DIR / SHAPES_FILE, path, ontology_files(ONTOLOGY_DIR),
                             threads=threads)
        graph = shacl_jena.report_graph(out)
        assert _findings(graph, graph, _drafts(graph), bracketed=True) == expected.results
    assert len(expected.results) > 100
    assert validate_ntriples(path, engine="jena") == expected



def test_same_findings_on_a_generated_corpus(jena: None, tmp_path: Path) -> None:
    source = tmp_path / "src"
    generate_corpus(6, source, seed=3)
    build(source, tmp_path / "store", validate=False, notify=lambda line: None)
    graph = ntriples_path(tmp_path / "store")
    assert graph.stat().st_size >= JENA_MIN_BYTES  # "auto" takes Jena at this size
    clean = validate_ntriples(graph, engine="auto")
    assert clean.engine == "jena" and clean.conforms and clean.results == []
    py, _ = both(damaged(graph, tmp_path / "bad.nt", every=61))
    assert not py.conforms and len(py.results) > 100


def test_same_findings_with_drafts_and_accepted_proposals(jena: None, tmp_path: Path) -> None:
    from kg.review import draft_file, review

    from .test_drafts import BARRIER, DRAFT_YAML, add_draft_paper

    source = tmp_path / "source"
    shutil.copytree(SEED, source)
    add_draft_paper(source)
    build(source, tmp_path / "drafts", validate=False, notify=lambda line: None)
    py, _ = both(ntriples_path(tmp_path / "drafts"))
    assert py.conforms and {f.focus for f in py.results} == {
        "https://w3id.org/innovation-kg/id/" + BARRIER}
    assert {f.severity for f in py.results} == {"Warning"}

    accepted = tmp_path / "accepted"
    shutil.copytree(SEED, accepted)
    hinders = DRAFT_YAML.index(f"  - subject: {BARRIER}\n    predicate: hinders")
    end = DRAFT_YAML.index(f"  - subject: {BARRIER}\n    predicate: closeMatch")
    add_draft_paper(accepted, DRAFT_YAML[:hinders] + DRAFT_YAML[end:])
    review(draft_file(accepted, "900"), accept_all=True)
    build(accepted, tmp_path / "store", validate=False, notify=lambda line: None)
    py, _ = both(ntriples_path(tmp_path / "store"))
    assert py.conforms and {f.severity for f in py.results} == {"Warning"}
    assert "Barrier must hinder at least one ikg:Mechanism (ikg:hinders)." in {
        f.message for f in py.results}


def test_kg_validate_gives_the_same_json_with_either_engine(jena: None, seed_store: Path,
                                                            tmp_path: Path) -> None:
    import json

    from kg.graph import canonical_ntriples
    from kg.store import save

    graph = Graph().parse(FIXTURES / "bad-wrong-range.ttl")
    save(tmp_path, ntriples=canonical_ntriples(graph),
         projection={"nodes": [], "edges": [], "documents": {}, "classes": {}, "relations": {}},
         manifest={"triples": len(graph)})
    runner = CliRunner()
    outputs = []
    for engine in ("pyshacl", "jena"):
        result = runner.invoke(app, ["validate", "--format", "json", "--shacl-engine", engine,
                                     "--data-dir", str(tmp_path)])
        assert result.exit_code == 1, result.output
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] and outputs[0]["conforms"] is False
    assert "rangeIncludes" in outputs[0]["results"][0]["message"]
    text = runner.invoke(app, ["validate", "--shacl-engine", "jena", "--data-dir",
                               str(seed_store)])
    assert text.exit_code == 0 and text.stdout == "conforms: true (0 results)\n"


# -- engine choice ---------------------------------------------------------------------------


def test_engine_choice_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose_engine("pyshacl", 10**12) == "pyshacl"
    assert choose_engine("jena", 0) == "jena"
    assert choose_engine("auto", JENA_MIN_BYTES - 1) == "pyshacl"
    monkeypatch.setattr(shacl_jena, "available", lambda jar=None: True)
    assert choose_engine("auto", JENA_MIN_BYTES) == "jena"
    monkeypatch.setattr(shacl_jena, "available", lambda jar=None: False)
    assert choose_engine("auto", 10**12) == "pyshacl"
    with pytest.raises(KgError, match="unknown SHACL engine 'fast'"):
        choose_engine("fast", 0)


def test_small_graphs_stay_with_pyshacl(seed_store: Path) -> None:
    report = validate_ntriples(ntriples_path(seed_store))  # auto: the seeds are small
    assert report.engine == "pyshacl" and report.conforms


def test_jena_is_not_available_without_its_jar_or_java(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert not shacl_jena.available(tmp_path / "missing.jar")
    monkeypatch.setattr(shacl_jena, "java", lambda: None)
    assert not shacl_jena.available()


# -- errors ------------------------------------------------------------------------------------


def test_jena_errors_are_one_line(seed_store: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    graph = ntriples_path(seed_store)
    monkeypatch.setattr(shacl_jena, "JAR", tmp_path / "missing.jar")
    with pytest.raises(KgError) as info:
        validate_ntriples(graph, engine="jena")
    assert "missing.jar is not built" in info.value.line()
    assert "scripts/ensure-jena-shacl" in info.value.line()
    monkeypatch.setattr(shacl_jena, "java", lambda: None)
    with pytest.raises(KgError, match="no java found"):
        validate_ntriples(graph, engine="jena")


def test_kg_validate_with_a_missing_jena_is_one_line(seed_store: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shacl_jena, "JAR", tmp_path / "missing.jar")
    result = CliRunner().invoke(app, ["validate", "--shacl-engine", "jena", "--data-dir",
                                      str(seed_store)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "is not built" in lines[0] and "Traceback" not in result.output
    bad = CliRunner().invoke(app, ["validate", "--shacl-engine", "fast", "--data-dir",
                                   str(seed_store)])
    assert bad.exit_code == 1 and "unknown SHACL engine" in bad.output


def test_a_jena_failure_is_one_line(jena: None) -> None:
    with pytest.raises(KgError) as info:
        validate_ntriples(b"<a> <b> not n-triples .\n", engine="jena")
    line = info.value.line()
    assert line.startswith("SHACL engine jena failed: ") and "\n" not in line


def test_a_build_validates_with_either_engine_and_names_it(source_copy: Path, tmp_path: Path,
                                                          jena: None) -> None:
    """`kg build --shacl-engine`: the manifest names the engine; a graph that breaks a shape
    stops the build with the same line whichever engine found it."""
    from kg.store import load_manifest

    for engine in ("pyshacl", "jena"):
        result = build(source_copy, tmp_path / engine, shacl_engine=engine,
                       notify=lambda line: None)
        assert result.manifest["shacl_engine"] == engine
        assert result.manifest["shacl_conforms"] is True
    assert load_manifest(tmp_path / "jena")["build"] == load_manifest(tmp_path / "pyshacl")["build"]
    target = source_copy / "annotations" / "000-barriers.yaml"
    text = target.read_text(encoding="utf-8")
    start = text.index("  - subject: barrier/data-security-risk\n    predicate: hinders")
    end = text.index("\n  - ", start + 5)
    target.write_text(text[:start] + text[end + 1:], encoding="utf-8")  # one hinders less
    lines = set()
    for engine in ("pyshacl", "jena"):
        with pytest.raises(KgError) as error:
            build(source_copy, tmp_path / f"broken-{engine}", shacl_engine=engine,
                  notify=lambda line: None)
        lines.add(error.value.line())
    assert len(lines) == 1 and "does not conform to the SHACL shapes" in lines.pop()


def test_kg_build_refuses_an_unknown_engine_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", "--shacl-engine", "nope", "--data-dir",
                                      str(tmp_path / "store")])
    assert result.exit_code == 1
    assert "unknown SHACL engine 'nope'" in result.stderr
    assert not (tmp_path / "store").exists()


def test_a_started_validation_that_is_not_wanted_is_stopped(jena: None, seed_store: Path) -> None:
    """A build that fails, or writes graph.nt again, stops the Jena process it started."""
    from kg.validation import start_validation

    validation = start_validation(ntriples_path(seed_store), engine="jena")
    process = validation.running.process
    validation.stop()
    assert process.poll() is not None  # ended, not left running
    assert validation.running is None
    validation.stop()  # twice is harmless

