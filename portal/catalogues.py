"""The gettext catalogues: extract the template from the code, update each language's .po, compile to .mo.

`portal/translations/<lang>/LC_MESSAGES/messages.po` is the source (committed); the compiled `.mo` files
live under the instance folder and are rebuilt at start whenever a `.po` is newer (nobody runs a compile
step by hand).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
SOURCE_DIRS = ("portal", "pages", "voting")
KEYWORDS = {"_": None, "N_": None, "_l": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "lazy_ngettext": (1, 2)}
DOMAIN = "messages"
PLACEHOLDER = re.compile(r"%\([a-z_][a-z0-9_]*\)[sdfr]|%[sdf]|\{[a-z_][a-z0-9_]*(?:[:!][^}]*)?\}", re.IGNORECASE)


def extract() -> Catalog:
    """Every message the code passes to `_`, `_l` or `ngettext`, with where it is used."""
    catalog = Catalog(project="pb-portal", version="1", charset="utf-8", fuzzy=False)
    for directory in SOURCE_DIRS:
        base = ROOT / directory
        method_map = [("**/migrations/**", "ignore"), ("**.py", "python")]
        for filename, lineno, message, comments, context in extract_from_dir(
                str(base), method_map, keywords=KEYWORDS, strip_comment_tags=True):
            catalog.add(message, None, [(f"{directory}/{filename}", lineno)], auto_comments=comments,
                        context=context)
    for message in catalog:
        if message.id and _has_placeholder(message.id) and "python-format" not in message.flags:
            if any("%(" in part for part in _ids(message)):
                message.flags.add("python-format")
            else:
                message.flags.add("python-brace-format")
    return catalog


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _has_placeholder(msgid) -> bool:
    return any(PLACEHOLDER.search(part) for part in (msgid if isinstance(msgid, tuple) else (msgid,)))


def placeholders(text: str) -> set[str]:
    """The named placeholders of a message (`%(name)s` and `{name}`), for comparing a translation with it."""
    found = set()
    for match in PLACEHOLDER.finditer(text or ""):
        token = match.group(0)
        found.add(re.sub(r"[:!].*\}$", "}", token))
    return found


def languages() -> list[str]:
    return sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").exists())


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    # file names without line numbers: moving code does not rewrite every catalogue (fewer merge conflicts)
    write_po(buffer, catalog, width=100, sort_output=False, include_previous=False, include_lineno=False)
    path.write_bytes(buffer.getvalue())


def update(new_languages: tuple[str, ...] = ()) -> dict[str, dict[str, int]]:
    """Extract the template, then bring every language's .po up to it (new messages empty, gone ones dropped).

    Returns per language: messages, translated, missing."""
    template = extract()
    if TEMPLATE.exists():  # same messages as before: keep the date, so an idle run changes no file
        previous = read(TEMPLATE)
        if [(m.id, m.context) for m in previous] == [(m.id, m.context) for m in template]:
            template.creation_date = previous.creation_date
    write(TEMPLATE, template)
    report = {}
    for lang in sorted(set(languages()) | set(new_languages)):
        path = TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            catalog = read(path, locale=lang)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
        else:
            catalog = Catalog(locale=lang, project="pb-portal", version="1", fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False
        write(path, catalog)
        messages = [m for m in catalog if m.id]
        done = sum(1 for m in messages if _complete(m))
        report[lang] = {"messages": len(messages), "translated": done, "missing": len(messages) - done}
    return report


def _complete(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(strings) and all(strings) and not message.fuzzy


def compile_all(target: Path) -> list[str]:
    """Compile each language's .po to `target/<lang>/LC_MESSAGES/messages.mo` when the .mo is missing or older.

    Written through a temporary file and a rename, so several server processes starting at once are safe."""
    compiled = []
    for lang in languages():
        po = TRANSLATIONS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = target / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        catalog = read(po, locale=lang)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
        compiled.append(lang)
    return compiled
