"""City profiles: everything that makes the portal one city's portal is in data/cities/<slug>.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class CityProfile:
    slug: str
    name: str
    official_name: str
    languages: list[str]
    default_language: str
    currency: str
    map: dict
    boundaries: dict
    district_label: str
    districts: dict[str, str]
    population: dict
    colours: dict
    budget_adapter: str
    attribution: list[str] = field(default_factory=list)
    budget: dict = field(default_factory=dict)  # {"files": [...under data/], "mapping": "...json" or absent}
    # what a chart's citation line says: {"budget": {"source", "licence"}, "participation": {...}}
    citation: dict = field(default_factory=dict)
    participatory_label: str = "Participatory budget"  # the name of the budget lines of funded projects

    def cite(self, what: str) -> tuple[str, str]:
        """(source, licence) of the city's budget data ("budget") or its participation data ("participation")."""
        entry = self.citation.get(what) or {}
        default = self.official_name if what == "budget" else f"{self.name} participatory-budgeting portal"
        return entry.get("source", default), entry.get("licence", "")

    @property
    def boundaries_path(self) -> Path:
        return DATA / self.boundaries["file"]

    def district_name(self, code: str | None) -> str:
        return self.districts.get(str(code), str(code or ""))

    @property
    def total_population(self) -> int:
        return sum(self.population.get("districts", {}).values())


@lru_cache(maxsize=16)
def load_city(slug: str) -> CityProfile:
    path = DATA / "cities" / f"{slug}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in (DATA / "cities").glob("*.json")))
        raise FileNotFoundError(f"No city profile {path}; known cities: {known}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    fields = CityProfile.__dataclass_fields__
    return CityProfile(**{k: v for k, v in raw.items() if k in fields})
