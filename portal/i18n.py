"""Languages: gettext catalogues through Flask-Babel; the user's choice, then the browser's."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_decimal,
    format_percent,
    format_time,
    get_locale,
    gettext,
    ngettext,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGES = {"en": "English", "de": "Deutsch", "nl": "Nederlands", "it": "Italiano", "fi": "Suomi"}
DEFAULT_LANGUAGE = "en"
LANG_COOKIE = "lang"

__all__ = [
    "LANGUAGES", "N_", "_", "_l", "gettext", "ngettext", "init_app", "current_language", "money", "number", "percent",
    "date", "date_time",
]


def N_(text: str) -> str:
    """Marks a text for the catalogues without translating it (it is translated where it is shown)."""
    return text


def select_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    user_lang = getattr(current_user, "language", None) if current_user else None
    if user_lang in LANGUAGES:
        return user_lang
    return request.accept_languages.best_match(list(LANGUAGES), DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def init_app(server: Flask) -> None:
    """Compile the catalogues that changed (into the instance folder) and let Flask-Babel read them there."""
    from pathlib import Path

    from portal.catalogues import compile_all

    target = Path(server.instance_path) / "translations"
    try:
        compile_all(target)
    except OSError:  # a read-only instance folder: compile into a private temporary folder instead
        import tempfile

        target = Path(tempfile.mkdtemp(prefix="portal-translations-"))
        compile_all(target)
    server.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    Babel(server, locale_selector=select_language)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE).split("_")[0] if has_request_context() else DEFAULT_LANGUAGE


def money(amount, currency: str = "EUR", digits: int = 0) -> str:
    """An amount of money formatted for the current language, whole units by default."""
    if not has_request_context():
        return f"{amount:,.{digits}f} {currency}"
    # the language's own pattern (1.234.567 € in German, €1,234,567 in English), without cents unless asked
    fmt = None if digits else get_locale().currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, currency, format=fmt, currency_digits=digits == 2)


def number(value, digits: int = 0) -> str:
    if not has_request_context():
        return f"{value:,.{digits}f}"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""))


def percent(value: float, digits: int = 1) -> str:
    if not has_request_context():
        return f"{value * 100:.{digits}f}%"
    # the language's own pattern (12,5 % in German, 12.5% in English) with `digits` decimals
    pattern = get_locale().percent_formats[None].pattern.split(";")[0]
    return format_percent(value, format=pattern.replace("#,##0", "#,##0" + ("." + "0" * digits if digits else "")))


def date(value) -> str:
    """A date (or the date of a datetime) as the current language writes it (29.11.2026, Nov 29, 2026)."""
    if value is None:
        return ""
    if not has_request_context():
        return value.strftime("%Y-%m-%d")
    return format_date(value, format="medium")


def date_time(value) -> str:
    """A moment (UTC in the database) as the current language writes it, to the minute."""
    if value is None:
        return ""
    if not has_request_context():
        return value.strftime("%Y-%m-%d %H:%M")
    return f"{format_date(value, format='medium')} {format_time(value, format='short')}"
