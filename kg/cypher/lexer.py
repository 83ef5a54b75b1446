"""Cypher text as tokens (strings, names, numbers, parameters, operators), and bracket groups.

Only what the translation to the embedded engine needs: every character of the query lands in
exactly one token, so untouched parts are written back verbatim. This is a lexer, not a parser:
the engine parses and runs the query; the Neo4j front end (tools/cypher-lint) checks Cypher text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import KgError

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`(?:[^`]|``)*`)
  | (?P<number>(?:\d+\.\d+|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_\d]))
  | (?P<param>\$(?:[A-Za-z_][A-Za-z0-9_]*|\d+|`(?:[^`]|``)*`))
  | (?P<name>[^\W\d]\w*)
  | (?P<op>\.\.|<>|<=|>=|=~|\+=|[-+*/%^=<>(){}\[\],.:;|!&])
""", re.X | re.S)


@dataclass(frozen=True)
class Token:
    """One token: its kind (ws, comment, string, quoted, number, param, name, op) and text."""

    kind: str
    text: str
    pos: int

    @property
    def word(self) -> str:
        """The upper-cased text of a name (keywords are case-insensitive), else ''."""
        return self.text.upper() if self.kind == "name" else ""

    @property
    def ident(self) -> str | None:
        """The identifier a name or `quoted` name stands for, else None."""
        if self.kind == "name":
            return self.text
        if self.kind == "quoted":
            return self.text[1:-1].replace("``", "`")
        return None


def tokenize(text: str) -> list[Token]:
    """Every token of ``text``; an unterminated string or comment is one clear error.

    >>> [t.text for t in tokenize("MATCH (n:`A b`) RETURN n.x<>'y'") if t.kind != "ws"]
    ['MATCH', '(', 'n', ':', '`A b`', ')', 'RETURN', 'n', '.', 'x', '<>', "'y'"]
    """
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            what = {"'": "a string", '"': "a string", "`": "a `quoted` name"}.get(char)
            if char == "/" and text.startswith("/*", pos):
                what = "a /* comment"
            raise KgError(f"cannot read the Cypher query at character {pos + 1}: "
                          + (f"{what} is not closed" if what else f"unexpected {char!r}"),
                          hint="check the quotes and brackets")
        kind = match.lastgroup or "op"
        out.append(Token(kind, match.group(), pos))
        pos = match.end()
    return out


def quote(name: str) -> str:
    """``name`` as a `quoted` Cypher identifier.

    >>> quote("Case"), quote("a`b")
    ('`Case`', '`a``b`')
    """
    return "`" + name.replace("`", "``") + "`"


def text_of(tokens: list[Token]) -> str:
    """The tokens written back."""
    return "".join(t.text for t in tokens)


_CLOSE = {"(": ")", "[": "]", "{": "}"}


def matching(tokens: list[Token], start: int) -> int:
    """The index of the bracket closing the one at ``start``; an unbalanced one is an error."""
    opener = tokens[start].text
    closer = _CLOSE[opener]
    depth = 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok.kind != "op":
            continue
        if tok.text in _CLOSE:
            depth += 1
        elif tok.text in (")", "]", "}"):
            depth -= 1
            if depth == 0:
                if tok.text != closer:
                    break
                return i
    raise KgError(f"unbalanced {opener!r} in the Cypher query at character {tokens[start].pos + 1}",
                  hint="check the brackets")
