"""What the programme asks of the database: the wijk of a registration resolved to CBS codes
(the profile's resolver and ambiguity handling), inhabitants of the gemeente(n), the monitor's
trend class of the wijk, and the centroids of the gemeente boundaries (meeting spread).

The only module of the package that reads the database; it uses the public APIs of
:mod:`wijkanalyse.gebieden` and :mod:`wijkanalyse.monitor.trends`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.programma.model import Registration
from wijkanalyse.programma.registration import Resolution, Resolver

__all__ = ["centroids", "db_resolver", "gemeente_inwoners", "trend_class_of"]


def gemeente_inwoners(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> int | None:
    """Sum of the latest ``a_inw`` of the gemeenten (``None`` when one has no count)."""
    from wijkanalyse.gebieden.load import latest_densities

    if not codes:
        return None
    frame = latest_densities(con, list(codes))
    inw = frame[frame["indicator_id"] == "a_inw"].drop_duplicates("code")
    if set(inw["code"]) != set(codes):
        return None
    return int(round(float(inw["value"].sum())))


def trend_class_of(con: duckdb.DuckDBPyConnection, wijk_codes: Sequence[str]) -> str:
    """The monitor's trend class of the wijk(en) (Leefbaarometer), ``""`` without wijken."""
    from wijkanalyse.monitor.trends import classify_trends, lbm_series

    if not wijk_codes:
        return ""
    units = pd.DataFrame({"unit_id": ["u"], "wijk_codes": [list(wijk_codes)]})
    result = classify_trends(lbm_series(con, units), unit_ids=["u"])
    return str(result["class_id"].iloc[0]) if len(result) else ""


def db_resolver(con: duckdb.DuckDBPyConnection, *, with_trend: bool = True) -> Resolver:
    """A :data:`~wijkanalyse.programma.registration.Resolver` on this database.

    The gemeente (or each gemeente of a region) through
    :func:`wijkanalyse.gebieden.subjects.resolve_gemeente`; the wijk through
    :func:`wijkanalyse.gebieden.resolve_subject` within those gemeenten, so that a name that
    means several areas is refused with the candidates, as in the profile.
    """
    from wijkanalyse.gebieden import resolve_subject
    from wijkanalyse.gebieden.subjects import SubjectError, resolve_gemeente

    def resolve(gemeente: str, members: tuple[str, ...], wijk: str,
                given: tuple[str, ...]) -> Resolution:
        gm_codes: list[str] = []
        for name in members or (gemeente,):
            try:
                gm_codes.append(resolve_gemeente(con, name)[0])
            except SubjectError:
                if not members:
                    raise
        if not gm_codes:
            raise WijkanalyseError(f"Geen van de gemeenten van {gemeente} staat in de database.")
        wijk_codes: list[str] = list(given)
        note = "CBS-codes uit het bestand"
        if not given:
            found = []
            errors: list[SubjectError] = []
            for gm in gm_codes:
                try:
                    found.append(resolve_subject(con, wijk, gemeente=gm))
                except SubjectError as exc:
                    errors.append(exc)
            if not found:
                raise errors[0]
            if len(found) > 1:
                listed = "; ".join(f"{s.name} in {s.gemeente_name}" for s in found)
                raise WijkanalyseError(f"{wijk!r} is niet eenduidig binnen {gemeente}: "
                                       f"{listed}.")
            subject = found[0]
            wijk_codes = list(subject.members)
            note = (f"{subject.kind} {subject.name} ({', '.join(subject.members)})"
                    + (f"; {subject.resolution}" if subject.resolution else ""))
        wijken = [c for c in wijk_codes if c.startswith("WK")] or _containing(con, wijk_codes)
        return Resolution(tuple(gm_codes), tuple(wijk_codes), note,
                          gemeente_inwoners(con, gm_codes),
                          trend_class_of(con, wijken) if with_trend else "")

    return resolve


def _containing(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> list[str]:
    """The wijk codes of buurt codes (``BU0014 10 00`` -> ``WK0014 10``)."""
    return sorted({"WK" + c[2:8] for c in codes if c.startswith("BU") and len(c) == 10})


def centroids(con: duckdb.DuckDBPyConnection, regs: Sequence[Registration]
              ) -> dict[str, tuple[float, float]]:
    """Registration id -> centroid (RD New metres) of its gemeente boundary (latest year; a
    region: the centroid of its gemeenten together). Registrations without a boundary in the
    database are left out."""
    from shapely.ops import unary_union

    from wijkanalyse.gebieden.layers import gemeente_boundary

    cache: dict[str, Any] = {}
    out: dict[str, tuple[float, float]] = {}
    for r in regs:
        shapes = [s for s in (gemeente_boundary(con, gm, cache=cache)
                              for gm in r.gemeente_codes) if s is not None]
        if shapes:
            c = unary_union([s.geom for s in shapes]).centroid
            out[r.id] = (float(c.x), float(c.y))
    return out
