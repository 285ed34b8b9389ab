"""Samengestelde wijkindex: a composite index of KWB indicators per domain.

In the style of Rotterdam's Wijkprofiel (100 = the city average of the base year 2014, scores
90-110 read "rond het gemiddelde"), every indicator of a unit (a wijk, buurt or a set of them)
is put on one scale where **100 is the national average of a base year** and higher is better;
indicator scores are averaged into domain indices (sociaal, economisch, fysiek/wonen,
veiligheid) and those into a total index.

Method
------
The indicators, their domain and weight are listed in ``data/composite.yaml`` (only catalogue
indicators with a ``better`` direction are allowed). For indicator *i*, unit *u* and year *t*:

``index_i(u, t) = 100 + scale * clip(d_i * (v_i(u, t) - r_i) / s_i, -clip_z, +clip_z)``

* ``v_i(u, t)``: the unit's value, aggregated over its member codes with
  :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (counts summed, rates and means weighted by
  their
  base count; a member without a value makes the value missing, never a silently smaller
  sum);
* ``r_i`` (reference): the value of Nederland (``NL00``) in the base year. Where the database
  has no national value for the indicator in the base year, the mean of all loaded regions of
  the unit's level in the base year is used instead, weighted by the indicator's base count
  (as the national figure is), over the regions that also count for the spread (below). Which
  reference was used is stated for every indicator in :func:`index_references` and in the
  ``note`` of every result row: the two are never mixed silently;
* ``s_i`` (spread): the standard deviation (``ddof=0``) of the indicator over all loaded
  regions of the unit's level in the base year with at least ``min_inhabitants`` inhabitants
  (tiny regions have extreme rates). The spread is computed over the regions that are *loaded*:
  in this data that is a few gemeenten, not the whole country, and the note says how many;
* ``d_i``: +1 where a higher value is better, -1 where a lower value is better (the
  catalogue's ``better``), so a higher index is always better;
* ``scale`` (10) index points per standard deviation; ``clip_z`` (4) caps the standard score,
  so one extreme indicator cannot decide a domain (index between 60 and 140).

The base year and the reference are the same for every year of the series, so an index that
rises over the years is a real improvement relative to the base year, not a moving average.
An indicator is *usable* when the base year has a reference, a spread above 0 and at least
``min_regions`` regions for the spread; otherwise it is left out (and named in the note).

Domain index: the weighted mean of the usable indicator indices the unit has in that year,
provided they carry at least ``min_weight_share`` of the domain's usable weight (else no
index, with the reason). ``complete`` is True when every usable indicator of the domain has a
value. Total index (domain ``"totaal"``): the weighted mean of the domain indices (domain
weights, default 1 each) when at least ``min_domains`` domains have an index; ``complete``
when every domain with usable indicators has a complete index.

Default base year: among the years with values for the configured indicators at the units'
level, the year with the most usable indicators with a *national* reference (the index is meant
to read "100 = Nederland"), then the most domains with a usable indicator, then the most usable
indicators, then the latest year. In the shipped
data that is 2019 (11 indicators, all with a national reference; no safety figures exist for
2019, so veiligheid needs ``base_year=2017``, with a reference that is the mean of the loaded
wijken because the 2017 national row has no crime figures).

Comparison with the Leefbaarometer: :func:`compare_with_lbm` pairs the total index of every
year with the Leefbaarometer deviation from the national average (``lbm_afw``) of the same
year, else the nearest measurement within ``max_year_gap`` years (the earlier one on a tie),
ranks the units within each year on both (1 = best) and reports Spearman's rank correlation
with the number of units; :func:`lbm_deviation` reads ``lbm_afw`` for the units.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

from wijkanalyse import safeyaml
from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.codes import level_of, normalise_code
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import join_nl, nl_number
from wijkanalyse.gebieden.aggregate import aggregate_many

#: Domain ids, in the order they are reported.
DOMAINS: tuple[str, ...] = ("sociaal", "economisch", "fysiek/wonen", "veiligheid")
#: Domain id of the total index.
TOTAL = "totaal"
#: Code of the national row in the KWB.
NATIONAL_CODE = "NL00"
#: The shipped configuration (package resource).
PACKAGED_CONFIG = "data/composite.yaml"
#: Leefbaarometer indicator compared with (deviation from the national average).
LBM_DEVIATION = "lbm_afw"

#: Columns of :func:`composite_index`.
INDEX_COLUMNS: tuple[str, ...] = (
    "unit_id", "year", "domain", "index", "n_indicators", "indicators_used", "complete",
    "band", "base_year", "note", "source",
)
#: Columns of :func:`index_references`.
REFERENCE_COLUMNS: tuple[str, ...] = (
    "indicator_id", "label", "domain", "better", "weight", "level", "base_year", "reference",
    "reference_kind", "reference_text", "sd", "n_regions", "n_gemeenten", "usable", "note",
    "source",
)
#: Columns of :func:`indicator_index` (one row per unit, year and indicator).
SCORE_COLUMNS: tuple[str, ...] = (
    "unit_id", "year", "level", "domain", "indicator_id", "weight", "value", "reference",
    "reference_kind", "sd", "z", "index", "usable", "reason", "source",
)

_PREFIX = {"gemeente": "GM", "wijk": "WK", "buurt": "BU"}
_PLURAL = {"gemeente": "gemeenten", "wijk": "wijken", "buurt": "buurten"}
_CONFIG_KEYS = {"scale", "clip_z", "min_inhabitants", "min_regions", "min_weight_share",
                "min_domains", "bands", "domains"}


class CompositeConfigError(WijkanalyseError):
    """The index configuration (``composite.yaml`` or a user's version) is invalid."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class IndexIndicator:
    """One indicator of the index: catalogue id, domain, weight and direction."""

    id: str
    domain: str
    weight: float
    better: str  # "higher" | "lower"
    label: str

    @property
    def direction(self) -> int:
        """+1 where higher is better, -1 where lower is better."""
        return 1 if self.better == "higher" else -1


@dataclass(frozen=True)
class IndexDomain:
    """One domain: id (of :data:`DOMAINS`), Dutch label, weight in the total, indicators."""

    id: str
    label: str
    weight: float
    indicators: tuple[IndexIndicator, ...]


@dataclass(frozen=True)
class CompositeConfig:
    """The validated contents of ``composite.yaml`` (see the module docstring)."""

    scale: float
    clip_z: float
    min_inhabitants: int
    min_regions: int
    min_weight_share: float
    min_domains: int
    bands: tuple[tuple[float | None, str], ...]
    domains: tuple[IndexDomain, ...]
    origin: str = ""

    @property
    def indicators(self) -> tuple[IndexIndicator, ...]:
        """All indicators, in domain order."""
        return tuple(i for d in self.domains for i in d.indicators)

    @property
    def indicator_ids(self) -> list[str]:
        """Ids of all indicators, in domain order."""
        return [i.id for i in self.indicators]

    def domain(self, domain_id: str) -> IndexDomain:
        """The domain with this id (``KeyError`` when absent)."""
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)

    def band(self, value: float) -> str | None:
        """The Dutch band label of an index value (``None`` for a missing value)."""
        if value is None or not math.isfinite(value):
            return None
        for low, label in self.bands:
            if low is None or value >= low:
                return label
        return None


