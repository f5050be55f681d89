"""The open-data catalogue at /data: every dataset with its licence, source, columns and last update."""

import dash_bootstrap_components as dbc
from dash import dcc, html

from portal.datasets import presenter
from portal.db import get_session
from portal.i18n import _, _l, number
from portal.security import is_allowed, register_page
from portal.web import city

MAX_COLUMNS_SHOWN = 10


def _link(text, url):
    return html.A(text, href=url, target="_blank", rel="noopener noreferrer") if url else text


def _card(entry: presenter.Entry):
    info = entry.info
    columns = entry.columns[:MAX_COLUMNS_SHOWN]
    more = len(entry.columns) - len(columns)
    return dbc.Card(dbc.CardBody([
        html.H2(dcc.Link(info.name, href=f"/data/{info.slug}"), className="h5"),
        html.P(info.description, className="mb-2"),
        html.Dl([
            html.Dt(_("Licence"), className="col-sm-3"), html.Dd(_link(info.licence, info.licence_url),
                                                                 className="col-sm-9"),
            html.Dt(_("Source"), className="col-sm-3"), html.Dd(_link(info.source, info.source_url),
                                                                className="col-sm-9"),
            html.Dt(_("Columns"), className="col-sm-3"),
            html.Dd(", ".join(columns) + (" " + _("and {n} more").format(n=more) if more > 0 else ""),
                    className="col-sm-9"),
            html.Dt(_("Rows"), className="col-sm-3"), html.Dd(number(entry.rows), className="col-sm-9"),
            html.Dt(_("Last update"), className="col-sm-3"), html.Dd(info.updated, className="col-sm-9"),
        ], className="row small mb-0"),
    ]), className="mb-3 dataset-card", id=f"dataset-card-{info.slug}")


def layout(**_query):
    profile = city()
    items = presenter.entries(get_session(), profile)
    officer = [dbc.Button(_("Upload a dataset"), href="/data-upload", color="secondary", outline=True,
                          size="sm", id="data-upload-link")] if is_allowed("officer") else []
    return html.Div([
        html.Div([html.H1(_("Open data of {city}").format(city=profile.name), className="h2 d-inline me-3"),
                  *officer], className="mb-2"),
        html.P(_("Datasets the city publishes, with their licence and source. Open one to filter it, chart it, "
                 "map it and download it."), className="text-muted"),
        html.Div([_card(e) for e in items], id="data-catalogue") if items else
        dbc.Alert(_("There are no datasets yet."), color="info", id="data-catalogue"),
    ])


register_page(__name__, path="/data", layout=layout, title=_l("Open data"), name="Open data")
