"""Every chart of the portal by name, so that a page, an embed, a PNG/SVG/CSV export, a frozen copy and a test
all get the same figure from the same function.

A chart is named by its kind and its state (the query string of its page): `build(kind, args)` returns the
figure (plotly JSON), the data behind it, a title and a summary sentence (its text alternative), the
citation (source, licence, data version and date) and the permalink of the page it belongs to. Only public
data is built: a cycle's results before publication, an unknown dataset or cycle raise `ChartNotFound`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import pandas as pd
import plotly.io as pio
from flask import current_app
from sqlalchemy.orm import Session

from portal.i18n import _, _l, current_language, money, percent

# Headings for the columns of the charts' data when people read it as a table ("Show as table"); the CSV export
# keeps the column names themselves (they are the data's interface for programs).
COLUMN_LABELS = {
    "actual": _l("Actual"), "amount": _l("Amount"), "area": _l("Functional area"), "area_code": _l("Area code"),
    "ballots": _l("Ballots"), "budget_year": _l("Budget year"), "category": _l("Category"),
    "category_code": _l("Category code"), "channel": _l("Channel"), "code": _l("Code"), "colour": _l("Series"),
    "cycle_id": _l("Cycle"), "cycle_year": _l("Cycle year"), "district": _l("District"),
    "district_code": _l("District code"), "fiscal_year": _l("Year"), "funded": _l("Funded"),
    "funded_share": _l("Share of funding"), "id": _l("ID"), "label": _l("Name"), "parent": _l("Part of"),
    "participatory": _l("From participatory budgeting"), "phase": _l("Phase"), "progress": _l("Progress"),
    "proposal_id": _l("Proposal"), "spending": _l("City spending"), "spending_share": _l("Share of city spending"),
    "spent": _l("Spent"), "status": _l("Status"), "title": _l("Title"), "updated_at": _l("Last update"),
    "votes": _l("Votes"), "residents": _l("Residents"), "per_resident": _l("Per resident"),
    "lat": _l("Latitude"), "lon": _l("Longitude"), "votes_share": _l("Share of votes"),
    "x": _l("Horizontal axis"), "y": _l("Value"),
}


def column_label(name) -> str:
    """The heading of a data column for people, in their language (unknown columns keep their name)."""
    label = COLUMN_LABELS.get(str(name))
    return str(label) if label is not None else str(name)


class ChartNotFound(LookupError):
    """No such chart, or not public (yet)."""


@dataclass
class Citation:
    source: str
    licence: str
    version: str  # e.g. "budget import 12", "result 3", "dataset version 2"
    date: str  # ISO date of that version

    def line(self, title: str, url: str = "") -> str:
        """The citation line under a chart: what it is, whose data, under which licence, which version."""
        today = datetime.now(UTC).date().isoformat()
        text = _("{title}. Source: {source}. Licence: {licence}. Data version: {version}, {date}.").format(
            title=title, source=self.source, licence=self.licence or _("see the source"), version=self.version,
            date=self.date or "–")
        if url:
            text += " " + _("Retrieved {today} from {url}.").format(today=today, url=url)
        return text

    def as_dict(self) -> dict:
        return {"source": self.source, "licence": self.licence, "version": self.version, "date": self.date}


@dataclass
class Chart:
    kind: str
    query: str  # the chart's normalised state: /embed/<kind>?<query> shows exactly this chart
    page_url: str  # the page the chart belongs to, with its full state (relative to the portal)
    title: str
    summary: str  # one sentence: the chart's text alternative
    figure: dict
    data: pd.DataFrame
    citation: Citation
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Kind:
    name: str
    label: Callable[[], str]  # what the chart is, for the share panel ("Budget drill-down")
    build: Callable[[Session, object, dict], Chart]


def _city():
    return current_app.config["CITY"]


def figure_json(figure) -> dict:
    """A plotly figure (go.Figure or dict) as plain JSON data (numpy arrays and dates made JSON types)."""
    if isinstance(figure, dict):
        return json.loads(pio.to_json(figure, validate=False))
    return json.loads(figure.to_json())


def _clean(args: dict) -> dict:
    """Query arguments as plain strings (one value each), without the ones that are not the chart's state."""
    out = {}
    for key, value in (args or {}).items():
        if key in ("lang", "width", "height", "scale", "format", "download"):
            continue
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, str | int | float | bool):
            out[key] = str(value)
    return out


# Budget ----------------------------------------------------------------------------------------------------

def _budget_context(session: Session, city):
    from portal.budget import presenter

    return presenter.context(session, city, current_language(), presenter.chart_labels)


def _budget_citation(city, data) -> Citation:
    source, licence = city.cite("budget")
    key = data.key
    if key == (0,):
        return Citation(source, licence, _("no budget imported"), "")
    return Citation(source, licence, _("budget import {id}").format(id=key[0]), str(key[2])[:10])


