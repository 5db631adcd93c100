"""Typed parse errors: every file that cannot be read ends in exactly one of these.

    BaocaoError                        code   meaning
    └── ParseError
        ├── EmptyFileError             BC101  the file has no bytes (or only whitespace)
        ├── UnsupportedFormatError     BC102  bytes of a format baocao does not read (yet)
        ├── FormatMismatchError        BC103  the extension promises one format, the bytes are another
        ├── CorruptFileError           BC104  truncated or damaged PDF/DOCX/ZIP
        ├── EncryptedFileError         BC105  password required
        ├── NeedsOCRError              BC106  a PDF with no text layer
        │   └── OCRUnavailableError    BC109  ... and Tesseract or its Vietnamese model is missing
        ├── ResourceLimitError         BC107  zip bomb, huge table, file over the size limit
        ├── DecodeError                BC108  text whose charset cannot be determined
        ├── ConverterUnavailableError  BC110  a Word 97 .doc, and LibreOffice is not installed
        └── ConversionError            BC111  an external tool (LibreOffice, Tesseract) failed or
                                              ran out of time on this file

Each error carries a stable ``code``, the ``path`` and a ``hint`` saying what to do, so the
CLI prints one clear line (never a traceback) and ingest can store the record.
"""

from __future__ import annotations


class BaocaoError(Exception):
    code = "BC100"
    hint = ""

    def __init__(self, message: str, *, path: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        tail = f" ({self.hint})" if self.hint else ""
        return f"[{self.code}] {where}{self.message}{tail}"

    def record(self) -> dict[str, str | None]:
        """A JSON-ready description, the same fields ingest stores."""
        return {"code": self.code, "type": type(self).__name__, "path": self.path,
                "message": self.message, "hint": self.hint or None}


class ParseError(BaocaoError):
    code = "BC100"


class EmptyFileError(ParseError):
    code = "BC101"
    hint = "the file is empty; re-download or re-export it"


class UnsupportedFormatError(ParseError):
    code = "BC102"
    hint = "baocao reads PDF, DOCX, HTML and text files"


class FormatMismatchError(ParseError):
    code = "BC103"
    hint = "the file name's extension does not match its contents; check the download"


class CorruptFileError(ParseError):
    code = "BC104"
    hint = "the file is truncated or damaged; re-download or re-export it"


class EncryptedFileError(ParseError):
    code = "BC105"
    hint = "password required: remove the protection and try again"


class NeedsOCRError(ParseError):
    code = "BC106"
    hint = "no text layer: needs OCR (scanned pages)"


class ResourceLimitError(ParseError):
    code = "BC107"
    hint = "the file exceeds a safety limit (size, decompressed size or table size)"


class DecodeError(ParseError):
    code = "BC108"
    hint = "declare the charset or convert the file to UTF-8"


class OCRUnavailableError(NeedsOCRError):
    """A scan that cannot be read here: a ``NeedsOCRError`` whose hint says what to install.

    A subclass of ``NeedsOCRError`` so callers that already catch "needs OCR" keep working.
    """

    code = "BC109"
    hint = "install Tesseract and its Vietnamese model: apt-get install tesseract-ocr tesseract-ocr-vie"


class ConverterUnavailableError(ParseError):
    code = "BC110"
    hint = "Word 97 .doc needs LibreOffice: apt-get install libreoffice-writer"


class ConversionError(ParseError):
    code = "BC111"
    hint = "an external converter failed on this file; open and re-save it, or convert it by hand"
