"""Vote counting for participatory budgeting: Pabulib files, ballots, rules, explanations, metrics.

A library of its own (pure Python and numpy; no web framework, no database). What users may import:

    read_pb, parse_pb, write_pb, dumps_pb            Pabulib .pb files (gzip read transparently)
    Project, Instance, Ballot, Profile, Election      the election, built from plain Python objects
    BallotRules, validate_ballot                      checking one ballot (the portal's ballot page)
    tally, tally_official, RULES, COMPLETIONS         counting; Outcome and Explanation are the results
    metrics, compare                                  comparing rules on one profile
    PabulibError, BallotError, ElectionError, RuleError   errors (all ValueError)

Per-district budgets: ``election.by_district()`` gives one Election per district, each with its own
budget, to count separately.
"""

from voting.ballots import BALLOT_TYPES, BallotRules, validate_ballot
from voting.compiled import SATISFACTIONS
from voting.errors import BallotError, ElectionError, PabulibError, RuleError
from voting.metrics import compare, metrics
from voting.model import VOTE_TYPES, Ballot, Election, Instance, Profile, Project
from voting.outcome import Explanation, Outcome
from voting.pabulib import dumps_pb, parse_pb, read_pb, write_pb
from voting.tally import COMPLETIONS, RULES, tally, tally_official

__all__ = [
    "BALLOT_TYPES",
    "COMPLETIONS",
    "RULES",
    "SATISFACTIONS",
    "VOTE_TYPES",
    "Ballot",
    "BallotError",
    "BallotRules",
    "Election",
    "ElectionError",
    "Explanation",
    "Instance",
    "Outcome",
    "PabulibError",
    "Profile",
    "Project",
    "RuleError",
    "compare",
    "dumps_pb",
    "metrics",
    "parse_pb",
    "read_pb",
    "tally",
    "tally_official",
    "validate_ballot",
    "write_pb",
]
