"""signalen."""
