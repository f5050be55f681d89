"""Delivery of funded projects on both databases: opened at publication, updated by officers (checked, dated,
audited), shown on the project page, its actual spending taken from the city's executed lines that name it."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.feedback import delivery
from portal.models import AuditEvent, BudgetLine, DeliveryStatus, DeliveryUpdate, ProjectDelivery, Role
from portal.participation.errors import InvalidInput, NotAllowed, NotFound
from tests.feedback import BUDGET, import_budget, published_cycle
from tests.helpers import csrf_token, login, make_user
from tests.integration.explorer_helpers import call, response, texts
from tests.participation import quick_user


def test_officers_update_a_funded_project_and_every_update_is_dated_and_logged(db):
    with db.session() as session:
        import_budget(session)
        cycle, made, officer = published_cycle(session)
        p1 = made[0]
        delivery.update_delivery(session, p1.id, officer, {"status": "in_progress", "progress": "40",
                                                           "spent": "12500.50", "note": "Trees ordered."})
        record = delivery.update_delivery(session, p1.id, officer, {"status": "completed", "progress": "90",
                                                                    "spent": "58000", "note": ""})
        assert (record.status, record.progress, record.spent) == (DeliveryStatus.COMPLETED, 100, Decimal("58000.00"))
        updates = delivery.updates_of(session, record.id)
        assert [(u.status, u.progress, u.spent, u.note) for u, _author in updates] == [
            (DeliveryStatus.COMPLETED, 100, Decimal("58000.00"), ""),
            (DeliveryStatus.IN_PROGRESS, 40, Decimal("12500.50"), "Trees ordered.")]
        assert {author for _u, author in updates} == {"Officer Olsen"}  # a name, never an e-mail
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "delivery.update")
                                 .order_by(AuditEvent.id)).all()
        assert [(e.before["status"], e.after["status"]) for e in events] == [("planned", "in_progress"),
                                                                             ("in_progress", "completed")]
        rows = delivery.delivery_frame(delivery.deliveries(session, cycle))
        assert rows.set_index("proposal_id").loc[p1.id, ["status", "progress", "spent"]].tolist() == [
            "completed", 100, 58000.0]


@pytest.mark.parametrize(("data", "message"), [
    ({"progress": "150"}, "Progress"), ({"progress": "4.5"}, "Progress"), ({"spent": "-1"}, "Money spent"),
    ({"spent": "lots"}, "Money spent"), ({"status": "abandoned"}, "Status"), ({"note": "x" * 5001}, "Note"),
    ({}, "Nothing to save"),
])
def test_a_bad_update_is_refused_with_a_message_and_changes_nothing(db, data, message):
    with db.session() as session:
        _cycle, made, officer = published_cycle(session)
        with pytest.raises(InvalidInput, match=message):
            delivery.update_delivery(session, made[0].id, officer, data)
        record = delivery.delivery_of(session, made[0].id)
        assert (record.status, record.progress, record.spent) == (DeliveryStatus.PLANNED, 0, Decimal("0"))
        assert session.scalar(select(func.count(DeliveryUpdate.id))) == 0


def test_only_officers_update_and_only_funded_projects(db):
    with db.session() as session:
        _cycle, made, officer = published_cycle(session)
        with pytest.raises(NotAllowed):
            delivery.update_delivery(session, made[0].id, quick_user(session), {"progress": "10"})
        with pytest.raises(NotFound):
            delivery.update_delivery(session, made[1].id, officer, {"progress": "10"})  # P2 was not funded


def test_actual_spending_comes_from_executed_lines_that_name_the_project(db):
    with db.session() as session:
        import_budget(session)
        cycle, made, _officer = published_cycle(session)
        p1, p3 = made[0], made[2]
        executed = [
            (2032, "executed", "capital", "expenditure", "13", "Natur", "1301", "Parks", "79", "Park one", "1",
             "41000.00", str(p1.id)),
            (2032, "executed", "capital", "expenditure", "13", "Natur", "1301", "Parks", "80", "Park one, lights",
             "1", "9000.00", str(p1.id)),
            (2032, "executed", "capital", "expenditure", "12", "Verkehr", "1201", "Straßen", "78", "Roads", "",
             "2900000.00", ""),
        ]
        import_budget(session, [*BUDGET, *executed], name="haushalt-2032-ergebnis.csv")
        oracle = session.scalar(select(func.sum(BudgetLine.amount)).where(BudgetLine.pb_project == str(p1.id),
                                                                          BudgetLine.phase == "executed"))
        actual = delivery.actual_spending(session, "koeln", [p1.id, p3.id])
        assert actual == {p1.id: Decimal(str(oracle))} and actual[p1.id] == Decimal("50000")
        frame = delivery.delivery_frame(delivery.deliveries(session, cycle)).set_index("proposal_id")
        assert frame.loc[p1.id, "actual"] == 50_000.0 and frame.loc[p3.id, "actual"] != frame.loc[p3.id, "actual"]


def test_the_project_page_shows_the_delivery_and_the_officer_page_saves_an_update(app, client, portal_db):
    with portal_db.session() as session:
        cycle, made, _officer = published_cycle(session)
        cycle_id, p1 = cycle.id, made[0].id
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    login(client, "officer@example.org")
    token = csrf_token(client)
    out = response(call(client, token, "delivery-msg.children", {
        "delivery-save.n_clicks": 1, "delivery-cycle.data": cycle_id, "delivery-project.value": str(p1),
        "delivery-status.value": "delayed",
        "delivery-progress-input.value": 30, "delivery-spent.value": 1234.5,
        "delivery-note.value": "Waiting for the permit."}, ["delivery-save.n_clicks"]))
    assert out["delivery-msg"]["children"]["props"]["id"] == "delivery-ok"
    assert "Waiting" not in texts(out["delivery-table-wrap"]["children"])
    with portal_db.session() as session:
        record = session.scalar(select(ProjectDelivery).where(ProjectDelivery.proposal_id == p1))
        assert (record.status, record.progress, record.spent) == (DeliveryStatus.DELAYED, 30, Decimal("1234.50"))
    page = response(call(client, token, "_pages_content", {"_pages_location.pathname": f"/proposal/{p1}",
                                                           "_pages_location.search": ""}))
    text = texts(page["_pages_content"]["children"])
    assert "Delivery" in text and "Waiting for the permit." in text and "30 %" in text
    # a project that was not funded has no delivery to update
    refused = response(call(client, token, "delivery-msg.children", {
        "delivery-save.n_clicks": 2, "delivery-cycle.data": cycle_id, "delivery-project.value": str(made[1].id),
        "delivery-status.value": "delayed"}, ["delivery-save.n_clicks"]))
    assert refused["delivery-msg"]["children"]["props"]["id"] == "delivery-error"
