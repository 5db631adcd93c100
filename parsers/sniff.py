"""Which format a file is, from its bytes; the file name is only a claim to check against."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from parsers.errors import EmptyFileError, FormatMismatchError, UnsupportedFormatError
from schemas.document import Format

_HEAD = 8192
_HTML_HINT = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|table|title)[\s>/]",
                        re.IGNORECASE)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CLAIMS = {
    ".pdf": Format.pdf, ".docx": Format.docx, ".html": Format.html, ".htm": Format.html,
    ".txt": Format.text, ".md": Format.text,
}
_BINARY = {Format.pdf, Format.docx}
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


def sniff(path: Path, head: bytes) -> Format:
    """The format of the file whose first bytes are ``head``.

    Raises EmptyFileError, UnsupportedFormatError (legacy .doc, other zips, binary data) or
    FormatMismatchError (a .pdf/.docx whose bytes are text, typically a saved error page).
    """
    if not head.strip():
        raise EmptyFileError("the file is empty", path=str(path))
    found = _sniff_bytes(path, head)
    claimed = _CLAIMS.get(path.suffix.lower())
    if claimed in _BINARY and found not in _BINARY:
        raise FormatMismatchError(
            f"named {path.suffix} but its bytes are {found.value}, not {claimed.value}",
            path=str(path))
    return found


def mismatch_warning(path: Path, found: Format) -> str | None:
    """A warning when a readable file carries another format's extension."""
    claimed = _CLAIMS.get(path.suffix.lower())
    if claimed is None or claimed is found or {claimed, found} <= {Format.html, Format.text}:
        return None
    return f"format_mismatch: named {path.suffix}, read as {found.value} from its bytes"


def _sniff_bytes(path: Path, head: bytes) -> Format:
    if b"%PDF-" in head[:1024]:
        return Format.pdf
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if head.startswith(_OLE2):
        raise UnsupportedFormatError(
            "a Word 97-2003 (.doc) or other OLE2 file", path=str(path),
            hint="convert it to DOCX or PDF (LibreOffice: soffice --headless --convert-to docx)")
    if head.lstrip().startswith(b"{\\rtf"):
        raise UnsupportedFormatError("an RTF file", path=str(path), hint="convert it to DOCX")
    if _looks_binary(head):
        raise UnsupportedFormatError("binary data of an unknown format", path=str(path))
    return Format.html if _HTML_HINT.search(head[:_HEAD]) else Format.text


def _sniff_zip(path: Path) -> Format:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError) as e:
        from parsers.errors import CorruptFileError
        raise CorruptFileError(f"a damaged ZIP container ({e})", path=str(path)) from e
    if "word/document.xml" in names:
        return Format.docx
    raise UnsupportedFormatError("a ZIP archive that is not a Word document", path=str(path),
                                 hint="unzip it; ingest reads zip archives of reports")


def _looks_binary(head: bytes) -> bool:
    sample = head[:_HEAD]
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 20
