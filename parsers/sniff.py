"""Which format a file is, from its bytes; the file name is only a claim to check against."""

from __future__ import annotations

import mmap
import re
import zipfile
from pathlib import Path

from baocao.parsers.errors import EmptyFileError, FormatMismatchError, UnsupportedFormatError
from baocao.schemas.document import Format

_HEAD = 8192
_HTML_HINT = re.compile(rb"<\s*(?:!doctype\s+html|html|head|body|meta|div|p|table|title)[\s>/]",
                        re.IGNORECASE)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CLAIMS = {
    ".pdf": Format.pdf, ".docx": Format.docx, ".html": Format.html, ".htm": Format.html,
    ".txt": Format.text, ".md": Format.text, ".doc": Format.doc,
}
# The directory entry name of a Word 97-2003 document's main stream, as OLE2 stores it
# (UTF-16LE with its terminator) at the start of a 128-byte directory entry.
_WORD_STREAM = "WordDocument\0".encode("utf-16-le")
_BINARY = {Format.pdf, Format.docx}
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])


def sniff(path: Path, head: bytes) -> Format:
    """The format of the file whose first bytes are ``head``.

    Raises EmptyFileError, UnsupportedFormatError (OLE2 files other than Word documents, RTF,
    other zips, binary data) or FormatMismatchError (a .pdf/.docx whose bytes are text,
    typically a saved error page). A .doc whose bytes are HTML or text (Word's "save as web
    page" kept the old name) is read as what it is, with a warning.
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
        if _is_word97(path):
            return Format.doc
        raise UnsupportedFormatError(
            "an OLE2 file that is not a Word 97 document (Excel, PowerPoint, Outlook...)",
            path=str(path), hint="convert it to DOCX or PDF")
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
        from baocao.parsers.errors import CorruptFileError
        raise CorruptFileError(f"a damaged ZIP container ({e})", path=str(path)) from e
    if "word/document.xml" in names:
        return Format.docx
    raise UnsupportedFormatError("a ZIP archive that is not a Word document", path=str(path),
                                 hint="unzip it; ingest reads zip archives of reports")


def _is_word97(path: Path) -> bool:
    """Whether an OLE2 compound file has a "WordDocument" stream: its name at the start of
    a 128-byte directory entry (the directory may lie anywhere in the file, so it is found
    by search, in a memory map, not by reading the file into memory)."""
    try:
        with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            at = m.find(_WORD_STREAM, 512)
            while at != -1:
                if at % 128 == 0:
                    return True
                at = m.find(_WORD_STREAM, at + 2)
    except (OSError, ValueError):
        return False
    return False


def _looks_binary(head: bytes) -> bool:
    sample = head[:_HEAD]
    if b"\x00" in sample and not (sample.startswith((b"\xff\xfe", b"\xfe\xff"))):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > len(sample) // 20
