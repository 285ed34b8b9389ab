"""Area set files: the sets shipped in ``data/areasets/`` (:func:`list_area_sets`,
:func:`load_area_set`) and user files (:func:`read_area_set`), parsed and checked against the
format of :mod:`wijkanalyse.gebieden.areasets`."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse import safeyaml
from wijkanalyse.codes import gemeente_code_of, is_valid_code, level_of, normalise_code

#: Levels the areas of a set may be made of.
from wijkanalyse.gebieden.areasets import (
    SET_LEVELS,
    AreaSet,
    AreaSetError,
    AreaSetInfo,
    Division,
    SetArea,
)

_AREA_KEYS = {"id", "name", "gemeente", "level", "codes", "description", "aliases", "year",
              "reason", "onzeker", "onzeker_reden", "other_years"}
_REQUIRED = ("id", "name", "gemeente", "level", "codes")
_TOP_KEYS = {"title", "description", "areas", "year"}
_OTHER_YEAR_KEYS = {"years", "level", "codes", "reason"}
#: Years a CBS division may have (the KWB starts in 1995; allow some room either side).
_YEAR_RANGE = (1990, 2100)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PACKAGE_DIR = ("data", "areasets")


# ------------------------------------------------------------------------------ packaged sets


def _package_dir() -> Any:
    return resources.files("wijkanalyse").joinpath(*_PACKAGE_DIR)


def _packaged_files() -> dict[str, Any]:
    folder = _package_dir()
    if not folder.is_dir():
        return {}
    return {
        entry.name[: -len(".yaml")]: entry
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml") and entry.is_file()
    }


def list_area_sets() -> list[AreaSetInfo]:
    """The area sets shipped with the package, sorted by name.

    Returns
    -------
    list of AreaSetInfo
        Name, title, description and number of areas of each set.

    Raises
    ------
    AreaSetError
        When a shipped file is invalid.
    """
    out = []
    for name in _packaged_files():
        area_set = load_area_set(name)
        out.append(AreaSetInfo(name=area_set.name, title=area_set.title,
                               description=area_set.description, n_areas=len(area_set.areas),
                               n_uncertain=len(area_set.uncertain)))
    return out


def load_area_set(name: str) -> AreaSet:
    """A shipped area set by name (``"programma-2016"``).

    Raises
    ------
    AreaSetError
        When no set has that name (the message lists the sets that exist) or its file is
        invalid.
    """
    files = _packaged_files()
    wanted = str(name).strip()
    if wanted.lower().endswith(".yaml"):
        wanted = wanted[: -len(".yaml")]
    if wanted not in files:
        known = ", ".join(files) or "geen"
        raise AreaSetError(
            "/".join(("wijkanalyse", *_PACKAGE_DIR)),
            f"er is geen gebiedenset {name!r}",
            hint=f"bestaande sets: {known}.",
        )
    return _load_packaged(wanted)


@lru_cache(maxsize=32)
def _load_packaged(name: str) -> AreaSet:
    entry = _packaged_files()[name]
    return parse_area_set(entry.read_text(encoding="utf-8"), name=name, origin=str(entry))


# ------------------------------------------------------------------------------- files


def read_area_set(path: str | Path) -> AreaSet:
    """Read and check an area set file (the format of the module docstring).

    Parameters
    ----------
    path
        A ``.yaml`` file; its name without extension becomes the set's name.

    Raises
    ------
    AreaSetError
        Naming the file, the line and the entry, when the file is missing or invalid.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise AreaSetError(path, "bestand bestaat niet",
                           hint="controleer het pad van de gebiedenset.") from exc
    except UnicodeDecodeError as exc:
        raise AreaSetError(path, "bestand is geen UTF-8-tekst",
                           hint="sla het bestand op als UTF-8.") from exc
    return parse_area_set(text, name=path.stem, origin=str(path))


