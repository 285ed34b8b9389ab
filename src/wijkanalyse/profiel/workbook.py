"""The wijkprofiel's full list of indicators as an Excel file, written next to the HTML/PDF.

Two sheets: ``Indicatoren`` (every key figure of the profile: the area, the gemeente, Nederland
and the similar wijken, the differences, the Oordeel, whether the body of the report shows it
and under which theme, and the source) and ``Ontwikkeling`` (every point of every series,
the Leefbaarometer included). Numbers are stored as numbers; names and texts go through
:func:`wijkanalyse.exportsafe.write_sheets`, so a spreadsheet never reads them as formulas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from wijkanalyse.atomicio import write_atomic
from wijkanalyse.exportsafe import write_sheets
from wijkanalyse.model import Figure, Profile
from wijkanalyse.profiel.themes import body_indicators

__all__ = ["INDICATOR_COLUMNS", "SERIES_COLUMNS", "indicator_frame", "series_frame",
           "write_workbook"]

#: The columns of the sheet ``Indicatoren``.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "indicator", "omschrijving", "domein", "thema", "in_rapport", "eenheid", "jaar",
    "peiljaar", "gebied", "gemeente", "nederland", "vergelijkbare_wijken",
    "verschil_gemeente", "verschil_nederland", "oordeel", "geldt_voor", "bron")

#: The columns of the sheet ``Ontwikkeling``.
SERIES_COLUMNS: tuple[str, ...] = (
    "indicator", "omschrijving", "domein", "eenheid", "jaar", "gebied", "gemeente",
    "nederland", "berekend", "bron")


def _value(figure: Figure | None) -> float | None:
    if figure is None or figure.value is None or figure.value != figure.value:
        return None
    return float(figure.value)


def indicator_frame(profile: Profile) -> pd.DataFrame:
    """Every key figure of the profile, one row each (:data:`INDICATOR_COLUMNS`).

    Parameters
    ----------
    profile
        The filled profile.

    Returns
    -------
    pandas.DataFrame
        One row per key figure; ``thema`` is the body theme or empty when the indicator is
        only in the appendix, ``in_rapport`` says which.
    """
    body = body_indicators(profile)
    marks = {j.indicator_id: j.mark for j in profile.judgements}
    rows: list[dict[str, Any]] = []
    for kf in profile.key_figures:
        applies = kf.area.geldt_voor.text if kf.area.geldt_voor is not None else ""
        rows.append({
            "indicator": kf.indicator_id, "omschrijving": kf.label, "domein": kf.domain,
            "thema": body.get(kf.indicator_id, ""),
            "in_rapport": "hoofdtekst" if kf.indicator_id in body else "bijlage",
            "eenheid": kf.unit, "jaar": kf.year, "peiljaar": kf.peiljaar,
            "gebied": _value(kf.area), "gemeente": _value(kf.gemeente),
            "nederland": _value(kf.nederland), "vergelijkbare_wijken": _value(kf.peers),
            "verschil_gemeente": kf.diff_gemeente_text or "",
            "verschil_nederland": kf.diff_nederland_text or "",
            "oordeel": marks.get(kf.indicator_id) or kf.assessment or "",
            "geldt_voor": applies, "bron": kf.area.source or "",
        })
    return pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))


def series_frame(profile: Profile) -> pd.DataFrame:
    """Every point of every series (the Leefbaarometer included), one row each
    (:data:`SERIES_COLUMNS`).

    Parameters
    ----------
    profile
        The filled profile.

    Returns
    -------
    pandas.DataFrame
        One row per indicator and year.
    """
    rows: list[dict[str, Any]] = []
    for s in [*profile.series, *profile.leefbaarometer]:
        for p in s.points:
            rows.append({
                "indicator": s.indicator_id, "omschrijving": s.label, "domein": s.domain,
                "eenheid": s.unit, "jaar": p.year,
                "gebied": None if p.area is None or p.area != p.area else float(p.area),
                "gemeente": p.gemeente, "nederland": p.nederland,
                "berekend": p.derived or "", "bron": p.source or "",
            })
    return pd.DataFrame(rows, columns=list(SERIES_COLUMNS))


def write_workbook(profile: Profile, target: Path) -> Path:
    """Write the Excel file of the profile (replaced atomically).

    Parameters
    ----------
    profile
        The filled profile.
    target
        The ``.xlsx`` path.

    Returns
    -------
    Path
        ``target``.
    """
    sheets = {"Indicatoren": indicator_frame(profile), "Ontwikkeling": series_frame(profile)}

    def write(tmp: Path) -> None:
        write_sheets(tmp, sheets, header=True)

    return write_atomic(Path(target), write)
