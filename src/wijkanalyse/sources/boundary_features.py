"""Features of a boundary file: from GeoJSON features to coded, levelled and named ones.

The property names that may hold a code, level, name or gemeente; the choice of the code
property; the level and gemeente from the file name (:func:`gemeente_from_file_name`); the
table year. Used by :mod:`~wijkanalyse.sources.boundaries`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wijkanalyse.cbstables import year_from_name
from wijkanalyse.codes import (
    gemeente_code_of,
    is_valid_code,
    level_from_soort,
    level_of,
    normalise_code,
)
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.geometry import geometry_from_geojson

#: Properties that may hold the feature's own CBS code, in order of preference (lower case).
#: A property is only used when its values are valid CBS codes, so municipal numbering such as
#: Den Haag's ``WIJKCODE`` = ``"18"`` is never taken for one.
CODE_PROPERTIES = (
    "statcode", "bu_code", "buurtcode", "buurt_code", "wk_code", "wijkcode", "wijk_code", "wkc",
    "gm_code", "gemeentecode", "gemeente_code", "gmc", "regiocode", "code",
)
#: Properties with a code behind a year prefix (``"2022GM0014"``).
YEAR_CODE_PROPERTIES = ("jrstatcode",)

#: Properties holding the region name, per level, then level-independent ones (lower case).
NAME_PROPERTIES: dict[str, tuple[str, ...]] = {
    "buurt": ("bu_naam", "buurtnaam", "buurt_naam", "buurt"),
    "wijk": ("wk_naam", "wijknaam", "wijk_naam", "wijk", "wkn"),
    "gemeente": ("gm_naam", "gemeentenaam", "gemeente_naam", "gemnaam", "gmn"),
}
GENERIC_NAME_PROPERTIES = ("statnaam", "naam", "name", "regionaam", "title", "titel")

#: Properties holding the gemeente a wijk or buurt lies in (lower case).
GEMEENTE_NAME_PROPERTIES = ("gm_naam", "gemeentenaam", "gemeente_naam", "gemnaam", "gemeente",
                            "gmn")

#: Properties holding the kind of region (``"gemeente"``, ``"Wijk"``, ...).
LEVEL_PROPERTIES = ("rubriek", "soortregio", "soort_regio", "niveau", "level", "regiotype")

#: File-name spellings of gemeenten whose CBS name differs from the title-cased token.
GEMEENTE_FILE_NAMES: dict[str, str] = {
    "denhaag": "'s-Gravenhage",
    "thehague": "'s-Gravenhage",
    "haag": "'s-Gravenhage",
    "sgravenhage": "'s-Gravenhage",
    "denbosch": "'s-Hertogenbosch",
    "shertogenbosch": "'s-Hertogenbosch",
    "hertogenbosch": "'s-Hertogenbosch",
    "sudwestfryslan": "Súdwest-Fryslân",
    "nuenen": "Nuenen, Gerwen en Nederwetten",
}

#: Words in file names that say what the file is, not which gemeente it covers.
_LEVEL_WORDS = {
    "buurt": "buurt", "buurten": "buurt",
    "wijk": "wijk", "wijken": "wijk",
    "gemeente": "gemeente", "gemeenten": "gemeente", "gemeentes": "gemeente",
    "gemeentegrenzen": "gemeente",
}
_TECHNICAL_WORDS = {
    "wgs84", "rd", "rdnew", "epsg", "crs84", "municipal", "names", "name", "namen", "geojson",
    "json", "geo", "gegeneraliseerd", "generalised", "generalized", "simplified",
    "vereenvoudigd", "cbs", "pdok", "kaart", "wijkenbuurtkaart", "grenzen", "boundaries",
    "boundary", "gebiedsindeling", "gebiedsindelingen", "indeling", "data",
    "polygons", "polygonen", "export", "kwb", "v1", "v2", "final", "nl", "nederland",
}
_PARTICLES = {"aan", "de", "den", "der", "en", "het", "in", "op", "van", "bij", "ter", "te"}
#: Words that cannot start a gemeente name (``buurten_van_utrecht``, ``wijken_en_buurten_...``).
_NOT_FIRST = {"van", "in", "te", "bij", "voor", "en", "and", "of", "op", "aan"}

#: A ``"type": "Feature"`` member in the text (sniffing, line numbers of features).
FEATURE_TYPE = re.compile(r'"type"\s*:\s*"Feature"')
_YEAR_PREFIX = re.compile(r"^(\d{4})(.+)$")


@dataclass
class Feature:
    """What the reader takes from one feature before regions are formed."""

    number: int  # 1-based feature number
    code: str | None
    level: str | None
    name: str | None
    gemeente_name: str | None
    properties: dict[str, Any]  # lower-cased keys
    geometry: Any  # shapely geometry in the source CRS, or None
    spelling: dict[str, str] = field(default_factory=dict)  # lower-cased key -> as in file


class FeatureLines:
    """Text line of each feature (where its ``"type": "Feature"`` member stands), on demand.

    Lines are only given when the number of ``"type": "Feature"`` members found equals the
    number of features, so a misleading line is never reported.
    """

    def __init__(self, text: str, n_features: int) -> None:
        self._text = text
        self._n = n_features
        self._lines: list[int] | None = None

    def line(self, number: int) -> int | None:
        """The 1-based text line of feature ``number`` (1-based), or None when unknown."""
        if self._lines is None:
            lines: list[int] = []
            pos, count = 0, 1
            for m in FEATURE_TYPE.finditer(self._text):
                count += self._text.count("\n", pos, m.start())
                pos = m.start()
                lines.append(count)
            self._lines = lines if len(lines) == self._n else []
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1]
        return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    text = str(value).strip()
    return text or None


def parse_feature(path: Path, feature: Any, number: int, lines: FeatureLines, *,
                   built: Any = None) -> Feature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DataFileError(
            path, f"feature {number} is geen GeoJSON Feature.", line=lines.line(number),
            hint="Elk element van \"features\" moet {\"type\": \"Feature\", ...} zijn.",
        )
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise DataFileError(path, f"feature {number}: \"properties\" is geen object.",
                            line=lines.line(number),
                            hint="Herstel of exporteer het bestand opnieuw.")
    geometry = None
    raw_geom = feature.get("geometry")
    if built is not None:
        geometry = built
    elif raw_geom is not None:
        try:
            geometry = geometry_from_geojson(raw_geom)
        except Exception as exc:  # shapely raises several types for malformed geometry
            raise DataFileError(
                path, f"feature {number}: ongeldige geometrie ({exc}).", line=lines.line(number),
                hint="Herstel de geometrie (bijv. QGIS 'Geometrieën repareren') of exporteer "
                     "het bestand opnieuw.",
            ) from exc
    low = {str(k).strip().lower(): v for k, v in props.items()}
    spelling = {str(k).strip().lower(): str(k).strip() for k in props}
    if "id" in feature:
        low["__feature_id__"] = feature["id"]
    return Feature(number=number, code=None, level=None, name=None, gemeente_name=None,
                    properties=low, geometry=geometry, spelling=spelling)


def _code_candidates(props: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(property, valid code or None) for every property that may hold a code."""
    out: list[tuple[str, str | None]] = []
    for key in CODE_PROPERTIES:
        if key in props:
            code = normalise_code(_text(props[key]))
            out.append((key, code if code and is_valid_code(code) else None))
    if "__feature_id__" in props:
        code = normalise_code(_text(props["__feature_id__"]))
        out.append(("__feature_id__", code if code and is_valid_code(code) else None))
    for key in YEAR_CODE_PROPERTIES:
        if key in props:
            m = _YEAR_PREFIX.match(_text(props[key]) or "")
            code = normalise_code(m.group(2)) if m else None
            out.append((key, code if code and is_valid_code(code) else None))
    return out