def parse_area_set(text: str, *, name: str, origin: str) -> AreaSet:
    """Parse and check the YAML text of an area set.

    Parameters
    ----------
    text
        The YAML document.
    name
        The set's name.
    origin
        Where the text came from (file path), named in errors.

    Raises
    ------
    AreaSetError
        With file, line and entry, for invalid YAML, missing or unknown fields, invalid or
        repeated codes, codes of another level or gemeente, repeated ids.
    """
    root, data = safeyaml.read_document(text, origin, AreaSetError)
    if root is None or not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        raise AreaSetError(origin, "verwacht een mapping met 'title', 'description' en 'areas'",
                           line=1 if root is None else root.start_mark.line + 1)
    nodes = {k.value: v for k, v in root.value}
    unknown = sorted(set(map(str, data)) - _TOP_KEYS)
    if unknown:
        raise AreaSetError(origin, f"onbekende sleutel(s) {unknown}",
                           line=nodes[unknown[0]].start_mark.line + 1,
                           hint=f"toegestaan zijn {sorted(_TOP_KEYS)}.")
    for req in ("title", "areas"):
        if not data.get(req):
            raise AreaSetError(origin, f"de set mist {req!r}", line=1,
                               hint="een gebiedenset heeft 'title' en 'areas'.")
    areas_node = nodes["areas"]
    if not isinstance(data["areas"], list) or not isinstance(areas_node, yaml.SequenceNode):
        raise AreaSetError(origin, "'areas' moet een lijst van gebieden zijn",
                           line=areas_node.start_mark.line + 1)
    set_year = None
    if data.get("year") is not None:
        set_year = _parse_year(data["year"], origin=origin,
                               line=nodes["year"].start_mark.line + 1, who="de set")
    areas: list[SetArea] = []
    seen: dict[str, int] = {}
    for item, node in zip(data["areas"], areas_node.value, strict=True):
        area = _parse_area(item, node, origin=origin, default_year=set_year)
        line = node.start_mark.line + 1
        if area.id in seen:
            raise AreaSetError(origin, f"gebied {area.id!r} staat twee keer in de set (ook op "
                               f"regel {seen[area.id]})", line=line,
                               hint="geef elk gebied een eigen id.")
        seen[area.id] = line
        areas.append(area)
    return AreaSet(name=name, title=str(data["title"]).strip(),
                   description=" ".join(str(data.get("description") or "").split()),
                   areas=tuple(areas), origin=origin, year=set_year)


def _parse_year(value: object, *, origin: str, line: int, who: str) -> int:
    """A boundary year (int within :data:`_YEAR_RANGE`) or an :class:`AreaSetError`."""
    lo, hi = _YEAR_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise AreaSetError(origin, f"{who}: jaar {value!r} is geen jaartal", line=line,
                           hint=f"schrijf een jaar als getal tussen {lo} en {hi}, "
                                "bijvoorbeeld year: 2024.")
    return int(value)


