"""Bad input: one typed error per case, a clear message, never a traceback or a hang."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from baocao.cli import main
from baocao.parsers import parse
from baocao.parsers.base import Limits
from baocao.parsers.errors import (
    EmptyFileError,
    FormatMismatchError,
    ResourceLimitError,
    UnsupportedFormatError,
)
from tests.conftest import CORPUS


def test_errors_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyFileError):
        parse(path)


def test_errors_whitespace_only_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("  \n\n \t\n", encoding="utf-8")
    with pytest.raises(EmptyFileError):
        parse(path)


def test_errors_html_saved_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_text("<html><body><h1>404 Not Found</h1></body></html>", encoding="utf-8")
    with pytest.raises(FormatMismatchError, match="not pdf"):
        parse(path)


def test_errors_pdf_named_docx_is_read_as_pdf_with_warning(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes((CORPUS / "docs/002_5ad6a5fc7af788d2.pdf").read_bytes())
    doc = parse(path)
    assert doc.source.format.value == "pdf"
    assert any(w.startswith("format_mismatch") for w in doc.warnings)


def test_errors_word97_doc(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(UnsupportedFormatError, match="Word 97"):
        parse(path)


def test_errors_zip_that_is_not_a_report(tmp_path: Path) -> None:
    path = tmp_path / "data.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.csv", "x,y\n1,2\n")
    with pytest.raises(UnsupportedFormatError):
        parse(path)


def test_errors_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(UnsupportedFormatError):
        parse(path)


def test_errors_file_over_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Tổng số 12 hồ sơ.\n" * 1000, encoding="utf-8")
    with pytest.raises(ResourceLimitError):
        parse(path, limits=Limits(max_bytes=1000))


def test_errors_huge_pipe_table(tmp_path: Path) -> None:
    path = tmp_path / "table.md"
    path.write_text("| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 300, encoding="utf-8")
    with pytest.raises(ResourceLimitError):
        parse(path, limits=Limits(max_table_cells=100))


def test_errors_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    path.write_bytes(b"")
    result = CliRunner().invoke(main, ["parse", str(path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: [BC101]")
    assert "Traceback" not in result.output
