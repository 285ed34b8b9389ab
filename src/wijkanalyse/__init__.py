"""wijkanalyse: analyse van kwetsbare wijken uit open data (CBS, Leefbaarometer).

The Python API for notebooks::

    import wijkanalyse
    prof = wijkanalyse.profile("Angelslo", db="wijkanalyse.duckdb")
    frames = wijkanalyse.profile_frames(prof)   # DataFrames per section
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from wijkanalyse.model import Profile


def profile(query: str, *, gemeente: str | None = None, year: int | None = None,
            db: Any = None) -> Profile:
    """The wijkprofiel of a wijk, buurt, gemeente or area as plain data.

    See :func:`wijkanalyse.profiel.assemble.profile`; ``db`` defaults to ``WIJKANALYSE_DB`` or the
    per-user database.
    """
    from wijkanalyse.profiel.assemble import profile as _profile

    return _profile(query, gemeente=gemeente, year=year, db=db)


def profile_frames(prof: Profile) -> dict[Any, Any]:
    """The sections of a profile as pandas DataFrames (see
    :func:`wijkanalyse.profiel.assemble.profile_frames`)."""
    from wijkanalyse.profiel.assemble import profile_frames as _frames

    return _frames(prof)
