"""Measure PDF text extraction for Chinese papers: pypdf (what kg ingest uses) vs pdfminer.six.

Usage: .venv/bin/python benchmarks/bench_pdf_readers.py
Needs reportlab (test extra); pdfminer.six and fpdf2 are optional (pip install pdfminer.six
fpdf2): without them those rows are skipped.

PDFs generated from known text:
- reportlab, CID font STSong-Light (no embedded font; a predefined CMap): the test paper and
  the 25 KB seed paper 000;
- fpdf2 with an embedded subset of Noto Sans CJK (CFF outlines, ToUnicode map), when fpdf2 and
  the font are on the machine.

Character accuracy = 1 - Levenshtein distance / length, both texts without whitespace (line
breaks differ by construction). Nothing here is asserted by the tests.

Measured when kg ingest chose pypdf (2 cores, Python 3.11, pypdf 7.1, pdfminer.six 20260107):
both read the CID-font PDFs exactly (accuracy 1.0000), pypdf in 25 ms / 476 ms against
pdfminer.six's 114 ms / 1268 ms; on the fpdf2 embedded-subset PDFs pdfminer.six extracted
nothing (0.0000) while pypdf recovered 0.95 / 0.49 (some glyphs of that subset map to wrong
characters; NUL bytes it emits between characters are dropped by the reader).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOTO = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def reportlab_pdf(path: Path, text: str) -> None:
    from tests.fixtures.ingest.make_fixtures import pdf

    pdf(path, text.splitlines())


def fpdf2_pdf(path: Path, text: str) -> bool:
    try:
        from fpdf import FPDF
    except ImportError:
        return False
    if not NOTO.exists():
        return False
    doc = FPDF()
    doc.add_page()
    doc.add_font("noto", fname=str(NOTO), collection_font_number=2)
    doc.set_font("noto", size=11)
    for line in text.splitlines():
        doc.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    doc.output(str(path))
    return True


def with_pypdf(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def with_pdfminer(path: Path) -> str | None:
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        return None
    return extract_text(str(path))


def accuracy(source: str, extracted: str) -> float:
    from rapidfuzz.distance import Levenshtein

    a = "".join(source.split())
    b = "".join(extracted.replace("\x00", "").split())
    return 1 - Levenshtein.distance(a, b) / len(a)


def main() -> None:
    texts = {
        "test paper (2 KB)": (ROOT / "tests/fixtures/ingest/paper-zh.txt").read_text("utf-8"),
        "seed 000 (25 KB)": next((ROOT / "seed_data/documents").glob("000_*.txt")).read_text(
            "utf-8"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name, text in texts.items():
            for maker, make in (("reportlab CID", reportlab_pdf), ("fpdf2 embedded", fpdf2_pdf)):
                path = Path(tmp) / f"{len(rows)}.pdf"
                if make(path, text) is False:
                    continue
                for reader, read in (("pypdf", with_pypdf), ("pdfminer.six", with_pdfminer)):
                    read(path)  # warm up imports
                    start = time.perf_counter()
                    out = read(path)
                    elapsed = time.perf_counter() - start
                    if out is None:
                        continue
                    rows.append((name, maker, reader, accuracy(text, out), elapsed))
        print(f"{'text':20} {'PDF':15} {'reader':13} {'char accuracy':>13} {'time':>8}")
        for name, maker, reader, acc, elapsed in rows:
            print(f"{name:20} {maker:15} {reader:13} {acc:13.4f} {elapsed * 1000:6.0f} ms")


if __name__ == "__main__":
    main()
