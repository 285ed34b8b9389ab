"""What the lineage (issue 12) tells the subject resolver: CBS regions that are one area under
several codes through time become one candidate (the latest code), and the subject of a
renumbered region gets its earlier codes as divisions of their years, with the note for its
charts ("op de grenzen van 2024; 2017 omgerekend")."""

from __future__ import annotations

import weakref
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.candidates import Candidate
from wijkanalyse.model import Subject, SubjectDivision

#: Per connection: the lineage table and its whole renumberings, with the fingerprint of the
#: table they were read at (a changed lineage is read again).
_LINEAGE: weakref.WeakKeyDictionary[Any, tuple[Any, pd.DataFrame, Any]] = \
    weakref.WeakKeyDictionary()


def _lineage_links(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, Any]:
    """The lineage table and its :class:`~wijkanalyse.gebieden.lineage.WholeLinks`, read once
    per connection while the table stays the same (profiling every wijk resolves thousands
    of subjects)."""
    from wijkanalyse.gebieden import lineage

    key = load.lineage_fingerprint(con)
    try:
        cached = _LINEAGE.get(con)
    except TypeError:
        cached = None
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    table = load.read_lineage(con)
    links = lineage.whole_links(table)
    try:
        _LINEAGE[con] = (key, table, links)
    except TypeError:
        pass
    return table, links


def merge_lineage(con: duckdb.DuckDBPyConnection, cands: list[Candidate]) -> list[Candidate]:
    """CBS regions of one level that the lineage shows to be one area under several codes
    through time (a renumbering) are one candidate: the latest code (issue 12)."""
    regions = [c for c in cands if c.region is not None and c.area is None]
    if len(regions) < 2:
        return cands
    from wijkanalyse.gebieden import lineage

    by_level: dict[str, list[Candidate]] = {}
    for c in regions:
        by_level.setdefault(c.level, []).append(c)
    table, links = _lineage_links(con)
    drop: set[int] = set()
    for group in by_level.values():
        keep = lineage.same_area(table, [c.code for c in group], links=links)
        if keep is not None:
            drop.update(id(c) for c in group if c.code != keep)
    kept = [c for c in regions if id(c) not in drop]
    if len(kept) > 1:
        # a region of another level, known only before the others, with the same boundary
        # as the earliest of them (the 2015 buurt De Kolenkit is the wijk of 2016)
        for c in kept:
            codes = [c.code, *lineage.whole_predecessors(table, c.code, links=links)]
            # the first division year of the area (not the years of a series published on
            # a later division, like the Leefbaarometer's)
            mine = table[table["source_code"].isin(codes)]
            if mine.empty:
                continue
            first = int(mine["source_year"].min())
            for other in kept:
                if other is c or other.level == c.level or id(other) in drop:
                    continue
                if not other.years or max(other.years) >= first:
                    continue
                if lineage.same_boundary_across_levels(load.boundaries_of(
                        con, [other.code, *codes]), other.code, codes):
                    drop.add(id(other))
                    c.same_boundary.append(other)
    return [c for c in cands if id(c) not in drop]


def lineage_other_years(con: duckdb.DuckDBPyConnection, code: str) -> list[SubjectDivision]:
    """The earlier codes of a renumbered region (from the lineage), as divisions."""
    from wijkanalyse.gebieden import lineage

    table, links = _lineage_links(con)
    if table.empty:
        return []
    mine = table[table["target_code"] == code]
    latest = int(max([*mine["target_year"], *table.loc[table["source_code"] == code,
                                                       "source_year"]], default=0))
    level = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(code[:2], "wijk")
    return [SubjectDivision(years=years, level=level, members=[old], reason=note)
            for old, years, note in lineage.renumbered_divisions(table, code,
                                                                  latest_year=latest,
                                                                  links=links)]


def with_lineage(con: duckdb.DuckDBPyConnection, subject: Subject,
                 cand: Candidate | None = None) -> Subject:
    """``subject`` (a CBS wijk or buurt without shipped other years) with its earlier codes
    from the lineage, and the regions of another level with the same boundary that ``cand``
    absorbed (:func:`merge_lineage`)."""
    if subject.other_years or subject.kind not in ("wijk", "buurt"):
        return subject
    subject.other_years = lineage_other_years(con, subject.id)
    if cand is None:
        return subject
    for other in cand.same_boundary:
        latest = max(y for d in subject.other_years for y in d.years) \
            if subject.other_years else max(cand.years)
        subject.other_years.append(SubjectDivision(
            years=sorted(other.years), level=other.level, members=[other.code],
            reason=f"op de grenzen van {max(cand.years)}; "
                   f"{', '.join(str(y) for y in sorted(other.years))} omgerekend "
                   f"({other.code} → {subject.id}: {other.level} van toen, zelfde "
                   f"grens als in {latest if latest < min(cand.years) else ''})"
                   .replace(" als in )", ")")))
    return subject
