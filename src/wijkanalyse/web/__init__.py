"""Web: the site of wijkanalyse — server-rendered pages with JSON twins (FastAPI + Jinja2).

Sits above the feature packages (profiel, monitor, kennis, segregatie, sources) and below the
CLI (``wijkanalyse serve``). Nothing is built at import time: :func:`create_app` makes the app.
"""

from wijkanalyse.web.app import create_app
from wijkanalyse.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]
