"""The routers of the site: one module per kind of page, each page with its JSON twin."""
