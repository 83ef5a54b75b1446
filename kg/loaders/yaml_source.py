"""YAML reading with line numbers, so every error can say where it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import KgError

LINE_KEY = "__line__"


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 5x faster


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that records the line of every mapping under ``__line__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; malformed YAML becomes one line naming file, line and problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KgError(f"cannot read file: {exc.strerror}", where=str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise KgError("file is not UTF-8 text", where=str(path),
                      hint="save it as UTF-8") from None
    if not text.strip():
        raise KgError("file is empty", where=str(path),
                      hint="write the annotations, or remove the file") from None
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{path}:{mark.line + 1}" if mark else str(path)
        raise KgError(f"malformed YAML: {exc.problem or exc.context}", where=line,
                      hint="fix the indentation or quoting on that line") from None
    except yaml.YAMLError as exc:
        raise KgError(f"malformed YAML: {exc}", where=str(path)) from None


def where(path: Path, node: Any) -> str:
    """``file:line`` for a mapping read by :func:`read_yaml`."""
    if isinstance(node, dict) and LINE_KEY in node:
        return f"{path}:{node[LINE_KEY]}"
    return str(path)