def _phase_label(phase: str) -> str:
    return {"approved": _("Plan"), "executed": _("Actual"), "proposed": _("Proposed"),
            "adjusted": _("Adjusted")}.get(phase, phase)


def budget_title(ctx, view) -> str:
    """"Spending 2015 (Plan) · Soziale Hilfen · Ehrenfeld", like the page's headline."""
    from portal.budget import explorer

    if view.statement == "capital":
        what = _("Investment spending") if view.direction == "expenditure" else _("Investment revenue")
    else:
        what = _("Spending") if view.direction == "expenditure" else _("Revenue")
    parts = [f"{what} {view.year or ''} ({_phase_label(view.phase)})".replace("  ", " ")]
    parts += [explorer.node_name(ctx.data, i, code) for i, code in enumerate(view.path)]
    if view.district:
        parts.append(ctx.city.district_name(view.district))
    if view.participatory:
        parts.append(_("participatory budget only"))
    return " · ".join(parts)


def _budget_chart(session: Session, city, args: dict, name: str) -> Chart:
    from portal.budget import explorer, presenter

    ctx = _budget_context(session, city)
    if not ctx.data.available:
        raise ChartNotFound(_("No budget has been imported yet."))
    view = ctx.view(args)
    title = budget_title(ctx, view)
    unit = city.currency
    if name == "budget-treemap":
        result = presenter.drill(ctx, view)
        drill = explorer.drilldown(ctx.data, view)
        scale = 100 * (ctx.divisor(view)[0] or 1)
        data = pd.DataFrame([{"id": n.id, "parent": n.parent, "code": n.code, "label": n.label,
                              "amount": n.cents / scale, "participatory": n.participatory / scale}
                             for n in drill.nodes], columns=["id", "parent", "code", "label", "amount",
                                                             "participatory"])
        children = data[data["parent"] == ""].sort_values("amount", ascending=False)
        top = ", ".join(f"{r.label} ({percent(r.amount / result.total) if result.total else '–'})"
                        for r in children.head(3).itertuples())
        summary = _("{title}: {total} in all; the largest parts are {top}.").format(
            title=title, total=money(result.total, unit, digits=2 if result.per_resident else 0), top=top or "–")
        if result.participatory:
            summary += " " + _("Of it {amount} is participatory budget.").format(
                amount=money(result.participatory, unit))
        figure = result.figure
    elif name == "budget-years":
        frame = explorer.over_years(ctx.data, view)
        figure = presenter.years_figure(ctx, view)
        data = frame.assign(amount=frame["cents"] / 100).drop(columns=["cents"])
        title = f"{title} · {_('over the years')}"
        years = sorted(set(data["fiscal_year"]))
        summary = _("{title}: {n} years from {first} to {last}.").format(
            title=title, n=len(years), first=years[0] if years else "–", last=years[-1] if years else "–")
    elif name == "budget-compare":
        frame = explorer.compare_phases(ctx.data, view)
        figure = presenter.compare_figure(ctx, view)
        data = frame.assign(amount=frame["cents"] / 100).drop(columns=["cents"])
        title = f"{title} · {_('plan and actual')}"
        summary = _("{title}: {n} parts in {phases}.").format(
            title=title, n=data["code"].nunique(), phases=", ".join(_phase_label(p) for p in data["phase"].unique())
            or "–")
    elif name == "budget-map":
        mapped = presenter.district_map(ctx, view)
        frame, city_wide = explorer.by_district(ctx.data, view)
        figure = mapped.figure
        data = pd.DataFrame({"district_code": frame["district_code"],
                             "district": [city.district_name(c) for c in frame["district_code"]],
                             "amount": frame["cents"] / 100})
        if view.measure == "per_resident":
            from portal.budget import population

            figures = population.for_year(session, city, view.year)
            data["residents"] = [figures.districts.get(c) if figures else None for c in data["district_code"]]
            data["per_resident"] = [a / r if r else None for a, r in zip(data["amount"], data["residents"],
                                                                         strict=True)]
        title = f"{title} · {_('by {district}').format(district=city.district_label)}"
        ordered = data.sort_values("amount", ascending=False)
        summary = _("{title}: {share} of the money is assigned to a {district}; the most goes to {top}.").format(
            title=title, share=percent(mapped.share), district=city.district_label,
            top=ordered.iloc[0]["district"] if len(ordered) else "–")
    else:  # pragma: no cover - the registry only routes the names above here
        raise ChartNotFound(name)
    return Chart(kind=name, query=view.query(), page_url="/budget" + ("?" + view.query() if view.query() else ""),
                 title=title, summary=summary, figure=figure, data=data,
                 citation=_budget_citation(city, ctx.data), extra={"view": view})


# Open data -------------------------------------------------------------------------------------------------

