"""Components the officer's import pages share: an import report and a totals preview. No data access."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from portal.budget.report import ImportReport
from portal.i18n import _, money, number

LEVEL_COLOUR = {"error": "danger", "warning": "warning", "info": "light"}


def report_list(report: ImportReport, *, list_id: str) -> html.Div:
    """Errors first, then warnings, then what the importer noticed; each names file, column, rows and values."""
    if not report.problems:
        return html.Div(id=list_id)
    order = {"error": 0, "warning": 1, "info": 2}
    items = []
    for problem in sorted(report.problems, key=lambda p: order[p.level]):
        label = {"error": _("Error"), "warning": _("Warning"), "info": _("Note")}[problem.level]
        items.append(dbc.ListGroupItem([html.Strong(label + ": "), problem.text()],
                                       color=LEVEL_COLOUR[problem.level], className=f"problem-{problem.level}"))
    return html.Div(dbc.ListGroup(items, flush=True, className="small"), id=list_id)


def totals_table(rows: list[dict], currency: str, *, table_id: str) -> dbc.Table:
    phase = {"approved": _("Plan"), "executed": _("Actual"), "proposed": _("Proposed"), "adjusted": _("Adjusted")}
    statement = {"operating": _("Operating"), "capital": _("Investment")}
    direction = {"revenue": _("Revenue"), "expenditure": _("Spending")}
    head = html.Thead(html.Tr([html.Th(_("Year")), html.Th(_("Phase")), html.Th(_("Statement")), html.Th(_("Money")),
                               html.Th(_("Lines"), className="text-end"), html.Th(_("Total"), className="text-end")]))
    body = html.Tbody([
        html.Tr([html.Td(r["fiscal_year"]), html.Td(phase.get(r["phase"], r["phase"])),
                 html.Td(statement.get(r["statement"], r["statement"])),
                 html.Td(direction.get(r["direction"], r["direction"])),
                 html.Td(number(r["lines"]), className="text-end"),
                 html.Td(money(r["amount"], currency, digits=2), className="text-end")])
        for r in rows
    ])
    return dbc.Table([head, body], size="sm", striped=True, id=table_id, className="small")
