"""The annotation YAML reader's direct construction (kg/loaders/yaml_source.py) gives exactly
what PyYAML's own safe construction with line numbers gives, and the same refusals."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kg.errors import KgError
from kg.loaders import yaml_source
from kg.loaders.yaml_source import read_yaml

from .conftest import ROOT


class _Generic(yaml_source._LineLoader):  # type: ignore[misc,valid-type]
    """The reader as it was before the direct construction: PyYAML constructs everything."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        yaml_source._refuse_shared_nodes(node)
        return self.construct_document(node)


def both(text: str) -> tuple[Any, Any]:
    return (yaml.load(text, Loader=yaml_source._LineLoader),  # noqa: S506 - the reader
            yaml.load(text, Loader=_Generic))  # noqa: S506


def shape(value: Any) -> Any:
    """The value with the type of every leaf (1 == 1.0 == True in Python)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__, value


@pytest.mark.parametrize("path", sorted((ROOT / "seed_data" / "annotations").glob("*.yaml"))
                         + [ROOT / "seed_data" / "documents" / "metadata.yaml"],
                         ids=lambda p: p.name)
def test_seed_files_read_as_before(path: Path) -> None:
    direct, generic = both(path.read_text(encoding="utf-8"))
    assert shape(direct) == shape(generic)


def test_every_scalar_kind_reads_as_before() -> None:
    text = """
a: 1
b: 1.5
c: true
d: null
e: 2024-05-01
f: "quoted"
g: [1, two, 3.0, ~, 2024-01-01 10:00:00]
h: {x: {y: [{z: 中文}]}}
0x1F: hex key
? [not, a, key]
"""
    with pytest.raises(yaml.constructor.ConstructorError):  # unhashable key: PyYAML says so
        both(text)
    direct, generic = both(text.replace("? [not, a, key]\n", "j: !!binary aGVsbG8=\n"))
    assert shape(direct) == shape(generic)
    assert direct["e"] == datetime.date(2024, 5, 1) and direct["j"] == b"hello"
    assert direct["__line__"] == 2 and direct["h"]["x"]["__line__"] == 9


def test_merge_keys_are_read_by_pyyaml() -> None:
    direct, generic = both("base:\n  a: 1\n  <<: {b: 2}\n")
    assert direct == generic == {"base": {"a": 1, "b": 2, "__line__": 2}, "__line__": 1}


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\na: 2\n", "duplicate key 'a' (first on line 1, again on line 2)"),
    ("x:\n  __line__: 3\n", "the key '__line__' is reserved"),
    ("a: &x [1]\nb: *x\n", "YAML aliases (*name) are not allowed"),
    ("a: 2024-13-45\n", "cannot read the value '2024-13-45'"),
])
def test_refusals_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KgError) as error:
        read_yaml(path)
    assert message in error.value.line()


def test_deep_nesting_is_refused_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(KgError) as error:
        read_yaml(path)
    assert "nested too deeply" in error.value.line() or "malformed YAML" in error.value.line()
