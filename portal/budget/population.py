"""Residents per district and year, for the budget's per-resident views.

The city profile names where they come from: a dataset of the open-data catalogue (so a new upload
of that dataset updates the per-resident figures) and, as a fallback, fixed figures in the profile.
For a budget year without figures the nearest earlier year is used, and the page says which.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.city import CityProfile

log = logging.getLogger(__name__)
_MEMO: dict = {}


@dataclass(frozen=True)
class Population:
    year: int | None
    total: int | None
    districts: dict[str, int] = field(default_factory=dict)
    source: str = ""

    def of(self, district: str | None) -> int | None:
        if district:
            return self.districts.get(district)
        return self.total


def by_year(session: Session | None, city: CityProfile) -> dict[int, Population]:
    """Every year with figures: from the catalogue dataset the profile names, else the profile's own."""
    spec = city.population or {}
    out: dict[int, Population] = {}
    dataset = spec.get("dataset")
    if dataset:
        try:
            out = _from_dataset(session, city, dataset, spec.get("source", ""))
        except Exception:  # noqa: BLE001 - a broken upload must not break the budget page
            log.exception("population dataset %s of %s cannot be read", dataset.get("slug"), city.slug)
    year = spec.get("year")
    districts = {str(k): int(v) for k, v in (spec.get("districts") or {}).items()}
    total = spec.get("total") or (sum(districts.values()) if districts else None)
    if year and int(year) not in out and (districts or total):
        out[int(year)] = Population(int(year), int(total) if total else None, districts, spec.get("source", ""))
    return out


def _from_dataset(session, city: CityProfile, spec: dict, source: str) -> dict[int, Population]:
    from portal.datasets import catalogue, frames

    info = catalogue.get(session, city, spec["slug"]) if session is not None else next(
        (d for d in catalogue.shipped(city) if d.slug == spec["slug"]), None)
    if info is None:
        return {}
    key = (city.slug, info.cache_key, json.dumps(spec, sort_keys=True))
    if key in _MEMO:
        return _MEMO[key]
    frame = frames.load(session, info)
    where = spec.get("where") or {}
    rows = frame
    for key, value in where.items():
        rows = rows[rows[key].astype(str) == str(value)]
    known = {int(k): k for k in city.districts if k.isdigit()}
    out = {}
    for year, group in rows.groupby(spec["year"], observed=True):
        districts = {}
        for code, value in zip(group[spec["district"]].astype(str), group[spec["value"]], strict=True):
            key = code if code in city.districts else known.get(int(code)) if code.isdigit() else None
            if key is not None and value == value:  # skip NaN
                districts[key] = int(value)
        if districts:
            out[int(year)] = Population(int(year), sum(districts.values()), districts,
                                        source or f"{info.name} ({info.licence})")
    _MEMO[key] = out
    return out


def for_year(session: Session | None, city: CityProfile, year: int | None) -> Population | None:
    """The figures of the budget year, or of the nearest earlier (else later) year with figures."""
    years = by_year(session, city)
    if not years:
        return None
    if year in years:
        return years[year]
    earlier = [y for y in years if year is None or y < year]
    return years[max(earlier)] if earlier else years[min(years)]
