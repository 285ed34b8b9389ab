"""Reader for boundary files: GeoJSON FeatureCollections of gemeenten, wijken or buurten.

A boundary file becomes one :class:`~wijkanalyse.sourcetable.SourceTable` with

``regions``
    One row per region. Features that are parts of one region are merged first (see
    *Parts* below), so usually one row per feature. ``code`` is the normalised CBS code when
    the file has one (``statcode``, ``wijkCode``, ``buurtcode``, ``BU_CODE``, the feature ``id``,
    ``jrstatcode`` without its year prefix, ...), else ``None``; the build then resolves
    ``name`` within ``gemeente_name`` and ``level`` to a code. ``line`` is the 1-based feature
    number of the (first) feature.
``values``
    Numeric feature properties the catalogue knows (``catalogue.match``), e.g. a population
    count carried by a CBS/PDOK map. Properties the catalogue does not know are reported as
    ``unmapped_column`` issues; values are only loaded when the file has a year.
``geometries``
    ``region_key, source_crs, geojson, centroid_lon, centroid_lat, area_m2``: the geometry as
    GeoJSON text in WGS84 (lon/lat, 6 decimals), the **centroid** (centre of mass, computed in
    RD New EPSG:28992 and projected to WGS84; it may lie outside a strongly concave region) and
    the area in m² computed in RD New.

CRS
    The GeoJSON ``crs`` member is honoured (``EPSG:28992``, ``urn:ogc:def:crs:EPSG::28992``,
    ``...OGC:1.3:CRS84``, any EPSG code pyproj knows). Without it the file must be WGS84; the
    coordinate range is checked and RD New coordinates without a ``crs`` are an error.
Invalid geometries
    Repaired with ``shapely.make_valid`` (only the polygonal part is kept), noted as issue.
Parts
    Some municipal exports split a region into numbered parts (``"Waterland (1)"`` ...
    ``"Waterland (42)"``). Features of a name-only file whose names differ only by such a
    ``" (n)"`` suffix, and features of a coded file sharing a code, are merged into one
    region (named without the suffix) and noted as issue.
Gemeente and level of name-only files
    ``level`` comes from the code prefix, else a property (``rubriek``, ``soortregio``, ...),
    else the file name (``buurten``/``wijken``/``gemeenten``). ``gemeente_name`` comes from a
    property (``gemeentenaam``, ``GM_NAAM``, ...), else from the file name: the tokens that
    are not technical words (``amsterdam_buurten_wgs84`` -> ``Amsterdam``), spelled as in
    :data:`~wijkanalyse.sources.boundary_features.GEMEENTE_FILE_NAMES` where the CBS
    spelling differs (``denhaag`` -> ``'s-Gravenhage``), else title-cased.

Modules: this one (sniff, read, regions, coordinate checks, values, label),
:mod:`~wijkanalyse.sources.boundary_features` (properties of features: code, level, name,
gemeente, year) and :mod:`~wijkanalyse.sources.geometry` (shapely, CRS, geometry table).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbsvalues import EMPTY_REASON
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.boundary_features import (
    CODE_PROPERTIES,
    FEATURE_TYPE,
    GEMEENTE_NAME_PROPERTIES,
    GENERIC_NAME_PROPERTIES,
    LEVEL_PROPERTIES,
    NAME_PROPERTIES,
    YEAR_CODE_PROPERTIES,
    Feature,
    FeatureLines,
    fill_codes,
    fill_gemeente_names,
    fill_levels,
    parse_feature,
    table_year,
)
from wijkanalyse.sources.geometry import (
    RD_NEW,
    WGS84,
    crs_from_member,
    feature_geometries,
    geometry_table,
    polygonal,
)
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import VALUE_COLUMNS, LoadIssue, SourceInfo, SourceTable, empty_values

LAYOUT = "geojson_boundaries"


#: Numeric properties that describe the geometry or the record, never an indicator.
IGNORED_PROPERTIES = frozenset({
    "id", "fid", "gid", "objectid", "ogc_fid", "oce_id", "shape_area", "shape_length",
    "shape_leng", "oppervlakte", "omtrek", "area", "perimeter", "centroid", "bbox",
    "datumingang", "datumvervallen", "wijkbuurtcode", "wijkcode", "buurtcode", "gemeentecode",
    "jaar", "jaarstatcode", "jrstatcode", "water", "ind_wbi", "description", "_styleid",
})

#: Coordinate ranges (with margin) of WGS84 lon/lat and RD New in and around the Netherlands.
_LONLAT_NL = (2.0, 49.5, 8.5, 54.5)
_RD_NL = (-8000.0, 280000.0, 310000.0, 640000.0)

#: Values below this are CBS map codes for secret/unavailable figures (-99995, -99997, ...).
_CBS_MAP_SENTINEL = -99990.0
_SENTINEL_REASON = "geheim of niet beschikbaar (CBS-kaartcode {value:.0f})"

_PART_SUFFIX = re.compile(r"^(?P<base>.*\S)\s+\((?P<part>\d+)\)$")
_FEATURE_COLLECTION = re.compile(r'"type"\s*:\s*"FeatureCollection"')
_FEATURES_ARRAY = re.compile(r'"features"\s*:\s*\[')


# ----------------------------------------------------------------------------------- sniff


def sniff(path: Path) -> str | None:
    """``"geojson_boundaries"`` when ``path`` looks like a GeoJSON FeatureCollection, else None.

    Reads at most the first 4 KB. Files in a CBS OData table folder (next to a
    ``TableInfos.json``) are never boundary files.
    """
    try:
        path = Path(path)
        if not path.is_file() or path.suffix.lower() not in (".geojson", ".json"):
            return None
        if (path.parent / "TableInfos.json").exists():
            return None
        with open(path, "rb") as fh:
            head = fh.read(4096)
        text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
        if not text.startswith("{") or '"odata.metadata"' in text:
            return None
        if _FEATURE_COLLECTION.search(text):
            return LAYOUT
        if _FEATURES_ARRAY.search(text) and FEATURE_TYPE.search(text):
            return LAYOUT
        return None
    except (OSError, ValueError):
        return None


# ------------------------------------------------------------------------------------ read


@dataclass
class _Region:
    features: list[Feature] = field(default_factory=list)
    name: str | None = None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read a GeoJSON boundary file into one :class:`SourceTable` (see the module docstring).

    Raises
    ------
    DataFileError
        When the file is not valid JSON or GeoJSON, has coordinates that contradict its CRS,
        or has name-only features whose gemeente or level cannot be determined.
    """
    del context  # boundary files do not depend on other sources
    path = Path(path)
    raw = path.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    text = _decode(path, raw)
    doc = _parse_json(path, text)
    features = _feature_list(path, doc)
    lines = FeatureLines(text, len(features))
    source_crs = _source_crs(path, doc)
    issues: list[LoadIssue] = []

    built = feature_geometries(features)
    parsed = [parse_feature(path, f, i + 1, lines,
                             built=None if built is None else built[i])
              for i, f in enumerate(features)]
    fill_codes(parsed)
    fill_levels(path, parsed, lines)
    year = table_year(path, doc, parsed)
    fill_gemeente_names(path, parsed, lines)
    regions_list = _group_regions(parsed, issues)

    geoms_src = _region_geometries(regions_list, issues)
    source_crs = _check_coordinates(path, geoms_src, source_crs, regions_list, doc, lines)
    geometries = _geometry_frame(regions_list, geoms_src, source_crs)

    regions = pd.DataFrame({
        "region_key": pd.Series(range(1, len(regions_list) + 1), dtype="int64"),
        "year": pd.Series([year] * len(regions_list), dtype="Int64"),
        "code": pd.Series([r.features[0].code for r in regions_list], dtype="object"),
        "level": pd.Series([r.features[0].level for r in regions_list], dtype="object"),
        "name": pd.Series([r.name for r in regions_list], dtype="object"),
        "gemeente_name": pd.Series([r.features[0].gemeente_name for r in regions_list],
                                   dtype="object"),
        "line": pd.Series([r.features[0].number for r in regions_list], dtype="int64"),
    })
    values = _values(regions_list, year, catalogue, issues)
    info = SourceInfo(
        path=path,
        kind="boundaries",
        layout=LAYOUT,
        table_id=None,
        year=year,
        sha256=sha256,
        label=_label(parsed, year),
    )
    return [SourceTable(source=info, regions=regions, values=values, issues=issues,
                        geometries=geometries)]