def _parse_codes(raw: object, *, level: str, gm_code: str, gm_name: str,
                 fail: Any, key: str) -> list[str]:
    """Codes of one level in one gemeente, normalised; ``fail(message, key, hint)`` raises."""
    if not isinstance(raw, list) or not raw:
        raise fail("'codes' moet een lijst met minstens één code zijn", key,
                   "schrijf codes: [BU09950633, BU09950634].")
    codes = [normalise_code(c) or "" for c in raw]
    bad = [str(c) for c, n in zip(raw, codes, strict=True) if not is_valid_code(n)]
    if bad:
        raise fail(f"ongeldige CBS-code(s) {', '.join(bad)}", key,
                   "buurtcodes zijn BU + 8 tekens, wijkcodes WK + 6 tekens.")
    other_level = [c for c in codes if level_of(c) != level]
    if other_level:
        raise fail(f"code(s) {', '.join(other_level)} zijn geen {level}; het gebied heeft level "
                   f"{level}", key, "geef alleen codes van één niveau.")
    other_gm = [c for c in codes if gemeente_code_of(c) != gm_code]
    if other_gm:
        raise fail(f"code(s) {', '.join(other_gm)} liggen niet in gemeente {gm_name} ({gm_code})",
                   key, "controleer de codes of de gemeente.")
    counts = Counter(codes)
    dups = sorted(c for c, n in counts.items() if n > 1)
    if dups:
        raise fail(f"code(s) {', '.join(dups)} komen meer dan eens voor", key)
    return codes


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _parse_area(item: object, node: yaml.Node, *, origin: str,
                default_year: int | None = None) -> SetArea:
    """One entry of ``areas``, checked; errors name the entry (id or name) and line."""
    line = node.start_mark.line + 1
    if not isinstance(item, dict) or not isinstance(node, yaml.MappingNode):
        raise AreaSetError(origin, "een gebied moet een mapping zijn (id, name, gemeente, level, "
                           "codes)", line=line)
    nodes = {k.value: v for k, v in node.value}
    label = str(item.get("name") or item.get("id") or "").strip()
    who = f"gebied {label!r}" if label else f"gebied op regel {line}"

    def fail(message: str, key: str | None = None, hint: str | None = None) -> AreaSetError:
        at = nodes[key].start_mark.line + 1 if key is not None and key in nodes else line
        return AreaSetError(origin, f"{who}: {message}", line=at, hint=hint)

    unknown = sorted(set(map(str, item)) - _AREA_KEYS)
    if unknown:
        raise fail(f"onbekende sleutel(s) {unknown}", unknown[0],
                   f"toegestaan zijn {sorted(_AREA_KEYS)}.")
    for req in _REQUIRED:
        if item.get(req) in (None, "", [], {}):
            raise fail(f"het veld {req!r} ontbreekt", req,
                       f"elk gebied heeft {', '.join(_REQUIRED)}.")
    area_id = str(item["id"]).strip()
    if not _SLUG.match(area_id):
        raise fail(f"id {area_id!r} is geen geldige id", "id",
                   "gebruik kleine letters, cijfers en '-', bijvoorbeeld 'jol-galjoen'.")
    name = str(item["name"]).strip()

    gemeente = item["gemeente"]
    if not isinstance(gemeente, dict) or not gemeente.get("name") or not gemeente.get("code"):
        raise fail("'gemeente' moet 'name' en 'code' hebben", "gemeente",
                   "schrijf gemeente: {name: Lelystad, code: GM0995}.")
    gm_name = str(gemeente["name"]).strip()
    gm_code = normalise_code(gemeente["code"]) or ""
    if not (gm_code.startswith("GM") and is_valid_code(gm_code)):
        raise fail(f"gemeentecode {gemeente['code']!r} is geen CBS-gemeentecode", "gemeente",
                   "een gemeentecode is GM + 4 cijfers, bijvoorbeeld GM0995.")

    level = str(item["level"]).strip().lower()
    if level not in SET_LEVELS:
        raise fail(f"niveau {item['level']!r} is onbekend", "level",
                   "een gebied bestaat uit buurten of uit wijken: level buurt of level wijk.")

    codes = _parse_codes(item["codes"], level=level, gm_code=gm_code, gm_name=gm_name,
                         fail=fail, key="codes")

    aliases = item.get("aliases") or []
    if not isinstance(aliases, list):
        raise fail("'aliases' moet een lijst zijn", "aliases",
                   "schrijf aliases: [Schiedam Oost, Oost].")
    texts = {}
    for key in ("description", "reason", "onzeker_reden"):
        value = item.get(key) or ""
        if not isinstance(value, str):
            raise fail(f"'{key}' moet tekst zijn", key)
        texts[key] = _text(value)

    year = default_year
    if item.get("year") is not None:
        year = _parse_year(item["year"], origin=origin,
                           line=nodes["year"].start_mark.line + 1, who=who)

    uncertain = item.get("onzeker", False)
    if not isinstance(uncertain, bool):
        raise fail(f"'onzeker' moet true of false zijn, niet {uncertain!r}", "onzeker")
    if uncertain and not texts["onzeker_reden"]:
        raise fail("'onzeker: true' zonder 'onzeker_reden'", "onzeker",
                   "zeg in onzeker_reden waarom de codes onzeker zijn.")
    if texts["onzeker_reden"] and not uncertain:
        raise fail("'onzeker_reden' zonder 'onzeker: true'", "onzeker_reden",
                   "zet onzeker: true of haal onzeker_reden weg.")

    other = _parse_other_years(item.get("other_years"), nodes.get("other_years"), year=year,
                               gm_code=gm_code, gm_name=gm_name, fail=fail, origin=origin,
                               who=who)
    return SetArea(
        id=area_id,
        name=name,
        gemeente_name=gm_name,
        gemeente_code=gm_code,
        level=level,
        codes=tuple(sorted(codes)),
        description=texts["description"],
        aliases=tuple(str(a).strip() for a in aliases if str(a).strip()),
        year=year,
        reason=texts["reason"],
        uncertain=uncertain,
        uncertain_reason=texts["onzeker_reden"],
        other_years=other,
    )


