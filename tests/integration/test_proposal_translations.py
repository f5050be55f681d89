"""Translations of proposals on both databases: officers add, change and delete them (checked, logged, unique per
language); readers see the one in their language with the original one click away; lists, results and ballots
use it; the API exposes it; the .pb file keeps the original names; forged callbacks change nothing."""

import json

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from portal import migrate
from portal.db import Database
from portal.models import AuditEvent, CyclePhase, Proposal, ProposalTranslation, Role, User
from portal.participation import counting, phases, proposals, translations
from portal.participation.ballots import Voter, cast_ballot
from portal.participation.errors import InvalidInput, NotAllowed, NotFound
from tests.helpers import callback_body, csrf_token, login, make_user, post_callback
from tests.integration.explorer_helpers import call, response, texts
from tests.participation import cycle_with_ballot, new_cycle, quick_user

GERMAN = {"title": "Schattenbäume für den Schulhof", "description": "Bäume für den Schulhof am Hansaring"}


def _proposal(session, officer=None, **form):
    officer = officer or quick_user(session, Role.OFFICER)
    cycle = new_cycle(session, officer)
    phases.change_phase(session, cycle, CyclePhase.PROPOSALS, officer)
    data = {"title": "Shade trees", "description": "Trees for the school yard", "estimated_cost": "85000",
            "category_id": cycle.categories[0].id, "language": "en", **form}
    return officer, proposals.create_proposal(session, cycle, quick_user(session), data)


def _count(session, model, **where):
    return session.scalar(select(func.count()).select_from(model).filter_by(**where))


# The service ---------------------------------------------------------------------------------------------------

