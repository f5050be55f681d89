"""The open-data catalogue of a city: the datasets shipped in `data/opendata/<city>.json`, and those
officers uploaded (table `datasets`). An upload with the slug of a shipped dataset replaces it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.city import DATA, CityProfile
from portal.models import Dataset

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")


@dataclass
class DatasetInfo:
    """Everything the catalogue and a dataset page say about a dataset (not its rows)."""

    slug: str
    name: str
    description: str
    licence: str
    source: str
    origin: str  # "shipped" | "uploaded"
    updated: str  # ISO date (shipped: the data's last upstream change; uploaded: the upload)
    version: int = 1
    licence_url: str = ""
    source_url: str = ""
    attribution: str = ""
    file: str | None = None  # shipped: path under data/
    file_id: int | None = None  # uploaded: dataset_files.id
    sha256: str = ""
    row_count: int | None = None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # time, district, coordinates, chart, read, rename

    @property
    def cache_key(self) -> tuple:
        return (self.origin, self.slug, self.file or self.file_id, self.sha256, self.version)

    @property
    def time(self) -> dict | None:
        return self.meta.get("time")

    @property
    def district(self) -> dict | None:
        return self.meta.get("district")

    @property
    def coordinates(self) -> dict | None:
        return self.meta.get("coordinates")


META_KEYS = ("time", "district", "coordinates", "chart", "read", "rename")


@lru_cache(maxsize=16)
def _manifest(city_slug: str) -> tuple[DatasetInfo, ...]:
    path = DATA / "opendata" / f"{city_slug}.json"
    if not path.is_file():
        return ()
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for item in raw.get("datasets", []):
        out.append(DatasetInfo(
            slug=item["slug"], name=item["name"], description=item.get("description", ""),
            licence=item["licence"], source=item["source"], origin="shipped", updated=item.get("updated", ""),
            licence_url=item.get("licence_url", ""), source_url=item.get("source_url", ""),
            attribution=item.get("attribution", ""), file=item["file"], sha256="shipped",
            columns=item.get("columns", {}), meta={k: item[k] for k in META_KEYS if k in item},
        ))
    return tuple(out)


def shipped(city: CityProfile | str) -> list[DatasetInfo]:
    return list(_manifest(getattr(city, "slug", city)))


def from_model(row: Dataset) -> DatasetInfo:
    meta = dict(row.meta or {})
    updated = row.updated_at.date().isoformat() if isinstance(row.updated_at, datetime) else str(row.updated_at)
    return DatasetInfo(
        slug=row.slug, name=row.name, description=row.description, licence=row.licence, source=row.source,
        origin="uploaded", updated=updated, version=row.version, licence_url=meta.pop("licence_url", ""),
        source_url=meta.pop("source_url", ""), attribution=meta.pop("attribution", ""),
        file_id=int(row.storage_path.split(":", 1)[1]) if row.storage_path.startswith("db:") else None,
        sha256=meta.pop("sha256", ""), row_count=row.row_count,
        columns={c["name"]: {k: v for k, v in c.items() if k != "name"} for c in row.columns or []},
        meta={k: meta[k] for k in META_KEYS if k in meta},
    )


def catalogue(session: Session, city: CityProfile | str) -> list[DatasetInfo]:
    """Every dataset of the city, uploaded ones replacing shipped ones with the same slug."""
    slug = getattr(city, "slug", city)
    items = {d.slug: d for d in shipped(slug)}
    for row in session.scalars(select(Dataset).where(Dataset.city == slug).order_by(Dataset.name)):
        items[row.slug] = from_model(row)
    return sorted(items.values(), key=lambda d: d.name.lower())


def get(session: Session, city: CityProfile | str, slug: str) -> DatasetInfo | None:
    if not isinstance(slug, str) or not SLUG.match(slug):
        return None
    city_slug = getattr(city, "slug", city)
    row = session.scalar(select(Dataset).where(Dataset.city == city_slug, Dataset.slug == slug))
    if row is not None:
        return from_model(row)
    return next((d for d in shipped(city_slug) if d.slug == slug), None)
