"""``graph.json`` of a build: written whole from the fragments' rows, or spliced from the
previous build's file.

The file is the projection as compact JSON: a frame (classes, documents, relations) around
the edge and node JSON texts, each list in key order. A build records the file's *layout*
(where each list starts and how many bytes each text takes) for the next one. A rebuild
copies the previous file's unchanged stretches as they are and puts the changed units' texts
in place: what a whole write gives, byte for byte, without reading every unit's rows.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Iterator

from kg.units.delta import StaleBase
from kg.units.fragment import compact_json
from kg.units.splice import Segment

#: A key of the edges (source, relation, target) or of the nodes (id,), and its JSON text.
Keyed = tuple[tuple[str, ...], bytes]


@dataclass
class Layout:
    """Where graph.json's edge and node texts are: each list's first byte, and each text's
    length in bytes (texts are separated by one comma)."""

    edges_start: int = 0
    edges: list[int] = field(default_factory=list)
    nodes_start: int = 0
    nodes: list[int] = field(default_factory=list)

    def to_json(self) -> list[list[int]]:
        return [[self.edges_start, *self.edges], [self.nodes_start, *self.nodes]]

    @classmethod
    def from_json(cls, data: Any) -> "Layout":
        (edges_start, *edges), (nodes_start, *nodes) = data
        return cls(int(edges_start), list(map(int, edges)), int(nodes_start),
                   list(map(int, nodes)))


def graph_json(header: dict[str, Any], nodes: list[str], edges: list[str],
               layout: Layout | None = None) -> Iterator[bytes]:
    """The bytes of ``graph.json`` in chunks: ``header`` (documents, classes, relations) with
    the node and edge JSON texts, in the order given; equal to :func:`compact_json` of the
    whole projection plus a newline. ``layout``, if given, gets where the texts are.

    >>> b"".join(graph_json({"classes": {}, "documents": {}, "relations": {}}, ['{"id":"a"}'], []))
    b'{"classes":{},"documents":{},"edges":[],"nodes":[{"id":"a"}],"relations":{}}\\n'
    """
    start, middle, end = (part.encode("utf-8") for part in frame(header))
    edge_lengths: list[int] = []
    node_lengths: list[int] = []
    yield start
    yield from _joined(edges, edge_lengths)
    yield middle
    yield from _joined(nodes, node_lengths)
    yield end
    if layout is not None:
        layout.edges, layout.nodes = edge_lengths, node_lengths
        layout.edges_start = len(start)
        layout.nodes_start = layout.edges_start + _span(edge_lengths) + len(middle)


def frame(header: dict[str, Any]) -> tuple[str, str, str]:
    """The text of graph.json before its edges, between edges and nodes, and after its nodes."""
    return ('{"classes":' + compact_json(header["classes"]) + ',"documents":'
            + compact_json(header["documents"]) + ',"edges":[', '],"nodes":[',
            '],"relations":' + compact_json(header["relations"]) + "}\n")


#: Texts joined and encoded at a time.
CHUNK = 4096


def _joined(texts: list[str], lengths: list[int]) -> Iterator[bytes]:
    """The texts with commas between, encoded, in chunks; ``lengths`` gets each one's bytes."""
    for at in range(0, len(texts), CHUNK):
        part = texts[at:at + CHUNK]
        joined = ",".join(part)
        lengths.extend(map(len, part) if joined.isascii()
                       else (len(text.encode("utf-8")) for text in part))
        yield (b"," if at else b"") + joined.encode("utf-8")


def _span(lengths: list[int]) -> int:
    """Bytes a list of texts takes, commas included."""
    return sum(lengths) + max(0, len(lengths) - 1)


def spliced_json(header: dict[str, Any], old: Any, old_layout: Layout,
                 edges: tuple[list[tuple[str, ...]], list[Keyed]],
                 nodes: tuple[list[tuple[str, ...]], list[Keyed]],
                 layout: Layout) -> list[Segment]:
    """The new graph.json as :mod:`kg.units.splice` segments of the old file (``old``, its
    bytes or mapping, laid out as ``old_layout``) with, for edges and for nodes, ``(keys
    gone, (key, text) added)``; ``layout`` gets the new file's layout. Each key is found by a
    binary search of the old texts. Raises :class:`StaleBase` if the old file does not match
    its layout."""
    start, middle, end = (part.encode("utf-8") for part in frame(header))
    if old_layout.nodes_start + _span(old_layout.nodes) > len(old):
        raise StaleBase
    segments: list[Segment] = [start]
    layout.edges_start = len(start)
    _spliced(segments, _OldTexts(old, old_layout.edges_start, old_layout.edges, EDGE_KEY),
             *edges, layout.edges)
    segments.append(middle)
    layout.nodes_start = layout.edges_start + _span(layout.edges) + len(middle)
    _spliced(segments, _OldTexts(old, old_layout.nodes_start, old_layout.nodes, NODE_KEY),
             *nodes, layout.nodes)
    segments.append(end)
    return segments


#: The fields of an edge's and of a node's JSON that make its key (the order of the lists).
EDGE_KEY = ("source", "relation", "target")
NODE_KEY = ("id",)


class _OldTexts:
    """The keys of one list of the old file's texts, as a sequence (read as they are asked
    for: a binary search reads a few dozen)."""

    def __init__(self, data: Any, start: int, lengths: list[int], fields: tuple[str, ...]):
        self.data, self.lengths, self.fields = data, lengths, fields
        self.starts = [start + offset + i
                       for i, offset in enumerate(accumulate(lengths, initial=0))]

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, i: int) -> tuple[str, ...]:
        begin = self.starts[i]
        try:
            item = json.loads(self.data[begin:begin + self.lengths[i]])
            return tuple(str(item[name]) for name in self.fields)
        except (ValueError, TypeError, KeyError):
            raise StaleBase from None

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Where texts ``first`` to ``last - 1`` are, commas between."""
        return self.starts[first], self.starts[last - 1] + self.lengths[last - 1]


def _spliced(segments: list[Segment], old: _OldTexts, gone: list[tuple[str, ...]],
             added: list[Keyed], new_lengths: list[int]) -> None:
    """Add to ``segments`` one list's texts: the ``old`` ones (unique keys, in order) less
    those ``gone``, with ``added`` put in key order; ``new_lengths`` gets their lengths."""
    events: list[tuple[int, int, tuple[str, ...], bytes]] = []
    for key in gone:
        at = bisect.bisect_left(old, key)
        if at < len(old) and old[at] == key:
            events.append((at, 1, key, b""))
    for key, text in added:
        events.append((bisect.bisect_left(old, key), 0, key, text))
    events.sort()  # at one place: the added texts in key order, then the old one dropped
    pieces: list[Segment] = []
    here = 0

    def old_run(first: int, last: int) -> None:  # old texts first..last-1, commas between
        if first < last:
            pieces.append(old.span(first, last))
            new_lengths.extend(old.lengths[first:last])

    for at, dropped, _key, text in events:
        old_run(here, at)
        here = max(here, at)
        if dropped:
            here = at + 1
        else:
            pieces.append(text)
            new_lengths.append(len(text))
    old_run(here, len(old))
    for i, piece in enumerate(pieces):
        if i:
            segments.append(b",")
        segments.append(piece)
