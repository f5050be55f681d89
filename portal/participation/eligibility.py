"""Who may vote (and support proposals) in a cycle: registered accounts, or verified residents, and an age."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import Cycle, User
from portal.participation.errors import InvalidInput, NotAllowed, NotFound
from portal.participation.phases import require_officer


def check(cycle: Cycle, user: Any) -> None:
    """Raise NotAllowed with the reason unless `user` may take part in `cycle`'s vote."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Please log in, or use a voting code."))
    if cycle.eligibility == "verified" and not user.verified_resident:
        raise NotAllowed(_("This vote is for verified residents. Your account is not verified as a resident yet."))
    if cycle.min_age:
        if user.birth_year is None:
            raise NotAllowed(_("This vote has a minimum age of {age}; your account has no year of birth "
                               "on record.").format(age=cycle.min_age))
        if cycle.year - user.birth_year < cycle.min_age:
            raise NotAllowed(_("This vote has a minimum age of {age}.").format(age=cycle.min_age))


def set_residency(session: Session, actor: Any, email: str, verified: bool, birth_year: Any,
                  district_code: str | None) -> User:
    """An officer records that an account belongs to a resident (seen with a document), logged."""
    require_officer(actor)
    from portal.accounts import find_user

    user = find_user(session, email or "")
    if user is None:
        raise NotFound(_("There is no account with this e-mail address."))
    year = None
    if birth_year not in (None, ""):
        try:
            year = int(birth_year)
        except (TypeError, ValueError):
            raise InvalidInput(_("The year of birth must be a number.")) from None
        if not 1900 <= year <= 2100:
            raise InvalidInput(_("The year of birth must be between 1900 and 2100."))
    before = {"verified_resident": user.verified_resident, "birth_year": user.birth_year,
              "district_code": user.district_code}
    user.verified_resident = bool(verified)
    user.birth_year = year
    user.district_code = (district_code or "").strip() or None
    record(session, "user.residency", {"verified_resident": user.verified_resident, "birth_year": year,
                                       "district_code": user.district_code}, before=before, target=user, actor=actor)
    session.flush()
    return user
