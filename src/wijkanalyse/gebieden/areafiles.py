"""Area files: define the areas of a YAML or CSV file in one transaction
(:func:`load_area_file`, ``wijkanalyse gebied import``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.codes import normalise_code
from wijkanalyse.errors import AreaError, DataFileError
from wijkanalyse.gebieden.areas import Area, define_without_transaction, slugify
from wijkanalyse.store import transaction

#: Largest area file read (bytes).
MAX_FILE_BYTES = 5_000_000
_YAML_KEYS = {"name", "codes", "description", "created_by", "allow_multiple_gemeenten"}
_CSV_AREA = ("area", "gebied")
_CSV_CODE = ("code",)
_CSV_DESCRIPTION = ("description", "omschrijving")


class AreaFileError(DataFileError, AreaError):
    """An area file cannot be loaded; names the file and line (also an :class:`AreaError`)."""


@dataclass
class _Spec:
    """One area read from a file, with the lines to name in errors."""

    name: str
    codes: list[str]
    description: str
    line: int
    code_lines: dict[str, int]
    created_by: str | None = None
    allow_multiple_gemeenten: bool = False


def load_area_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    replace: bool = False,
    allow_multiple_gemeenten: bool = False,
) -> list[Area]:
    """Define the areas in a YAML or CSV file, all in one transaction.

    YAML: a list (or a mapping with key ``areas`` holding a list) of mappings with ``name``,
    ``codes`` (list), optional ``description``, ``created_by`` and
    ``allow_multiple_gemeenten``. CSV (``,`` or ``;``): one row per member with columns
    ``area`` (or ``gebied``), ``code`` and optional ``description`` (or ``omschrijving``).

    Raises
    ------
    AreaFileError
        Naming the file and line, when the file cannot be read or an area is invalid; no area
        of the file is stored then.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        specs = _read_yaml(path)
    elif suffix in (".csv", ".txt"):
        specs = _read_csv(path)
    else:
        raise AreaFileError(
            path,
            f"onbekend bestandstype {path.suffix!r} voor gebieden",
            hint="gebruik een .yaml- of .csv-bestand (zie de documentatie van gebieden).",
        )
    seen: dict[str, int] = {}
    for spec in specs:
        slug = slugify(spec.name)
        if slug in seen:
            raise AreaFileError(
                path,
                f"gebied {spec.name!r} staat twee keer in het bestand (id {slug!r}, ook op "
                f"regel {seen[slug]})",
                line=spec.line,
                hint="geef elk gebied één keer, met een unieke naam.",
            )
        seen[slug] = spec.line
    areas: list[Area] = []
    with transaction(con):
        for spec in specs:
            try:
                areas.append(
                    define_without_transaction(
                        con,
                        name=spec.name,
                        codes=spec.codes,
                        description=spec.description,
                        created_by=spec.created_by,
                        replace=replace,
                        allow_multiple_gemeenten=allow_multiple_gemeenten
                        or spec.allow_multiple_gemeenten,
                    )
                )
            except AreaError as exc:
                codes = getattr(exc, "codes", ())
                line = min((spec.code_lines[c] for c in codes if c in spec.code_lines),
                           default=spec.line)
                raise AreaFileError(path, str(exc), line=line) from exc
    return areas


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size if path.is_file() else 0
        if size > MAX_FILE_BYTES:
            raise AreaFileError(
                path, f"het bestand is {size:,} bytes; een gebiedenbestand is hoogstens "
                f"{MAX_FILE_BYTES:,} bytes".replace(",", "."),
                hint="splits het bestand in delen en importeer die na elkaar.")
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AreaFileError(path, "bestand bestaat niet",
                            hint="controleer het pad van het gebiedenbestand.") from exc
    except UnicodeDecodeError as exc:
        raise AreaFileError(path, "bestand is geen UTF-8-tekst",
                            hint="sla het bestand op als UTF-8.") from exc


