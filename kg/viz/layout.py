"""Deterministic precomputed positions: a layered left-to-right layout, in integers.

Nodes are put in cells (lane, column); each cell is a vertical stack (wrapped into several
stacks when long), ordered by a few barycentre sweeps to reduce crossings. No randomness and no
floating point in the result, so the same selection gives the same coordinates on any machine,
and the browser needs no physics to settle: the page disables it.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from kg.viz.selection import Selection

Cell = tuple[int, int]  # (lane, column); lane 0 is the main row, negative above, positive below

ROW_GAP = 70
STACK_GAP = 230
COLUMN_GAP = 380
LANE_GAP = 150
SWEEPS = 4

#: Whole-model columns, read left to right: actors and instruments → strategies → barriers →
#: mechanisms → innovation types and effects → the cases and numbers that evidence them.
MODEL_COLUMNS: dict[str, int] = {
    "Document": 0, "Policy": 0, "Organization": 0, "Platform": 0, "Programme": 0,
    "Strategy": 1,
    "Barrier": 2, "Problem": 2, "Theory": 2,
    "Mechanism": 3, "InnovationMode": 3, "Dimension": 3,
    "InnovationType": 4, "MechanismStage": 4, "Effect": 4, "CompetitionEffect": 4,
    "Case": 5, "Practice": 5, "Sample": 5,
    "Outcome": 6, "Statistic": 6, "QuantitativeStatement": 6, "Reference": 6,
}
OTHER_COLUMN = 7

#: Barrier-trace cells: barrier → its parts → mechanisms → innovation types in the main row;
#: the strategies in the row below, beside what they mitigate or strengthen; policies and their
#: issuers below them; cases and practices above; the dimension and cross-paper matches on top.
TRACE_CELLS: dict[str, Cell] = {
    "barrier": (0, 0), "part": (0, 1), "mechanism": (0, 2), "innovation-type": (0, 3),
    "strategy-mitigates": (1, 1), "strategy-strengthens": (1, 2),
    "policy": (2, 1), "issuer": (2, 2),
    "case": (-1, 1), "practice": (-1, 2),
    "related": (-2, 0), "dimension": (-2, 0),
}


def layered(ids: Iterable[str], cells: dict[str, Cell], edges: Iterable[tuple[str, str]],
            *, per_stack: int = 30, side_rows: int = 4) -> dict[str, tuple[int, int]]:
    """Integer (x, y) for every id: cells laid out as a grid, each ordered by barycentres.

    ``ids`` gives the starting order inside each cell (pass them sorted); ``edges`` are the
    (source, target) pairs whose crossings the ordering reduces. Main-row cells wrap after
    ``per_stack`` nodes; the rows above and below wrap after ``side_rows``, so they spread
    sideways instead of hiding their edges behind each other.

    >>> cells = {"a": (0, 0), "b": (0, 0), "x": (0, 1), "y": (0, 1)}
    >>> layered(["a", "b", "x", "y"], cells, [("a", "y"), ("b", "x")])  # uncrossed
    {'b': (0, -35), 'a': (0, 35), 'x': (380, -35), 'y': (380, 35)}
    """
    order: dict[Cell, list[str]] = {}
    for node_id in ids:
        order.setdefault(cells[node_id], []).append(node_id)
    neighbours: dict[str, list[str]] = {n: [] for members in order.values() for n in members}
    for a, b in edges:
        if a in neighbours and b in neighbours and cells[a] != cells[b]:
            neighbours[a].append(b)
            neighbours[b].append(a)
    for sweep in range(SWEEPS):
        rank = _ranks(order)
        columns = sorted({cell[1] for cell in order}, reverse=bool(sweep % 2))
        for column in columns:
            for cell in sorted(c for c in order if c[1] == column):
                before = {n: i for i, n in enumerate(order[cell])}
                order[cell] = sorted(order[cell], key=lambda n: (
                    _barycentre(n, neighbours[n], rank), before[n]))
                rank.update(_ranks({cell: order[cell]}))
    return _geometry(order, per_stack, side_rows)


def _ranks(order: dict[Cell, list[str]]) -> dict[str, float]:
    """Each node's place in its cell, scaled to 0..1 and offset by lane, for barycentres."""
    out = {}
    for (lane, _), members in order.items():
        last = max(len(members) - 1, 1)
        for index, node_id in enumerate(members):
            out[node_id] = lane + index / last
    return out


def _barycentre(node_id: str, neighbours: list[str], rank: dict[str, float]) -> float:
    if not neighbours:
        return rank[node_id]
    return sum(rank[n] for n in neighbours) / len(neighbours)


def _shape(count: int, per_stack: int) -> tuple[int, int]:
    """(stacks, rows) of a cell holding ``count`` nodes."""
    stacks = max(1, math.ceil(count / per_stack))
    return stacks, math.ceil(count / stacks)


def _geometry(order: dict[Cell, list[str]], per_stack: int,
              side_rows: int) -> dict[str, tuple[int, int]]:
    shape = {cell: _shape(len(m), per_stack if cell[0] == 0 else side_rows)
             for cell, m in order.items()}
    columns = sorted({cell[1] for cell in order})
    lanes = sorted({cell[0] for cell in order})
    width = {c: max(shape[cell][0] - 1 for cell in order if cell[1] == c) for c in columns}
    height = {lane: max(shape[cell][1] - 1 for cell in order if cell[0] == lane) * ROW_GAP
              for lane in lanes}
    x_of, x = {}, 0
    for column in columns:
        x_of[column] = x
        x += width[column] * STACK_GAP + COLUMN_GAP
    top_of = {0: -height.get(0, 0) // 2}
    cursor = top_of[0] + height.get(0, 0)
    for lane in (n for n in lanes if n > 0):
        top_of[lane] = cursor + LANE_GAP
        cursor = top_of[lane] + height[lane]
    cursor = top_of[0]
    for lane in sorted((n for n in lanes if n < 0), reverse=True):
        top_of[lane] = cursor - LANE_GAP - height[lane]
        cursor = top_of[lane]
    positions: dict[str, tuple[int, int]] = {}
    for (lane, column), members in sorted(order.items()):
        stacks, rows = shape[(lane, column)]
        cell_height = (rows - 1) * ROW_GAP
        top = top_of[lane] + (height[lane] - cell_height) // 2
        for index, node_id in enumerate(members):
            stack, row = divmod(index, rows)
            positions[node_id] = (x_of[column] + stack * STACK_GAP, top + row * ROW_GAP)
    return positions


def _pairs(edges: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["source"], e["target"]) for e in edges]


def positions(selection: Selection) -> dict[str, tuple[int, int]]:
    """The layout of a selection, chosen by its mode."""
    ids = [n["id"] for n in selection.nodes]
    if selection.mode == "trace":
        cells = {i: TRACE_CELLS.get(selection.roles.get(i, "related"), (-2, 0)) for i in ids}
        per_stack = 12
    elif selection.mode == "neighbourhood":
        cells = {i: (0, selection.distance[i]) for i in ids}
        per_stack = 16
    else:
        cells = {n["id"]: (0, MODEL_COLUMNS.get(n["class"], OTHER_COLUMN)) for n in selection.nodes}
        per_stack = max(24, round(2 * math.sqrt(len(ids))))
    return layered(ids, cells, _pairs(selection.edges), per_stack=per_stack)
