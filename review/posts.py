"""The forms: act on a fact, add a missed fact, mark a document reviewed.

Post/redirect/get: a successful action answers 303 to the document page with the fact
selected and ``saved`` naming the audit row of the check rerun, which the page reads to say
which statuses moved. A conflict answers 409 with the fact page: the other reviewer's change
(from the audit log) above the form, which keeps what this reviewer typed and now carries
the new version, so saving again is a deliberate decision over the other's change.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from baocao.review.actions import Conflict, InvalidInput, add_missed, fact_action, mark_reviewed
from baocao.review.app import render, scope
from baocao.review.deps import Post, extraction, may_open
from baocao.review.history import fact_history
from baocao.review.pages import fact_key_param, render_fact

router = APIRouter()
FIELDS = ("kind", "value", "denominator", "unit", "label", "indicator", "period", "subject")


def _int(form: dict[str, str], name: str) -> int:
    value = form.get(name, "")
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(400, f"{name}: số nguyên")
    return int(value)


def _reason(form: dict[str, str]) -> str | None:
    return form.get("reason", "").strip()[:1000] or None


@router.post("/doc/{document_id}/fact/{key}")
def act(request: Request, p: Post, document_id: int, key: str) -> Response:
    key = fact_key_param(key)
    action = p.form.get("action", "")
    expected = _int(p.form, "version")
    fields = {n: p.form[n] for n in FIELDS if n in p.form}
    sources = request.app.state.sources
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            doc = sources.document(session, cur, extraction(session, cur).text)
            outcome = fact_action(session, p.user, cur, doc, key, action, fields, expected,
                                  _reason(p.form))
    except Conflict:
        return _conflict(request, p, document_id, key, fields)
    except InvalidInput as e:
        return render_fact(request, p.user, document_id, key, 422, error=str(e),
                           form=_kept(fields))
    target = f"/doc/{document_id}?fact={key}"
    if outcome.audit_id is not None:
        target += f"&saved={outcome.audit_id}"
    return RedirectResponse(f"{target}#fi-{key}", 303)


def _kept(fields: dict[str, str]) -> dict[str, str] | None:
    return {n: fields.get(n, "") for n in FIELDS} if fields else None


def _conflict(request: Request, p: Post, document_id: int, key: str,
              fields: dict[str, str]) -> Response:
    """409: show what the other reviewer saved; keep this reviewer's input in the form."""
    with scope(request) as session:
        changes = [e for e in fact_history(session, document_id, key)
                   if e.action.startswith("correction.")]
    latest = changes[0] if changes else None
    return render_fact(request, p.user, document_id, key, 409, conflict=latest,
                       form=_kept(fields))


@router.post("/doc/{document_id}/add")
def add(request: Request, p: Post, document_id: int) -> Response:
    span = (_int(p.form, "span_start"), _int(p.form, "span_end"))
    fields = {n: p.form[n] for n in FIELDS if p.form.get(n, "").strip()}
    sources = request.app.state.sources
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            doc = sources.document(session, cur, extraction(session, cur).text)
            outcome = add_missed(session, p.user, cur, doc, span, p.form.get("text", ""),
                                 fields, _reason(p.form))
    except (InvalidInput, Conflict) as e:
        return render(request, "error.html", 422 if isinstance(e, InvalidInput) else 409,
                      code=422 if isinstance(e, InvalidInput) else 409, message=str(e),
                      user=p.user, back=f"/doc/{document_id}")
    target = f"/doc/{document_id}?fact={outcome.key}"
    if outcome.audit_id is not None:
        target += f"&saved={outcome.audit_id}"
    return RedirectResponse(f"{target}#fi-{outcome.key}", 303)


@router.post("/doc/{document_id}/reviewed")
def reviewed(request: Request, p: Post, document_id: int) -> Response:
    expected = _int(p.form, "version")
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            mark_reviewed(session, p.user, cur.document_id, expected, _reason(p.form))
    except Conflict as e:
        return render(request, "error.html", 409, code=409, message=str(e), user=p.user,
                      back=f"/doc/{document_id}")
    return RedirectResponse(f"/doc/{document_id}", 303)

