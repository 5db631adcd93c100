"""Saving Extractions: idempotence, versions, stable fact keys, corrections that survive and
are compared with new extractions (flags), audit of every decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from baocao.schemas.extraction import Extraction
from baocao.store.db import session_scope, upgrade
from baocao.store.models import (
    AuditRow,
    CheckRow,
    CorrectionRow,
    ExtractionRow,
    FactRow,
    FlagRow,
    RelationRow,
    ReviewRow,
    VersionRow,
)
from baocao.store.repository import (
    StaleCorrectionError,
    correct_fact,
    fact_keys,
    save_extraction,
    summary,
)
from tests.conftest import SEEDS, extraction_of

pytest_plugins = ["tests.conftest_db"]

SEED = SEEDS[4]  # 004: the README's example, with checks


def _counts(url: str) -> dict[str, int]:
    with session_scope(url) as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (VersionRow, ExtractionRow, FactRow, CheckRow, RelationRow)}


def _save(url: str, ex: Extraction, ev: str = "v1", path: str = "/r/004.txt") -> str:
    with session_scope(url) as session:
        return save_extraction(session, ex, path=path, extractor_version=ev).status


def test_save_stores_every_fact_check_and_relation(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    assert _save(db_url, ex) == "new"
    counts = _counts(db_url)
    assert counts["facts"] == len(ex.facts) and counts["checks"] == len(ex.checks)
    assert counts["relations"] == sum(len(c.facts) for c in ex.checks)
    with session_scope(db_url) as session:
        row = session.scalar(select(FactRow).where(FactRow.ordinal == ex.facts[0].id))
        assert row is not None and row.data == ex.facts[0].model_dump(mode="json")
        assert summary(session)["facts"] == len(ex.facts)


def test_save_twice_is_a_no_op(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex)
    before = _counts(db_url)
    assert _save(db_url, ex) == "skipped"
    assert _save(db_url, ex, path="/elsewhere/copy.txt") == "skipped"  # same bytes elsewhere
    assert _counts(db_url) == before


def test_new_extractor_version_is_stored_beside_the_old(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex, "v1")
    assert _save(db_url, ex, "v2") == "new"
    with session_scope(db_url) as session:
        rows = session.execute(select(ExtractionRow.extractor_version, ExtractionRow.is_current)
                               .order_by(ExtractionRow.id)).all()
    assert [tuple(r) for r in rows] == [("v1", False), ("v2", True)]


def test_fact_keys_survive_text_shifts_and_relabelling() -> None:
    ex = extraction_of(SEED)
    shifted = ex.model_copy(deep=True)
    shifted.text = "Lời nói đầu thêm vào.\n" + ex.text
    delta = len("Lời nói đầu thêm vào.\n")
    for f in shifted.facts:
        f.span = (f.span[0] + delta, f.span[1] + delta)
        f.label, f.kind = "nhãn khác", f.kind  # a new extractor may label differently
    assert fact_keys(shifted) == fact_keys(ex)
    assert len(set(fact_keys(ex))) == len(ex.facts)


def _fact(session, ex: Extraction, value: float) -> FactRow:  # noqa: ANN001
    ordinal = next(f.id for f in ex.facts if f.value == value)
    row = session.scalar(select(FactRow).join(ExtractionRow).where(
        FactRow.ordinal == ordinal, ExtractionRow.is_current.is_(True)))
    assert row is not None
    return row


def test_correction_survives_a_new_extractor_version_and_is_flagged(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex, "v1")
    with session_scope(db_url) as session:
        fact = _fact(session, ex, 15739.0)
        correct_fact(session, fact, "edit", {"value": 15740.0, "label": "đúng hạn (sửa)"},
                     actor="alice", reason="typo in the source")
        session.get(ReviewRow, fact.document_id).state = "reviewed"
    assert _save(db_url, ex, "v2") == "new"
    with session_scope(db_url) as session:
        correction = session.scalar(select(CorrectionRow))
        assert correction is not None and correction.value == 15740.0  # untouched
        new_fact = _fact(session, ex, 15739.0)
        assert new_fact.key == correction.fact_key  # still attached
        flag = session.scalar(select(FlagRow))
        assert flag is not None and flag.kind == "differs"
        assert flag.extraction_id == new_fact.extraction_id
        assert flag.detail["fields"]["value"] == {"extracted": 15739.0, "corrected": 15740.0}
        assert session.get(ReviewRow, new_fact.document_id).state == "needs_review"
        actions = session.scalars(select(AuditRow.action).order_by(AuditRow.id)).all()
        assert actions == ["correction.edit", "flag"]


def test_agreeing_extraction_is_not_flagged(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex, "v1")
    with session_scope(db_url) as session:
        correct_fact(session, _fact(session, ex, 15739.0), "confirm", actor="alice")
        correct_fact(session, _fact(session, ex, 1865.0), "reject", actor="alice")
    _save(db_url, ex, "v2")
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(FlagRow)) == 0


def test_missing_corrected_fact_is_flagged(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex, "v1")
    with session_scope(db_url) as session:
        correct_fact(session, _fact(session, ex, 15739.0), "edit", {"value": 1.0}, actor="a")
    fewer = ex.model_copy(deep=True)
    fewer.facts = [f for f in ex.facts if f.value != 15739.0]
    fewer.checks = [c for c in ex.checks if all(i in {f.id for f in fewer.facts} for i in c.facts)]
    _save(db_url, fewer, "v2")
    with session_scope(db_url) as session:
        assert session.scalars(select(FlagRow.kind)).all() == ["missing"]


def test_stale_correction_is_refused_and_history_kept(db_url: str) -> None:
    upgrade(db_url)
    ex = extraction_of(SEED)
    _save(db_url, ex)
    with session_scope(db_url) as session:
        fact = _fact(session, ex, 15739.0)
        first = correct_fact(session, fact, "edit", {"value": 2.0}, actor="alice")
        assert first.version == 1
    with session_scope(db_url) as session:
        fact = _fact(session, ex, 15739.0)
        correct_fact(session, fact, "edit", {"value": 3.0}, actor="bob", expected_version=1)
        with pytest.raises(StaleCorrectionError):
            correct_fact(session, fact, "edit", {"value": 4.0}, actor="carol",
                         expected_version=1)
    with session_scope(db_url) as session:
        assert session.scalar(select(CorrectionRow.value)) == 3.0
        audits = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        assert [(a.actor, (a.before or {}).get("value"), a.after["value"]) for a in audits] == [
            ("alice", None, 2.0), ("bob", 2.0, 3.0)]


def test_summary_counts(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    for seed in SEEDS[:2]:
        _save(db_url, extraction_of(seed), path=str(seed))
    with session_scope(db_url) as session:
        totals = summary(session)
    assert totals["documents"] == 2 and totals["versions"] == 2
    assert totals["facts"] == sum(len(extraction_of(s).facts) for s in SEEDS[:2])


def test_the_parsed_document_is_stored_with_the_extraction_and_replaced_by_a_new_one(
        db_url: str) -> None:
    """What the worker parsed goes in with the extraction, every fact's JSON and check intact
    (PostgreSQL writes facts with COPY), and a new extractor version's reading replaces it."""
    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    from baocao.store.models import ParsedDocumentRow
    from baocao.store.rows import decode_document

    upgrade(db_url)
    doc = parse(SEED)
    ex = extract_document(doc)
    with session_scope(db_url) as session:
        saved = save_extraction(session, ex, path="/r/004.txt", extractor_version="v1",
                                document=doc)
    with session_scope(db_url) as session:
        row = session.get(ParsedDocumentRow, saved.version_id)
        assert row is not None and decode_document(row.data) == doc
        stored = {f.ordinal: f.data for f in session.scalars(select(FactRow))}
        assert stored == {f.id: f.model_dump(mode="json") for f in ex.facts}
        checks = {c.ordinal: c.data for c in session.scalars(select(CheckRow))}
        assert checks == {c.id: c.model_dump(mode="json") for c in ex.checks}
    changed = doc.model_copy(update={"warnings": [*doc.warnings, "read again by v2"]})
    with session_scope(db_url) as session:
        save_extraction(session, ex, path="/r/004.txt", extractor_version="v2",
                        document=changed)
    with session_scope(db_url) as session:
        rows = list(session.scalars(select(ParsedDocumentRow)))
        assert len(rows) == 1 and decode_document(rows[0].data).warnings[-1] == "read again by v2"


