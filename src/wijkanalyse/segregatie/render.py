"""Segregatie: rendering of a :class:`SegregationResult` as HTML (Dutch text helpers, table
views, :func:`render_html`); the charts are in :mod:`~wijkanalyse.segregatie.charts`."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from wijkanalyse.fmt import dutch_date, nl_number, year_list
from wijkanalyse.segregatie.analyse import SegregationResult
from wijkanalyse.segregatie.charts import _index_chart, _lq_chart, _tenure_chart
from wijkanalyse.segregatie.groups import (
    _INDEX_BY_ID,
    _MULTI,
    _PLURAL,
    _TWO_GROUP,
    FAMILIES,
    GROUPS,
    INDICES,
    LQ_MIN_COUNT,
    LQ_THRESHOLD,
    MAX_SUPPRESSED_SHARE,
    Family,
)
from wijkanalyse.segregatie.tables import _order_key

# rendering: Dutch text helpers


_LABEL_YEAR = re.compile(r"^(?P<stem>.*\D)\s(?P<year>(?:19|20)\d\d)$")


def source_caption(labels: Iterable[str | None]) -> str:
    """``"Bron: CBS, Kerncijfers Wijken en Buurten 2019 en 2021"`` from citation labels
    (labels that differ only in their closing year are cited once with all years)."""
    stems: dict[str, list[int]] = {}
    for label in labels:
        for part in str(label or "").split("; "):
            part = part.strip()
            if not part:
                continue
            m = _LABEL_YEAR.match(part)
            key = m["stem"] if m else part
            stems.setdefault(key, [])
            if m:
                stems[key].append(int(m["year"]))
    if not stems:
        return "Bron: niet vastgelegd"
    return "Bron: " + "; ".join(f"{k} {year_list(v)}" if v else k for k, v in stems.items())


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def report_stem(result: SegregationResult) -> str:
    """File name without extension: ``segregatie-<gemeente>-<niveau>[-<jaar>]``."""
    stem = f"segregatie-{_slug(result.gemeente_name) or result.gemeente_code.lower()}-" \
           f"{result.level}"
    return stem + (f"-{result.year}" if result.year is not None else "")


# ------------------------------------------------------------------------------------------
def _fmt3(v: float | None) -> str:
    return nl_number(v, decimals=3) if v is not None and np.isfinite(v) else "–"


def _fmt_pct(v: float | None) -> str:
    return f"{nl_number(v, decimals=1)}%" if v is not None and np.isfinite(v) else "–"


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# rendering: HTML


@dataclass
class _TableView:
    title: str
    columns: list[str]
    rows: list[list[str]]
    caption: str
    numeric: list[bool]
    notes: list[str] = field(default_factory=list)


@dataclass
class _ChartView:
    """What ``_chart.html`` shows: title, inline SVG, lines of text and the source caption."""

    title: str
    svg: Any
    caption: str
    lines: list[str] = field(default_factory=list)
    note: str | None = None


def _grouped_notes(part: pd.DataFrame, *, all_groups: Sequence[str]) -> list[str]:
    """The notes of index rows, one line per distinct remark: ``"2019: ... (groepen)"``.

    The count-of-groups remark of multigroup rows and derivations (in the table of groups)
    are left out; a remark that holds for every group says so.
    """
    by_text: dict[tuple[int, str], list[str]] = {}
    for r in part.drop_duplicates(["group", "year", "note"]).itertuples(index=False):
        for piece in str(r.note).split("; "):
            if not piece or piece.startswith(("afgeleid:", "deels afgeleide")) or \
                    " groepen: " in piece:
                continue
            by_text.setdefault((int(r.year), piece), [])
            if r.group_label not in by_text[(int(r.year), piece)]:
                by_text[(int(r.year), piece)].append(r.group_label)
    out = []
    for (year, piece), labels in by_text.items():
        who = "alle groepen" if set(labels) >= set(all_groups) else ", ".join(labels)
        out.append(f"{year}: {piece} ({who})")
    return out


def _index_tables(result: SegregationResult) -> list[tuple[Family, list[_TableView],
                                                          _ChartView | None]]:
    """Per family: a table of the two-group indices (a row per group and year, a column per
    index), a table of the multigroup indices (a row per year) and the D/H chart."""
    from markupsafe import Markup

    out = []
    ind = result.indices
    for fam in FAMILIES.values():
        members = [g for g in GROUPS if g.family == fam.id]
        part = ind[ind["group"].isin([g.id for g in members]) | (ind["group"] == fam.id)]
        if part.empty:
            continue
        tables = []
        two = part[part["index"].isin(_TWO_GROUP)]
        if not two.empty:
            wide = two.pivot_table(index=["group", "year"], columns="index", values="value",
                                   aggfunc="first", dropna=False)
            order = sorted(wide.index, key=lambda k: (_order_key(k[0]), k[1]))
            labels = dict(zip(two["group"], two["group_label"], strict=True))
            rows = [[labels[g], str(y), *[_fmt3(wide.loc[(g, y)].get(i, np.nan))
                                          for i in _TWO_GROUP]] for g, y in order]
            tables.append(_TableView(
                title=f"{fam.label}: indexen per groep",
                columns=["Groep", "Jaar", *_TWO_GROUP], rows=rows,
                caption=source_caption(two["source"]),
                numeric=[False, True, *([True] * len(_TWO_GROUP))],
                notes=_grouped_notes(two, all_groups=[g.label for g in members])))
        multi = part[part["index"].isin(_MULTI)]
        if not multi.empty:
            wide = multi.pivot_table(index="year", columns="index", values="value",
                                     aggfunc="first", dropna=False)
            rows = [[str(y), *[_fmt3(wide.loc[y].get(i, np.nan)) for i in _MULTI]]
                    for y in sorted(wide.index)]
            tables.append(_TableView(
                title=f"{fam.label}: alle {len(members)} groepen samen",
                columns=["Jaar", *[_INDEX_BY_ID[i].label for i in _MULTI]], rows=rows,
                caption=source_caption(multi["source"]), numeric=[True] * (1 + len(_MULTI)),
                notes=_grouped_notes(multi, all_groups=[fam.label])))
        svg = _index_chart(ind, fam.id)
        chart = None if svg is None else _ChartView(
            title=f"D en H per groep en jaar – {fam.label}", svg=Markup(svg),
            caption=source_caption(two["source"]),
            lines=[f"Over de {_PLURAL[result.level]} van {result.gemeente_name}; 0 = gelijk "
                   "gespreid, 1 = volledig gescheiden. Een ontbrekende staaf: niet te "
                   "berekenen (zie de tabel)."])
        out.append((fam, tables, chart))
    return out


def _change_view(result: SegregationResult) -> tuple[_TableView | None, list[str]]:
    """The table of computed changes, and one line per group and pair of years that has no
    change, saying why (never a row of dashes)."""
    ch = result.change
    if ch.empty:
        return None, []
    computed = ch["change"].map(lambda v: _float(v) is not None)
    done = ch[computed]
    lines = []
    for r in ch[~computed].drop_duplicates(["group", "year_from", "year_to", "reason"]) \
            .itertuples(index=False):
        years = (f"{r.year_from}–{r.year_to}" if not pd.isna(r.year_from)
                 else str(r.year_to))
        why = str(r.reason or "").strip() or str(r.note)
        lines.append(f"{r.group_label}, {years}: geen verandering: {why}.")
    if done.empty:
        return None, lines
    rows = []
    for r in done.itertuples(index=False):
        rows.append([r.group_label, r.index, f"{r.year_from}–{r.year_to}", _fmt3(r.value_from),
                     _fmt3(r.value_to), _signed(r.change),
                     _signed(r.compositional, missing="niet gesplitst"),
                     _signed(r.redistribution, missing="niet gesplitst"),
                     f"{r.n_used} van {r.n_matched}"])
    notes = list(dict.fromkeys(r.note for r in done.itertuples(index=False)
                               if "afwijken" in r.note))
    table = _TableView(
        title="Verandering van D en H", columns=[
            "Groep", "Index", "Jaren", "Van", "Naar", "Verandering", "Door samenstelling",
            "Door herverdeling", f"Gekoppelde {_PLURAL[result.level]}"], rows=rows,
        caption=source_caption(done["source"]),
        numeric=[False, False, True, True, True, True, True, True, True], notes=notes[:3])
    return table, lines


def _special_mark(kind: Any) -> str:
    """The kind of special-purpose housing as a short mark (``""`` for none)."""
    text = str(kind or "")
    return text.replace("studentenhuisvesting", "studenten").replace(
        "instellingen", "instelling")


def _special_view(result: SegregationResult) -> _TableView | None:
    """The units dominated by special-purpose housing, with the figures of the rule."""
    sp = result.special
    if sp is None or sp.empty:
        return None
    rows = [[r.name, str(r.year), nl_number(r.inhabitants), _fmt_pct(r.share_15_24),
             _fmt_pct(r.share_one_person), _fmt_pct(r.share_outside_households), r.kind]
            for r in sp.itertuples(index=False)]
    action = ("weggelaten uit de indexen, de concentraties en de verandering"
              if result.without_special else "meegeteld; weglaten met "
              "--zonder-bijzondere-woonvormen")
    return _TableView(
        title=f"{_PLURAL[result.level].capitalize()} met vooral bijzondere woonvormen "
              f"({len(sp)}, {action})",
        columns=[result.level.capitalize(), "Jaar", "Inwoners", "15 tot 25 jaar",
                 "Eenpersoonshuishoudens", "Buiten particuliere huishoudens (minstens)",
                 "Woonvorm"], rows=rows,
        caption="Bron: CBS, Kerncijfers Wijken en Buurten (inwoners, leeftijd, huishoudens, "
                "gemiddelde huishoudensgrootte); berekend door wijkanalyse",
        numeric=[False, True, True, True, True, True, False])


def _signed(v: Any, *, missing: str = "–") -> str:
    f = _float(v)
    return missing if f is None else nl_number(f, decimals=3, sign=True)


def _local_view(result: SegregationResult, *, per_group: int = 5) -> tuple[
        _TableView | None, _ChartView | None]:
    from markupsafe import Markup

    loc = result.local
    if loc.empty:
        return None, None
    flagged = loc[loc["concentration"].astype(bool)]
    rows = []
    for _g, part in flagged.groupby("group", sort=False):
        best = part.sort_values("lq", ascending=False).head(per_group)
        for r in best.itertuples(index=False):
            rows.append([r.group_label, str(r.year), r.name, _fmt_pct(r.share),
                         _fmt_pct(r.share_gemeente), nl_number(r.lq, decimals=2),
                         nl_number(r.local_entropy, decimals=2)
                         if _float(r.local_entropy) is not None else "–",
                         _special_mark(getattr(r, "special_housing", ""))])
    table = None
    if rows:
        table = _TableView(
            title="Concentraties", columns=["Groep", "Jaar", result.level.capitalize(),
                                            "Aandeel", "Aandeel gemeente", "LQ",
                                            "Lokale entropie", "Bijzondere woonvorm"],
            rows=rows, caption=source_caption(flagged["source"]),
            numeric=[False, True, False, True, True, True, True, False],
            notes=[f"Per groep de {per_group} {_PLURAL[result.level]} met het hoogste "
                   "locatiequotiënt; alle "
                   f"{_PLURAL[result.level]} staan in de Excel-uitvoer (blad 'lokaal').",
                   "Bijzondere woonvorm: het gebied wordt gedomineerd door "
                   "studentenhuisvesting of instellingen (regel in hoofdstuk 4); een "
                   "concentratie daar zegt vooral iets over die woonvorm."])
    svg = _lq_chart(loc, level=result.level)
    chart = None if svg is None else _ChartView(
        title="Hoogste concentraties", svg=Markup(svg), caption=source_caption(
            flagged["source"]),
        lines=["Locatiequotiënt: aandeel van de groep in het gebied gedeeld door het aandeel in "
               "de gemeente."])
    return table, chart


def _housing_view(result: SegregationResult) -> tuple[_TableView | None, _TableView | None,
                                                      _ChartView | None]:
    from markupsafe import Markup

    mix, spread = result.housing_mix, result.housing_spread
    if mix.empty:
        return None, None, None
    y = int(mix["year"].max())
    latest = mix[mix["year"] == y].sort_values("share_corporation", ascending=False)
    srows = [[str(r.year), str(r.n_with_data), _fmt_pct(r.corporation_min),
              _fmt_pct(r.corporation_q1), _fmt_pct(r.corporation_median),
              _fmt_pct(r.corporation_q3), _fmt_pct(r.corporation_max),
              _fmt_pct(r.gemeente_corporation), str(r.n_corporatiebuurten)]
             for r in spread.itertuples(index=False)]
    spread_table = _TableView(
        title="Spreiding van het aandeel corporatiewoningen", columns=[
            "Jaar", _PLURAL[result.level].capitalize(), "Minimum", "Eerste kwartiel", "Mediaan",
            "Derde kwartiel", "Maximum", "Gemeente", "Corporatiebuurten"], rows=srows,
        caption=source_caption(spread["source"]), numeric=[True] * 9,
        notes=["Kwartielen over de gebieden met een cijfer (ongewogen)."])
    rows = [[r.name, nl_number(r.dwellings, decimals=0), _fmt_pct(r.share_corporation),
             _fmt_pct(r.share_private_rental), _fmt_pct(r.share_owner_occupied),
             _fmt_pct(r.share_unknown), nl_number(r.tenure_diversity, decimals=2)
             if _float(r.tenure_diversity) is not None else "–",
             corporatiebuurt_text(r.corporatiebuurt)]
            for r in latest.itertuples(index=False)]
    notes = [f"{r.name}: {r.note}" for r in latest.itertuples(index=False) if r.note]
    unit_table = _TableView(
        title=f"Eigendom per {result.level}, {y}", columns=[
            result.level.capitalize(), "Woningen", "Corporatie", "Overige verhuurders", "Koop",
            "Onbekend", "Diversiteit", "Corporatiebuurt"], rows=rows,
        caption=source_caption(latest["source"]),
        numeric=[False, True, True, True, True, True, True, False], notes=notes[:10])
    svg = _tenure_chart(latest)
    chart = None if svg is None else _ChartView(
        title=f"Eigendom van de woningvoorraad per {result.level}, {y}", svg=Markup(svg),
        caption=source_caption(latest["source"]),
        lines=["Gesorteerd op het aandeel corporatiewoningen; rechts van de streep (twee derde) "
               "ligt een corporatiebuurt."])
    return spread_table, unit_table, chart


def _corporatiebuurt_count(result: SegregationResult) -> int:
    """Corporatiebuurten in the latest year of the housing mix (the rows the table marks)."""
    mix = result.housing_mix
    if mix.empty:
        return 0
    latest = mix[mix["year"] == mix["year"].max()]
    return sum(corporatiebuurt_text(v) == "ja" for v in latest["corporatiebuurt"])


def corporatiebuurt_text(flag: Any) -> str:
    """``"ja"``, ``"nee"`` or ``"onbekend"`` (corporation share secret or missing) for a
    corporatiebuurt flag (``bool``, ``numpy.bool_`` or ``pandas.NA``)."""
    if flag is None or flag is pd.NA or (isinstance(flag, float) and flag != flag):
        return "onbekend"
    return "ja" if bool(flag) else "nee"


def _cell(value: Any) -> str:
    """Plain text of a table cell; ``"–"`` when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return "–"
    return str(value)