def _dataset_chart(session: Session, city, args: dict, name: str) -> Chart:
    from portal.datasets import catalogue, frames, presenter

    slug = args.get("slug")
    info = catalogue.get(session, city, slug) if isinstance(slug, str) else None
    if info is None:
        raise ChartNotFound(_("There is no such dataset."))
    frame = frames.load(session, info)
    state = presenter.chart_state(info, frame, {k: v for k, v in args.items() if k != "slug"})
    result = presenter.chart(city, info, frame, state, language=current_language(), text=presenter.chart_labels())
    query = urlencode({"slug": info.slug}) + ("&" + state.query() if state.query() else "")
    citation = Citation(info.source, info.licence, _("dataset version {n}").format(n=info.version), info.updated)
    page_url = f"/data/{info.slug}" + ("?" + state.query() if state.query() else "")
    if name == "dataset-chart":
        data = result.extra.get("frame", pd.DataFrame())
        title = f"{info.name} · {state.agg}({state.y or _('rows')}) / {state.x}"
        summary = result.error or _("{title}: {n} values from {rows} rows.").format(
            title=title, n=len(data), rows=result.rows)
        return Chart(name, query, page_url, title, summary, result.figure, data, citation)
    if result.map_figure is None:
        raise ChartNotFound(_("This dataset has no map."))
    data = result.extra.get("map_frame", pd.DataFrame())
    title = f"{info.name} · {_('map')}"
    return Chart(name, query, page_url, title, f"{title}: {result.map_note or ''}".strip(), result.map_figure,
                 data, citation)


# Participation ---------------------------------------------------------------------------------------------

def _published_cycle(session: Session, args: dict):
    """The cycle named by `cycle=` when its result is public; ChartNotFound otherwise (drafts included)."""
    from portal.participation.cycles import get_cycle
    from portal.participation.errors import NotFound
    from portal.participation.results import results_view

    try:
        cycle = get_cycle(session, args.get("cycle"))  # as the public: drafts are not found
    except NotFound as exc:
        raise ChartNotFound(exc.message) from None
    view = results_view(session, cycle)
    if view is None:
        raise ChartNotFound(_("The results of this cycle are not published yet."))
    return cycle, view


def _participation_citation(city, cycle, result) -> Citation:
    source, licence = city.cite("participation")
    date = result.published_at.date().isoformat() if result.published_at else ""
    return Citation(source, licence, _("result {id}").format(id=result.id), date)


def _results_chart(session: Session, city, args: dict, name: str) -> Chart:
    from portal.charts.results import money_by_group, turnout_by_district

    cycle, view = _published_cycle(session, args)
    currency = cycle.currency
    if name == "results-district":
        title = _("Funded per district")
        data = view.by_district
        figure = money_by_group(data, "district", title=title, currency=currency, amount_label=_("Amount"))
    elif name == "results-category":
        title = _("Funded per category")
        data = view.by_category
        figure = money_by_group(data, "category", title=title, currency=currency, amount_label=_("Amount"))
    else:
        title = _("Ballots per district and channel")
        data = view.turnout
        figure = turnout_by_district(data, title=title, ballots_label=_("Ballots"))
    title = f"{cycle.title} · {title}"
    if name == "results-turnout":
        summary = _("{title}: {n} ballots.").format(title=title, n=int(data["ballots"].sum()) if len(data) else 0)
    else:
        top = data.sort_values("amount", ascending=False).iloc[0] if len(data) else None
        summary = _("{title}: {total} in all, the most to {top} ({amount}).").format(
            title=title, total=money(float(data["amount"].sum()) if len(data) else 0, currency),
            top=top.iloc[0] if top is not None else "–", amount=money(float(top["amount"]), currency)
            if top is not None else "–")
    return Chart(name, urlencode({"cycle": cycle.id}), f"/results/{cycle.id}", title, summary, figure_json(figure),
                 data.reset_index(drop=True), _participation_citation(city, cycle, view.result))


def delivery_labels() -> dict:
    from portal.feedback.delivery import status_label
    from portal.models import DeliveryStatus

    return {"empty": _("No funded projects"), "funded_amount": _("Funded"), "spent": _("Spent (reported)"),
            "actual": _("Spent (city accounts)"), "statuses": {s.value: status_label(s) for s in DeliveryStatus}}