# ------------------------------------------------------------------------- JSON structure


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(
            path, f"het bestand is geen UTF-8-tekst (byte {exc.start + 1}).", line=line,
            hint="Sla het GeoJSON-bestand op als UTF-8 (GeoJSON is altijd UTF-8).",
        ) from exc


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(
            path, f"ongeldige JSON: {exc.msg}.", line=exc.lineno, column=exc.colno,
            hint="Het bestand is beschadigd of onvolledig; download of exporteer het opnieuw "
                 "als GeoJSON.",
        ) from exc


def _feature_list(path: Path, doc: Any) -> list[dict[str, Any]]:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise DataFileError(
            path, "dit is geen GeoJSON FeatureCollection (sleutel \"type\" is niet "
                  "\"FeatureCollection\").",
            hint="Exporteer de grenzen als GeoJSON FeatureCollection (bijv. met QGIS: "
                 "'Exporteren > Objecten opslaan als > GeoJSON').",
        )
    features = doc.get("features")
    if not isinstance(features, list):
        raise DataFileError(path, "de FeatureCollection heeft geen lijst \"features\".",
                            hint="Controleer of het bestand volledig is gedownload.")
    if not features:
        raise DataFileError(path, "de FeatureCollection bevat geen features.",
                            hint="Gebruik een bestand met minstens één gebied.")
    return features


