"""A CBS OData v3 table saved as JSON files in one folder.

The folder holds ``TableInfos.json`` (identifier, title, period), ``DataProperties.json`` (the
topics with their keys, titles, units and topic groups) and the data in one of two forms:

* ``TypedDataSet.json``: ``{"value": [record, ...]}``, each record a raw OData row (``ID``,
  ``WijkenEnBuurten`` = padded region code, ``Gemeentenaam_1``, ``AantalInwoners_5``, ...), as
  written by :mod:`wijkanalyse.sources.download`. Region names are taken from
  ``WijkenEnBuurten.json``
  (the dimension: ``Key``/``Title``) when that file is present.
* a stripped extract (any other ``*.json``): ``{code: {key: value, ...}, ...}`` without names.

Tables with a time dimension (``Perioden``, e.g. SES-WOA 85163NED) give every record the year
of its period (``"2019JJ00"`` -> 2019); otherwise all values have the table's year (``Period`` in
``TableInfos``, else the KWB table list).

Each data key is matched by its OData key (table-qualified first) and, failing that, by its
StatLine header path built from ``DataProperties`` (``"Bevolking/Aantal inwoners (aantal)"``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.cbstables import KWB_YEARS, SES_WOA_TABLE
from wijkanalyse.codes import is_valid_code, normalise_code
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.csvtools import column_values, concat_values, regions_frame, unmapped_issue
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import LoadIssue, SourceInfo, SourceTable, file_sha256

LAYOUT = "odata_json"
TABLE_INFOS = "TableInfos.json"
DATA_PROPERTIES = "DataProperties.json"
TYPED_DATA_SET = "TypedDataSet.json"
_METADATA = {TABLE_INFOS, DATA_PROPERTIES, "CategoryGroups.json", "UntypedDataSet.json",
             "wijkanalyse_download.json"}
_GEO_TYPES = ("GeoDetail", "GeoDimension")
_KINDS = {SES_WOA_TABLE: "ses"}
_HINT = "Download de tabel opnieuw (wijkanalyse data download) of haal de map uit de bronmap."


def sniff(path: Path) -> str | None:
    """``"odata_json"`` for a directory holding ``TableInfos.json``."""
    try:
        return LAYOUT if path.is_dir() and (path / TABLE_INFOS).is_file() else None
    except OSError:
        return None


def read(path: Path, *, catalogue: Catalogue, context: ReadContext) -> list[SourceTable]:
    """Read the OData folder into one :class:`SourceTable`.

    Raises
    ------
    DataFileError
        Invalid JSON (with line and column), a missing metadata key, a record without region
        code, an invalid code or a value that is not a number (naming code and key).
    """
    info = _table_info(path / TABLE_INFOS)
    table_id = str(info["Identifier"]).strip()
    table_year = _year(path / TABLE_INFOS, info, table_id)
    props = _properties(path / DATA_PROPERTIES)
    geo_key = next((p["Key"] for p in props.values() if p.get("Type") in _GEO_TYPES
                    and p.get("Key")), "WijkenEnBuurten")
    period_key = next((p["Key"] for p in props.values() if p.get("Type") == "TimeDimension"
                       and p.get("Key")), "Perioden")
    data_file = _data_file(path, exclude={f"{geo_key}.json", f"{period_key}.json"})
    frame = pd.DataFrame.from_records(_records(data_file, _load_json(data_file), geo_key))
    codes = _codes(data_file, frame, geo_key)
    years = _years(data_file, frame, period_key, table_year)
    dupes = pd.DataFrame({"y": years, "c": codes}).duplicated()
    if dupes.any():
        pos = int(dupes.to_numpy().argmax())
        raise DataFileError(data_file, f"regio {codes[pos]} komt twee keer voor in {years[pos]} "
                            f"(record {pos + 1}).", column=geo_key, hint=_HINT)
    names = _dimension_names(path / f"{geo_key}.json")
    gem_key = next((k for k in frame.columns if k == "Gemeentenaam_1"
                    or catalogue.meta_role(k) == "gemeente_name"), None)
    regions = regions_frame(
        codes=codes, years=years, lines=list(range(1, len(frame) + 1)),
        names=[names.get(c) for c in codes],
        gemeente_names=(frame[gem_key].map(_strip).tolist() if gem_key else None),
    )

    issues: list[LoadIssue] = []
    values = []
    for key in frame.columns:
        if key in (geo_key, period_key, "ID") or catalogue.meta_role(key):
            continue
        header = _header_path(props, key)
        if header and catalogue.meta_role(header):
            continue
        ind = catalogue.match(key, table_id=table_id) or (
            catalogue.match(header) if header else None)
        if ind is None:
            issues.append(unmapped_issue(key))
            continue
        try:
            values.append(column_values(
                data_file, frame[key].astype(object), region_keys=regions["region_key"],
                years=regions["year"], lines=regions["line"], indicator_id=ind, column=key,
                decimal=".",
            ))
        except DataFileError as exc:  # exc.line is the record number here, not a text line
            region = codes[exc.line - 1] if exc.line else "?"
            raise DataFileError(data_file, f"regio {region} (record {exc.line}): "
                                f"{exc.message}", column=key, hint=exc.hint) from exc
    one_year = sorted(set(years)) == [table_year]
    source = SourceInfo(
        path=path, kind=_KINDS.get(table_id, "kwb" if table_id in KWB_YEARS else "cbs"),
        layout=LAYOUT, table_id=table_id, year=table_year if one_year else None,
        sha256=file_sha256(data_file), label=_label(info, table_id),
    )
    return [SourceTable(source=source, regions=regions, values=concat_values(values),
                        issues=issues)]


def _label(info: dict[Any, Any], table_id: str) -> str:
    if table_id in KWB_YEARS:
        return f"CBS, Kerncijfers Wijken en Buurten {KWB_YEARS[table_id]}"
    title = str(info.get("Title") or "").strip() or f"tabel {table_id}"
    return f"CBS, {title} ({table_id})"


def _codes(file: Path, frame: pd.DataFrame, geo_key: str) -> list[str]:
    if frame.empty:
        raise DataFileError(file, "het bestand bevat geen regio's.", hint=_HINT)
    raw = frame[geo_key] if geo_key in frame else frame["Codering_3"]
    codes = []
    for pos, cell in enumerate(raw.tolist(), start=1):
        code = None if _missing(cell) else normalise_code(cell)
        if code is None or not is_valid_code(code):
            raise DataFileError(file, f"record {pos} heeft geen geldige regiocode: {cell!r}.",
                                column=geo_key, hint=_HINT)
        codes.append(code)
    return codes


def _years(file: Path, frame: pd.DataFrame, period_key: str, table_year: int) -> list[int]:
    """The year of every record: from ``Perioden`` (``"2019JJ00"``) or the table's year."""
    if period_key not in frame:
        return [table_year] * len(frame)
    years = []
    for pos, cell in enumerate(frame[period_key].tolist(), start=1):
        text = "" if _missing(cell) else str(cell).strip()
        if not text[:4].isdigit():
            raise DataFileError(file, f"record {pos}: periode {cell!r} is geen jaar.",
                                column=period_key, hint=_HINT)
        years.append(int(text[:4]))
    return years


