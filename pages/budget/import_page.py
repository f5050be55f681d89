"""Officers import a budget at /budget/import: upload, read the report and the totals, then confirm.

Checking writes nothing. Confirming reads the same files again on the server, refuses them if they are
not the ones previewed (checksum), and replaces the years they hold in one transaction, with an
audit event.
"""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from portal.budget import explorer, importer
from portal.budget.report import ImportRejected, ImportReport
from portal.datasets.upload import MAX_BYTES, UploadError, decode_upload
from portal.db import get_session
from portal.i18n import _, _l, money
from portal.import_ui import report_list, totals_table
from portal.security import callback, register_page
from portal.web import city, user


class ids:  # noqa: N801 - the Dash convention for a component's ids
    files = "bi-files"
    names = "bi-names"
    mapping = "bi-mapping"
    check = "bi-check"
    result = "bi-result"
    sha = "bi-sha"
    confirm = "bi-confirm"
    done = "bi-done"
    progress = "bi-progress"


def layout(**_query):
    return html.Div([
        html.H1(_("Import a budget"), className="h2"),
        html.P(_("Upload the city's budget files: files in the portal's own format, any CSV with a column "
                 "mapping, a Fiscal Data Package (datapackage.json with its CSV), or the files of a city the portal "
                 "has an adapter for (Köln's NKF files). Nothing is written until you confirm the totals.")),
        dcc.Upload(id=ids.files, multiple=True, max_size=MAX_BYTES, className="upload-box", accept=".csv,.json,.txt",
                   children=html.Div([_("Drop files here or "), html.A(_("choose files"), href="#")])),
        html.Div(id=ids.names, className="small text-muted my-1"),
        dbc.Label(_("Column mapping (JSON, optional; see the README)"), html_for=ids.mapping),
        dbc.Textarea(id=ids.mapping, rows=5, className="font-monospace small mb-2",
                     placeholder='{"fields": {"fiscal_year": "Jahr", "amount": "Betrag"}}'),
        dbc.Button(_("Check the files"), id=ids.check, color="primary"),
        dcc.Store(id=ids.sha),
        dcc.Loading(html.Div(id=ids.result, className="mt-3")),
        dbc.Progress(id=ids.progress, value=0, label="", striped=True, animated=True, className="mt-3",
                     style={"display": "none"}),
        html.Div(id=ids.done, className="mt-3", role="status"),
    ])


def _files(contents, names) -> list[tuple[str, bytes]]:
    if not contents:
        return []
    if isinstance(contents, str):
        contents, names = [contents], [names]
    return [(str(name or f"file{i + 1}.csv"), decode_upload(content))
            for i, (content, name) in enumerate(zip(contents, names or [None] * len(contents), strict=False))]


@callback(
    Output(ids.names, "children"),
    Input(ids.files, "filename"),
    prevent_initial_call=True,
    access="officer",
)
def show_names(names):
    if not names:
        raise PreventUpdate
    return ", ".join(names if isinstance(names, list) else [names])


@callback(
    Output(ids.result, "children"),
    Output(ids.sha, "data"),
    Input(ids.check, "n_clicks"),
    State(ids.files, "contents"),
    State(ids.files, "filename"),
    State(ids.mapping, "value"),
    prevent_initial_call=True,
    access="officer",
)
def check(_clicks, contents, names, mapping):
    """Read and check the files; show the report and the totals an officer confirms. Writes nothing."""
    profile = city()
    try:
        files = _files(contents, names)
    except UploadError as exc:
        return dbc.Alert(str(exc), color="danger", id="bi-error"), None
    if not files:
        return dbc.Alert(_("Choose one or more files first."), color="warning", id="bi-error"), None
    plan = importer.prepare(files, profile, mapping_text=(mapping or "").strip() or None, session=get_session())
    parts = [report_list(plan.report, list_id="bi-report")]
    if not plan.ok:
        parts.insert(0, dbc.Alert(_("The files have errors: nothing can be imported. The list says where."),
                                  color="danger", id="bi-error"))
        return parts, None
    replaced = [html.Li(_("{year} {phase} {statement}: {lines} lines now, {amounts}").format(
        year=r["fiscal_year"], phase=r["phase"], statement=r["statement"], lines=r["current_lines"],
        amounts=", ".join(f"{k} {money(v, profile.currency)}" for k, v in r["current"].items())))
        for r in plan.replaces]
    parts += [
        html.H2(_("What would be imported"), className="h5 mt-3"),
        totals_table(plan.preview, profile.currency, table_id="bi-preview"),
        html.Div([html.P(_("This replaces what is stored for:")), html.Ul(replaced)], id="bi-replaces")
        if replaced else html.P(_("Nothing stored is replaced."), id="bi-replaces"),
        dbc.Button(_("Confirm the import"), id=ids.confirm, color="success"),
    ]
    return parts, plan.sha256


@callback(
    Output(ids.done, "children"),
    Input(ids.confirm, "n_clicks"),
    State(ids.files, "contents"),
    State(ids.files, "filename"),
    State(ids.mapping, "value"),
    State(ids.sha, "data"),
    prevent_initial_call=True,
    access="officer",
    background=True,  # a large file takes a while: imported in a background job, with a progress bar
    progress=[Output(ids.progress, "value"), Output(ids.progress, "label")],
    running=[(Output(ids.confirm, "disabled"), True, False),
             (Output(ids.progress, "style"), {"display": "flex"}, {"display": "none"})],
)
def confirm(set_progress, clicks, contents, names, mapping, sha):
    """Import what was previewed (checked again on the server), in one transaction, with an audit event."""
    if not clicks:
        raise PreventUpdate
    profile = city()
    session = get_session()
    try:
        set_progress((10, _("Reading the files")))
        files = _files(contents, names)
        plan = importer.prepare(files, profile, mapping_text=(mapping or "").strip() or None, session=session)
        set_progress((50, _("Writing the budget lines")))
        outcome = importer.apply(session, plan, user=user(), expected_sha256=sha if isinstance(sha, str) else "")
    except UploadError as exc:
        return dbc.Alert(str(exc), color="danger", id="bi-error")
    except ImportRejected as exc:
        session.rollback()
        return [dbc.Alert(_("Nothing was imported."), color="danger", id="bi-error"),
                report_list(exc.report if isinstance(exc.report, ImportReport) else ImportReport(), list_id="bi-r2")]
    set_progress((90, _("Saving")))
    session.commit()
    explorer.invalidate(profile.slug)
    if outcome.status == "unchanged":
        return dbc.Alert(_("These files are imported already: nothing changed."), color="info", id="bi-unchanged")
    return dbc.Alert([_("Imported {n} budget lines.").format(n=outcome.lines), " ",
                      dcc.Link(_("See the budget"), href="/budget")], color="success", id="bi-imported")


register_page(__name__, path="/budget/import", access="officer", layout=layout, title=_l("Import a budget"),
              name="Import a budget")
