"""Sets of neighbourhoods for the monitor: what ``wijkanalyse monitor <set>`` is about.

A set specification (``spec``) is one of:

* the name of a set shipped with the package (``programma-2016``;
  :mod:`wijkanalyse.gebieden.areasets`);
* a path to a user file: a YAML file in the format of
  :func:`wijkanalyse.gebieden.areasetfiles.read_area_set`
  (``title``, ``description``, ``areas`` with ``id``, ``name``, ``gemeente``, ``level``,
  ``codes``), or a CSV file (``,`` or ``;``, UTF-8) with one neighbourhood per row in a column
  ``naam`` (or ``name``) or ``code`` (a filled code wins over the name) and an optional column
  ``gemeente`` that settles names used in several gemeenten; names and codes are resolved as
  ``wijkanalyse profiel`` does (:func:`wijkanalyse.gebieden.subjects.resolve_subject`), and a
  gemeente
  name in the list is refused with a pointer to ``gemeente:<naam>``;
* ``gemeente:<naam of code>``: every wijk of that gemeente in the CBS division of the latest
  year in which the database has wijken of that gemeente (``gemeente:Den Haag``,
  ``gemeente:GM0114``);
* ``nl``: every wijk in the Netherlands in the year of the national wijk division (the year with
  the most wijken in the database; ties go to the latest year).

:func:`resolve_set` turns a spec into a :class:`MonitorSet`: one row per unit (a wijk, a buurt or
a gebied of several buurten/wijken) with its member codes and the wijken containing them (the
Leefbaarometer is published per wijk). What cannot be resolved (unknown names, with suggestions;
ambiguous names; codes missing from the database) is listed in ``problems`` in Dutch instead of
being dropped silently. A spec that cannot be used at all (unknown set, missing file, unknown
gemeente) raises :class:`SetSpecError`.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from wijkanalyse.codes import wijk_code_of
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl
from wijkanalyse.gebieden import load
from wijkanalyse.gebieden.areas import slugify
from wijkanalyse.gebieden.areasetfiles import list_area_sets, load_area_set, read_area_set
from wijkanalyse.gebieden.areasets import AreaSet, SetArea, check_area_set
from wijkanalyse.gebieden.subjects import (
    AmbiguousSubjectError,
    SubjectError,
    SubjectNotFoundError,
    display_name,
    resolve_subject,
    subject_for_area_set_entry,
)
from wijkanalyse.gebieden.subjects import resolve_gemeente as _resolve_gemeente

#: Columns of :attr:`MonitorSet.units`, in this order.
UNIT_COLUMNS = ("unit_id", "name", "gemeente_code", "gemeente_name", "level", "codes",
                "wijk_codes", "source", "codes_year", "uncertain", "uncertain_reason")
#: The spec of all wijken of the Netherlands.
NL_SPEC = "nl"
#: Prefix of the spec of all wijken of one gemeente.
GEMEENTE_PREFIX = "gemeente:"
_FILE_SUFFIXES = (".csv", ".yaml", ".yml")
_CSV_NAME = ("naam", "name", "wijk", "buurt", "gebied")
_CSV_CODE = ("code", "cbs-code", "cbscode")
_CSV_GEMEENTE = ("gemeente", "gemeentenaam")
_LEVEL_WORDS = {"wijk": ("wijk", "wijken"), "buurt": ("buurt", "buurten"),
                "gebied": ("gebied", "gebieden")}


class SetSpecError(WijkanalyseError):
    """A set specification cannot be used: unknown set, missing or unreadable file, unknown
    gemeente. The message (Dutch) says what exists or what to do."""


@dataclass
class MonitorSet:
    """A resolved set of neighbourhoods.

    Attributes
    ----------
    name
        Identifier usable in file names: the shipped set's name, the file's stem,
        ``gemeente-<slug>`` or ``nl``.
    title
        Readable title (Dutch), e.g. ``"Alle wijken van Emmen (CBS-indeling 2024)"``.
    description
        What the set is (Dutch).
    level_note
        One or two Dutch sentences on the levels of the units and what that means for the
        Leefbaarometer (which is per wijk).
    units
        One row per unit, columns :data:`UNIT_COLUMNS`: ``unit_id`` (CBS code of a single
        region, or the area id of a gebied), ``name`` (display name), ``gemeente_code``,
        ``gemeente_name``, ``level`` (``wijk``, ``buurt`` or ``gebied``), ``codes`` (list of
        member CBS codes), ``wijk_codes`` (list of the wijken containing the members),
        ``source`` (how the unit was defined, Dutch), ``codes_year`` (the CBS boundary year
        of ``codes``, missing when unknown), ``uncertain`` (the set marks the unit's codes
        ``onzeker``) and ``uncertain_reason`` (why; empty otherwise).
    problems
        Dutch sentences: unknown names with suggestions, ambiguous names, codes missing in the
        database, repeated units. Empty when every unit resolved cleanly. An uncertain unit is
        not a problem (see :attr:`uncertain`).
    kind
        ``"pakket"`` (shipped set), ``"bestand"`` (user file), ``"gemeente"`` or ``"nl"``.
    year
        For ``gemeente`` and ``nl``: the year of the CBS division used; otherwise ``None``.
    spec
        The specification as given.
    areas
        For sets from a YAML file (shipped or user): the set's entry per ``unit_id``, with its
        codes in other CBS divisions (:meth:`wijkanalyse.gebieden.areasets.SetArea.division`).
    """

    name: str
    title: str
    description: str
    level_note: str
    units: pd.DataFrame
    problems: list[str] = field(default_factory=list)
    kind: str = ""
    year: int | None = None
    spec: str = ""
    areas: dict[str, SetArea] = field(default_factory=dict)

    @property
    def uncertain(self) -> list[str]:
        """One Dutch sentence per unit whose codes the set marks ``onzeker``: name and why."""
        return [f"{row.name} ({row.unit_id}): {row.uncertain_reason}"
                for row in self.units.itertuples(index=False) if row.uncertain]

    def to_dict(self) -> dict[str, Any]:
        """The set as JSON-able data (units as a list of records)."""
        records = []
        for row in self.units.itertuples(index=False):
            rec = dict(zip(UNIT_COLUMNS, row, strict=True))
            rec["codes"] = list(rec["codes"])
            rec["wijk_codes"] = list(rec["wijk_codes"])
            rec["codes_year"] = None if pd.isna(rec["codes_year"]) else int(rec["codes_year"])
            rec["uncertain"] = bool(rec["uncertain"])
            entry = self.areas.get(str(rec["unit_id"]))
            if entry is not None:
                rec["reason"] = entry.reason
                rec["other_years"] = [
                    {"years": list(d.years), "level": d.level, "codes": list(d.codes),
                     "reason": d.reason} for d in entry.other_years]
            records.append(rec)
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "level_note": self.level_note, "kind": self.kind, "year": self.year,
            "spec": self.spec, "n_units": len(self.units), "units": records,
            "problems": list(self.problems), "uncertain": self.uncertain,
        }


# ------------------------------------------------------------------------------ public API


def resolve_set(con: duckdb.DuckDBPyConnection, spec: str, *, year: int | None = None
                ) -> MonitorSet:
    """Resolve a set specification (see the module docstring) to a :class:`MonitorSet`.

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    spec
        ``programma-2016``, a ``.csv``/``.yaml`` path, ``gemeente:<naam of code>`` or ``nl``.
    year
        For ``gemeente:`` and ``nl``: the year of the CBS wijk division to use (default: the
        latest year with wijken of the gemeente; for ``nl`` the national division). Ignored
        for shipped sets and files, whose codes are fixed.

    Returns
    -------
    MonitorSet
        Units and problems; units that could not be resolved are absent and named in
        ``problems``.

    Raises
    ------
    SetSpecError
        For an empty or unknown spec, a missing or unreadable file, an unknown gemeente or a
        year without wijken.
    """
    text = " ".join(str(spec or "").split())
    if not text:
        raise SetSpecError("Geef een set op: " + _forms_hint())
    if text.lower() == NL_SPEC:
        return _nl_set(con, year=year, spec=text)
    if text.lower().startswith(GEMEENTE_PREFIX):
        return _gemeente_set(con, text[len(GEMEENTE_PREFIX):].strip(), year=year, spec=text)
    shipped = [info.name for info in list_area_sets()]
    path = Path(str(spec).strip())
    bare = text[:-len(".yaml")] if text.lower().endswith(".yaml") else text
    if bare in shipped and not path.is_file():
        return _area_set_units(con, load_area_set(bare), kind="pakket", spec=text)
    if path.suffix.lower() in _FILE_SUFFIXES or path.is_file():
        return _file_set(con, path, spec=text)
    close = difflib.get_close_matches(text, shipped, n=2, cutoff=0.6)
    raise SetSpecError(
        f"Onbekende set {text!r}." + (f" Bedoelt u {' of '.join(close)}?" if close else "")
        + " " + _forms_hint())


def check_set(con: duckdb.DuckDBPyConnection, spec: str, *, year: int | None = None
              ) -> list[str]:
    """The problems of a set (Dutch), empty when every unit resolves cleanly.

    A spec that cannot be used at all gives one problem: the error message.
    """
    try:
        return list(resolve_set(con, spec, year=year).problems)
    except WijkanalyseError as exc:
        return [str(exc)]


def list_sets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The shipped sets and the other forms a set can take, for ``wijkanalyse sets list``.

    Returns
    -------
    DataFrame
        Columns ``spec`` (what to type), ``kind`` (pakket, gemeente, nl, bestand), ``title``,
        ``description`` (Dutch), ``n_units`` (number of units where fixed, else missing) and
        ``n_uncertain`` (units marked ``onzeker``, for shipped sets).
    """
    rows: list[dict[str, Any]] = []
    for info in list_area_sets():
        rows.append({"spec": info.name, "kind": "pakket", "title": info.title,
                     "description": info.description, "n_units": info.n_areas,
                     "n_uncertain": info.n_uncertain})
    nl_year, n_nl = _national_year(con)
    rows.append({
        "spec": GEMEENTE_PREFIX + "<naam of code>", "kind": "gemeente",
        "title": "Alle wijken van een gemeente",
        "description": "Alle wijken van de gemeente in de laatste CBS-wijkindeling die in de "
                       "database staat, bijvoorbeeld gemeente:Emmen of 'gemeente:Den Haag'.",
        "n_units": None})
    rows.append({
        "spec": NL_SPEC, "kind": "nl", "title": "Alle wijken van Nederland",
        "description": (f"Alle wijken van Nederland in de CBS-wijkindeling van {nl_year}."
                        if nl_year is not None else
                        "Alle wijken van Nederland (nog geen wijken in de database)."),
        "n_units": n_nl if nl_year is not None else None})
    rows.append({
        "spec": "<bestand>.csv|.yaml", "kind": "bestand", "title": "Eigen set",
        "description": "Een CSV-bestand met een kolom naam of code (en eventueel gemeente), of "
                       "een YAML-bestand in het formaat van de meegeleverde sets.",
        "n_units": None})
    return pd.DataFrame(rows, columns=["spec", "kind", "title", "description", "n_units",
                                       "n_uncertain"]).astype(
        {"n_units": "Int64", "n_uncertain": "Int64"})


