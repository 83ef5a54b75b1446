"""Text helpers of the proposer: OpenCC normalisation (same length as the original), jieba tokens,
the whitespace-collapsed view with its offsets, string similarity, label clean-up and the
clause/sentence delimiters.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from kg.ingest import cues


# -------------------------------------------------------------------------------------------
# normalisation and the whitespace-collapsed view
# -------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _opencc():
    from opencc import OpenCC  # the OpenCC package (its t2s configuration ships with it)

    return OpenCC("t2s.json")


@lru_cache(maxsize=None)
def _t2s_char(ch: str) -> str:
    out = _opencc().convert(ch)
    return out if len(out) == 1 else ch


def normalise(text: str) -> str:
    """Simplified Chinese, character by character (same length as ``text``).

    >>> normalise("資訊維度：數據質量與安全")
    '资讯维度：数据质量与安全'
    """
    return "".join(_t2s_char(ch) if ord(ch) >= 0x3400 else ch for ch in text)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> list[str]:
    """Content tokens (jieba for Chinese, words for English), lower-case."""
    out = []
    for tok in _jieba().lcut(text):
        tok = tok.strip().lower()
        if len(tok) >= 2 and tok not in cues.OVERLAP_STOP and not tok.isdigit():
            out.append(tok)
    return out


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return o >= 0x2E80 or ch in "“”‘’–—·…"


def _build_view(text: str, breaks: frozenset[int] = frozenset()) -> tuple[str, list[int]]:
    """Whitespace runs dropped next to CJK characters, collapsed to one space elsewhere; a run
    holding one of ``breaks`` (the end of a heading line) becomes a newline."""
    out: list[str] = []
    pos: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            hard = next((b for b in range(i, j) if b in breaks), None)
            if hard is not None and out:
                out.append("\n")
                pos.append(hard)
            elif out and j < n and not _is_cjk(out[-1]) and not _is_cjk(text[j]) and out[-1] != " ":
                out.append(" ")
                pos.append(i)
            i = j
            continue
        out.append(ch)
        pos.append(i)
        i += 1
    return "".join(out), pos


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _bigrams(s: str) -> set[str]:
    s = re.sub(r"[\s“”\"'‘’()（）、，,:：]", "", s.lower())
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def _jaccard(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def _ap(actor: str | None, src: str) -> dict[str, str]:
    """Strategy properties for an actor and where it came from (subject, section, keyword)."""
    return {"actor": actor, "_src": src} if actor else {}


def _balance(s: str) -> str:
    """Drop an unpaired opening or closing quote mark at the edges."""
    if s.startswith("“") and "”" not in s:
        s = s[1:]
    if s.endswith("”") and "“" not in s:
        s = s[:-1]
    if s.count("“") > s.count("”") and s.endswith("“"):
        s = s[:-1]
    return s


def _token_jaccard(a: str, b: str) -> float:
    x, y = set(tokens(a)), set(tokens(b))
    return len(x & y) / len(x | y) if x and y else 0.0


def _common_run(a: str, b: str, k: int = 4) -> bool:
    if a.isascii() and b.isascii():  # English: two words in a row
        wa, wb = re.findall(r"[a-z0-9-]+", a.lower()), " ".join(re.findall(r"[a-z0-9-]+", b.lower()))
        return any(f" {x} {y} " in f" {wb} " for x, y in zip(wa, wa[1:], strict=False))
    a = re.sub(r"\W", "", a)
    b = re.sub(r"\W", "", b)
    return any(a[i : i + k] in b for i in range(len(a) - k + 1))


_CLAUSE_END = "，。；：,;:！？!?\n"
_SENT_END = "。；！？!?;\n"
