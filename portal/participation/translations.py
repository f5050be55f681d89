"""Translations of proposals: officers add, change and delete them; readers see the one in their language.

A proposal is always kept as its author wrote it, in its own language (`Proposal.language`, when known). A
translation is the city's: one per proposal and language (unique in the database), never in the proposal's
own language. Pages show a translation in the reader's language where there is one, and the original one
click away; exports for recounting (`.pb`) keep the original names. Every change is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit import record, snapshot
from portal.i18n import LANGUAGES, _
from portal.models import Proposal, ProposalTranslation
from portal.participation.errors import Conflict, InvalidInput, NotFound
from portal.participation.review import officer_proposal

TITLE_MIN, TITLE_MAX, DESCRIPTION_MAX = 3, 200, 10_000  # the limits of the proposal form


def language_name(code: str | None) -> str:
    """The language's own name ("Deutsch"), or the code when it is not one of the portal's."""
    return LANGUAGES.get(code or "", code or "")


# Reading -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """What a reader sees of a proposal: the translation into their language where there is one."""

    title: str
    description: str
    language: str | None          # the language of `title` and `description` (None: not known)
    translated: bool              # True: a translation by the city; the original is below
    original_title: str
    original_description: str
    original_language: str | None


def translations_of(session: Session, proposal_id: int) -> list[ProposalTranslation]:
    """Every translation of a proposal, by language code."""
    return list(session.scalars(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal_id)
                                .order_by(ProposalTranslation.language)))


def translation_for(session: Session, proposal: Proposal, language: str | None) -> ProposalTranslation | None:
    """The translation of `proposal` into `language`, unless it is written in that language already."""
    if not language or language == proposal.language:
        return None
    return session.scalar(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id,
                                                            ProposalTranslation.language == language))


def shown(session: Session, proposal: Proposal, language: str | None) -> Shown:
    """The proposal as a reader of `language` sees it first."""
    found = translation_for(session, proposal, language)
    original = (proposal.title, proposal.description or "", proposal.language)
    if found is None:
        return Shown(*original, False, *original)
    return Shown(found.title, found.description or "", found.language, True, *original)


def titles_in(session: Session, proposals: Iterable[Proposal], language: str | None) -> dict[int, str]:
    """Proposal id -> title in `language` for those of `proposals` translated into it (one query)."""
    wanted = {p.id: p for p in proposals if p is not None}
    if not language or not wanted:
        return {}
    rows = session.execute(select(ProposalTranslation.proposal_id, ProposalTranslation.title).where(
        ProposalTranslation.language == language, ProposalTranslation.proposal_id.in_(list(wanted))))
    return {pid: title for pid, title in rows if wanted[pid].language != language}


def localised_titles(session: Session, titles: dict[str, str], language: str | None) -> dict[str, str]:
    """A project id (as text) -> title map with the titles translated into `language` where there is one."""
    ids = [int(pid) for pid in titles if str(pid).isdigit()]
    if not language or not ids:
        return dict(titles)
    proposals = session.scalars(select(Proposal).where(Proposal.id.in_(ids))).all()
    translated = titles_in(session, proposals, language)
    return {pid: translated.get(int(pid), title) if str(pid).isdigit() else title for pid, title in titles.items()}


# Writing (officers) --------------------------------------------------------------------------------

def _language(value: Any) -> str:
    code = (value or "").strip() if isinstance(value, str) else ""
    if code not in LANGUAGES:
        raise InvalidInput(_("Language: please choose one of {languages}.").format(
            languages=", ".join(LANGUAGES.values())), code="language")
    return code


def parse_translation(proposal: Proposal, language: Any, title: Any, description: Any) -> tuple[str, str, str]:
    """Check a translation against the proposal; every problem in one message, nothing stored."""
    errors: list[str] = []
    try:
        code = _language(language)
    except InvalidInput as exc:
        errors.append(exc.message)
        code = ""
    if code and code == proposal.language:
        errors.append(_("Language: the proposal is written in {language} already; choose another language.")
                      .format(language=language_name(code)))
    title = title.strip() if isinstance(title, str) else ""
    if len(title) < TITLE_MIN:
        errors.append(_("Title: at least 3 characters."))
    elif len(title) > TITLE_MAX:
        errors.append(_("Title: at most 200 characters."))
    description = description.strip() if isinstance(description, str) else ""
    if len(description) > DESCRIPTION_MAX:
        errors.append(_("Description: at most 10,000 characters."))
    if proposal.description and proposal.description.strip() and not description:
        errors.append(_("Description: please translate the description too."))
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)
    return code, title, description


def save_translation(session: Session, proposal_id: Any, actor: Any, language: Any, title: Any,
                     description: Any) -> ProposalTranslation:
    """Add the translation of a proposal into `language`, or change the one there is; logged."""
    proposal = officer_proposal(session, proposal_id, actor)
    code, title, description = parse_translation(proposal, language, title, description)
    existing = session.scalar(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id,
                                                                ProposalTranslation.language == code))
    if existing is None:
        translation = ProposalTranslation(proposal_id=proposal.id, language=code, title=title,
                                          description=description, translated_by_id=getattr(actor, "id", None))
        session.add(translation)
        try:
            session.flush()
        except IntegrityError:  # another officer added the same language at the same moment: the database keeps one
            session.rollback()
            raise Conflict(_("Someone else added a translation into {language} just now; please reload.").format(
                language=language_name(code)), code="translation_exists") from None
        record(session, "proposal.translation.add", translation, target=proposal, actor=actor)
        return translation
    before = snapshot(existing)
    existing.title, existing.description = title, description
    existing.translated_by_id = getattr(actor, "id", None)
    session.flush()
    record(session, "proposal.translation.update", existing, before=before, target=proposal, actor=actor)
    return existing


def delete_translation(session: Session, proposal_id: Any, actor: Any, language: Any) -> None:
    """Delete the translation of a proposal into `language`; logged with what it said."""
    proposal = officer_proposal(session, proposal_id, actor)
    code = _language(language)
    existing = session.scalar(select(ProposalTranslation).where(ProposalTranslation.proposal_id == proposal.id,
                                                                ProposalTranslation.language == code))
    if existing is None:
        raise NotFound(_("There is no translation into {language} to delete.").format(
            language=language_name(code)))
    before = snapshot(existing)
    session.delete(existing)
    session.flush()
    record(session, "proposal.translation.delete", None, before=before, target=proposal, actor=actor)


def set_language(session: Session, proposal_id: Any, actor: Any, language: Any) -> Proposal:
    """Say (or correct) which language the author wrote the proposal in; logged."""
    proposal = officer_proposal(session, proposal_id, actor)
    code = _language(language)
    if code == proposal.language:
        return proposal
    if session.scalar(select(ProposalTranslation.id).where(ProposalTranslation.proposal_id == proposal.id,
                                                           ProposalTranslation.language == code)) is not None:
        raise InvalidInput(_("There is a translation into {language}: delete it first, then say that the proposal "
                             "is written in {language}.").format(language=language_name(code)),
                           code="language")
    before = {"language": proposal.language}
    proposal.language = code
    session.flush()
    record(session, "proposal.language", {"language": code}, before=before, target=proposal, actor=actor)
    return proposal
