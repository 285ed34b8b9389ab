"""Unit values of units with one member code, read as numbers (the national panel's case).

A unit of one member *is* that member (rule of :mod:`wijkanalyse.gebieden.aggregate`): its
value is the member's value, ``complete`` says whether it has one, and ``reason`` is the
aggregate's text for one missing part (``"1 van 1 wijk: ontbreekt"``). Here that result is
built without the general aggregation: the observations are read from the database with the
unit, indicator and source as numbers (no text column per row), and the text columns share
one string per distinct value. On 15,000 wijken x 12 years this is most of the memory of the
index. :func:`wijkanalyse.monitor.composite.unit_values` uses it for the units with one
member and the general aggregation for the others; the result is identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.gebieden.aggregate import MISSING_VALUE_REASON

#: Singular name of the level of a one-part area, by code prefix (as the aggregation says it).
_SINGULAR = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}

VALUE_COLUMNS = ["unit_id", "level", "indicator_id", "year", "value", "complete", "reason",
                 "source"]


def single_member_values(
    con: duckdb.DuckDBPyConnection,
    members: Mapping[str, str],
    *,
    levels: Mapping[str, str],
    indicator_ids: Sequence[str],
    years: Sequence[int] | None,
) -> pd.DataFrame:
    """The unit values of units that each have one member code.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect`.
    members
        ``unit_id -> its one (normalised) member code``; units may share a code.
    levels
        ``unit_id -> level``.
    indicator_ids
        The indicators to read (the configured indicators of the index).
    years
        Only these years (``None``: every year).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VALUE_COLUMNS`, one row per unit, indicator and year in which its
        member has a row, sorted by unit, indicator and year (in Python string order).
    """
    # units and indicators in (Python) sorted order, so that the rows can come sorted by
    # unit, indicator and year, as the aggregation sorts them
    unit_ids = np.array(sorted(members), dtype=object)
    codes = [members[u] for u in unit_ids]
    ids = sorted(indicator_ids)
    labels = [str(r[0]) for r in con.execute(
        "SELECT DISTINCT coalesce(label, file_name, source_id) FROM sources "
        "WHERE coalesce(label, file_name, source_id) IS NOT NULL").fetchall()]
    if years is None:
        years = [int(r[0]) for r in con.execute(
            "SELECT DISTINCT year FROM observations WHERE list_contains(?, indicator_id) "
            "ORDER BY year", [ids]).fetchall()]
    # one year at a time: the observation view groups every row it reads, so a year's rows
    # at a time keep DuckDB's memory to a twelfth; sorted afterwards
    parts = [con.execute(
        """WITH u AS (SELECT unnest(?::VARCHAR[]) AS code,
                             generate_subscripts(?::VARCHAR[], 1) - 1 AS unit_no)
           SELECT u.unit_no, list_position(?, o.indicator_id) - 1 AS ind_no, o.year,
                  o.value, o.missing_reason,
                  coalesce(list_position(?, coalesce(s.label, s.file_name, o.source_id)), 0)
                      - 1 AS label_no
           FROM observation o JOIN u ON u.code = o.code
                LEFT JOIN sources s USING (source_id)
           WHERE list_contains(?, o.indicator_id) AND o.year = ?""",
        [codes, codes, ids, labels, ids, int(year)]).df() for year in dict.fromkeys(years)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: pd.Series(dtype="int64") for c in ("unit_no", "ind_no", "year", "label_no")}
        | {"value": pd.Series(dtype="float64"), "missing_reason": pd.Series(dtype=object)})
    del parts
    order = np.lexsort((frame["year"].to_numpy(dtype=np.int64),
                        frame["ind_no"].to_numpy(dtype=np.int64),
                        frame["unit_no"].to_numpy(dtype=np.int64)))
    frame = frame.iloc[order].reset_index(drop=True)
    unit_no = frame["unit_no"].to_numpy(dtype=np.int64)
    ind_no = frame["ind_no"].to_numpy(dtype=np.int64)
    value = frame["value"].to_numpy(dtype="float64")
    label_no = frame["label_no"].to_numpy(dtype=np.int64)
    has_v = ~np.isnan(value)
    # the aggregate of one part is its sum: x + 0.0 (only -0.0 changes, into 0.0)
    value = np.where(has_v, value + 0.0, np.nan)
    # reason of a missing value: "1 van 1 <level>: <reason>", one string per distinct text
    reason = np.full(len(frame), None, dtype=object)
    miss = np.flatnonzero(~has_v)
    if len(miss):
        stated = frame["missing_reason"].to_numpy(dtype=object)[miss]
        part = pd.Series([_SINGULAR.get(str(c)[:2], "deel") for c in codes],
                         dtype=object).to_numpy(dtype=object)[unit_no[miss]]
        category = np.where(pd.notna(stated), stated, MISSING_VALUE_REASON).astype(object)
        text_no, texts = pd.factorize(pd.MultiIndex.from_arrays([part, category]))
        reason[miss] = np.array([f"1 van 1 {p}: {c}" for p, c in texts],
                                dtype=object)[text_no]
    label_arr = np.array([*labels, None], dtype=object)
    source = np.full(len(frame), None, dtype=object)
    source[has_v] = label_arr[label_no[has_v]]
    level_arr = np.array([levels[u] for u in unit_ids], dtype=object)
    return pd.DataFrame({
        "unit_id": pd.Series(unit_ids[unit_no], dtype=object),
        "level": pd.Series(level_arr[unit_no], dtype=object),
        "indicator_id": pd.Series(np.array(ids, dtype=object)[ind_no], dtype=object),
        "year": frame["year"].to_numpy(dtype=np.int64),
        "value": value,
        "complete": has_v,
        "reason": pd.Series(reason, dtype=object),
        "source": pd.Series(source, dtype=object),
    }, columns=VALUE_COLUMNS)