@dataclass
class _PageMeta:
    generated_with: str = "wijkanalyse"


def render_html(result: SegregationResult, *, generated_on: date | None = None) -> str:
    """The segregation report of one gemeente as one self-contained HTML page.

    Inline CSS (the report stylesheet) and inline SVG charts; no scripts and no external
    resources. Every table and chart has a "Bron: ..." caption.
    """
    from wijkanalyse import __version__

    today = generated_on or date.today()
    fams = _index_tables(result)
    change_table_view, change_lines = _change_view(result)
    local_tab, local_chart = _local_view(result)
    spread_tab, unit_tab, tenure_chart = _housing_view(result)
    from wijkanalyse.segregatie.woonvormen import rule_text
    years = sorted(set(result.indices["year"].tolist()) if not result.indices.empty else [])
    sources = [{"label": r.get("label") or "–", "file": _cell(r.get("file")),
                "table_id": _cell(r.get("table_id")), "year": _cell(r.get("year"))}
               for r in result.sources.to_dict("records")]
    groups = result.groups.to_dict("records") if not result.groups.empty else []
    context = {
        "p": _PageMeta(generated_with=f"wijkanalyse {__version__}"),
        "r": result,
        "plural": _PLURAL[result.level],
        "years_text": year_list(years) if years else "–",
        "generated": f"Gemaakt met wijkanalyse {__version__} op {dutch_date(today)}",
        "families": fams,
        "indices_explained": INDICES,
        "change": change_table_view,
        "change_lines": change_lines,
        "local_table": local_tab,
        "local_chart": local_chart,
        "spread": spread_tab,
        "units": unit_tab,
        "tenure_chart": tenure_chart,
        "special": _special_view(result),
        "special_rule": rule_text(),
        "n_corporatiebuurten": _corporatiebuurt_count(result),
        "lq_threshold": nl_number(LQ_THRESHOLD, decimals=1),
        "lq_min_count": int(LQ_MIN_COUNT),
        "max_suppressed": nl_number(MAX_SUPPRESSED_SHARE * 100),
        "sources": sources,
        "groups": groups,
        "notes": result.notes,
    }
    from wijkanalyse.present.jinja import environment

    return str(environment().get_template("segregatie.html").render(**context))


# ------------------------------------------------------------------------------------------