def _number(raw: Any, where: str, *, minimum: float, integer: bool = False,
            exclusive: bool = False) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise CompositeConfigError(f"{where} moet een getal zijn, niet {raw!r}.")
    if (raw <= minimum) if exclusive else (raw < minimum):
        op = ">" if exclusive else ">="
        raise CompositeConfigError(f"{where} moet {op} {nl_number(minimum, decimals=2)} zijn.")
    if integer and int(raw) != raw:
        raise CompositeConfigError(f"{where} moet een geheel getal zijn, niet {raw!r}.")
    return float(raw)


def parse_config(data: Any, *, origin: str = "composite.yaml",
                 catalogue: Catalogue | None = None) -> CompositeConfig:
    """Validate parsed YAML and build the configuration.

    Parameters
    ----------
    data
        The parsed YAML (a mapping with the keys of ``data/composite.yaml``).
    origin
        Name of the file, for error messages.
    catalogue
        Indicator catalogue (default: the packaged one); every indicator must be in it and
        have a ``better`` direction.

    Returns
    -------
    CompositeConfig

    Raises
    ------
    CompositeConfigError
        On any invalid field, naming the file and the field (Dutch).
    """
    cat = catalogue if catalogue is not None else load_catalogue()
    if not isinstance(data, Mapping):
        raise CompositeConfigError(f"{origin}: verwacht een mapping met 'domains'.")
    unknown = sorted(set(data) - _CONFIG_KEYS)
    if unknown:
        raise CompositeConfigError(f"{origin}: onbekende velden {', '.join(unknown)}.")
    missing = sorted(k for k in _CONFIG_KEYS if k not in data)
    if missing:
        raise CompositeConfigError(f"{origin}: ontbrekende velden {', '.join(missing)}.")
    scale = _number(data["scale"], f"{origin}: scale", minimum=0, exclusive=True)
    clip_z = _number(data["clip_z"], f"{origin}: clip_z", minimum=0, exclusive=True)
    min_inh = int(_number(data["min_inhabitants"], f"{origin}: min_inhabitants", minimum=0,
                          integer=True))
    min_regions = int(_number(data["min_regions"], f"{origin}: min_regions", minimum=2,
                              integer=True))
    share = _number(data["min_weight_share"], f"{origin}: min_weight_share", minimum=0)
    if share > 1:
        raise CompositeConfigError(f"{origin}: min_weight_share moet tussen 0 en 1 liggen.")
    min_domains = int(_number(data["min_domains"], f"{origin}: min_domains", minimum=1,
                              integer=True))

    bands_raw = data["bands"]
    if not isinstance(bands_raw, list) or not bands_raw:
        raise CompositeConfigError(f"{origin}: bands moet een niet-lege lijst zijn.")
    bands: list[tuple[float | None, str]] = []
    for n, band in enumerate(bands_raw, start=1):
        where = f"{origin}: bands[{n}]"
        if not isinstance(band, Mapping) or set(band) != {"min", "label"}:
            raise CompositeConfigError(f"{where} moet precies 'min' en 'label' hebben.")
        if not isinstance(band["label"], str) or not band["label"].strip():
            raise CompositeConfigError(f"{where}: label ontbreekt.")
        low = None if band["min"] is None else _number(band["min"], f"{where}: min",
                                                       minimum=-math.inf)
        if bands and (bands[-1][0] is None or (low is not None and low >= bands[-1][0])):
            raise CompositeConfigError(f"{where}: klassen moeten van hoog naar laag staan, "
                                       "met alleen de laatste zonder ondergrens.")
        bands.append((low, band["label"].strip()))
    if bands[-1][0] is not None:
        raise CompositeConfigError(f"{origin}: de laatste klasse moet 'min: null' hebben.")

    domains_raw = data["domains"]
    if not isinstance(domains_raw, list) or not domains_raw:
        raise CompositeConfigError(f"{origin}: domains moet een niet-lege lijst zijn.")
    domains: list[IndexDomain] = []
    seen: set[str] = set()
    for n, dom in enumerate(domains_raw, start=1):
        where = f"{origin}: domains[{n}]"
        if not isinstance(dom, Mapping):
            raise CompositeConfigError(f"{where} moet een mapping zijn.")
        extra = sorted(set(dom) - {"id", "label", "weight", "indicators"})
        if extra:
            raise CompositeConfigError(f"{where}: onbekende velden {', '.join(extra)}.")
        did = dom.get("id")
        if did not in DOMAINS:
            raise CompositeConfigError(f"{where}: id moet een van {', '.join(DOMAINS)} zijn, "
                                       f"niet {did!r}.")
        if did in {d.id for d in domains}:
            raise CompositeConfigError(f"{where}: domein {did!r} staat er twee keer in.")
        label = dom.get("label") or did
        weight = _number(dom.get("weight", 1), f"{where}: weight", minimum=0, exclusive=True)
        inds_raw = dom.get("indicators")
        if not isinstance(inds_raw, list) or not inds_raw:
            raise CompositeConfigError(f"{where}: indicators moet een niet-lege lijst zijn.")
        inds: list[IndexIndicator] = []
        for m, ind in enumerate(inds_raw, start=1):
            iw = f"{where}.indicators[{m}]"
            if not isinstance(ind, Mapping) or "id" not in ind or set(ind) - {"id", "weight"}:
                raise CompositeConfigError(f"{iw} moet 'id' en eventueel 'weight' hebben.")
            iid = ind["id"]
            if iid not in cat:
                raise CompositeConfigError(f"{iw}: {iid!r} staat niet in de "
                                           "indicatorencatalogus.")
            if iid in seen:
                raise CompositeConfigError(f"{iw}: {iid!r} staat er al eerder in.")
            entry = cat[iid]
            if entry.better not in ("higher", "lower"):
                raise CompositeConfigError(f"{iw}: {iid!r} heeft geen richting ('better') in "
                                           "de catalogus en kan niet in de index.")
            seen.add(iid)
            inds.append(IndexIndicator(
                id=iid, domain=did,
                weight=_number(ind.get("weight", 1), f"{iw}: weight", minimum=0,
                               exclusive=True),
                better=entry.better, label=entry.label))
        domains.append(IndexDomain(id=did, label=str(label), weight=weight,
                                   indicators=tuple(inds)))
    return CompositeConfig(scale=scale, clip_z=clip_z, min_inhabitants=min_inh,
                           min_regions=min_regions, min_weight_share=share,
                           min_domains=min_domains, bands=tuple(bands),
                           domains=tuple(domains), origin=origin)


