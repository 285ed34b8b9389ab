"""Segregatie en menging: how unevenly groups are spread over a gemeente's buurten or wijken,
how that changes, where groups concentrate, and how mixed the housing stock is.

The groups come from the ``observation`` view as *counts* per unit (buurt or wijk) and year: a
group count ``x`` and the total ``t`` it is part of (:data:`GROUPS`, the one table of group
definitions). Shares in the data (low incomes, tenure) are turned into counts as
``share × total / 100`` and are called *afgeleid* (derived) wherever they are shown. The
indices themselves are the vectorised functions of :mod:`wijkanalyse.segregatie.indices`;
this module assembles their input for all gemeenten × years of a group at once (one call per
index with a partition id ``by`` per unit) and turns the results into long tables:

* :func:`segregation_table` — one row per gemeente × year × group × index (the csv/json form);
* :func:`local_table` — per unit: location quotient, local entropy and the concentration flag;
* :func:`change_table` — change of D and H between two years with the Shapley split into a
  compositional and a redistribution part, on the units present in both years;
* :func:`housing_mix` and :func:`housing_spread` — tenure shares, tenure diversity and
  *corporatiebuurten* per unit, and the gemeente's spread;
* :func:`segregatie` — all of it for one gemeente as a :class:`SegregationResult`;
* :func:`profile_section` — the figures of one neighbourhood for the wijkprofiel.

Units whose counts are suppressed or missing (CBS ``.``/``x``, or no value in the source) and
units with a total of zero are counted per partition with
:func:`~wijkanalyse.segregatie.indices.validity` and named in the ``note`` of each row; an index
that cannot be computed is ``NaN`` with the reason in the note, never a silent number.

This module holds the analysis of one gemeente (:func:`segregatie`); the parts are in their own
modules: definitions (``groups``), queries (``load``), loaded data and counts (``data``), the
tables (``tables``, ``local``, ``change``, ``housing``), the profile section (``section``),
rendering (``render``, ``charts``: HTML with inline SVG charts) and writing (``export``: PDF,
Excel, csv, json; :func:`write_outputs`).
"""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import count_text, join_nl, year_list
from wijkanalyse.segregatie.change import _change_rows
from wijkanalyse.segregatie.data import _Data, _indicators_of
from wijkanalyse.segregatie.groups import (
    _GROUP_BY_ID,
    _PLURAL,
    _TENURE_ALL,
    FAMILIES,
    GroupDef,
    _check_groups,
    _check_level,
    _check_years,
)
from wijkanalyse.segregatie.housing import _housing_rows, housing_spread
from wijkanalyse.segregatie.load import (
    _gemeente_tenure,
    _lineage,
    _load,
    _numerator_years,
    _source_rows,
    _tenure_availability,
    resolve_gemeente,
)
from wijkanalyse.segregatie.local import _local_rows
from wijkanalyse.segregatie.tables import _derivation_text, _index_rows
from wijkanalyse.segregatie.woonvormen import SPECIAL_INDICATORS, special_housing, without_units

# one gemeente


@dataclass
class SegregationResult:
    """Everything :func:`segregatie` computes for one gemeente.

    Attributes
    ----------
    gemeente_code, gemeente_name, level, year
        What was asked (``year`` None: all years).
    indices
        :func:`segregation_table` for the gemeente (columns :data:`INDEX_COLUMNS`).
    local
        :func:`local_table` (columns :data:`LOCAL_COLUMNS`) plus ``special_housing``: the
        kind of special-purpose housing of the unit (``""`` for none).
    change
        :func:`change_table` (columns :data:`CHANGE_COLUMNS`).
    housing_mix, housing_spread
        :func:`housing_mix` and :func:`housing_spread`.
    groups
        :func:`group_table`: the group definitions with the years they exist for the gemeente.
    notes
        Dutch statements of what is missing or derived.
    sources
        The sources used: label (the citation), file, CBS table and year.
    special
        :func:`~wijkanalyse.segregatie.woonvormen.special_housing`: the units dominated by
        special-purpose housing (student housing, institutions), per year.
    without_special
        Whether those units were left out of the indices, the local figures and the change
        (``--zonder-bijzondere-woonvormen``).
    """

    gemeente_code: str
    gemeente_name: str
    level: str
    year: int | None
    indices: pd.DataFrame
    local: pd.DataFrame
    change: pd.DataFrame
    housing_mix: pd.DataFrame
    housing_spread: pd.DataFrame
    groups: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)
    special: pd.DataFrame = field(default_factory=pd.DataFrame)
    without_special: bool = False