def fill_codes(features: list[Feature]) -> None:
    """Choose the first code property (in preference order) that holds valid CBS codes."""
    counts: dict[str, int] = {}
    order: list[str] = []
    for f in features:
        for key, code in _code_candidates(f.properties):
            if key not in counts:
                counts[key] = 0
                order.append(key)
            if code:
                counts[key] += 1
    preference = [*CODE_PROPERTIES, "__feature_id__", *YEAR_CODE_PROPERTIES]
    chosen = next((k for k in preference if counts.get(k)), None)
    if chosen is None:
        return
    for f in features:
        f.code = dict(_code_candidates(f.properties)).get(chosen)


def fill_levels(path: Path, features: list[Feature], lines: FeatureLines) -> None:
    file_level = _level_from_file_name(path)
    for f in features:
        if f.code:
            f.level = level_of(f.code)
            continue
        for key in LEVEL_PROPERTIES:
            level = level_from_soort(f.properties.get(key))
            if level:
                f.level = level
                break
        else:
            f.level = file_level
        if f.level is None:
            raise DataFileError(
                path, f"feature {f.number} heeft geen CBS-code en het niveau (gemeente, wijk "
                      "of buurt) is onbekend.", line=lines.line(f.number),
                hint="Zet 'gemeenten', 'wijken' of 'buurten' in de bestandsnaam (bijv. "
                     "'utrecht_buurten.geojson') of geef elke feature een eigenschap "
                     "'rubriek' met 'gemeente', 'wijk' of 'buurt'.",
            )
    for f in features:
        keys = (*NAME_PROPERTIES.get(f.level or "", ()), *GENERIC_NAME_PROPERTIES,
                *(k for lvl in ("buurt", "wijk", "gemeente") for k in NAME_PROPERTIES[lvl]))
        f.name = next((t for k in keys if (t := _text(f.properties.get(k)))), None)


