"""Writing what the build read (catalogue, source tables, documents, issues) and reading
the reference regions that name-only sources are resolved against."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.codes import gemeente_code_of, wijk_code_of
from wijkanalyse.sourcetable import SourceTable
from wijkanalyse.store.schema import LAYOUT_PRIORITY


def write_catalogue(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """Replace the ``indicators`` table with the catalogue."""
    rows = [
        (i.id, i.label, i.unit, i.domain, i.kind, i.aggregation, i.base, i.better,
         i.description, i.valid_from, i.valid_to, i.replaces, i.replaced_by,
         json.dumps(list(i.definition_changes), ensure_ascii=False))
        for i in catalogue
    ]
    con.execute("DELETE FROM indicators")
    frame = pd.DataFrame(rows, columns=[
        "id", "label", "unit", "domain", "kind", "aggregation", "base", "better", "description",
        "valid_from", "valid_to", "replaces", "replaced_by", "definition_changes"], dtype=object)
    con.register("_indicators", frame)
    try:
        # one statement (executemany costs a round trip per row: most of a small build)
        con.execute("INSERT INTO indicators SELECT id, label, unit, domain, kind, aggregation, "
                    "base, better, description, CAST(valid_from AS INTEGER), "
                    "CAST(valid_to AS INTEGER), replaces, replaced_by, definition_changes "
                    "FROM _indicators")
    finally:
        con.unregister("_indicators")


def write_source_table(
    con: duckdb.DuckDBPyConnection,
    table: SourceTable,
    *,
    match_methods: pd.Series | None = None,
) -> None:
    """Write one resolved source table (all codes known) inside the caller's transaction.

    Regions whose ``code`` is still missing (unmatched names) are skipped together with their
    values; the reader or resolver records them in ``table.issues``.
    """
    src = table.source
    sid = src.source_id
    regions = table.regions
    has_code = regions["code"].notna().to_numpy()
    if match_methods is None:
        methods = np.full(len(regions), "code", dtype=object)
    else:  # aligned on the index, as a column assignment would
        methods = match_methods.reindex(regions.index).to_numpy(dtype=object)
    if not has_code.all():
        regions = regions[has_code]
        methods = methods[has_code]
    codes = regions["code"].to_numpy(dtype=object)
    region_keys = pd.Index(regions["region_key"].to_numpy())

    values = table.values
    pos = region_keys.get_indexer(values["region_key"].to_numpy())
    if (pos < 0).any():  # values of regions without a code (unmatched names)
        values = values[pos >= 0]
        pos = pos[pos >= 0]
    obs = pd.DataFrame({
        "indicator_id": values["indicator_id"].array,
        "year": values["year"].to_numpy(dtype="int64"),
        "code": codes[pos],
        "value": values["value"].to_numpy(dtype="float64"),
        "missing_reason": values["missing_reason"].array,
        "source_column": values["source_column"].array,
    })
    reg = pd.DataFrame({
        "year": regions["year"].array,
        "code": codes,
        "level": regions["level"].array,
        "name": regions["name"].array,
        "gemeente_code": np.array([gemeente_code_of(c) for c in codes], dtype=object),
        "wijk_code": np.array([wijk_code_of(c) for c in codes], dtype=object),
        "gemeente_name": regions["gemeente_name"].array,
        "match_method": methods,
    })
    first = ~reg.duplicated(["year", "code"]).to_numpy()
    if not first.all():
        reg = reg[first]
    con.execute(
        "INSERT INTO sources VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [sid, src.path.name, str(src.path), src.sha256, src.kind, src.layout, src.table_id,
         src.year, src.label, LAYOUT_PRIORITY.get(src.layout, 60), len(regions), len(obs)],
    )
    _insert(con, "region_sources", reg,
            "year, code, level, name, gemeente_code, wijk_code, gemeente_name, ?, "
            "match_method", sid)
    _insert(con, "observations", obs,
            "indicator_id, year, code, value, missing_reason, ?, source_column", sid)
    if table.geometries is not None and len(table.geometries):
        geo = table.geometries.merge(pd.DataFrame({
            "region_key": regions["region_key"].array, "code": codes,
            "year": regions["year"].array, "level": regions["level"].array,
            "name": regions["name"].array,
            "match_method": methods}), on="region_key")
        _insert(con, "geometries", geo,
                "code, year, level, name, ?, source_crs, match_method, geojson, "
                "centroid_lon, centroid_lat, area_m2", sid)
    write_issues(con, sid, table.issues)


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, select: str,
            *params: object) -> None:
    """``INSERT INTO table SELECT <select> FROM frame`` (``?`` in ``select`` take ``params``)."""
    con.register("_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _rows", list(params))
    finally:
        con.unregister("_rows")


def write_documents(con: duckdb.DuckDBPyConnection, documents: list[Any]) -> None:
    """Record the documentation files found next to the data (``readers.Document``)."""
    if documents:
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?)",
            [(d.rel_path, str(d.path), d.kind, d.description, d.title, d.size_bytes)
             for d in documents],
        )


def write_issues(con: duckdb.DuckDBPyConnection, source_id: str, issues: list[Any]) -> None:
    """Append load issues of one source (in their order, in one statement)."""
    if not issues:
        return
    frame = pd.DataFrame({
        "kind": pd.Series([i.kind for i in issues], dtype=object),
        "detail": pd.Series([i.detail for i in issues], dtype=object),
        "column_name": pd.Series([None if i.column is None else str(i.column) for i in issues],
                                 dtype=object),
        "line": pd.Series([i.line for i in issues], dtype="Int64"),
    })
    con.register("_issues", frame)
    try:
        con.execute("INSERT INTO load_issues SELECT ?, kind, detail, column_name, "
                    "CAST(line AS INTEGER) FROM _issues", [source_id])
    finally:
        con.unregister("_issues")


#: Layouts that give a whole time series on one (the latest) division: their codes appear
#: under every year although they only exist in the latest (Leefbaarometer 2002-2024 on the
#: 2024 wijken). Name resolution uses them only for that latest year.
SERIES_ON_LATEST_DIVISION = ("lbm_wijk_csv",)


def reference_regions(con: duckdb.DuckDBPyConnection, *,
                      for_resolution: bool = False) -> pd.DataFrame:
    """All coded regions with every name any source used, for resolving name-only sources.

    With ``for_resolution=True`` (the build) the regions that layouts of
    :data:`SERIES_ON_LATEST_DIVISION` list under earlier years are left out: a name of 2015 must
    not be matched to a code of the 2024 division because a boundary-consistent series reports
    that code for 2014 and 2016.
    """
    where = ""
    if for_resolution:
        layouts = ", ".join(f"'{x}'" for x in SERIES_ON_LATEST_DIVISION)
        where = f"""WHERE NOT (r.source_id IN (SELECT source_id FROM sources
                                               WHERE layout IN ({layouts}))
                              AND r.year < (SELECT max(r2.year) FROM region_sources r2
                                            WHERE r2.source_id = r.source_id))"""
    return con.execute(
        f"""SELECT DISTINCT r.year, r.code, r.level, r.name, r.gemeente_code,
                  g.name AS gemeente_name
           FROM region_sources r
           LEFT JOIN (SELECT code, arg_max(name, year) AS name FROM region_sources
                      WHERE level = 'gemeente' GROUP BY code) g ON g.code = r.gemeente_code
           {where}
           ORDER BY r.code, r.year, r.name"""
    ).df()
