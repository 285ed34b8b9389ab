"""The index of units read from the database: base year, references, values, domains."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.fmt import nl_number
from wijkanalyse.monitor import load
from wijkanalyse.monitor.composite.compute import (
    aggregate_unit_values,
    combine_scores,
    compute_references,
    score_values,
    unit_members,
)
from wijkanalyse.monitor.composite.config import (
    _PREFIX,
    NATIONAL_CODE,
    REFERENCE_COLUMNS,
    CompositeConfig,
    _config,
)
from wijkanalyse.monitor.composite.single import single_member_values


def _needed_indicators(cfg: CompositeConfig, catalogue: Catalogue) -> list[str]:
    """The configured indicators, their bases and ``a_inw``."""
    ids = cfg.indicator_ids
    bases = [b for i in ids if (b := catalogue[i].base)]
    return list(dict.fromkeys([*ids, *bases, "a_inw"]))


def index_references(
    con: duckdb.DuckDBPyConnection,
    *,
    level: str,
    base_year: int,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """Reference and spread of every configured indicator for a level and base year.

    Reads the base year's national row and all regions of the level from the database and
    calls :func:`compute_references` (see there for the columns).
    """
    cfg = _config(config)
    return _references_of_years(con, level=level, years=[int(base_year)], config=cfg)[
        int(base_year)]


def _references_of_years(con: duckdb.DuckDBPyConnection, *, level: str, years: Sequence[int],
                         config: CompositeConfig) -> dict[int, pd.DataFrame]:
    """:func:`index_references` of ``level`` for every year of ``years``, one year read at a
    time (all regions of a level in all years at once are most of the index's memory)."""
    cat = load_catalogue()
    if level not in _PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    needed = _needed_indicators(config, cat)
    out = {}
    for year in years:
        values = load.indicator_values(con, codes=None, prefix=_PREFIX[level],
                                       indicator_ids=needed, years=[int(year)],
                                       national_code=NATIONAL_CODE)
        out[int(year)] = compute_references(values, level=level, base_year=int(year),
                                            config=config, catalogue=cat)
    return out


def default_base_year(
    con: duckdb.DuckDBPyConnection,
    *,
    levels: Sequence[str],
    config: CompositeConfig | str | Path | None = None,
) -> int | None:
    """The default base year (see the module docstring); ``None`` when no year qualifies.

    Parameters
    ----------
    levels
        The levels of the units (the counts are summed over the levels).
    """
    return _base_year_and_references(con, levels=levels, config=_config(config))[0]


def _base_year_and_references(
    con: duckdb.DuckDBPyConnection, *, levels: Sequence[str], config: CompositeConfig,
) -> tuple[int | None, pd.DataFrame | None]:
    """:func:`default_base_year` and the references of that year for ``levels`` (sorted, as
    :func:`composite_index` concatenates them), so they are not computed twice."""
    cfg = config
    lv = sorted(set(levels))
    for level in lv:
        if level not in _PREFIX:
            raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    if not lv:
        return None, None
    years = load.years_with_regions(con, indicator_ids=cfg.indicator_ids,
                                    prefixes=[_PREFIX[lvl] for lvl in lv],
                                    min_regions=cfg.min_regions)
    if not years:
        return None, None
    best: tuple[int, int, int, int] | None = None
    per_level = [_references_of_years(con, level=lvl, years=years, config=cfg) for lvl in lv]
    for year in years:
        refs = pd.concat([of_level[int(year)] for of_level in per_level])
        usable = refs[refs["usable"]]
        key = (int((usable["reference_kind"] == "nationaal").sum()),
               int(usable.groupby("level")["domain"].nunique().sum()), len(usable), int(year))
        if key[2] and (best is None or key > best):
            best = key
    if best is None:
        return None, None
    return best[3], pd.concat([of_level[best[3]] for of_level in per_level], ignore_index=True)


# --------------------------------------------------------------------------- unit values


def unit_values(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The values of the configured indicators for every unit and year.

    Members are aggregated with :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (strict: a
    member without a value makes the value missing, and ``reason`` says why).

    Returns
    -------
    pandas.DataFrame
        ``unit_id, level, indicator_id, year, value, complete, reason, source`` for every
        unit, configured indicator and year in which at least one member has a row.
    """
    cfg = _config(config)
    cat = load_catalogue()
    members, levels = unit_members(units)
    # units of one member are that member (read as numbers); the others are aggregated
    single = {u: m[0] for u, m in members.items() if len(m) == 1}
    several = {u: m for u, m in members.items() if len(m) > 1}
    parts = [single_member_values(con, single, levels=levels,
                                  indicator_ids=cfg.indicator_ids, years=years)]
    if several or not single:
        codes = sorted({c for m in several.values() for c in m})
        values = load.indicator_values(con, codes=codes, prefix=None,
                                       indicator_ids=_needed_indicators(cfg, cat), years=years)
        parts.append(aggregate_unit_values(values, members=several, levels=levels, config=cfg,
                                           catalogue=cat))
    out = pd.concat([p for p in parts if len(p)] or parts[-1:], ignore_index=True)
    # sorted by unit, indicator and year (as the aggregation sorts), on numbers
    order = np.lexsort((out["year"].to_numpy(dtype=np.int64),
                        _ranks(out["indicator_id"].to_numpy(dtype=object)),
                        _ranks(out["unit_id"].to_numpy(dtype=object))))
    if len(order) and not (np.diff(order) > 0).all():
        out = out.iloc[order]
    out = out.reset_index(drop=True)
    out["level"] = out["unit_id"].map(dict(levels))  # the type the aggregation gives it
    return out


def _ranks(texts: np.ndarray) -> np.ndarray:
    """The position of every text in the sorted distinct texts (Python string order)."""
    number, distinct = pd.factorize(texts)
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[sorted(range(len(distinct)), key=lambda i: distinct[i])] = np.arange(len(distinct))
    out: np.ndarray = rank[number]
    return out




def _method_note(cfg: CompositeConfig, base_year: int | None) -> str:
    if base_year is None:
        return ("Geen samengestelde index: geen van de indexindicatoren heeft in de database "
                "een bruikbare referentie (landelijke waarde of genoeg regio's).")
    return (f"Index per indicator: 100 = referentie in basisjaar {base_year} (Nederland waar "
            "die waarde bestaat, anders het gewogen gemiddelde van de geladen regio's), "
            f"{nl_number(cfg.scale)} punten per standaarddeviatie over de geladen regio's van "
            f"het niveau in {base_year}, hoger is beter; domeinindex = gewogen gemiddelde van "
            "de indicatoren, totaalindex = gemiddelde van de domeinen.")


def indicator_index(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    base_year: int | None = None,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The index of every configured indicator per unit and year (the detail behind
    :func:`composite_index`; columns :data:`SCORE_COLUMNS`)."""
    cfg = _config(config)
    _, levels = unit_members(units)
    if base_year is None:
        base_year = default_base_year(con, levels=sorted(set(levels.values())), config=cfg)
    values = unit_values(con, units, years=years, config=cfg)
    if base_year is None:
        refs = _empty_references()
    else:
        refs = pd.concat([index_references(con, level=lvl, base_year=base_year, config=cfg)
                          for lvl in sorted(set(levels.values()))], ignore_index=True)
    return score_values(values, refs, config=cfg)


def _empty_references() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in REFERENCE_COLUMNS})
    out["usable"] = out["usable"].astype(bool)
    return out


