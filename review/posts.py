"""The forms: act on a fact, add a missed fact, mark a document reviewed.

Post/redirect/get: a successful action answers 303 to the document page with the fact
selected and ``saved`` naming the audit row of the check rerun, which the page reads to say
which statuses moved. A conflict answers 409 with the fact page: the other reviewer's change
(from the audit log) above the form, which keeps what this reviewer typed and now carries
the new version, so saving again is a deliberate decision over the other's change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from baocao.review.actions import (
    Conflict,
    InvalidInput,
    Outcome,
    Overlap,
    accept_section,
    add_comment,
    add_missed,
    fact_action,
    mark_reviewed,
    undo_last,
)
from baocao.review.app import render, scope
from baocao.review.deps import Post, extraction, may_open
from baocao.review.history import fact_history
from baocao.review.pages import (
    comment_json,
    current_facts_json,
    decision_json,
    fact_key_param,
    render_fact,
)

router = APIRouter()
FIELDS = ("kind", "value", "denominator", "unit", "label", "indicator", "period", "subject")


def _int(form: dict[str, str], name: str) -> int:
    value = form.get(name, "")
    if not value.isdigit() or len(value) > 12:
        raise HTTPException(400, f"{name}: số nguyên")
    return int(value)


def _reason(form: dict[str, str]) -> str | None:
    return form.get("reason", "").replace("\x00", "").strip()[:1000] or None


def wants_json(request: Request) -> bool:
    """The page's script sends decisions with fetch and ``Accept: application/json``; it
    gets JSON to update the page in place. A plain form (no script) gets the redirect."""
    return request.headers.get("accept", "").startswith("application/json")


def _json_error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message, **extra}, status_code=status)


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {"key": outcome.key, "audit_id": outcome.audit_id, "changes": outcome.changes,
            "rechecked": outcome.rechecked, "unchanged": outcome.unchanged,
            "keys": outcome.keys}


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
            answer = decision_json(request, p.user, document_id, outcome.keys,
                                   _outcome(outcome), (session, cur, doc)
                                   ) if wants_json(request) else None
    except Conflict as e:
        if wants_json(request):
            return _conflict_json(request, document_id, key, str(e), p.user)
        return _conflict(request, p, document_id, key, fields)
    except InvalidInput as e:
        if wants_json(request):
            return _json_error(422, str(e))
        return render_fact(request, p.user, document_id, key, 422, error=str(e),
                           form=_kept(fields), reason=_reason(p.form) or "")
    if answer is not None:
        return answer
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
                       form=_kept(fields), reason=_reason(p.form) or "")


def _conflict_json(request: Request, document_id: int, key: str | None, message: str,
                   user: Any = None) -> JSONResponse:
    """409 for the script: who changed the fact and what, so the page can say it and keep
    the reviewer's input in the form; with ``user``, the fact as now stored (its new
    version: saving again is a deliberate decision over the other's change)."""
    other: dict[str, Any] | None = None
    facts = current_facts_json(request, user, document_id, [key]) if key and user else []
    if key:
        with scope(request) as session:
            changes = [e for e in fact_history(session, document_id, key)
                       if e.action.startswith("correction.")]
        if changes:
            e = changes[0]
            other = {"actor": e.actor, "diffs": [[n, _text(b), _text(a)]
                                                 for n, b, a in e.diffs]}
    return _json_error(409, message, key=key, other=other, facts=facts)


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


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
    except Overlap as e:
        if wants_json(request):
            return _json_error(422, str(e), overlaps=e.key, fact=e.fact_id)
        return render(request, "error.html", 422, code=422, message=str(e), user=p.user,
                      back=f"/doc/{document_id}?fact={e.key}#fi-{e.key}")
    except (InvalidInput, Conflict) as e:
        if wants_json(request):
            return _json_error(422 if isinstance(e, InvalidInput) else 409, str(e))
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
    except InvalidInput as e:  # open flags: decided one by one on the flags page first
        return render(request, "error.html", 422, code=422, message=str(e), user=p.user,
                      back=f"/doc/{document_id}/flags")
    return RedirectResponse(f"/doc/{document_id}", 303)



@router.post("/doc/{document_id}/undo")
def undo(request: Request, p: Post, document_id: int) -> Response:
    """Undo the reviewer's last decision on this document (``key`` and ``version``: the fact
    and version the page shows for it, compared like any decision's)."""
    key = fact_key_param(p.form["key"]) if p.form.get("key") else None
    expected = _int(p.form, "version") if p.form.get("version") else None
    sources = request.app.state.sources
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            doc = sources.document(session, cur, extraction(session, cur).text)
            outcome = undo_last(session, p.user, cur, doc, key, expected)
            answer = decision_json(request, p.user, document_id, outcome.keys,
                                   _outcome(outcome), (session, cur, doc)
                                   ) if wants_json(request) else None
    except Conflict as e:
        if wants_json(request):
            return _conflict_json(request, document_id, e.key, str(e))
        return render(request, "error.html", 409, code=409, message=str(e), user=p.user,
                      back=f"/doc/{document_id}")
    except InvalidInput as e:
        if wants_json(request):
            return _json_error(422, str(e))
        return render(request, "error.html", 422, code=422, message=str(e), user=p.user,
                      back=f"/doc/{document_id}")
    if answer is not None:
        return answer
    return _back(document_id, outcome)


def _back(document_id: int, outcome: Outcome) -> Response:
    target = f"/doc/{document_id}"
    if outcome.key:
        target += f"?fact={outcome.key}"
        if outcome.audit_id is not None:
            target += f"&saved={outcome.audit_id}"
        target += f"#fi-{outcome.key}"
    return RedirectResponse(target, 303)


@router.post("/doc/{document_id}/accept-section")
def accept_rest(request: Request, p: Post, document_id: int) -> Response:
    """Confirm every undecided fact of one section, as one audited batch."""
    section = p.form.get("section", "").strip()[:200] or None
    keys = [fact_key_param(k) for k in p.form.get("keys", "").split()] if p.form.get(
        "keys", "").strip() else None
    sources = request.app.state.sources
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            doc = sources.document(session, cur, extraction(session, cur).text)
            outcome = accept_section(session, p.user, cur, doc, section, keys, _reason(p.form))
            answer = decision_json(request, p.user, document_id, outcome.keys,
                                   _outcome(outcome), (session, cur, doc)
                                   ) if wants_json(request) else None
    except (Conflict, InvalidInput) as e:
        code = 409 if isinstance(e, Conflict) else 422
        if wants_json(request):
            return _json_error(code, str(e))
        return render(request, "error.html", code, code=code, message=str(e), user=p.user,
                      back=f"/doc/{document_id}")
    if answer is not None:
        return answer
    return _back(document_id, outcome)


@router.post("/doc/{document_id}/fact/{key}/comment")
def comment(request: Request, p: Post, document_id: int, key: str) -> Response:
    """A comment on a fact: JSON (the comment as listed) for the script, else back to the
    fact page."""
    key = fact_key_param(key)
    try:
        with scope(request) as session:
            cur = may_open(session, p.user, document_id)
            row = add_comment(session, p.user, cur, key, p.form.get("body", ""))
            made = {"id": row.id, "author": p.user.name, "body": row.body,
                    "at": row.created_at}
    except InvalidInput as e:
        if wants_json(request):
            return _json_error(422, str(e))
        return render_fact(request, p.user, document_id, key, 422, error=str(e))
    if wants_json(request):
        return JSONResponse({"ok": True, "comment": comment_json(made)})
    return RedirectResponse(f"/doc/{document_id}/fact/{key}#comments", 303)
