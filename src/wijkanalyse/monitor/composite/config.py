"""The index configuration: ``data/composite.yaml`` (indicators, domains, weights, scale)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from wijkanalyse import safeyaml
from wijkanalyse.catalogue import Catalogue, load_catalogue
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.fmt import nl_number

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
