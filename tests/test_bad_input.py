"""Bad input: one clear line, a non-zero exit, no traceback, and the previous store untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from kg.build import build
from kg.cli import app

from .conftest import SEED

MODEL = "annotations/000-model.yaml"
DOC_000 = "documents/000_212eaf13b7b5280d.txt"


def snapshot(data_dir: Path) -> dict[str, str]:
    """Every file of a data dir with its hash."""
    return {str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*")) if p.is_file()}


def replace_in(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def mutate(source: Path) -> None:
        path = source / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text {old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return mutate


def write_bytes(relative: str, data: bytes) -> Callable[[Path], None]:
    def mutate(source: Path) -> None:
        (source / relative).write_bytes(data)
    return mutate


def append(relative: str, text: str) -> Callable[[Path], None]:
    def mutate(source: Path) -> None:
        with open(source / relative, "a", encoding="utf-8") as fh:
            fh.write(text)
    return mutate


DOC_TEXT = (SEED / DOC_000).read_text(encoding="utf-8")

CASES = {
    "malformed yaml": (append(MODEL, "\n  - id: [unclosed\n"), ["malformed YAML", "000-model.yaml:"]),
    "unknown id in relation": (
        replace_in(MODEL, "object: mechanism/information-empowerment",
                   "object: mechanism/no-such-thing"),
        ["unknown object id 'mechanism/no-such-thing'"]),
    "unknown class": (replace_in(MODEL, "type: Mechanism", "type: Mechansim"),
                      ["unknown class 'Mechansim'"]),
    "relation between the wrong classes": (
        replace_in("annotations/000-barriers.yaml", "predicate: hinders", "predicate: grounds"),
        ["'grounds' cannot link Barrier to Mechanism", "it links Theory to Mechanism"]),
    "unknown relation": (replace_in(MODEL, "predicate: promotes", "predicate: promote"),
                         ["unknown relation 'promote'"]),
    "duplicate id": (write_bytes("annotations/zz-extra.yaml", (
        'document: "000"\nentities:\n  - id: case/small-furniture-maker\n    type: Case\n'
        '    label: {zh: 重复, en: duplicate}\n    quote: 小型\n').encode()),
        ["duplicate id 'case/small-furniture-maker'", "zz-extra.yaml"]),
    "quote not in document": (
        replace_in("annotations/000-barriers.yaml", "quote: ", "quote: 这段话并不在论文之中", ),
        ["quote not found", "closest passage"]),
    "document in GBK": (write_bytes(DOC_000, DOC_TEXT.encode("gb18030")), ["GBK", "iconv"]),
    "document in UTF-16": (write_bytes(DOC_000, DOC_TEXT.encode("utf-16")), ["UTF-16", "iconv"]),
    "empty document": (write_bytes(DOC_000, b""), ["document is empty"]),
    "binary document": (write_bytes(DOC_000, bytes(range(256)) * 40), ["binary"]),
    "empty annotation file": (write_bytes("annotations/links.yaml", b""), ["file is empty"]),
    "missing metadata": (lambda s: (s / "documents/metadata.yaml").unlink(),
                         ["document metadata not found"]),
}


@pytest.fixture()
def previous_store(tmp_path: Path) -> Path:
    data_dir = tmp_path / "store"
    build(SEED, data_dir, validate=False)
    return data_dir


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_source_fails_cleanly_and_keeps_the_store(name: str, source_copy: Path,
                                                      previous_store: Path,
                                                      runner: CliRunner) -> None:
    mutate, expected = CASES[name]
    mutate(source_copy)
    before = snapshot(previous_store)
    result = runner.invoke(app, ["build", "--source", str(source_copy),
                                 "--data-dir", str(previous_store)])
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in expected:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert snapshot(previous_store) == before


def test_missing_source_dir(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["build", "--source", str(tmp_path / "nope"),
                                 "--data-dir", str(tmp_path / "store")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "source directory not found" in result.stderr
    assert not (tmp_path / "store").exists()


def test_unwritable_data_dir(tmp_path: Path, runner: CliRunner) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = runner.invoke(app, ["build", "--data-dir", str(blocker / "store")])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "cannot write the store" in result.stderr
    assert blocker.read_text() == "not a directory"


def test_query_without_a_store_says_to_build(tmp_path: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["stats", "--data-dir", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "run `kg build`" in result.stderr