def load_config(path: str | Path | None = None, *,
                catalogue: Catalogue | None = None) -> CompositeConfig:
    """Load the index configuration: a user's YAML file, or the packaged one.

    Raises
    ------
    CompositeConfigError
        When the file cannot be read or is invalid.
    """
    if path is None and catalogue is None:
        return _packaged_config()
    if path is None:
        text = resources.files("wijkanalyse").joinpath(PACKAGED_CONFIG).read_text("utf-8")
        origin = f"wijkanalyse/{PACKAGED_CONFIG}"
    else:
        origin = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CompositeConfigError(f"{origin}: kan het bestand niet lezen ({exc}).") from exc
    return _parse_text(text, origin, catalogue)


@lru_cache(maxsize=1)
def _packaged_config() -> CompositeConfig:
    text = resources.files("wijkanalyse").joinpath(PACKAGED_CONFIG).read_text("utf-8")
    return _parse_text(text, f"wijkanalyse/{PACKAGED_CONFIG}", None)


def _parse_text(text: str, origin: str, catalogue: Catalogue | None) -> CompositeConfig:
    try:
        data = safeyaml.load(text, origin=origin)
    except yaml.YAMLError as exc:
        raise CompositeConfigError(f"{origin}: geen geldige YAML ({exc}).") from exc
    return parse_config(data, origin=origin, catalogue=catalogue)


def _config(config: CompositeConfig | str | Path | None) -> CompositeConfig:
    if isinstance(config, CompositeConfig):
        return config
    return load_config(config)


# --------------------------------------------------------------------------- units


def unit_members(units: pd.DataFrame) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Validate a units frame; return ``unit_id -> member codes`` and ``unit_id -> level``.

    Parameters
    ----------
    units
        One row per unit with ``unit_id`` and ``codes`` (list of CBS codes); optional ``level``
        (``wijk``, ``buurt`` or ``gemeente``; otherwise the level of the codes).

    Raises
    ------
    ValueError
        When a column is missing, a unit id repeats, a unit has no codes, or the level of a
        unit cannot be determined (codes of different levels and no ``level``).
    """
    if not isinstance(units, pd.DataFrame):
        raise TypeError("units moet een DataFrame zijn")
    for col in ("unit_id", "codes"):
        if col not in units.columns:
            raise ValueError(f"units mist de kolom {col!r}")
    ids = units["unit_id"].astype(str)
    dup = ids[ids.duplicated()]
    if len(dup):
        raise ValueError(f"unit_id komt meer dan eens voor: {', '.join(sorted(set(dup)))}")
    members: dict[str, list[str]] = {}
    levels: dict[str, str] = {}
    level_col = units["level"] if "level" in units.columns else pd.Series(None, index=units.index)
    for uid, codes, lvl in zip(ids, units["codes"], level_col, strict=True):
        if isinstance(codes, str) or codes is None:
            raise ValueError(f"codes van {uid!r} moet een lijst van CBS-codes zijn")
        norm = list(dict.fromkeys(c for c in (normalise_code(x) for x in codes) if c))
        if not norm:
            raise ValueError(f"gebied {uid!r} heeft geen codes")
        members[uid] = norm
        if isinstance(lvl, str) and lvl in _PREFIX:
            levels[uid] = lvl
            continue
        found = {level_of(c) for c in norm}
        if len(found) != 1:
            raise ValueError(f"gebied {uid!r} bestaat uit codes van verschillende niveaus "
                             f"({', '.join(sorted(found))}); geef een kolom 'level'")
        levels[uid] = found.pop()
    return members, levels


# --------------------------------------------------------------------------- database reads


def _read_values(con: duckdb.DuckDBPyConnection, *, codes: Sequence[str] | None,
                 prefix: str | None, indicator_ids: Sequence[str],
                 years: Sequence[int] | None) -> pd.DataFrame:
    """Observations (with the citation label of their source) of codes or a level prefix."""
    where = ["list_contains(?, o.indicator_id)"]
    params: list[Any] = [list(indicator_ids)]
    if codes is not None:
        where.append("o.code IN (SELECT unnest(?))")
        params.append(list(codes))
    if prefix is not None:
        where.append(f"(starts_with(o.code, ?) OR o.code = '{NATIONAL_CODE}')")
        params.append(prefix)
    if years is not None:
        where.append("list_contains(?, o.year)")
        params.append([int(y) for y in years])
    df = con.execute(
        f"""SELECT o.indicator_id, o.year, o.code, o.value, o.missing_reason,
                   coalesce(s.label, s.file_name, o.source_id) AS label
            FROM observation o LEFT JOIN sources s USING (source_id)
            WHERE {' AND '.join(where)}""",
        params,
    ).df()
    df["year"] = df["year"].astype("int64")
    df["value"] = df["value"].astype("float64")
    return df


def _needed_indicators(cfg: CompositeConfig, catalogue: Catalogue) -> list[str]:
    """The configured indicators, their bases and ``a_inw``."""
    ids = cfg.indicator_ids
    bases = [b for i in ids if (b := catalogue[i].base)]
    return list(dict.fromkeys([*ids, *bases, "a_inw"]))


# --------------------------------------------------------------------------- references


def compute_references(
    values: pd.DataFrame,
    *,
    level: str,
    base_year: int,
    config: CompositeConfig | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Reference value and spread of every configured indicator (pure computation).

    Parameters
    ----------
    values
        Observations ``indicator_id, year, code, value`` (optional ``label``: the source
        citation) of the base year: the national row (``NL00``) and the regions of ``level``,
        for the configured indicators, their bases and ``a_inw``.
    level
        ``wijk``, ``buurt`` or ``gemeente``: the regions that give the spread.
    base_year
        The base year.
    config, catalogue
        The index configuration and the catalogue (default: the packaged ones).

    Returns
    -------
    pandas.DataFrame
        One row per configured indicator with the columns :data:`REFERENCE_COLUMNS`:
        ``reference`` (national value, else the base-weighted mean of the regions that count
        for the spread), ``reference_kind`` (``"nationaal"``, ``"gemiddelde"`` or ``None``),
        ``sd`` (``ddof=0``), ``n_regions``/``n_gemeenten`` (regions with a value and at least
        ``min_inhabitants`` inhabitants, and their gemeenten), ``usable`` and a Dutch
        ``note`` when it is not usable.
    """
    cfg = config if config is not None else load_config()
    cat = catalogue if catalogue is not None else load_catalogue()
    if level not in _PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    base_year = int(base_year)
    plural = _PLURAL[level]
    v = values[values["year"] == base_year]
    if "label" not in v.columns:
        v = v.assign(label=None)
    regions = v[v["code"].str.startswith(_PREFIX[level])]
    wide = regions.pivot_table(index="code", columns="indicator_id", values="value",
                               aggfunc="first", dropna=False)
    inhabitants = (wide["a_inw"] if "a_inw" in wide.columns
                   else pd.Series(np.nan, index=wide.index, dtype="float64"))
    national = v[(v["code"] == NATIONAL_CODE) & v["value"].notna()]
    nat_value = dict(zip(national["indicator_id"], national["value"], strict=True))
    nat_label = dict(zip(national["indicator_id"], national["label"], strict=True))
    rows = []
    for ind in cfg.indicators:
        col = (wide[ind.id] if ind.id in wide.columns
               else pd.Series(np.nan, index=wide.index, dtype="float64"))
        eligible = col.notna() & (inhabitants >= cfg.min_inhabitants)
        vals = col[eligible].to_numpy(dtype="float64")
        codes = col.index[eligible]
        n = int(len(vals))
        n_gm = int(len({c[2:6] for c in codes}))
        sd = float(np.std(vals)) if n else math.nan
        spread_labels = sorted({str(x) for x in regions.loc[
            (regions["indicator_id"] == ind.id) & regions["code"].isin(codes), "label"]
            .dropna()})
        if ind.id in nat_value:
            ref, kind = float(nat_value[ind.id]), "nationaal"
            ref_text = f"Nederland {base_year}"
            ref_labels = [str(nat_label[ind.id])] if nat_label[ind.id] else []
        elif n:
            base = cat[ind.id].base
            w = (wide[base][eligible].to_numpy(dtype="float64")
                 if base and base in wide.columns else np.full(n, np.nan))
            ok = np.isfinite(w) & (w > 0)
            if base and ok.any():
                ref = float(np.sum(vals[ok] * w[ok]) / np.sum(w[ok]))
                how = f"gewogen naar {base}"
            else:
                ref = float(np.mean(vals))
                how = "ongewogen"
            kind = "gemiddelde"
            ref_text = (f"gemiddelde van {n} geladen {plural} in {base_year} ({how}; "
                        "geen landelijke waarde)")
            ref_labels = spread_labels
        else:
            ref, kind, ref_text, ref_labels = math.nan, None, None, []
        if n == 0:
            note = f"geen waarde voor {plural} in basisjaar {base_year}"
        elif n < cfg.min_regions:
            note = (f"te weinig {plural} met een waarde in basisjaar {base_year} ({n}, minimaal "
                    f"{cfg.min_regions})")
        elif not sd > 0:
            note = f"geen spreiding: alle {plural} hebben in {base_year} dezelfde waarde"
        elif not math.isfinite(ref):
            note = f"geen referentiewaarde in basisjaar {base_year}"
        else:
            note = None
        rows.append({
            "indicator_id": ind.id, "label": ind.label, "domain": ind.domain,
            "better": ind.better, "weight": ind.weight, "level": level, "base_year": base_year,
            "reference": ref, "reference_kind": kind, "reference_text": ref_text,
            "sd": sd, "n_regions": n, "n_gemeenten": n_gm, "usable": note is None,
            "note": note, "source": "; ".join(sorted(set(ref_labels) | set(spread_labels)))
            or None,
        })
    out = pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS))
    out["usable"] = out["usable"].astype(bool)
    return out


