"""Regions, provinces, landsdelen and size classes of the programme
(``data/programma/regios.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from wijkanalyse import safeyaml
from wijkanalyse.codes import name_key

__all__ = ["RegionTable", "landsdeel_of", "load_regions", "size_class"]


@dataclass(frozen=True)
class RegionTable:
    """The shipped table: regions (name -> gemeenten), province per gemeente, landsdelen."""

    regions: dict[str, tuple[str, ...]]
    region_codes: dict[str, tuple[str, ...]]
    region_provinces: dict[str, str]
    provinces: dict[str, str]  # name_key(gemeente) -> provincie
    landsdelen: dict[str, str]  # provincie -> landsdeel
    size_classes: tuple[tuple[str, int], ...]
    gemeenten: tuple[tuple[str, str], ...] = ()  # (name as written, provincie)

    def region(self, name: str) -> tuple[str, ...] | None:
        """The gemeenten of a region by name (case and accents ignored), or ``None``."""
        key = name_key(name)
        for region, members in self.regions.items():
            if name_key(region) == key:
                return members
        return None

    def region_gm_codes(self, name: str) -> tuple[str, ...]:
        """The GM codes of a region's gemeenten (all years), ``()`` when it is no region."""
        key = name_key(name)
        for region, codes in self.region_codes.items():
            if name_key(region) == key:
                return codes
        return ()

    def provincie(self, name: str) -> str:
        """The province of a gemeente or region, ``""`` when the table does not know it."""
        key = name_key(name)
        for region, prov in self.region_provinces.items():
            if name_key(region) == key:
                return prov
        return self.provinces.get(key, "")


@lru_cache(maxsize=1)
def load_regions() -> RegionTable:
    """Read the shipped table once."""
    text = resources.files("wijkanalyse").joinpath("data/programma/regios.yaml").read_text(
        encoding="utf-8")
    data = safeyaml.load(text, origin="data/programma/regios.yaml", trusted=True)
    regions = {str(k): tuple(str(g) for g in v["gemeenten"]) for k, v in data["regios"].items()}
    region_codes = {str(k): tuple(str(c) for c in v["gemeenten"].values())
                    for k, v in data["regios"].items()}
    region_prov = {str(k): str(v["provincie"]) for k, v in data["regios"].items()}
    provinces = {name_key(str(g)): str(p) for p, gs in data["provincies"].items() for g in gs}
    landsdelen = {str(p): str(ld) for ld, ps in data["landsdelen"].items() for p in ps}
    classes = tuple((str(c["naam"]), int(c["vanaf"])) for c in data["grootteklassen"])
    names = tuple((str(g), str(p)) for p, gs in data["provincies"].items() for g in gs)
    return RegionTable(regions, region_codes, region_prov, provinces, landsdelen, classes,
                       names)


def landsdeel_of(provincie: str) -> str:
    """CBS landsdeel of a province (``"Limburg"`` -> ``"Zuid-Nederland"``); ``""`` unknown."""
    return load_regions().landsdelen.get(provincie, "")


def size_class(inwoners: int | None) -> str:
    """The size class of a gemeente (or region) by its inhabitants; ``"onbekend"`` if None."""
    if inwoners is None:
        return "onbekend"
    label = "onbekend"
    for name, lower in load_regions().size_classes:
        if inwoners >= lower:
            label = name
    return label