def _load_json(file: Path) -> Any:
    if not file.is_file():
        raise DataFileError(file, "dit bestand ontbreekt in de OData-map.", hint=_HINT)
    try:
        return json.loads(file.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise DataFileError(file, f"geen geldige JSON ({exc.msg}).", line=exc.lineno,
                            column=exc.colno, hint=_HINT) from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(file, "het bestand is geen UTF-8-tekst.", hint=_HINT) from exc


def _value_list(file: Path, data: Any) -> list[Any]:
    """An OData response body as a list (plain list or ``{"value": [...]}``)."""
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        data = data["value"]
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise DataFileError(file, "verwacht een lijst van objecten (of {\"value\": [...]}).",
                            hint=_HINT)
    return data


def _table_info(file: Path) -> dict[Any, Any]:
    items = _value_list(file, _load_json(file))
    if len(items) != 1:
        raise DataFileError(file, f"verwacht precies één tabelbeschrijving, gevonden {len(items)}.",
                            hint=_HINT)
    if not str(items[0].get("Identifier") or "").strip():
        raise DataFileError(file, "de sleutel 'Identifier' (CBS-tabelnummer) ontbreekt.",
                            column="Identifier", hint=_HINT)
    item: dict[Any, Any] = items[0]
    return item


def _year(file: Path, info: dict[Any, Any], table_id: str) -> int:
    period = str(info.get("Period") or "").strip()
    if period[:4].isdigit():
        return int(period[:4])
    if table_id in KWB_YEARS:
        return KWB_YEARS[table_id]
    raise DataFileError(file, f"het jaar van tabel {table_id} is onbekend ('Period' is "
                        f"{info.get('Period')!r}).", column="Period", hint=_HINT)


def _properties(file: Path) -> dict[int, dict[Any, Any]]:
    props: dict[int, dict[Any, Any]] = {}
    for pos, p in enumerate(_value_list(file, _load_json(file)), start=1):
        for key in ("ID", "Type", "Title"):
            if key not in p:
                raise DataFileError(file, f"eigenschap {pos} mist de sleutel {key!r}.",
                                    column=key, hint=_HINT)
        props[p["ID"]] = p
    return props


def _header_path(props: dict[int, dict[Any, Any]], key: str) -> str | None:
    """``"Group/Subgroup/Title (Unit)"`` of a topic, as in a StatLine CSV header."""
    topic = next((p for p in props.values() if p.get("Key") == key), None)
    if topic is None or topic.get("Type") != "Topic":
        return None
    parts = [str(topic["Title"])]
    parent, seen = topic.get("ParentID"), set()
    while parent is not None and parent in props and parent not in seen:
        seen.add(parent)
        parts.insert(0, str(props[parent]["Title"]))
        parent = props[parent].get("ParentID")
    unit = str(topic.get("Unit") or "").strip()
    return "/".join(parts) + (f" ({unit})" if unit else "")


def _data_file(folder: Path, *, exclude: set[str]) -> Path:
    if (folder / TYPED_DATA_SET).is_file():
        return folder / TYPED_DATA_SET
    found = sorted(p for p in folder.glob("*.json") if p.name not in _METADATA | exclude)
    if len(found) != 1:
        what = "geen gegevensbestand" if not found else (
            f"meerdere gegevensbestanden ({', '.join(p.name for p in found)})")
        raise DataFileError(folder, f"OData-map met {what}; verwacht {TYPED_DATA_SET}.",
                            hint=_HINT)
    return found[0]


def _records(file: Path, data: Any, geo_key: str) -> list[dict[Any, Any]]:
    """Rows as dicts; the stripped ``{code: {...}}`` form gets the code under ``geo_key``."""
    if isinstance(data, dict) and "value" not in data:
        records = []
        for code, row in data.items():
            if not isinstance(row, dict):
                raise DataFileError(file, f"regio {code!r}: verwacht een object met waarden.",
                                    column=code, hint=_HINT)
            records.append({geo_key: code, **row})
        return records
    records = _value_list(file, data)
    for pos, rec in enumerate(records, start=1):
        if geo_key not in rec and "Codering_3" not in rec:
            raise DataFileError(file, f"record {pos} heeft geen sleutel {geo_key!r}.",
                                column=geo_key, hint=_HINT)
    return records


def _dimension_names(file: Path) -> dict[str, str]:
    """Region names from the geo dimension file (``Key`` -> ``Title``), if it exists."""
    if not file.is_file():
        return {}
    out = {}
    for item in _value_list(file, _load_json(file)):
        code = normalise_code(item.get("Key"))
        if code and item.get("Title") is not None:
            out[code] = str(item["Title"]).strip()
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _strip(value: Any) -> str | None:
    return None if _missing(value) else (str(value).strip() or None)
