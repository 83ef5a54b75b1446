"""``--param name=value`` of `kg cypher` and `kg neo4j query` (values go in as parameters)."""

from __future__ import annotations

import json
import re
from typing import Any

from kg.errors import KgError


def parse_param(text: str) -> tuple[str, Any]:
    """``name=value``: the value is JSON when it parses (numbers, true, lists, "quoted"),
    else the plain string.

    >>> parse_param("limit=5"), parse_param("id=barrier/x"), parse_param('n="5"')
    (('limit', 5), ('id', 'barrier/x'), ('n', '5'))
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise KgError(f"bad --param {text!r}", hint="write name=value, e.g. --param id=barrier/x")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw
