"""Reader for the CBS Wijk- en Buurtkaart as GeoJSON with its attributes (geometry and figures).

Layout ``wbk_geojson``: GeoJSON FeatureCollections whose features carry the Wijk- en
Buurtkaart attributes (``BU_CODE``/``WK_CODE``/``GM_CODE`` and ``AANT_INW``, ...; see
:mod:`wijkanalyse.sources.wbk`). The map is often split into several files, e.g. one per
veiligheidsregio (``buurt_2015_per_vr/amsterdam-amstelland.buurt.geojson``, ...), and a region
on the border of two files is in both. Therefore:

Source unit
    A folder whose data files are all Wijk- en Buurtkaart GeoJSON (at least two; sub-folders
    included) is **one source** (:func:`is_unit_folder`, used by
    :func:`wijkanalyse.sources.registry.discover`), read by one call of :func:`read`. A single such
    file
    is a source of its own.
Tables
    One :class:`~wijkanalyse.sourcetable.SourceTable` per year and level (buurten, wijken,
    gemeenten), named ``"<folder>: buurten 2015"``. The year comes from a ``JAAR`` property,
    else the file name, else the names of the folders between the file and the unit, else the
    unit's name.
Duplicates
    Features with the same code (in one file or in several) are one region: the attributes of
    the first copy (in sorted file order) are loaded and the polygons of all copies are
    united. Copies whose attributes differ are recorded as ``conflict`` issues with both values.
Geometry
    Kept when polygonal (``make_valid`` repairs invalid polygons, with a note). A shape that is
    a point or line (clipping leaves these) is dropped with a ``note`` naming file and feature;
    the region keeps its attributes. Area and centroid are computed in RD New, vectorised
    (:func:`wijkanalyse.sources.geometry.geometry_table`).
Wijken derived from buurten
    Where a year has buurten but its wijk table lacks a wijk of those buurten (the 2015 wijk
    files miss 20 wijken, e.g. all of Zeewolde), the wijk is derived from its buurten with
    :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (counts summed, rates and means weighted
    by
    their base, codes not derived; a suppressed buurt value makes the wijk value missing with
    the reason). These wijken form a separate table of layout ``wbk_geojson_afgeleid``
    (``"<folder>: wijken 2015 afgeleid uit buurten"``, lowest priority), with the union of the
    buurt polygons as geometry and a note listing them; their source columns read
    ``"AANT_INW (afgeleid uit buurten)"``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbstables import year_from_name
from wijkanalyse.codes import wijk_code_of
from wijkanalyse.errors import DataFileError
from wijkanalyse.gebieden.aggregate import aggregate_many
from wijkanalyse.sources import wbk
from wijkanalyse.sources.geometry import (
    RD_NEW,
    WGS84,
    crs_from_member,
    feature_geometries,
    geometry_from_geojson,
    geometry_table,
    polygonal,
    reproject,
)
from wijkanalyse.sources.registry import IGNORED_SUFFIXES, ReadContext
from wijkanalyse.sourcetable import (
    REGION_COLUMNS,
    VALUE_COLUMNS,
    LoadIssue,
    SourceInfo,
    SourceTable,
)

LAYOUT = "wbk_geojson"
LAYOUT_DERIVED = "wbk_geojson_afgeleid"
DERIVED_SUFFIX = " (afgeleid uit buurten)"

_SNIFF_BYTES = 65536
_CODE_KEY = re.compile(r'"(BU_CODE|WK_CODE|GM_CODE)"\s*:')
_INW_KEY = re.compile(r'"AANT_INW"\s*:')
_COLLECTION = re.compile(r'"type"\s*:\s*"FeatureCollection"')
_LEVEL_ORDER = {"gemeente": 0, "wijk": 1, "buurt": 2}
#: Coordinate boxes (with margin) of the Netherlands in WGS84 lon/lat and RD New.
_BOXES = {WGS84: (2.0, 49.5, 8.5, 54.5), RD_NEW: (-8000.0, 280000.0, 310000.0, 640000.0)}
_POLYGON, _MULTIPOLYGON = 3, 6  # shapely.get_type_id


# ----------------------------------------------------------------------------------- sniff


def _is_wbk_geojson(path: Path) -> bool:
    """A GeoJSON FeatureCollection whose features carry a WBK code and ``AANT_INW``."""
    try:
        if not path.is_file() or path.suffix.lower() not in (".geojson", ".json"):
            return False
        if (path.parent / "TableInfos.json").exists():
            return False
        with open(path, "rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    except OSError:
        return False
    return (head.startswith("{") and bool(_COLLECTION.search(head))
            and bool(_CODE_KEY.search(head)) and bool(_INW_KEY.search(head)))


def _data_files(folder: Path) -> list[Path]:
    """The files below ``folder`` that a build would consider (sorted; no hidden or docs)."""
    out: list[Path] = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith("."):
            continue
        if p.is_dir():
            out.extend(_data_files(p))
        elif p.suffix.lower() not in IGNORED_SUFFIXES:
            out.append(p)
    return out


def is_unit_folder(path: Path) -> bool:
    """Whether ``path`` is a folder of Wijk- en Buurtkaart GeoJSON files read as one source.

    True when it holds (below it) at least two data files and every one is a Wijk- en
    Buurtkaart GeoJSON. Reads at most 64 KB of each file; never raises.
    """
    try:
        path = Path(path)
        if not path.is_dir() or (path / "TableInfos.json").exists():
            return False
        files = _data_files(path)
    except OSError:
        return False
    return len(files) >= 2 and all(_is_wbk_geojson(f) for f in files)


def sniff(path: Path) -> str | None:
    """``"wbk_geojson"`` for a Wijk- en Buurtkaart GeoJSON file or folder (see module doc)."""
    path = Path(path)
    if path.is_dir():
        return LAYOUT if is_unit_folder(path) else None
    return LAYOUT if _is_wbk_geojson(path) else None


# ----------------------------------------------------------------------------- one file


@dataclass
class _File:
    path: Path
    rel: str  # name relative to the unit's folder, for messages
    sha256: str
    crs: str
    year: int
    level: str
    code_col: str
    name_col: str | None
    frame: pd.DataFrame  # properties + wbk.RECORD + wbk.ORIGIN
    geoms: np.ndarray  # polygonal shapely geometry (source CRS) or None, per feature
    dropped: dict[int, str]  # feature position -> why its geometry was not loaded


def _fail(path: Path, message: str, *, hint: str, line: int | None = None,
          column: str | None = None) -> DataFileError:
    return DataFileError(path, message, line=line, column=column, hint=hint)


def _read_file(unit: Path, path: Path) -> _File:
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    rel = path.name if unit == path else path.relative_to(unit).as_posix()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, f"het bestand is geen UTF-8-tekst (byte {exc.start + 1}).",
                    line=raw[: exc.start].count(b"\n") + 1,
                    hint="Sla het GeoJSON-bestand op als UTF-8.") from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"ongeldige JSON: {exc.msg}.", line=exc.lineno,
                            column=exc.colno,
                            hint="Het bestand is beschadigd of onvolledig; download het "
                                 "opnieuw.") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list) or not doc["features"]:
        raise _fail(path, "dit is geen GeoJSON FeatureCollection met features.",
                    hint="Gebruik het GeoJSON-bestand van de Wijk- en Buurtkaart zoals "
                         "gedownload.")
    try:
        crs = crs_from_member(doc.get("crs")) or WGS84
    except ValueError as exc:
        raise _fail(path, f"het coördinatenstelsel (crs) wordt niet herkend: {exc}.",
                    column="crs", hint="Gebruik WGS84 (zonder crs-lid) of RD New "
                                       "(EPSG:28992).") from exc

    props: list[dict[str, Any]] = []
    geoms: list[Any] = []
    built = feature_geometries(doc["features"])
    for i, feature in enumerate(doc["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise _fail(path, f"feature {i} is geen GeoJSON Feature.",
                        hint="Elk element van \"features\" moet {\"type\": \"Feature\", ...} "
                             "zijn.")
        p = feature.get("properties")
        if not isinstance(p, dict):
            raise _fail(path, f"feature {i}: \"properties\" ontbreekt of is geen object.",
                        hint="Gebruik het originele bestand van de Wijk- en Buurtkaart.")
        props.append(p)
        g = feature.get("geometry")
        if g is None:
            geoms.append(None)
            continue
        if built is not None:
            geoms.append(built[i - 1])
            continue
        try:
            geoms.append(geometry_from_geojson(g))
        except Exception as exc:  # shapely raises several types for malformed geometry
            raise _fail(path, f"feature {i}: ongeldige geometrie ({exc}).", column="geometry",
                        hint="Herstel de geometrie of download het bestand opnieuw.") from exc

    found = wbk.level_of_columns(list(props[0]))
    if found is None:
        raise _fail(path, "feature 1 heeft geen eigenschap BU_CODE, WK_CODE of GM_CODE.",
                    hint="Dit lijkt geen Wijk- en Buurtkaart-bestand.")
    level, code_col, name_col = found
    for i, p in enumerate(props, start=1):
        if code_col not in p:
            raise _fail(path, f"feature {i}: de eigenschap {code_col} ontbreekt (feature 1 "
                              f"heeft hem wel).", column=code_col,
                        hint="Alle features van één bestand horen dezelfde eigenschappen te "
                             "hebben.")
    frame = pd.DataFrame.from_records(props)
    frame[wbk.RECORD] = np.arange(1, len(props) + 1, dtype="int64")
    frame[wbk.ORIGIN] = rel
    year = _file_year(unit, path, frame)
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    kept, dropped = _polygonal_geometries(arr)
    _check_box(path, kept, crs, frame)
    return _File(path=path, rel=rel, sha256=sha, crs=crs, year=year, level=level,
                 code_col=code_col, name_col=name_col, frame=frame, geoms=kept,
                 dropped=dropped)


def _file_year(unit: Path, path: Path, frame: pd.DataFrame) -> int:
    col = next((c for c in frame.columns if str(c).strip().upper() == "JAAR"), None)
    if col is not None:
        years = pd.to_numeric(frame[col], errors="coerce").dropna().unique()
        if len(years) == 1:
            return int(years[0])
        if len(years) > 1:
            raise _fail(path, f"eigenschap {col} noemt meer dan één jaar.", column=col,
                        hint="Eén bestand hoort bij één jaargang van de Wijk- en Buurtkaart.")
    candidates = [path.name]
    if unit != path:  # the folders between the unit and the file, nearest first, then the unit
        candidates += [*reversed(path.relative_to(unit).parts[:-1]), unit.name]
    for name in candidates:
        year = year_from_name(name)
        if year:
            return year
    raise _fail(path, "het jaar van de Wijk- en Buurtkaart is onbekend (geen eigenschap JAAR en "
                      "geen jaartal in de bestands- of mapnaam).",
                hint="Zet het jaar in de naam van het bestand of de map, bijv. "
                     "'wijkbuurtkaart_2015'.")


def _polygonal_geometries(geoms: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """Polygonal, valid, 2D geometries; the others ``None``, with notes by position."""
    out = np.empty(len(geoms), dtype=object)
    notes: dict[int, str] = {}
    types = shapely.get_type_id(geoms)  # -1 for None
    poly = (types == _POLYGON) | (types == _MULTIPOLYGON)
    for i in np.flatnonzero(~poly):
        g = geoms[i]
        if g is None or g.is_empty:
            notes[int(i)] = "heeft geen geometrie"
            continue
        part = polygonal(g)  # a GeometryCollection may hold polygons
        if part is None:
            notes[int(i)] = f"heeft als geometrie een {g.geom_type}, geen vlak"
        else:
            out[i] = part
    out[poly] = geoms[poly]
    idx = np.flatnonzero(~shapely.is_missing(out))
    if len(idx):
        valid = shapely.is_valid(out[idx])
        for i in idx[~valid]:
            reason = shapely.is_valid_reason(out[i])
            fixed = polygonal(shapely.make_valid(out[i]))
            out[i] = fixed
            notes[int(i)] = (
                f"had een ongeldige geometrie ({reason}); hersteld met make_valid"
                if fixed is not None
                else f"had een ongeldige geometrie ({reason}) zonder vlak na herstel")
        idx = np.flatnonzero(~shapely.is_missing(out))
        out[idx] = shapely.force_2d(out[idx])
    return out, notes


def _check_box(path: Path, geoms: np.ndarray, crs: str, frame: pd.DataFrame) -> None:
    have = np.array([g is not None for g in geoms], dtype=bool)
    if not have.any():
        return
    box = _BOXES.get(crs)
    g = geoms[have].astype(object)
    if box is None:
        g, box = reproject(g, crs, WGS84), _BOXES[WGS84]
    b = shapely.bounds(g)
    ok = (b[:, 0] >= box[0]) & (b[:, 1] >= box[1]) & (b[:, 2] <= box[2]) & (b[:, 3] <= box[3])
    if ok.all():
        return
    i = int(np.flatnonzero(have)[int(np.argmin(ok))])
    record = int(frame[wbk.RECORD].iloc[i])
    raise _fail(path, f"feature {record}: de coördinaten (bijv. x={b[int(np.argmin(ok)), 0]:.6g}, "
                      f"y={b[int(np.argmin(ok)), 1]:.6g}) liggen niet in Nederland volgens het "
                      f"coördinatenstelsel {crs} van het bestand.", column="geometry",
                hint="Controleer het crs-lid: zonder crs-lid moet het bestand WGS84 "
                     "(lengte-/breedtegraad) zijn; RD New vraagt EPSG:28992.")


# ------------------------------------------------------------------------------------ read


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read a Wijk- en Buurtkaart GeoJSON file or folder (see the module docstring).

    Raises
    ------
    DataFileError
        Naming file, feature and field: malformed JSON/GeoJSON, a bad code or number, a file
        without year, coordinates outside the Netherlands for the declared CRS.
    """
    del context
    unit = Path(path)
    files = [unit] if unit.is_file() else _data_files(unit)
    for f in files:
        if not _is_wbk_geojson(f):
            raise _fail(f, "dit bestand staat in een map met Wijk- en Buurtkaart-bestanden, "
                           "maar is zelf geen Wijk- en Buurtkaart-GeoJSON.",
                        hint="Zet andere bestanden in een eigen map.")
    if not files:
        raise _fail(unit, "de map bevat geen Wijk- en Buurtkaart-bestanden.",
                    hint="Geef een map met GeoJSON-bestanden van de Wijk- en Buurtkaart.")
    parsed = [_read_file(unit, f) for f in files]
    groups: dict[tuple[int, str], list[_File]] = defaultdict(list)
    for pf in parsed:
        groups[(pf.year, pf.level)].append(pf)
    several = unit.is_dir() or len(groups) > 1
    tables: dict[tuple[int, str], tuple[SourceTable, np.ndarray]] = {}
    out: list[SourceTable] = []
    for key in sorted(groups, key=lambda k: (k[0], _LEVEL_ORDER[k[1]])):
        table, geoms = _group_table(unit, groups[key], catalogue, several=several)
        tables[key] = (table, geoms)
        out.append(table)
    for (year, level), (buurten, geoms) in sorted(tables.items()):
        if level != "buurt":
            continue
        wijken = tables.get((year, "wijk"))
        derived = _derived_wijken(unit, buurten, geoms, wijken[0] if wijken else None,
                                  catalogue)
        if derived is not None:
            out.append(derived)
    return out


