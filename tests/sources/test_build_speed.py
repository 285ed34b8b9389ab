"""The faster build loads exactly the same (issue 9, item 5).

Checked here: a build with the reader process equals one without it (real data, and generated
folders where the worker is forced); errors of units the worker reads are the same errors; a
worker that dies is replaced; the vectorised CBS value parsing equals the cell-by-cell rules;
polygons built in one batch equal polygons built one by one; the in-memory database is copied
to the file with the schema of :func:`wijkanalyse.store.connect`. Sources marked GENERATED
are made up (gemeente Proefstad, GM9901).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from robustness_helpers import generated_source

from sources.test_build import _dump
from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.cbsvalues import invalid_cells, parse_cbs_values, parse_distinct
from wijkanalyse.codes import name_key
from wijkanalyse.errors import DataFileError
from wijkanalyse.gebieden.suggestions import suggest
from wijkanalyse.settings import resolve_settings
from wijkanalyse.sources import readpool
from wijkanalyse.sources.build import _detect_all, build_database
from wijkanalyse.sources.geometry import geometries_from_geojson, geometry_from_geojson
from wijkanalyse.sources.registry import ReadContext, discover
from wijkanalyse.sourcetable import LoadIssue


def _settings(db: Path, src: Path):
    return resolve_settings(db=db, source=src, cache=db.parent / "cache")


@pytest.fixture
def forced_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the worker process for any build, however small, on any machine."""
    monkeypatch.setattr(readpool, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(readpool, "n_cpus", lambda: 2)


def _generated_folder(folder: Path, *, broken: str | None = None) -> Path:
    """Four GENERATED StatLine-style CSVs of Proefstad (2019-2022, growing), optionally with a
    truncated export named ``broken``."""
    for i, year in enumerate((2019, 2020, 2021, 2022)):
        generated_source(folder, n_wijken=2 + 3 * i, year=year)
    if broken:
        (folder / broken).write_text(
            '\ufeffWijken en buurten;Regioaanduiding/Codering (code);'
            'Bevolking/Aantal inwoners (aantal)\n"Proefstad";"GM9901    ";"86', encoding="utf-8")
    return folder


def _units(folder: Path):
    units, failed = _detect_all(discover(folder), strict=True)
    assert not failed
    return units


def _read_all(units, *, parallel: bool) -> dict[str, object]:
    catalogue = load_catalogue()
    context = ReadContext(layouts={u.path: u.layout for u in units})
    reads = readpool.Reads(units, catalogue=catalogue, context=context, parallel=parallel)
    out: dict[str, object] = {}
    try:
        for unit in units:
            try:
                out[unit.path.name] = reads.tables(unit)
            except DataFileError as exc:
                out[unit.path.name] = str(exc)
    finally:
        reads.close()
    return out


def _same_tables(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        if isinstance(a[name], str):
            assert a[name] == b[name], name
            continue
        for x, y in zip(a[name], b[name], strict=True):
            assert x.source == y.source
            pd.testing.assert_frame_equal(x.regions, y.regions, check_exact=True)
            pd.testing.assert_frame_equal(x.values, y.values, check_exact=True)
            assert x.issues == y.issues


# --------------------------------------------------------------------------- whole builds


def test_build_with_and_without_worker_is_the_same_database(built_db: Path,
                                                            rebuilt_db: dict) -> None:
    """The session's database (built with the reader process where the machine has two
    processors) equals one built in this process only, table by table and row by row: the
    second build of the session fixture ``rebuilt_db`` (all of ../shared/data, with
    ``data build`` on one processor) over a copy to which a user area was added first; that
    area (tables ``areas`` and ``area_members``) is the only difference."""
    rebuilt = rebuilt_db["rebuilt"]
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "50.599 regio-jaren, 1.376.094 waarden" in rebuilt.output
    first, alone = _checksums(built_db), _checksums(rebuilt_db["path"])
    assert first.pop("areas")[0] == 0 and alone.pop("areas")[0] == 1
    assert first.pop("area_members")[0] == 0 and alone.pop("area_members")[0] == 4
    assert first == alone


def _checksums(db: Path) -> dict[str, tuple]:
    """Rows and MD5 of the sorted rows of every table (every value to the last digit); the
    kennisdossier's change times (the time of the build) left out."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            skip = {"interventions": " EXCLUDE (updated_at)",
                    "intervention_history": " EXCLUDE (changed_at)"}.get(t, "")
            out[t] = con.execute(
                "SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM "
                f'(SELECT CAST(x AS VARCHAR) AS r FROM (SELECT *{skip} FROM "{t}") x)'
            ).fetchone()
        assert out["observations"][0] == 1376094
        return out
    finally:
        con.close()


def test_forced_worker_build_equals_build_in_one_process(tmp_path: Path,
                                                         forced_worker: None) -> None:
    src = _generated_folder(tmp_path / "bronnen")
    units = _units(src)
    reads = readpool.Reads(units, catalogue=load_catalogue(), context=ReadContext(),
                           parallel=True)
    assert reads._worker is not None  # the worker really runs
    reads.close()
    with_worker = build_database(_settings(tmp_path / "a" / "w.duckdb", src))
    alone = build_database(_settings(tmp_path / "b" / "w.duckdb", src), parallel=False)
    assert with_worker.n_observations == alone.n_observations == 3 + 6 + 9 + 12  # gemeente + wijken
    assert _dump(tmp_path / "a" / "w.duckdb") == _dump(tmp_path / "b" / "w.duckdb")


def test_worker_tables_equal_tables_read_here(tmp_path: Path, forced_worker: None) -> None:
    units = _units(_generated_folder(tmp_path / "bronnen"))
    _same_tables(_read_all(units, parallel=True), _read_all(units, parallel=False))


def test_error_of_a_unit_the_worker_reads_is_the_same_error(tmp_path: Path,
                                                           forced_worker: None) -> None:
    src = _generated_folder(tmp_path / "bronnen")
    bad = src / "kwb_2024_zz_kapot_gegenereerd.csv"  # GENERATED: a row with a field too many
    bad.write_text('\ufeffWijken en buurten;Regioaanduiding/Codering (code);'
                   'Bevolking/Aantal inwoners (aantal)\n'
                   + '"Proefstad";"GM9901    ";"86";"extra"\n' * 400, encoding="utf-8")
    units = _units(src)
    alone = _read_all(units, parallel=False)
    message = alone[bad.name]
    assert isinstance(message, str) and "regel 2" in message and bad.name in message
    # the worker's own loop, in this process: the error comes back with all its fields
    i = next(k for k, u in enumerate(units) if u.path == bad)
    ctx = __import__("multiprocessing").get_context("fork")
    claims = ctx.RawArray("b", len(units))
    receive, send = ctx.Pipe(duplex=False)
    readpool._worker_main([i], [(u.path, u.module.__name__) for u in units], claims,
                          ctx.Lock(), load_catalogue(), ReadContext(), send)
    j, tables, fields = receive.recv()
    assert (j, tables, claims[i]) == (i, None, readpool._WORKER)
    error = readpool._error_from(fields)
    assert type(error) is DataFileError and str(error) == message
    # whoever reads it: the same tables and errors, and the build raises or records it alike
    _same_tables(_read_all(units, parallel=True), alone)
    with pytest.raises(DataFileError) as info:
        build_database(_settings(tmp_path / "a" / "w.duckdb", src))
    assert str(info.value) == message
    skipped = build_database(_settings(tmp_path / "b" / "w.duckdb", src), strict=False)
    alone_skipped = build_database(_settings(tmp_path / "c" / "w.duckdb", src), strict=False,
                                   parallel=False)
    assert [f.message for f in skipped.failed] == [f.message for f in alone_skipped.failed] \
        == [message]
    assert _dump(tmp_path / "b" / "w.duckdb") == _dump(tmp_path / "c" / "w.duckdb")


def test_first_bad_file_in_discovery_order_wins(tmp_path: Path, forced_worker: None) -> None:
    src = _generated_folder(tmp_path / "bronnen", broken="kwb_2023_kapot_gegenereerd.csv")
    (src / "kwb_2017_ook_kapot_gegenereerd.csv").write_text(  # GENERATED: an invalid code
        '\ufeffWijken en buurten;Regioaanduiding/Codering (code);'
        'Bevolking/Aantal inwoners (aantal)\n"Proefstad";"XX9901";"86"\n', encoding="utf-8")
    with pytest.raises(DataFileError) as with_worker:
        build_database(_settings(tmp_path / "a" / "w.duckdb", src))
    with pytest.raises(DataFileError) as alone:
        build_database(_settings(tmp_path / "b" / "w.duckdb", src), parallel=False)
    assert str(with_worker.value) == str(alone.value)
    assert "kwb_2017_ook_kapot_gegenereerd.csv" in str(alone.value)


def test_a_worker_that_dies_is_replaced(tmp_path: Path, forced_worker: None) -> None:
    units = _units(_generated_folder(tmp_path / "bronnen"))
    reads = readpool.Reads(units, catalogue=load_catalogue(), context=ReadContext(),
                           parallel=True)
    reads._worker.kill()  # as if the system ended it (out of memory)
    try:
        got = {u.path.name: reads.tables(u) for u in units}
    finally:
        reads.close()
    _same_tables(got, _read_all(units, parallel=False))


def test_small_builds_use_no_worker(tmp_path: Path) -> None:
    units = _units(_generated_folder(tmp_path / "bronnen"))
    assert not readpool.worth_a_worker(units)


# --------------------------------------------------------------------------- CBS values

_CELLS = st.one_of(
    st.none(),
    st.sampled_from([".", "x", "-", "?", "", "NA", "nan", "null", " . ", "abc", "1.234,5",
                     "1,5", "2.0", "-0", "+3", "1e3", ",5", "5,", "1.2.3", "True"]),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.integers(min_value=-10**6, max_value=10**6),
    st.from_regex(r"\s?[+-]?\d{1,4}([.,]\d{0,3})?\s?", fullmatch=True),
)


@given(cells=st.lists(_CELLS, min_size=1, max_size=40),
       decimal=st.sampled_from([",", ".", "auto"]))
def test_values_parsed_once_per_text_equal_cell_by_cell(cells: list, decimal: str) -> None:
    raw = pd.Series(cells, dtype=object, index=pd.RangeIndex(5, 5 + len(cells)))
    values, reasons = parse_cbs_values(raw, decimal=decimal)
    ref_values, ref_reasons = parse_distinct(raw.astype("string"), decimal=decimal)
    assert values.index.equals(raw.index) and reasons.index.equals(raw.index)
    np.testing.assert_array_equal(values.to_numpy(), ref_values.to_numpy())
    assert reasons.tolist() == ref_reasons.tolist()
    bad = invalid_cells(reasons)
    assert bad.tolist() == [isinstance(r, str) and r.startswith("ongeldig:") for r in reasons]


def test_parsed_values_of_known_cells() -> None:
    values, reasons = parse_cbs_values(pd.Series([" 12,5 ", ".", "x", None, "7"]), decimal=",")
    assert values.iloc[0] == 12.5 and values.iloc[4] == 7.0 and values.iloc[1:4].isna().all()
    assert reasons.tolist() == [None, "ontbreekt of geheim (CBS '.')", "geheim (CBS 'x')",
                                "leeg in bron", None]


# --------------------------------------------------------------------------- suggestions


def _suggest_reference(name: str, candidates: list[str], n: int = 3) -> list[str]:
    """The suggestion rules as written before the speed-up: difflib on every key."""
    by_key: dict[str, str] = {}
    for cand in candidates:
        text = str(cand).strip()
        key = name_key(text)
        if key and (key not in by_key or (len(text), text) < (len(by_key[key]), by_key[key])):
            by_key[key] = text
    return [by_key[k] for k in difflib.get_close_matches(name_key(name), list(by_key), n=n,
                                                         cutoff=0.6)]


_NAMES = st.text(alphabet="abcdeoöé -/&'Wijk0123", min_size=0, max_size=14)


@given(name=_NAMES, candidates=st.lists(_NAMES, max_size=30), n=st.integers(1, 4))
def test_suggestions_equal_difflib_on_every_name(name: str, candidates: list[str],
                                                 n: int) -> None:
    assert suggest(name, candidates, n=n) == _suggest_reference(name, candidates, n)


def test_suggestions_among_real_buurt_names(ref2024: pd.DataFrame) -> None:
    names = ref2024.loc[ref2024["level"] == "buurt", "name"].dropna().tolist()[:3000]
    for query in ("Centrum Oost", "Oud Diemen", "Vogelweide", "Muidenbuurt-Oost", "Zuid"):
        assert suggest(query, names) == _suggest_reference(query, names)
    assert suggest("Centrum Oost", names)  # something close is offered


# --------------------------------------------------------------------------- geometries

_RING = st.tuples(st.floats(4.0, 6.0), st.floats(51.0, 53.0), st.floats(0.001, 0.1))


def _square(x: float, y: float, d: float, *, close: bool = True) -> list[list[float]]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d]]
    return ring + [[x, y]] if close else ring


@st.composite
def _geometry(draw) -> dict | None:
    kind = draw(st.sampled_from(["Polygon", "MultiPolygon", "Point", "none", "hole", "open",
                                 "short", "3d"]))
    x, y, d = draw(_RING)
    if kind == "none":
        return None
    if kind == "Point":
        return {"type": "Point", "coordinates": [x, y]}
    if kind == "hole":
        return {"type": "Polygon", "coordinates": [_square(x, y, d),
                                                   _square(x + d / 4, y + d / 4, d / 4)]}
    if kind == "open":  # not closed: closed by shapely either way
        return {"type": "Polygon", "coordinates": [_square(x, y, d, close=False)]}
    if kind == "3d":
        return {"type": "Polygon", "coordinates": [[[*p, 1.0] for p in _square(x, y, d)]]}
    if kind == "MultiPolygon":
        n = draw(st.integers(1, 3))
        return {"type": "MultiPolygon",
                "coordinates": [[_square(x + 2 * i * d, y, d)] for i in range(n)]}
    if kind == "short":  # too few points for a ring: an error, one by one too
        return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x, y]]]}
    return {"type": "Polygon", "coordinates": [_square(x, y, d)]}


@given(objs=st.lists(_geometry(), max_size=12))
def test_polygons_built_together_equal_polygons_built_one_by_one(objs: list) -> None:
    one_by_one: list = []
    error = None
    for g in objs:
        try:
            one_by_one.append(None if g is None else geometry_from_geojson(g))
        except Exception as exc:  # noqa: BLE001 - shapely's error, compared below
            error = exc
            break
    if error is not None:  # the batch fails too (the readers then go one by one)
        with pytest.raises(Exception):  # noqa: B017 - shapely raises several types
            geometries_from_geojson(objs)
        return
    together = geometries_from_geojson(objs)
    assert len(together) == len(one_by_one)
    for a, b in zip(together, one_by_one, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.geom_type == b.geom_type and shapely.to_wkb(a) == shapely.to_wkb(b)


def test_polygons_of_a_real_map_file(shared_data: Path) -> None:
    path = shared_data / "geo" / "wijkbuurtkaart_2015" / "wijk_2015_per_vr" / "zeeland.wijk.geojson"
    objs = [f["geometry"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]]
    together = geometries_from_geojson(objs)
    assert len(objs) == 137 and all(g is not None for g in together)
    assert sorted({g.geom_type for g in together}) == ["MultiPolygon", "Point", "Polygon"]
    for a, g in zip(together, objs, strict=True):
        assert shapely.to_wkb(a) == shapely.to_wkb(geometry_from_geojson(g))


# --------------------------------------------------------------------------- store


def test_copy_of_the_working_database_has_the_schema_of_connect(tmp_path: Path) -> None:
    con = store.connect_memory()
    store.write_issues(con, "bron.csv", [
        LoadIssue(kind="note", detail="GENERATED eerste", column=None, line=None),
        LoadIssue(kind="unmapped_column", detail="GENERATED tweede", column="X", line=3)])
    store.copy_database(con, tmp_path / "kopie.duckdb")
    con.close()
    store.connect(tmp_path / "leeg.duckdb").close()

    def schema(path: Path) -> list:
        c = duckdb.connect(str(path), read_only=True)
        try:
            return c.execute("SELECT sql FROM duckdb_tables() UNION ALL "
                             "SELECT sql FROM duckdb_views() WHERE NOT internal "
                             "ORDER BY 1").fetchall()
        finally:
            c.close()

    assert schema(tmp_path / "kopie.duckdb") == schema(tmp_path / "leeg.duckdb")
    c = duckdb.connect(str(tmp_path / "kopie.duckdb"), read_only=True)
    assert c.execute("SELECT * FROM load_issues").fetchall() == [
        ("bron.csv", "note", "GENERATED eerste", None, None),
        ("bron.csv", "unmapped_column", "GENERATED tweede", "X", 3)]
    c.close()


def test_error_next_to_the_copy_is_raised(tmp_path: Path) -> None:
    con = store.connect_memory()

    def fails(other: duckdb.DuckDBPyConnection) -> None:
        other.execute("SELECT * FROM bestaat_niet")

    with pytest.raises(duckdb.CatalogException):
        store.copy_database(con, tmp_path / "kopie.duckdb", alongside=fails)
    con.close()


def test_copy_started_early_gets_the_rows_appended_later_in_order(tmp_path: Path) -> None:
    con = store.connect_memory()

    def append(first: int, n: int) -> None:  # GENERATED figures
        frame = pd.DataFrame({"i": np.arange(first, first + n)})
        con.register("_f", frame)
        con.execute("INSERT INTO observations SELECT 'a_inw', 2024, 'GM' || lpad(i::VARCHAR, 4, "
                    "'0'), i, NULL, 'gegenereerd', 'x' FROM _f")
        con.unregister("_f")

    append(0, 5000)
    copy = store.FileCopy(con, tmp_path / "kopie.duckdb")
    copy.start(("observations",))
    for k in range(10):  # while the copy runs
        with store.transaction(con):
            append(5000 + 100 * k, 100)
    store.write_issues(con, "gegenereerd", [LoadIssue(kind="note", detail="GENERATED")])
    copy.finish(last=("load_issues",))
    copy.close()
    con.close()
    c = duckdb.connect(str(tmp_path / "kopie.duckdb"), read_only=True)
    values = [r[0] for r in c.execute("SELECT value FROM observations ORDER BY rowid").fetchall()]
    assert values == list(range(6000))
    assert c.execute("SELECT count(*) FROM load_issues").fetchone()[0] == 1
    c.close()