def group_table(groups: Iterable[str] | str | None = None) -> pd.DataFrame:
    """The group definitions (:data:`GROUPS`) as a table with Dutch derivation texts."""
    return pd.DataFrame([{
        "group": g.id, "group_label": g.label, "family": g.family,
        "family_label": FAMILIES[g.family].label, "numerator": ", ".join(g.numerator),
        "total": g.total, "derivation": g.derivation, "how": _derivation_text(g),
        "counted": g.counted} for g in _check_groups(groups)])


def _analyse(con: duckdb.DuckDBPyConnection, code: str, *, year: int | None, level: str,
             groups: Sequence[GroupDef], without_special: bool = False) -> SegregationResult:
    full = _load(con, level=level, gemeente_codes=[code], years=None,
                 indicators=_indicators_of(groups) | set(_TENURE_ALL)
                 | set(SPECIAL_INDICATORS))
    gname = full.gemeente_names.get(code, code)
    special = special_housing(full, code)
    if year is not None:
        special = special[special["year"] == year].reset_index(drop=True)
    data = without_units(full, special) if without_special else full
    year_data = data.only_year(year)
    indices = _index_rows(year_data, groups)
    local = _local_rows(data, code, groups, year)
    local["special_housing"] = _special_column(local, special)
    data.lineage = _lineage(con)  # the change table on harmonised counts (issue 12)
    change = _change_rows(data, groups, end_year=year)
    mix = _housing_rows(full, code, year)
    spread = housing_spread(mix, gemeente_shares=_gemeente_tenure(con, code))
    notes = _notes(con, data, code, gname, level=level, year=year, groups=groups,
                   indices=indices, mix=mix)
    notes.extend(_special_notes(special, level=level, without_special=without_special))
    used = set(data.long.loc[data.long["value"].notna()
                             & (year is None or data.long["year"] == year), "source_id"])
    sources = _source_rows(con, used)
    gtab = group_table([g.id for g in groups])
    years_of = _years_per_group(data, groups)
    gtab["years"] = gtab["group"].map(lambda gid: year_list(years_of.get(gid, [])) or "–")
    gtab["definition"] = gtab["group"].map(lambda gid: _GROUP_BY_ID[gid].definition)
    return SegregationResult(
        gemeente_code=code, gemeente_name=gname, level=level, year=year, indices=indices,
        local=local, change=change, housing_mix=mix, housing_spread=spread, groups=gtab,
        notes=notes, sources=sources, special=special, without_special=without_special)


def _special_column(local: pd.DataFrame, special: pd.DataFrame) -> list[str]:
    """Per row of the local table the kind of special-purpose housing of its unit ("")."""
    kinds = {(int(y), str(c)): str(k) for y, c, k in zip(special["year"], special["code"],
                                                         special["kind"], strict=True)}
    return [kinds.get((int(y), str(c)), "") for y, c in zip(local["year"], local["code"],
                                                            strict=True)]


def _special_notes(special: pd.DataFrame, *, level: str, without_special: bool) -> list[str]:
    if special.empty:
        return []
    notes = []
    for y, part in special.groupby("year", sort=True):
        names = join_nl([f"{n} ({k})" for n, k in zip(part["name"], part["kind"],
                                                        strict=True)])
        what = count_text(len(part), level, _PLURAL[level])
        if without_special:
            notes.append(f"{y}: {what} met vooral bijzondere woonvormen weggelaten uit de "
                         f"indexen, concentraties en verandering: {names}.")
        else:
            notes.append(f"{y}: {what} met vooral bijzondere woonvormen (gemarkeerd; weglaten "
                         f"met --zonder-bijzondere-woonvormen): {names}.")
    return notes


def _years_per_group(data: _Data, groups: Sequence[GroupDef]) -> dict[str, list[int]]:
    out = {}
    for g in groups:
        ys = None
        for ind in g.numerator:
            got = set(data.present(ind)["year"].astype(int))
            ys = got if ys is None else ys & got
        out[g.id] = sorted(ys or [])
    return out


