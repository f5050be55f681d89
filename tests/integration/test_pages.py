"""Every registered page renders through Dash's router for every kind of visitor (no server error)."""

import pytest

from portal.models import Role
from portal.security import PAGE_ACCESS, Access
from tests.helpers import callback_body, csrf_token, login, make_user, post_callback

VISITORS = [None, Role.CITIZEN, Role.OFFICER, Role.ADMIN]
RANK = {None: 0, Role.CITIZEN: 1, Role.OFFICER: 2, Role.ADMIN: 3}
NEED = {Access.PUBLIC: 0, Access.CITIZEN: 1, Access.OFFICER: 2, Access.ADMIN: 3}


@pytest.mark.parametrize("visitor", VISITORS, ids=lambda v: v.value if v else "anonymous")
def test_every_page_renders_or_refuses(app, client, portal_db, visitor):
    from portal.city import load_city
    from portal.seed import seed_if_empty

    seed_if_empty(portal_db, load_city("koeln"))
    if visitor:
        make_user(portal_db, f"{visitor.value}@example.org", visitor)
        login(client, f"{visitor.value}@example.org")
    token = csrf_token(client)
    router = next(d for d in client.get("/_dash-dependencies").get_json() if "_pages_content" in d["output"])
    static_paths = [p for p in PAGE_ACCESS if "<" not in p]
    assert "/" in static_paths and "/account" in static_paths
    for path in static_paths:
        body = callback_body(router)
        body["inputs"] = [{**i, "value": path if i["property"] == "pathname" else ""} for i in router["inputs"]]
        response = post_callback(client, body, token)
        assert response.status_code == 200, (path, response.status_code, response.data[:500])
        refused = "access-refused" in response.get_data(as_text=True)
        assert refused == (RANK[visitor] < NEED[PAGE_ACCESS[path]]), path
