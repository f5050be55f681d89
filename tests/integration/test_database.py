"""Schema and constraints on both real databases: migrations match the models, invariants hold in SQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import migrate
from portal.models import Ballot, BallotType, Base, Cycle, Proposal, Support, User


def test_migrations_reach_head_and_match_the_models(migrated_db):
    assert migrate.is_up_to_date(migrated_db)
    with migrated_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_and_upgrade_again(fresh_database_url):
    from portal.db import Database

    db = Database(fresh_database_url)
    assert migrate.current_revision(db) is None
    migrate.upgrade(db)
    assert migrate.is_up_to_date(db)
    migrate.downgrade(db, "base")
    assert migrate.current_revision(db) is None
    migrate.upgrade(db)
    assert migrate.is_up_to_date(db)
    db.dispose()


def _cycle(session):
    cycle = Cycle(city="test", year=2026, title="t", total_budget=1000, ballot_type=BallotType.APPROVAL)
    session.add(cycle)
    session.flush()
    return cycle


def test_one_live_ballot_per_voter_per_cycle(db):
    with db.session() as session:
        cycle_id = _cycle(session).id
        session.add(Ballot(cycle_id=cycle_id, voter_key="user:1", choices={"approved": ["1"]}, receipt_code="r1"))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Ballot(cycle_id=cycle_id, voter_key="user:1", choices={"approved": ["2"]}, receipt_code="r2"))
    with db.session() as session:
        live = session.scalars(select(Ballot)).all()
        assert [b.receipt_code for b in live] == ["r1"]
        # a replaced ballot does not count as live: the voter may then cast a new one
        live[0].replaced_at = live[0].created_at
        session.flush()
        session.add(Ballot(cycle_id=cycle_id, voter_key="user:1", choices={"approved": ["2"]}, receipt_code="r3"))
    with db.session() as session:
        assert session.query(Ballot).filter(Ballot.replaced_at.is_(None)).count() == 1


def test_one_support_per_citizen_and_proposal(db):
    with db.session() as session:
        cycle_id = _cycle(session).id
        user = User(email="s@example.org", password_hash="x")
        session.add(user)
        session.flush()
        proposal = Proposal(cycle_id=cycle_id, title="p", estimated_cost=10)
        session.add(proposal)
        session.flush()
        ids = (proposal.id, user.id)
        session.add(Support(proposal_id=ids[0], user_id=ids[1]))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(Support(proposal_id=ids[0], user_id=ids[1]))


def test_enum_columns_reject_unknown_values(db):
    from sqlalchemy import text

    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO users (email, password_hash, display_name, role, verified_resident, active, "
                          "session_version, failed_logins, created_at) VALUES ('x@y.z', 'h', '', 'emperor', "
                          "false, true, 1, 0, CURRENT_TIMESTAMP)"))