# ---------------------------------------------------------------------------- set builders


def _forms_hint() -> str:
    shipped = ", ".join(info.name for info in list_area_sets()) or "geen"
    return (f"Meegeleverde sets: {shipped}; verder gemeente:NAAM (alle wijken van een "
            "gemeente), nl (alle wijken van Nederland) of een CSV- of YAML-bestand. Zie "
            "'wijkanalyse sets list'.")


def _units_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = [{"codes_year": None, "uncertain": False, "uncertain_reason": "", **row}
            for row in rows]
    frame = pd.DataFrame(rows, columns=list(UNIT_COLUMNS))
    return frame.astype({"unit_id": str, "name": str, "level": str, "source": str,
                         "codes_year": "Int64", "uncertain": bool,
                         "uncertain_reason": str}).reset_index(drop=True)


def _region_rows(con: duckdb.DuckDBPyConnection, *, year: int, gemeente_code: str | None,
                 source: str) -> list[dict[str, Any]]:
    """One unit per wijk of ``year`` (of one gemeente, or all)."""
    rows = load.wijk_rows(con, year=year, gemeente_code=gemeente_code)
    return [{"unit_id": code, "name": display_name(name, code=code), "gemeente_code": gm,
             "gemeente_name": gm_name, "level": "wijk", "codes": [code], "wijk_codes": [code],
             "source": source, "codes_year": year} for code, name, gm, gm_name in rows]


