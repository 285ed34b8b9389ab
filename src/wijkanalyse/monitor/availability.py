"""Which data the database holds for each unit of a monitor set, per source, year and level.

:func:`data_availability` answers, for every unit of a :class:`wijkanalyse.gebieden.sets.MonitorSet`
and every source year and level the database holds for the set's gemeenten ("KWB 2017 ·
wijken", "Leefbaarometer 2002–2024 · wijken", "Grenzen 2024 · buurten"): are there figures (or
a boundary) for exactly this unit? The answer is one of:

``ja``
    every code of the unit at that level has at least one value;
``deels``
    some codes have values, others not (named in ``detail``);
``omvattend``
    the unit is made of buurten and the source has figures only for the wijk(en) it lies in,
    which are larger than the unit (the Leefbaarometer of a buurt);
``nee``
    none.

The codes asked for depend on the year. A unit of a YAML set (:mod:`wijkanalyse.gebieden.areasets`)
uses :meth:`~wijkanalyse.gebieden.areasets.SetArea.division` of the column's year: the 2017 column
of
"Amsterdam Bijlmer" looks for the 2017 codes WK036393 and WK036394, the 2024 column for the
seven wijken of 2024. A series without a year of its own (the Leefbaarometer, published on the
boundaries of its latest year) uses the division of its latest measurement year. A wijk unit
in a buurt column counts the buurten of that wijk that the database knows in that year.
Boundaries without a year (some municipal files) are matched on the codes of the unit's main
division; the column says that their year is unknown.

Columns in which no unit of the set has anything are left out and named in
:attr:`Availability.absent` ("wel in de database, niet voor deze set").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.codes import level_of, wijk_code_of
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden.areasets import Division, SetArea
from wijkanalyse.monitor import load

__all__ = ["STATUS_LABELS", "STATUSES", "Availability", "availability_from_frames",
           "data_availability"]

#: The statuses of a cell, best first.
STATUSES: tuple[str, ...] = ("ja", "deels", "omvattend", "nee")
#: Dutch words for the statuses (tables and Excel).
STATUS_LABELS: dict[str, str] = {"ja": "ja", "deels": "deels",
                                 "omvattend": "alleen omvattende wijk", "nee": "nee"}
#: Short Dutch names of the source kinds in column headers; other kinds use their name.
KIND_LABELS: dict[str, str] = {"kwb": "KWB", "leefbaarometer": "Leefbaarometer",
                               "ses": "SES-WOA", "boundaries": "Wijk- en Buurtkaart"}
_KIND_ORDER = ("kwb", "ses", "leefbaarometer", "boundaries")
_LEVELS = ("wijk", "buurt")
_PLURAL = {"wijk": "wijken", "buurt": "buurten"}
_GEOMETRY = "grens"


@dataclass
class Availability:
    """The data per unit of a set.

    Attributes
    ----------
    columns
        One row per source column, in report order: ``key``, ``kind`` (source kind, or
        ``"grens"`` for boundaries), ``year`` (``None`` for a series or an unknown year),
        ``years`` (measurement years of a series), ``level``, ``label`` (Dutch header, e.g.
        ``"KWB 2017 · wijken"``), ``base`` (the header without the level, ``"KWB 2017"``),
        ``source`` (citation), ``note`` (Dutch, may be empty) and
        ``n_ja``, ``n_deels``, ``n_omvattend``, ``n_nee`` (units per status).
    cells
        One row per unit and column: ``unit_id``, ``key``, ``status`` (:data:`STATUSES`),
        ``codes`` (the codes looked for), ``n_codes``, ``n_with_data``, ``n_indicators``
        (indicators with a value for at least one of the codes; boundaries 0), ``detail``
        (Dutch, e.g. ``"2 van 3 buurten; ontbreekt: BU03440221"``) and ``why`` for ``nee``:
        ``"gemeente"`` (the source has nothing of the unit's gemeente) or ``"gebied"`` (it has
        other areas of the gemeente, not these codes).
    missing
        Per ``unit_id`` one Dutch sentence on what is missing or only partly there.
    absent
        Dutch labels of source columns the database holds for the set's gemeenten but not for
        any of its units.
    """

    columns: pd.DataFrame
    cells: pd.DataFrame
    missing: dict[str, str] = field(default_factory=dict)
    absent: list[str] = field(default_factory=list)

    def status(self, unit_id: str, key: str) -> str:
        """The status of one cell (``KeyError`` when there is no such cell)."""
        hit = self.cells[(self.cells["unit_id"] == unit_id) & (self.cells["key"] == key)]
        if hit.empty:
            raise KeyError((unit_id, key))
        return str(hit["status"].iloc[0])

    def matrix(self, *, labels: bool = True) -> pd.DataFrame:
        """Units (rows, ``unit_id`` index, set order) by columns (headers), status per cell.

        Parameters
        ----------
        labels
            Dutch words (:data:`STATUS_LABELS`) instead of status codes.
        """
        if self.cells.empty:
            return pd.DataFrame(columns=list(self.columns["label"]))
        order = list(dict.fromkeys(self.cells["unit_id"]))
        wide = self.cells.pivot(index="unit_id", columns="key", values="status")
        wide = wide.reindex(index=order, columns=list(self.columns["key"]))
        wide.columns = list(self.columns["label"])
        return wide.replace(STATUS_LABELS) if labels else wide


# ------------------------------------------------------------------------------ helpers


def _listed(codes: Sequence[str], limit: int = 4) -> str:
    codes = list(codes)
    more = len(codes) - limit
    return ", ".join(codes[:limit]) + (f" en {more} andere" if more > 0 else "")


def _span(years: Sequence[int]) -> str:
    ys = sorted(set(years))
    return "" if not ys else (str(ys[0]) if len(ys) == 1 else f"{ys[0]}–{ys[-1]}")


def _unit_divisions(units: pd.DataFrame, areas: Mapping[str, SetArea]
                    ) -> dict[str, tuple[SetArea | None, Division]]:
    """Per unit its set entry (if any) and its main division (from the unit's codes)."""
    out: dict[str, tuple[SetArea | None, Division]] = {}
    for row in units.itertuples(index=False):
        uid = str(row.unit_id)
        entry = areas.get(uid)
        if entry is not None:
            out[uid] = (entry, entry.main_division)
            continue
        codes = tuple(str(c) for c in row.codes)
        level = level_of(codes[0]) if codes else str(row.level)
        year = getattr(row, "codes_year", None)
        year = None if year is None or pd.isna(year) else int(year)
        out[uid] = (None, Division(years=(), level=level, codes=codes, year=year))
    return out


def _division(entry: SetArea | None, main: Division, year: int | None) -> Division:
    return entry.division(year) if entry is not None else main


# ------------------------------------------------------------------------------ public API


def data_availability(con: duckdb.DuckDBPyConnection, units: pd.DataFrame,
                      areas: Mapping[str, SetArea] | None = None) -> Availability:
    """What the database holds for each unit, per source, year and level.

    Parameters
    ----------
    con
        A store connection (read-only is enough).
    units
        :attr:`wijkanalyse.gebieden.sets.MonitorSet.units` (``unit_id``, ``codes``, ``level``,
        ``gemeente_name`` and, when present, ``codes_year``).
    areas
        :attr:`wijkanalyse.gebieden.sets.MonitorSet.areas`: the set entries with their codes in
        other
        years; units without an entry use their own codes in every year.

    Returns
    -------
    Availability
    """
    areas = areas or {}
    obs, geo, known_buurten = load.availability_frames(con, _gemeente_numbers(units, areas))
    return availability_from_frames(units, areas, obs=obs, geo=geo, known_buurten=known_buurten)


def _gemeente_numbers(units: pd.DataFrame, areas: Mapping[str, SetArea]) -> list[str]:
    """The four-digit gemeente numbers of every code of the units in any division."""
    divisions = _unit_divisions(units, areas)
    all_codes = {c for entry, main in divisions.values()
                 for d in (entry.divisions() if entry else (main,)) for c in d.codes}
    return sorted({c[2:6] for c in all_codes})


def availability_from_frames(units: pd.DataFrame, areas: Mapping[str, SetArea], *,
                             obs: pd.DataFrame, geo: pd.DataFrame,
                             known_buurten: pd.DataFrame) -> Availability:
    """:func:`data_availability` from the frames of
    :func:`wijkanalyse.monitor.load.availability_frames`.

    Parameters
    ----------
    units, areas
        As for :func:`data_availability`.
    obs, geo, known_buurten
        Figures, boundaries and buurt codes of the units' gemeenten.

    Returns
    -------
    Availability
    """
    divisions = _unit_divisions(units, areas)
    gm_names = {str(r.gemeente_code): str(r.gemeente_name)
                for r in units.itertuples(index=False)
                if r.gemeente_code is not None and not pd.isna(r.gemeente_name)}
    buurten_by_year: dict[int, set[str]] = {}
    for y, c in zip(known_buurten["year"], known_buurten["code"], strict=True):
        buurten_by_year.setdefault(int(y), set()).add(str(c))

    columns = _columns(obs, geo)
    gemeente_of = {str(r.unit_id): ("" if r.gemeente_name is None or pd.isna(r.gemeente_name)
                                    else str(r.gemeente_name))
                   for r in units.itertuples(index=False)}
    cells: list[dict[str, Any]] = []
    for col in columns:
        covered: dict[str, int] = col.pop("_covered")
        pool = set(covered)
        if col["year"] is not None:
            pool |= buurten_by_year.get(int(col["year"]), set())
        ctx = _ColumnIndex(covered=covered, gms={c[2:6] for c in covered},
                           buurten_of=_by_wijk(c for c in pool if c.startswith("BU")))
        for uid, (entry, main) in divisions.items():
            cells.append({"unit_id": uid, "key": col["key"],
                          **_cell(col, ctx, entry, main, gm_names,
                                  gemeente=gemeente_of.get(uid, ""))})
    cell_frame = pd.DataFrame(cells, columns=["unit_id", "key", "status", "codes", "n_codes",
                                              "n_with_data", "n_indicators", "detail", "why"])
    col_frame = pd.DataFrame(columns, columns=["key", "kind", "year", "years", "level", "label",
                                               "base", "source", "note"])
    counts = (cell_frame.groupby(["key", "status"]).size().unstack(fill_value=0)
              if len(cell_frame) else pd.DataFrame())
    for status in STATUSES:
        col_frame[f"n_{status}"] = [int(counts.at[k, status]) if status in counts
                                    and k in counts.index else 0 for k in col_frame["key"]]
    used = col_frame[["n_ja", "n_deels", "n_omvattend"]].sum(axis=1) > 0
    absent = col_frame.loc[~used, "label"].tolist()
    col_frame = col_frame[used].reset_index(drop=True)
    cell_frame = cell_frame[cell_frame["key"].isin(col_frame["key"])].reset_index(drop=True)
    col_frame["year"] = col_frame["year"].astype("Int64")
    return Availability(columns=col_frame, cells=cell_frame,
                        missing=_missing_sentences(cell_frame, col_frame, list(divisions)),
                        absent=absent)


@dataclass
class _ColumnIndex:
    """What one source column holds: codes with data (-> number of indicators), the
    gemeenten (4 digits) among them, and its buurten per wijk code."""

    covered: dict[str, int]
    gms: set[str]
    buurten_of: dict[str, list[str]]


def _by_wijk(codes: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code in codes:
        wijk = wijk_code_of(code)
        if wijk:
            out.setdefault(wijk, []).append(code)
    return {w: sorted(cs) for w, cs in out.items()}


# ------------------------------------------------------------------------------ columns


def _level_label(level: str) -> str:
    return _PLURAL.get(level, level)


def _columns(obs: pd.DataFrame, geo: pd.DataFrame) -> list[dict[str, Any]]:
    """The candidate columns with, per column, the codes that have data (code -> n_ind)."""
    out: list[dict[str, Any]] = []
    if len(obs):
        obs = obs.assign(level=[level_of(c) for c in obs["code"]])
        for (kind, series), grp in obs.groupby(["kind", "series"], sort=False):
            name = KIND_LABELS.get(str(kind), str(kind).capitalize())
            labels = sorted({lab for labs in grp["labels"] for lab in labs})
            if series:
                years = sorted({int(y) for y in grp["year"]})
                for level, sub in grp.groupby("level", sort=False):
                    covered = sub.groupby("code")["n_ind"].max().astype(int).to_dict()
                    out.append({
                        "key": f"{kind}:reeks:{level}", "kind": str(kind), "year": None,
                        "years": years, "level": str(level),
                        "label": f"{name} {_span(years)} · {_level_label(str(level))}",
                        "base": f"{name} {_span(years)}",
                        "source": "; ".join(labels),
                        "note": (f"Reeks van {len(years)} metingen ({_span(years)}) op de "
                                 "indeling van het laatste meetjaar."),
                        "_covered": covered, "_order": (_kind_rank(kind), 0, level)})
                continue
            for (year, level), sub in grp.groupby(["year", "level"], sort=True):
                covered = sub.groupby("code")["n_ind"].max().astype(int).to_dict()
                sub_labels = sorted({lab for labs in sub["labels"] for lab in labs})
                out.append({
                    "key": f"{kind}:{int(year)}:{level}", "kind": str(kind), "year": int(year),
                    "years": [int(year)], "level": str(level),
                    "label": f"{name} {int(year)} · {_level_label(str(level))}",
                    "base": f"{name} {int(year)}",
                    "source": "; ".join(sub_labels), "note": "", "_covered": covered,
                    "_order": (_kind_rank(kind), int(year), level)})
    if len(geo):
        geo = geo.assign(level=[level_of(c) for c in geo["code"]])
        geo["_y"] = geo["year"].astype("Int64")
        for (year, level), sub in geo.groupby(["_y", "level"], dropna=False, sort=True):
            known = not pd.isna(year)
            labels = sorted({lab for labs in sub["labels"] for lab in labs if lab})
            out.append({
                "key": f"{_GEOMETRY}:{int(year) if known else 'onbekend'}:{level}",
                "kind": _GEOMETRY, "year": int(year) if known else None,
                "years": [int(year)] if known else [], "level": str(level),
                "label": (f"Grenzen {int(year) if known else 'zonder jaar'} · "
                          f"{_level_label(str(level))}"),
                "base": f"Grenzen {int(year) if known else 'zonder jaar'}",
                "source": "; ".join(labels),
                "note": "" if known else (
                    "Grenzen zonder jaar in de database; ze zijn gezocht op de codes van de "
                    "hoofdindeling van elk gebied, maar kunnen van een andere indeling zijn."),
                "_covered": dict.fromkeys(map(str, sub["code"]), 0),
                "_order": (len(_KIND_ORDER) + 1, int(year) if known else 9999, level)})
    out.sort(key=lambda c: (c["_order"][0], c["_order"][1],
                            _LEVELS.index(c["level"]) if c["level"] in _LEVELS else 9))
    for col in out:
        col.pop("_order")
    return out


def _kind_rank(kind: object) -> int:
    return _KIND_ORDER.index(str(kind)) if str(kind) in _KIND_ORDER else len(_KIND_ORDER)


# ------------------------------------------------------------------------------ cells


def _cell(col: dict[str, Any], index: _ColumnIndex, entry: SetArea | None, main: Division,
          gm_names: dict[str, str], *, gemeente: str) -> dict[str, Any]:
    """Status, codes and detail of one unit in one column."""
    covered = index.covered
    level = col["level"]
    if col["kind"] == _GEOMETRY and col["year"] is None:
        div = main
    elif col["year"] is None:  # a series: the division of its latest year
        div = _division(entry, main, max(col["years"]) if col["years"] else None)
    else:
        div = _division(entry, main, col["year"])
    year_text = f" (codes van {_span(div.years)})" if div.years else ""
    if div.level == level:
        wanted = list(div.codes)
    elif div.level == "wijk" and level == "buurt":
        wanted = sorted(b for w in div.codes for b in index.buurten_of.get(w, ()))
        if not wanted:
            why = "gemeente" if not (index.gms & {c[2:6] for c in div.codes}) else "gebied"
            return _result("nee", [], covered,
                           f"geen buurten van {_listed(div.codes)}{year_text} in deze bron",
                           why=why)
    else:  # a unit of buurten in a wijk column: only the wijk(en) around it
        wijken = sorted({w for w in map(wijk_code_of, div.codes) if w})
        have = [w for w in wijken if w in covered]
        if not have:
            why = "gemeente" if not (index.gms & {c[2:6] for c in wijken}) else "gebied"
            return _result("nee", wijken, covered,
                           f"ook niet voor de omvattende wijk{'en' if len(wijken) > 1 else ''} "
                           f"{_listed(wijken)}", why=why)
        part = "" if len(have) == len(wijken) else f" (van {len(have)} van de {len(wijken)})"
        return _result("omvattend", wijken, covered,
                       f"alleen de omvattende wijk{'en' if len(wijken) > 1 else ''} "
                       f"{_listed(have)}{part}")
    have = [c for c in wanted if c in covered]
    word = _level_label(level) if len(wanted) != 1 else level
    if wanted and len(have) == len(wanted):
        detail = (f"{len(wanted)} {word}" if div.level != level else "") + year_text
        return _result("ja", wanted, covered, detail.strip())
    if have:
        absent = [c for c in wanted if c not in covered]
        return _result("deels", wanted, covered,
                       f"{len(have)} van {len(wanted)} {_level_label(level)}; ontbreekt: "
                       f"{_listed(absent)}")
    mine = {c[2:6] for c in wanted}
    if not (index.gms & mine):
        where = gemeente or join_nl(sorted(gm_names.get(f"GM{g}", f"GM{g}") for g in mine))
        return _result("nee", wanted, covered, f"deze bron heeft niets van {where}",
                       why="gemeente")
    return _result("nee", wanted, covered,
                   f"niet voor {_listed(wanted)}{year_text} (wel voor andere gebieden van "
                   f"{gemeente or 'de gemeente'})", why="gebied")


def _result(status: str, codes: list[str], covered: dict[str, int], detail: str, *,
            why: str = "") -> dict[str, Any]:
    with_data = [c for c in codes if c in covered]
    return {"status": status, "codes": list(codes), "n_codes": len(codes),
            "n_with_data": len(with_data),
            "n_indicators": max((covered[c] for c in with_data), default=0),
            "detail": detail, "why": why}


# ------------------------------------------------------------------------------ sentences


def _grouped(keys: list[str], info: dict[str, tuple[str, str]]) -> str:
    """Column labels with the levels of one source year together: ``"KWB 2017 (wijken en
    buurten)"``; ``info`` maps key -> (base, level)."""
    groups: dict[str, list[str]] = {}
    for key in keys:
        base, level = info[key]
        groups.setdefault(base, []).append(_level_label(level))
    return join_nl([f"{base} ({join_nl(levels)})" for base, levels in groups.items()])


_SENTENCE_PARTS: tuple[tuple[Callable[[str, str], bool], str], ...] = (
    (lambda st, why: st == "nee" and why == "gebied",
     "Geen gegevens voor dit gebied (wel voor de gemeente)"),
    (lambda st, why: st == "nee" and why != "gebied", "Niet in de database voor deze gemeente"),
    (lambda st, why: st == "deels", "Deels"),
    (lambda st, why: st == "omvattend", "Alleen voor de omvattende wijk"),
)


def _missing_sentences(cells: pd.DataFrame, columns: pd.DataFrame,
                       unit_ids: list[str]) -> dict[str, str]:
    """Per unit one Dutch sentence: what is missing, partial, or only for the wijk around it."""
    info = {str(k): (str(b), str(lv)) for k, b, lv in
            zip(columns["key"], columns["base"], columns["level"], strict=True)}
    by_unit: dict[str, list[tuple[str, str, str]]] = {}
    for uid, key, status, why in zip(cells["unit_id"], cells["key"], cells["status"],
                                     cells["why"], strict=True):
        by_unit.setdefault(str(uid), []).append((str(key), str(status), str(why)))
    out: dict[str, str] = {}
    for uid in unit_ids:
        rows = by_unit.get(uid)
        if not rows:
            out[uid] = "De database heeft voor dit gebied geen gegevens in enige bron."
            continue
        parts = []
        for test, lead in _SENTENCE_PARTS:
            keys = [k for k, st, why in rows if test(st, why)]
            if keys:
                parts.append(f"{lead}: {_grouped(keys, info)}.")
        out[uid] = (" ".join(parts) if parts else
                    "Alle bronnen in dit overzicht hebben gegevens voor dit gebied.")
    return out