def _stored(url: str) -> dict[str, Any]:
    """Everything ingest writes for each document, keyed by path, without row ids."""
    from baocao.store.models import DocumentRow, ParsedDocumentRow

    with session_scope(url) as session:
        out: dict[str, Any] = {}
        for document in session.scalars(select(DocumentRow)):
            versions = []
            for v in session.scalars(select(VersionRow).where(VersionRow.document_id == document.id)
                                     .order_by(VersionRow.number)):
                parsed = session.get(ParsedDocumentRow, v.id)
                extractions = []
                for x in session.scalars(select(ExtractionRow).where(ExtractionRow.version_id == v.id)):
                    facts = {f.id: f for f in session.scalars(
                        select(FactRow).where(FactRow.extraction_id == x.id))}
                    checks = {c.id: c for c in session.scalars(
                        select(CheckRow).where(CheckRow.extraction_id == x.id))}
                    relations = sorted((checks[r.check_id].ordinal, r.position, facts[r.fact_id].ordinal)
                                       for r in session.scalars(select(RelationRow).where(
                                           RelationRow.check_id.in_(list(checks)))))
                    extractions.append((
                        x.extractor_version, x.is_current, x.title, x.meta, x.n_facts, x.text,
                        sorted((f.ordinal, f.key, f.kind, f.value, f.label, f.span_start, f.data,
                                f.document_id == document.id) for f in facts.values()),
                        sorted((c.ordinal, c.rule, c.status, c.data) for c in checks.values()),
                        relations))
                versions.append((v.number, v.sha256[-8:], v.format, v.size, v.pages, v.is_latest,
                                 parsed.data if parsed is not None else None, extractions))
            review = session.scalar(select(ReviewRow.state).where(ReviewRow.document_id == document.id))
            out[document.path] = (review, versions)
        return out


