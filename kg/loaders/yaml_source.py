"""YAML reading with line numbers, so every error can say where it is.

The reader is stricter than YAML itself, because annotation files are written by hand:

- anchors and aliases (``&name`` / ``*name``) are refused: an alias is never needed in an
  annotation file, and a few hundred bytes of nested aliases ("billion laughs") expand to
  gigabytes when the value is used;
- a key given twice in one mapping is refused (YAML would silently keep the second one);
- ``__line__`` is reserved for the line numbers the reader records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kg.errors import KgError
from kg.loaders.parse_cache import cached_parse

LINE_KEY = "__line__"

_MERGE_TAG = "tag:yaml.org,2002:merge"

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 5x faster


class _Refused(Exception):
    """Valid YAML that annotation files do not allow; ``read_yaml`` turns it into a KgError."""

    def __init__(self, what: str, line: int | None, hint: str) -> None:
        super().__init__(what)
        self.what, self.line, self.hint = what, line, hint


class _AliasFound(Exception):
    """The composed document shares a node: the file uses an alias."""


class _LineLoader(_Base):  # type: ignore[valid-type,misc]
    """A safe loader that records the line of every mapping under ``__line__``.

    It refuses aliases before anything is constructed: the composed node graph is walked once
    and a node reached twice can only be an alias (the walk stops there, so the cost is linear
    in the size of the file however far the aliases would expand).
    """

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        try:
            return _Direct(self).value(node)
        except _Fallback:  # YAML that PyYAML's own constructors must read (or refuse)
            _refuse_shared_nodes(node)
            return self.construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            # A scalar its tag cannot hold: an integer of 5,000 digits, 2024-13-45, !!float x.
            value = node.value if isinstance(node, yaml.ScalarNode) else node.tag
            raise _Refused(f"cannot read the value {_show(value)} ({exc})",
                           node.start_mark.line + 1,
                           "quote it to make it text, or write a valid value") from None


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Fallback(Exception):
    """The document needs PyYAML's generic construction (merge keys, unhashable keys, other
    collection tags, deep nesting): the result, or the error, is then exactly PyYAML's."""


class _Direct:
    """Build a composed document's values directly: what PyYAML's safe constructor with the
    line-recording mapping constructor gives, in one walk and about three times faster.

    Plain strings, lists and mappings are built here; every other scalar goes through the
    loader's constructor. A node reached twice is an alias (refused). Anything else goes back
    to PyYAML (:class:`_Fallback`).
    """

    def __init__(self, loader: "_LineLoader") -> None:
        self.loader = loader
        self.seen: set[int] = set()

    def value(self, node: yaml.Node) -> Any:
        if id(node) in self.seen:
            raise _AliasFound
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.loader.construct_object(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                raise _Fallback
            try:
                return [self.value(item) for item in node.value]
            except RecursionError:
                raise _Fallback from None
        if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
            raise _Fallback
        mapping: dict[Any, Any] = {}
        lines: dict[Any, int] = {}
        try:
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    raise _Fallback
                key = self.value(key_node)
                try:
                    _note_key(lines, key, key_node.start_mark.line + 1)
                except TypeError:  # an unhashable key: PyYAML says so
                    raise _Fallback from None
                mapping[key] = self.value(value_node)
        except RecursionError:
            raise _Fallback from None
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def _refuse_shared_nodes(root: yaml.Node) -> None:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _AliasFound
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            _note_key(seen, key, key_node.start_mark.line + 1)
        except TypeError:  # an unhashable key: the constructor below says so
            continue
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE_KEY] = node.start_mark.line + 1
    return mapping


def _note_key(lines: dict[Any, int], key: Any, line: int) -> None:
    """Record that a mapping has ``key`` on ``line``; a reserved or repeated key is refused
    (TypeError for an unhashable key)."""
    first = lines.get(key)
    if key == LINE_KEY:
        raise _Refused(f"the key '{LINE_KEY}' is reserved", line,
                       "remove it: the reader records line numbers under that name")
    if first is not None:
        raise _Refused(f"duplicate key {_show(key)} (first on line {first}, again on line "
                       f"{line})", line,
                       "keep one of them: YAML would silently use only the second")
    lines[key] = line


def _show(key: Any) -> str:
    text = repr(key) if isinstance(key, str) else str(key)
    return text if len(text) <= 60 else text[:60] + "…"


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
        return cached_parse(data, lambda: yaml.load(text, Loader=_LineLoader))  # noqa: S506
    except _AliasFound:
        line = _first_alias_line(text)
        raise KgError("YAML aliases (*name) are not allowed",
                      where=f"{path}:{line}" if line else str(path),
                      hint="write the value out in full instead of referring to an &anchor"
                      ) from None
    except _Refused as exc:
        raise KgError(exc.what, where=f"{path}:{exc.line}" if exc.line else str(path),
                      hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{path}:{mark.line + 1}" if mark else str(path)
        raise KgError(f"malformed YAML: {exc.problem or exc.context}", where=line,
                      hint="fix the indentation or quoting on that line") from None
    except yaml.YAMLError as exc:
        raise KgError(f"malformed YAML: {exc}", where=str(path)) from None
    except RecursionError:
        raise KgError("YAML nested too deeply", where=str(path),
                      hint="annotation files need only a few levels of nesting") from None


def _first_alias_line(text: str) -> int | None:
    """The line of the first alias event (only called once an alias is known to be there)."""
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark.line + 1
    except yaml.YAMLError:
        pass
    return None


def where(path: Path, node: Any) -> str:
    """``file:line`` for a mapping read by :func:`read_yaml`."""
    if isinstance(node, dict) and LINE_KEY in node:
        return f"{path}:{node[LINE_KEY]}"
    return str(path)