def _parse_other_years(raw: object, node: yaml.Node | None, *, year: int | None, gm_code: str,
                       gm_name: str, fail: Any, origin: str, who: str
                       ) -> tuple[Division, ...]:
    """The ``other_years`` list of an area: divisions of other years, checked like ``codes``.
    Errors name the line of the offending entry."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not isinstance(node, yaml.SequenceNode):
        raise fail("'other_years' moet een lijst zijn", "other_years",
                   "schrijf other_years: [{years: [2017], level: wijk, codes: [...]}].")
    out: list[Division] = []
    taken: dict[int, int] = {}
    for entry, sub in zip(raw, node.value, strict=True):
        line = sub.start_mark.line + 1

        def sub_fail(message: str, key: str | None = None, hint: str | None = None,
                     _sub: yaml.Node = sub, _line: int = line) -> AreaSetError:
            at = _line
            if key is not None and isinstance(_sub, yaml.MappingNode):
                at = next((k.start_mark.line + 1 for k, _ in _sub.value if k.value == key), _line)
            return AreaSetError(origin, f"{who}, other_years: {message}", line=at, hint=hint)

        if not isinstance(entry, dict):
            raise sub_fail("elk element is een mapping met years, level en codes")
        unknown = sorted(set(map(str, entry)) - _OTHER_YEAR_KEYS)
        if unknown:
            raise sub_fail(f"onbekende sleutel(s) {unknown}", unknown[0],
                           f"toegestaan zijn {sorted(_OTHER_YEAR_KEYS)}.")
        for req in ("years", "level", "codes"):
            if entry.get(req) in (None, "", [], {}):
                raise sub_fail(f"het veld {req!r} ontbreekt", None,
                               "elk element heeft years, level en codes.")
        years_raw = entry["years"] if isinstance(entry["years"], list) else [entry["years"]]
        years = [_parse_year(y, origin=origin, line=line, who=f"{who}, other_years")
                 for y in years_raw]
        for y in years:
            if year is not None and y == year:
                raise sub_fail(f"jaar {y} is het jaar van 'codes' zelf", "years",
                               "other_years is voor de andere jaren.")
            if y in taken:
                raise sub_fail(f"jaar {y} staat al in other_years (regel {taken[y]})", "years",
                               "geef elk jaar één indeling.")
            taken[y] = line
        level = str(entry["level"]).strip().lower()
        if level not in SET_LEVELS:
            raise sub_fail(f"niveau {entry['level']!r} is onbekend", "level",
                           "level buurt of level wijk.")
        codes = _parse_codes(entry["codes"], level=level, gm_code=gm_code, gm_name=gm_name,
                             fail=sub_fail, key="codes")
        reason = entry.get("reason") or ""
        if not isinstance(reason, str):
            raise sub_fail("'reason' moet tekst zijn", "reason")
        ys = tuple(sorted(set(years)))
        out.append(Division(years=ys, level=level, codes=tuple(sorted(codes)), year=ys[0],
                            reason=_text(reason)))
    return tuple(out)
