"""Read a new paper into text: UTF-8, GBK/GB18030 or UTF-16 text files, or a PDF's text layer.

The text returned is what ``kg ingest`` copies into ``documents/`` (as UTF-8, which the build's
reader requires) and what every offset of the draft counts in. Anything the build would refuse
is refused here first, with one line: an empty or binary file, a PDF without a text layer, an
encrypted PDF.

PDF text comes from pypdf, chosen by measurement (``benchmarks/bench_pdf_readers.py``): on
generated Chinese PDFs with a CID font it matched the source text character for character like
pdfminer.six, in a third of the time; on PDFs with an embedded subset font (fpdf2, Noto Sans
CJK) pdfminer.six returned no text at all where pypdf recovered most of it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from kg.documents import _utf16_without_bom, decode_document
from kg.errors import KgError

#: File suffixes a folder is searched for.
SUFFIXES = (".txt", ".pdf")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class PaperText:
    """The decoded text of one paper and how it was read."""

    text: str
    encoding: str  # "utf-8", "gbk", "gb18030", "utf-16-le", "utf-16-be", "pdf"
    notice: str | None  # one line for the user when the text was converted
    source: Path
    sha256: str = ""  # of the original file's bytes

    @property
    def data(self) -> bytes:
        """The UTF-8 bytes written to ``documents/``."""
        return self.text.encode("utf-8")


def read_paper(path: Path) -> PaperText:
    """Read one paper; a :class:`KgError` (one line) when it cannot be used."""
    where = str(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise KgError("is a directory", where=where, hint="pass the folder itself to kg ingest") from None
    except OSError as exc:
        raise KgError(f"cannot read file: {exc.strerror}", where=where) from None
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise KgError("file is empty", where=where, hint="give the paper's text or PDF")
    if data.lstrip()[:5] == b"%PDF-":
        text, notice = _read_pdf(data, where)
        return PaperText(_clean(text, where), "pdf", notice, path, digest)
    text, encoding, notice = _decode_text(data, where)
    return PaperText(_clean(text, where), encoding, notice, path, digest)


def _decode_text(data: bytes, where: str) -> tuple[str, str, str | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = _utf8(data[3:], where)
        return text, "utf-8", "UTF-8 with a byte-order mark: the copy is written without it"
    for bom, name in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return _utf16(data[2:], name, where), name, \
                f"decoded from {name.upper()}: the copy in documents/ is UTF-8"
    bomless = _utf16_without_bom(data)
    if bomless:
        name = bomless.lower().replace("utf-16", "utf-16-")
        return _utf16(data, name, where), name, \
            f"decoded from {bomless} (no byte-order mark): the copy in documents/ is UTF-8"
    _refuse_binary(data, where)
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError:
        pass
    for name in ("gbk", "gb18030"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, name, f"decoded from {name.upper()}: the copy in documents/ is UTF-8"
    raise KgError("file is not text in UTF-8, GBK/GB18030 or UTF-16, nor a PDF", where=where,
                  hint="give the paper's extracted text or its PDF")


def _utf8(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KgError(f"file is not valid UTF-8 (invalid byte at {exc.start})", where=where) from None


def _utf16(data: bytes, name: str, where: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise KgError(f"file is not valid {name.upper()} (invalid bytes at {exc.start})",
                      where=where) from None


def _refuse_binary(data: bytes, where: str) -> None:
    head = data[:8192]
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\n\r\t\f")
    if controls > len(head) // 100 or b"\x00" in data:
        raise KgError("file is binary, not text", where=where,
                      hint="give the paper's extracted text (.txt) or its PDF")


def _looks_like_text(text: str) -> bool:
    """Most characters printable (a GBK decode of random bytes is full of odd symbols)."""
    sample = text[:20000]
    good = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t\f")
    return good >= 0.97 * len(sample)


def _clean(text: str, where: str) -> str:
    """Text the build accepts: no BOM, no NUL or other control characters, LF or CRLF ends."""
    text = text.removeprefix("\ufeff")
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    text = _CONTROL.sub("", text)
    if not text.strip():
        raise KgError("file has no text", where=where, hint="give the paper's text or its PDF")
    decode_document(text.encode("utf-8"), where=where)  # the build's own checks, once more
    return text


def _read_pdf(data: bytes, where: str) -> tuple[str, str | None]:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        notice = None
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - an unsupported cipher: the same answer
                opened = 0
            if not opened:
                raise KgError("PDF is encrypted", where=where,
                              hint="remove the password first, e.g. qpdf --decrypt in.pdf out.pdf")
            notice = "PDF is encrypted with an empty password: read it"
        pages = [page.extract_text() or "" for page in reader.pages]
    except KgError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise KgError(f"cannot read the PDF: {type(exc).__name__}: {exc}", where=where,
                      hint="the file may be damaged; re-export it or give its text") from None
    text = "\n".join(page.replace("\x00", "").rstrip() for page in pages)
    if not "".join(text.split()):
        raise KgError("no text layer: run OCR first", where=where,
                      hint="the PDF holds only images, e.g. ocrmypdf in.pdf out.pdf")
    return text + "\n", notice
