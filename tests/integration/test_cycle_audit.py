"""The audit log on both databases: officer and admin actions with who, what, when, before and after;
viewable and exportable by officers only."""

import csv
import io
import json

from sqlalchemy import select

from portal.models import CyclePhase, Role, User
from portal.participation import audit_log, phases
from portal.participation.errors import NotAllowed
from tests.helpers import callback_body, login, make_user, post_callback
from tests.participation import new_cycle


def _cycle_history(portal_db):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    make_user(portal_db, "citizen@example.org")
    with portal_db.session() as session:
        officer = session.scalar(select(User).where(User.email == "officer@example.org"))
        cycle = new_cycle(session, officer, title="=HYPERLINK(\"http://evil\")")
        phases.change_phase(session, cycle, CyclePhase.PROPOSALS, officer, "opening day")
        return cycle.id


def test_audit_csv_has_who_what_when_before_after_and_filters(app, client, portal_db):
    cycle_id = _cycle_history(portal_db)
    login(client, "officer@example.org")
    response = client.get("/officer/audit.csv?action=cycle.")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["cycle.phase", "cycle.create"]  # newest first
    phase = rows[0]
    assert phase["actor_email"] == "officer@example.org" and phase["target_id"] == str(cycle_id)
    assert '"phase": "draft"' in phase["before"] and '"note": "opening day"' in phase["after"]
    assert phase["at"][:4].isdigit()
    assert rows[1]["after"].startswith("{")  # JSON, and a title starting with = is not run as a formula
    targeted = list(csv.DictReader(io.StringIO(client.get(f"/officer/audit.csv?target=cycle:{cycle_id}")
                                               .get_data(as_text=True))))
    assert {r["target_id"] for r in targeted} == {str(cycle_id)}
    logins = list(csv.DictReader(io.StringIO(client.get("/officer/audit.csv?action=user.login")
                                             .get_data(as_text=True))))
    assert logins and all(r["action"] == "user.login" for r in logins)
    assert client.get("/officer/audit.csv?since=yesterday").status_code == 400


def test_formula_cells_are_neutralised():
    assert audit_log.safe_cell("=1+1") == "'=1+1" and audit_log.safe_cell("@x") == "'@x"
    assert audit_log.safe_cell("cycle.phase") == "cycle.phase" and audit_log.safe_cell(3) == 3


def test_audit_log_is_for_officers_only(app, client, portal_db):
    _cycle_history(portal_db)
    assert client.get("/officer/audit.csv").status_code == 401
    login(client, "citizen@example.org")
    assert client.get("/officer/audit.csv").status_code == 403
    assert client.get("/officer/audit").status_code == 403
    with portal_db.session() as session:
        citizen = session.scalar(select(User).where(User.email == "citizen@example.org"))
        try:
            audit_log.events(session, citizen)
        except NotAllowed:
            pass
        else:
            raise AssertionError("a citizen read the audit log")


def test_audit_page_filters_through_its_callback(app, client, portal_db):
    cycle_id = _cycle_history(portal_db)
    login(client, "officer@example.org")
    dep = next(d for d in client.get("/_dash-dependencies").get_json() if d["output"] == "audit-wrap.children")
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    body["state"] = [{**s, "value": {"audit-action": "cycle.phase", "audit-target": f"cycle:{cycle_id}"}.get(
        s["id"])} for s in body["state"]]
    text = json.dumps(post_callback(client, body, client.get_cookie("_csrf_token").value).get_json())
    assert "cycle.phase" in text and "cycle.create" not in text and "opening day" in text
    assert "/officer/audit.csv?action=cycle.phase" in text


def test_officer_verifies_a_resident_through_the_console_and_it_is_logged(app, client, portal_db):
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    make_user(portal_db, "resident@example.org")
    login(client, "officer@example.org")
    dep = next(d for d in client.get("/_dash-dependencies").get_json() if d["output"] == "resident-msg.children")
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    values = {"resident-email": "Resident@Example.org", "resident-verified": True, "resident-birth": 1990,
              "resident-district": "4"}
    body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
    text = json.dumps(post_callback(client, body, client.get_cookie("_csrf_token").value).get_json())
    assert "resident-ok" in text
    with portal_db.session() as session:
        resident = session.scalar(select(User).where(User.email == "resident@example.org"))
        assert (resident.verified_resident, resident.birth_year, resident.district_code) == (True, 1990, "4")
        from portal.models import AuditEvent

        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.residency"))
        assert event.before["verified_resident"] is False and event.after["birth_year"] == 1990
    values["resident-birth"] = "long ago"
    body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
    text = json.dumps(post_callback(client, body, client.get_cookie("_csrf_token").value).get_json())
    assert "resident-error" in text and "year of birth" in text
