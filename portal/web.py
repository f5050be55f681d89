"""Small helpers the pages share: the current city profile, the current user, form errors."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from portal.city import CityProfile


def city() -> CityProfile:
    return current_app.config["CITY"]


def user():
    return current_user if getattr(current_user, "is_authenticated", False) else None
