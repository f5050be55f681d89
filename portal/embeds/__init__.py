"""Charts for everyone else: embeds for journalists' pages, PNG/SVG/CSV exports, frozen charts and the Share /
Embed control that every chart of the portal carries.

- `kinds`: every chart by name, built by the same functions as the pages (the one registry of charts).
- `web`: the `/embed/...`, `/charts/...` and `/vendor/...` routes.
- `export`: PNG and SVG through kaleido (started lazily, once per process).
- `frozen`: charts published as they were.
- `component`: the Share / Embed control (a Dash All-in-One component) and its callbacks.
"""
