"""Word 97-2003 .doc through LibreOffice (parsers/doc.py) and its sniffing (parsers/sniff.py).

Tests that need LibreOffice skip with the reason where it is not installed, and fail under
CI=true, where .ci/run installs it (libreoffice-writer).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from baocao.extractor.pipeline import extract_document
from baocao.parsers import parse
from baocao.parsers.doc import convert_to_docx, soffice_binary
from baocao.parsers.errors import (
    BaocaoError,
    ConversionError,
    ConverterUnavailableError,
    UnsupportedFormatError,
)
from baocao.schemas.document import Format
from tests.conftest import CORPUS

REAL_DOC = "baocao-byt-2024-02-tong-ket-luat-bhyt-2009-2023.doc"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def need_soffice() -> str:
    found = soffice_binary()
    if found is None:
        reason = "LibreOffice is not installed (apt-get install libreoffice-writer)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must install it")
        pytest.skip(reason)
    return found


def to_doc(src: Path, out: Path) -> Path:
    """``src`` (DOCX) saved as Word 97 by LibreOffice, for tests."""
    binary = need_soffice()
    subprocess.run([binary, "--headless", "--norestore",
                    f"-env:UserInstallation={(out / 'profile').resolve().as_uri()}",
                    "--convert-to", "doc", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=180)
    return out / f"{src.stem}.doc"


@pytest.fixture(scope="module")
def real_doc(request: pytest.FixtureRequest):  # noqa: ANN201 - a parsed Document
    from tests.conftest import REALDOCS

    path = REALDOCS / REAL_DOC
    if not path.exists():
        pytest.skip(f"real documents not available: {path} is absent (fresh clone)")
    need_soffice()
    return parse(path)


@pytest.mark.realdocs
def test_doc_real_report_comes_through_with_its_tables(real_doc) -> None:  # noqa: ANN001
    doc = real_doc
    assert doc.source.format is Format.doc
    assert doc.warnings[0].startswith("converted: Word 97-2003 .doc")
    tables = [b.table for b in doc.blocks if b.table is not None]
    assert len(tables) >= 6
    assert max(t.n_rows * t.n_cols for t in tables) >= 60
    assert any(t.n_cols == 10 and "2014" in doc.text[b.span[0]:b.span[1]]
               for b, t in ((b, b.table) for b in doc.blocks if b.table is not None))
    for figure in ("58%", "74,9%", "86,9%", "89,1%"):
        assert figure in doc.text
    assert len(doc.text) > 100_000                       # 55 pages


@pytest.mark.realdocs
def test_doc_real_report_facts_from_table_cells(real_doc) -> None:  # noqa: ANN001
    facts = extract_document(real_doc).facts
    assert len(facts) > 200
    assert sum(1 for f in facts if f.location.cell is not None) >= 10
    assert any(f.kind.value == "percentage" and f.value == 89.1 for f in facts)


def test_doc_round_trip_of_a_corpus_report(tmp_path: Path) -> None:
    src = CORPUS / "docs" / "004_1ab22aee8a00dbb0.docx"
    doc = parse(to_doc(src, tmp_path))
    original = parse(src)
    assert doc.source.format is Format.doc
    assert [b.table is not None for b in doc.blocks].count(True) \
        == [b.table is not None for b in original.blocks].count(True)
    for figure in ("15.739", "89,4%", "1.865", "10,6%"):
        assert figure in doc.text


def test_doc_without_libreoffice_says_what_to_install(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(OLE2 + b"\x00" * 504 + "WordDocument\0".encode("utf-16-le") + b"\x00" * 102)
    monkeypatch.setenv("BAOCAO_SOFFICE", str(tmp_path / "no-such-soffice"))
    with pytest.raises(ConverterUnavailableError) as caught:
        parse(path)
    assert "apt-get install libreoffice-writer" in str(caught.value)
    assert caught.value.code == "BC110"


def test_doc_other_ole2_files_stay_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "book.xls"
    path.write_bytes(OLE2 + b"\x00" * 504 + "Workbook\0".encode("utf-16-le") + b"\x00" * 110)
    with pytest.raises(UnsupportedFormatError):
        parse(path)


def test_doc_that_is_really_html_is_read_as_html(tmp_path: Path) -> None:
    path = tmp_path / "web.doc"
    path.write_text("<html><body><p>Tỷ lệ đúng hạn đạt 96,9%.</p></body></html>",
                    encoding="utf-8")
    doc = parse(path)
    assert doc.source.format is Format.html
    assert any(w.startswith("format_mismatch") for w in doc.warnings)


def test_doc_damaged_file_gives_a_typed_error(tmp_path: Path) -> None:
    need_soffice()
    good = to_doc(CORPUS / "docs" / "002_5ad6a5fc7af788d2.docx", tmp_path)
    damaged = tmp_path / "damaged.doc"
    data = bytearray(good.read_bytes())
    data[4096:] = bytes(len(data) - 4096)              # everything after the header zeroed
    damaged.write_bytes(bytes(data))
    try:
        parse(damaged)
    except BaocaoError:
        pass


def test_doc_conversion_time_limit(tmp_path: Path) -> None:
    need_soffice()
    src = CORPUS / "docs" / "000_823effeef226c2f0.docx"
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(ConversionError, match="took over"):
        convert_to_docx(src, work, timeout=0.05)
    assert shutil.which("pgrep") is None or subprocess.run(
        ["pgrep", "-f", str(work)], capture_output=True).returncode != 0