def fill_gemeente_names(path: Path, features: list[Feature], lines: FeatureLines) -> None:
    """Gemeente of each feature: its own name (gemeenten), a property, else the file name.

    For coded features the file name is only used when all their codes lie in one gemeente,
    so that a nationwide file called ``wijken_noord_holland`` does not name a gemeente.
    """
    from_file: str | None | bool = False  # False: not looked up yet
    coded_gemeenten = {gemeente_code_of(f.code) for f in features
                       if f.code and f.level != "gemeente"}
    for f in features:
        if f.level == "gemeente":
            f.gemeente_name = f.name
            continue
        f.gemeente_name = next(
            (t for k in GEMEENTE_NAME_PROPERTIES if (t := _text(f.properties.get(k)))), None)
        if f.gemeente_name:
            continue
        if f.code and len(coded_gemeenten) != 1:
            continue
        if from_file is False:
            from_file = gemeente_from_file_name(path)
        f.gemeente_name = from_file if isinstance(from_file, str) and from_file else None
        if f.gemeente_name is None and f.code is None:
            raise DataFileError(
                path, f"feature {f.number} ({f.name!r}) heeft geen CBS-code en de gemeente "
                      "is niet te bepalen.", line=lines.line(f.number),
                hint="Begin de bestandsnaam met de gemeente (bijv. 'utrecht_buurten.geojson') "
                     "of geef elke feature een eigenschap 'gemeentenaam'.",
            )


def _level_from_file_name(path: Path) -> str | None:
    levels = {_LEVEL_WORDS[t] for t in _name_tokens(path) if t in _LEVEL_WORDS}
    return levels.pop() if len(levels) == 1 else None


def _name_tokens(path: Path) -> list[str]:
    stem = Path(path).name.lower()
    stem = re.sub(r"\.(geo)?json$", "", stem)
    return [t for t in re.split(r"[^0-9a-zà-ÿ']+", stem) if t]


def gemeente_from_file_name(path: str | Path) -> str | None:
    """The gemeente a boundary file's name points to, in CBS spelling where known.

    The tokens of the file name that are neither technical words (``wgs84``, ``municipal``),
    level words (``buurten``) nor numbers are joined; :data:`GEMEENTE_FILE_NAMES` maps
    spellings that differ from CBS, other names are title-cased (Dutch particles stay lower
    case, ``ij`` becomes ``IJ``).

    >>> gemeente_from_file_name("denhaag_buurten_municipal_rd.geojson")
    "'s-Gravenhage"
    >>> gemeente_from_file_name("alphen_aan_den_rijn_wijken.geojson")
    'Alphen aan den Rijn'
    """
    words = [t for t in _name_tokens(Path(path))
             if t not in _LEVEL_WORDS and t not in _TECHNICAL_WORDS and not t.isdigit()
             and not re.fullmatch(r"(epsg)?\d+|\d{4}[a-z]*", t)]
    while words and words[0] in _NOT_FIRST:
        words.pop(0)
    while words and words[-1] in _PARTICLES:
        words.pop()
    if not words:
        return None
    key = "".join(words).replace("'", "")
    if key in GEMEENTE_FILE_NAMES:
        return GEMEENTE_FILE_NAMES[key]
    out = []
    for i, w in enumerate(words):
        if i > 0 and w in _PARTICLES:
            out.append(w)
        elif w.startswith("ij"):
            out.append("IJ" + w[2:])
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def table_year(path: Path, doc: dict[str, Any], features: list[Feature]) -> int | None:
    """Year from the file name, else the ``jrstatcode`` prefix, else the file's own title."""
    year = year_from_name(path)
    if year:
        return year
    prefixes = {m.group(1) for f in features
                if (m := _YEAR_PREFIX.match(_text(f.properties.get("jrstatcode")) or ""))}
    if len(prefixes) == 1:
        return int(prefixes.pop())
    for text in (doc.get("name"), (doc.get("metadata") or {}).get("source")
                 if isinstance(doc.get("metadata"), dict) else None):
        if isinstance(text, str):
            year = year_from_name(text.replace("/", " "))
            if year:
                return year
    return None