def index_references(
    con: duckdb.DuckDBPyConnection,
    *,
    level: str,
    base_year: int,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """Reference and spread of every configured indicator for a level and base year.

    Reads the base year's national row and all regions of the level from the database and
    calls :func:`compute_references` (see there for the columns).
    """
    cfg = _config(config)
    cat = load_catalogue()
    if level not in _PREFIX:
        raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    values = _read_values(con, codes=None, prefix=_PREFIX[level],
                          indicator_ids=_needed_indicators(cfg, cat), years=[int(base_year)])
    return compute_references(values, level=level, base_year=int(base_year), config=cfg,
                              catalogue=cat)


def default_base_year(
    con: duckdb.DuckDBPyConnection,
    *,
    levels: Sequence[str],
    config: CompositeConfig | str | Path | None = None,
) -> int | None:
    """The default base year (see the module docstring); ``None`` when no year qualifies.

    Parameters
    ----------
    levels
        The levels of the units (the counts are summed over the levels).
    """
    cfg = _config(config)
    lv = sorted(set(levels))
    for level in lv:
        if level not in _PREFIX:
            raise ValueError(f"onbekend niveau {level!r}; kies uit {', '.join(_PREFIX)}")
    if not lv:
        return None
    rows = con.execute(
        f"""SELECT DISTINCT year FROM observation
            WHERE list_contains(?, indicator_id) AND value IS NOT NULL
              AND list_contains(?, substr(code, 1, 2))
            GROUP BY year, indicator_id, substr(code, 1, 2)
            HAVING count(*) >= {cfg.min_regions}""",
        [cfg.indicator_ids, [_PREFIX[lvl] for lvl in lv]],
    ).fetchall()
    best: tuple[int, int, int, int] | None = None
    for (year,) in rows:
        refs = pd.concat([index_references(con, level=lvl, base_year=int(year), config=cfg)
                          for lvl in lv])
        usable = refs[refs["usable"]]
        key = (int((usable["reference_kind"] == "nationaal").sum()),
               int(usable.groupby("level")["domain"].nunique().sum()), len(usable), int(year))
        if key[2] and (best is None or key > best):
            best = key
    return None if best is None else best[3]


# --------------------------------------------------------------------------- unit values


def unit_values(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The values of the configured indicators for every unit and year.

    Members are aggregated with :func:`wijkanalyse.gebieden.aggregate.aggregate_many` (strict: a
    member without a value makes the value missing, and ``reason`` says why).

    Returns
    -------
    pandas.DataFrame
        ``unit_id, level, indicator_id, year, value, complete, reason, source`` for every
        unit, configured indicator and year in which at least one member has a row.
    """
    cfg = _config(config)
    cat = load_catalogue()
    members, levels = unit_members(units)
    codes = sorted({c for m in members.values() for c in m})
    values = _read_values(con, codes=codes, prefix=None,
                          indicator_ids=_needed_indicators(cfg, cat), years=years)
    return aggregate_unit_values(values, members=members, levels=levels, config=cfg,
                                 catalogue=cat)


def aggregate_unit_values(
    values: pd.DataFrame,
    *,
    members: Mapping[str, Sequence[str]],
    levels: Mapping[str, str],
    config: CompositeConfig | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Aggregate member observations into unit values (pure part of :func:`unit_values`)."""
    cfg = config if config is not None else load_config()
    cat = catalogue if catalogue is not None else load_catalogue()
    ids = cfg.indicator_ids
    agg = aggregate_many(values, areas=members, indicators=cat)
    agg = agg[agg["indicator_id"].isin(ids)].rename(columns={"area_id": "unit_id"})
    if "label" in values.columns:
        hit = values[values["indicator_id"].isin(ids) & values["value"].notna()]
        mem = pd.DataFrame([(u, c) for u, cs in members.items() for c in cs],
                           columns=["unit_id", "code"])
        hit = hit.merge(mem, on="code")
        src = (hit.dropna(subset=["label"]).groupby(["unit_id", "indicator_id", "year"])["label"]
               .agg(lambda s: "; ".join(sorted(set(map(str, s))))).rename("source"))
        agg = agg.merge(src.reset_index(), on=["unit_id", "indicator_id", "year"], how="left")
    else:
        agg = agg.assign(source=None)
    agg["level"] = agg["unit_id"].map(dict(levels))
    agg["source"] = agg["source"].astype(object).where(agg["source"].notna(), None)
    cols = ["unit_id", "level", "indicator_id", "year", "value", "complete", "reason", "source"]
    return agg[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- scores


def score_values(
    values: pd.DataFrame,
    references: pd.DataFrame,
    *,
    config: CompositeConfig | None = None,
) -> pd.DataFrame:
    """Indicator indices of unit values against references (pure computation).

    Parameters
    ----------
    values
        ``unit_id, level, indicator_id, year, value`` (optional ``reason``, ``source``), as
        :func:`unit_values` gives them.
    references
        As :func:`compute_references` gives them, for every level in ``values``.
    config
        The index configuration.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SCORE_COLUMNS`; one row per row of ``values`` of a configured
        indicator. ``z`` is the oriented standard score before clipping, ``index`` =
        ``100 + scale * clip(z)`` (``NaN`` when the value is missing or the indicator is not
        usable).
    """
    cfg = config if config is not None else load_config()
    meta = pd.DataFrame([(i.id, i.domain, i.weight, i.direction) for i in cfg.indicators],
                        columns=["indicator_id", "domain", "weight", "direction"])
    v = values.copy()
    for col in ("reason", "source"):
        if col not in v.columns:
            v[col] = None
    v = v.merge(meta, on="indicator_id", how="inner")
    refs = references[["level", "indicator_id", "reference", "reference_kind", "sd", "usable"]]
    refs = refs.astype({"level": object, "indicator_id": object})
    v = v.astype({"level": object, "indicator_id": object})
    v = v.merge(refs, on=["level", "indicator_id"], how="left")
    v["usable"] = v["usable"].fillna(False).astype(bool)
    val = v["value"].to_numpy(dtype="float64")
    ref = v["reference"].to_numpy(dtype="float64")
    sd = v["sd"].to_numpy(dtype="float64")
    ok = v["usable"].to_numpy() & np.isfinite(val)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(ok, v["direction"].to_numpy() * (val - ref) / np.where(ok, sd, 1.0), np.nan)
    v["z"] = z
    v["index"] = 100.0 + cfg.scale * np.clip(z, -cfg.clip_z, cfg.clip_z)
    v["year"] = v["year"].astype("int64")
    v = v.sort_values(["unit_id", "year", "indicator_id"], kind="stable", ignore_index=True)
    return v[list(SCORE_COLUMNS)]


def _reference_summary(refs: pd.DataFrame, level: str) -> str:
    """Dutch text on the references and spread of the usable indicators of one domain."""
    plural = _PLURAL.get(level, level)
    parts = []
    for kind, grp in refs.groupby("reference_kind", sort=False):
        ids = join_nl(list(grp["indicator_id"]))
        if kind == "nationaal":
            parts.append(f"Nederland {int(grp['base_year'].iloc[0])} voor {ids}")
        else:
            parts.append(f"het gewogen gemiddelde van de geladen {plural} in "
                         f"{int(grp['base_year'].iloc[0])} voor {ids} (geen landelijke waarde)")
    n_min, n_max = int(refs["n_regions"].min()), int(refs["n_regions"].max())
    g_min, g_max = int(refs["n_gemeenten"].min()), int(refs["n_gemeenten"].max())
    n_text = nl_number(n_min) if n_min == n_max else f"{nl_number(n_min)}–{nl_number(n_max)}"
    g_text = (str(g_min) if g_min == g_max else f"{g_min}–{g_max}") + (
        " gemeente" if g_max == 1 else " gemeenten")
    return (f"Referentie: {'; '.join(parts)}. Spreiding over {n_text} {plural} in {g_text}.")


def _labels_by_group(frame: pd.DataFrame, key: list[str], column: str,
                     name: str) -> pd.DataFrame:
    """Per group (``key`` columns) the sorted labels of the "; "-separated ``column``, as a
    list in column ``name``."""
    lab = frame[[*key, column]].dropna(subset=[column])
    if lab.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=frame[k].dtype) for k in key},
                             name: pd.Series(dtype=object)})
    lab = lab.assign(**{column: lab[column].astype(str).str.split("; ")}).explode(column)
    lab = lab.drop_duplicates()
    out = lab.groupby(key, sort=False)[column].agg(lambda c: sorted(set(c)))
    return out.rename(name).reset_index()


