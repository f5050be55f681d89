"""SQLAlchemy 2 typed models: the first-cut data model of DESIGN.md."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Enums stored as their string values, as portable VARCHAR + CHECK on every backend."""
    return Enum(
        cls, name=name, native_enum=False, create_constraint=True, length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    ADMIN = "admin"


ROLE_RANK = {Role.CITIZEN: 1, Role.OFFICER: 2, Role.ADMIN: 3}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.CITIZEN)
    language: Mapped[str | None] = mapped_column(String(8))
    verified_resident: Mapped[bool] = mapped_column(Boolean, default=False)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    district_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def has_role(self, role: Role | str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    # flask-login's user protocol; the id carries the session version so that a password change
    # or "sign out everywhere" invalidates every other session cookie.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class Phase(enum.StrEnum):
    """Budget phase, as in the Fiscal Data Package."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    ADJUSTED = "adjusted"
    EXECUTED = "executed"


class Statement(enum.StrEnum):
    OPERATING = "operating"
    CAPITAL = "capital"


class Direction(enum.StrEnum):
    REVENUE = "revenue"
    EXPENDITURE = "expenditure"


class BudgetImport(Base):
    """One import of one or more budget files: what came in, from where, by whom."""

    __tablename__ = "budget_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(40))
    source_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    adapter: Mapped[str] = mapped_column(String(40))
    row_count: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BudgetLine(Base):
    """One line item of a budget: a long table close to the Fiscal Data Package.

    Amounts are signed in the direction of the line: a revenue line of 100 is income of 100, a
    negative amount is a correction (the city's files have a few). Every euro of a budget is in
    exactly one line, so any sum over lines of one statement is a true total.
    """

    __tablename__ = "budget_lines"
    __table_args__ = (
        Index("ix_budget_lines_city_year_phase", "city", "fiscal_year", "phase"),
        Index("ix_budget_lines_import_id", "import_id"),
        Index("ix_budget_lines_pb_project", "pb_project"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    city: Mapped[str] = mapped_column(String(40))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    phase: Mapped[Phase] = mapped_column(_enum(Phase, "phase"))
    statement: Mapped[Statement] = mapped_column(_enum(Statement, "statement"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "direction"))
    fn1_code: Mapped[str | None] = mapped_column(String(40))
    fn1_name: Mapped[str | None] = mapped_column(String(255))
    fn2_code: Mapped[str | None] = mapped_column(String(40))
    fn2_name: Mapped[str | None] = mapped_column(String(255))
    fn3_code: Mapped[str | None] = mapped_column(String(40))
    fn3_name: Mapped[str | None] = mapped_column(String(255))
    fn4_code: Mapped[str | None] = mapped_column(String(40))
    fn4_name: Mapped[str | None] = mapped_column(String(255))
    econ_code: Mapped[str | None] = mapped_column(String(40))
    econ_name: Mapped[str | None] = mapped_column(String(255))
    admin_code: Mapped[str | None] = mapped_column(String(40))
    admin_name: Mapped[str | None] = mapped_column(String(255))
    district_code: Mapped[str | None] = mapped_column(String(32))
    district_name: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3))
    source: Mapped[str] = mapped_column(String(255))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("budget_imports.id", ondelete="CASCADE"))
    # the participatory-budgeting project (proposal id) this line pays for: set on the lines the portal
    # writes for funded projects (source "participatory"), and on the city's own lines that name the project
    pb_project: Mapped[str | None] = mapped_column(String(40))


class Dataset(Base):
    """An open-data set uploaded by an officer; its rows live in `DatasetFile` (one per version).

    The datasets shipped with the portal are described in `data/opendata/<city>.json` and are not
    stored here; an upload with the slug of a shipped dataset replaces it in the catalogue.
    """

    __tablename__ = "datasets"
    __table_args__ = (UniqueConstraint("city", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    columns: Mapped[list[Any]] = mapped_column(default=list)
    storage_path: Mapped[str] = mapped_column(String(500))
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)  # time/district/coordinate columns, attribution


class DatasetFile(Base):
    """The CSV of one version of an uploaded dataset, kept in the database so every app server sees it."""

    __tablename__ = "dataset_files"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CyclePhase(enum.StrEnum):
    DRAFT = "draft"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTING = "voting"
    COUNTING = "counting"
    RESULTS = "results"
    CLOSED = "closed"


class BallotType(enum.StrEnum):
    APPROVAL = "approval"
    K_APPROVAL = "k-approval"
    KNAPSACK = "knapsack"
    CUMULATIVE = "cumulative"
    ORDINAL = "ordinal"


class Cycle(Base):
    """One participatory-budgeting round, usually one a year."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    total_budget: Mapped[int] = mapped_column(BigInteger)
    phase: Mapped[CyclePhase] = mapped_column(_enum(CyclePhase, "cycle_phase"), default=CyclePhase.DRAFT)
    ballot_type: Mapped[BallotType] = mapped_column(_enum(BallotType, "ballot_type"))
    min_projects: Mapped[int | None] = mapped_column(Integer)
    max_projects: Mapped[int | None] = mapped_column(Integer)
    total_points: Mapped[int | None] = mapped_column(Integer)
    min_spend_share: Mapped[float | None] = mapped_column(Numeric(5, 4))
    rule: Mapped[str] = mapped_column(String(40), default="mes")
    completion: Mapped[str | None] = mapped_column(String(40), default="add1")
    eligibility: Mapped[str] = mapped_column(String(20), default="registered")
    min_age: Mapped[int | None] = mapped_column(Integer)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    phase_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    districts: Mapped[list[CycleDistrict]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="CycleDistrict.code"
    )
    categories: Mapped[list[Category]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="Category.code"
    )
    phase_dates: Mapped[list[CyclePhaseDate]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="CyclePhaseDate.starts_on"
    )


class CycleDistrict(Base):
    __tablename__ = "cycle_districts"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    budget: Mapped[int] = mapped_column(BigInteger)
    cycle: Mapped[Cycle] = relationship(back_populates="districts")


class Category(Base):
    """One of the year's priorities, optionally with an earmarked amount."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    earmarked: Mapped[int | None] = mapped_column(BigInteger)
    functional_code: Mapped[str | None] = mapped_column(String(40))
    cycle: Mapped[Cycle] = relationship(back_populates="categories")


class CyclePhaseDate(Base):
    __tablename__ = "cycle_phase_dates"
    __table_args__ = (UniqueConstraint("cycle_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    phase: Mapped[CyclePhase] = mapped_column(_enum(CyclePhase, "cycle_phase"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    cycle: Mapped[Cycle] = relationship(back_populates="phase_dates")


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MERGED = "merged"
    FUNDED = "funded"


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # the language the title and description are written in (None: not known); officers may correct it
    language: Mapped[str | None] = mapped_column(String(8))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    district_code: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6))
    estimated_cost: Mapped[int] = mapped_column(BigInteger)
    reviewed_cost: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.SUBMITTED
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    feasibility_notes: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    on_ballot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def cost(self) -> int:
        return self.reviewed_cost if self.reviewed_cost is not None else self.estimated_cost


class ProposalTranslation(Base):
    """An officer's translation of a proposal's title and description into one language; the proposal itself
    stays as its author wrote it."""

    __tablename__ = "proposal_translations"
    __table_args__ = (UniqueConstraint("proposal_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Support(Base):
    """A citizen's support of a proposal: once per citizen, enforced by the database."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Ballot(Base):
    """A voter's ballot; one live ballot per voter per cycle, enforced by a partial unique index."""

    __tablename__ = "ballots"
    __table_args__ = (
        Index(
            "uq_ballots_live_voter", "cycle_id", "voter_key", unique=True,
            sqlite_where=text("replaced_at IS NULL"), postgresql_where=text("replaced_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(10), default="online")
    choices: Mapped[dict[str, Any]] = mapped_column()
    receipt_code: Mapped[str] = mapped_column(String(40), unique=True)
    district_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Result(Base):
    """The outcome of counting a cycle with one rule; public once published."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    completion: Mapped[str | None] = mapped_column(String(40))
    selected: Mapped[list[Any]] = mapped_column(default=list)
    funded: Mapped[dict[str, Any]] = mapped_column(default=dict)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ballot_file_sha256: Mapped[str] = mapped_column(String(64))
    ballot_file: Mapped[str | None] = mapped_column(Text, deferred=True)  # the anonymised .pb, served as is
    ballot_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Comment(Base):
    """A comment on a proposal; officers may hide it (with a reason shown in its place)."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CommentReport(Base):
    """A citizen's report of a comment to the officers: once per citizen and comment."""

    __tablename__ = "comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class VotingCode(Base):
    """A single-use voting code for someone without an account; only its keyed hash is stored."""

    __tablename__ = "voting_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    batch: Mapped[str] = mapped_column(String(80), default="")
    district_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who did what, when, with the state before and after: every officer and admin action."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class DeliveryStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DELAYED = "delayed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class ProjectDelivery(Base):
    """A funded project on its way to being built: created when a result is published, kept up to date by
    officers (status, progress, money spent); its dated updates are `DeliveryUpdate`s."""

    __tablename__ = "project_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id", ondelete="SET NULL"))
    funded_amount: Mapped[int] = mapped_column(BigInteger)
    budget_year: Mapped[int] = mapped_column(Integer)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"),
                                                   default=DeliveryStatus.PLANNED)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # per cent, 0-100
    spent: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeliveryUpdate(Base):
    """One dated update of a project's delivery by an officer: the state it set and what they wrote."""

    __tablename__ = "delivery_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("project_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus, "delivery_status"))
    progress: Mapped[int] = mapped_column(Integer)
    spent: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    note: Mapped[str] = mapped_column(Text, default="")


class FrozenChart(Base):
    """A chart published as it was: its figure and data kept, so an embed keeps showing them after the data
    changes (and says so)."""

    __tablename__ = "frozen_charts"

    id: Mapped[int] = mapped_column(primary_key=True)
    city: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    figure: Mapped[dict[str, Any]] = mapped_column()
    data_csv: Mapped[str] = mapped_column(Text)
    citation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    page_url: Mapped[str] = mapped_column(String(2000), default="")
    frozen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    frozen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
