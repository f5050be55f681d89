"""The budget explorer at /budget: drill-down, years, plan vs actual, district map, lines; state in the URL."""

from pages.budget import callbacks
from pages.budget.layout import layout
from portal.i18n import _l
from portal.security import register_page

callbacks.register()
register_page(__name__, path="/budget", layout=layout, title=_l("Budget"), name="Budget")
