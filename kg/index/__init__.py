"""The indexed form of a build: one SQLite file that queries open instead of loading the graph.

``graph.json`` stays the source of truth; ``index.sqlite`` is written from it by the build
(:mod:`kg.index.writer`, deterministic: same projection, same bytes) and read by
:class:`kg.index.view.IndexedView`, which answers the :class:`kg.graphview.GraphView` calls
(``node``, ``out``, ``into``, ``of_class`` …) with indexed lookups, so a one-barrier trace
reads a few hundred rows whatever the size of the corpus.
"""

INDEX = "index.sqlite"
#: Bump when the tables change (an index of another version is not read).
INDEX_VERSION = 4
