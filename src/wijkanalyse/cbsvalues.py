"""CBS cell values: numbers with decimal commas, padding and the CBS symbols for missing data.

CBS StatLine and OData exports mark values that are not a number with a symbol. They become
missing values (``NaN``) with the reason kept, so that a report can say *why* a figure is absent.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: CBS symbols and the reason recorded for them (Dutch, shown to users).
MISSING_REASONS: dict[str, str] = {
    ".": "ontbreekt of geheim (CBS '.')",
    "x": "geheim (CBS 'x')",
    "-": "nihil of niet van toepassing (CBS '-')",
    "?": "onbetrouwbaar (CBS '?')",
    "": "leeg in bron",
    "NA": "leeg in bron (NA)",
    "NaN": "leeg in bron (NA)",
    "nan": "leeg in bron (NA)",
    "null": "leeg in bron",
}
EMPTY_REASON = MISSING_REASONS[""]

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


def parse_cbs_values(raw: pd.Series, *, decimal: str = "auto") -> tuple[pd.Series, pd.Series]:
    """Parse CBS cells into floats and missing-value reasons.

    Parameters
    ----------
    raw
        Cells as read from the file (strings, numbers or ``None``).
    decimal
        ``","`` (StatLine CSV), ``"."`` (OData, R exports) or ``"auto"``: a comma is a decimal
        separator when the cell has no dot.

    Returns
    -------
    values, reasons
        ``values`` is float64 with ``NaN`` where missing; ``reasons`` holds the missing reason
        (``None`` where a value exists). Cells that are neither numbers nor CBS symbols are
        returned with reason ``"ongeldig: <cell>"`` so callers can report them with their line.

    Notes
    -----
    Every cell is parsed on its own text, so each distinct text is parsed once
    (:func:`parse_distinct`) and the results are spread over the cells: a KWB table repeats
    the same few texts (``"."``, ``"0"``, small counts) many times.
    """
    if pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.astype("float64")
        reasons = pd.Series(np.where(values.isna(), EMPTY_REASON, np.array(None, dtype=object)),
                            index=raw.index,
                            dtype="object")
        return values, reasons
    text = raw.astype("string")
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    u_values, u_reasons = parse_distinct(pd.Series(uniques, dtype="string"), decimal=decimal)
    values = pd.Series(u_values.to_numpy(dtype="float64")[codes], index=raw.index,
                       dtype="float64")
    reasons = pd.Series(u_reasons.to_numpy(dtype=object)[codes], index=raw.index,
                        dtype="object")
    return values, reasons


def parse_distinct(text: pd.Series, *, decimal: str = "auto") -> tuple[pd.Series, pd.Series]:
    """:func:`parse_cbs_values` of cells given as text (``"string"`` dtype), cell by cell.

    The vectorised reference of the parsing rules; :func:`parse_cbs_values` applies it to the
    distinct texts of a column only.
    """
    text = text.astype("string").str.strip()
    text = text.fillna("")
    if decimal == ",":
        normalised = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        # a lone "." is a CBS symbol, not a thousands separator
        normalised = normalised.where(text != ".", ".")
    elif decimal == ".":
        normalised = text
    else:
        has_comma_only = text.str.contains(",", regex=False) & ~text.str.contains(".", regex=False)
        normalised = text.where(~has_comma_only, text.str.replace(",", ".", regex=False))
    is_number = normalised.str.match(_NUMBER.pattern) & (normalised != ".")
    values = pd.to_numeric(normalised.where(is_number), errors="coerce").astype("float64")
    symbol = text.where(~is_number)
    reasons = symbol.map(lambda s: None if s is pd.NA or s is None else MISSING_REASONS.get(
        s, f"ongeldig: {s!r}"))
    reasons = reasons.astype("object").where(~is_number, None)
    return values, reasons


def invalid_cells(reasons: pd.Series) -> pd.Series:
    """Boolean mask of cells that were neither a number nor a known CBS symbol."""
    codes, uniques = pd.factorize(reasons.astype("object"), use_na_sentinel=True)
    bad = np.array([isinstance(r, str) and r.startswith("ongeldig:") for r in uniques],
                   dtype=bool)
    out = np.zeros(len(codes), dtype=bool)
    have = codes >= 0
    out[have] = bad[codes[have]]
    return pd.Series(out, index=reasons.index, dtype=bool)


#: Missing-value codes of the CBS Wijk- en Buurtkaart attribute tables (shapefile DBF and the
#: GeoJSON made from them): numbers far below any real value stand for a missing figure.
MAP_CODE_REASONS: dict[int, str] = {
    -99999999: "geheim of onbekend (CBS-kaartcode -99999999)",
    -99999997: "geheim: minder dan de drempelwaarde (CBS-kaartcode -99999997)",
}
#: Values at or below this are Wijk- en Buurtkaart codes, never figures.
MAP_CODE_LIMIT = -99999990.0


def parse_map_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn the Wijk- en Buurtkaart missing-value codes into ``NaN`` with their reason.

    Parameters
    ----------
    values
        Numbers as read from the attribute table (``NaN`` for an empty cell).

    Returns
    -------
    values, reasons
        ``values`` (float64) with ``NaN`` for codes and empty cells; ``reasons`` (object) with
        the reason of :data:`MAP_CODE_REASONS` (another code ``<= -99999990`` gets a generic
        reason naming it, an empty cell :data:`EMPTY_REASON`) and ``None`` where a value exists.
    """
    v = np.asarray(values, dtype="float64")
    reasons = np.full(v.shape, None, dtype=object)
    empty = np.isnan(v)
    reasons[empty] = EMPTY_REASON
    coded = ~empty & (v <= MAP_CODE_LIMIT)
    if coded.any():
        reasons[coded] = [
            MAP_CODE_REASONS.get(int(c), f"ontbreekt (CBS-kaartcode {int(c)})") for c in v[coded]
        ]
    out = v.copy()
    out[coded] = np.nan
    return out, reasons
