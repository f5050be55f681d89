"""The participatory-budgeting cycle: services for cycles, phases, proposals, supports, comments, review,
ballots, voting codes, paper ballots, counting, results, the anonymised ballot file and the audit log.

Every rule (phase, role, authorship, eligibility, ballot validity, "no counts while voting") is checked
here, on the server, whatever the pages show. Only `components.py` (shared page parts) imports Dash.
"""

from portal.participation.errors import (
    BallotRejected,
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    ParticipationError,
    WrongPhase,
)

__all__ = ["BallotRejected", "Conflict", "InvalidInput", "NotAllowed", "NotFound", "ParticipationError",
           "WrongPhase", "init_app"]


def init_app(server) -> None:
    """Register the plain HTTP routes (ballot file download, audit export) and the CLI commands."""
    from portal.participation.web import bp

    server.register_blueprint(bp)
