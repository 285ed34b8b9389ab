"""segregatie."""
