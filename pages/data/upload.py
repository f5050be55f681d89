"""Officers publish a dataset at /data-upload: upload a CSV, read the report and the preview, then confirm.

Checking writes nothing; confirming checks the same file again on the server and refuses another
one (checksum). A slug that exists gets a new version; a shipped dataset's slug replaces it.
"""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dash_table, dcc, html
from dash.exceptions import PreventUpdate

from portal.budget.report import ImportRejected
from portal.datasets import upload
from portal.db import get_session
from portal.i18n import _, _l, number
from portal.import_ui import report_list
from portal.security import callback, register_page
from portal.web import city, user


class ids:  # noqa: N801 - the Dash convention for a component's ids
    file = "dsu-file"
    filename = "dsu-filename"
    name = "dsu-name"
    slug = "dsu-slug"
    description = "dsu-description"
    licence = "dsu-licence"
    source = "dsu-source"
    check = "dsu-check"
    result = "dsu-result"
    sha = "dsu-sha"
    confirm = "dsu-confirm"
    done = "dsu-done"


def _field(label, component_id, **kw):
    return html.Div([dbc.Label(label, html_for=component_id), dbc.Input(id=component_id, **kw)], className="mb-2")


def layout(**_query):
    return html.Div([
        html.H1(_("Publish a dataset"), className="h2"),
        html.P(_("Upload a CSV file (any common encoding, separator and number format). You see what the portal "
                 "reads from it before anything is published.")),
        dcc.Upload(id=ids.file, max_size=upload.MAX_BYTES, className="upload-box", accept=".csv,.tsv,.txt",
                   children=html.Div([_("Drop a CSV file here or "), html.A(_("choose a file"), href="#")])),
        html.Div(id=ids.filename, className="small text-muted my-1"),
        dbc.Row([
            dbc.Col(_field(_("Name"), ids.name, maxLength=200), md=6),
            dbc.Col(_field(_("Short name for the address (optional)"), ids.slug, maxLength=80,
                           placeholder="air-quality-2024"), md=6),
        ]),
        dbc.Label(_("Description"), html_for=ids.description),
        dbc.Textarea(id=ids.description, rows=3, className="mb-2"),
        dbc.Row([
            dbc.Col(_field(_("Licence"), ids.licence, maxLength=200, placeholder="CC-BY 4.0"), md=6),
            dbc.Col(_field(_("Source"), ids.source, maxLength=500), md=6),
        ]),
        dbc.Button(_("Check the file"), id=ids.check, color="primary"),
        dcc.Store(id=ids.sha),
        dcc.Loading(html.Div(id=ids.result, className="mt-3")),
        html.Div(id=ids.done, className="mt-3", role="status"),
    ])


def _plan(contents, filename, name, slug, description, licence, source):
    data = upload.decode_upload(contents)
    return upload.prepare(get_session(), city(), str(filename or "upload.csv"), data, name=name or "",
                          description=description or "", licence=licence or "", source=source or "",
                          slug=slug or "")


@callback(
    Output(ids.filename, "children"),
    Input(ids.file, "filename"),
    prevent_initial_call=True,
    access="officer",
)
def show_name(filename):
    if not filename:
        raise PreventUpdate
    return str(filename)


FIELDS = [State(ids.file, "contents"), State(ids.file, "filename"), State(ids.name, "value"),
          State(ids.slug, "value"), State(ids.description, "value"), State(ids.licence, "value"),
          State(ids.source, "value")]


@callback(
    Output(ids.result, "children"),
    Output(ids.sha, "data"),
    Input(ids.check, "n_clicks"),
    *FIELDS,
    prevent_initial_call=True,
    access="officer",
)
def check(_clicks, contents, filename, name, slug, description, licence, source):
    """Read and type the file; show the problems, the columns and the first rows. Writes nothing."""
    try:
        plan = _plan(contents, filename, name, slug, description, licence, source)
    except upload.UploadError as exc:
        return dbc.Alert(str(exc), color="danger", id="dsu-error"), None
    parts = [report_list(plan.report, list_id="dsu-report")]
    if not plan.ok:
        parts.insert(0, dbc.Alert(_("The file cannot be published as it is: the list says why."), color="danger",
                                  id="dsu-error"))
        return parts, None
    replaces = plan.replaces
    parts += [
        html.H2(_("Preview"), className="h5 mt-3"),
        html.P(_("{rows} rows; columns: {columns}").format(
            rows=number(len(plan.frame)), columns=", ".join(f"{c['name']} ({c['type']})" for c in plan.columns)),
            id="dsu-summary"),
        html.P(_("Published at /data/{slug}").format(slug=plan.slug)
               + (" · " + _("replaces version {v} of “{name}”").format(v=replaces["version"], name=replaces["name"])
                  if replaces else ""), id="dsu-target"),
        dash_table.DataTable(data=plan.preview(), columns=[{"name": c["name"], "id": c["name"]} for c in plan.columns],
                             style_table={"overflowX": "auto"}, style_cell={"fontSize": "0.8rem"}, id="dsu-preview"),
        dbc.Button(_("Publish"), id=ids.confirm, color="success", className="mt-2"),
    ]
    return parts, plan.sha256


@callback(
    Output(ids.done, "children"),
    Input(ids.confirm, "n_clicks"),
    *FIELDS,
    State(ids.sha, "data"),
    prevent_initial_call=True,
    access="officer",
)
def confirm(clicks, contents, filename, name, slug, description, licence, source, sha):
    """Publish what was previewed (checked again on the server) as a new version, with an audit event."""
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        plan = _plan(contents, filename, name, slug, description, licence, source)
        dataset = upload.apply(session, plan, user=user(), expected_sha256=sha if isinstance(sha, str) else "")
    except upload.UploadError as exc:
        return dbc.Alert(str(exc), color="danger", id="dsu-error")
    except ImportRejected as exc:
        session.rollback()
        return [dbc.Alert(_("Nothing was published."), color="danger", id="dsu-error"),
                report_list(exc.report, list_id="dsu-r2")]
    session.commit()
    return dbc.Alert([_("Published version {v}.").format(v=dataset.version), " ",
                      dcc.Link(_("Open the dataset"), href=f"/data/{dataset.slug}")], color="success",
                     id="dsu-published")


register_page(__name__, path="/data-upload", access="officer", layout=layout, title=_l("Publish a dataset"),
              name="Publish a dataset")
