"""kennis."""
