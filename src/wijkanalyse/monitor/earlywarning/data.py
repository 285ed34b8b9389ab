"""The Leefbaarometer series and KWB indicators of units read from the database."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.fmt import count_text
from wijkanalyse.monitor import load
from wijkanalyse.monitor.earlywarning.backtest import (
    BacktestResult,
    backtest,
)
from wijkanalyse.monitor.earlywarning.config import (
    _UNIT_COLUMNS,
    DIMENSIONS,
    KWB_INDICATORS,
    EarlyWarningError,
)

# ---------------------------------------------------------------------------- database access


def _lbm_codes(units: pd.DataFrame) -> dict[str, list[str]]:
    """The wijk codes whose Leefbaarometer stands for each unit (its ``wijk_codes``)."""
    return {str(r["unit_id"]): _code_list(r["wijk_codes"]) for r in units.to_dict("records")}


def _code_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return sorted({str(c) for c in value})


def _check_units(units: pd.DataFrame) -> pd.DataFrame:
    lacking = [c for c in ("unit_id", "codes", "wijk_codes") if c not in units.columns]
    if lacking:
        raise ValueError(f"units frame lacks columns {lacking}")
    if units["unit_id"].duplicated().any():
        raise ValueError("units frame repeats a unit_id")
    out = units.copy()
    for c in _UNIT_COLUMNS:
        if c not in out.columns:
            out[c] = None
    out["unit_id"] = out["unit_id"].astype(str).astype(object)
    return out.reset_index(drop=True)


def _dimension_values(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """The five dimensions per unit and year, weighted as :func:`trends.lbm_series` weights
    ``lbm_afw`` (its wijk weights); a year counts only when every wijk of the unit has all
    five dimensions."""
    from wijkanalyse.monitor.trends.series import _weights

    cols = ["unit_id", "year", *DIMENSIONS]
    pairs = pd.DataFrame(
        [(u, c) for u, cs in _lbm_codes(units).items() for c in cs],
        columns=["unit_id", "code"])
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    codes = sorted(pairs["code"].unique())
    obs = load.present_values(con, indicator_ids=DIMENSIONS, codes=codes)
    if obs.empty:
        return pd.DataFrame(columns=cols)
    wide = obs.pivot_table(index=["code", "year"], columns="indicator_id", values="value",
                           aggfunc="first").reset_index()
    for d in DIMENSIONS:
        if d not in wide.columns:
            wide[d] = np.nan
    wide = wide.dropna(subset=list(DIMENSIONS))
    weights, _ = _weights(con, pairs, codes)
    data = pairs.merge(weights, on=["unit_id", "code"], how="left").merge(wide, on="code")
    n_total = pairs.groupby("unit_id")["code"].nunique()
    w = data["weight"].fillna(0.0).to_numpy(dtype="float64")
    weighted = pd.DataFrame({d: data[d].to_numpy(dtype="float64") * w for d in DIMENSIONS})
    weighted["unit_id"] = data["unit_id"].to_numpy()
    weighted["year"] = data["year"].to_numpy()
    weighted["w"] = w
    weighted["n"] = 1
    plain = data[["unit_id", "year", *DIMENSIONS]]
    sums = weighted.groupby(["unit_id", "year"]).sum()
    means = plain.groupby(["unit_id", "year"]).mean()
    sums = sums[sums["n"].to_numpy() == n_total.reindex(
        sums.index.get_level_values("unit_id")).to_numpy()]
    means = means.reindex(sums.index)
    positive = (sums["w"] > 0).to_numpy()
    denom = np.where(positive, sums["w"].to_numpy(), 1.0)
    out = pd.DataFrame(index=sums.index)
    for d in DIMENSIONS:
        out[d] = np.where(positive, sums[d].to_numpy() / denom, means[d].to_numpy())
    return out.reset_index()[cols]


def unit_series(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """Leefbaarometer series of the units, with the five dimensions.

    :func:`wijkanalyse.monitor.trends.lbm_series` gives ``lbm`` and ``lbm_afw`` (a buurt gets its
    wijk; several wijken are weighted by inhabitants); the dimensions are added with the
    same weights when that series does not have them.

    Parameters
    ----------
    con
        A database connection (read-only is fine).
    units
        Units as :func:`wijkanalyse.gebieden.sets.resolve_set` gives them (``unit_id``, ``codes``,
        ``wijk_codes``).

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`~wijkanalyse.monitor.trends.lbm_series` and :data:`DIMENSIONS`; units
        without a Leefbaarometer have no rows.
    """
    from wijkanalyse.monitor.trends import lbm_series

    units = _check_units(units)
    series = lbm_series(con, units)
    lacking = [d for d in DIMENSIONS if d not in series.columns]
    if lacking and len(series):
        dims = _dimension_values(con, units)[["unit_id", "year", *lacking]]
        series = series.merge(dims, on=["unit_id", "year"], how="left")
    for d in lacking:
        if d not in series.columns:
            series[d] = np.nan
    return series


def lbm_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The Leefbaarometer series of every wijk in the database (the training history).

    Returns
    -------
    pandas.DataFrame
        As :func:`unit_series`, with ``unit_id`` = the wijk code.
    """
    return unit_series(con, _lbm_wijk_units(con))


