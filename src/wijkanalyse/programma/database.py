"""What the programme asks of the database: the wijk of a registration resolved to CBS codes
(the profile's resolver and ambiguity handling), inhabitants of the gemeente(n), the monitor's
trend class of the wijk, and the centroids of the gemeente boundaries (meeting spread).

The only module of the package that reads the database; it uses the public APIs of
:mod:`wijkanalyse.gebieden` and :mod:`wijkanalyse.monitor.trends`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.model import Subject
from wijkanalyse.programma.model import Registration
from wijkanalyse.programma.registration import Resolution, Resolver

__all__ = ["centroids", "complete_from_database", "db_resolver", "gemeente_inwoners",
           "known_kennis_ids",
           "trend_classes", "wijk_codes_of", "with_gemeente_codes"]


def _latest_counts(con: duckdb.DuckDBPyConnection, codes: Sequence[str]
                   ) -> dict[str, tuple[int, float]]:
    """Code -> (year, a_inw) of its latest count."""
    if not codes:
        return {}
    rows = con.execute(
        """SELECT code, year, value FROM observation
           WHERE indicator_id = 'a_inw' AND code IN (SELECT unnest(?)) AND value IS NOT NULL
           QUALIFY row_number() OVER (PARTITION BY code ORDER BY year DESC) = 1""",
        [list(codes)]).fetchall()
    return {str(r[0]): (int(r[1]), float(r[2])) for r in rows}


def _sum_latest(counts: Sequence[tuple[int, float]]) -> int | None:
    if not counts:
        return None
    latest = max(y for y, _ in counts)
    return int(round(sum(v for y, v in counts if y == latest)))


def gemeente_inwoners(con: duckdb.DuckDBPyConnection, codes: Sequence[str]) -> int | None:
    """Inhabitants (``a_inw``) of the gemeenten together, in the latest year any of them has a
    count; gemeenten that no longer exist then (Nuth, Onderbanken: merged into Beekdaelen in
    2019) are not counted. ``None`` when none has a count."""
    return _sum_latest(list(_latest_counts(con, codes).values()))


def trend_classes(con: duckdb.DuckDBPyConnection, wijken: Mapping[str, Sequence[str]]
                  ) -> dict[str, str]:
    """The monitor's trend class (Leefbaarometer) per key, from its wijk codes, in one pass;
    keys without wijk codes are left out."""
    from wijkanalyse.monitor.trends import classify_trends, lbm_series

    keys = [k for k, codes in wijken.items() if codes]
    if not keys:
        return {}
    units = pd.DataFrame({"unit_id": keys, "wijk_codes": [list(wijken[k]) for k in keys]})
    result = classify_trends(lbm_series(con, units), unit_ids=keys)
    return {str(u): str(c) for u, c in zip(result["unit_id"], result["klasse"], strict=True)}


def wijk_codes_of(codes: Sequence[str]) -> list[str]:
    """The wijken of CBS codes: wijk codes as they are, buurt codes to their wijk
    (``BU00141000`` -> ``WK001410``)."""
    return sorted({c if c.startswith("WK") else "WK" + c[2:8] for c in codes
                   if c.startswith("WK") or (c.startswith("BU") and len(c) == 10)})


def complete_from_database(con: duckdb.DuckDBPyConnection, regs: Sequence[Registration]
                           ) -> list[Registration]:
    """The registrations with what the database knows filled in where it is missing: GM codes
    (:func:`with_gemeente_codes`), inhabitants of the gemeente(n) and the trend class of the
    wijk (one pass of the monitor for all)."""
    regs = with_gemeente_codes(con, regs)
    classes = trend_classes(con, {r.id: wijk_codes_of(r.wijk_codes) for r in regs
                                  if not r.trend_class})
    counts = _latest_counts(con, sorted({c for r in regs if r.inwoners is None
                                         for c in r.gemeente_codes}))
    out = []
    for r in regs:
        inw = r.inwoners if r.inwoners is not None else _sum_latest(
            [counts[c] for c in r.gemeente_codes if c in counts])
        out.append(dataclasses.replace(r, inwoners=inw,
                                       trend_class=r.trend_class or classes.get(r.id, "")))
    return out


def db_resolver(con: duckdb.DuckDBPyConnection) -> Resolver:
    """A :data:`~wijkanalyse.programma.registration.Resolver` on this database.

    The gemeente (or each gemeente of a region) through
    :func:`wijkanalyse.gebieden.subjects.resolve_gemeente`; the wijk through
    :func:`wijkanalyse.gebieden.resolve_subject` within those gemeenten, so that a name that
    means several areas is refused with the candidates, as in the profile. Inhabitants and
    trend classes are filled in afterwards, for all registrations at once
    (:func:`complete_from_database`).
    """
    from wijkanalyse.gebieden.subjects import resolve_gemeente
    from wijkanalyse.programma.regions import load_regions

    def resolve(gemeente: str, members: tuple[str, ...], wijk: str,
                given: tuple[str, ...]) -> Resolution:
        gm_codes = list(load_regions().region_gm_codes(gemeente))
        if not gm_codes:
            from_codes = sorted({"GM" + c[2:6] for c in given if len(c) >= 6})
            gm_codes = from_codes if len(from_codes) == 1 else [
                resolve_gemeente(con, gemeente)[0]]
        wijk_codes: list[str] = list(given)
        note = "CBS-codes uit het bestand"
        if not given:
            subject = _wijk_subject(con, wijk, gemeente, gm_codes)
            wijk_codes = list(subject.members)
            note = (f"{subject.kind} {subject.name} ({', '.join(subject.members)})"
                    + (f"; {subject.resolution}" if subject.resolution else ""))
        return Resolution(tuple(gm_codes), tuple(wijk_codes), note)

    return resolve


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


def _wijk_subject(con: duckdb.DuckDBPyConnection, wijk: str, gemeente: str,
                  gm_codes: Sequence[str]) -> Subject:
    """The wijk within one gemeente, or within the gemeenten of a region: asked once without
    a gemeente, then narrowed to the region's gemeenten (one more question at most)."""
    from wijkanalyse.gebieden import resolve_subject
    from wijkanalyse.gebieden.subjects import AmbiguousSubjectError

    if len(gm_codes) == 1:
        return resolve_subject(con, wijk, gemeente=gm_codes[0])
    try:
        subject = resolve_subject(con, wijk)
    except AmbiguousSubjectError as exc:
        inside = sorted({str(c["gemeente_code"]) for c in exc.candidates
                         if c.get("gemeente_code") in gm_codes})
        if len(inside) != 1:
            if inside:
                raise WijkanalyseError(f"{wijk!r} is niet eenduidig binnen {gemeente}: ligt in "
                                       + ", ".join(inside) + ".") from exc
            raise
        return resolve_subject(con, wijk, gemeente=inside[0])
    if subject.gemeente_code not in gm_codes:
        raise WijkanalyseError(f"{wijk!r} ligt in {subject.gemeente_name}, niet in {gemeente}.")
    return subject


def with_gemeente_codes(con: duckdb.DuckDBPyConnection, regs: Sequence[Registration]
                        ) -> list[Registration]:
    """The registrations, those without GM codes (imported without a database) completed from
    their gemeente or the gemeenten of their region; names the database does not know are
    skipped."""
    from wijkanalyse.gebieden.subjects import SubjectError, resolve_gemeente
    from wijkanalyse.programma.regions import load_regions

    out = []
    for r in regs:
        if not r.gemeente_codes:
            codes = load_regions().region_gm_codes(r.gemeente)
            if not codes:
                try:
                    codes = (resolve_gemeente(con, r.gemeente)[0],)
                except SubjectError:
                    codes = ()
            r = dataclasses.replace(r, gemeente_codes=tuple(codes))
        out.append(r)
    return out


def known_kennis_ids(con: duckdb.DuckDBPyConnection | None) -> set[str]:
    """The ids of the kennisdossier: the current interventions in the database, or the shipped
    ones when there is no database (``con`` None)."""
    if con is None:
        from wijkanalyse.kennis.files import shipped_files

        return {p.stem for p in shipped_files()}
    from wijkanalyse.kennis import all_interventions

    return {iv.id for iv in all_interventions(con)}
