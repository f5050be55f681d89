"""Backup and restore: a round trip into an empty database reproduces every row; bad archives change nothing."""

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from portal import backup
from portal.audit import record
from portal.city import load_city
from portal.db import Database
from portal.migrate import upgrade
from portal.models import AuditEvent, Ballot, BudgetLine, Cycle, User
from portal.seed import seed_if_empty
from tests.helpers import make_user


def _populate(db):
    seed_if_empty(db, load_city("koeln"))
    uid = make_user(db, "backup@example.org")
    with db.session() as session:
        cycle = session.scalars(select(Cycle)).first()
        session.add(Ballot(cycle_id=cycle.id, voter_key=f"user:{uid}", user_id=uid,
                           choices={"approved": ["1", "2"]}, receipt_code="R-1"))
        record(session, "test.event", {"x": 1}, before={"x": 0}, target=cycle)


@pytest.fixture
def empty_db(fresh_database_url):
    db = Database(fresh_database_url)
    upgrade(db)
    yield db
    db.dispose()


def test_round_trip_reproduces_every_row(db, empty_db, tmp_path):
    _populate(db)
    uploads = tmp_path / "uploads"
    (uploads / "datasets").mkdir(parents=True)
    (uploads / "datasets" / "a.csv").write_bytes(b"x,y\n1,2\n")
    archive = io.BytesIO()
    first = backup.export(db, archive, uploads)
    assert first["tables"]["budget_lines"]["rows"] > 4000
    archive.seek(0)
    restored_uploads = tmp_path / "restored"
    backup.restore(empty_db, archive, restored_uploads)
    again = backup.export(empty_db, io.BytesIO())
    assert again["tables"] == first["tables"]
    assert (restored_uploads / "datasets" / "a.csv").read_bytes() == b"x,y\n1,2\n"
    with db.session() as a, empty_db.session() as b:
        for model in (BudgetLine, User, Ballot, AuditEvent):
            count = select(func.count()).select_from(model)
            assert a.scalar(count) == b.scalar(count)
        assert a.scalar(select(func.sum(BudgetLine.amount))) == b.scalar(select(func.sum(BudgetLine.amount)))
    # new rows after a restore get fresh ids (sequences moved past the restored ones)
    make_user(empty_db, "after-restore@example.org")


def test_restore_refuses_a_non_empty_database(db, tmp_path):
    _populate(db)
    archive = io.BytesIO()
    backup.export(db, archive)
    archive.seek(0)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(db, archive)


def test_damaged_archive_changes_nothing(db, empty_db):
    _populate(db)
    archive = io.BytesIO()
    backup.export(db, archive)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive.getvalue())) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/users.jsonl":
                data = data.replace(b"backup@example.org", b"mallory@example.org")
            dst.writestr(item, data)
    damaged.seek(0)
    with pytest.raises(backup.BackupError, match="users"):
        backup.restore(empty_db, damaged)
    with empty_db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 0


@pytest.mark.parametrize("payload", [b"not a zip", b""])
def test_garbage_is_refused(empty_db, payload):
    with pytest.raises(backup.BackupError):
        backup.restore(empty_db, io.BytesIO(payload))


def test_other_schema_revision_is_refused(db, empty_db):
    archive = io.BytesIO()
    backup.export(db, archive)
    patched = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive.getvalue())) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["revision"] = "9999"
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    patched.seek(0)
    with pytest.raises(backup.BackupError, match="revision"):
        backup.restore(empty_db, patched)


def test_round_trip_keeps_uploaded_datasets_byte_for_byte(db, empty_db):
    """Uploaded datasets live in the database (every version's file in dataset_files): the archive carries them."""
    from portal.city import load_city
    from portal.datasets import upload
    from portal.models import Dataset, DatasetFile, Role

    city = load_city("koeln")
    officer_id = make_user(db, "officer-backup@example.org", Role.OFFICER)
    files = [b"station;pm10\nNeumarkt;21,5\nDeutz;17\n", b"station;pm10\nNeumarkt;22\nDeutz;16,5\nNippes;12\n"]
    with db.session() as session:
        officer = session.get(User, officer_id)
        for data in files:
            plan = upload.prepare(session, city, "air.csv", data, name="Air quality", licence="CC0", source="test")
            assert plan.ok, plan.report.text()
            upload.apply(session, plan, user=officer)
    archive = io.BytesIO()
    backup.export(db, archive)
    archive.seek(0)
    backup.restore(empty_db, archive)
    with empty_db.session() as session:
        stored = session.scalars(select(DatasetFile).order_by(DatasetFile.version)).all()
        assert [f.content for f in stored] == files  # the very bytes uploaded, every version
        dataset = session.scalar(select(Dataset))
        assert dataset.version == 2 and dataset.storage_path == f"db:{stored[-1].id}"
