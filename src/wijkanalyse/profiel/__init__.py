"""profiel."""