def _national_year(con: duckdb.DuckDBPyConnection) -> tuple[int | None, int]:
    """The year of the national wijk division: most wijken, ties to the latest year."""
    found = load.largest_wijk_year(con)
    return found if found is not None else (None, 0)


def _nl_set(con: duckdb.DuckDBPyConnection, *, year: int | None, spec: str) -> MonitorSet:
    if year is None:
        year, _ = _national_year(con)
        if year is None:
            raise SetSpecError("De database bevat geen wijken; bouw hem met 'wijkanalyse data "
                               "build' uit de Kerncijfers Wijken en Buurten.")
    source = f"CBS-wijkindeling {year}"
    rows = _region_rows(con, year=year, gemeente_code=None, source=source)
    if not rows:
        raise SetSpecError(f"De database bevat geen wijken in {year}; kies een ander jaar.")
    units = _units_frame(rows)
    n_gm = units["gemeente_code"].nunique()
    problems = []
    missing_gm = int(units["gemeente_name"].isna().sum())
    if missing_gm:
        problems.append(f"{missing_gm} wijken liggen in een gemeente zonder naam in de "
                        "database; hun gemeente staat alleen als code.")
    return MonitorSet(
        name="nl", title=f"Alle wijken van Nederland (CBS-indeling {year})",
        description=f"Alle {len(units)} wijken van {n_gm} gemeenten in de wijk- en "
                    f"buurtindeling van CBS van {year}.",
        level_note=_level_note(units), units=units, problems=problems, kind="nl", year=year,
        spec=spec)


