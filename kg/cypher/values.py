"""Engine values as Neo4j's driver values look through ``kg neo4j query`` (see
:func:`kg.neo4j.push.plain`): nodes, relationships and paths as the same plain dicts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kg.cypher.database import END, LABELS, START


def plain(value: Any) -> Any:
    """A result value as JSON-ready data, shaped as for a Neo4j server."""
    if isinstance(value, dict):
        if "_NODES" in value and "_RELS" in value:
            return {"nodes": [plain(n) for n in value["_NODES"]],
                    "relationships": [plain(r) for r in value["_RELS"]]}
        if "_SRC" in value and "_LABEL" in value:
            props = {k: plain(v) for k, v in value.items()
                     if not k.startswith("_") and k not in (START, END) and v is not None}
            return {"_type": value["_LABEL"], "_start": value.get(START),
                    "_end": value.get(END), **props}
        if "_ID" in value and "_LABEL" in value:
            props = {k: plain(v) for k, v in value.items()
                     if not k.startswith("_") and k != LABELS and v is not None}
            return {"_labels": sorted(value.get(LABELS) or []), **props}
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):  # a sum of integers (INT128)
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)