# ----------------------------------------------------------------------------- features


# ------------------------------------------------------------------------------ regions


def _group_regions(features: list[Feature], issues: list[LoadIssue]) -> list[_Region]:
    """Merge features that are parts of one region (same code, or ``"Name (n)"`` parts)."""
    groups: dict[tuple[Any, ...], _Region] = {}
    base_counts: dict[tuple[Any, ...], int] = {}
    for f in features:
        if f.code is None and f.name and (m := _PART_SUFFIX.match(f.name)):
            k = (f.level, f.gemeente_name, m.group("base"))
            base_counts[k] = base_counts.get(k, 0) + 1
    for f in features:
        name = f.name
        if f.code is not None:
            key: tuple[Any, ...] = ("code", f.code)
        elif f.name and (m := _PART_SUFFIX.match(f.name)) and base_counts.get(
                (f.level, f.gemeente_name, m.group("base")), 0) > 1:
            name = m.group("base")
            key = ("name", f.level, f.gemeente_name, name)
        else:
            key = ("feature", f.number)
        region = groups.setdefault(key, _Region(name=name))
        region.features.append(f)
    for region in groups.values():
        if len(region.features) > 1:
            numbers = ", ".join(str(f.number) for f in region.features)
            what = (f"code {region.features[0].code}" if region.features[0].code
                    else f"naam {region.name!r}")
            issues.append(LoadIssue(
                kind="note",
                detail=f"{len(region.features)} features met {what} (features {numbers}) zijn "
                       "samengevoegd tot één gebied.",
                line=region.features[0].number,
            ))
    return list(groups.values())


def _region_geometries(regions: list[_Region], issues: list[LoadIssue]) -> np.ndarray:
    """One polygonal geometry (or None) per region, in the source CRS, valid and 2D."""
    out = np.empty(len(regions), dtype=object)
    for i, region in enumerate(regions):
        parts = []
        for f in region.features:
            g = f.geometry
            if g is None or g.is_empty:
                issues.append(LoadIssue(
                    kind="note", detail=f"feature {f.number} ({f.name!r}) heeft geen geometrie.",
                    line=f.number))
                continue
            if g.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
                issues.append(LoadIssue(
                    kind="note",
                    detail=f"feature {f.number} ({f.name!r}) heeft geometrie van type "
                           f"{g.geom_type}, geen vlak; de geometrie is niet geladen.",
                    line=f.number))
                continue
            g = shapely.force_2d(g)
            if not g.is_valid:
                reason = shapely.is_valid_reason(g)
                g = polygonal(shapely.make_valid(g))
                issues.append(LoadIssue(
                    kind="note",
                    detail=f"feature {f.number} ({f.name!r}) had een ongeldige geometrie "
                           f"({reason}); hersteld met make_valid.",
                    line=f.number))
            else:
                g = polygonal(g)
            if g is not None:
                parts.append(g)
        if not parts:
            out[i] = None
        elif len(parts) == 1:
            out[i] = parts[0]
        else:
            out[i] = polygonal(shapely.union_all(parts))
    return out