def combine_scores(
    scores: pd.DataFrame,
    references: pd.DataFrame,
    *,
    grid: pd.DataFrame,
    base_year: int | None,
    config: CompositeConfig | None = None,
) -> pd.DataFrame:
    """Domain and total indices from indicator indices (pure computation, vectorised).

    Parameters
    ----------
    scores
        As :func:`score_values` gives them.
    references
        As :func:`compute_references` gives them (every level of ``grid``).
    grid
        ``unit_id, year, level``: every unit and year that gets a total row (also when it
        has no data).
    base_year
        The base year (for the notes), ``None`` when there is none.
    config
        The index configuration.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`, sorted by unit, year and domain (:data:`DOMAINS`
        order, total last).
    """
    cfg = config if config is not None else load_config()
    order = {d.id: n for n, d in enumerate(cfg.domains)}
    order[TOTAL] = len(order)
    ind_order = {i: n for n, i in enumerate(cfg.indicator_ids)}
    levels = sorted(set(grid["level"]))

    # per level and domain: usable weight and ids, the reference text, unusable indicators
    info_rows = []
    for level in levels:
        for dom in cfg.domains:
            r = references[(references["level"] == level) & (references["domain"] == dom.id)]
            u = r[r["usable"]]
            unusable = [f"{x.indicator_id} ({x.note})" for x in r.itertuples() if not x.usable]
            info_rows.append({
                "level": level, "domain": dom.id, "dom_weight": dom.weight,
                "w_usable": float(u["weight"].sum()), "n_usable": len(u),
                "ref_text": _reference_summary(u, level) if len(u) else "",
                "unusable_text": ("Niet in de index: " + join_nl(unusable) + ".") if unusable
                else "",
            })
    info = pd.DataFrame(info_rows, columns=["level", "domain", "dom_weight", "w_usable",
                                            "n_usable", "ref_text", "unusable_text"])
    usable_domains = {lv: [d for d in info.loc[(info["level"] == lv) & (info["n_usable"] > 0),
                                               "domain"]] for lv in levels}

    key = ["unit_id", "year", "level", "domain"]
    s = scores[scores["level"].isin(levels)].copy()
    s["_io"] = s["indicator_id"].map(ind_order)
    s = s.sort_values([*key[:3], "_io"], kind="stable", ignore_index=True)
    present = s["usable"].to_numpy(dtype=bool) & s["index"].notna().to_numpy()
    s["_present"] = present
    s["_wp"] = np.where(present, s["weight"].to_numpy(dtype="float64"), 0.0)
    s["_wi"] = np.where(present, s["weight"].to_numpy(dtype="float64")
                        * s["index"].fillna(0.0).to_numpy(dtype="float64"), 0.0)
    s["_has"] = s["value"].notna()
    dom = s.groupby(key, sort=False).agg(has=("_has", "any"), w_present=("_wp", "sum"),
                                         w_index=("_wi", "sum"), n=("_present", "sum"))
    dom = dom[dom["has"]].reset_index().merge(info, on=["level", "domain"], how="inner")
    ps = s[present]
    used = ps.groupby(key, sort=False)["indicator_id"].agg(list).rename("indicators_used")
    dom = dom.merge(used.reset_index(), on=key, how="left")
    dom["indicators_used"] = [x if isinstance(x, list) else [] for x in dom["indicators_used"]]
    miss = s[s["usable"].to_numpy(dtype=bool) & ~present & s["reason"].notna().to_numpy()]
    reasons = dict(zip(zip(miss["unit_id"], miss["year"], miss["indicator_id"], strict=True),
                       miss["reason"].astype(str), strict=True))
    usable_ids = {(r.level, r.domain): [i for i in cfg.domain(r.domain).indicators
                                         if i.id in set(references.loc[
                                             (references["level"] == r.level)
                                             & references["usable"], "indicator_id"])]
                  for r in info.itertuples()}

    share = np.where(dom["w_usable"] > 0, dom["w_present"] / dom["w_usable"].where(
        dom["w_usable"] > 0, 1.0), 0.0)
    enough = (dom["n_usable"].to_numpy() > 0) & (share + 1e-12 >= cfg.min_weight_share) & (
        dom["w_present"].to_numpy() > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        dom["index"] = np.where(enough, dom["w_index"] / dom["w_present"].where(
            dom["w_present"] > 0, 1.0), np.nan)
    dom["complete"] = (dom["n_usable"] > 0) & (dom["n"] == dom["n_usable"])
    dom["n_indicators"] = dom["n"].astype("int64")
    pct = nl_number(cfg.min_weight_share * 100)
    notes = []
    for r in dom.itertuples(index=False):
        parts = []
        if r.n_usable == 0:
            parts.append(f"Geen indicator van dit domein is bruikbaar in basisjaar {base_year}.")
        elif not (r.w_present > 0 and r.w_present / r.w_usable + 1e-12 >= cfg.min_weight_share):
            parts.append(f"Geen domeinindex: de beschikbare indicatoren ({r.n} van "
                         f"{r.n_usable}) dragen minder dan {pct}% van het gewicht.")
        missing = [i.id for i in usable_ids[(r.level, r.domain)]
                   if i.id not in r.indicators_used]
        if missing:
            parts.append(f"Ontbreekt in {r.year}: " + join_nl([
                f"{i} ({reasons[(r.unit_id, r.year, i)]})" if (r.unit_id, r.year, i) in reasons
                else f"{i} (geen gegevens)" for i in missing]) + ".")
        if r.unusable_text:
            parts.append(r.unusable_text)
        if r.ref_text:
            parts.append(r.ref_text)
        notes.append(" ".join(parts))
    dom["note"] = notes
    ref_src = references[["level", "indicator_id", "source"]].rename(
        columns={"source": "ref_source"})
    src_rows = ps[[*key, "indicator_id", "source"]].merge(ref_src, on=["level", "indicator_id"],
                                                          how="left")
    src_long = pd.concat([
        src_rows[[*key, "source"]],
        src_rows[[*key, "ref_source"]].rename(columns={"ref_source": "source"}),
    ])
    dom = dom.merge(_labels_by_group(src_long, key, "source", "sources"), on=key, how="left")
    dom["sources"] = [x if isinstance(x, list) else [] for x in dom["sources"]]
    dom["_o"] = dom["domain"].map(order)
    dom = dom.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)

    # totals: one per (unit, year) of the grid
    ukey = ["unit_id", "year"]
    avail = dom[dom["index"].notna()].copy()
    avail["_wd"] = avail["dom_weight"] * avail["index"]
    tot = avail.groupby(ukey, sort=False).agg(
        n_dom=("domain", "size"), wd=("_wd", "sum"), w=("dom_weight", "sum"),
        domains=("domain", list), used=("indicators_used", lambda c: [i for x in c for i in x]),
        n_complete=("complete", "sum"))
    tsrc = _labels_by_group(
        avail[[*ukey, "sources"]].explode("sources").rename(columns={"sources": "source"}),
        ukey, "source", "sources")
    tot = tot.reset_index().merge(tsrc, on=ukey, how="left").set_index(ukey)
    any_dom = dom.groupby(ukey, sort=False).size().rename("n_rows")
    g = grid.drop_duplicates(ukey)[["unit_id", "year", "level"]].copy()
    g["unit_id"] = g["unit_id"].astype(str)
    g["year"] = g["year"].astype("int64")
    g = g.merge(tot.reset_index(), on=ukey, how="left").merge(any_dom.reset_index(), on=ukey,
                                                              how="left")
    g["n_dom"] = g["n_dom"].fillna(0).astype("int64")
    g["n_rows"] = g["n_rows"].fillna(0).astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        g["index"] = np.where(g["n_dom"] >= cfg.min_domains,
                              g["wd"] / g["w"].where(g["w"] > 0, 1.0), np.nan)
    n_usable_dom = g["level"].map({lv: len(v) for lv, v in usable_domains.items()})
    g["complete"] = (n_usable_dom > 0) & (g["n_complete"].fillna(0) == n_usable_dom) & (
        g["n_dom"] == n_usable_dom)
    tnotes, used_out = [], []
    for r in g.itertuples(index=False):
        doms = r.domains if isinstance(r.domains, list) else []
        parts = []
        if base_year is None:
            parts.append("Geen basisjaar: geen van de indexindicatoren heeft een bruikbare "
                         "referentie in de database.")
        elif r.n_rows == 0:
            parts.append(f"Geen van de indexindicatoren heeft in {r.year} een waarde voor dit "
                         "gebied.")
        elif r.n_dom < cfg.min_domains:
            parts.append(f"Geen totaalindex: minder dan {cfg.min_domains} domeinen met een "
                         "index.")
        if doms:
            parts.append("Gemiddelde van " + join_nl(doms) + ".")
        absent = [x for x in usable_domains.get(r.level, []) if x not in doms]
        if absent and base_year is not None and r.n_rows:
            parts.append(f"Zonder domeinindex in {r.year}: " + join_nl(absent) + ".")
        never = [d.id for d in cfg.domains if d.id not in usable_domains.get(r.level, [])]
        if never and base_year is not None:
            parts.append(f"Niet te berekenen (geen bruikbare indicator in basisjaar {base_year})"
                         ": " + join_nl(never) + ".")
        tnotes.append(" ".join(parts))
        used_out.append(sorted(set(r.used), key=ind_order.__getitem__)
                        if isinstance(r.used, list) else [])
    g["note"] = tnotes
    g["indicators_used"] = used_out
    g["n_indicators"] = [len(x) for x in used_out]
    g["sources"] = [x if isinstance(x, list) else [] for x in g["sources"]]
    g["domain"] = TOTAL
    cols = ["unit_id", "year", "domain", "index", "n_indicators", "indicators_used", "complete",
            "note", "sources"]
    out = pd.concat([dom[cols], g[cols]], ignore_index=True)
    out["_o"] = out["domain"].map(order)
    out = out.sort_values(["unit_id", "year", "_o"], kind="stable", ignore_index=True)
    out["band"] = pd.Series([cfg.band(x) for x in out["index"]], index=out.index,
                            dtype=object)
    out["base_year"] = pd.array([base_year] * len(out), dtype="Int64")
    out["source"] = pd.Series([("Bron: " + "; ".join(x)) if x else None
                               for x in out["sources"]], index=out.index, dtype=object)
    out["index"] = out["index"].astype("float64")
    out["n_indicators"] = out["n_indicators"].astype("int64")
    out["year"] = out["year"].astype("int64")
    out["complete"] = out["complete"].astype(bool)
    # text columns are plain objects whatever pandas infers (stable dtypes for callers)
    out = out.astype({"unit_id": object, "domain": object, "note": object})
    return out[list(INDEX_COLUMNS)]


