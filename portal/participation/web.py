"""Plain HTTP routes of the participation services: file downloads that are not Dash callbacks."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, redirect, request

from portal.auth import safe_next
from portal.db import get_session
from portal.participation import audit_log, comments, results
from portal.participation.cycles import get_cycle
from portal.participation.errors import NotFound, ParticipationError
from portal.security import route
from portal.web import user

bp = Blueprint("participation", __name__)


@bp.get("/cycles/<int:cycle_id>/ballots.pb")
@route("public")
def ballot_file(cycle_id: int):
    """The anonymised ballot file of a cycle in Pabulib format, once its result is published."""
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        text, digest = results.published_file(session, cycle)
    except NotFound:
        abort(404)
    response = Response(text.encode("utf-8"), mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{results.file_name(cycle)}"'
    response.headers["X-Content-SHA256"] = digest
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/officer/audit.csv")
@route("officer")
def audit_export():
    """The audit log (filtered like the page) as CSV."""
    since = None
    if request.args.get("since"):
        try:
            since = datetime.fromisoformat(request.args["since"])
        except ValueError:
            abort(400)
    text = audit_log.export_csv(get_session(), user(), action=request.args.get("action"),
                                actor_email=request.args.get("actor"), target=request.args.get("target"),
                                since=since)
    response = Response(text.encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _back(notice: str | None = None, error: str | None = None):
    target = safe_next(request.form.get("next"), "/cycles")
    if not target.startswith(("/proposal/", "/officer/review/")):
        target = "/cycles"
    query = f"?notice={notice}" if notice else ""
    if error:
        query = f"?error={error}"
    return redirect(target + query, code=303)


@bp.post("/comments/<int:comment_id>/report")
@route("citizen")
def report_comment(comment_id: int):
    """A citizen reports a comment (plain form post, works without JavaScript)."""
    session = get_session()
    try:
        comments.report_comment(session, comment_id, user(), request.form.get("reason", ""))
    except ParticipationError as exc:
        return _back(error=exc.code)
    session.commit()
    return _back("reported")


@bp.post("/comments/<int:comment_id>/hide")
@route("officer")
def hide_comment(comment_id: int):
    """An officer hides a comment; the reason is shown in its place."""
    session = get_session()
    try:
        comments.hide_comment(session, comment_id, user(), request.form.get("reason", ""))
    except ParticipationError as exc:
        return _back(error=exc.code)
    session.commit()
    return _back("hidden")


@bp.post("/comments/<int:comment_id>/keep")
@route("officer")
def keep_comment(comment_id: int):
    """An officer keeps a reported comment visible and closes its reports."""
    session = get_session()
    try:
        comments.dismiss_reports(session, comment_id, user())
    except ParticipationError as exc:
        return _back(error=exc.code)
    session.commit()
    return _back("kept")


# Voters of the current request ---------------------------------------------------------------------

CODE_KEY = "voting_code"


def remember_code(code_id: int, cycle_id: int) -> None:
    """Keep a redeemed voting code in the holder's signed session until its ballot is cast."""
    from flask import session as flask_session

    flask_session[CODE_KEY] = {"id": int(code_id), "cycle": int(cycle_id)}


def forget_code() -> None:
    from flask import session as flask_session

    flask_session.pop(CODE_KEY, None)


def current_voter(db_session, cycle_id: int):
    """The voter of this request in a cycle: the signed-in account, else a redeemed code; None otherwise."""
    from flask import session as flask_session

    from portal.participation.ballots import Voter
    from portal.participation.codes import code_in_use

    me = user()
    if me is not None:
        return Voter.for_user(me)
    held = flask_session.get(CODE_KEY) or {}
    if held.get("cycle") == cycle_id:
        row = code_in_use(db_session, held.get("id"), cycle_id)
        if row is not None:
            return Voter.for_code(row)
    return None


def code_secret() -> str:
    from flask import current_app

    return current_app.config["SECRET_KEY"]


def throttle(name: str, key: str | None = None) -> None:
    """Apply the rate limit `name` (portal.ratelimit) as a participation refusal with a readable message."""
    from portal import ratelimit
    from portal.i18n import _
    from portal.participation.errors import NotAllowed

    try:
        ratelimit.hit(name, key)
    except ratelimit.RateLimited as exc:
        raise NotAllowed(_("Too many attempts. Please wait {seconds} seconds and try again.").format(
            seconds=exc.retry_after), code="too_many") from None


def upload_bytes(contents) -> bytes:
    """The bytes of a dcc.Upload value ("data:<type>;base64,<data>"), or InvalidInput for people."""
    import base64

    from portal.i18n import _
    from portal.participation.errors import InvalidInput

    try:
        return base64.b64decode(str(contents).split(",", 1)[1], validate=True)
    except (IndexError, ValueError):
        raise InvalidInput(_("The upload could not be read.")) from None
