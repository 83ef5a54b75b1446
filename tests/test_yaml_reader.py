"""The annotation YAML reader (kg/loaders/yaml_source.py: values built from the parser's events,
else by its direct construction) gives exactly what PyYAML's own safe construction with line
numbers gives, and the same refusals."""

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
    """What the reader gives (from the parser's events, else the direct construction) and
    what PyYAML's own construction gives; the reader's two paths are checked equal too."""
    direct = yaml.load(text, Loader=yaml_source._LineLoader)  # noqa: S506 - the reader
    assert shape(yaml_source._load(text)) == shape(direct)
    return direct, yaml.load(text, Loader=_Generic)  # noqa: S506


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


_PLAIN = ["word", "中文", "yes", "No", "on", "OFF", "true", "False", "y", "n", "null", "Null", "~",
          "", "0", "-1", "+7", "0x1F", "0o17", "017", "1_000", "1.5", "-.5", ".inf", "-.Inf",
          ".nan", "1e3", "6.8523015e+5", "2024-05-01", "2024-05-01 10:00:00",
          "2001-12-14t21:59:43.10-05:00", "2024-13-45", "12:30:00", "=", "<<", "!x", "&a b",
          "o'clock", "t-shirt", "N/A", "Yesterday", "fake", "trueish", "ok", "1,000"]


def _random_text(rng: Any) -> str:
    """A YAML document mixing plain, quoted and block scalars, nested and flow collections."""
    lines: list[str] = []

    def scalar() -> str:
        word = rng.choice(_PLAIN)
        style = rng.randrange(4)
        if style == 1:
            return "'" + word.replace("'", "''") + "'"
        if style == 2:
            return '"' + word + '"'
        return word if word and word[0] not in "!&*" else "'" + word + "'"

    def block(indent: int, depth: int) -> None:
        for i in range(rng.randrange(1, 5)):
            key = rng.choice(["id", "label", "k" + str(i), "n" + str(depth), "0", "true"])
            key = f"{key}{i}" if rng.random() < 0.7 else key
            pick = rng.randrange(6) if depth < 4 else 0
            if pick == 1:
                lines.append(" " * indent + f"{key}:")
                block(indent + 2, depth + 1)
            elif pick == 2:
                lines.append(" " * indent + f"{key}:")
                for _ in range(rng.randrange(1, 4)):
                    lines.append(" " * indent + f"- {scalar()}")
            elif pick == 3:
                items = ", ".join(scalar() for _ in range(rng.randrange(0, 4)))
                lines.append(" " * indent + f"{key}: [{items}]")
            elif pick == 4:
                lines.append(" " * indent + f"{key}: |")
                lines.append(" " * (indent + 2) + rng.choice(_PLAIN) + " text")
            else:
                lines.append(" " * indent + f"{key}: {scalar()}")

    block(0, 0)
    return "\n".join(lines) + "\n"


def test_random_documents_read_as_pyyaml_reads_them() -> None:
    """Events, direct construction and PyYAML agree on 400 generated documents (values and
    types, line numbers, and the error when there is one: a repeated key, a bad date)."""
    import random

    rng = random.Random(7)
    read = failed = 0
    for _ in range(400):
        text = _random_text(rng)
        try:
            expected = yaml.load(text, Loader=_Generic)  # noqa: S506
        except Exception as exc:  # noqa: BLE001 - the same error is expected of the reader
            with pytest.raises(type(exc)):
                yaml_source._load(text)
            failed += 1
            continue
        assert shape(yaml_source._load(text)) == shape(expected), text
        read += 1
    assert read > 200 and failed > 20
