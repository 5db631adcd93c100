"""File → Document. ``parse(path)`` sniffs the format from the bytes and calls its reader.

The readers (``parsers.pdf``, ``parsers.docx``, ``parsers.html``, ``parsers.text``; Word 97
``.doc`` through LibreOffice into the DOCX reader, ``parsers.doc``) all feed
``parsers.builder.DocumentBuilder``, so spans, tables, footnotes and the outline follow one
set of rules whatever the format.
"""

from __future__ import annotations

import hashlib
from importlib import import_module
from pathlib import Path

from baocao.parsers.base import Limits, Reader
from baocao.parsers.errors import BaocaoError, CorruptFileError, ParseError, ResourceLimitError
from baocao.parsers.sniff import mismatch_warning, sniff
from baocao.schemas.document import Document, Format, Source

__all__ = ["parse", "Limits", "ParseError", "BaocaoError", "READERS"]

# format → "module:function"; imported lazily so reading HTML never loads the PDF stack
READERS: dict[Format, str] = {
    Format.pdf: "baocao.parsers.pdf:read_pdf",
    Format.docx: "baocao.parsers.docx:read_docx",
    Format.html: "baocao.parsers.html:read_html",
    Format.text: "baocao.parsers.text:read_text",
    Format.doc: "baocao.parsers.doc:read_doc",
}


def reader_for(fmt: Format) -> Reader:
    module, func = READERS[fmt].split(":")
    return getattr(import_module(module), func)  # type: ignore[no-any-return]


def parse(path: str | Path, *, limits: Limits | None = None) -> Document:
    """Read any supported report into a Document, or raise a typed ``ParseError``."""
    path = Path(path)
    limits = limits or Limits()
    source = _source(path, limits)
    doc = reader_for(source.format)(path, source, limits)
    warning = mismatch_warning(path, source.format)
    if warning:
        doc.warnings.insert(0, warning)
    return doc


def _source(path: Path, limits: Limits) -> Source:
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise ResourceLimitError(
                f"{size:,} bytes is over the {limits.max_bytes:,}-byte limit", path=str(path))
        digest = hashlib.sha256()
        with path.open("rb") as f:
            head = f.read(8192)
            digest.update(head)
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as e:
        raise CorruptFileError(f"cannot read the file ({e.strerror})", path=str(path)) from e
    fmt = sniff(path, head)
    return Source(path=str(path), sha256=digest.hexdigest(), format=fmt, size=size)
