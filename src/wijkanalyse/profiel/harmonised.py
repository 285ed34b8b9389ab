"""Earlier years of a wijk or buurt on the boundaries of the latest year (issue 12, item 2).

For a subject of one CBS code of the lineage's latest year, :func:`harmonised_cells` moves
the figures of earlier years onto that code's latest boundary with
:func:`wijkanalyse.gebieden.harmonise.harmonise` (counts with the lineage weights, rates from
moved numerators and bases). A year whose chain is the same code with weight 1 keeps its own
cells untouched; a year whose target is incomplete loses the figures published under the code
(they are of another area) and is named in ``missing``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden.harmonise import chains, harmonise
from wijkanalyse.profiel.cells import LBM_INDICATORS, _Cell, _Row, _Table


@dataclass
class Harmonised:
    """What the lineage changed in a profile's cells."""

    latest: int = 0
    moved_years: dict[int, list[str]] = field(default_factory=dict)  # year -> source codes
    dropped_years: list[int] = field(default_factory=list)  # figures that could not move
    own_dropped: list[int] = field(default_factory=list)  # ... and the code's own, left out
    unsure_years: list[int] = field(default_factory=list)


def unchanged(code: str, into: Iterable[tuple[int, str, str, float | None]]) -> bool:
    """Whether every link into ``code`` and its predecessors is the same code with weight 1
    (the area kept its boundary: nothing to harmonise).

    Parameters
    ----------
    code
        The subject's CBS code.
    into
        ``(source_year, source_code, target_code, weight)`` of the links into ``code`` through
        all years (:func:`wijkanalyse.profiel.load.lineage_into`).

    Returns
    -------
    bool
        True also without any link (no lineage for the code).
    """
    seen: set[int] = set()
    for year, source, target, weight in into:
        if source != code or target != code or weight is None or abs(weight - 1.0) > 1e-9 \
                or year in seen:
            return False
        seen.add(year)
    return True


def harmonised_cells(code: str, latest: int, lineage: pd.DataFrame, rows: Sequence[_Row],
                     area: _Table, member_rows: list[_Row], catalogue: Catalogue
                     ) -> Harmonised:
    """Put the earlier years of ``code`` on its boundary of ``latest`` (in place).

    Parameters
    ----------
    code
        The subject's CBS code (of ``latest``).
    latest
        The lineage's latest boundary year.
    lineage
        The lineage rows around ``code`` (:func:`wijkanalyse.profiel.load.lineage_around`).
    rows
        Observation rows of the source regions (all years).
    area, member_rows
        The subject's cells and rows (changed in place).
    catalogue
        The indicator catalogue.

    Returns
    -------
    Harmonised
        The moved years with their source codes, the years left out and the years resting on
        an ``onzeker`` link.
    """
    out = Harmonised(latest=latest)
    if lineage.empty:
        return out
    ch = chains(lineage, target_year=latest)
    mine = ch[(ch["target_code"] == code) & (ch["year"] < latest)]
    if mine.empty:
        return out
    # only the parts of ``code`` need figures; the chains kept are theirs (whole or not) and
    # the ones that tell harmonise where a region was lost (incomplete chains, gemeenten)
    wanted = {(int(y), str(c)) for y, c in zip(mine["year"], mine["code"], strict=True)}
    keep = pd.Series([(int(y), str(c)) in wanted for y, c in
                      zip(ch["year"], ch["code"], strict=True)], index=ch.index)
    ch = ch[keep | ~ch["complete"] | ch["code"].astype(str).str.startswith("GM")]
    use = [r for r in rows if (r.year, r.code) in wanted and r.year < latest
           and r.indicator_id not in LBM_INDICATORS and r.source_kind == "kwb"]
    if not use:
        return out
    values = pd.DataFrame({"indicator_id": [r.indicator_id for r in use],
                           "year": [r.year for r in use], "code": [r.code for r in use],
                           "value": [float("nan") if r.value is None else r.value
                                     for r in use]})
    values = values.drop_duplicates(["indicator_id", "year", "code"])
    res = harmonise(values, lineage, target_year=latest, catalogue=catalogue, chain_table=ch)
    res = res[(res["code"] == code) & (res["year"] < latest)]
    sids: dict[int, tuple[str, ...]] = {}
    for r in use:
        sids[r.year] = tuple(dict.fromkeys([*sids.get(r.year, ()), r.source_id]))
    own_years = {r.year for r in member_rows}
    for year, part in res.groupby("year"):
        y = int(year)
        if not part["moved"].any():
            continue  # the same code with weight 1: its own figures stay
        if not part["complete"].all():
            out.dropped_years.append(y)
            if y in own_years:
                out.own_dropped.append(y)
            for key in [k for k in area if k[1] == y and k[0] not in LBM_INDICATORS]:
                del area[key]
            member_rows[:] = [r for r in member_rows if r.year != y]
            continue
        parts = sorted(mine.loc[mine["year"] == y, "code"].astype(str))
        unsure = bool(part["onzeker"].any())
        text = f"omgerekend naar de grenzen van {latest} uit {', '.join(parts)}"
        if unsure:
            text += " (onzeker: berust op een onzekere koppeling van de indeling)"
            out.unsure_years.append(y)
        for key in [k for k in area if k[1] == y and k[0] not in LBM_INDICATORS]:
            del area[key]
        member_rows[:] = [r for r in member_rows if r.year != y]
        for ind, value in zip(part["indicator_id"], part["value"], strict=True):
            v = None if pd.isna(value) else float(value)
            area[(str(ind), y)] = _Cell(v, True, None if v is not None else "ontbreekt",
                                        sids.get(y, ()), derived=text)
            member_rows.append(_Row(str(ind), y, code, v, None,
                                    sids.get(y, ("",))[0], "kwb"))
        out.moved_years[y] = parts
    return out


def harmonised_missing(h: Harmonised, code: str) -> list[str]:
    """The Dutch statements of the years that could not be put on the latest boundaries."""
    if not h.dropped_years:
        return []
    text = (f"{join_nl(sorted(h.dropped_years))}: niet om te rekenen naar de grenzen van "
            f"{h.latest} (de indeling van toen is niet volledig bekend: niet elk gebied van "
            f"toen is aan een gebied van {h.latest} te koppelen).")
    if h.own_dropped:
        text += (f" De cijfers van {join_nl(sorted(h.own_dropped))} onder code {code} zijn "
                 "van een ander gebied en weggelaten.")
    return [text]


def moved_sources(h: Harmonised) -> Mapping[int, list[str]]:
    """Per moved year its source codes."""
    return dict(h.moved_years)
