"""Errors of the participation services: each carries a message a person can read, already translated."""

from __future__ import annotations


class ParticipationError(ValueError):
    """A request the rules of the cycle do not allow; `.code` names the rule for tests and translations."""

    code = "invalid"

    def __init__(self, message: str, code: str | None = None, **params):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.params = params


class NotFound(ParticipationError):
    """No such cycle, proposal, comment or code (or not visible to this user)."""

    code = "not_found"


class NotAllowed(ParticipationError):
    """The user has no right to do this (role, authorship, eligibility)."""

    code = "not_allowed"


class WrongPhase(ParticipationError):
    """The cycle is not in a phase that allows this."""

    code = "wrong_phase"


class InvalidInput(ParticipationError):
    """The data sent is malformed or breaks a limit; nothing was stored."""

    code = "invalid_input"


class BallotRejected(ParticipationError):
    """The ballot breaks the rules of the vote (checked by the engine); nothing was stored."""

    code = "ballot_rejected"


class Conflict(ParticipationError):
    """Another request changed the same thing at the same moment; nothing of this one was stored."""

    code = "conflict"


class Unavailable(ParticipationError):
    """The database went away while the request ran: its transaction was rolled back or its commit unconfirmed."""

    code = "unavailable"
