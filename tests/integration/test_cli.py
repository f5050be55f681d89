"""Administration commands through Flask's CLI runner, against the real databases."""

import json

from sqlalchemy import select

from portal.models import AuditEvent, Role, User


def test_create_user_and_set_role(server, portal_db):
    runner = server.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Chief@Example.org", "--role", "admin"],
                           env={"PORTAL_NEW_PASSWORD": "a sufficiently long one"})
    assert result.exit_code == 0, result.output
    weak = runner.invoke(args=["create-user", "--email", "weak@example.org"], env={"PORTAL_NEW_PASSWORD": "short"})
    assert weak.exit_code != 0 and "at least 10" in weak.output
    result = runner.invoke(args=["set-role", "chief@example.org", "officer"])
    assert result.exit_code == 0, result.output
    with portal_db.session() as session:
        users = session.scalars(select(User)).all()
        assert [(u.email, u.role) for u in users] == [("chief@example.org", Role.OFFICER)]
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["user.create", "user.role"]
    missing = runner.invoke(args=["set-role", "nobody@example.org", "admin"])
    assert missing.exit_code != 0


def test_db_status_reports_head(server):
    result = server.test_cli_runner().invoke(args=["db-status"])
    status = json.loads(result.output)
    assert status["database"] == status["code"] and status["code"]


def test_backup_export_and_refused_restore(server, portal_db, tmp_path):
    runner = server.test_cli_runner()
    runner.invoke(args=["create-user", "--email", "b@example.org"], env={"PORTAL_NEW_PASSWORD": "long enough pass"})
    path = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup-export", str(path)])
    assert result.exit_code == 0 and path.stat().st_size > 0, result.output
    refused = runner.invoke(args=["backup-restore", str(path)])
    assert refused.exit_code != 0 and "not empty" in refused.output
