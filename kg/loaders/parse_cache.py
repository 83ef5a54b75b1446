"""Parsed annotation files kept between builds, by the SHA-256 of their bytes.

Parsing YAML is the largest part of reading a corpus (about a quarter of a 100-paper build);
a paper whose file did not change need not be parsed again. The cache holds what
:func:`kg.loaders.yaml_source.read_yaml` returned, in a tagged JSON that gives back exactly
the same Python values (dicts with any keys, dates, sets, bytes, big integers, floats) and
can hold nothing else: reading it never runs code (values JSON holds exactly, the usual case,
are kept as they are). Only files that parsed are kept; a damaged or foreign cache file is
ignored and the file parsed again. The build points it at ``<data dir>/cache/yaml/`` and keeps
only the entries of its own inputs. A new entry is written at once by the process that parsed
the file (a build worker too), into a staging directory that becomes part of the cache only
when the build succeeds.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import json
import math
import os
import shutil
import tempfile
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Iterator

#: Bump when what read_yaml returns changes (entries of other versions are never read).
VERSION = "2"
#: Names of the directories where builds stage new entries.
STAGING = ".staging-"
_DIRECTORY: ContextVar["_Cache | None"] = ContextVar("kg_parse_cache", default=None)


class _Cache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.used: set[str] = set()
        self.staging: Path | None = None  # made when the first entry is written

    def stage(self, key: str, text: str) -> None:
        """Write a new entry into the staging directory (never raises: just not cached)."""
        try:
            if self.staging is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                self.staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=self.directory))
            with open(self.staging / f"{key}.json", "w", encoding="utf-8") as handle:
                handle.write(text)
        except (OSError, ValueError):
            pass


@contextlib.contextmanager
def parse_cache(directory: Path) -> Iterator[None]:
    """Within the block, :func:`cached_parse` reads entries under ``directory``; when the block
    succeeds, the new entries join the cache and those it did not use are removed (a failed
    build leaves the data dir as it was)."""
    cache = _Cache(directory)
    token = _DIRECTORY.set(cache)
    try:
        yield
    except BaseException:
        _discard(cache)
        raise
    finally:
        _DIRECTORY.reset(token)
    if cache.staging is not None:
        for entry in sorted(cache.staging.glob("*.json")):
            with contextlib.suppress(OSError):
                os.replace(entry, directory / entry.name)
        shutil.rmtree(cache.staging, ignore_errors=True)
    if directory.is_dir():
        for entry in directory.glob("*.json"):
            if entry.stem not in cache.used:
                with contextlib.suppress(OSError):
                    entry.unlink()


def _discard(cache: _Cache) -> None:
    """Remove what a failed build staged (and the cache directory, if that leaves it empty)."""
    if cache.staging is not None:
        shutil.rmtree(cache.staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            cache.directory.rmdir()


def _entry_key(sha256: str) -> str:
    """The entry of a file whose bytes have this SHA-256 (hex)."""
    return hashlib.sha256(f"{VERSION}\0{sha256}".encode()).hexdigest()


def keep_parsed(sha256: str) -> None:
    """Keep the entry of a file whose bytes have this SHA-256 although this build did not
    parse it (its unit came from :mod:`kg.units`' cache): a later build may need it."""
    cache = _DIRECTORY.get()
    if cache is not None:
        cache.used.add(_entry_key(sha256))


def cached_parse(data: bytes, parse: Any) -> Any:
    """``parse()`` of a file whose bytes are ``data``, from the cache when it holds them."""
    cache = _DIRECTORY.get()
    if cache is None:
        return parse()
    key = _entry_key(hashlib.sha256(data).hexdigest())
    cache.used.add(key)
    path = cache.directory / f"{key}.json"
    try:
        return decode(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    value = parse()
    text = entry_text(value)
    if text is not None:
        cache.stage(key, text)
    return value


def entry_text(value: Any) -> str | None:
    """The cache entry of a parsed value, or None for a value the encoding does not hold: the
    value as plain JSON when JSON gives it back exactly (checked by reading it back), else
    tagged (:func:`encode`).

    >>> entry_text({"a": [1, "b"]}), entry_text({1: "one"})
    ('["j",{"a":[1,"b"]}]', '["d",1,"one"]')
    """
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        if json.loads(text) == value:
            return '["j",' + text + "]"
    except (TypeError, ValueError, RecursionError):
        pass
    try:
        return json.dumps(encode(value), ensure_ascii=False, allow_nan=False,
                          separators=(",", ":"))
    except (TypeError, ValueError, RecursionError):
        return None


def encode(value: Any) -> Any:
    """A parsed YAML value as tagged JSON (every container and non-JSON scalar tagged).

    >>> encode({"a": [1, 2.5], 3: None})
    ['d', 'a', ['l', 1, 2.5], 3, None]
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else ["f", repr(value)]
    if isinstance(value, dict):
        out: list[Any] = ["d"]
        for key, item in value.items():
            out += [encode(key), encode(item)]
        return out
    if isinstance(value, list):
        return ["l", *(encode(item) for item in value)]
    if isinstance(value, tuple):
        return ["t", *(encode(item) for item in value)]
    if isinstance(value, (set, frozenset)):
        return ["s", *sorted((encode(item) for item in value), key=json.dumps)]
    if isinstance(value, datetime.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, datetime.date):
        return ["date", value.isoformat()]
    if isinstance(value, bytes):
        return ["b", base64.b64encode(value).decode("ascii")]
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decode(value: Any) -> Any:
    """The value :func:`encode` was given.

    >>> decode(encode({"a": [1, 2.5], 3: None, "d": datetime.date(2024, 5, 1)}))
    {'a': [1, 2.5], 3: None, 'd': datetime.date(2024, 5, 1)}
    """
    if not isinstance(value, list):
        return value
    tag, items = value[0], value[1:]
    if tag == "j" and len(items) == 1:  # plain JSON (entry_text)
        return items[0]
    if tag == "d":
        return {_key(decode(items[i])): decode(items[i + 1]) for i in range(0, len(items), 2)}
    if tag == "l":
        return [decode(item) for item in items]
    if tag == "t":
        return tuple(decode(item) for item in items)
    if tag == "s":
        return {decode(item) for item in items}
    if tag == "f":
        return float(items[0])
    if tag == "dt":
        return datetime.datetime.fromisoformat(items[0])
    if tag == "date":
        return datetime.date.fromisoformat(items[0])
    if tag == "b":
        return base64.b64decode(items[0])
    raise ValueError(f"unknown tag {tag!r}")


def _key(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