def _read_yaml(path: Path) -> list[_Spec]:
    text = _read_text(path)
    root, data = safeyaml.read_document(text, path, AreaFileError)
    if root is None:
        raise AreaFileError(path, "bestand is leeg", hint="geef een lijst van gebieden.")
    if isinstance(data, dict) and "areas" in data:
        root = next(v for k, v in root.value if k.value == "areas")
        data = data["areas"]
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise AreaFileError(
            path,
            "verwacht een lijst van gebieden",
            line=root.start_mark.line + 1,
            hint="schrijf elk gebied als '- name: ...' met 'codes: [...]'.",
        )
    specs = []
    for item, node in zip(data, root.value, strict=True):
        line = node.start_mark.line + 1
        if not isinstance(item, dict) or not isinstance(node, yaml.MappingNode):
            raise AreaFileError(path, "een gebied moet een mapping zijn met name en codes",
                                line=line, hint="schrijf '- name: ...' en 'codes: [...]'.")
        nodes = {k.value: v for k, v in node.value}
        unknown = sorted(set(map(str, item)) - _YAML_KEYS)
        if unknown:
            bad = next(k for k, _ in node.value if k.value == unknown[0])
            raise AreaFileError(path, f"onbekende sleutel(s) {unknown}",
                                line=bad.start_mark.line + 1,
                                hint=f"toegestaan zijn {sorted(_YAML_KEYS)}.")
        for req in ("name", "codes"):
            if not item.get(req):
                raise AreaFileError(path, f"gebied zonder {req!r}", line=line,
                                    hint="elk gebied heeft 'name' en 'codes'.")
        codes_node = nodes["codes"]
        if not isinstance(item["codes"], list) or not isinstance(codes_node, yaml.SequenceNode):
            raise AreaFileError(path, "'codes' moet een lijst zijn",
                                line=codes_node.start_mark.line + 1,
                                hint="schrijf codes: [BU09950633, BU09950634].")
        codes = [str(c) for c in item["codes"]]
        code_lines: dict[str, int] = {}
        for code, cnode in zip(codes, codes_node.value, strict=True):
            norm = normalise_code(code)
            if norm is not None:
                code_lines[norm] = cnode.start_mark.line + 1
        allow = item.get("allow_multiple_gemeenten", False)
        if not isinstance(allow, bool):
            raise AreaFileError(path, "'allow_multiple_gemeenten' moet true of false zijn",
                                line=nodes["allow_multiple_gemeenten"].start_mark.line + 1)
        specs.append(
            _Spec(
                name=str(item["name"]),
                codes=codes,
                description=str(item.get("description") or ""),
                line=line,
                code_lines=code_lines,
                created_by=str(item["created_by"]) if item.get("created_by") else None,
                allow_multiple_gemeenten=allow,
            )
        )
    return specs


def _read_csv(path: Path) -> list[_Spec]:
    text = _read_text(path)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise AreaFileError(path, "bestand is leeg of mist de kopregel", line=1,
                            hint="begin met de kopregel 'area,code,description'.")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]

    def column(options: tuple[str, ...], *, required: bool) -> int | None:
        for opt in options:
            if opt in header:
                return header.index(opt)
        if required:
            raise AreaFileError(
                path,
                f"kolom {options[0]!r} ontbreekt (gevonden: {header})",
                line=1,
                hint="de kopregel moet 'area,code' bevatten, eventueel met 'description'.",
            )
        return None

    i_area = column(_CSV_AREA, required=True)
    i_code = column(_CSV_CODE, required=True)
    assert i_area is not None and i_code is not None  # required: column() raised otherwise
    i_desc = column(_CSV_DESCRIPTION, required=False)
    specs: dict[str, _Spec] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        cells = row + [""] * (len(header) - len(row))
        area = cells[i_area].strip()
        code = cells[i_code].strip()
        if not area:
            raise AreaFileError(path, "lege gebiedsnaam", line=line, column=header[i_area],
                                hint="vul op elke regel de naam van het gebied in.")
        if not code:
            raise AreaFileError(path, "lege code", line=line, column=header[i_code],
                                hint="vul op elke regel een buurt- of wijkcode in.")
        desc = cells[i_desc].strip() if i_desc is not None else ""
        spec = specs.get(area)
        if spec is None:
            spec = specs[area] = _Spec(name=area, codes=[], description=desc, line=line,
                                       code_lines={})
        elif desc and spec.description and desc != spec.description:
            raise AreaFileError(
                path,
                f"gebied {area!r} heeft twee verschillende omschrijvingen",
                line=line,
                column=header[i_desc] if i_desc is not None else None,
                hint="geef de omschrijving één keer, of overal dezelfde.",
            )
        elif desc:
            spec.description = desc
        spec.codes.append(code)
        norm = normalise_code(code)
        if norm is not None:
            spec.code_lines[norm] = line
    if not specs:
        raise AreaFileError(path, "bestand bevat geen gebieden", line=1,
                            hint="zet onder de kopregel één regel per gebied en code.")
    return list(specs.values())
