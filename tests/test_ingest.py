"""``baocao ingest`` end to end, on SQLite and PostgreSQL: the corpus in every format, reruns,
new versions, unreadable files, zip archives, corrections across extractor versions."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from baocao.cli import main
from baocao.store import version
from baocao.store.db import session_scope
from baocao.store.errors import InputNotFoundError
from baocao.store.export import documents_frame
from baocao.store.ingest import ingest
from baocao.store.inputs import Selection
from baocao.store.models import (
    CorrectionRow,
    DocumentRow,
    ErrorRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    VersionRow,
)
from baocao.store.repository import correct_fact, list_errors
from tests.conftest import CORPUS, DOCS, SEEDS, corpus_files, extraction_of

pytest_plugins = ["tests.conftest_db"]


def stored_facts(url: str) -> dict[str, list[tuple]]:
    """path → facts of its current extraction, as (id, kind, value, text, span)."""
    out: dict[str, list[tuple]] = {}
    with session_scope(url) as session:
        rows = session.execute(
            select(DocumentRow.path, FactRow.ordinal, FactRow.kind, FactRow.value,
                   FactRow.value_text, FactRow.text, FactRow.span_start, FactRow.span_end)
            .join(ExtractionRow, FactRow.extraction_id == ExtractionRow.id)
            .join(VersionRow).join(DocumentRow)
            .where(ExtractionRow.is_current.is_(True)).order_by(FactRow.id))
        for path, *fact in rows:
            out.setdefault(path, []).append(tuple(fact))
    return out


def expected_facts(path: Path) -> list[tuple]:
    ex = extraction_of(path)
    return [(f.id, f.kind.value, f.value if isinstance(f.value, float) else None,
             f.value if isinstance(f.value, str) else None, f.text, f.span[0], f.span[1])
            for f in ex.facts]


def row_counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0
                for m in (DocumentRow, VersionRow, ExtractionRow, FactRow, ErrorRow)}


def test_ingest_corpus_stores_what_extract_gives(db_url: str) -> None:
    report = ingest([CORPUS / "seeds", CORPUS / "docs"], db=db_url, workers=2, quiet=True)
    files = corpus_files()
    assert (report.files, report.new, report.failed) == (len(files), len(files), 0)
    stored = stored_facts(db_url)
    assert {Path(p).name for p in stored} == {p.name for p in files}
    formats = set()
    for path in files:
        assert stored[str(path.resolve())] == expected_facts(path), path.name
        formats.add(extraction_of(path).source.format.value)
    assert formats == {"pdf", "docx", "html", "text"}
    assert report.facts == sum(len(v) for v in stored.values())


def test_rerun_skips_everything(db_url: str) -> None:
    ingest([CORPUS / "seeds"], db=db_url, workers=1, quiet=True)
    before = row_counts(db_url)
    report = ingest([CORPUS / "seeds"], db=db_url, workers=1, quiet=True)
    assert (report.new, report.skipped, report.failed) == (0, len(SEEDS), 0)
    assert row_counts(db_url) == before


def test_changed_file_is_a_new_version(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    shutil.copy(SEEDS[4], target)
    ingest([target], db=db_url, workers=0, quiet=True)
    target.write_text(SEEDS[4].read_text(encoding="utf-8") + "\nBổ sung: 12 hồ sơ.\n",
                      encoding="utf-8")
    report = ingest([target], db=db_url, workers=0, quiet=True)
    assert report.new == 1
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 1
        versions = session.execute(select(VersionRow.number, VersionRow.is_latest)
                                   .order_by(VersionRow.number)).all()
    assert [tuple(v) for v in versions] == [(1, False), (2, True)]


def _bomb_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.txt", b"0" * (8 << 20))  # 8 MiB of zeros: ratio ~1000:1
        z.writestr("ok.txt", SEEDS[0].read_bytes())


def test_unreadable_files_are_recorded_and_the_run_goes_on(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "truncated.pdf").write_bytes((CORPUS / "docs" / DOCS[3].name).read_bytes()[:2000])
    (folder / "page.pdf").write_bytes(b"<!doctype html><html><body>404 Not Found</body></html>")
    _bomb_zip(folder / "archive.zip")
    shutil.copy(SEEDS[4], folder / "good.txt")
    report = ingest([folder], db=db_url, workers=2, quiet=True)
    codes = {Path(e["path"]).name: e["code"] for e in report.errors}
    assert codes == {"empty.pdf": "BC101", "truncated.pdf": "BC104", "page.pdf": "BC103",
                     "archive.zip!bomb.txt": "BC107"}
    assert report.new == 2  # good.txt and archive.zip!ok.txt
    result = CliRunner().invoke(main, ["errors", "--db", db_url])
    assert result.exit_code == 0
    for name, code in codes.items():
        assert code in result.output and name in result.output
    again = ingest([folder], db=db_url, workers=2, quiet=True)
    assert (again.new, again.failed, again.skipped) == (0, 0, 6)
    assert row_counts(db_url)["errors"] == 4


def test_zip_archive_nested_folders_and_path_traversal(db_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "reports.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("2023/q1/huyen/004.txt", SEEDS[4].read_bytes())
        z.writestr("2023/q2/001.html", (CORPUS / "docs" / "001_422e18ebd3f30e83.html").read_bytes())
        z.writestr("2023/", b"")
        z.writestr("../../evil.txt", b"owned")
        z.writestr("/etc/evil.txt", b"owned")
    archive.write_bytes(buffer.getvalue())
    report = ingest([archive], db=db_url, workers=1, quiet=True)
    assert report.new == 2
    refused = sorted(e["path"].split("!")[1] for e in report.errors)
    assert refused == ["../../evil.txt", "/etc/evil.txt"]
    assert {e["code"] for e in report.errors} == {"BC201"}
    assert not (tmp_path.parent / "evil.txt").exists()
    stored = stored_facts(db_url)
    member = f"{archive.resolve()}!2023/q1/huyen/004.txt"
    assert stored[member] == expected_facts(SEEDS[4])


def test_glob_inputs(db_url: str) -> None:
    report = ingest([str(CORPUS / "docs" / "00[01]_*.html")], db=db_url, workers=0, quiet=True)
    assert report.new == 2
    # a glob that matches nothing is the user's typo, not a bad document: refused before the
    # database is touched, and never recorded as an error row
    with pytest.raises(InputNotFoundError):
        ingest([str(CORPUS / "nothing-*.pdf")], db=db_url, workers=0, quiet=True)
    beside = ingest([str(CORPUS / "nothing-*.pdf"), str(CORPUS / "docs" / "001_*.html")],
                    db=db_url, workers=0, quiet=True)
    assert beside.missing == [str(CORPUS / "nothing-*.pdf")]
    assert beside.errors == [] and beside.new == 0 and beside.skipped == 1
    with session_scope(db_url) as session:
        assert list_errors(session) == []


def test_include_and_exclude_select_files(db_url: str) -> None:
    report = ingest([str(CORPUS / "docs")], db=db_url, workers=0, quiet=True,
                    select=Selection(include=("*.html",), exclude=("*.cp1258.html",)))
    assert report.files == 5 and report.excluded == 16 and report.new == 5
    with session_scope(db_url) as session:
        paths = sorted(Path(d["path"]).name for d in documents_frame(session).to_dict("records"))
    assert paths == [f"00{i}_{h}.html" for i, h in enumerate(
        ["823effeef226c2f0", "422e18ebd3f30e83", "5ad6a5fc7af788d2", "93ee7d9315423c01",
         "1ab22aee8a00dbb0"])]


def test_correction_survives_reingest_with_new_extractor(db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(version, "extractor_version", lambda: "test-v1")
    ingest([SEEDS[4]], db=db_url, workers=0, quiet=True)
    with session_scope(db_url) as session:
        fact = session.scalar(select(FactRow).where(FactRow.value == 15739.0))
        assert fact is not None
        correct_fact(session, fact, "edit", {"value": 15740.0}, actor="alice", reason="typo")
    monkeypatch.setattr(version, "extractor_version", lambda: "test-v2")
    report = ingest([SEEDS[4]], db=db_url, workers=1, quiet=True)
    assert (report.new, report.flags) == (1, 1)
    with session_scope(db_url) as session:
        assert session.scalar(select(CorrectionRow.value)) == 15740.0
        versions = session.scalars(select(ExtractionRow.extractor_version)
                                   .order_by(ExtractionRow.id)).all()
        assert versions == ["test-v1", "test-v2"]
        flag = session.scalar(select(FlagRow))
        assert flag is not None and flag.detail["fields"]["value"]["extracted"] == 15739.0


def test_cli_ingest_and_run_print_the_summary(db_url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(SEEDS[0]), str(SEEDS[1]), "--db", db_url,
                                  "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "2 files: 2 new" in result.output
    result = runner.invoke(main, ["run", str(CORPUS / "seeds"), "--db", db_url, "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "5 files: 3 new, 2 already stored, 0 unreadable" in result.output
    assert "5 documents, 5 versions" in result.output
    assert "checks failed by rule:" in result.output
    quiet = runner.invoke(main, ["ingest", str(CORPUS / "seeds"), "--db", db_url, "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""


def error_rows(url: str) -> dict[str, tuple[str, str]]:
    """file name → (code, message) of every error row."""
    with session_scope(url) as session:
        return {Path(p).name: (code, message) for p, code, message in
                session.execute(select(ErrorRow.path, ErrorRow.code, ErrorRow.message))}


def test_same_broken_bytes_at_several_paths_are_each_recorded(db_url: str,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    truncated = (CORPUS / "docs" / DOCS[3].name).read_bytes()[:2000]
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        (folder / name).write_bytes(truncated)
    (folder / "empty1.pdf").write_bytes(b"")
    (folder / "empty2.pdf").write_bytes(b"")
    shutil.copy(SEEDS[4], folder / "good.txt")
    shutil.copy(SEEDS[4], folder / "good-copy.txt")
    report = ingest([folder], db=db_url, workers=2, quiet=True)
    assert (report.files, report.new, report.skipped, report.failed) == (7, 1, 1, 5)
    rows = error_rows(db_url)
    assert {name: code for name, (code, _) in rows.items()} == {
        "a.pdf": "BC104", "b.pdf": "BC104", "c.pdf": "BC104",
        "empty1.pdf": "BC101", "empty2.pdf": "BC101"}
    # two of the three truncated copies were not read again: their reason names the first
    assert sum("same bytes as" in message for name, (_, message) in rows.items()
               if name in {"a.pdf", "b.pdf", "c.pdf"}) == 2

    # a rerun reads nothing and records nothing twice
    again = ingest([folder], db=db_url, workers=2, quiet=True)
    assert (again.new, again.skipped, again.failed) == (0, 7, 0)
    assert error_rows(db_url) == rows

    # the same bytes at a new path, in a later run: recorded from what is known, not reread
    (folder / "d.pdf").write_bytes(truncated)
    later = ingest([folder / "d.pdf"], db=db_url, workers=2, quiet=True)
    assert later.failed == 1
    code, message = error_rows(db_url)["d.pdf"]
    assert code == "BC104" and "same bytes as" in message

    # a repaired file clears its own row, the others stay
    shutil.copy(CORPUS / "docs" / DOCS[3].name, folder / "b.pdf")
    fixed = ingest([folder / "b.pdf"], db=db_url, workers=0, quiet=True)
    assert fixed.new == 1
    assert set(error_rows(db_url)) == {"a.pdf", "c.pdf", "d.pdf", "empty1.pdf", "empty2.pdf"}