def test_a_batch_of_new_documents_is_stored_as_one_by_one(db_url: str) -> None:
    """``save_new_batch`` (the ingest writer's few statements a batch) stores exactly what
    ``save_prepared`` stores a document at a time: same rows, facts, checks, relations and
    parsed Documents; a batch that mixes new documents with a new version of a known path and
    with bytes stored before takes the slow path for those, in the same transaction."""
    import dataclasses

    from baocao.extractor.pipeline import extract_document
    from baocao.parsers import parse
    from baocao.store.repository import save_new_batch, save_prepared
    from baocao.store.rows import prepare

    upgrade(db_url)
    docs = [parse(s) for s in SEEDS]
    prepared = [prepare(extract_document(d), d) for d in docs]

    def renamed(p, tag: str):  # noqa: ANN001, ANN202 - the same rows as other bytes
        return dataclasses.replace(p, sha256=f"{tag}{p.sha256[1:]}")

    with session_scope(db_url) as session:
        for i, p in enumerate(prepared):
            save_prepared(session, renamed(p, "a"), path=f"/one/{i}.txt", size=100 + i,
                          extractor_version="v1")
        session.commit()
    with session_scope(db_url) as session:
        saved = save_new_batch(session, [(f"/batch/{i}.txt", 100 + i, renamed(p, "b"))
                                         for i, p in enumerate(prepared)], extractor_version="v1")
        session.commit()
    assert [s.status for s in saved if s] == ["new"] * len(SEEDS)
    assert [s.n_facts for s in saved if s] == [len(p.facts) for p in prepared]
    stored = _stored(db_url)
    one = {k.removeprefix("/one/"): v for k, v in stored.items() if k.startswith("/one/")}
    batch = {k.removeprefix("/batch/"): v for k, v in stored.items() if k.startswith("/batch/")}
    for name in one:  # the shas differ by their first character only
        assert len(one[name][1]) == 1 and one[name][1][0][6] is not None
    assert one == batch and len(one) == len(SEEDS)
    assert sum(len(p.facts) for p in prepared) > 100

    # mixed: new, a changed file at a known path (version 2), bytes already stored, new
    with session_scope(db_url) as session:
        saved = save_new_batch(session, [
            ("/batch/new-1.txt", 1, renamed(prepared[0], "c")),
            ("/batch/1.txt", 2, renamed(prepared[2], "d")),
            ("/elsewhere/0.txt", 3, renamed(prepared[0], "b")),
            ("/batch/new-2.txt", 4, renamed(prepared[3], "e"))], extractor_version="v1")
        session.commit()
    assert [s.status if s else None for s in saved] == ["new", "new", "skipped", "new"]
    assert [s.version_number if s else None for s in saved] == [1, 2, 1, 1]
    stored = _stored(db_url)
    versions = stored["/batch/1.txt"][1]
    assert [v[0] for v in versions] == [1, 2] and [v[5] for v in versions] == [False, True]
    assert versions[1][7][0][6] == one["2.txt"][1][0][7][0][6]  # the new version's facts
    assert "/elsewhere/0.txt" not in stored
    assert stored["/batch/new-2.txt"][1][0][7] == one["3.txt"][1][0][7]
