"""Comments on proposals: citizens comment and report; officers hide a comment with a reason (logged)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import Comment, CommentReport, Cycle, Proposal, User, utcnow
from portal.participation import phases
from portal.participation.errors import Conflict, InvalidInput, NotAllowed, NotFound

MAX_COMMENT = 2000


def _signed_in(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def add_comment(session: Session, proposal: Proposal, actor: Any, body: str) -> Comment:
    if not _signed_in(actor):
        raise NotAllowed(_("Please log in to comment."))
    phases.require(session.get(Cycle, proposal.cycle_id), "comment")
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("The comment is empty."))
    if len(body) > MAX_COMMENT:
        raise InvalidInput(_("A comment may have at most {n} characters.").format(n=MAX_COMMENT))
    comment = Comment(proposal_id=proposal.id, author_id=actor.id, body=body)
    session.add(comment)
    session.flush()
    return comment


@dataclass
class CommentView:
    id: int
    author: str
    at: Any
    body: str | None       # None when hidden (officers still see it in `hidden_body`)
    hidden_reason: str | None
    hidden_body: str | None
    reports: int


def list_comments(session: Session, proposal_id: int, actor: Any = None) -> list[CommentView]:
    """Comments oldest first; a hidden one shows its reason instead of its text (officers see both)."""
    officer = _signed_in(actor) and actor.has_role("officer")
    reports = dict(session.execute(
        select(CommentReport.comment_id, func.count(CommentReport.id))
        .join(Comment, Comment.id == CommentReport.comment_id)
        .where(Comment.proposal_id == proposal_id, CommentReport.resolved_at.is_(None))
        .group_by(CommentReport.comment_id)).all())
    rows = session.execute(
        select(Comment, User.display_name).outerjoin(User, User.id == Comment.author_id)
        .where(Comment.proposal_id == proposal_id).order_by(Comment.created_at, Comment.id))
    result = []
    for comment, name in rows:
        hidden = comment.hidden_at is not None
        result.append(CommentView(
            comment.id, name or _("A citizen"), comment.created_at, None if hidden else comment.body,
            comment.hidden_reason if hidden else None, comment.body if hidden and officer else None,
            reports.get(comment.id, 0) if officer else 0,
        ))
    return result


def _comment(session: Session, comment_id: Any) -> Comment:
    try:
        comment = session.get(Comment, int(comment_id))
    except (TypeError, ValueError):
        comment = None
    if comment is None:
        raise NotFound(_("There is no such comment."))
    return comment


def hide_comment(session: Session, comment_id: Any, actor: Any, reason: str) -> Comment:
    """An officer hides a comment; the reason is shown in its place. Its reports are resolved."""
    phases.require_officer(actor)
    comment = _comment(session, comment_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Please give the reason shown in place of the comment."))
    if len(reason) > 500:
        raise InvalidInput(_("The reason may have at most 500 characters."))
    before = {"hidden_at": None, "body": comment.body}
    comment.hidden_at = utcnow()
    comment.hidden_reason = reason
    comment.hidden_by_id = actor.id
    for report in session.scalars(select(CommentReport).where(CommentReport.comment_id == comment.id,
                                                              CommentReport.resolved_at.is_(None))):
        report.resolved_at = comment.hidden_at
    record(session, "comment.hide", {"reason": reason, "proposal_id": comment.proposal_id}, before=before,
           target=comment, actor=actor)
    session.flush()
    return comment


def dismiss_reports(session: Session, comment_id: Any, actor: Any) -> int:
    """An officer keeps a reported comment visible: its open reports are closed. Returns how many."""
    phases.require_officer(actor)
    comment = _comment(session, comment_id)
    now = utcnow()
    count = 0
    for report in session.scalars(select(CommentReport).where(CommentReport.comment_id == comment.id,
                                                              CommentReport.resolved_at.is_(None))):
        report.resolved_at = now
        count += 1
    record(session, "comment.keep", {"reports_closed": count}, target=comment, actor=actor)
    session.flush()
    return count


def report_comment(session: Session, comment_id: Any, actor: Any, reason: str = "") -> CommentReport:
    """A citizen reports a comment to the officers (once per comment)."""
    if not _signed_in(actor):
        raise NotAllowed(_("Please log in to report a comment."))
    comment = _comment(session, comment_id)
    if comment.hidden_at is not None:
        raise Conflict(_("This comment is hidden already."))
    existing = session.scalar(select(CommentReport.id).where(CommentReport.comment_id == comment.id,
                                                             CommentReport.user_id == actor.id))
    if existing is not None:
        raise Conflict(_("You reported this comment already."), code="already_reported")
    report = CommentReport(comment_id=comment.id, user_id=actor.id, reason=(reason or "").strip()[:500])
    session.add(report)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(_("You reported this comment already."), code="already_reported") from None
    return report


@dataclass
class ReportedComment:
    comment: Comment
    proposal_title: str
    reports: int
    reasons: list[str]


def reported_comments(session: Session, cycle_id: int) -> list[ReportedComment]:
    """The officers' queue: visible comments with open reports, most reported first."""
    rows = session.execute(
        select(Comment, Proposal.title, CommentReport.reason)
        .join(CommentReport, CommentReport.comment_id == Comment.id)
        .join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Proposal.cycle_id == cycle_id, CommentReport.resolved_at.is_(None), Comment.hidden_at.is_(None)))
    grouped: dict[int, ReportedComment] = {}
    for comment, title, reason in rows:
        item = grouped.setdefault(comment.id, ReportedComment(comment, title, 0, []))
        item.reports += 1
        if reason:
            item.reasons.append(reason)
    return sorted(grouped.values(), key=lambda r: (-r.reports, r.comment.id))
