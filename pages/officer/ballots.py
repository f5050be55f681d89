"""Officers issue and revoke voting codes, and import paper and booth ballots from CSV."""


import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, number
from portal.participation import codes, paper, phases
from portal.participation.components import error_alert, not_found, officer_nav, ok_alert, simple_table
from portal.participation.cycles import get_cycle
from portal.participation.errors import NotFound, ParticipationError
from portal.participation.web import code_secret, upload_bytes
from portal.security import callback, register_page
from portal.web import user


def _stats(session, cycle):
    rows = [[s.batch or "–", s.district_code or "–", number(s.issued), number(s.revoked),
             number(s.used) if s.used is not None else _("hidden while voting is open")]
            for s in codes.batch_stats(session, cycle)]
    if not rows:
        return html.P(_("No codes issued yet."), id="codes-stats")
    return simple_table([_("Batch"), _("District"), _("Issued"), _("Revoked"), _("Used")], rows, "codes-stats")


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    return html.Div([
        html.H1(cycle.title, className="h2"),
        officer_nav(cycle.id, "ballots"),
        dcc.Store(id="codes-cycle", data=cycle.id),
        dbc.Card(dbc.CardBody([
            html.H2(_("Voting codes"), className="h5"),
            html.P(_("Single-use codes for people without an account or e-mail: printed on letters, or handed out "
                     "at a library or booth. Only a keyed hash of each code is stored, so the file you download now "
                     "is the only copy of the codes: keep it safe, print it, then delete it."), className="small"),
            dbc.Row([
                dbc.Col([dbc.Label(_("How many"), html_for="codes-count"),
                         dbc.Input(id="codes-count", type="number", min=1, max=codes.MAX_BATCH, value=100)], md=2),
                dbc.Col([dbc.Label(_("Batch name"), html_for="codes-batch"),
                         dbc.Input(id="codes-batch", maxLength=80, placeholder=_("e.g. letters March"))], md=4),
                dbc.Col([dbc.Label(_("District"), html_for="codes-district"),
                         dbc.Select(id="codes-district", value="", options=[{"label": "–", "value": ""}] + [
                             {"label": d.name, "value": d.code} for d in cycle.districts])], md=3),
                dbc.Col(dbc.Button(_("Issue and download"), id="codes-issue", color="primary", className="mt-4",
                                   disabled=not phases.allows(cycle, "issue_codes")), md=3),
            ], className="g-2"),
            dcc.Download(id="codes-download"),
            html.Hr(),
            dbc.Row([
                dbc.Col([dbc.Label(_("Revoke one code"), html_for="codes-revoke-code"),
                         dbc.Input(id="codes-revoke-code", maxLength=40, autoComplete="off")], md=4),
                dbc.Col([dbc.Label(_("or a whole batch"), html_for="codes-revoke-batch"),
                         dbc.Input(id="codes-revoke-batch", maxLength=80)], md=4),
                dbc.Col(dbc.Button(_("Revoke"), id="codes-revoke", color="danger", outline=True, className="mt-4"),
                        md=4),
            ], className="g-2"),
            html.Div(id="codes-msg", role="status", className="mt-2"),
            html.Div(_stats(session, cycle), id="codes-stats-wrap", className="mt-2"),
        ]), className="mb-4"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Paper and booth ballots"), className="h5"),
            html.P(_("Upload a CSV file (UTF-8, comma or semicolon) with the columns ballot_id, choices and, "
                     "optionally, channel (paper or booth) and district. Choices are project numbers separated by "
                     "spaces; for points write 12:3 15:2; for a ranking list the best first. Every row is checked "
                     "with the rules of the vote; a file with any bad row is refused as a whole."),
                   className="small"),
            dcc.Upload(id="paper-upload", children=html.Div([_("Drop the CSV file here, or "),
                                                              html.A(_("choose it"), href="#")]),
                       className="border border-2 rounded p-4 text-center", max_size=paper.MAX_BYTES,
                       accept=".csv,text/csv",
                       disabled=not phases.allows(cycle, "import_paper")),
            html.Div(id="paper-msg", role="status", className="mt-2"),
        ])),
    ])


@callback(
    Output("codes-msg", "children"),
    Output("codes-download", "data"),
    Output("codes-stats-wrap", "children"),
    Input("codes-issue", "n_clicks"),
    Input("codes-revoke", "n_clicks"),
    State("codes-cycle", "data"),
    State("codes-count", "value"),
    State("codes-batch", "value"),
    State("codes-district", "value"),
    State("codes-revoke-code", "value"),
    State("codes-revoke-batch", "value"),
    prevent_initial_call=True,
    access="officer",
)
def manage_codes(issue, revoke, cycle_id, count, batch, district, revoke_code, revoke_batch):
    action = ctx.triggered_id
    if not (issue or revoke) or action not in ("codes-issue", "codes-revoke"):
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        if action == "codes-issue":
            plain = codes.issue_codes(session, cycle, user(), count, code_secret(), batch=batch or "",
                                      district_code=district)
            download = dcc.send_string(codes.codes_csv(cycle, plain, batch or "", district or None),
                                       f"voting-codes-cycle{cycle.id}-{(batch or 'batch').replace(' ', '_')}.csv")
            message = _("{n} codes issued: the download is their only copy.").format(n=number(len(plain)))
        else:
            n = codes.revoke(session, cycle, user(), code_secret(), code=revoke_code or None, batch=revoke_batch)
            download = no_update
            message = _("{n} codes revoked.").format(n=number(n))
    except ParticipationError as exc:
        return error_alert(exc, "codes-error"), no_update, no_update
    session.commit()
    return ok_alert(message, "codes-ok"), download, _stats(session, cycle)


@callback(
    Output("paper-msg", "children"),
    Input("paper-upload", "contents"),
    State("paper-upload", "filename"),
    State("codes-cycle", "data"),
    prevent_initial_call=True,
    access="officer",
)
def import_paper(contents, filename, cycle_id):
    if not contents:
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        data = upload_bytes(contents)
        result = paper.import_csv(session, cycle, user(), data, filename or "")
    except ParticipationError as exc:
        session.rollback()
        return error_alert(exc, "paper-error")
    session.commit()
    parts = ", ".join(f"{k}: {number(v)}" for k, v in sorted(result.by_channel.items()))
    return ok_alert(_("{n} ballots imported ({parts}). File SHA-256: {sha}").format(
        n=number(result.count), parts=parts, sha=result.sha256), "paper-ok")


register_page(__name__, path="/officer/ballots/<cycle_id>", path_template="/officer/ballots/<cycle_id>",
              access="officer", layout=layout, title=_l("Voting codes and paper ballots"),
              name="Voting codes and paper")
