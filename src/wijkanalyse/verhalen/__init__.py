"""verhalen."""