# ---------------------------------------------------------------------------------- CRS


def _source_crs(path: Path, doc: dict[str, Any]) -> str:
    try:
        crs = crs_from_member(doc.get("crs"))
        if crs is not None and crs not in (WGS84, RD_NEW):
            CRS.from_user_input(crs)
    except (ValueError, CRSError) as exc:
        raise DataFileError(
            path, f"het coördinatenstelsel (crs) wordt niet herkend: {exc}.", column="crs",
            hint="Gebruik WGS84 (zonder crs-lid) of RD New met "
                 "\"crs\": {\"type\": \"name\", \"properties\": {\"name\": \"EPSG:28992\"}}.",
        ) from exc
    return crs or WGS84


def _bounds_in(bounds: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return ((bounds[:, 0] >= box[0]) & (bounds[:, 1] >= box[1])
            & (bounds[:, 2] <= box[2]) & (bounds[:, 3] <= box[3]))


def _check_coordinates(path: Path, geoms: np.ndarray, crs: str, regions: list[_Region],
                       doc: dict[str, Any], lines: FeatureLines) -> str:
    """Check that coordinates fit the CRS; raise naming the first feature that does not."""
    present = np.array([g is not None for g in geoms], dtype=bool)
    if not present.any():
        return crs
    bounds = np.full((len(geoms), 4), np.nan)
    bounds[present] = shapely.bounds(geoms[present].astype(object))
    declared = doc.get("crs") is not None

    def fail(i: int, message: str, hint: str) -> None:
        f = regions[i].features[0]
        x, y = bounds[i, 0], bounds[i, 1]
        raise DataFileError(
            path, f"feature {f.number} ({f.name!r}): {message} (bijv. x={x:.6g}, y={y:.6g}).",
            line=lines.line(f.number), hint=hint)

    if crs == WGS84:
        ok = ((bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90)
              & (bounds[:, 3] <= 90)) | ~present
        swapped = _bounds_in(bounds[:, [1, 0, 3, 2]], _LONLAT_NL) & ~_bounds_in(bounds, _LONLAT_NL)
        looks_rd = _bounds_in(bounds, _RD_NL)
        if not ok.all():
            i = int(np.argmin(ok))
            if looks_rd[i]:
                msg = ("de coördinaten zijn geen lengte-/breedtegraden (WGS84) maar lijken "
                       "RD New-coördinaten (EPSG:28992)")
                if declared:
                    msg += ", terwijl het bestand WGS84 als crs noemt"
                else:
                    msg += ", en het bestand noemt geen crs"
                fail(i, msg, "Voeg bovenaan het bestand het crs-lid toe: \"crs\": {\"type\": "
                             "\"name\", \"properties\": {\"name\": \"EPSG:28992\"}}, of "
                             "exporteer het bestand opnieuw in WGS84 (EPSG:4326).")
            fail(i, "de coördinaten liggen buiten het bereik van lengte-/breedtegraden (WGS84) "
                    "en er is geen passende crs opgegeven",
                 "Exporteer het bestand in WGS84 (EPSG:4326) of geef het coördinatenstelsel "
                 "op met een crs-lid (bijv. EPSG:28992 voor RD New).")
        if swapped[present].all():
            i = int(np.argmax(present))
            fail(i, "de coördinaten lijken breedte/lengte in omgekeerde volgorde (lat, lon)",
                 "GeoJSON vraagt [lengtegraad, breedtegraad]; exporteer het bestand opnieuw "
                 "met de juiste asvolgorde.")
    elif crs == RD_NEW:
        looks_lonlat = _bounds_in(bounds, (-180.0, -90.0, 180.0, 90.0)) & present
        if looks_lonlat.any():
            i = int(np.argmax(looks_lonlat))
            fail(i, "het bestand noemt RD New (EPSG:28992) als crs, maar de coördinaten lijken "
                    "lengte-/breedtegraden (WGS84)",
                 "Verwijder het crs-lid of zet het op EPSG:4326.")
    return crs


def _geometry_frame(regions: list[_Region], geoms_src: np.ndarray, crs: str) -> pd.DataFrame:
    keys = np.arange(1, len(regions) + 1, dtype="int64")
    return geometry_table(keys, geoms_src, crs)


# ------------------------------------------------------------------------------- values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _values(regions: list[_Region], year: int | None, catalogue: Catalogue,
            issues: list[LoadIssue]) -> pd.DataFrame:
    """Values of numeric properties the catalogue knows; others become issues."""
    used = {*CODE_PROPERTIES, *YEAR_CODE_PROPERTIES, *GENERIC_NAME_PROPERTIES,
            *GEMEENTE_NAME_PROPERTIES, *LEVEL_PROPERTIES, "__feature_id__",
            *(k for keys in NAME_PROPERTIES.values() for k in keys)}
    numeric: set[str] = set()
    for region in regions:
        for f in region.features:
            for key, value in f.properties.items():
                if key in used or key in IGNORED_PROPERTIES or key.startswith("_"):
                    continue
                if _is_number(value):
                    numeric.add(key)
    rows: list[dict[str, Any]] = []
    for key in sorted(numeric):
        original = _original_key(regions, key)
        ind = catalogue.match(original)
        if ind is None:
            issues.append(LoadIssue(
                kind="unmapped_column", column=original,
                detail=f"eigenschap {original!r} staat niet in de indicatorcatalogus en is niet "
                       "geladen."))
            continue
        if year is None:
            issues.append(LoadIssue(
                kind="note", column=original,
                detail=f"eigenschap {original!r} ({ind}) is niet geladen: het jaar van het "
                       "bestand is onbekend (zet het jaar in de bestandsnaam)."))
            continue
        multi = [r for r in regions if len(r.features) > 1]
        if multi:
            issues.append(LoadIssue(
                kind="note", column=original,
                detail=f"eigenschap {original!r} is niet geladen voor {len(multi)} "
                       "samengevoegde gebieden (waarde per deel onduidelijk)."))
        for region_key, region in enumerate(regions, start=1):
            if len(region.features) > 1:
                continue
            raw = region.features[0].properties.get(key)
            value, reason = _cell(raw)
            if reason and reason.startswith("ongeldig"):
                issues.append(LoadIssue(
                    kind="note", column=original, line=region.features[0].number,
                    detail=f"feature {region.features[0].number}: waarde {raw!r} van "
                           f"{original!r} is geen getal."))
            rows.append({"region_key": region_key, "year": year, "indicator_id": ind,
                         "value": value, "missing_reason": reason, "source_column": original})
    if not rows:
        return empty_values()
    out = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    out["region_key"] = out["region_key"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype("float64")
    reasons = out["missing_reason"].astype("object")
    out["missing_reason"] = reasons.where(reasons.notna(), None)
    return out


def _cell(raw: Any) -> tuple[float, str | None]:
    if raw is None:
        return math.nan, EMPTY_REASON
    if _is_number(raw):
        value = float(raw)
        if math.isnan(value):
            return math.nan, EMPTY_REASON
        if value <= _CBS_MAP_SENTINEL:
            return math.nan, _SENTINEL_REASON.format(value=value)
        return value, None
    return math.nan, f"ongeldig: {raw!r}"


def _original_key(regions: list[_Region], key: str) -> str:
    """The property name as spelled in the file (properties are kept lower-cased)."""
    for region in regions:
        for f in region.features:
            if key in f.spelling:
                return f.spelling[key]
    return key


# -------------------------------------------------------------------------------- label


def _label(features: list[Feature], year: int | None) -> str:
    """How the source is cited: CBS/PDOK for coded files, else the gemeente's own division."""
    suffix = f" {year}" if year else ""
    levels = {f.level for f in features}
    if any(f.code for f in features):
        if levels == {"gemeente"}:
            return f"CBS/PDOK, gemeentegrenzen{suffix}"
        return f"CBS/PDOK, Wijk- en Buurtkaart{suffix}"
    gemeenten = sorted({f.gemeente_name for f in features if f.gemeente_name})
    what = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}
    kinds = " en ".join(what[lvl] for lvl in ("wijk", "buurt", "gemeente") if lvl in levels)
    if len(gemeenten) == 1:
        return f"Gemeente {gemeenten[0]}, gebiedsindeling {kinds}{suffix}".rstrip()
    return f"Gebiedsindeling {kinds}{suffix}".rstrip()
