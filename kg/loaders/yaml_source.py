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


def _load(text: str) -> Any:
    """What ``yaml.load(text, Loader=_LineLoader)`` gives: built from the parser's events when
    the file holds only what annotation files usually do (about twice as fast: no node
    graph), else by that loader (aliases, tags, merge keys, repeated or reserved keys, values
    that cannot be read, deep nesting, several documents), which gives its exact result or
    error."""
    loader = _LineLoader(text)
    try:
        return _from_events(loader)
    except _Fallback:
        pass
    finally:
        loader.dispose()
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - the safe loader above


#: First characters of the plain scalars an implicit resolver may turn into something else
#: than a string (true, 12, 2024-05-01, ~, <<, …): other plain scalars are strings.
_RESOLVABLE = frozenset(k for k in _Base.yaml_implicit_resolvers if k is not None)
_FAST_EVENTS = None not in _Base.yaml_implicit_resolvers and not _Base.yaml_path_resolvers
#: Deeper than this, the events are left to the loader (which refuses too deep a file).
_MAX_DEPTH = 64


def _from_events(loader: "_LineLoader") -> Any:
    """The document's value, built from its events (raises :class:`_Fallback` for anything
    but plain mappings, sequences and scalars; a parse error is raised as it comes)."""
    if not _FAST_EVENTS:
        raise _Fallback
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    # a frame: [container, lines of its keys (mappings) or None, pending key, its line]
    stack: list[list[Any]] = []
    root: Any = None
    while True:
        event = loader.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _scalar(loader, event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag not in (None, "!", _MAP if kind is yaml.MappingStartEvent else _SEQ) \
                    or len(stack) >= _MAX_DEPTH or (stack and _awaits_key(stack[-1])):
                raise _Fallback  # a tagged collection, deep nesting, or a collection as a key
            if kind is yaml.MappingStartEvent:
                stack.append([{}, {}, _NO_KEY, event.start_mark.line + 1])
            else:
                stack.append([[], None, _NO_KEY, 0])
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value, lines, _key, line = stack.pop()
            if lines is not None:
                value[LINE_KEY] = line
        elif kind is yaml.DocumentEndEvent:
            break
        else:  # an alias
            raise _Fallback
        if not stack:
            root = value
            continue
        frame = stack[-1]
        if frame[1] is None:
            frame[0].append(value)
        elif _awaits_key(frame):
            if not isinstance(value, str):
                raise _Fallback  # a key that is not text
            if value == LINE_KEY or value in frame[1]:
                raise _Fallback  # reserved or repeated: the loader says so, with its lines
            frame[1][value] = event.start_mark.line + 1
            frame[2] = value
        else:
            frame[0][frame[2]] = value
            frame[2] = _NO_KEY
    if not loader.check_event(yaml.StreamEndEvent):
        raise _Fallback  # several documents
    return root


_NO_KEY = object()


def _awaits_key(frame: list[Any]) -> bool:
    return frame[1] is not None and frame[2] is _NO_KEY


def _scalar(loader: "_LineLoader", event: Any) -> Any:
    """A scalar event's value, resolved as the loader resolves it."""
    value = event.value
    if event.tag is not None and event.tag != "!":
        raise _Fallback  # an explicit tag
    if event.implicit[0] and value and value[0] not in _RESOLVABLE:
        return value
    tag = loader.resolve(yaml.ScalarNode, value, event.implicit)
    if tag == _STR:
        return value
    if tag == _MERGE_TAG:
        raise _Fallback
    try:
        return loader.construct_object(yaml.ScalarNode(tag, value, event.start_mark,
                                                       event.end_mark, style=event.style))
    except (_Refused, yaml.YAMLError):
        raise _Fallback from None


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
        return cached_parse(data, lambda: _load(text))
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
