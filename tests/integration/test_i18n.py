"""Languages: the choice (cookie, account, then the browser's Accept-Language), the switcher, formats per language,
plotly.js's own texts and the page titles."""

import pytest
from sqlalchemy import select

from portal.i18n import LANGUAGES, date, date_time, money, number, percent
from portal.models import Role, User
from tests.helpers import callback_body, csrf_token, login, make_user, post_callback

# "Participate" in the navigation bar, in each language
PARTICIPATE = {"en": "Participate", "de": "Mitmachen", "nl": "Meedoen", "it": "Partecipa", "fi": "Osallistu"}


def shell(client, **headers) -> str:
    response = client.get("/_dash-layout", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def shown_language(client, **headers) -> str:
    text = shell(client, **headers)
    found = [lang for lang, word in PARTICIPATE.items() if f'"{word}"' in text]
    assert len(found) == 1, found
    return found[0]


def user_language(portal_db, email):
    with portal_db.session() as session:
        return session.scalar(select(User.language).where(User.email == email))


def test_browser_language_then_cookie(client):
    assert shown_language(client) == "en"
    assert shown_language(client, **{"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}) == "de"
    assert shown_language(client, **{"Accept-Language": "fr-FR,fi;q=0.8"}) == "fi"
    client.set_cookie("lang", "nl")
    assert shown_language(client, **{"Accept-Language": "de-DE,de;q=0.9"}) == "nl"  # the choice beats the browser
    client.set_cookie("lang", "xx")  # an unknown choice is ignored
    assert shown_language(client, **{"Accept-Language": "it"}) == "it"


def test_account_language_beats_the_browser_and_the_cookie_beats_the_account(client, portal_db):
    make_user(portal_db, "lang@example.org")
    login(client, "lang@example.org")
    with portal_db.session() as session:
        session.scalar(select(User).where(User.email == "lang@example.org")).language = "it"
    assert shown_language(client, **{"Accept-Language": "de"}) == "it"
    client.set_cookie("lang", "fi")  # the latest choice on this device
    assert shown_language(client, **{"Accept-Language": "de"}) == "fi"


def test_switcher_sets_the_cookie_and_stores_the_choice_on_the_account(client, portal_db):
    response = client.get("/lang/de?next=/budget")
    assert response.status_code == 303 and response.headers["Location"].endswith("/budget")
    assert client.get_cookie("lang").value == "de"
    assert client.get("/lang/xx").status_code == 404
    assert client.get("/lang/nl?next=https://evil.example/").headers["Location"] in ("/", "http://localhost/")

    make_user(portal_db, "switch@example.org")
    login(client, "switch@example.org")
    assert user_language(portal_db, "switch@example.org") is None
    client.get("/lang/fi?next=/")
    assert user_language(portal_db, "switch@example.org") == "fi"
    client.delete_cookie("lang")  # another device: the account's language applies
    assert shown_language(client, **{"Accept-Language": "en"}) == "fi"


def test_switcher_offers_every_language_and_comes_back_to_the_page_shown(client):
    import json

    # Dash's renderer fetches the shell from /_dash-layout; the page shown is the request's Referer
    text = json.dumps(json.loads(shell(client, Referer="http://localhost/budget?year=2015")), ensure_ascii=False)
    assert '"language-menu"' in text
    for code, name in LANGUAGES.items():
        assert f'"/lang/{code}?next=/budget%3Fyear%3D2015"' in text and f'"{name}"' in text
    text = json.dumps(json.loads(shell(client, Referer="https://elsewhere.example/x")))
    assert '"/lang/de?next=/"' in text


def test_saving_the_account_language_stores_it_and_sets_the_cookie(client, portal_db):
    make_user(portal_db, "profile@example.org")
    login(client, "profile@example.org")
    token = csrf_token(client)
    dep = next(d for d in client.get("/_dash-dependencies").get_json() if d["output"] == "account-saved.children")
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    body["state"] = [{**s, "value": {"account-name": "Profile", "account-language": "nl"}[s["id"]]}
                     for s in dep["state"]]
    response = post_callback(client, body, token)
    assert response.status_code == 200, response.data[:300]
    assert user_language(portal_db, "profile@example.org") == "nl"
    assert client.get_cookie("lang").value == "nl"
    assert shown_language(client, **{"Accept-Language": "de"}) == "nl"
    # "as my browser says": no language on the account, the cookie is gone, Accept-Language decides
    body["state"] = [{**s, "value": {"account-name": "Profile", "account-language": ""}[s["id"]]} for s in dep["state"]]
    assert post_callback(client, body, token).status_code == 200
    assert user_language(portal_db, "profile@example.org") is None
    assert client.get_cookie("lang") is None
    assert shown_language(client, **{"Accept-Language": "de"}) == "de"


@pytest.mark.parametrize(("lang", "amount", "count", "share"), [
    ("en", "€1,234,567", "1,234,567", "12.5%"),
    ("de", "1.234.567\xa0€", "1.234.567", "12,5\xa0%"),
    ("nl", "€\xa01.234.567", "1.234.567", "12,5%"),
    ("it", "1.234.567\xa0€", "1.234.567", "12,5%"),
    ("fi", "1\xa0234\xa0567\xa0€", "1\xa0234\xa0567", "12,5\xa0%"),
])
def test_money_numbers_and_percentages_are_written_per_language(server, lang, amount, count, share):
    with server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
        assert money(1234567, "EUR") == amount
        assert number(1234567) == count
        assert percent(0.125) == share


def test_dates_are_written_per_language(server):
    from datetime import date as day
    from datetime import datetime

    expected = {"en": "Mar 7, 2026", "de": "07.03.2026", "nl": "7 mrt 2026", "it": "7 mar 2026", "fi": "7.3.2026"}
    for lang, text in expected.items():
        with server.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
            assert date(day(2026, 3, 7)).replace(".", "") == text.replace(".", ""), lang
            assert "2026" in date_time(datetime(2026, 3, 7, 14, 30)) and "30" in date_time(datetime(2026, 3, 7, 14, 30))


def test_plotly_locales_are_served_from_the_portal_and_pages_ask_for_them(client):
    index = client.get("/", headers={"Cookie": "lang=de"}).get_data(as_text=True)
    src = next(part.split('"')[0] for part in index.split('src="')[1:] if "plotly-locales" in part)
    assert src.startswith("/vendor/plotly-locales.js?v=")
    script = client.get(src)
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "script-src 'self'" in script.headers.get("Content-Security-Policy", "script-src 'self'")
    text = script.get_data(as_text=True)
    for lang, word in {"de": "Hineinzoomen", "nl": "Inzoomen", "it": "Ingrandisci", "fi": "Lähennä"}.items():
        assert f'"name": "{lang}"' in text and word in text
    assert '"Montag"' in text and '"maanantai"' in text and '"maaliskuu"' in text  # day, month names from Babel


def test_page_content_titles_and_charts_follow_the_language(client, portal_db):
    import json

    from portal.city import load_city
    from portal.seed import seed_if_empty

    seed_if_empty(portal_db, load_city("koeln"))
    client.set_cookie("lang", "de")
    token = csrf_token(client)
    router = next(d for d in client.get("/_dash-dependencies").get_json() if "_pages_content" in d["output"])

    def render(path):
        body = callback_body(router)
        body["inputs"] = [{**i, "value": path if i["property"] == "pathname" else ""} for i in router["inputs"]]
        response = post_callback(client, body, token)
        assert response.status_code == 200
        return json.dumps(response.get_json(), ensure_ascii=False, separators=(",", ":"))

    budget = render("/budget")
    assert '"locale":"de"' in budget and '"locale":"en"' not in budget  # dcc.Graph config: plotly.js in German
    assert "Über die Jahre" in budget  # a chart title
    cycles = render("/cycles")
    assert '"title":"Mitmachen"' in cycles  # the browser tab's title
    client.set_cookie("lang", "en")
    assert '"title":"Participate"' in render("/cycles")


def test_error_messages_are_translated(client):
    client.set_cookie("lang", "de")
    response = client.get("/embed/no-such-kind")
    assert response.status_code == 404 and "Dieses Diagramm gibt es nicht." in response.get_data(as_text=True)
    make = client.get("/officer/audit.csv")
    assert make.status_code in (401, 302, 303)


def test_roles_are_named_in_the_language(client, portal_db):
    import json

    make_user(portal_db, "admin-lang@example.org", Role.ADMIN)
    login(client, "admin-lang@example.org")
    client.set_cookie("lang", "it")
    token = csrf_token(client)
    router = next(d for d in client.get("/_dash-dependencies").get_json() if "_pages_content" in d["output"])
    body = callback_body(router)
    body["inputs"] = [{**i, "value": "/admin/users" if i["property"] == "pathname" else ""} for i in router["inputs"]]
    text = json.dumps(post_callback(client, body, token).get_json(), ensure_ascii=False)
    assert "amministratore" in text and "Cambia un ruolo" in text


def test_the_first_html_names_the_language_and_a_translated_title(client):
    """Before any script runs (and for search engines and link previews), the shell is in the visitor's language."""
    from babel.messages.pofile import read_po

    from portal.catalogues import TRANSLATIONS

    german = read_po((TRANSLATIONS / "de/LC_MESSAGES/messages.po").open("rb"), locale="de").get("Open budget").string
    page = client.get("/budget", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert '<html lang="de">' in page and f"<title>Köln · {german}</title>" in page and german != "Open budget"
    page = client.get("/budget", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in page and "<title>Köln · Open budget</title>" in page
