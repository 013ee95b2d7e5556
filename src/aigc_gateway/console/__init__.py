"""The web console at ``/console``: server-rendered pages over the gateway's own parts.

``routes.py`` holds the pages, ``session.py`` sign-in, cookies and CSRF, ``forward.py`` the
in-process calls to the public API (playground, guard, verify, evaluations go through the same
routes and checks as any client), ``rollup.py`` the overview's aggregates of the audit trail,
``charts.py`` the inline SVG charts. Templates and static files are vendored in the package; a
page loads nothing from the network.
"""