def _group_table(unit: Path, files: list[_File], catalogue: Catalogue, *,
                 several: bool) -> tuple[SourceTable, np.ndarray]:
    """One table (year, level) from its files: dedupe, geometry union, values."""
    year, level = files[0].year, files[0].level
    plural = wbk.PLURAL[level]
    frame = pd.concat([f.frame for f in files], ignore_index=True)
    geoms = np.concatenate([f.geoms for f in files])
    crs_set = {f.crs for f in files}
    crs = crs_set.pop() if len(crs_set) == 1 else WGS84
    if crs_set:  # files in different CRSs: all to WGS84 before uniting copies
        geoms = np.concatenate([reproject(f.geoms, f.crs, WGS84) if f.crs != WGS84 else f.geoms
                                for f in files])
    dropped: dict[int, tuple[_File, str]] = {}
    offset = 0
    for f in files:
        for pos, why in f.dropped.items():
            dropped[offset + pos] = (f, why)
        offset += len(f.frame)

    table = wbk.to_table(unit, frame, level=level, code_col=files[0].code_col,
                         name_col=files[0].name_col, year=year, catalogue=catalogue,
                         what="feature")
    issues = list(table.issues)
    codes = table.codes.to_numpy(dtype=object)
    records = frame[wbk.RECORD].to_numpy()
    land = table.land
    region_geoms = np.empty(len(table.rows), dtype=object)
    key_of = {c: i for i, c in enumerate(table.regions["code"])}
    copies: dict[str, list[int]] = defaultdict(list)
    for pos in np.flatnonzero(land).tolist():
        copies[codes[pos]].append(pos)
    n_multi = 0
    for code, positions in copies.items():
        parts = [geoms[p] for p in positions if geoms[p] is not None]
        if len(positions) > 1:
            n_multi += 1
        if not parts:
            continue
        region_geoms[key_of[code]] = parts[0] if len(parts) == 1 else polygonal(
            shapely.union_all(parts))
    if n_multi:
        issues.append(LoadIssue(
            kind="note",
            detail=f"{n_multi} {plural} staan in meer dan één feature of bestand (gebieden op "
                   "de grens van twee kaartdelen); ze zijn één keer geladen, met de "
                   "vereniging van hun vlakken als geometrie.",
        ))
    for pos in sorted(dropped):
        f, why = dropped[pos]
        if not land[pos]:
            continue
        code = codes[pos]
        record = int(records[pos])
        repaired = why.startswith("had een ongeldige geometrie (") and "hersteld" in why
        if repaired:
            tail = "."
        elif region_geoms[key_of[code]] is not None:
            tail = ("; deze geometrie is niet geladen, de kenmerken wel; het gebied heeft een "
                    "vlak uit een andere feature.")
        else:
            tail = "; de geometrie is niet geladen, de kenmerken wel (gebied zonder kaartvlak)."
        issues.append(LoadIssue(
            kind="note", line=record, column="geometry",
            detail=f"{f.rel}, feature {record} ({code}) {why}{tail}",
        ))
    keys = table.regions["region_key"].to_numpy()
    geometries = geometry_table(keys, region_geoms, crs)
    sha = hashlib.sha256("".join(f"{f.rel}\0{f.sha256}\n" for f in files).encode()).hexdigest()
    info = SourceInfo(
        path=unit, kind="kwb", layout=LAYOUT, table_id=None, year=year, sha256=sha,
        label=f"CBS, Wijk- en Buurtkaart {year} ({plural})",
        name=f"{unit.name}: {plural} {year}" if several else None,
    )
    if len(files) > 1:
        issues.append(LoadIssue(
            kind="note", detail=f"{len(table.regions)} {plural} {year} uit {len(files)} "
                                f"bestanden: {', '.join(f.rel for f in files)}."))
    return (SourceTable(source=info, regions=table.regions, values=table.values,
                        issues=issues, geometries=geometries), region_geoms)


