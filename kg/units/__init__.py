"""Incremental builds: the corpus as units, each unit's part of the graph kept between builds.

A *unit* is one source file's contribution: a document (its metadata entry and text: the
document node, sections, tables, the references, citations and figures the parser finds) or
one annotation file (its entities and relations, with their evidence passages). Every triple
and every node and edge of the property graph comes from exactly one unit, and what a unit
emits depends only on its own inputs, so a build is the sorted union of its units' parts.

The flow of a build (:mod:`kg.build`):

1. :mod:`kg.units.reader` reads the source as units. A unit whose inputs did not change since
   the last build of the data dir (same bytes, same quoted documents, same types of the
   entities its relations link, same ontology and kg code) takes its part from the cache;
   the others are loaded and checked as :func:`kg.loaders.corpus.load_corpus` does. The checks
   across units (unique ids, unique relations, ``partOf`` cycles) run on every build.
2. :mod:`kg.units.fragment` holds a unit's part (a *fragment*: its sorted N-Triples lines, its
   nodes and edges as JSON, what the checks across units need) and the cache of fragments
   under ``<data dir>/cache/units/``.
3. :mod:`kg.units.merge` merges the fragments into the store's files: ``graph.nt`` (a k-way
   merge of sorted lines), ``graph.json`` and ``index.sqlite``; a rebuild splices and updates
   the previous build's files with the changed units' parts (:mod:`kg.units.delta`,
   :mod:`kg.units.splice`). Either way the bytes a clean build writes (tests/test_incremental.py).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: Bump when the fragment layout changes (fragments of other versions are never read).
FRAGMENT_VERSION = "1"


#: The modules whose code decides what a fragment holds (everything reading, checking and
#: emitting a unit, and what they import): a change to any of them makes every fragment anew.
#: tests/test_incremental.py checks that making and merging fragments imports no other kg module.
FRAGMENT_MODULES = (
    "kg", "kg.cite", "kg.digest", "kg.documents", "kg.durable", "kg.errors", "kg.graph",
    "kg.graphview", "kg.index", "kg.index.writer", "kg.loaders", "kg.loaders.annotations",
    "kg.loaders.citations", "kg.loaders.corpus", "kg.loaders.parse_cache",
    "kg.loaders.quantities", "kg.loaders.yaml_source", "kg.model", "kg.ontology",
    "kg.projection", "kg.queries", "kg.resolve", "kg.search", "kg.units", "kg.units.delta",
    "kg.units.fragment", "kg.units.graph_json", "kg.units.making", "kg.units.merge",
    "kg.units.reader", "kg.units.sink", "kg.units.splice", "kg.units.workers",
)


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of the code of :data:`FRAGMENT_MODULES`: a fragment made by other code is
    never reused (other kg modules, such as the CLI or the view, may change freely).

    >>> len(code_digest())
    64
    """
    root = Path(__file__).resolve().parents[2]  # the directory holding the kg package
    sha = hashlib.sha256()
    for name in FRAGMENT_MODULES:
        parts = name.split(".")
        package = root.joinpath(*parts) / "__init__.py"
        path = package if package.is_file() else root.joinpath(*parts[:-1], parts[-1] + ".py")
        sha.update(name.encode() + b"\0" + path.read_bytes())
    return sha.hexdigest()