# --------------------------------------------------------------------------- public API


def _method_note(cfg: CompositeConfig, base_year: int | None) -> str:
    if base_year is None:
        return ("Geen samengestelde index: geen van de indexindicatoren heeft in de database "
                "een bruikbare referentie (landelijke waarde of genoeg regio's).")
    return (f"Index per indicator: 100 = referentie in basisjaar {base_year} (Nederland waar "
            "die waarde bestaat, anders het gewogen gemiddelde van de geladen regio's), "
            f"{nl_number(cfg.scale)} punten per standaarddeviatie over de geladen regio's van "
            f"het niveau in {base_year}, hoger is beter; domeinindex = gewogen gemiddelde van "
            "de indicatoren, totaalindex = gemiddelde van de domeinen.")


def indicator_index(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    base_year: int | None = None,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The index of every configured indicator per unit and year (the detail behind
    :func:`composite_index`; columns :data:`SCORE_COLUMNS`)."""
    cfg = _config(config)
    _, levels = unit_members(units)
    if base_year is None:
        base_year = default_base_year(con, levels=sorted(set(levels.values())), config=cfg)
    values = unit_values(con, units, years=years, config=cfg)
    if base_year is None:
        refs = _empty_references()
    else:
        refs = pd.concat([index_references(con, level=lvl, base_year=base_year, config=cfg)
                          for lvl in sorted(set(levels.values()))], ignore_index=True)
    return score_values(values, refs, config=cfg)


def _empty_references() -> pd.DataFrame:
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in REFERENCE_COLUMNS})
    out["usable"] = out["usable"].astype(bool)
    return out


def composite_index(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    base_year: int | None = None,
    years: Sequence[int] | None = None,
    config: CompositeConfig | str | Path | None = None,
) -> pd.DataFrame:
    """The composite index per unit, year and domain (see the module docstring).

    Parameters
    ----------
    con
        A connection from :func:`wijkanalyse.store.connect` (read-only is fine).
    units
        One row per unit: ``unit_id``, ``codes`` (member CBS codes) and optionally ``level``
        (as the ``units`` of a MonitorSet).
    base_year
        Year of the reference (100); default: see :func:`default_base_year`.
    years
        Years to compute; default every year in which a member of some unit has a value of a
        configured indicator.
    config
        An index configuration, a path to one, or ``None`` for ``data/composite.yaml``.

    Returns
    -------
    pandas.DataFrame
        Long, columns :data:`INDEX_COLUMNS`: per unit and year one row per domain in which
        the unit has a value of at least one indicator, plus a ``"totaal"`` row for every unit
        and year (``index`` ``NaN`` when it cannot be computed; ``note`` says why).
        ``indicators_used`` lists the indicators in the index; ``complete`` is False when a
        usable indicator is missing; ``band`` is the Dutch class of the index; ``note`` names
        the reference of every indicator, what is missing and why; ``source`` the citations
        ("Bron: ..."). ``attrs["note"]`` holds the method in one Dutch paragraph,
        ``attrs["base_year"]`` the base year; the reference of every indicator is in
        :func:`index_references`.
    """
    cfg = _config(config)
    members, levels = unit_members(units)
    lv = sorted(set(levels.values()))
    if base_year is None:
        base_year = default_base_year(con, levels=lv, config=cfg)
    values = unit_values(con, units, years=years, config=cfg)
    if years is None:
        years = sorted(int(y) for y in values.loc[values["value"].notna(), "year"].unique())
    years = [int(y) for y in years]
    values = values[values["year"].isin(years)]
    if base_year is None:
        refs = _empty_references()
    else:
        refs = pd.concat([index_references(con, level=lvl, base_year=int(base_year),
                                           config=cfg) for lvl in lv], ignore_index=True)
    scores = score_values(values, refs, config=cfg)
    grid = pd.DataFrame([(u, y, levels[u]) for u in members for y in years],
                        columns=["unit_id", "year", "level"])
    out = combine_scores(scores, refs, grid=grid, base_year=base_year, config=cfg)
    note = _method_note(cfg, base_year)
    if out.empty:
        note += (" Geen uitkomsten: geen van de gebieden heeft in de gevraagde jaren een waarde "
                 "van een indexindicator.")
    out.attrs["note"] = note
    out.attrs["base_year"] = base_year
    return out


# --------------------------------------------------------------------------- Leefbaarometer


def lbm_deviation(
    con: duckdb.DuckDBPyConnection,
    units: pd.DataFrame,
    *,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """The Leefbaarometer deviation from the national average (``lbm_afw``) of every unit.

    Wijk units use their own codes; buurt units (the Leefbaarometer is published per wijk
    here) use the wijken they lie in (``wijk_codes``, else derived from the codes), as the
    wijkprofiel does. Several wijken are combined weighted by inhabitants (``a_inw`` of the
    same year), strictly as :mod:`wijkanalyse.gebieden.aggregate` does.

    Returns
    -------
    pandas.DataFrame
        ``unit_id, year, lbm_afw, complete, note, source`` for every unit and Leefbaarometer
        year in which a member has a row.
    """
    members, levels = unit_members(units)
    wijk_col = (units.set_index(units["unit_id"].astype(str))["wijk_codes"]
                if "wijk_codes" in units.columns else pd.Series(dtype=object))
    areas: dict[str, list[str]] = {}
    notes: dict[str, str | None] = {}
    for uid, codes in members.items():
        if levels[uid] == "buurt":
            wk = wijk_col.get(uid)
            wk = list(wk) if isinstance(wk, list | tuple | np.ndarray) and len(wk) else \
                sorted({"WK" + c[2:8] for c in codes})
            areas[uid] = list(dict.fromkeys(n for c in wk if (n := normalise_code(c))))
            notes[uid] = ("De Leefbaarometer is per wijk beschikbaar: de wijk(en) waarin dit "
                          "gebied ligt.")
        else:
            areas[uid] = codes
            notes[uid] = None
    codes = sorted({c for m in areas.values() for c in m})
    values = _read_values(con, codes=codes, prefix=None,
                          indicator_ids=[LBM_DEVIATION, "a_inw"], years=years)
    agg = aggregate_many(values, areas=areas, indicators=load_catalogue())
    agg = agg[agg["indicator_id"] == LBM_DEVIATION].rename(
        columns={"area_id": "unit_id", "value": LBM_DEVIATION})
    hit = values[(values["indicator_id"] == LBM_DEVIATION) & values["value"].notna()]
    labels = sorted({str(x) for x in hit["label"].dropna()})
    agg["note"] = [" ".join(x for x in (notes[u], r) if x) or None
                   for u, r in zip(agg["unit_id"], agg["reason"], strict=True)]
    agg["source"] = ("Bron: " + "; ".join(labels)) if labels else None
    return agg[["unit_id", "year", LBM_DEVIATION, "complete", "note", "source"]].reset_index(
        drop=True)


def _spearman(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Spearman's rho and its two-sided p-value (``NaN`` for fewer than 3 pairs)."""
    if len(a) < 3:
        return math.nan, math.nan
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if np.std(ra) == 0 or np.std(rb) == 0:
        return math.nan, math.nan
    from scipy import stats

    res = stats.spearmanr(a, b)
    return float(res.statistic), float(res.pvalue)


def compare_with_lbm(
    index: pd.DataFrame,
    lbm: pd.DataFrame,
    *,
    domain: str = TOTAL,
    max_year_gap: int = 1,
) -> dict[str, Any]:
    """How far the composite index and the Leefbaarometer agree.

    Parameters
    ----------
    index
        The result of :func:`composite_index`.
    lbm
        ``unit_id, year`` and ``lbm_afw`` (or ``value``): the Leefbaarometer deviation from
        the national average, e.g. from :func:`lbm_deviation`.
    domain
        The index row compared (default the total index).
    max_year_gap
        An index year without a Leefbaarometer measurement is paired with the nearest
        measurement at most this many years away (the earlier one on a tie).

    Returns
    -------
    dict
        ``"per_year"``: DataFrame ``year, lbm_year, n, spearman, p_value`` (``NaN`` for fewer
        than 3 units); ``"units"``: DataFrame ``unit_id, year, lbm_year, index, lbm_afw,
        rank_index, rank_lbm, rank_difference`` (rank 1 = best within the year, ties get
        their mean rank); ``"method"`` and ``"note"``: Dutch texts.
    """
    col = LBM_DEVIATION if LBM_DEVIATION in lbm.columns else "value"
    for need, frame, name in ((("unit_id", "year", "index", "domain"), index, "index"),
                              (("unit_id", "year", col), lbm, "lbm")):
        absent = [c for c in need if c not in frame.columns]
        if absent:
            raise ValueError(f"{name} mist de kolommen {', '.join(absent)}")
    idx = index[(index["domain"] == domain) & index["index"].notna()]
    idx = idx[["unit_id", "year", "index"]].astype({"unit_id": str, "year": "int64"})
    lb = lbm[lbm[col].notna()][["unit_id", "year", col]].rename(columns={col: LBM_DEVIATION})
    lb = lb.astype({"unit_id": str, "year": "int64"})
    lbm_years = sorted(set(lb["year"]))
    pairing: dict[int, int] = {}
    for y in sorted(set(idx["year"])):
        cands = [ly for ly in lbm_years if abs(ly - y) <= max_year_gap]
        if cands:
            pairing[y] = min(cands, key=lambda ly: (abs(ly - y), ly))
    index_years = sorted(set(idx["year"]))
    idx = idx[idx["year"].isin(list(pairing))].assign(
        lbm_year=lambda d: d["year"].map(pairing).astype("int64"))
    units = idx.merge(lb.rename(columns={"year": "lbm_year"}), on=["unit_id", "lbm_year"])
    units["rank_index"] = units.groupby("year")["index"].rank(ascending=False)
    units["rank_lbm"] = units.groupby("year")[LBM_DEVIATION].rank(ascending=False)
    units["rank_difference"] = units["rank_index"] - units["rank_lbm"]
    units = units.sort_values(["year", "rank_index", "unit_id"], ignore_index=True)
    rows = []
    for y, g in units.groupby("year"):
        rho, p = _spearman(g["index"].to_numpy(), g[LBM_DEVIATION].to_numpy())
        rows.append({"year": int(y), "lbm_year": int(pairing[int(y)]), "n": len(g),
                     "spearman": rho, "p_value": p})
    per_year = pd.DataFrame(rows, columns=["year", "lbm_year", "n", "spearman", "p_value"])
    notes = []
    if per_year.empty:
        notes.append("Geen vergelijking mogelijk: er zijn geen gebieden met zowel een index als "
                     "een Leefbaarometer-score in (bijna) hetzelfde jaar.")
    for r in per_year.itertuples():
        if r.year != r.lbm_year:
            notes.append(f"Index {r.year} vergeleken met de Leefbaarometer {r.lbm_year}.")
        if r.n < 3:
            notes.append(f"{r.year}: te weinig gebieden ({r.n}) voor een rangcorrelatie.")
    no_lbm = [y for y in index_years if y not in pairing]
    if no_lbm:
        notes.append(f"Geen Leefbaarometer binnen {max_year_gap} jaar van: "
                     + join_nl([str(y) for y in no_lbm]) + ".")
    no_units = [y for y in index_years if y in pairing and y not in set(per_year["year"])]
    if no_units:
        notes.append("Geen gebieden met zowel een index als een Leefbaarometer-score in: "
                     + join_nl([f"{y} (Leefbaarometer {pairing[y]})" for y in no_units]) + ".")
    method = (
        "Per jaar zijn de gebieden gerangschikt op de samengestelde index "
        f"({domain}) en op de afwijking van de Leefbaarometer van het landelijk gemiddelde "
        "(1 = best). De rangcorrelatie van Spearman (−1 tot 1) zegt hoe goed de twee "
        "volgordes overeenkomen: 1 is dezelfde volgorde, 0 geen verband. De Leefbaarometer "
        "meet de leefbaarheid uit vele kenmerken van de woonomgeving; de index alleen de "
        "KWB-indicatoren, dus volledige overeenstemming is niet te verwachten.")
    return {
        "per_year": per_year,
        "units": units[["unit_id", "year", "lbm_year", "index", LBM_DEVIATION, "rank_index",
                        "rank_lbm", "rank_difference"]],
        "method": method,
        "note": " ".join(notes) or None,
    }
