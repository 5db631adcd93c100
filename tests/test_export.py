"""``baocao export``: facts with corrected values beside extracted ones, checks, documents, in
jsonl, csv, parquet and xlsx, read back with pandas; filters; the exported record's schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

import baocao
from baocao.cli import main
from baocao.store.db import session_scope
from baocao.store.export import FACT_COLUMNS, ExportedFact, Filters, export_frames, facts_frame
from baocao.store.ingest import ingest
from baocao.store.models import ExtractionRow, FactRow, UserRow, VersionRow
from baocao.store.repository import add_fact, correct_fact
from tests.conftest import SEEDS, extraction_of

pytest_plugins = ["tests.conftest_db"]

SEED_004 = SEEDS[4]  # Đắk Song district report, 2023


@pytest.fixture
def corrected_db(db_url: str) -> str:
    """The five seeds ingested; in 004, 15.739 corrected to 15.740 by alice, 1.865 rejected."""
    ingest(SEEDS, db=db_url, workers=0, quiet=True)
    with session_scope(db_url) as session:
        alice = UserRow(name="alice", role="reviewer", password_hash="x", allowed_places=[])
        session.add(alice)
        session.flush()
        facts = {f.value: f for f in session.scalars(select(FactRow).where(
            FactRow.value.in_([15739.0, 1865.0]), FactRow.kind == "count"))}
        correct_fact(session, facts[15739.0], "edit", {"value": 15740.0, "label": "đúng hạn"},
                     actor="alice", user_id=alice.id, reason="typo")
        correct_fact(session, facts[1865.0], "reject", actor="alice", user_id=alice.id)
    return db_url


def _read(fmt: str, out: Path, table: str) -> pd.DataFrame:
    if fmt == "xlsx":
        return pd.read_excel(out / "baocao.xlsx", sheet_name=table)
    path = out / f"{table}.{fmt}"
    if fmt == "jsonl":
        return pd.read_json(path, lines=True)
    if fmt == "csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "xlsx"])
def test_export_every_format_with_corrected_values(corrected_db: str, tmp_path: Path,
                                                   fmt: str) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["export", "--db", corrected_db, "--format", fmt,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    facts = _read(fmt, out, "facts")
    assert list(facts.columns) == FACT_COLUMNS
    assert len(facts) == sum(len(extraction_of(s).facts) for s in SEEDS)
    fixed = facts[facts["corrected_value"].notna()]
    assert len(fixed) == 1
    row = fixed.iloc[0]
    assert (row["value"], row["corrected_value"], row["status"]) == (15739.0, 15740.0, "corrected")
    assert (row["corrected_by"], row["correction_reason"], row["source_text"]) == (
        "alice", "typo", "15.739")
    assert row["place"] == "Đắk Song" and row["span_end"] - row["span_start"] == 6
    assert set(facts["status"]) == {"extracted", "corrected", "rejected"}
    checks = _read(fmt, out, "checks")
    assert len(checks) == sum(len(extraction_of(s).checks) for s in SEEDS)
    assert set(checks["status"]) <= {"pass", "fail", "unverifiable"}
    documents = _read(fmt, out, "documents")
    assert len(documents) == len(SEEDS) and set(documents["format"]) == {"text"}


def test_parquet_types_are_stable(corrected_db: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    CliRunner().invoke(main, ["export", "--db", corrected_db, "--format", "parquet",
                              "--out", str(tmp_path)])
    schema = pq.read_schema(tmp_path / "facts.parquet")
    assert str(schema.field("value").type) == "double"
    assert str(schema.field("corrected_value").type) == "double"
    assert str(schema.field("span_start").type) == "int64"
    assert str(schema.field("flagged").type) == "bool"
    assert str(schema.field("corrected_kind").type) in ("string", "large_string")


def test_export_filters(corrected_db: str) -> None:
    everything = facts_frame(corrected_db)
    by_place = facts_frame(corrected_db, Filters(place=["đắk song"]))
    assert 0 < len(by_place) < len(everything)
    assert set(by_place["place"]) == {"Đắk Song"}
    by_status = facts_frame(corrected_db, Filters(status=["corrected", "rejected"]))
    assert sorted(by_status["status"]) == ["corrected", "rejected"]
    by_period = facts_frame(corrected_db, Filters(period=["2023"]))
    assert len(by_period) and all(
        (pd.notna(y) and y == 2023) or "2023" in str(t) for y, t in zip(by_period["period_year"],
                                                      by_period["period_text"]))
    indicators = everything["indicator"].dropna()
    if len(indicators):
        one = indicators.iloc[0]
        assert set(facts_frame(corrected_db, Filters(indicator=[one]))["indicator"]) == {one}


def test_cli_export_filters_and_stdout(corrected_db: str) -> None:
    result = CliRunner().invoke(main, ["export", "--db", corrected_db, "--format", "jsonl",
                                       "--out", "-", "--status", "corrected"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 1 and records[0]["corrected_value"] == 15740.0
    ExportedFact.model_validate(records[0])
    csv = CliRunner().invoke(main, ["export", "--db", corrected_db, "--format", "csv",
                                    "--out", "-", "--place", "Đắk Song", "--period", "2023"])
    frame = pd.read_csv(io.StringIO(csv.output))
    assert len(frame) and set(frame["place"]) == {"Đắk Song"}


def test_every_exported_record_matches_the_schema(corrected_db: str) -> None:
    frame = facts_frame(corrected_db)
    for record in json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso")):
        ExportedFact.model_validate(record)


def test_cli_schema_export() -> None:
    result = CliRunner().invoke(main, ["schema", "export"])
    schema = json.loads(result.output)
    assert schema["title"] == "ExportedFact"
    assert set(schema["properties"]) == set(FACT_COLUMNS)
    assert {"value", "corrected_value", "source_text", "span_start"} <= set(schema["required"])


def test_dataframe_helpers_on_extractions_and_db(corrected_db: str) -> None:
    ex = baocao.extract(SEED_004)
    frame = baocao.facts_frame(ex)
    assert len(frame) == len(ex.facts) and set(frame["status"]) == {"extracted"}
    assert list(frame.columns) == FACT_COLUMNS
    assert len(baocao.facts_frame([ex, extraction_of(SEEDS[0])])) == len(ex.facts) + len(
        extraction_of(SEEDS[0]).facts)
    assert len(baocao.documents_frame(corrected_db)) == len(SEEDS)
    assert len(baocao.checks_frame(corrected_db)) == sum(len(extraction_of(s).checks)
                                                         for s in SEEDS)


def test_added_fact_is_exported_with_its_span(corrected_db: str) -> None:
    with session_scope(corrected_db) as session:
        extraction = session.scalar(select(ExtractionRow).where(ExtractionRow.place == "Đắk Song"))
        assert extraction is not None
        start = extraction.text.index("Phòng Nội vụ")
        add_fact(session, extraction, (start, start + len("Phòng Nội vụ")),
                 {"kind": "count", "value": 1.0, "label": "phòng"}, actor="alice")
    added = facts_frame(corrected_db, Filters(status=["added"]))
    assert len(added) == 1
    row = added.iloc[0]
    assert (row["source_text"], row["corrected_value"]) == ("Phòng Nội vụ", 1.0)
    assert pd.isna(row["fact_id"]) and pd.isna(row["value"]) and pd.isna(row["corrected_by"])
    assert row["span_end"] - row["span_start"] == len("Phòng Nội vụ")


def test_export_by_document_path(corrected_db: str) -> None:
    """``--document`` takes a file name, a pattern on the path's tail, or a whole path; the
    checks and documents tables follow the facts."""
    seed = SEED_004.name
    one = facts_frame(corrected_db, Filters(document=[seed]))
    assert len(one) and {Path(p).name for p in one["path"]} == {seed}
    assert len(facts_frame(corrected_db, Filters(document=[str(SEED_004.resolve())]))) == len(one)
    both = facts_frame(corrected_db, Filters(document=["seeds/00[34]_*.txt"]))
    assert {Path(p).name[:3] for p in both["path"]} == {"003", "004"}
    assert facts_frame(corrected_db, Filters(document=["004"])).empty  # not a substring match
    result = CliRunner().invoke(main, ["export", "--db", corrected_db, "--format", "csv",
                                       "--out", "-", "--document", seed])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output))
    assert sorted(frame["source_text"]) == sorted(one["source_text"])
    assert 15740.0 in set(frame["corrected_value"].dropna())       # the correction comes along
    frames = export_frames(corrected_db, Filters(document=[seed]))
    assert {Path(p).name for p in frames["documents"]["path"]} == {seed}
    assert len(frames["checks"]) and {Path(p).name for p in frames["checks"]["path"]} == {seed}


# ── every filter in the query: pandas receives the selected rows only ────────────────────

def _old_way(url: str, filters: Filters) -> pd.DataFrame:
    """What exports did before filtering in SQL: every fact of the database, then pandas."""
    from baocao.store.export import filter_facts
    from baocao.store.repository import other_paths

    with session_scope(url) as session:
        aliases = other_paths(session)
    return filter_facts(facts_frame(url), filters, aliases)


@pytest.fixture
def reviewed_db(corrected_db: str) -> str:
    """``corrected_db``, plus a fact of seed 000 whose indicator and period a reviewer changed
    (so only its corrected values match those filters) and a fact added in seed 004."""
    with session_scope(corrected_db) as session:
        fact = session.scalars(select(FactRow).join(ExtractionRow)
                               .where(ExtractionRow.place != "Đắk Song",
                                      FactRow.kind == "count").order_by(FactRow.id)).first()
        assert fact is not None
        correct_fact(session, fact, "edit", {"indicator": "made.up.indicator",
                                             "period": {"text": "quý IV năm 2031"}},
                     actor="bob")
        extraction = session.scalar(select(ExtractionRow).where(ExtractionRow.place == "Đắk Song"))
        assert extraction is not None
        start = extraction.text.index("Phòng Nội vụ")
        add_fact(session, extraction, (start, start + len("Phòng Nội vụ")),
                 {"kind": "count", "value": 1.0, "label": "phòng"}, actor="alice")
    return corrected_db


@pytest.mark.parametrize("filters", [
    Filters(place=["dak song"]), Filters(place=["Đắk", "nowhere"]),
    Filters(document=[SEED_004.name]), Filters(document=["seeds/00[34]_*.txt"]),
    Filters(document=["**/*.txt"]), Filters(document=["004"]),
    Filters(status=["corrected", "added"]), Filters(status=["extracted"]),
    Filters(indicator=["made.up.indicator"]), Filters(period=["2031"]), Filters(period=["quy iv"]),
    Filters(period=["2023"], place=["Đắk Song"], status=["rejected", "extracted"]),
], ids=lambda f: ",".join(f"{k}={v}" for k, v in vars(f).items() if v))
def test_sql_filters_give_what_pandas_filters_gave(reviewed_db: str, filters: Filters) -> None:
    new = facts_frame(reviewed_db, filters)
    pd.testing.assert_frame_equal(new, _old_way(reviewed_db, filters))
    assert list(new.columns) == FACT_COLUMNS


def test_corrected_values_are_found_by_the_filters(reviewed_db: str) -> None:
    """A fact whose extracted indicator and period do not match is found by its corrected ones."""
    by_indicator = facts_frame(reviewed_db, Filters(indicator=["made.up.indicator"]))
    assert list(by_indicator["corrected_indicator"]) == ["made.up.indicator"]
    by_period = facts_frame(reviewed_db, Filters(period=["quý iv năm 2031"]))
    assert list(by_period["corrected_period_text"]) == ["quý IV năm 2031"]


def test_one_document_and_a_reviewers_places_are_read_alone(reviewed_db: str) -> None:
    """The review app's export: one document, restricted to the reviewer's places; the
    database returns those rows only (``_db_fact_records`` is what pandas receives)."""
    from baocao.store.export import _db_fact_records, checks_frame, documents_frame

    everything = facts_frame(reviewed_db)
    with session_scope(reviewed_db) as session:
        song = session.scalar(select(VersionRow.document_id).join(ExtractionRow)
                              .where(ExtractionRow.place == "Đắk Song"))
        one = facts_frame(session, document_id=song)
        assert len(_db_fact_records(session, Filters(document_id=[song]))) == len(one)
        mine = facts_frame(session, places=["Đắk Song"])
        assert len(_db_fact_records(session, Filters(places=["Đắk Song"]))) == len(mine)
        none = facts_frame(session, places=[])
        elsewhere = facts_frame(session, document_id=song, places=["Gia Nghĩa"])
        checks = checks_frame(session, Filters(document_id=[song]))
        documents = documents_frame(session, Filters(places=["Đắk Song"]))
    expected = everything[everything["document_id"] == song].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, expected)
    assert "added" in set(one["status"]) and "corrected" in set(one["status"])
    pd.testing.assert_frame_equal(mine, expected)  # the only document of Đắk Song
    assert none.empty and elsewhere.empty
    assert list(none.columns) == FACT_COLUMNS and dict(none.dtypes) == dict(everything.dtypes)
    assert len(checks) == len(extraction_of(SEED_004).checks)
    assert set(checks["document_id"]) == {song}
    assert list(documents["document_id"]) == [song]
    assert facts_frame(reviewed_db, Filters(place=["Đắk Song"], document_id=[10**9])).empty
