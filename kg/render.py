"""Terminal, Markdown and CSV rendering of query results (rich; colour only on a TTY).

All text from the graph reaches the user through :func:`safe`: control characters (terminal
escape codes among them), line and paragraph separators and bidi overrides are shown escaped
(``\\x1b``). On top of that, Markdown output escapes HTML (:func:`markdown_text`) and CSV output
neutralises spreadsheet formulas (:func:`csv_cell`). JSON output is left to the JSON encoder.
"""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any, Iterable

DETAIL_KEYS = ("value", "actor", "via", "target", "role", "mechanism", "barrier", "via_barrier",
               "via_strategy", "via_part", "inherited_from", "date", "relation", "match_of",
               "direction", "score", "matched")


def console() -> Any:
    """A rich console that writes plain text when stdout is not a terminal."""
    import os
    import sys

    from rich.console import Console

    if sys.stdout.isatty():
        out = Console(highlight=False)
    else:
        # Piped output is not wrapped, unless the user sets COLUMNS for a width to fit.
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) >= 20 else 100_000
        out = Console(highlight=False, width=width, no_color=True)
    out.push_render_hook(_SafeHook())
    return out


#: C0 and C1 controls but tab and newline, DEL, the line/paragraph separators and the bidi
#: embeddings, overrides and isolates (which reorder what a terminal or editor shows).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    r"""Text with control characters (terminal escape codes among them), line separators and
    bidi overrides shown escaped; tabs and newlines are kept. The one escaping point of all
    text, table, Markdown and CSV output (idempotent).

    >>> safe("a\x1b[31mb\u202ec")
    'a\\x1b[31mb\\u202ec'
    """
    return _CONTROL.sub(_escaped, text)


def one_line(text: str) -> str:
    """:func:`safe` text on one line (newlines become spaces)."""
    return safe(text).replace("\n", " ")


def markdown_text(text: str) -> str:
    """Text for Markdown: :func:`one_line`, with ``&``, ``<`` and ``>`` as HTML entities (so
    that no label or quote becomes HTML).

    >>> markdown_text("<script>alert('R&D')</script>")
    "&lt;script&gt;alert('R&amp;D')&lt;/script&gt;"
    """
    return html.escape(one_line(text), quote=False)


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
#: Characters a spreadsheet may read as the start of a formula (the full-width forms too: some
#: spreadsheets fold them to ASCII).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_cell(value: Any) -> str:
    """A CSV cell for a spreadsheet: :func:`safe` text (newlines kept; the CSV quoting holds
    them), and a text starting with ``=``, ``+``, ``-``, ``@``, tab or CR prefixed with ``'``
    (the OWASP rule against formula injection) unless it is a plain number.

    >>> [csv_cell(v) for v in ("=1+2", "-5", -5, "-x", "@SUM(A1)", "a-b", None, "＝1+2")]
    ["'=1+2", '-5', '-5', "'-x", "'@SUM(A1)", 'a-b', '', "'＝1+2"]
    """
    if value is None:
        return ""
    text = safe(str(value))
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _SafeHook:
    """A rich render hook: whatever a console prints has its text escaped by :func:`safe`
    (a backstop; the renderers escape their text before the layout)."""

    def process_renderables(self, renderables: list[Any]) -> list[Any]:
        return [_SafeRenderable(r) for r in renderables]


class _SafeRenderable:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.segment import Segment

        for segment in console.render(self.inner, options):
            if segment.control or not _CONTROL.search(segment.text):
                yield segment
            else:
                yield Segment(safe(segment.text), segment.style)


def label(item: dict[str, Any], lang: str) -> str:
    """The label of a node in ``zh``, ``en`` or ``both`` (falling back to what exists),
    escaped by :func:`safe`."""
    labels = item.get("label") or {}
    if lang == "both":
        parts = [labels.get("zh"), labels.get("en")]
        text = " / ".join(p for p in parts if p) or item.get("id", "")
    else:
        text = labels.get(lang) or labels.get("en") or labels.get("zh") or item.get("id", "")
    return safe(text)


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
    return one_line(f"{item['document']}{section} [{item['start']}–{item['end']}] "
                    f"“{flat(item['quote'])}”")


def provenance(item: dict[str, Any], root_document: str | None = None) -> list[str]:
    """Whose claim an item is: ``draft`` when it is not reviewed yet, ``paper 003`` when not the
    root's paper, ``aligned`` when it rests on an annotators' cross-paper alignment.

    >>> provenance({"document": "003", "aligned": True}, "000")
    ['paper 003', 'aligned']
    """
    out = []
    if item.get("status") == "draft":  # proposed by `kg ingest`, not reviewed yet
        out.append("draft")
    if item.get("document") and item.get("document") != root_document:
        out.append(f"paper {item['document']}")
    if item.get("aligned"):
        out.append("aligned")
    return out


def search_snippet(hit: dict[str, Any]) -> str:
    """A search hit's matched snippet, with its passage's place when it is a passage."""
    passage = hit.get("passage")
    where = f"{passage['document']} §{passage['section']} [{passage['start']}–{passage['end']}] " \
        if passage else ""
    draft = "[draft] " if hit.get("status") == "draft" else ""
    return one_line(draft + where + flat(hit.get("snippet", "")))


def path_hop(hop: dict[str, Any], lang: str) -> str:
    """One hop of a path in reading order: ``A -rel-> B``, or ``A <-rel- B`` when the path runs
    against the relation (B is the relation's subject)."""
    source, target = hop["source"], hop["target"]
    if hop.get("direction") == "backward":
        text = (f"{label(target, lang)} [{target['id']}] <-{hop['relation']}- "
                f"{label(source, lang)} [{source['id']}]")
        note = f"{hop['modality']}, against direction"
    else:
        text = (f"{label(source, lang)} [{source['id']}] -{hop['relation']}-> "
                f"{label(target, lang)} [{target['id']}]")
        note = hop["modality"]
    drafts = [end["id"] for end in (source, target) if end.get("status") == "draft"]
    if hop.get("status") == "draft":
        note += ", draft"
    elif drafts:
        note += ", draft: " + " ".join(drafts)
    paper = {source.get("document"), target.get("document")} - {None}
    papers = f", paper {'/'.join(sorted(paper))}" if paper else ""
    return one_line(f"{text} ({note}{papers})")


def details(item: dict[str, Any], root_document: str | None = None, *,
            with_match: bool = True) -> str:
    """The qualifiers of a result row (paper, actor, via, target …) as one short string
    (``with_match=False`` where the alignment hop is shown on a line of its own)."""
    out = provenance(item, root_document)
    match = item.get("via_match")
    if match and with_match:
        draft = ", draft" if match.get("status") == "draft" else ""
        out.append(f"via_match: {match['id']} (closeMatch, paper {match['document']}, "
                   f"{match['modality']}{draft})")
    for key in DETAIL_KEYS:
        value = item.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, dict):
            value = value.get("id", "")
        out.append(f"{key}: {value}")
    return safe(", ".join(out))


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
    if root.get("status") == "draft":
        extra.append("draft")
    return safe(f"{root.get('class', root_key)} {label(root, lang)} [{root['id']}] "
                f"({', '.join(extra)})")


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
    return [safe(fact) for fact in facts]


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
        branch = tree.add(f"[bold cyan]{escape(key.replace('_', ' '))}[/bold cyan] "
                          f"({count_line(items)})")
        for item in items:
            _tree_item(branch, item, lang, root.get("document"))
    console().print(tree)