def _notes(con: duckdb.DuckDBPyConnection, data: _Data, code: str, gname: str, *, level: str,
           year: int | None, groups: Sequence[GroupDef], indices: pd.DataFrame,
           mix: pd.DataFrame) -> list[str]:
    notes: list[str] = []
    years_of = _years_per_group(data, groups)
    for fam in FAMILIES.values():
        members = [g for g in groups if g.family == fam.id]
        if not members:
            continue
        ys = sorted({y for g in members for y in years_of[g.id]})
        if not ys:
            what = ("eigendom van woningen (corporatie, overige verhuur, koop)"
                    if fam.id == "woningvoorraad" else fam.label.lower())
            text = f"Geen cijfers over {what} voor {gname} op {level}niveau in de database."
            if fam.id == "woningvoorraad":
                text += (" Op dit niveau staan ze alleen in de database voor "
                         f"{_tenure_availability(con, level)}.")
            notes.append(text)
            continue
        span = year_list(ys) if year is None else str(year)
        if year is not None and year not in ys:
            notes.append(f"{fam.label}: geen cijfers voor {year}; wel voor {year_list(ys)}.")
        elif fam.id in ("herkomst", "migratieachtergrond"):
            notes.append(f"{fam.label}: cijfers voor {span}. {fam.note}")
        elif fam.note and any(g.derived for g in members):
            notes.append(f"{fam.label} ({span}): {fam.note}")
    if not indices.empty:
        for r in indices.drop_duplicates(["group", "year"]).itertuples(index=False):
            parts = str(r.note).split("; ")
            if r.value != r.value:  # NaN: the reason is the last part of the note
                notes.append(f"{r.group_label} {r.year}: {parts[-1]}.")
            else:
                notes.extend(f"{r.group_label} {r.year}: {p}." for p in parts
                             if "weggelaten" in p)
    if mix.empty and any(g.family == "woningvoorraad" for g in groups) and year is not None:
        notes.append(f"Geen cijfers over eigendom van woningen voor {gname} in {year}.")
    return list(dict.fromkeys(notes))


def segregatie(
    gemeente: str,
    *,
    year: int | None = None,
    level: str = "buurt",
    db: str | Path | duckdb.DuckDBPyConnection | None = None,
    groups: Iterable[str] | str | None = None,
    without_special: bool = False,
) -> SegregationResult:
    """Segregation and housing-stock mix of one gemeente, as DataFrames.

    Parameters
    ----------
    gemeente
        Name or code (``"Den Haag"``, ``"'s-Gravenhage"``, ``"GM0518"``).
    year
        One year; all years (series and changes) when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    db
        Database path or an open connection (default ``WIJKANALYSE_DB`` or the per-user
        database).
    groups
        Group or family ids; all when ``None``.
    without_special
        Leave the units dominated by special-purpose housing (student housing,
        institutions; :func:`~wijkanalyse.segregatie.woonvormen.special_housing`) out of the
        indices, the local figures and the change; they are flagged either way.

    Returns
    -------
    SegregationResult

    Raises
    ------
    WijkanalyseError
        No database, unknown gemeente, level or group, or no figures at all for the gemeente
        (at this level and year).
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    yr = None if year is None else _check_years(year)[0]  # type: ignore[index]
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _analyse_checked(db, gemeente, year=yr, level=lvl, groups=chosen,
                                without_special=without_special)
    from wijkanalyse import store
    from wijkanalyse.settings import resolve_settings

    settings = resolve_settings(db=db)
    with store.reading(settings.db_path) as con:
        return _analyse_checked(con, gemeente, year=yr, level=lvl, groups=chosen,
                                without_special=without_special)


def _analyse_checked(con: duckdb.DuckDBPyConnection, gemeente: str, *, year: int | None,
                     level: str, groups: Sequence[GroupDef],
                     without_special: bool = False) -> SegregationResult:
    code, name = resolve_gemeente(con, gemeente)
    numerators = sorted({i for g in groups for i in g.numerator})
    years = _numerator_years(con, code, level, numerators)
    if not years or (year is not None and year not in years):
        where = f" in {year}" if year is not None else ""
        message = f"Geen cijfers over groepen per {level} voor {name}{where} in de database."
        if years:
            message += f" Wel voor {year_list(years)}: kies een van die jaren met --jaar."
        elif level == "buurt":
            message += " Probeer --niveau wijk, of laad de gegevens met 'wijkanalyse data build'."
        raise WijkanalyseError(message)
    return _analyse(con, code, year=year, level=level, groups=groups,
                    without_special=without_special)


# ------------------------------------------------------------------------------------------
