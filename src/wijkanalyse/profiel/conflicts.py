"""Figures on which two loaded sources disagree, told in the cell where the figure is.

:func:`wijkanalyse.store.record_conflicts` records, during the build, per indicator, year and
pair of sources how many regions differ (``data status``). The profile reads the differing
values of its own codes (:func:`wijkanalyse.profiel.load.disagreeing_values`) and gives each
figure that rests on one of them a :class:`~wijkanalyse.model.Conflict`: every source's value,
which one is shown and why (the ``observation`` view's fixed order of source layouts,
:data:`wijkanalyse.store.LAYOUT_PRIORITY`). Pure computation over the rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from wijkanalyse.fmt import format_value, join_nl
from wijkanalyse.model import Conflict, SourceValue

#: Dutch names of the source layouts (``sources.layout``), for the footnote of a conflict.
LAYOUT_NAMES: dict[str, str] = {
    "odata_json": "OData-tabel van CBS",
    "odata_csv": "OData-bestand van CBS",
    "kwb2024_herkomst": "StatLine-export (herkomst)",
    "statline_csv": "StatLine-export",
    "r_csv": "StatLine-export via R",
    "statline_csv_names": "StatLine-download met alleen namen",
    "heerlen_sqlite": "SQLite-bestand van Heerlen",
    "gemeenten_subset_csv": "deelbestand van gemeenten",
    "wbk_dbf": "Wijk- en Buurtkaart (afgeronde cijfers)",
    "wbk_geojson": "Wijk- en Buurtkaart (afgeronde cijfers)",
    "wbk_geojson_afgeleid": "Wijk- en Buurtkaart, afgeleid uit buurten",
    "kwb_xlsx": "CBS-Excelbestand kwb",
    "renamed_csv": "CSV met hernoemde kolommen",
}

#: Conflicts per (indicator, year, code): the sources' rows, best priority first.
Conflicts = dict[tuple[str, int, str], list[tuple[Any, ...]]]


def conflicts_by_key(rows: Iterable[Sequence[Any]]) -> Conflicts:
    """Rows of :func:`wijkanalyse.profiel.load.disagreeing_values` per (indicator, year,
    code)."""
    out: Conflicts = {}
    for row in rows:
        out.setdefault((str(row[0]), int(row[1]), str(row[2])), []).append(tuple(row))
    return out


def _value_text(value: float | None, unit: str, kind: str, decimals: int | None = None) -> str:
    return format_value(value, unit=unit, kind=kind, decimals=decimals)


def _kind(layout: str | None) -> str:
    return LAYOUT_NAMES.get(str(layout), str(layout or "onbekende bronsoort"))


def conflict_for(conflicts: Conflicts, ind: str, year: int, codes: Sequence[str],
                 source_ids: Sequence[str], *, unit: str, kind: str,
                 decimals: int | None = None) -> Conflict | None:
    """The conflict behind one figure, or ``None``.

    Parameters
    ----------
    conflicts
        From :func:`conflicts_by_key`.
    ind, year
        The figure's indicator and (edition) year.
    codes
        The codes the figure was made of: one region, or the members of an aggregate.
    source_ids
        The sources of the figure (the ``observation`` view's choice).
    unit, kind, decimals
        For the values in the text (:func:`wijkanalyse.fmt.format_value`).
    """
    hits = [(c, conflicts[(ind, year, c)]) for c in codes if (ind, year, c) in conflicts]
    if not hits:
        return None
    chosen_ids = set(source_ids)
    if len(codes) == 1:
        rows = hits[0][1]
        chosen = next((r for r in rows if r[4] in chosen_ids), None)
        if chosen is None:
            return None  # the figure was computed, not taken from one of these sources
        values = [SourceValue(source_id=str(r[4]), label=r[7], value=r[3],
                              chosen=r is chosen, kind=_kind(r[5]))
                  for r in [chosen, *(r for r in rows if r is not chosen)]]
        others = values[1:]
        reason = (f"bij verschillen gaat een {values[0].kind} voor een "
                  f"{join_nl(sorted({v.kind for v in others}))} (vaste voorrang van "
                  "bronsoorten)")
        labels = {v.label for v in values}
        same = labels.pop() if len(labels) == 1 else None
        listed = join_nl([f"{_value_text(v.value, unit, kind, decimals)} in {v.source_id} "
                          f"({v.kind}"
                          + (f", {v.label}" if v.label and not same else "") + ")"
                          for v in values])
        lead = f"Bronnen verschillen ({same})" if same else "Bronnen verschillen"
        text = (f"{lead}: {listed}. Getoond: "
                f"{_value_text(values[0].value, unit, kind, decimals)}, want {reason}.")
        return Conflict(values=values, reason=reason, text=text)
    parts = [c for c, _ in hits]
    examples = []
    for code, rows in hits[:3]:
        examples.append(f"{code}: " + " tegen ".join(
            f"{_value_text(r[3], unit, kind, decimals)} ({_kind(r[5])})" for r in rows))
    more = f" en {len(hits) - 3} andere" if len(hits) > 3 else ""
    best = _kind(hits[0][1][0][5])
    reason = (f"per deel de {best}, volgens de vaste voorrang van bronsoorten in wijkanalyse")
    text = (f"Bij {len(hits)} van de {len(codes)} delen geven bronnen verschillende waarden "
            f"({'; '.join(examples)}{more}); gebruikt: {reason}.")
    values = [SourceValue(source_id=str(r[4]), label=r[7], value=r[3], chosen=i == 0,
                          kind=_kind(r[5])) for i, r in enumerate(hits[0][1])]
    return Conflict(values=values, reason=reason, text=text, parts=parts)
