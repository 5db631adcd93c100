"""The document pages: document, fact, its history, page images and the export.

Each GET opens one database session, checks that the user may see the document (403
otherwise), reads what the page shows and renders it; no route takes a file path.
"""

from __future__ import annotations

import io
import re
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import exists, select

from baocao.review.access import effective_meta, visible_document_ids
from baocao.review.actions import comments_of
from baocao.review.app import local_time, render, scope
from baocao.review.deps import User, extraction, may_open
from baocao.review.doc_labels import labels
from baocao.review.history import audit_row, document_history, fact_history
from baocao.review.recheck import recheck
from baocao.review.render import check_items, fact_item, fact_items, snippet
from baocao.review.sources import PAGE_SCALE, SourceUnavailable
from baocao.review.view import KINDS, document_html, document_view, group_facts
from baocao.review.words import label
from baocao.store.models import CorrectionRow, RecheckRow

router = APIRouter()
KEY = re.compile(r"[0-9a-f]{40}")


def fact_key_param(key: str) -> str:
    if not KEY.fullmatch(key):
        raise HTTPException(404, "không có số liệu này")
    return key


# ── document ───────────────────────────────────────────────────────────────────────────

@router.get("/doc/{document_id}", response_class=HTMLResponse)
def document(request: Request, user: User, document_id: int, fact: str = "",
             saved: int = 0) -> Response:
    sources = request.app.state.sources
    with scope(request) as session:
        cur = may_open(session, user, document_id)
        x = extraction(session, cur)
        doc = sources.document(session, cur, x.text)
        if doc is not None and _stale_recheck(session, cur.document_id, x.id):
            recheck(session, x.id, doc)
        view = document_view(session, x.id, cur.document_id, doc)
        notice = audit_row(session, saved, cur.document_id) if saved else None
        context: dict[str, Any] = {
            "cur": cur, "x": x, "view": view, "meta": effective_meta(session, cur.document_id),
            "field_word": lambda name: label("field", name),
            "facts_html": fact_items(group_facts(view.facts, doc), cur.document_id, user.csrf),
            "checks_html": check_items(view.checks), "L": labels(),
            "body": document_html(session, x.id, x.text, doc, view.facts),
            "missing": None if doc is not None else sources.why_missing(cur),
            "notice": (notice.after or {}) if notice is not None else None,
            "selected": fact if KEY.fullmatch(fact) else "", "kinds": KINDS,
            "scale": PAGE_SCALE}
    return render(request, "document.html", user=user, **context)


def _stale_recheck(session: Any, document_id: int, extraction_id: int) -> bool:
    """Corrections exist but the checks were never rerun on this extraction (a re-ingest)."""
    if session.get(RecheckRow, extraction_id) is not None:
        return False
    return bool(session.scalar(select(exists().where(CorrectionRow.document_id == document_id))))


@router.get("/doc/{document_id}/fact/{key}", response_class=HTMLResponse)
def fact_page(request: Request, user: User, document_id: int, key: str) -> Response:
    return render_fact(request, user, document_id, fact_key_param(key))


def render_fact(request: Request, user: Any, document_id: int, key: str, status: int = 200,
                **extra: Any) -> Response:
    """The fact page: its source, its form, its checks and its history (also the 409 page)."""
    sources = request.app.state.sources
    with scope(request) as session:
        cur = may_open(session, user, document_id)
        x = extraction(session, cur)
        doc = sources.document(session, cur, x.text)
        view = document_view(session, x.id, cur.document_id, doc)
        f = next((f for f in view.facts if f.key == key), None)
        if f is None:
            raise HTTPException(404, "không có số liệu này")
        checks = [c for c in view.checks if f.id in c.facts]
        history = fact_history(session, cur.document_id, key)
        comments = comments_of(session, cur.document_id, key)
    context = {"cur": cur, "x": x, "f": f, "checks": checks, "history": history,
               "source": snippet(x.text, f.start, f.end, f.mark), "kinds": KINDS,
               "form": extra.pop("form", None) or f.form, "by_id": view.by_id,
               "comments": comments, "L": labels(),
               "facts_by_key": {v.key: v for v in view.facts}}
    return render(request, "fact.html", status, user=user, **context, **extra)


@router.get("/doc/{document_id}/history", response_class=HTMLResponse)
def history(request: Request, user: User, document_id: int) -> Response:
    """The document's history in the reviewer's words: Vietnamese actions and fields, the
    fact named by its number and value (not a hash), Vietnam time."""
    sources = request.app.state.sources
    with scope(request) as session:
        cur = may_open(session, user, document_id)
        x = extraction(session, cur)
        entries = document_history(session, cur.document_id)
        doc = sources.document(session, cur, x.text)
        facts = {f.key: f for f in document_view(session, x.id, cur.document_id, doc).facts}
    return render(request, "doc_history.html", user=user, cur=cur, x=x, entries=entries,
                  facts_by_key=facts, L=labels())