def _gemeente_set(con: duckdb.DuckDBPyConnection, query: str, *, year: int | None,
                  spec: str) -> MonitorSet:
    code, gm_name = resolve_gemeente(con, query)
    years = load.wijk_years(con, code)
    if not years:
        raise SetSpecError(f"De database bevat geen wijken van {gm_name} ({code}); laad de "
                           "Kerncijfers Wijken en Buurten met 'wijkanalyse data build'.")
    if year is None:
        year = years[-1]
    elif year not in years:
        raise SetSpecError(f"De database bevat geen wijken van {gm_name} in {year}; wel in "
                           f"{', '.join(map(str, years))}.")
    units = _units_frame(_region_rows(con, year=year, gemeente_code=code,
                                      source=f"gemeente {gm_name}, CBS-wijkindeling {year}"))
    units["gemeente_name"] = gm_name
    return MonitorSet(
        name=f"gemeente-{slugify(gm_name)}",
        title=f"Alle wijken van {gm_name} (CBS-indeling {year})",
        description=f"De {len(units)} wijken van gemeente {gm_name} ({code}) in de wijk- en "
                    f"buurtindeling van CBS van {year}.",
        level_note=_level_note(units), units=units, problems=[], kind="gemeente", year=year,
        spec=spec)


def resolve_gemeente(con: duckdb.DuckDBPyConnection, query: str) -> tuple[str, str]:
    """A gemeente for ``gemeente:NAAM``: :func:`wijkanalyse.gebieden.subjects.resolve_gemeente` (the
    one resolver and its rule for ambiguous names), its errors as :class:`SetSpecError`.

    Returns
    -------
    code, name
        The GM code and the gemeente's latest name in the database.

    Raises
    ------
    SetSpecError
        Unknown (with close names) or ambiguous gemeente.
    """
    if not " ".join(str(query).split()):
        raise SetSpecError("Geef de gemeente op: gemeente:NAAM of gemeente:GMxxxx.")
    try:
        return _resolve_gemeente(con, query)
    except SubjectError as exc:
        raise SetSpecError(str(exc)) from exc


