"""Dutch formatting used by every output: numbers (1.234,5), figures by their kind of value
(counts, percentages, money, densities, scores, other measures), readable differences, counted
nouns ("1 gemeente", "44 gemeenten"), dates ("5 maart 2024") and lists ("a, b en c").

Presenters never format a figure themselves: they call :func:`format_value` with the
catalogue's unit, kind, ``decimals`` and ``signed`` (``Indicator.decimals`` / ``signed``).
A number that rounds to zero never has a sign."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date

#: Dutch month names, January first.
MONTHS_NL: tuple[str, ...] = ("januari", "februari", "maart", "april", "mei", "juni", "juli",
                              "augustus", "september", "oktober", "november", "december")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def as_float(value: object) -> float | None:
    """``value`` as a float; ``None`` for missing values (None, NaN, ``pd.NA``) and for
    anything that is no number."""
    if value is None:
        return None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def nl_number(value: float | None, *, decimals: int = 0, sign: bool = False) -> str:
    """Format a number the Dutch way: ``1234.5`` -> ``"1.234,5"``; missing -> ``"–"``.

    A number that rounds to zero has no sign ("0,00", never "-0,00" or "+0,00"); ``sign``
    puts a ``+`` before positive numbers.

    >>> nl_number(1234.5, decimals=1)
    '1.234,5'
    >>> nl_number(-0.25, decimals=2, sign=True)
    '-0,25'
    >>> nl_number(-0.001, decimals=2, sign=True)
    '0,00'
    """
    if _missing(value):
        return "–"
    decimals = max(int(decimals), 0)
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    if not any(c in "123456789" for c in text):  # rounds to zero: no sign
        text = f"{0.0:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def count_text(n: int, singular: str, plural: str) -> str:
    """A number with its noun in the right form: ``1 gemeente``, ``44 gemeenten``.

    >>> count_text(1, "gemeente", "gemeenten")
    '1 gemeente'
    >>> count_text(1200, "wijk", "wijken")
    '1.200 wijken'
    """
    return f"{nl_number(n)} {singular if n == 1 else plural}"


#: Units of money in thousands of euros (shown as whole euros: ``€ 140.000``).
MONEY_UNITS = frozenset({"x 1 000 euro"})
#: Units of densities (shown without decimals: ``21.079 inwoners per km²``).
DENSITY_UNITS = frozenset({"inwoners per km²", "adressen per km²", "per km²"})
#: Units of whole measurements CBS publishes as integers (kWh, m³).
WHOLE_UNITS = frozenset({"kWh", "m³"})
#: Units that are not written after a number: the kind of value says it all.
_SILENT_UNITS = frozenset({"aantal", "score", "code", "klasse", ""})


def value_kind(unit: str | None, kind: str) -> str:
    """The kind of value that decides how a figure is written.

    ``count`` (whole number), ``percentage`` (``68%``), ``money`` (``€ 140.000``),
    ``density`` (whole number with its unit), ``score`` (Leefbaarometer, SES-WOA: no unit
    word), ``code`` (codes and classes) or ``measure`` (any other unit: ``1,2 km``).
    """
    if kind == "code" or unit in ("code", "klasse"):
        return "code"
    if unit == "%":
        return "percentage"
    if unit in MONEY_UNITS:
        return "money"
    if unit in DENSITY_UNITS:
        return "density"
    if kind == "score" or unit == "score":
        return "score"
    if kind == "count":
        return "count"
    return "measure"


def decimals_for(unit: str | None, kind: str, *, computed: bool = False) -> int:
    """The decimals a value of this unit and kind is shown with when the catalogue does not
    say (``Indicator.decimals`` overrides it).

    Counts, codes, densities, kWh and m³ are whole; percentages and rates per 1 000 are whole
    as CBS publishes most of them (1 decimal for a ``computed`` share CBS does not publish);
    scores have 2 decimals; amounts of money (in thousands of euros) and other means 1.
    """
    what = value_kind(unit, kind)
    if what in ("count", "code", "density") or unit in WHOLE_UNITS:
        return 0
    if what == "percentage" or unit == "per 1 000 inwoners":
        return 1 if computed else 0
    if what == "score":
        return 2
    return 1


def format_count(value: float | None) -> str:
    """A count: a whole number (``2.950``); a weighted estimate is rounded."""
    return nl_number(value, decimals=0)


def format_percentage(value: float | None, *, decimals: int = 0) -> str:
    """A percentage as CBS publishes it: ``68%``, ``40,2%``."""
    return "–" if _missing(value) else f"{nl_number(value, decimals=decimals)}%"


def format_money(thousands: float | None, *, decimals: int = 1) -> str:
    """An amount given in thousands of euros as whole euros: ``140`` -> ``"€ 140.000"``.

    ``decimals`` is the precision of the thousands (1: to the hundred euros).
    """
    if _missing(thousands):
        return "–"
    assert thousands is not None
    euros = round(float(thousands), max(int(decimals), 0)) * 1000
    text = nl_number(euros, decimals=0)
    return f"-€ {text[1:]}" if text.startswith("-") else f"€ {text}"


def format_score(value: float | None, *, decimals: int = 2, signed: bool = False) -> str:
    """A score without unit word; ``signed`` for a score around zero (a deviation from the
    national average): ``-0,19``, ``+0,05``, ``0,00``."""
    return nl_number(value, decimals=decimals, sign=signed)


def format_density(value: float | None, *, unit: str = "") -> str:
    """A density, whole: ``21.079 inwoners per km²``."""
    if _missing(value):
        return "–"
    text = nl_number(value, decimals=0)
    return f"{text} {unit}" if unit else text


def format_measure(value: float | None, *, unit: str = "", decimals: int = 1) -> str:
    """Any other measurement with its unit: ``1,2 km``, ``2,1 personen per huishouden``."""
    if _missing(value):
        return "–"
    text = nl_number(value, decimals=decimals)
    return f"{text} {unit}" if unit and unit not in _SILENT_UNITS else text


def format_value(value: float | None, *, unit: str, kind: str, decimals: int | None = None,
                 signed: bool = False, with_unit: bool = True) -> str:
    """A figure as every report writes it, by its kind of value (:func:`value_kind`).

    ``"68%"``, ``"3.590"``, ``"€ 27.400"``, ``"21.079 inwoners per km²"``, ``"-0,19"``.
    ``decimals`` comes from the catalogue (``Indicator.decimals``; :func:`decimals_for` when
    not given) and ``signed`` from ``Indicator.signed`` (scores around zero).
    ``with_unit=False`` leaves out a unit that a table states in its row label
    (:func:`unit_label`); percentages and money keep their sign.
    """
    if _missing(value):
        return "–"
    dec = decimals_for(unit, kind) if decimals is None else decimals
    what = value_kind(unit, kind)
    if what == "percentage":
        return format_percentage(value, decimals=dec)
    if what == "money":
        return format_money(value, decimals=dec)
    if what == "count":
        return format_measure(value, unit=unit if with_unit else "", decimals=0)
    if what == "density":
        return format_density(value, unit=unit if with_unit else "")
    if what == "score":
        return format_score(value, decimals=dec, signed=signed)
    if what == "code":  # a postcode or class: no thousands separator
        return str(round(float(value)))  # type: ignore[arg-type]
    return format_measure(value, unit=unit if with_unit else "", decimals=dec)


def unit_label(unit: str | None, kind: str = "") -> str:
    """The unit a table writes next to a row label: none for percentages, counts, money and
    scores (their cells say it), else the unit (``inwoners per km²``, ``km``)."""
    if not unit or unit in _SILENT_UNITS or unit == "%" or unit in MONEY_UNITS:
        return ""
    if value_kind(unit, kind) == "code":
        return ""
    return unit


def difference(value: float | None, reference: float | None, *, unit: str,
               kind: str, decimals: int | None = None) -> tuple[float | None, str | None]:
    """Difference of a value with a reference, as (number, Dutch text).

    Rates in % give percentage points with the decimals of the figure ("+7 procentpunt",
    "+1,4 procentpunt"); scores give the plain difference ("+0,12"); counts and means give an
    index (value / reference × 100, "index 164"). A difference that rounds to zero has no
    sign.
    """
    if value is None or reference is None or _missing(value) or _missing(reference):
        return None, None
    dec = decimals_for(unit, kind) if decimals is None else decimals
    if unit == "%":
        d = value - reference
        return d, f"{nl_number(d, decimals=dec, sign=True)} procentpunt"
    if kind == "score":
        d = value - reference
        return d, nl_number(d, decimals=dec, sign=True)
    if reference == 0:
        return None, None
    idx = value / reference * 100
    return idx, f"index {nl_number(idx, decimals=0)}"


def change(first: float | None, last: float | None, *, unit: str,
           kind: str, decimals: int | None = None) -> tuple[float | None, str | None]:
    """Change between two measurements: percentage points for rates (with the decimals of
    the figure), plain for scores, relative % for counts and means ("+12,5%")."""
    if first is None or last is None or _missing(first) or _missing(last):
        return None, None
    dec = decimals_for(unit, kind) if decimals is None else decimals
    if unit == "%":
        d = last - first
        return d, f"{nl_number(d, decimals=dec, sign=True)} procentpunt"
    if kind == "score":
        d = last - first
        return d, nl_number(d, decimals=dec, sign=True)
    if first == 0:
        return None, None
    rel = (last - first) / abs(first) * 100
    return rel, f"{nl_number(rel, decimals=1, sign=True)}%"


def dutch_date(value: date) -> str:
    """A date the Dutch way: ``date(2024, 3, 5)`` -> ``"5 maart 2024"``.

    >>> dutch_date(date(2024, 3, 5))
    '5 maart 2024'
    """
    return f"{value.day} {MONTHS_NL[value.month - 1]} {value.year}"


def join_nl(items: Iterable[object], word: str = "en") -> str:
    """Items as a Dutch list: ``["a", "b", "c"]`` -> ``"a, b en c"``.

    One item stands alone, no items give ``""``; ``word`` replaces ``"en"`` (e.g. ``"of"``).
    Items are shown with ``str``; empty ones are kept (filter them first when they can occur).

    >>> join_nl([2020, 2022, 2023])
    '2020, 2022 en 2023'
    >>> join_nl(["wijk", "buurt"], "of")
    'wijk of buurt'
    """
    texts = [str(i) for i in items]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + f" {word} " + texts[-1]


def year_list(years: Iterable[int]) -> str:
    """Years as a Dutch list with runs of three or more as a span: ``[2016, 2017, 2018, 2020]``
    -> ``"2016–2018 en 2020"``; no years give ``""``.

    >>> year_list([2020, 2016, 2017, 2018])
    '2016–2018 en 2020'
    """
    ordered = sorted({int(y) for y in years})
    parts: list[str] = []
    start = 0
    for i in range(1, len(ordered) + 1):
        if i == len(ordered) or ordered[i] != ordered[i - 1] + 1:
            run = ordered[start:i]
            parts.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else [str(y) for y in run])
            start = i
    return join_nl(parts)
