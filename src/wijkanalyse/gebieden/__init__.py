"""gebieden."""
