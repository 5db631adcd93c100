"""Who may see which document: ONE rule, in Python for one document and in SQL for lists.

A user sees a document when they are an admin or hold the explicit "every place" grant,
when the document's *effective* place (a reviewer's metadata correction, else the
extraction's) is one of their places, or when an admin assigned the document to them.
``may_see_document`` answers for one document, ``visible_clause`` is the same rule as a SQL
condition for the queue, so a list never shows what a page would refuse, nor the reverse.

Also here: the places the app knows (``known_places``: the provinces of
``extractor/data/places.yaml`` and the local places of ``review/data/places_local.yaml``),
matched without diacritics (``canonical_place``), and the effective metadata of a document
(``effective_meta``) that the queue, the document page and exports show.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.orm import Session

from baocao.datafile import load_yaml
from baocao.extractor.context import places as province_vocabulary
from baocao.extractor.vocab import fold
from baocao.review.auth import Principal
from baocao.review.sources import current
from baocao.store.models import (
    AssignmentRow,
    DocumentEditRow,
    DocumentRow,
    ExtractionRow,
    VersionRow,
)

LOCAL_PLACES = Path(__file__).resolve().parent / "data" / "places_local.yaml"
META_FIELDS = ("place", "doc_type", "number", "date_value", "title")


# ── known places ────────────────────────────────────────────────────────────────────────

def _key(name: str) -> str:
    """A place name compared without case, diacritics, hyphens or repeated spaces."""
    text = unicodedata.normalize("NFC", name).replace("–", "-")
    return " ".join(fold(text).replace("-", " ").replace(".", " ").split())


@cache
def known_places() -> tuple[str, ...]:
    """Every place name the app knows, in file order, spelling variants included."""
    data = load_yaml(LOCAL_PLACES.read_text(encoding="utf-8")) or {}
    local = [str(p).strip() for p in data.get("places") or [] if str(p).strip()]
    return tuple(dict.fromkeys([*province_vocabulary().provinces, *local]))


@cache
def _canonical() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in known_places():
        out.setdefault(_key(name), name)  # the first spelling of a name is the one kept
    return out


def canonical_place(text: str | None) -> str | None:
    """The known place ``text`` names (``dak song`` → ``Đắk Song``), or None."""
    if not text or len(text) > 200:
        return None
    return _canonical().get(_key(text))


def plausible_place(text: str | None) -> bool:
    """A place is plausible when it is a known place name ("Số: 191/CĐ-TTg Hà Nội" is not)."""
    return canonical_place(text) is not None


def place_choices() -> list[str]:
    """One spelling per known place, sorted as Vietnamese readers expect (without tones)."""
    return sorted(set(_canonical().values()), key=lambda p: (_key(p), p))


# ── the rule ────────────────────────────────────────────────────────────────────────────

def edited_place(document_id: Any = None) -> Any:
    """The corrected place of a document (SQL scalar subquery, correlated by default)."""
    target = DocumentRow.id if document_id is None else document_id
    return (select(DocumentEditRow.place).where(DocumentEditRow.document_id == target)
            .correlate_except(DocumentEditRow).scalar_subquery())


def effective_place() -> Any:
    """The effective place as SQL: the correction's, else the current extraction's.

    Used in a query that selects ``DocumentRow`` joined to its current ``ExtractionRow``."""
    return func.coalesce(edited_place(), ExtractionRow.place)


def visible_clause(user: Principal, place: Any = None) -> ColumnElement[bool]:
    """``may_see_document`` as a SQL condition over ``DocumentRow`` and ``ExtractionRow``
    (``place``: the effective place expression when the query already has it)."""
    if user.sees_every_place:
        return true()
    assigned = exists().where(AssignmentRow.document_id == DocumentRow.id,
                              AssignmentRow.user_id == user.id)
    if not user.places:
        return assigned
    place = effective_place() if place is None else place
    return place.in_(list(user.places)) | assigned


def may_see_document(session: Session, user: Principal, document_id: int,
                     extracted_place: str | None) -> bool:
    """Admin or every-place grant: yes; effective place among the user's places: yes;
    assigned to the user: yes; otherwise no."""
    if user.sees_every_place:
        return True
    place = session.scalar(select(DocumentEditRow.place).where(
        DocumentEditRow.document_id == document_id)) or extracted_place
    if place is not None and place in user.places:
        return True
    return session.scalar(select(exists().where(AssignmentRow.document_id == document_id,
                                                AssignmentRow.user_id == user.id))) or False


def visible_document_ids(session: Session, user: Principal) -> list[int] | None:
    """The ids of the documents ``user`` may see (``visible_clause`` over current
    extractions), or None when they see every document (the exports' document filter)."""
    if user.sees_every_place:
        return None
    d, v, x = DocumentRow, VersionRow, ExtractionRow
    query = (select(d.id).join(v, and_(v.document_id == d.id, v.is_latest.is_(True)))
             .join(x, and_(x.version_id == v.id, x.is_current.is_(True)))
             .where(visible_clause(user)))
    return sorted(set(session.scalars(query)))


# ── effective metadata ─────────────────────────────────────────────────────────────────

def effective_meta(session: Session, document_id: int) -> dict[str, Any]:
    """The document's metadata as the app shows it: each corrected field over the extracted
    one. Keys: place, doc_type, number, symbol, issuer, date_value, title, period_text,
    plus ``corrected`` (the fields a reviewer set), ``extracted`` (the extraction's values of
    those), ``plausible_place`` and ``version`` (of the correction; 0: none).
    Empty dict for an unknown document."""
    cur = current(session, document_id)
    if cur is None:
        return {}
    x = session.get(ExtractionRow, cur.extraction_id)
    assert x is not None
    out: dict[str, Any] = {"place": x.place, "doc_type": x.doc_type, "number": x.number,
                           "symbol": x.symbol, "issuer": x.issuer, "date_value": x.date_value,
                           "title": x.title, "period_text": x.period_text}
    edit = session.get(DocumentEditRow, document_id)
    fields = [n for n in (edit.fields or []) if n in META_FIELDS] if edit is not None else []
    extracted = {n: out[n] for n in fields}
    for name in fields:
        out[name] = getattr(edit, name)
    out.update(corrected=fields, extracted=extracted, version=edit.version if edit else 0,
               plausible_place=plausible_place(out["place"]))
    return out