def _area_set_units(con: duckdb.DuckDBPyConnection, area_set: AreaSet, *, kind: str,
                    spec: str) -> MonitorSet:
    """Units of an area set (shipped or a user YAML file)."""
    problems = list(check_area_set(con, area_set))
    where = f"set {area_set.name}" if kind == "pakket" else Path(area_set.origin).name
    rows: list[dict[str, Any]] = []
    entries: dict[str, SetArea] = {}
    for entry in area_set.areas:
        extra = {"source": f"{where}: {entry.id}", "codes_year": entry.year,
                 "uncertain": entry.uncertain, "uncertain_reason": entry.uncertain_reason}
        try:
            subject = subject_for_area_set_entry(con, entry)
        except SubjectNotFoundError:  # reported by check_area_set; keep the unit itself
            single = len(entry.codes) == 1
            rows.append({
                "unit_id": entry.codes[0] if single else entry.id, "name": entry.name,
                "gemeente_code": entry.gemeente_code, "gemeente_name": entry.gemeente_name,
                "level": entry.level if single else "gebied", "codes": list(entry.codes),
                "wijk_codes": sorted({w for w in map(wijk_code_of, entry.codes) if w}),
                **extra})
        else:
            rows.append({
                "unit_id": subject.id, "name": subject.name,
                "gemeente_code": subject.gemeente_code, "gemeente_name": subject.gemeente_name,
                "level": "gebied" if subject.kind == "gebied" else subject.level,
                "codes": list(subject.members), "wijk_codes": list(subject.wijk_codes),
                **extra})
        entries.setdefault(str(rows[-1]["unit_id"]), entry)
    units, dup_problems = _drop_duplicates(rows)
    return MonitorSet(
        name=area_set.name, title=area_set.title,
        description=area_set.description or f"Set uit {area_set.origin}.",
        level_note=_level_note(units), units=units, problems=problems + dup_problems, kind=kind,
        spec=spec, areas=entries)



def _drop_duplicates(rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[str]]:
    seen: dict[str, str] = {}
    kept, problems = [], []
    for row in rows:
        if row["unit_id"] in seen:
            problems.append(f"{row['source']}: {row['name']} ({row['unit_id']}) staat al in de "
                            f"set ({seen[row['unit_id']]}); de herhaling is overgeslagen.")
            continue
        seen[row["unit_id"]] = row["source"]
        kept.append(row)
    return _units_frame(kept), problems


# ------------------------------------------------------------------------------- user files


def _file_set(con: duckdb.DuckDBPyConnection, path: Path, *, spec: str) -> MonitorSet:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise SetSpecError(f"Bestand {path} bestaat niet. " + _forms_hint())
    if suffix in (".yaml", ".yml"):
        return _area_set_units(con, read_area_set(path), kind="bestand", spec=spec)
    if suffix != ".csv":
        raise SetSpecError(f"{path}: onbekend bestandstype {path.suffix!r}; een eigen set is een "
                           ".csv- of .yaml-bestand.")
    entries = _read_set_csv(path)
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line, query, gemeente in entries:
        where = f"{path.name}, regel {line}"
        try:
            subject = resolve_subject(con, query, gemeente=gemeente)
        except AmbiguousSubjectError as exc:
            listed = "; ".join(
                f"{c['name']} ({c['level']} in {c.get('gemeente_name') or '?'}, {c['code']})"
                for c in exc.candidates)
            problems.append(f"{where}: {query!r} is niet eenduidig: {listed}. Vul de kolom "
                            "gemeente in of geef de code.")
            continue
        except SubjectNotFoundError as exc:
            problems.append(f"{where}: {_not_found_text(query, gemeente, exc)}")
            continue
        if subject.kind == "gemeente":
            problems.append(f"{where}: {query!r} is de gemeente {subject.name}; gebruik "
                            f"gemeente:{subject.name} voor al zijn wijken.")
            continue
        rows.append({
            "unit_id": subject.id, "name": subject.name, "gemeente_code": subject.gemeente_code,
            "gemeente_name": subject.gemeente_name,
            "level": "gebied" if subject.kind == "gebied" else subject.level,
            "codes": list(subject.members), "wijk_codes": list(subject.wijk_codes),
            "source": f"{where}: {query!r}"})
    units, dup_problems = _drop_duplicates(rows)
    return MonitorSet(
        name=slugify(path.stem) or "eigen-set", title=f"Eigen set {path.stem}",
        description=f"{len(units)} gebieden uit {path.name}.", level_note=_level_note(units),
        units=units, problems=problems + dup_problems, kind="bestand", spec=spec)


