"""Terminal, Markdown and CSV rendering of query results (rich; colour only on a TTY)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable

DETAIL_KEYS = ("actor", "via", "target", "role", "mechanism", "barrier", "via_barrier",
               "via_strategy", "date", "relation", "match_of", "direction", "score", "matched")


def console() -> Any:
    """A rich console that writes plain text when stdout is not a terminal."""
    import sys

    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    return Console(highlight=False, width=100_000, no_color=True)


def label(item: dict[str, Any], lang: str) -> str:
    """The label of a node in ``zh``, ``en`` or ``both`` (falling back to what exists)."""
    labels = item.get("label") or {}
    if lang == "both":
        parts = [labels.get("zh"), labels.get("en")]
        return " / ".join(p for p in parts if p) or item.get("id", "")
    return labels.get(lang) or labels.get("en") or labels.get("zh") or item.get("id", "")


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’–—"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")


def flat(text: str) -> str:
    """A quote for reading: PDF line breaks joined, no stray space inside Chinese text.

    >>> flat("通过学习社 区聚合用户\\n创意, with English  words")
    '通过学习社区聚合用户创意, with English words'
    """
    return _CJK_GAP.sub("", " ".join(text.split()))


def evidence_line(item: dict[str, Any]) -> str:
    """``000 §5.1 [8849–8867] “quote”``."""
    section = f" §{item['section']}" if item.get("section") else ""
    return f"{item['document']}{section} [{item['start']}–{item['end']}] “{flat(item['quote'])}”"


def details(item: dict[str, Any]) -> str:
    """The qualifiers of a result row (actor, via, target …) as one short string."""
    out = []
    for key in DETAIL_KEYS:
        value = item.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, dict):
            value = value.get("id", "")
        out.append(f"{key}: {value}")
    return ", ".join(out)


def _sections(result: dict[str, Any]) -> tuple[str, dict[str, Any], list[tuple[str, list]]]:
    root_key = next(iter(result))
    lists = [(k, v) for k, v in result.items() if k != root_key and isinstance(v, list)]
    return root_key, result[root_key], lists


def _root_line(root_key: str, root: dict[str, Any], lang: str) -> str:
    extra = []
    if root.get("actor"):
        extra.append(f"actor: {root['actor']}")
    if root.get("dimension"):
        extra.append(f"dimension: {label(root['dimension'], lang)}")
    extra.append(f"paper {root.get('document')}")
    return f"{root.get('class', root_key)} {label(root, lang)} [{root['id']}] ({', '.join(extra)})"


def root_facts(root: dict[str, Any], lang: str) -> list[str]:
    """Definition, alternative labels and properties of the root entity, one line each."""
    facts = []
    definition = root.get("definition") or {}
    languages = ("zh", "en") if lang == "both" else (lang,)
    facts += [f"definition ({code}): {definition[code]}" for code in languages if code in definition]
    alt = root.get("alt_labels") or {}
    names = [name for code in languages for name in alt.get(code, [])]
    if names:
        facts.append("also called: " + "; ".join(names))
    facts += [f"{key}: {value}" for key, value in (root.get("properties") or {}).items()]
    return facts


def trace_tree(result: dict[str, Any], lang: str) -> None:
    """A trace (or entity card) as a rich tree, every hop with its evidence."""
    from rich.markup import escape
    from rich.tree import Tree

    root_key, root, lists = _sections(result)
    tree = Tree(f"[bold]{escape(_root_line(root_key, root, lang))}[/bold]")
    for fact in root_facts(root, lang):
        tree.add(escape(fact))
    for ev in root.get("evidence", []):
        tree.add(f"[dim]{escape(evidence_line(ev))}[/dim]")
    for key, items in lists:
        branch = tree.add(f"[bold cyan]{escape(key.replace('_', ' '))}[/bold cyan] ({len(items)})")
        for item in items:
            _tree_item(branch, item, lang)
    console().print(tree)


def _tree_item(branch: Any, item: dict[str, Any], lang: str) -> None:
    from rich.markup import escape

    text = f"{item.get('class', '')} {label(item, lang)} [{item.get('id', '')}]"
    qualifiers = details(item)
    node = branch.add(escape(text + (f" ({qualifiers})" if qualifiers else "")))
    for ev in item.get("evidence", []):
        node.add(f"[dim]{escape(evidence_line(ev))}[/dim]")
    for key, value in item.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and key != "evidence":
            sub = node.add(f"[cyan]{escape(key.replace('_', ' '))}[/cyan]")
            for child in value:
                _tree_item(sub, child, lang)


def trace_markdown(result: dict[str, Any], lang: str) -> str:
    """A trace (or entity card) as Markdown with quotes as block quotes."""
    root_key, root, lists = _sections(result)
    lines = [f"# {_root_line(root_key, root, lang)}", ""]
    lines += [f"- {fact}" for fact in root_facts(root, lang)]
    lines += [f"- evidence: {evidence_line(ev)}" for ev in root.get("evidence", [])]
    lines.append("")
    for key, items in lists:
        lines += [f"## {key.replace('_', ' ').capitalize()} ({len(items)})", ""]
        for item in items:
            lines += _markdown_item(item, lang, 0)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _markdown_item(item: dict[str, Any], lang: str, depth: int) -> list[str]:
    pad = "  " * depth
    qualifiers = details(item)
    lines = [f"{pad}- **{label(item, lang)}** `{item.get('id', '')}`"
             + (f" — {qualifiers}" if qualifiers else "")]
    for ev in item.get("evidence", []):
        lines.append(f"{pad}  - {evidence_line(ev)}")
    for key, value in item.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and key != "evidence":
            lines.append(f"{pad}  - {key.replace('_', ' ')}:")
            for child in value:
                lines += _markdown_item(child, lang, depth + 2)
    return lines


def trace_rows(result: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """A trace flattened to rows: group, id, class, label, details, first evidence."""
    _, _, lists = _sections(result)
    rows = []
    for key, items in lists:
        for item in items:
            evidence = item.get("evidence") or [{}]
            first = evidence[0]
            rows.append({"group": key, "id": item.get("id", ""), "class": item.get("class", ""),
                         "label": label(item, lang), "details": details(item),
                         "evidence": evidence_line(first) if first else ""})
    return rows


def rows_table(rows: list[dict[str, Any]], title: str = "") -> None:
    """Rows of flat dicts as a rich table."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False)
    columns = list(rows[0]) if rows else ["(no rows)"]
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(Text(str(row.get(c, ""))) for c in columns))
    console().print(table)


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """Rows of flat dicts as CSV text."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def rows_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows of flat dicts as a Markdown table."""
    if not rows:
        return "(no rows)\n"
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def stats_tables(stats: dict[str, Any]) -> None:
    """Class and relation counts, overall and per document."""
    from rich.table import Table

    out = console()
    docs = sorted(stats["documents"])
    for key, heading, total in (("classes", "class", "entities"), ("relations", "relation", "edges")):
        table = Table(title=f"{key} ({stats[total]})")
        table.add_column(heading)
        table.add_column("total", justify="right")
        for doc in docs:
            table.add_column(f"doc {doc}", justify="right")
        for name, count in stats[key].items():
            table.add_row(name, str(count),
                          *(str(stats["documents"][d][key].get(name, 0)) for d in docs))
        out.print(table)
    out.print(f"triples: {stats['triples']}  evidence items on edges: {stats['evidence_items']}")


#: Properties too long or redundant for a one-line summary in `kg list`.
_LIST_HIDDEN = {"measures", "keyContent", "title"}


def list_details(row: dict[str, Any]) -> str:
    """A one-line summary of a listed entity: short properties, dimension, issuers."""
    parts = [f"{k}={v}" for k, v in row.get("properties", {}).items() if k not in _LIST_HIDDEN]
    if row.get("dimension"):
        parts.append(f"dimension={row['dimension']['id']}")
    parts += [f"issued_by={org['id']}" for org in row.get("issued_by", [])]
    return "; ".join(parts)


def join(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v not in (None, ""))
