"""One writer per output format, each reading the built store, chosen from :data:`FORMATS`.

An exporter is ``export(data_dir, out) -> bytes | None``: file formats return the bytes
(the CLI writes them atomically or to stdout); directory formats write into ``out``
themselves and return ``None``, and take the keyword options ``parents`` and
``follow_symlinks`` of ``kg export`` (checked by :func:`kg.fileio.check_output`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Callable, Optional

Exporter = Callable[[Path, Optional[Path]], Optional[bytes]]

#: format name -> "module:function", imported only when that format is asked for.
FORMATS: dict[str, str] = {
    "ttl": "kg.exporters.rdf:export_turtle",
    "nt": "kg.exporters.rdf:export_ntriples",
    "jsonld": "kg.exporters.rdf:export_jsonld",
    "cypher": "kg.exporters.neo4j_cypher:export_cypher",
    "neo4j-csv": "kg.exporters.neo4j_csv:export_neo4j_csv",
    "graphml": "kg.exporters.graphml:export_graphml",
}
#: formats whose output is a directory (``--out`` required).
DIRECTORY_FORMATS: set[str] = {"neo4j-csv"}


def exporter(fmt: str) -> Exporter:
    """The export function for ``fmt``."""
    module, function = FORMATS[fmt].split(":")
    return getattr(importlib.import_module(module), function)
