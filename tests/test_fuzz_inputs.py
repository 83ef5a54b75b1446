"""Property-based hardening: random damage to the seed inputs never crashes `kg build`.

Each example copies ``seed_data/``, damages one annotation file, the metadata or a document (wrong
types, hostile strings, bad encodings, broken structure, YAML tricks), and runs ``kg build``
into a data dir that already holds a good store. Whatever the damage:

- the exit code is 0, 1 or 2; a failure prints exactly one ``error:`` line (warnings may precede
  it), never a traceback and never the "unexpected" catch-all;
- a failed build leaves the previous store byte-identical;
- no case hangs (a generous alarm catches a hang; this is not a timing test).

``KG_FUZZ_EXAMPLES`` sets the number of examples (default 30, enough for CI).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kg.cli import app

from .conftest import SEED

EXAMPLES = int(os.environ.get("KG_FUZZ_EXAMPLES", "30"))
HANG = 120  # seconds; only a hang trips it

HOSTILE_TEXT = st.sampled_from([
    "", " ", "\x1b[31mred\x1b[0m", "\x00", "=cmd|' /C calc'!A0", "<script>alert(1)</script>",
    "x> <http://evil/> \"y", "../../etc/passwd", "/etc/passwd", "a" * 5000, "数据" * 3000,
    "\u202ereversed", "\ud800", "line\nbreak", "null", "~", "*alias", "&anchor", "!!python/object",
    "%s%s%n", "{{7*7}}", "'; DROP TABLE x; --",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                    st.floats(allow_nan=True, allow_infinity=True), HOSTILE_TEXT,
                    st.text(max_size=40), st.lists(st.integers(), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


def tree_digest(data_dir: Path) -> str:
    """A digest of every file under the data dir (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if path.name.endswith(".lock"):
            continue
        h.update(str(path.relative_to(data_dir)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside parsed YAML (dict keys and list indices)."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:50]):
            out += _paths(value, (*prefix, index))
    return out


def _set(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node[path[0]] = _set(node[path[0]], path[1:], value)
    return node


def _delete(node: Any, path: tuple) -> Any:
    if len(path) == 1:
        del node[path[0]]
        return node
    _delete(node[path[0]], path[1:])
    return node


@st.composite
def yaml_damage(draw: st.DrawFn) -> Callable[[str], bytes]:
    """A change to a YAML text: structural (re-dumped) or textual (bytes)."""
    kind = draw(st.sampled_from(["set", "delete", "duplicate-key", "truncate", "encoding",
                                 "alias-bomb", "insert", "tabs"]))
    pick = draw(st.integers(0, 10**6))
    value = draw(SCALARS)

    def apply(text: str) -> bytes:
        if kind in ("set", "delete"):
            data = yaml.safe_load(text)
            paths = [p for p in _paths(data) if p]
            path = paths[pick % len(paths)]
            data = _set(data, path, value) if kind == "set" else _delete(data, path)
            return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()
        if kind == "duplicate-key":
            lines = text.splitlines(keepends=True)
            keyed = [i for i, ln in enumerate(lines)
                     if ln.strip().startswith(("label:", "id:", "quote:", "type:", "subject:",
                                               "object:", "file:", "document:"))]
            if not keyed:
                return text.encode()
            i = keyed[pick % len(keyed)]
            return "".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]).encode()
        if kind == "truncate":
            return text.encode()[: pick % max(len(text.encode()), 1)]
        if kind == "encoding":
            return text.encode(["utf-16", "utf-16-le", "gb18030", "latin-1"][pick % 4],
                               errors="replace")
        if kind == "alias-bomb":
            bomb = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n"
                           for i in range(1, 9))
            return ("x0: &x0 [lol]\n" + bomb + text).encode()
        if kind == "insert":
            at = pick % max(len(text), 1)
            return (text[:at] + str(value) + text[at:]).encode("utf-8", errors="replace")
        return text.replace("  ", "\t", 1 + pick % 5).encode()

    return apply


@st.composite
def document_damage(draw: st.DrawFn) -> Callable[[bytes], bytes]:
    """A change to a document's bytes."""
    kind = draw(st.sampled_from(["truncate", "nul", "crlf", "utf16", "gbk", "empty", "bom"]))
    pick = draw(st.integers(0, 10**6))

    def apply(data: bytes) -> bytes:
        text = data.decode("utf-8")
        if kind == "truncate":
            return data[: pick % len(data)]
        if kind == "nul":
            at = pick % len(data)
            return data[:at] + b"\x00" + data[at:]
        if kind == "crlf":
            return text.replace("\n", "\r\n").encode()
        if kind == "utf16":
            return text.encode("utf-16-le")
        if kind == "gbk":
            return text.encode("gb18030")
        if kind == "empty":
            return b""
        return b"\xef\xbb\xbf" + data

    return apply


TARGETS = ["annotations/000-model.yaml", "annotations/000-barriers.yaml", "annotations/003.yaml",
           "annotations/links.yaml", "documents/metadata.yaml",
           "documents/000_212eaf13b7b5280d.txt", "documents/003_ab607d9907479ba0.txt"]


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"a build took more than {HANG} s")


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("fuzz-store")
    result = CliRunner().invoke(app, ["build", "--no-validate", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.stderr
    return data_dir


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(target=st.sampled_from(TARGETS), yaml_change=yaml_damage(), doc_change=document_damage())
def test_damaged_inputs_fail_cleanly(target: str, yaml_change: Callable[[str], bytes],
                                     doc_change: Callable[[bytes], bytes],
                                     good_store: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "source"
        shutil.copytree(SEED, source)
        path = source / target
        if target.endswith(".txt"):
            path.write_bytes(doc_change(path.read_bytes()))
        else:
            path.write_bytes(yaml_change(path.read_text(encoding="utf-8")))
        data_dir = Path(tmp) / "store"
        shutil.copytree(good_store, data_dir)
        before = tree_digest(data_dir)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG)
        try:
            result = CliRunner().invoke(app, ["build", "--no-validate", "--source", str(source),
                                              "--data-dir", str(data_dir)])
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        event(f"{target.split('/')[0]}: exit {result.exit_code}")
        assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr, result.exception)
        assert "Traceback" not in result.stderr and "error: unexpected" not in result.stderr, \
            result.stderr
        if result.exit_code != 0:
            errors = [ln for ln in result.stderr.splitlines()
                      if not ln.startswith(("warning:", "note:", "  "))]
            assert len(errors) == 1 and errors[0].startswith("error: "), result.stderr
            assert tree_digest(data_dir) == before, "a failed build must leave the store untouched"