def test_officers_add_change_and_delete_translations_checked_and_logged(db):
    with db.session() as session:
        officer, proposal = _proposal(session)
        citizen = quick_user(session)
        for actor in (None, citizen):
            with pytest.raises(NotAllowed, match="Only officers"):
                translations.save_translation(session, proposal.id, actor, "de", **GERMAN)
        for language, form, why in [
            ("xx", GERMAN, "Language: please choose one of English, Deutsch, Nederlands, Italiano, Suomi"),
            (None, GERMAN, "Language: please choose"),
            ("en", GERMAN, "written in English already"),
            ("de", {**GERMAN, "title": " x "}, "Title: at least 3 characters"),
            ("de", {**GERMAN, "title": "x" * 201}, "Title: at most 200 characters"),
            ("de", {**GERMAN, "description": ""}, "translate the description too"),
            ("de", {**GERMAN, "description": "x" * 10_001}, "Description: at most 10,000 characters"),
        ]:
            with pytest.raises(InvalidInput, match=why):
                translations.save_translation(session, proposal.id, officer, language, **form)
        with pytest.raises(NotFound):
            translations.save_translation(session, 999_999, officer, "de", **GERMAN)
        assert _count(session, ProposalTranslation) == 0

        added = translations.save_translation(session, proposal.id, officer, "de", **GERMAN)
        assert (added.language, added.title, added.translated_by_id) == ("de", GERMAN["title"], officer.id)
        other = quick_user(session, Role.ADMIN)
        changed = translations.save_translation(session, proposal.id, other, "de", "  Schattenbäume  ", "Bäume")
        assert changed.id == added.id and changed.title == "Schattenbäume" and changed.translated_by_id == other.id
        translations.save_translation(session, proposal.id, officer, "it", "Alberi", "Alberi per il cortile")
        assert [t.language for t in translations.translations_of(session, proposal.id)] == ["de", "it"]

        translations.delete_translation(session, proposal.id, officer, "it")
        with pytest.raises(NotFound, match="no translation into Italiano"):
            translations.delete_translation(session, proposal.id, officer, "it")
        with pytest.raises(NotAllowed):
            translations.delete_translation(session, proposal.id, citizen, "de")

        with pytest.raises(InvalidInput, match="delete it first"):
            translations.set_language(session, proposal.id, officer, "de")
        translations.set_language(session, proposal.id, officer, "nl")
        assert proposal.language == "nl"
        session.commit()
        events = session.scalars(select(AuditEvent).where(AuditEvent.target_type == "proposal",
                                                          AuditEvent.target_id == str(proposal.id))
                                 .order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["proposal.translation.add", "proposal.translation.update",
                                              "proposal.translation.add", "proposal.translation.delete",
                                              "proposal.language"]
        assert events[1].before["title"] == GERMAN["title"] and events[1].after["title"] == "Schattenbäume"
        assert events[3].before["title"] == "Alberi" and events[3].after is None
        assert events[4].before == {"language": "en"} and events[4].after == {"language": "nl"}
        assert {e.actor_email for e in events} == {officer.email, other.email}


def test_one_translation_per_language_enforced_by_the_database_and_deleted_with_the_proposal(db):
    with db.session() as session:
        officer, proposal = _proposal(session)
        translations.save_translation(session, proposal.id, officer, "de", **GERMAN)
        session.commit()
        proposal_id = proposal.id
    session = db.sessionmaker()
    try:
        session.add(ProposalTranslation(proposal_id=proposal_id, language="de", title="Noch einmal"))
        with pytest.raises(IntegrityError):
            session.flush()
    finally:
        session.rollback()
        session.close()
    with db.session() as session:
        session.delete(session.get(Proposal, proposal_id))
        session.commit()
        assert _count(session, ProposalTranslation) == 0


def test_readers_get_the_translation_into_their_language_and_search_finds_it(db):
    with db.session() as session:
        officer, proposal = _proposal(session)
        translations.save_translation(session, proposal.id, officer, "de", **GERMAN)
        german = translations.shown(session, proposal, "de")
        assert german.translated and (german.title, german.language) == (GERMAN["title"], "de")
        assert (german.original_title, german.original_language) == ("Shade trees", "en")
        for language in ("en", "it", None):  # the original, or no translation into it
            seen = translations.shown(session, proposal, language)
            assert not seen.translated and (seen.title, seen.language) == ("Shade trees", "en")
        assert translations.titles_in(session, [proposal], "de") == {proposal.id: GERMAN["title"]}
        assert translations.titles_in(session, [proposal], "it") == {}
        ids = {str(proposal.id): "Shade trees", "x": "not a proposal"}
        assert translations.localised_titles(session, ids, "de") == {str(proposal.id): GERMAN["title"],
                                                                     "x": "not a proposal"}
        cycle_id = proposal.cycle_id
        from portal.models import Cycle

        found = proposals.browse(session, session.get(Cycle, cycle_id), text="schulhof")
        assert [r.proposal.id for r in found] == [proposal.id]


def test_a_new_proposal_is_marked_with_the_language_it_was_written_in(db):
    with db.session() as session:
        _officer, given = _proposal(session, language="it")
        _officer, guessed = _proposal(session, language="klingon")
        assert given.language == "it"
        assert guessed.language == "en"  # outside a request: the portal's default language


# Migration ptrans_1 ------------------------------------------------------------------------------------------------

def test_migration_ptrans_1_down_and_up_keeps_the_proposals(fresh_database_url):
    db = Database(fresh_database_url)
    try:
        migrate.upgrade(db, "ptrans_1")
        assert "proposal_translations" in inspect(db.engine).get_table_names()
        with db.session() as session:
            officer, proposal = _proposal(session)
            translations.save_translation(session, proposal.id, officer, "de", **GERMAN)
            session.commit()
        migrate.downgrade(db, "feedback_1")
        inspector = inspect(db.engine)
        assert "proposal_translations" not in inspector.get_table_names()
        assert "language" not in {c["name"] for c in inspector.get_columns("proposals")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM proposals")).scalars().all() == ["Shade trees"]
        migrate.upgrade(db)
        assert migrate.is_up_to_date(db)
        with db.session() as session:
            assert session.scalars(select(Proposal.language)).all() == [None]
            assert _count(session, ProposalTranslation) == 0
    finally:
        db.dispose()


# Over HTTP ---------------------------------------------------------------------------------------------------

def _translation_callback(client):
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if "translation-msg.children" in d["output"])


def _forge(client, dep, proposal_id, token=None):
    body = callback_body(dep)
    values = {"translation-save": 1, "proposal-id": proposal_id, "translation-language": "de",
              "translation-title": "Gefälscht", "translation-description": "Gefälscht"}
    body["inputs"] = [{**i, "value": values.get(i["id"])} for i in dep["inputs"]]
    body["state"] = [{**s, "value": values.get(s["id"])} for s in dep["state"]]
    body["changedPropIds"] = ["translation-save.n_clicks"]
    return post_callback(client, body, token or client.get_cookie("_csrf_token").value)


def test_forged_translation_callbacks_refused_for_anonymous_and_citizens_and_change_nothing(app, client, portal_db):
    make_user(portal_db, "citizen@example.org")
    make_user(portal_db, "officer@example.org", Role.OFFICER)
    with portal_db.session() as session:
        _officer, proposal = _proposal(session)
        proposal_id = proposal.id
    dep = _translation_callback(client)
    assert _forge(client, dep, proposal_id, csrf_token(client)).status_code == 401
    citizen = app.server.test_client()
    login(citizen, "citizen@example.org")
    forged = _forge(citizen, dep, proposal_id)
    assert forged.status_code == 403 and "response" not in (forged.get_json(silent=True) or {})
    with portal_db.session() as session:
        assert _count(session, ProposalTranslation) == 0
        assert _count(session, AuditEvent, action="proposal.translation.add") == 0
    # the same request by an officer goes through: the refusals above were about the role
    officer = app.server.test_client()
    login(officer, "officer@example.org")
    answer = json.dumps(_forge(officer, dep, proposal_id).get_json())
    assert "translation-ok" in answer and "Gef\\u00e4lscht" in answer
    with portal_db.session() as session:
        saved = session.scalar(select(ProposalTranslation))
        assert (saved.language, saved.title) == ("de", "Gefälscht")
        actor = session.get(User, saved.translated_by_id)
        assert actor.email == "officer@example.org"
    # and an officer's bad input is answered with the service's message, nothing stored
    dep_body = _forge(officer, dep, 999_999)
    assert "translation-error" in json.dumps(dep_body.get_json())


def _published_cycle_with_a_german_translation(portal_db):
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Park one", 60_000), ("Bridge", 40_000)],
                                        total_budget="120000", ballot_type="approval")
        translations.save_translation(session, made[0].id, officer, "de", "Park eins", "")
        for _ in range(2):
            cast_ballot(session, cycle.id, Voter.for_user(quick_user(session)), [str(made[0].id)])
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        result = counting.count_cycle(session, cycle, officer)
        counting.publish_result(session, cycle, result.id, officer)
        session.commit()
        return cycle.id, made[0].id


