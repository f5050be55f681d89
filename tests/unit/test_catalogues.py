"""The gettext catalogues: every message the code uses is translated in every language, placeholders intact.

The template is extracted afresh from the code here (not read from the committed messages.pot), so adding a
`_()` string without running `flask --app app i18n-update` and translating it makes this test fail.
"""

from __future__ import annotations

import gettext

import pytest
from babel.messages.catalog import Catalog

from portal import catalogues

LANGUAGES = ["de", "fi", "it", "nl"]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogues.extract()


def _strings(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_language_has_a_catalogue():
    assert catalogues.languages() == LANGUAGES


def test_the_code_has_a_sizeable_set_of_messages(template):
    ids = [m.id for m in template if m.id]
    assert len(ids) > 1000, len(ids)
    assert "Propose a project" in template and "Zoom in" in template  # pages and plotly's own texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_the_same_placeholders(template, lang):
    catalog = catalogues.read(catalogues.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", locale=lang)
    problems = []
    for message in template:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        found = catalog.get(key, context=message.context)
        if found is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = _strings(found.string)
        if found.fuzzy or not strings or not all(strings):
            problems.append(f"{'fuzzy' if found.fuzzy else 'empty'}: {key!r}")
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            wanted = [catalogues.placeholders(singular)] + [catalogues.placeholders(plural)] * (len(strings) - 1)
        else:
            wanted = [catalogues.placeholders(message.id)]
        for text, expected in zip(strings, wanted, strict=True):
            if catalogues.placeholders(text) != expected:
                problems.append(f"placeholders {sorted(catalogues.placeholders(text))} != {sorted(expected)}: "
                                f"{key!r} -> {text!r}")
    assert not problems, f"{lang}: {len(problems)} problems\n" + "\n".join(problems[:40])


def test_placeholders_are_read_in_both_styles():
    assert catalogues.placeholders("%(n)s of {total:,} and {code!r}") == {"%(n)s", "{total}", "{code}"}
    assert catalogues.placeholders("{n} Zeilen") != catalogues.placeholders("{m} Zeilen")


def test_catalogues_compile_when_missing_or_stale_and_translate(tmp_path):
    assert catalogues.compile_all(tmp_path) == LANGUAGES
    assert catalogues.compile_all(tmp_path) == []  # up to date: nothing to do
    mo = tmp_path / "de" / "LC_MESSAGES" / "messages.mo"
    po = catalogues.TRANSLATIONS / "de" / "LC_MESSAGES" / "messages.po"
    import os

    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))  # the .po changed after the compile
    assert catalogues.compile_all(tmp_path) == ["de"]
    with mo.open("rb") as fh:
        translations = gettext.GNUTranslations(fh)
    assert translations.gettext("Propose a project") == "Ein Projekt vorschlagen"
    assert translations.ngettext("{n} support", "{n} supports", 3) == "{n} Unterstützungen"
