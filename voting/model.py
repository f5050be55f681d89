"""The election: projects, the instance (budget and projects), ballots, the profile and the election.

Everything is plain Python: the portal builds these from database rows, the Pabulib reader from a file.
Money (costs, budgets) is an integer number of currency units; points are integers too. A value such as
``1500.0`` or ``"1500"`` is accepted and turned into ``1500``; ``1500.5`` is rejected with ElectionError.

Example::

    inst = Instance(budget=100_000, projects=[Project("1", 60_000), Project("2", 50_000)])
    prof = Profile("approval", [Ballot("v1", {"1"}), Ballot("v2", {"1", "2"})])
    election = Election(inst, prof)

A profile keeps its ballots in a compact columnar form (numpy arrays), so that a city of a hundred
thousand voters fits in a few megabytes; iterating over it yields :class:`Ballot` objects.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import numpy as np

from voting.errors import ElectionError

VOTE_TYPES = ("approval", "choose-1", "cumulative", "scoring", "ordinal")
"""Vote types of Pabulib; ``choose-1`` is an approval vote with one project per ballot."""


def as_int(value, what: str) -> int:
    """Return `value` as an exact int, or raise ElectionError naming `what` when it is not a whole number."""
    if isinstance(value, bool):
        raise ElectionError(f"{what} must be a whole number, not {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        if isinstance(value, str):
            exact = Decimal(value.strip().replace(",", ".")) if value.strip() else None
        elif isinstance(value, float):
            exact = Fraction(value)
        else:
            exact = Fraction(value)
    except (InvalidOperation, ValueError, TypeError, OverflowError):
        exact = None
    if exact is None or exact != int(exact):
        raise ElectionError(f"{what} must be a whole number, not {value!r}")
    return int(exact)


def _tuple_of_str(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(str(v) for v in value)


@dataclass
class Project:
    """A project on the ballot: its id (a string), its cost in currency units and what describes it.

    `categories` and `targets` accept a list or a comma-separated string. `selected` is the official
    outcome recorded in a file (1 funded, 0 not; None unknown). `extra` keeps any other column.
    """

    id: str
    cost: int
    name: str = ""
    categories: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    district: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    selected: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.id, str):
            self.id = str(self.id)
        if not self.id or "," in self.id:
            raise ElectionError(f"project id {self.id!r} must be non-empty and contain no comma")
        self.cost = as_int(self.cost, f"cost of project {self.id}")
        if self.cost < 0:
            raise ElectionError(f"cost of project {self.id} is negative ({self.cost})")
        self.categories = _tuple_of_str(self.categories)
        self.targets = _tuple_of_str(self.targets)
        if self.selected is not None:
            self.selected = as_int(self.selected, f"selected of project {self.id}")
        for coord in ("latitude", "longitude"):
            value = getattr(self, coord)
            if value is not None:
                setattr(self, coord, float(value))

    @property
    def category(self) -> str | None:
        """The first category, for ballots and charts that show one."""
        return self.categories[0] if self.categories else None


DERIVED_META = ("num_projects", "num_votes", "budget", "vote_type")
"""META keys that a writer fills in from the data itself; equality of instances ignores them."""


@dataclass(eq=False)
class Instance:
    """The budget and the projects of one vote; `district_budgets` maps a district to its own budget.

    `projects` may be a list or a dict id -> Project; it is stored as a dict in the given order.
    `meta` holds Pabulib's META keys (strings) such as ``vote_type`` or ``rule``.
    """

    budget: int
    projects: dict[str, Project]
    meta: dict[str, str] = field(default_factory=dict)
    district_budgets: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.budget = as_int(self.budget, "budget")
        if self.budget < 0:
            raise ElectionError(f"budget is negative ({self.budget})")
        items = self.projects.values() if isinstance(self.projects, Mapping) else self.projects
        projects: dict[str, Project] = {}
        for project in items:
            if not isinstance(project, Project):
                raise ElectionError(f"expected a Project, got {project!r}")
            if project.id in projects:
                raise ElectionError(f"project id {project.id!r} appears twice")
            projects[project.id] = project
        self.projects = projects
        self.meta = {str(k): str(v) for k, v in self.meta.items()}
        self.district_budgets = {
            str(k): as_int(v, f"budget of district {k}") for k, v in self.district_budgets.items()
        }

    def __eq__(self, other) -> bool:
        if not isinstance(other, Instance):
            return NotImplemented

        def own(meta):
            return {k: v for k, v in meta.items() if k not in DERIVED_META}

        return (self.budget, list(self.projects.values()), own(self.meta), self.district_budgets) == (
            other.budget,
            list(other.projects.values()),
            own(other.meta),
            other.district_budgets,
        )

    __hash__ = None

    def __len__(self) -> int:
        return len(self.projects)

    def __iter__(self) -> Iterator[Project]:
        return iter(self.projects.values())

    def __contains__(self, project_id) -> bool:
        return project_id in self.projects

    def __getitem__(self, project_id: str) -> Project:
        return self.projects[project_id]

    def cost_of(self, project_ids: Iterable[str]) -> int:
        """Total cost of the given projects."""
        return sum(self.projects[p].cost for p in project_ids)


@dataclass(frozen=True)
class Ballot:
    """One voter's ballot: approval -> frozenset of ids, cumulative/scoring -> dict id -> points,
    ordinal -> tuple of ids best first. `extra` holds per-voter fields (age, sex, neighbourhood...)."""

    voter_id: str
    choices: frozenset[str] | dict[str, int] | tuple[str, ...]
    extra: dict[str, str] = field(default_factory=dict, compare=True)

    def __hash__(self):
        return hash(self.voter_id)


CARDINAL = ("cumulative", "scoring")


def ballot_kind(vote_type: str) -> str:
    """'approval', 'cardinal' or 'ordinal': how the choices of a vote type are stored."""
    if vote_type in ("approval", "choose-1"):
        return "approval"
    if vote_type in CARDINAL:
        return "cardinal"
    if vote_type == "ordinal":
        return "ordinal"
    raise ElectionError(f"unknown vote type {vote_type!r}; expected one of {', '.join(VOTE_TYPES)}")


class ProfileBuilder:
    """Collects ballots one at a time into the compact arrays of a Profile (used by the reader)."""

    def __init__(self, vote_type: str):
        self.vote_type = vote_type
        self.kind = ballot_kind(vote_type)
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.items: list[int] = []
        self.points: list[int] = []
        self.lengths: list[int] = []
        self.voter_ids: list[str] = []
        self.seen_voters: set[str] = set()
        self.extra: dict[str, list] = {}
        self._intern: dict[str, str] = {}

    def _local(self, project_id: str) -> int:
        idx = self.index.get(project_id)
        if idx is None:
            idx = self.index[project_id] = len(self.ids)
            self.ids.append(project_id)
        return idx

    def add(self, voter_id: str, project_ids, points=None, extra: Mapping[str, str] | None = None) -> None:
        """Append a ballot; raise ElectionError on a repeated voter, a repeated project or bad points."""
        voter_id = str(voter_id)
        if voter_id in self.seen_voters:
            raise ElectionError(f"voter id {voter_id!r} appears twice")
        local = [self._local(str(p)) for p in project_ids]
        if len(set(local)) != len(local):
            raise ElectionError(f"ballot of voter {voter_id!r} names a project twice")
        if self.kind == "cardinal":
            if points is None or len(points) != len(local):
                raise ElectionError(f"ballot of voter {voter_id!r} needs one number of points per project")
            pts = [as_int(x, f"points of voter {voter_id!r}") for x in points]
            if any(x < 0 for x in pts):
                raise ElectionError(f"ballot of voter {voter_id!r} gives negative points")
            self.points.extend(pts)
        self.seen_voters.add(voter_id)
        self.voter_ids.append(voter_id)
        self.items.extend(local)
        self.lengths.append(len(local))
        n = len(self.voter_ids) - 1
        if extra:
            for key, value in extra.items():
                column = self.extra.get(key)
                if column is None:
                    column = self.extra[key] = [None] * n
                if isinstance(value, str):
                    value = self._intern.setdefault(value, value)
                column.append(value)
        for column in self.extra.values():
            if len(column) == n:
                column.append(None)

    def build(self) -> Profile:
        offsets = np.zeros(len(self.lengths) + 1, dtype=np.int64)
        np.cumsum(np.asarray(self.lengths, dtype=np.int64), out=offsets[1:])
        points = np.asarray(self.points, dtype=np.int64) if self.kind == "cardinal" else None
        return Profile._from_arrays(
            self.vote_type,
            self.ids,
            offsets,
            np.asarray(self.items, dtype=np.int32),
            points,
            self.voter_ids,
            self.extra,
        )


class Profile:
    """The ballots of one vote, all of one `vote_type` (approval, choose-1, cumulative, scoring, ordinal).

    Build it from Ballot objects or from plain choices (voter ids are then "1", "2", ...)::

        Profile("cumulative", [{"a": 3, "b": 2}, {"b": 5}])
        Profile("ordinal", [Ballot("v1", ["b", "a"], {"age": "34"})])
    """

    def __init__(self, vote_type: str, ballots: Iterable[Ballot | object] = ()):
        builder = ProfileBuilder(vote_type)
        for n, ballot in enumerate(ballots, start=1):
            if isinstance(ballot, Ballot):
                voter_id, choices, extra = ballot.voter_id, ballot.choices, ballot.extra
            else:
                voter_id, choices, extra = str(n), ballot, None
            ids, points = _split_choices(builder.kind, choices, voter_id)
            builder.add(voter_id, ids, points, extra)
        self._copy_from(builder.build())

    @classmethod
    def _from_arrays(cls, vote_type, ids, offsets, items, points, voter_ids, extra) -> Profile:
        self = cls.__new__(cls)
        self.vote_type = vote_type
        self.kind = ballot_kind(vote_type)
        self.project_ids = list(ids)
        self._offsets = offsets
        self._items = items
        self._points = points
        self.voter_ids = voter_ids
        self.extra_columns = extra
        return self

    def _copy_from(self, other: Profile) -> None:
        self.__dict__.update(other.__dict__)

    def __len__(self) -> int:
        return len(self.voter_ids)

    def ballot(self, i: int) -> Ballot:
        """The i-th ballot (0-based) as a Ballot object."""
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        ids = [self.project_ids[j] for j in self._items[lo:hi]]
        if self.kind == "approval":
            choices = frozenset(ids)
        elif self.kind == "cardinal":
            choices = dict(zip(ids, (int(x) for x in self._points[lo:hi]), strict=True))
        else:
            choices = tuple(ids)
        extra = {k: col[i] for k, col in self.extra_columns.items() if col[i] is not None}
        return Ballot(self.voter_ids[i], choices, extra)

    def __iter__(self) -> Iterator[Ballot]:
        return (self.ballot(i) for i in range(len(self)))

    @property
    def ballots(self) -> list[Ballot]:
        """All ballots as a list (materialised; prefer iteration on very large profiles)."""
        return list(self)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        return self.vote_type == other.vote_type and self.ballots == other.ballots

    def __repr__(self) -> str:
        return f"Profile({self.vote_type!r}, {len(self)} ballots)"

    def subset(self, rows) -> Profile:
        """A new profile holding only the ballots at the given row numbers (in that order)."""
        builder = ProfileBuilder(self.vote_type)
        for i in rows:
            b = self.ballot(i)
            ids, points = _split_choices(self.kind, b.choices, b.voter_id)
            builder.add(b.voter_id, ids, points, b.extra)
        return builder.build()


def _split_choices(kind: str, choices, voter_id: str):
    if kind == "approval":
        if isinstance(choices, (str, Mapping)):
            raise ElectionError(f"approval ballot of voter {voter_id!r} must be a set of project ids")
        ids = sorted(str(c) for c in choices)
        if len(set(ids)) != len(ids):
            raise ElectionError(f"ballot of voter {voter_id!r} names a project twice")
        return ids, None
    if kind == "cardinal":
        if not isinstance(choices, Mapping):
            raise ElectionError(f"ballot of voter {voter_id!r} must map project ids to points")
        return [str(k) for k in choices], list(choices.values())
    if isinstance(choices, (str, set, frozenset, Mapping)):
        raise ElectionError(f"ordinal ballot of voter {voter_id!r} must be a list of ids, best first")
    return [str(c) for c in choices], None


@dataclass
class Election:
    """An instance with the profile of ballots cast on it; checks that every ballot names known projects."""

    instance: Instance
    profile: Profile

    def __post_init__(self):
        unknown = [p for p in self.profile.project_ids if p not in self.instance.projects]
        if unknown:
            raise ElectionError(f"ballots name unknown project(s): {', '.join(sorted(unknown)[:5])}")

    @property
    def vote_type(self) -> str:
        return self.profile.vote_type

    def by_district(self) -> dict[str, Election]:
        """Split into one election per district (project.district), each with its district budget.

        A ballot goes to a district when it names one of its projects, restricted to those projects.
        The budget is `instance.district_budgets[d]`; without it the district keeps the whole budget.
        """
        districts: dict[str, list[Project]] = {}
        for project in self.instance:
            if project.district is not None:
                districts.setdefault(project.district, []).append(project)
        result = {}
        for district, projects in districts.items():
            ids = {p.id for p in projects}
            builder = ProfileBuilder(self.profile.vote_type)
            for ballot in self.profile:
                if isinstance(ballot.choices, dict):
                    kept = {k: v for k, v in ballot.choices.items() if k in ids}
                    if kept:
                        builder.add(ballot.voter_id, list(kept), list(kept.values()), ballot.extra)
                else:
                    kept = [p for p in ballot.choices if p in ids]
                    if kept:
                        builder.add(
                            ballot.voter_id,
                            sorted(kept) if self.profile.kind == "approval" else kept,
                            None,
                            ballot.extra,
                        )
            budget = self.instance.district_budgets.get(district, self.instance.budget)
            meta = dict(self.instance.meta, district=district, budget=str(budget))
            instance = Instance(budget, projects, meta)
            result[district] = Election(instance, builder.build())
        return result