def _not_found_text(query: str, gemeente: str | None, exc: SubjectNotFoundError) -> str:
    where = f" in gemeente {gemeente}" if gemeente else ""
    text = f"{query!r} is niet gevonden{where}."
    if exc.suggestions:
        return text + " Bedoelt u " + " of ".join(repr(s) for s in exc.suggestions) + "?"
    detail = str(exc).replace("--gemeente", "de kolom gemeente").strip()
    return detail or text


def _read_set_csv(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, name or code, gemeente) per row of a user CSV; raises SetSpecError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SetSpecError(f"{path}: het bestand is geen UTF-8-tekst; sla het op als CSV UTF-8."
                           ) from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise SetSpecError(f"{path}, regel 1: het bestand is leeg of mist de kopregel "
                           "(bijvoorbeeld 'naam,gemeente' of 'code').")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]

    def column(options: tuple[str, ...]) -> int | None:
        return next((header.index(o) for o in options if o in header), None)

    i_name, i_code, i_gm = column(_CSV_NAME), column(_CSV_CODE), column(_CSV_GEMEENTE)
    if i_name is None and i_code is None:
        raise SetSpecError(f"{path}, regel 1: kolom 'naam' of 'code' ontbreekt (gevonden: "
                           f"{', '.join(header)}). De kopregel is bijvoorbeeld 'naam,gemeente'.")
    out = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = [c.strip() for c in row] + [""] * max(0, len(header) - len(row))
        code = cells[i_code] if i_code is not None else ""
        name = cells[i_name] if i_name is not None else ""
        gm = cells[i_gm] if i_gm is not None else ""
        query = code or name
        if not query:
            raise SetSpecError(f"{path}, regel {reader.line_num}: geen naam en geen code; vul "
                               "op elke regel een naam of CBS-code in.")
        out.append((reader.line_num, query, gm or None))
    if not out:
        raise SetSpecError(f"{path}: het bestand bevat geen gebieden; zet onder de kopregel één "
                           "regel per wijk, buurt of gebied.")
    return out


# ----------------------------------------------------------------------------------- texts


def _count_text(n: int, level: str) -> str:
    one, many = _LEVEL_WORDS.get(level, (level, level))
    return f"{n} {one if n == 1 else many}"


def _level_note(units: pd.DataFrame) -> str:
    """What the levels of the units mean for the Leefbaarometer (Dutch)."""
    if units.empty:
        return "De set bevat geen gebieden."
    counts = units["level"].value_counts()
    parts = [_count_text(int(counts[lvl]), lvl) for lvl in ("wijk", "buurt", "gebied")
             if lvl in counts]
    listed = join_nl(parts)
    note = f"De set bestaat uit {listed}."
    if set(counts.index) - {"wijk"}:
        note += (" De Leefbaarometer is per wijk gegeven: voor een buurt of een gebied van "
                 "buurten geldt de score van de wijk(en) waarin het ligt (bij meer wijken "
                 "gewogen met hun inwonertal).")
    else:
        note += " De Leefbaarometer is per wijk gegeven, dus elk gebied heeft zijn eigen score."
    return note
