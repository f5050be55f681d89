"""Fuzzing the portal's own request paths over HTTP (Flask test client, both databases): the ballot callback and the
officer's upload callbacks get malformed JSON values; the answer is always a 200 with a message (or a receipt for
a valid ballot), never a 500, and a refused request leaves the database as it was.
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.models import Ballot, BudgetLine, Dataset, DatasetFile, Role
from tests.fuzz.conftest import FUZZ_COUNTS, fuzz_settings
from tests.helpers import callback_body, login, make_user, post_callback
from tests.participation import cycle_with_ballot, quick_user

PROJECTS = [("Playground north", 60_000), ("Cycle lane", 50_000), ("Trees on the square", 10_000)]
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=5),
    max_leaves=10)


@pytest.fixture
def voting(app, client, portal_db):
    make_user(portal_db, "fuzz@example.org")
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="100000")
        ids = [str(p.id) for p in made]
    login(client, "fuzz@example.org")
    dep = next(d for d in client.get("/_dash-dependencies").get_json()
               if d["output"].startswith("..ballot-result.children"))
    return cycle.id, ids, dep


def _ballots(portal_db) -> list:
    with portal_db.session() as session:
        return sorted(session.execute(select(Ballot.receipt_code, Ballot.replaced_at.is_(None))).all())


@fuzz_settings(150)
@given(data=st.data())
def test_ballot_callback_answers_every_malformed_ballot(app, client, portal_db, voting, data):
    FUZZ_COUNTS["ballot callback (HTTP)"] += 1
    app.server.extensions["portal_limiter"].reset()  # the per-voter limit is not what is fuzzed here
    cycle_id, ids, dep = voting
    ids_or_junk = st.sampled_from(ids) | st.text(max_size=6) | st.integers() | st.none()
    values = {
        "ballot-cycle": data.draw(st.just(cycle_id) | st.sampled_from([str(cycle_id), -1, 0, 10**20, "1; DROP"])
                                  | ANY_JSON),
        "ballot-approve": data.draw(st.lists(ids_or_junk, max_size=6) | ANY_JSON),
        "ballot-points-store": data.draw(st.dictionaries(st.sampled_from(ids) | st.text(max_size=4),
                                                         st.integers(-5, 10**6) | ANY_JSON, max_size=4) | ANY_JSON),
        "ballot-ranking": data.draw(st.lists(ids_or_junk, max_size=5) | ANY_JSON),
    }
    body = callback_body(dep)
    body["inputs"][0]["value"] = data.draw(st.sampled_from([1, 2, None, 0, "x"]))
    body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
    before = _ballots(portal_db)
    response = post_callback(client, body, client.get_cookie("_csrf_token").value)
    assert response.status_code in (200, 204), (response.status_code, response.data[:300])
    text = response.get_data(as_text=True)
    after = _ballots(portal_db)
    if "ballot-receipt" in text:
        receipt = json.dumps(response.get_json())
        new = [r for r, live in after if live]
        assert len(new) == 1 and new[0] in receipt, "exactly one live ballot, the acknowledged one"
        with portal_db.session() as session:
            stored = session.scalar(select(Ballot.choices).where(Ballot.receipt_code == new[0]))["approved"]
        assert len(stored) == len(set(stored)) and set(stored) <= set(ids)
        costs = dict(zip(ids, (cost for _title, cost in PROJECTS), strict=True))
        assert sum(costs[p] for p in stored) <= 100_000, "the budget holds"
    else:
        assert after == before, "a refused ballot changes nothing"
        assert response.status_code == 204 or "ballot-error" in text


def _upload(data: bytes, name: str = "data.csv") -> tuple[str, str]:
    return f"data:text/csv;base64,{base64.b64encode(data).decode()}", name


def _call(client, dep, values: dict, triggered: str):
    body = callback_body(dep)

    def fill(items):
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    body["inputs"], body["state"], body["changedPropIds"] = fill(dep["inputs"]), fill(dep["state"]), [triggered]
    return post_callback(client, body, client.get_cookie("_csrf_token").value)


@pytest.fixture
def officer_client(app, client, portal_db):
    make_user(portal_db, "officer-fuzz@example.org", Role.OFFICER)
    login(client, "officer-fuzz@example.org")
    deps = {d["output"]: d for d in client.get("/_dash-dependencies").get_json() if not d.get("clientside_function")}
    return client, deps


def _counts(portal_db) -> tuple:
    with portal_db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Dataset, DatasetFile, BudgetLine))


CONTENTS = st.one_of(
    st.binary(max_size=200).map(lambda b: _upload(b)[0]),
    st.text(max_size=40),
    st.sampled_from(["data:text/csv;base64,!!!", "data:,", ",", "data:text/csv,plain", None, ""]),
    st.text(max_size=120).map(lambda t: _upload(("a;b\n" + t).encode())[0]),
)


@fuzz_settings(80)
@given(contents=CONTENTS, filename=st.sampled_from(["data.csv", "x.xlsx", "", None, "../../x.csv"]) | ANY_JSON,
       name=st.text(max_size=10) | st.none(), confirm=st.booleans(), sha=st.none() | st.text(max_size=64))
def test_dataset_upload_callbacks_answer_every_malformed_upload(officer_client, portal_db, contents, filename, name,
                                                               confirm, sha):
    FUZZ_COUNTS["dataset upload callbacks (HTTP)"] += 1
    client, deps = officer_client
    before = _counts(portal_db)
    output = "dsu-done.children" if confirm else "..dsu-result.children...dsu-sha.data.."
    values = {"dsu-file.contents": contents, "dsu-file.filename": filename, "dsu-name.value": name,
              "dsu-licence.value": "CC0", "dsu-source.value": "fuzz", "dsu-slug.value": None,
              "dsu-description.value": None, "dsu-sha.data": sha,
              "dsu-confirm.n_clicks": 1, "dsu-check.n_clicks": 1}
    response = _call(client, deps[output], values, "dsu-confirm.n_clicks" if confirm else "dsu-check.n_clicks")
    assert response.status_code == 200, response.data[:300]
    if "dsu-published" not in response.get_data(as_text=True):
        assert _counts(portal_db) == before


@fuzz_settings(80)
@given(contents=st.lists(CONTENTS, max_size=3) | CONTENTS, names=st.lists(st.text(max_size=8), max_size=3) | ANY_JSON,
       mapping=st.none() | st.text(max_size=30) | st.just('{"fields": {"amount": "x"}}'), confirm=st.booleans())
def test_budget_import_callbacks_answer_every_malformed_upload(officer_client, portal_db, contents, names, mapping,
                                                              confirm):
    FUZZ_COUNTS["budget import callbacks (HTTP)"] += 1
    client, deps = officer_client
    before = _counts(portal_db)
    output = "bi-done.children" if confirm else "..bi-result.children...bi-sha.data.."
    values = {"bi-files.contents": contents, "bi-files.filename": names, "bi-mapping.value": mapping,
              "bi-sha.data": None, "bi-confirm.n_clicks": 1, "bi-check.n_clicks": 1}
    response = _call(client, deps[output], values, "bi-confirm.n_clicks" if confirm else "bi-check.n_clicks")
    assert response.status_code == 200, response.data[:300]
    assert _counts(portal_db) == before
