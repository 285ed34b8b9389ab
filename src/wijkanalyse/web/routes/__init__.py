"""Routers of the web app (placeholder of the auth branch; the web helper's version wins)."""