def composite_index(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    base_year: int | None = None,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The composite index per unit, year and domain (see the module docstring).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        One row per unit: ``unit_id``, ``codes`` (member CBS codes) and optionally ``level``
        (as the ``units`` of a MonitorSet).
    base_year
        Year of the reference (100); default: see :func:`default_base_year`.
    years
        Years to compute; default every year in which a member of some unit has a value of a
        configured indicator.
    config
        An index configuration, a path to one, or ``None`` for ``data/composite.yaml``.

    Returns
    -------
    pandas.DataFrame
        Long, columns :data:`INDEX_COLUMNS`: per unit and year one row per domain in which
        the unit has a value of at least one indicator, plus a ``"totaal"`` row for every unit
        and year (``index`` ``NaN`` when it cannot be computed; ``note`` says why).
        ``indicators_used`` lists the indicators in the index; ``complete`` is False when a
        usable indicator is missing; ``band`` is the Dutch class of the index; ``note`` names
        the reference of every indicator, what is missing and why; ``source`` the citations
        ("Bron: ..."). ``attrs["note"]`` holds the method in one Dutch paragraph,
        ``attrs["base_year"]`` the base year; the reference of every indicator is in
        :func:`index_references`.
    """
    cfg = _config(config)
    members, levels = unit_members(units)
    lv = sorted(set(levels.values()))
    refs: pd.DataFrame | None = None
    if base_year is None:
        base_year, refs = _base_year_and_references(con, levels=lv, config=cfg)
    values = unit_values(con, units, years=years, config=cfg)
    if years is None:
        years = sorted(int(y) for y in values.loc[values["value"].notna(), "year"].unique())
    years = [int(y) for y in years]
    in_years = values["year"].isin(years).to_numpy()
    if not in_years.all():
        values = values[in_years]
    if base_year is None:
        refs = _empty_references()
    elif refs is None:
        refs = pd.concat([index_references(con, level=lvl, base_year=int(base_year),
                                           config=cfg) for lvl in lv], ignore_index=True)
    scores = score_values(values, refs, config=cfg)
    del values  # the largest frame; not needed while the domains are combined
    grid = pd.DataFrame([(u, y, levels[u]) for u in members for y in years],
                        columns=["unit_id", "year", "level"])
    out = combine_scores(scores, refs, grid=grid, base_year=base_year, config=cfg)
    note = _method_note(cfg, base_year)
    if out.empty:
        note += (" Geen uitkomsten: geen van de gebieden heeft in de gevraagde jaren een waarde "
                 "van een indexindicator.")
    out.attrs["note"] = note
    out.attrs["base_year"] = base_year
    return out


# --------------------------------------------------------------------------- Leefbaarometer