@router.get("/doc/{document_id}/fact/{key}/comments")
def comments(request: Request, user: User, document_id: int, key: str) -> Response:
    """A fact's comments as JSON (the document page lists them beside the edit form)."""
    key = fact_key_param(key)
    with scope(request) as session:
        cur = may_open(session, user, document_id)
        found = comments_of(session, cur.document_id, key)
    return JSONResponse({"comments": [comment_json(c) for c in found]})


def comment_json(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "author": c["author"], "body": c["body"],
            "at": local_time(c["at"], "%H:%M %d/%m/%Y")}


def facts_json(facts: list[Any], document_id: int, keys: list[str]) -> list[dict[str, Any]]:
    """The facts ``keys`` as the page replaces them: list item, mark, status, version."""
    wanted = set(keys)
    out = []
    for f in facts:
        if f.key in wanted:
            if f.html is None:
                f.html = fact_item(f, document_id)
            out.append({"key": f.key, "id": f.id, "status": f.status, "version": f.version,
                        "mark": f.mark.classes, "html": f.html})
    return out


def current_facts_json(request: Request, user: Any, document_id: int, keys: list[str]
                       ) -> list[dict[str, Any]]:
    """``facts_json`` of the document as stored now (a 409 sends the fact as the other
    reviewer left it, so saving again is a deliberate decision over their change)."""
    sources = request.app.state.sources
    with scope(request) as session:
        cur = may_open(session, user, document_id)
        x = extraction(session, cur)
        doc = sources.document(session, cur, x.text)
        view = document_view(session, x.id, cur.document_id, doc)
    return facts_json(view.facts, cur.document_id, keys)


def decision_json(request: Request, user: Any, document_id: int, keys: list[str],
                  outcome: dict[str, Any], within: tuple[Any, Any, Any] | None = None
                  ) -> JSONResponse:
    """What the document page needs after a decision sent with fetch, to update in place:
    the decided facts' list items and marks, the checks panel, the failed count, the
    progress and the statuses that moved (``outcome``). ``within``: (session, current
    extraction, Document) of the decision's own transaction, read before it commits (one
    session a decision instead of two)."""
    if within is not None:
        session, cur, doc = within
        view = document_view(session, cur.extraction_id, cur.document_id, doc)
    else:
        sources = request.app.state.sources
        with scope(request) as session:
            cur = may_open(session, user, document_id)
            x = extraction(session, cur)
            doc = sources.document(session, cur, x.text)
            view = document_view(session, x.id, cur.document_id, doc)
    facts = facts_json(view.facts, cur.document_id, keys)
    words = labels()
    outcome["changes"] = [{**c, "rule_label": words.of("rules", c["rule"]),
                           "before_label": words.of("check_statuses", c["before"]),
                           "after_label": words.of("check_statuses", c["after"])}
                          for c in outcome.get("changes") or []]
    return JSONResponse({
        "ok": True, **outcome, "facts": facts,
        # the checks panel only when they ran again (an accept leaves them as they were)
        **({"checks_html": str(check_items(view.checks))} if outcome.get("rechecked") else {}),
        "n_checks": len(view.checks), "failed": view.failed, "decided": view.decided,
        "total": len(view.facts), "state": view.review_state,
        "state_label": words.of("states", view.review_state),
        "review_version": view.review_version})


@router.get("/doc/{document_id}/page/{page}")
def page_image(request: Request, user: User, document_id: int,
               page: Annotated[int, Path(ge=1, le=100_000)]) -> Response:
    with scope(request) as session:
        cur = may_open(session, user, document_id)
    if cur.format != "pdf" or not cur.pages or page > cur.pages:
        raise HTTPException(404, "không có trang này")
    try:
        png = request.app.state.sources.page_png(cur, page)
    except SourceUnavailable as e:
        raise HTTPException(404, f"không mở được tệp gốc: {e}") from e
    return Response(png, media_type="image/png",
                    headers={"Cache-Control": "no-store"})


@router.get("/export.csv")
def export(request: Request, user: User, document: int | None = None) -> Response:
    """Facts with the corrected values beside the extracted ones, and who corrected them."""
    from baocao.store.export import facts_frame, write_frame

    with scope(request) as session:
        if document is not None:
            may_open(session, user, document)   # 404 unless the user may see it
            frame = facts_frame(session, document_id=document)
        else:  # the same visibility rule as the queue: places, corrected places, assignments
            ids = visible_document_ids(session, user)
            # an empty list is no filter to facts_frame; no document has id 0: selects nothing
            frame = facts_frame(session, document_id=ids if ids != [] else (0,))
    name = f"baocao-facts-{document}.csv" if document is not None else "baocao-facts.csv"
    out = io.StringIO()
    write_frame(frame, "csv", out)   # text cells that would run as formulas are neutralised
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