def _lbm_wijk_units(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """A units frame of every wijk with a Leefbaarometer value."""
    rows = load.lbm_wijken(con)
    return pd.DataFrame({
        "unit_id": pd.Series([r[0] for r in rows], dtype=object),
        "name": pd.Series([r[1] or r[0] for r in rows], dtype=object),
        "gemeente_code": pd.Series([r[2] for r in rows], dtype=object),
        "gemeente_name": pd.Series([r[3] for r in rows], dtype=object),
        "level": "wijk",
        "codes": pd.Series([[r[0]] for r in rows], dtype=object),
        "wijk_codes": pd.Series([[r[0]] for r in rows], dtype=object),
    })


def kwb_indicators(con: duckdb.DuckDBPyConnection, units: pd.DataFrame) -> pd.DataFrame:
    """The KWB values of the units needed for :data:`KWB_FEATURES`.

    Units made of several regions are aggregated with :mod:`wijkanalyse.gebieden.aggregate` (counts
    summed, rates weighted by their base); an incomplete aggregate is left out.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, year, indicator_id, value``.
    """
    from wijkanalyse.catalogue import load_catalogue
    from wijkanalyse.gebieden.aggregate import aggregate_many

    units = _check_units(units)
    areas = {str(r["unit_id"]): list(dict.fromkeys(str(c) for c in (r["codes"] or [])))
             for r in units.to_dict("records") if r["codes"] is not None and len(r["codes"])}
    cols = ["unit_id", "year", "indicator_id", "value"]
    if not areas:
        return pd.DataFrame(columns=cols)
    cat = load_catalogue()
    wanted = sorted({*KWB_INDICATORS, *(b for i in KWB_INDICATORS
                                         if i in cat and (b := cat[i].base))})
    codes = sorted({c for cs in areas.values() for c in cs})
    obs = load.observations(con, indicator_ids=wanted, codes=codes)
    if obs.empty:
        return pd.DataFrame(columns=cols)
    agg = aggregate_many(obs, areas=areas, indicators=cat)
    agg = agg[agg["indicator_id"].isin(KWB_INDICATORS) & agg["value"].notna()]
    return agg.rename(columns={"area_id": "unit_id"})[cols].reset_index(drop=True)




def wijk_neighbours(con: duckdb.DuckDBPyConnection, codes: list[str], *,
                    tolerance_m: float = 25.0) -> pd.DataFrame:
    """Adjacent wijken among ``codes``: boundaries (RD New, the latest map of each gemeente,
    :func:`wijkanalyse.gebieden.layers.gemeente_layers`) within ``tolerance_m`` metres of each
    other, across gemeente borders too.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, neighbour`` (both directions); codes without a boundary have no rows.
    """
    import shapely

    from wijkanalyse.gebieden.layers import gemeente_layers

    cache: dict[str, Any] = {}
    shapes = {}
    for gm in sorted({f"GM{c[2:6]}" for c in codes}):
        layers = gemeente_layers(con, gm, cache)
        for c in codes:
            if c[2:6] == gm[2:]:
                shape = layers.get(c)
                if shape is not None and shape.geom is not None:
                    shapes[c] = shape.geom
    ids = sorted(shapes)
    cols = ["unit_id", "neighbour"]
    if not ids:
        return pd.DataFrame(columns=cols)
    geoms = np.array([shapes[c] for c in ids], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance_m)
    pairs = [(ids[a], ids[b]) for a, b in zip(left, right, strict=True) if a != b]
    return pd.DataFrame(pairs, columns=cols).drop_duplicates().reset_index(drop=True)


def database_comparison(con: duckdb.DuckDBPyConnection) -> tuple[Any, str]:
    """The backtest of :mod:`.compare` (every feature, two learners) on the database.

    Returns
    -------
    tuple of (:class:`.compare.Comparison`, str)
        The comparison and the data note.
    """
    from wijkanalyse.monitor.earlywarning.compare import compare_backtest

    history = lbm_history(con)
    if history.empty:
        raise EarlyWarningError("de database bevat geen Leefbaarometer.")
    codes = sorted(history["unit_id"].astype(str).unique())
    units = _lbm_wijk_units(con)
    shipped = backtest(history)
    comp = compare_backtest(history, shipped=shipped,
                            neighbours=wijk_neighbours(con, codes),
                            indicators=kwb_indicators(con, units))
    return comp, _data_note(con, history)


# ----------------------------------------------------------------------------------------- CLI


def _data_note(con: duckdb.DuckDBPyConnection, history: pd.DataFrame) -> str:
    src = load.source_files(con, kind="leefbaarometer")
    units = history.loc[history["lbm_afw"].notna(), "unit_id"].unique()
    gemeenten = sorted({"GM" + str(u)[2:6] for u in units})
    years = sorted(int(y) for y in history.loc[history["lbm_afw"].notna(), "year"].unique())
    files = "; ".join(f"{label} (bestand `{fn}`, sha256 {sha[:12]}…)" for label, fn, sha in src)
    return (f"{files or 'Leefbaarometer'}: {count_text(len(units), 'wijk', 'wijken')} in "
            f"{count_text(len(gemeenten), 'gemeente', 'gemeenten')} "
            f"({', '.join(gemeenten)}), metingen {', '.join(map(str, years))}, wijkindeling "
            "2024 (grensvaste reeks).")


def database_backtest(con: duckdb.DuckDBPyConnection) -> tuple[BacktestResult, str]:
    """The backtest on every Leefbaarometer series in the database, with its data note.

    Used by ``wijkanalyse monitor --backtest-md PAD`` (:mod:`wijkanalyse.cli.monitor`).

    Parameters
    ----------
    con
        A database connection (read-only is fine).

    Returns
    -------
    tuple of (BacktestResult, str)
        The result of :func:`backtest` and the sentence on the data (source files with
        sha256, units, gemeenten, years) for :func:`backtest_markdown`.

    Raises
    ------
    EarlyWarningError
        When the database holds no Leefbaarometer.
    """
    history = lbm_history(con)
    if history.empty:
        raise EarlyWarningError("de database bevat geen Leefbaarometer.")
    return backtest(history), _data_note(con, history)


_BACKTESTS: dict[tuple[Any, ...], BacktestResult] = {}


def history_backtest(con: duckdb.DuckDBPyConnection, history: pd.DataFrame, *, year: int
                     ) -> BacktestResult:
    """The backtest of the shipped model on ``history`` up to ``year``, kept per database
    build: the key is the sha256 of the loaded Leefbaarometer files, the year and the units
    and measurements of the history, so a rebuilt database from other files is computed anew
    (the monitor's skill rule reads it on every run).
    """
    cut = history[history["year"] <= year]
    shas = tuple(sorted(str(sha) for _, _, sha in load.source_files(con, kind="leefbaarometer")))
    key = (shas, int(year), len(cut), int(cut["unit_id"].nunique()),
           float(cut["lbm_afw"].sum(skipna=True)))
    if key not in _BACKTESTS:
        if len(_BACKTESTS) >= 4:
            _BACKTESTS.pop(next(iter(_BACKTESTS)))
        _BACKTESTS[key] = backtest(cut)
    return _BACKTESTS[key]
