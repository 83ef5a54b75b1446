"""The name of a build: a digest of its graph's content."""

from __future__ import annotations

import hashlib


def build_digest(nt_sha256: str, json_sha256: str) -> str:
    """A build's name: 16 hex digits of the SHA-256 of its graph.nt's and graph.json's digests
    (the graph's content, whatever wrote it).

    >>> build_digest("0" * 64, "1" * 64)
    '2b97a5e0cf37a46b'
    """
    return hashlib.sha256(f"graph.nt {nt_sha256}\ngraph.json {json_sha256}\n".encode()
                          ).hexdigest()[:16]
