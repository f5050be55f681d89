"""What each part of the budget page shows for a view: figures and plain values, no Dash components.

The page modules wrap these in components; tests, embeds and exports call them directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from sqlalchemy.orm import Session

from portal.budget import explorer, population
from portal.budget.explorer import BudgetData, View
from portal.charts import budget as budget_charts
from portal.charts import empty
from portal.charts import maps as map_charts
from portal.city import CityProfile
from portal.geo import boundaries


@dataclass
class Context:
    """One request's view of the budget: the city, its cached lines, the language and translated labels.

    The labels are made on first use only: a drill-down whose figure is memoised needs none.
    """

    session: Session
    city: CityProfile
    data: BudgetData
    language: str
    labels: Callable[[], dict] = field(default=dict)

    @cached_property
    def text(self) -> dict:
        return self.labels()

    def view(self, query: dict | None) -> View:
        return explorer.parse_view(query, available=self.data.available, districts=self.city.districts,
                                   preferred=self.data.own_available)

    def divisor(self, view: View, year: int | None = None) -> tuple[float | None, population.Population | None]:
        """Residents to divide by for the per-resident measure (None when the view is in totals or unknown)."""
        if view.measure != "per_resident":
            return None, None
        figures = population.for_year(self.session, self.city, year or view.year)
        residents = figures.of(view.district) if figures else None
        return (float(residents) if residents else None), figures


_LABELS: dict[str, dict] = {}


def chart_labels() -> dict:
    """Labels inside the budget figures, translated at render time (once per language and process)."""
    from portal.i18n import _, current_language

    language = current_language()
    if language not in _LABELS:
        _LABELS[language] = {
            "root": _("Total"), "other": _("(other)"), "unclassified": _("(not further classified)"),
            "empty": _("No budget lines here"), "share": _("of this view"), "per_resident": _("per resident"),
            "approved": _("Plan"), "executed": _("Actual"), "proposed": _("Proposed"), "adjusted": _("Adjusted"),
            "year": _("Year"), "years_title": _("Over the years"), "compare_title": _("Plan and actual this year"),
            "only_one_phase": _("Only one phase for this year"), "no_population": _("No population figures"),
            "map_no_data": _("No part of this view is assigned to a district"),
            "participatory": _("participatory budget"), "projects": _("funded projects"),
        }
    return _LABELS[language]


def context(session: Session, city: CityProfile, language: str, labels: Callable[[], dict] | None = None) -> Context:
    return Context(session=session, city=city, data=explorer.budget_data(session, city.slug), language=language,
                   labels=labels or dict)


@dataclass
class DrillResult:
    view: View
    figure: dict
    crumbs: list[tuple[str, str]]  # (label, path string) root first; the label "" means the whole budget
    total: float  # in currency units, or per resident
    lines: int
    per_resident: bool
    population_year: int | None
    population_missing: bool
    participatory: float = 0.0  # of `total`, the participatory budget's money (same unit)
    only_participatory: bool = False  # the year has no lines of the city's own files yet


def drill(ctx: Context, view: View) -> DrillResult:
    """The treemap of a view, with the breadcrumb and the headline figure."""
    result = explorer.drilldown(ctx.data, view)
    divisor, figures = ctx.divisor(view)
    missing = view.measure == "per_resident" and divisor is None
    figure = ctx.data.remember(
        ("treemap", view, divisor, ctx.language, ctx.city.slug),
        lambda: budget_charts.treemap(result, currency=ctx.city.currency, colours=ctx.city.colours,
                                      language=ctx.language, divisor=divisor, text=ctx.text))
    total = result.total / 100 / (divisor or 1)
    own = (view.year, view.phase, view.statement, view.direction) in ctx.data.own_slices
    return DrillResult(view=view, figure=figure, crumbs=[(label, "/".join(path)) for label, path in result.crumbs],
                       total=total, lines=result.lines, per_resident=divisor is not None,
                       population_year=figures.year if figures else None, population_missing=missing,
                       participatory=result.participatory / 100 / (divisor or 1),
                       only_participatory=bool(result.lines) and not own)


def years_figure(ctx: Context, view: View) -> dict:
    frame = explorer.over_years(ctx.data, view)
    divisors = None
    if view.measure == "per_resident":
        divisors = {}
        for year in frame["fiscal_year"].unique():
            d, _ = ctx.divisor(view, int(year))
            if d:
                divisors[int(year)] = d
        if not divisors:
            return empty(ctx.text.get("no_population", "No population figures"), ctx.language)
    return budget_charts.over_years(frame, currency=ctx.city.currency, colours=ctx.city.colours,
                                    language=ctx.language, divisors=divisors, text=ctx.text)


def compare_figure(ctx: Context, view: View) -> dict:
    frame = explorer.compare_phases(ctx.data, view)
    divisor, _ = ctx.divisor(view)
    return budget_charts.compare_phases(frame, currency=ctx.city.currency, colours=ctx.city.colours,
                                        language=ctx.language, divisor=divisor, text=ctx.text)


@dataclass
class MapResult:
    figure: dict
    district_total: float
    city_wide: float
    share: float  # of the view's total assigned to districts
    per_resident: bool
    population_missing: bool


def district_map(ctx: Context, view: View) -> MapResult:
    frame, city_wide = explorer.by_district(ctx.data, view)
    per_resident = view.measure == "per_resident"
    figures = population.for_year(ctx.session, ctx.city, view.year) if per_resident else None
    values: dict[str, float | None] = {}
    for code, cents in zip(frame["district_code"], frame["cents"], strict=True):
        if per_resident:
            residents = figures.districts.get(code) if figures else None
            values[code] = cents / 100 / residents if residents else None
        else:
            values[code] = cents / 100
    missing = per_resident and not any(v is not None for v in values.values())
    unit = ctx.city.currency + (" " + ctx.text.get("per_resident", "per resident") if per_resident else "")
    from portal.feedback.budget_lines import project_points

    points = project_points(ctx.session, ctx.city.slug, view.year)
    colour = ctx.city.colours.get("participatory" if view.participatory else "primary", "#1f3a60")
    figure = map_charts.choropleth(
        boundaries(ctx.city), values, colour=colour, language=ctx.language,
        value_format=",.2f" if per_resident else ",.0f", unit=unit, selected=view.district,
        no_data=ctx.text.get("map_no_data", "No part of this view is assigned to a district"),
        points=points if len(points) else None, point_colour=ctx.city.colours.get("participatory", "#007a5a"),
        points_name=ctx.text.get("projects", "funded projects"))
    assigned = int(frame["cents"].sum()) if len(frame) else 0
    whole = assigned + city_wide
    return MapResult(figure=figure, district_total=assigned / 100, city_wide=city_wide / 100,
                     share=assigned / whole if whole else 0.0, per_resident=per_resident, population_missing=missing)


def table_page(ctx: Context, view: View, search: str | None, page: int, size: int = 15) -> tuple[list[dict], int]:
    return explorer.lines_page(ctx.data, view, search, page, size)


def navigate(view: View, *, trigger: str | None, value=None, available: list[tuple[int, str]],
             districts: dict[str, str], pb_available: list[tuple[int, str, str, str]] | None = None) -> View:
    """The next view after a click or a control change (pure: unit-tested without a browser).

    Turning on "participatory budget only" goes back to the top of the tree and, when the view's year,
    phase, statement and direction hold no participatory money, to the newest ones that do
    (`pb_available`: slices with participatory money), keeping the statement where it can."""
    if trigger == "participatory":
        if not value:
            return replace(view, participatory=False, path=())
        here = (view.year, view.phase, view.statement, view.direction)
        if pb_available and here not in pb_available:
            same = [k for k in pb_available if k[2] == view.statement and k[3] == view.direction]
            year, phase, statement, direction = max(same or pb_available)
            return replace(view, participatory=True, path=(), year=year, phase=phase, statement=statement,
                           direction=direction)
        return replace(view, participatory=True, path=())
    if trigger == "treemap":
        suffix = value or ""
        if not suffix:
            return view
        return replace(view, path=(*view.path, *[p for p in str(suffix).split("/") if p])[:4])
    if trigger == "crumb":
        try:
            depth = int(value)
        except (TypeError, ValueError):
            return view
        return replace(view, path=view.path[:max(0, depth)])
    if trigger in ("year", "phase", "statement", "direction", "measure", "district"):
        query = {**view.as_dict(), "path": "/".join(view.path), trigger: value}
        if trigger == "district" and not value:
            query["district"] = None
        if trigger in ("statement", "direction"):
            query["path"] = ""  # another statement has another tree
        return explorer.parse_view(query, available=available, districts=districts)
    return view


def phases_of(ctx: Context, year: int | None) -> list[str]:
    return [p for y, p in ctx.data.available if y == year]


def pb_available(ctx: Context) -> list[tuple[int, str, str, str]]:
    """(year, phase, statement, direction) slices with money of participatory-budgeting projects."""
    return sorted(key for key, idx in ctx.data.slices.items() if ctx.data.pb[idx].any())


def years(ctx: Context) -> list[int]:
    return sorted({y for y, _ in ctx.data.available}, reverse=True)