def count_line(items: list[dict[str, Any]]) -> str:
    """``3`` distinct entities, or ``3 entities, 5 links`` when some are reached twice.

    >>> count_line([{"id": "a"}, {"id": "a"}, {"id": "b"}])
    '2 entities, 3 links'
    """
    distinct = len({item.get("id") for item in items})
    return str(distinct) if distinct == len(items) else f"{distinct} entities, {len(items)} links"


def _match_line(match: dict[str, Any], lang: str) -> str:
    return one_line(f"via alignment: closeMatch {match.get('class', '')} {label(match, lang)} "
                    f"[{match['id']}] (paper {match['document']}, {match['modality']}"
                    f"{', draft' if match.get('status') == 'draft' else ''})")


def _tree_item(branch: Any, item: dict[str, Any], lang: str, root_document: str | None) -> None:
    from rich.markup import escape

    text = f"{item.get('class', '')} {label(item, lang)} [{item.get('id', '')}]"
    qualifiers = details(item, root_document, with_match=False)
    node = branch.add(escape(safe(text + (f" ({qualifiers})" if qualifiers else ""))))
    for ev in item.get("evidence", []):
        node.add(f"[dim]{escape(evidence_line(ev))}[/dim]")
    match = item.get("via_match")
    if match:
        hop = node.add(escape(_match_line(match, lang)))
        for ev in match.get("evidence", []):
            hop.add(f"[dim]{escape(evidence_line(ev))}[/dim]")
    for key, value in item.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and key != "evidence":
            sub = node.add(f"[cyan]{escape(key.replace('_', ' '))}[/cyan]")
            for child in value:
                _tree_item(sub, child, lang, root_document)


def trace_markdown(result: dict[str, Any], lang: str) -> str:
    """A trace (or entity card) as Markdown, HTML escaped (:func:`markdown_text`)."""
    root_key, root, lists = _sections(result)
    lines = [f"# {_root_line(root_key, root, lang)}", ""]
    lines += [f"- {fact}" for fact in root_facts(root, lang)]
    lines += [f"- evidence: {evidence_line(ev)}" for ev in root.get("evidence", [])]
    lines.append("")
    for key, items in lists:
        lines += [f"## {key.replace('_', ' ').capitalize()} ({count_line(items)})", ""]
        for item in items:
            lines += _markdown_item(item, lang, 0, root.get("document"))
        lines.append("")
    # one line each: a newline in a label or definition must not start Markdown of its own
    return "\n".join(markdown_text(line) for line in lines).rstrip() + "\n"


