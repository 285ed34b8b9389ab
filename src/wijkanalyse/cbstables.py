"""Identifiers of the CBS tables wijkanalyse knows (Kerncijfers Wijken en Buurten per year)."""

from __future__ import annotations

import re
from pathlib import Path

#: CBS StatLine/OData table of Kerncijfers Wijken en Buurten per reporting year.
KWB_TABLES: dict[int, str] = {
    2013: "82339NED",
    2014: "82931NED",
    2015: "83220NED",
    2016: "83487NED",
    2017: "83765NED",
    2018: "84286NED",
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",  # used as "Kerncijfers wijken en buurten 2025" by several projects
}
KWB_YEARS: dict[str, int] = {t: y for y, t in KWB_TABLES.items()}

#: CBS table of SES-WOA scores per wijk en buurt (years 2014-2022 in one table).
SES_WOA_TABLE = "85163NED"

_TABLE_ID = re.compile(r"(\d{5}NED)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(20[0-4]\d|19[89]\d)(?!\d)")


def table_id_from_name(name: str) -> str | None:
    """A CBS table identifier in a file name (``odata_84583NED_...`` -> ``84583NED``)."""
    m = _TABLE_ID.search(name)
    return m.group(1).upper() if m else None


def year_from_name(path: str | Path) -> int | None:
    """The reporting year in a file name: from the first ``kwbYYYY``/``_YYYY_`` token.

    A KWB table id wins over the year inside the name only when no explicit year is present,
    because downloaded files are sometimes named after the wrong table
    (``marginal_distributions_84583NED.csv`` holding 2021 data).
    """
    name = Path(path).name
    m = _YEAR.search(name.replace("kwb", "kwb_"))
    if m:
        return int(m.group(1))
    tid = table_id_from_name(name)
    return KWB_YEARS.get(tid) if tid else None