def _derived_wijken(unit: Path, buurten: SourceTable, buurt_geoms: np.ndarray,
                    wijken: SourceTable | None, catalogue: Catalogue) -> SourceTable | None:
    """Wijken that the wijk table lacks, derived from their buurten (or ``None``)."""
    year = buurten.source.year
    assert year is not None
    breg = buurten.regions
    wijk_of = breg["code"].map(wijk_code_of)
    known = set(wijken.regions["code"]) if wijken is not None else set()
    todo = sorted(set(wijk_of) - known)
    if not todo:
        return None
    wanted = set(todo)
    by_wijk = breg.assign(wijk=wijk_of).sort_values("code").groupby("wijk", sort=True)
    members = {wk: list(codes) for wk, codes in by_wijk["code"] if wk in wanted}
    vals = buurten.values.merge(breg[["region_key", "code"]], on="region_key")
    vals = vals[vals["code"].isin({c for m in members.values() for c in m})]
    present = set(vals["indicator_id"])
    derivable, skipped = [], []
    for ind_id in sorted(present):
        ind = catalogue[ind_id]
        if ind.aggregation == "sum":
            derivable.append(ind_id)
        elif ind.aggregation == "weighted" and ind.base in present:
            derivable.append(ind_id)
        elif ind.aggregation == "weighted":
            skipped.append(f"{ind_id} (noemer {ind.base} ontbreekt in de buurten)")
        else:
            skipped.append(f"{ind_id} (code of klasse)")
    agg = aggregate_many(vals[["indicator_id", "year", "code", "value", "missing_reason"]],
                         areas=members, indicators=catalogue)
    agg = agg[agg["indicator_id"].isin(derivable)]

    n = len(todo)
    heads = breg.assign(wijk=wijk_of).groupby("wijk").head(1)
    heads = heads[heads["wijk"].isin(members)]
    first = {wk: row for wk, row in heads.set_index("wijk").iterrows()}
    regions = pd.DataFrame({
        "region_key": np.arange(1, n + 1, dtype="int64"),
        "year": pd.Series([year] * n, dtype="Int64"),
        "code": pd.Series(todo, dtype=object),
        "level": "wijk",
        "name": pd.Series([None] * n, dtype=object),
        "gemeente_name": pd.Series([first[wk]["gemeente_name"] for wk in todo], dtype=object),
        "line": np.array([int(first[wk]["line"]) for wk in todo], dtype="int64"),
    })[REGION_COLUMNS]
    key = dict(zip(todo, regions["region_key"], strict=True))
    column_of = (buurten.values.drop_duplicates("indicator_id")
                 .set_index("indicator_id")["source_column"])
    values = pd.DataFrame({
        "region_key": agg["area_id"].map(key).astype("int64"),
        "year": agg["year"].astype("int64"),
        "indicator_id": agg["indicator_id"].astype(object),
        "value": agg["value"].where(agg["complete"]).astype("float64"),
        "missing_reason": [None if ok else f"afgeleid uit buurten, onvolledig: {why}"
                           for ok, why in zip(agg["complete"], agg["reason"], strict=True)],
        "source_column": agg["indicator_id"].map(column_of).astype(str) + DERIVED_SUFFIX,
    })[VALUE_COLUMNS].reset_index(drop=True)

    bkey = dict(zip(breg["code"], range(len(breg)), strict=True))
    geoms = np.empty(n, dtype=object)
    no_geom = []
    for i, wk in enumerate(todo):
        parts = [buurt_geoms[bkey[c]] for c in members[wk]]
        if all(p is not None for p in parts):
            geoms[i] = parts[0] if len(parts) == 1 else polygonal(shapely.union_all(parts))
        else:
            no_geom.append(wk)
    crs = buurten.geometries["source_crs"].iloc[0] if buurten.geometries is not None and len(
        buurten.geometries) else WGS84
    geometries = geometry_table(regions["region_key"].to_numpy(), geoms, crs)

    what = "het wijkbestand" if wijken is not None else "de kaart (er is geen wijkbestand)"
    issues = [LoadIssue(
        kind="note",
        detail=f"{n} wijken van {year} ontbreken in {what}: {', '.join(todo)}. Hun cijfers zijn "
               "afgeleid uit hun buurten (aantallen opgeteld, percentages en gemiddelden "
               "gewogen met hun noemer; een geheime buurtwaarde maakt de wijkwaarde onbekend). "
               "De buurtaantallen zijn afgerond, de afgeleide cijfers dus ook bij benadering; de "
               "wijken hebben in deze bron geen naam."
               + (f" Niet afgeleid: {', '.join(skipped)}." if skipped else ""),
    )]
    if no_geom:
        issues.append(LoadIssue(
            kind="note",
            detail=f"Geen kaartvlak voor de afgeleide wijken {', '.join(no_geom)}: niet al hun "
                   "buurten hebben een vlak."))
    plural = wbk.PLURAL["wijk"]
    info = SourceInfo(
        path=unit, kind="kwb", layout=LAYOUT_DERIVED, table_id=None, year=year,
        sha256=buurten.source.sha256,
        label=f"CBS, Wijk- en Buurtkaart {year} ({plural} afgeleid uit buurten)",
        name=f"{unit.name}: {plural} {year} afgeleid uit buurten",
    )
    return SourceTable(source=info, regions=regions, values=values, issues=issues,
                       geometries=geometries)