def _page(client, path):
    token = client.get_cookie("_csrf_token").value
    out = response(call(client, token, "_pages_content", {"_pages_location.pathname": path}))
    return out["_pages_content"]["children"]


def _find(component, ident):
    """The serialised component with this id, anywhere in the tree."""
    if isinstance(component, list):
        return next((f for f in (_find(c, ident) for c in component) if f is not None), None)
    if isinstance(component, dict):
        props = component.get("props", {})
        if props.get("id") == ident:
            return props
        return _find(props.get("children"), ident)
    return None


def test_pages_api_and_ballot_file_with_a_translation(app, client, portal_db):
    cycle_id, proposal_id = _published_cycle_with_a_german_translation(portal_db)
    csrf_token(client)
    client.set_cookie("lang", "de")
    page = _page(client, f"/proposal/{proposal_id}")
    title = _find(page, "proposal-title-text")
    assert (title["children"], title["lang"]) == ("Park eins", "de")
    assert _find(page, "proposal-translation-note") is not None  # its words depend on the German catalogue
    original = _find(page, "proposal-original")
    assert original["hidden"] is True
    assert _find(original["children"], "proposal-original-title")["children"] == "Park one"
    results = texts(_page(client, f"/results/{cycle_id}"))
    assert "Park eins" in results and "Bridge" in results
    assert "Park eins" in texts(_page(client, f"/proposals/{cycle_id}"))

    client.set_cookie("lang", "en")
    page = _page(client, f"/proposal/{proposal_id}")
    assert _find(page, "proposal-translation") is None and _find(page, "proposal-translation-note") is None
    assert _find(page, "proposal-title-text")["children"] == "Park one"
    assert _find(page, "proposal-description")["lang"] == "en"  # the original, marked with its language
    assert "Park eins" not in texts(_page(client, f"/results/{cycle_id}"))

    # the toggle swaps the two, one click each way
    dep = next(d for d in client.get("/_dash-dependencies").get_json() if "proposal-translation.hidden" in d["output"])
    body = callback_body(dep)
    for clicks, shows_original in ((1, True), (2, False)):
        body["inputs"][0]["value"] = clicks
        out = post_callback(client, body, client.get_cookie("_csrf_token").value).get_json()["response"]
        assert out["proposal-translation"]["hidden"] is shows_original
        assert out["proposal-original"]["hidden"] is not shows_original

    data = client.get(f"/api/v1/cycles/{cycle_id}/proposals").get_json()["data"]
    park = next(p for p in data if p["id"] == proposal_id)
    assert park["title"] == "Park one" and park["language"] == "en"
    assert [(t["language"], t["title"]) for t in park["translations"]] == [("de", "Park eins")]
    assert next(p for p in data if p["id"] != proposal_id)["translations"] == []
    csv_text = client.get(f"/api/v1/cycles/{cycle_id}/proposals?format=csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].split(",")[4] == "language" and "Park eins" not in csv_text
    ballot_file = client.get(f"/cycles/{cycle_id}/ballots.pb").data.decode("utf-8")
    assert "Park one" in ballot_file and "Park eins" not in ballot_file


def test_the_ballot_shows_the_translation_to_a_german_voter(app, client, portal_db):
    make_user(portal_db, "voter@example.org")
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Park one", 60_000), ("Bridge", 40_000)],
                                        ballot_type="approval")
        translations.save_translation(session, made[0].id, officer, "de", "Park eins", "")
        session.commit()
        cycle_id = cycle.id
    login(client, "voter@example.org")
    client.set_cookie("lang", "de")
    page = _page(client, f"/vote/{cycle_id}")
    meta = _find(page, "ballot-meta")["data"]
    assert sorted(meta["titles"].values()) == ["Bridge", "Park eins"]
    assert "Park eins" in json.dumps(_find(page, "ballot-approve")["options"])