def _delivery_chart(session: Session, city, args: dict, name: str) -> Chart:
    from portal.charts.feedback import delivery as delivery_figure
    from portal.feedback import delivery

    cycle, view = _published_cycle(session, args)
    frame = delivery.delivery_frame(delivery.deliveries(session, cycle))
    title = f"{cycle.title} · {_('Delivery of the funded projects')}"
    figure = delivery_figure(frame, currency=cycle.currency, language=current_language(), title=title,
                             text=delivery_labels())
    labels = delivery_labels()["statuses"]
    counts = frame["status"].value_counts().to_dict() if len(frame) else {}
    summary = _("{title}: {n} projects ({states}); {spent} reported spent of {funded} funded.").format(
        title=title, n=len(frame), states=", ".join(f"{labels.get(k, k)}: {v}" for k, v in counts.items()) or "–",
        spent=money(float(frame["spent"].sum()) if len(frame) else 0, cycle.currency),
        funded=money(float(frame["funded"].sum()) if len(frame) else 0, cycle.currency))
    updated = delivery.latest_update(session, cycle.id)
    citation = _participation_citation(city, cycle, view.result)
    if updated:
        citation.version += " · " + _("delivery updated {date}").format(date=updated.date().isoformat())
    return Chart(name, urlencode({"cycle": cycle.id}), f"/results/{cycle.id}#delivery", title, summary, figure,
                 frame, citation)


def priorities_labels() -> dict:
    return {"votes": _("Share of votes"), "funded": _("Share of funded money"),
            "spending": _("Share of the city's spending in its area"), "empty": _("No published results yet"),
            "not_mapped": _("(no functional area)")}


def _priorities_chart(session: Session, city, args: dict, name: str) -> Chart:
    from portal.budget import explorer
    from portal.charts.feedback import priorities as priorities_figure
    from portal.feedback import priorities

    data = explorer.budget_data(session, city.slug)
    frame = priorities.priorities(session, city.slug, data)
    try:
        year = int(args.get("year")) if args.get("year") else None
    except ValueError:
        year = None
    rows = priorities.of_year(frame, year)
    year = int(rows["cycle_year"].iloc[0]) if len(rows) else None
    title = _("Priorities against spending") + (f" · {year}" if year else "")
    figure = priorities_figure(rows, colours=city.colours, language=current_language(), title=title,
                               text=priorities_labels())
    if len(rows):
        gap = (rows["votes_share"] - rows["spending_share"]).abs()
        widest = rows.loc[gap.idxmax()] if gap.notna().any() else rows.iloc[0]
        summary = _("{title}: {category} got {votes} of the votes and {funded} of the funded money; its area takes "
                    "{spending} of the city's spending.").format(
            title=title, category=widest["category"], votes=_pct(widest["votes_share"]),
            funded=_pct(widest["funded_share"]), spending=_pct(widest["spending_share"]))
    else:
        summary = _("No published results yet")
    source, licence = city.cite("participation")
    budget_source, budget_licence = city.cite("budget")
    budget = _budget_citation(city, data)
    published = rows["cycle_id"].iloc[0] if len(rows) else None
    citation = Citation(f"{source}; {budget_source}", "; ".join(x for x in (licence, budget_licence) if x),
                        (_("cycle {id}").format(id=published) + " · " if published is not None else "")
                        + budget.version, budget.date)
    query = urlencode({"year": year}) if year else ""
    return Chart(name, query, "/priorities" + ("?" + query if query else ""), title, summary, figure, rows,
                 citation, extra={"years": priorities.years(frame)})


def _pct(value) -> str:
    return "–" if value is None or value != value else percent(float(value))


KINDS: dict[str, Kind] = {}


def _register(name: str, label: Callable[[], str], build: Callable[[Session, object, dict, str], Chart]) -> None:
    KINDS[name] = Kind(name, label, lambda session, city, args, _n=name: build(session, city, args, _n))


_register("budget-treemap", lambda: _("Budget drill-down"), _budget_chart)
_register("budget-years", lambda: _("Budget over the years"), _budget_chart)
_register("budget-compare", lambda: _("Plan and actual"), _budget_chart)
_register("budget-map", lambda: _("Budget map"), _budget_chart)
_register("dataset-chart", lambda: _("Dataset chart"), _dataset_chart)
_register("dataset-map", lambda: _("Dataset map"), _dataset_chart)
_register("results-district", lambda: _("Funded per district"), _results_chart)
_register("results-category", lambda: _("Funded per category"), _results_chart)
_register("results-turnout", lambda: _("Ballots per district and channel"), _results_chart)
_register("delivery", lambda: _("Delivery of the funded projects"), _delivery_chart)
_register("priorities", lambda: _("Priorities against spending"), _priorities_chart)


def build(kind: str, args: dict | None, session: Session | None = None, city=None) -> Chart:
    """The chart `kind` in the state `args` (a page's or an embed's query), public data only."""
    from portal.db import get_session

    entry = KINDS.get(kind)
    if entry is None:
        raise ChartNotFound(_("There is no such chart."))
    return entry.build(session or get_session(), city or _city(), _clean(args or {}))


def embed_path(kind: str, query: str) -> str:
    return f"/embed/{kind}" + ("?" + query if query else "")


def export_path(kind: str, query: str, fmt: str) -> str:
    return f"/charts/{kind}.{fmt}" + ("?" + query if query else "")