def _markdown_item(item: dict[str, Any], lang: str, depth: int,
                   root_document: str | None) -> list[str]:
    pad = "  " * depth
    qualifiers = details(item, root_document, with_match=False)
    lines = [f"{pad}- **{label(item, lang)}** `{item.get('id', '')}`"
             + (f" — {qualifiers}" if qualifiers else "")]
    for ev in item.get("evidence", []):
        lines.append(f"{pad}  - {evidence_line(ev)}")
    match = item.get("via_match")
    if match:
        lines.append(f"{pad}  - {_match_line(match, lang)}")
        lines += [f"{pad}    - {evidence_line(ev)}" for ev in match.get("evidence", [])]
    for key, value in item.items():
        if isinstance(value, list) and value and isinstance(value[0], dict) and key != "evidence":
            lines.append(f"{pad}  - {key.replace('_', ' ')}:")
            for child in value:
                lines += _markdown_item(child, lang, depth + 2, root_document)
    return lines


def trace_rows(result: dict[str, Any], lang: str) -> list[dict[str, str]]:
    """A trace flattened to rows: group, id, class, label, details, first evidence."""
    _, root, lists = _sections(result)
    rows = []
    for key, items in lists:
        for item in items:
            evidence = item.get("evidence") or [{}]
            first = evidence[0]
            rows.append({"group": key, "id": item.get("id", ""), "class": item.get("class", ""),
                         "label": label(item, lang), "paper": item.get("document", ""),
                         "modality": item.get("modality", ""),
                         "details": details(item, root.get("document")),
                         "evidence": evidence_line(first) if first else ""})
    return rows


#: Columns of running text that wrap to fit the terminal.
FLEXIBLE_COLUMNS = frozenset({"label", "details", "snippet", "evidence", "matched", "outcomes",
                              "practice", "definition"})


def column_widths(rows: list[dict[str, Any]], columns: list[str], width: int) -> dict[str, int]:
    """Widths that fit ``width``: ids whole where they can be (up to 40), short columns at their
    natural width, and the columns of running text sharing the rest.

    >>> column_widths([{"id": "barrier/x", "label": "A long label " * 5}], ["id", "label"], 40)
    {'id': 9, 'label': 24}
    """
    from rich.cells import cell_len

    natural = {c: max([cell_len(c)] + [max((cell_len(part) for part in
                                            str(r.get(c, "")).split("\n")), default=0)
                                       for r in rows]) for c in columns}
    room = max(width - (3 * len(columns) + 1), len(columns))
    flexible = [c for c in columns if c in FLEXIBLE_COLUMNS]
    out = {c: min(natural[c], 40 if c == "id" else 16) for c in columns if c not in flexible}
    while sum(out.values()) > room - 12 * len(flexible) and any(v > 8 for v in out.values()):
        # cut the widest column, ids last
        widest = max(out, key=lambda c: (out[c] > 8, c != "id", out[c]))
        out[widest] -= 1
    left = room - sum(out.values())
    for index, column in enumerate(flexible):
        share = left // (len(flexible) - index)
        out[column] = max(min(natural[column], share), 1)
        left -= out[column]
    if left > 0:  # give what the text columns did not need back to the cut short columns
        for column in columns:
            extra = min(left, natural[column] - out[column])
            if extra > 0:
                out[column] += extra
                left -= extra
    return out


def rows_table(rows: list[dict[str, Any]], title: str = "") -> None:
    """Rows of flat dicts as a rich table that fits the console's width."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    table = Table(title=title or None, show_lines=False)
    columns = list(rows[0]) if rows else ["(no rows)"]
    widths = column_widths(rows, columns, out.width)
    for column in columns:
        table.add_column(column, overflow="fold", width=widths[column])
    for row in rows:
        table.add_row(*(Text(safe(str(row.get(c, "")))) for c in columns))
    out.print(table)


def rows_csv(rows: list[dict[str, Any]]) -> str:
    """Rows of flat dicts as CSV text for a spreadsheet (every cell, the header too, through
    :func:`csv_cell`: escaped control characters, no formulas)."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c, "")) for c in columns])
    return buffer.getvalue()


def rows_markdown(rows: list[dict[str, Any]]) -> str:
    """Rows of flat dicts as a Markdown table (cells through :func:`markdown_text`)."""
    if not rows:
        return "(no rows)\n"
    columns = list(rows[0])

    def cell(value: Any) -> str:
        return markdown_text(str(value)).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
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
    parts = ["draft"] if row.get("status") == "draft" else []
    parts += [f"{k}={v}" for k, v in row.get("properties", {}).items() if k not in _LIST_HIDDEN]
    if row.get("dimension"):
        parts.append(f"dimension={row['dimension']['id'].removeprefix('dimension/')}")
    parts += [f"issued_by={org['id']}" for org in row.get("issued_by", [])]
    return "; ".join(parts)


def join(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v not in (None, ""))
