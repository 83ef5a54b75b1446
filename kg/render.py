"""Terminal rendering with rich (colour only on a TTY)."""

from __future__ import annotations

from typing import Any


def console() -> Any:
    """A rich console that writes plain text when stdout is not a terminal."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


def stats_tables(stats: dict[str, Any]) -> None:
    """Class and relation counts, overall and per document."""
    from rich.table import Table

    out = console()
    docs = sorted(stats["documents"])
    for title, key in (("classes", "classes"), ("relations", "relations")):
        table = Table(title=f"{title} ({stats['entities' if key == 'classes' else 'edges']})")
        table.add_column(title[:-2] if key == "classes" else "relation")
        table.add_column("total", justify="right")
        for doc in docs:
            table.add_column(f"doc {doc}", justify="right")
        for name, count in stats[key].items():
            table.add_row(name, str(count),
                          *(str(stats["documents"][d][key].get(name, 0)) for d in docs))
        out.print(table)
    out.print(f"triples: {stats['triples']}  evidence items on edges: {stats['evidence_items']}")
