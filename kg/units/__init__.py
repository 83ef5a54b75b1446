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
   merge of sorted lines), ``graph.json`` and ``index.sqlite``; byte for byte what a clean
   build writes, since a clean build is the same merge with every fragment made anew.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

#: Bump when the fragment layout changes (fragments of other versions are never read).
FRAGMENT_VERSION = "1"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of kg's own source code: a fragment made by other code is never reused.

    >>> len(code_digest())
    64
    """
    root = Path(__file__).resolve().parent.parent
    sha = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        sha.update(str(path.relative_to(root)).encode() + b"\0")
        sha.update(path.read_bytes())
    return sha.hexdigest()
