"""wijkanalyse: analyse van kwetsbare wijken uit open data (CBS, Leefbaarometer)."""

__version__ = "0.1.0"
