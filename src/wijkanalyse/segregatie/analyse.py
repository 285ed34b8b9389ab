"""Segregatie en menging: how unevenly groups are spread over a gemeente's buurten or wijken,
how that changes, where groups concentrate, and how mixed the housing stock is.

The groups come from the ``observation`` view as *counts* per unit (buurt or wijk) and year: a
group count ``x`` and the total ``t`` it is part of (:data:`GROUPS`, the one table of group
definitions). Shares in the data (low incomes, tenure) are turned into counts as
``share × total / 100`` and are called *afgeleid* (derived) wherever they are shown. The
indices themselves are the vectorised functions of :mod:`wijkanalyse.segregatie.indices`;
this module assembles their input for all gemeenten × years of a group at once (one call per
index with a partition id ``by`` per unit) and turns the results into long tables:

* :func:`segregation_table` — one row per gemeente × year × group × index (the csv/json form);
* :func:`local_table` — per unit: location quotient, local entropy and the concentration flag;
* :func:`change_table` — change of D and H between two years with the Shapley split into a
  compositional and a redistribution part, on the units present in both years;
* :func:`housing_mix` and :func:`housing_spread` — tenure shares, tenure diversity and
  *corporatiebuurten* per unit, and the gemeente's spread;
* :func:`segregatie` — all of it for one gemeente as a :class:`SegregationResult`;
* :func:`profile_section` — the figures of one neighbourhood for the wijkprofiel.

Units whose counts are suppressed or missing (CBS ``.``/``x``, or no value in the source) and
units with a total of zero are counted per partition with
:func:`~wijkanalyse.segregatie.indices.validity` and named in the ``note`` of each row; an index
that cannot be computed is ``NaN`` with the reason in the note, never a silent number.

Rendering (HTML with inline SVG charts, PDF, Excel, csv, json) is at the end of the module
(:func:`render_html`, :func:`write_outputs`).
"""

from __future__ import annotations

import hashlib
import html as html_mod
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from wijkanalyse.atomicio import write_atomic as _write_atomic
from wijkanalyse.atomicio import write_report_files, write_text
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.exportsafe import csv_frame, text_cells
from wijkanalyse.fmt import dutch_date, join_nl, nl_number, year_list
from wijkanalyse.model import Subject
from wijkanalyse.segregatie import indices as si

__all__ = [
    "ATKINSON_B",
    "CHANGE_COLUMNS",
    "CORPORATIEBUURT_THRESHOLD",
    "FAMILIES",
    "FORMATS",
    "GROUPS",
    "HOUSING_COLUMNS",
    "INDEX_COLUMNS",
    "INDICES",
    "LEVELS",
    "LOCAL_COLUMNS",
    "LQ_MIN_COUNT",
    "LQ_THRESHOLD",
    "MAX_SUPPRESSED_SHARE",
    "SPREAD_COLUMNS",
    "Family",
    "GroupDef",
    "IndexDef",
    "SegregationResult",
    "change_table",
    "group_table",
    "housing_mix",
    "housing_spread",
    "index_json",
    "local_table",
    "profile_section",
    "render_html",
    "report_stem",
    "resolve_gemeente",
    "segregatie",
    "segregation_table",
    "source_caption",
    "write_outputs",
    "write_xlsx",
]

#: Levels the indices can be computed over.
LEVELS: tuple[str, ...] = ("buurt", "wijk")
_PLURAL = {"buurt": "buurten", "wijk": "wijken"}

# ------------------------------------------------------------------------------------------
# definitions


@dataclass(frozen=True)
class GroupDef:
    """One group whose spread over the units is measured.

    Attributes
    ----------
    id
        Identifier used in the tables (``"herkomst_buiten_europa"``).
    label
        Dutch label.
    family
        The set of groups it belongs to (:data:`FAMILIES`), e.g. ``"herkomst"``.
    numerator
        Indicator id(s) of the group: the count (``derivation="aantal"``), the percentage
        (``"aandeel"``), or the groups subtracted from the total (``"rest"``).
    total
        Indicator id of the total the group is part of (``a_inw``, ``a_hh``, ``a_woning``).
    derivation
        ``"aantal"``: the count as CBS publishes it; ``"aandeel"``: derived count
        ``numerator × total / 100``; ``"rest"``: derived count ``total − Σ numerator``.
    counted
        What is counted, in Dutch plural (``"inwoners"``, ``"huishoudens"``, ``"woningen"``).
    """

    id: str
    label: str
    family: str
    numerator: tuple[str, ...]
    total: str
    derivation: str
    counted: str

    @property
    def derived(self) -> bool:
        """Whether the count is derived (not published as a count by CBS)."""
        return self.derivation != "aantal"

    @property
    def indicators(self) -> tuple[str, ...]:
        """All indicator ids the group needs."""
        return (*self.numerator, self.total)


#: The group definitions: one row per group (id, Dutch label, family, numerator, total,
#: derivation, what is counted). Herkomst (CBS 2022 classification, 2024 data) and
#: migratieachtergrond (classification up to 2021) are separate families that are never merged.
GROUPS: tuple[GroupDef, ...] = (
    GroupDef("herkomst_nederland", "Herkomst Nederland", "herkomst", ("a_nl_all",), "a_inw",
             "aantal", "inwoners"),
    GroupDef("herkomst_europa", "Herkomst Europa (zonder Nederland)", "herkomst", ("a_eur_al",),
             "a_inw", "aantal", "inwoners"),
    GroupDef("herkomst_buiten_europa", "Herkomst buiten Europa", "herkomst", ("a_neu_al",),
             "a_inw", "aantal", "inwoners"),
    GroupDef("migratie_geen", "Geen migratieachtergrond", "migratieachtergrond",
             ("a_w_all", "a_nw_all"), "a_inw", "rest", "inwoners"),
    GroupDef("migratie_westers", "Westerse migratieachtergrond", "migratieachtergrond",
             ("a_w_all",), "a_inw", "aantal", "inwoners"),
    GroupDef("migratie_niet_westers", "Niet-westerse migratieachtergrond",
             "migratieachtergrond", ("a_nw_all",), "a_inw", "aantal", "inwoners"),
    GroupDef("leeftijd_0_14", "0 tot 15 jaar", "leeftijd", ("a_00_14",), "a_inw", "aantal",
             "inwoners"),
    GroupDef("leeftijd_15_24", "15 tot 25 jaar", "leeftijd", ("a_15_24",), "a_inw", "aantal",
             "inwoners"),
    GroupDef("leeftijd_25_44", "25 tot 45 jaar", "leeftijd", ("a_25_44",), "a_inw", "aantal",
             "inwoners"),
    GroupDef("leeftijd_45_64", "45 tot 65 jaar", "leeftijd", ("a_45_64",), "a_inw", "aantal",
             "inwoners"),
    GroupDef("leeftijd_65_plus", "65 jaar of ouder", "leeftijd", ("a_65_oo",), "a_inw",
             "aantal", "inwoners"),
    GroupDef("laag_inkomen", "Huishoudens met een laag inkomen", "inkomen", ("p_hh_li",),
             "a_hh", "aandeel", "huishoudens"),
    GroupDef("bijstand", "Personen met bijstand", "uitkeringen", ("a_soz_wb",), "a_inw",
             "aantal", "inwoners"),
    GroupDef("ao_uitkering", "Personen met een arbeidsongeschiktheidsuitkering", "uitkeringen",
             ("a_soz_ao",), "a_inw", "aantal", "inwoners"),
    GroupDef("ww_uitkering", "Personen met een WW-uitkering", "uitkeringen", ("a_soz_ww",),
             "a_inw", "aantal", "inwoners"),
    GroupDef("corporatiewoningen", "Corporatiewoningen", "woningvoorraad", ("p_wcorpw",),
             "a_woning", "aandeel", "woningen"),
    GroupDef("particuliere_huur", "Huurwoningen van overige verhuurders", "woningvoorraad",
             ("p_ov_hw",), "a_woning", "aandeel", "woningen"),
    GroupDef("koopwoningen", "Koopwoningen", "woningvoorraad", ("p_koopw",), "a_woning",
             "aandeel", "woningen"),
)
_GROUP_BY_ID = {g.id: g for g in GROUPS}
_GROUP_ORDER = {g.id: i for i, g in enumerate(GROUPS)}


@dataclass(frozen=True)
class Family:
    """A set of groups measured together (the multigroup indices need a partition)."""

    id: str
    label: str
    multigroup: bool
    note: str = ""


#: The families of :data:`GROUPS`; ``multigroup`` families partition their total, so the
#: multigroup indices are computed over all their groups (tenure: over the three known kinds).
FAMILIES: dict[str, Family] = {f.id: f for f in (
    Family("herkomst", "Herkomst (indeling vanaf 2022)", True,
           "Herkomstindeling van CBS vanaf 2022; niet te vergelijken met migratieachtergrond."),
    Family("migratieachtergrond", "Migratieachtergrond (indeling tot en met 2021)", True,
           "Indeling westers/niet-westers die CBS tot en met 2021 gebruikte; 'geen "
           "migratieachtergrond' is berekend als inwoners min beide groepen."),
    Family("leeftijd", "Leeftijd", True),
    Family("inkomen", "Inkomen", False,
           "Aantal huishoudens met een laag inkomen afgeleid als aandeel × aantal "
           "huishoudens / 100."),
    Family("uitkeringen", "Uitkeringen", False,
           "Personen met een uitkering als deel van alle inwoners."),
    Family("woningvoorraad", "Eigendom van woningen", True,
           "Aantallen woningen afgeleid als aandeel × woningvoorraad / 100; 'eigendom "
           "onbekend' telt niet mee in de meergroepsindexen."),
)}


@dataclass(frozen=True)
class IndexDef:
    """One index: id, Dutch label, whether it is two-group, local or multigroup, and a plain
    Dutch explanation with its literature reference."""

    id: str
    label: str
    kind: str  # "twee groepen" | "meer groepen"
    explanation: str
    reference: str


#: The indices in the long table, in the order they are listed.
INDICES: tuple[IndexDef, ...] = (
    IndexDef("D", "Dissimilariteitsindex (D)", "twee groepen",
             "Welk deel van de groep zou moeten verhuizen om over alle buurten even verdeeld "
             "te zijn als de rest van de bevolking. 0 = gelijk gespreid, 1 = volledig "
             "gescheiden. Boven 0,6 heet segregatie in de literatuur hoog, onder 0,3 laag.",
             "Duncan & Duncan (1955); Massey & Denton (1988)"),
    IndexDef("G", "Gini-index", "twee groepen",
             "Het gemiddelde verschil in het aandeel van de groep tussen alle paren van "
             "buurten, geschaald van 0 (gelijk gespreid) tot 1 (volledig gescheiden). Telt "
             "alle verschillen mee en is daardoor altijd minstens zo hoog als D.",
             "Massey & Denton (1988)"),
    IndexDef("xPx", "Isolatie-index (xPx)", "twee groepen",
             "Het aandeel van de groep in de buurt van een gemiddeld groepslid: de kans dat "
             "een buurtgenoot ook tot de groep behoort. Hangt ook af van hoe groot de groep is.",
             "Bell (1954); Lieberson (1981)"),
    IndexDef("xPy", "Blootstellingsindex (xPy)", "twee groepen",
             "De kans dat een buurtgenoot van een groepslid níet tot de groep behoort. "
             "Isolatie + blootstelling = 1.",
             "Lieberson (1981); Massey & Denton (1988)"),
    IndexDef("A", "Atkinson-index (b = 0,5)", "twee groepen",
             "Ongelijkheid van de verdeling over de buurten waarbij buurten met veel en met "
             "weinig groepsleden even zwaar wegen. 0 = gelijk gespreid, 1 = volledig gescheiden.",
             "Atkinson (1970); Massey & Denton (1988)"),
    IndexDef("H", "Entropie-index (H, Theil)", "twee groepen",
             "Hoeveel minder gemengd de buurten gemiddeld zijn dan de gemeente als geheel. "
             "0 = elke buurt even gemengd als de gemeente, 1 = elke buurt bestaat uit één groep.",
             "Theil & Finizza (1971); Reardon & Firebaugh (2002)"),
    IndexDef("D_multi", "Meergroeps-dissimilariteit", "meer groepen",
             "D voor alle groepen tegelijk: welk deel van de bevolking zou moeten verhuizen om "
             "in elke buurt de samenstelling van de gemeente te krijgen (0–1).",
             "Morgan (1975); Reardon & Firebaugh (2002)"),
    IndexDef("H_multi", "Theils informatie-index (meer groepen)", "meer groepen",
             "H voor alle groepen tegelijk: hoeveel minder divers de buurten zijn dan de "
             "gemeente (0 = even divers, 1 = elke buurt één groep).",
             "Theil (1972); Reardon & Firebaugh (2002)"),
    IndexDef("SI", "Simpson-interactie-index", "meer groepen",
             "De kans dat twee willekeurige buurtgenoten tot verschillende groepen behoren "
             "(0 = iedereen in de buurt hoort bij dezelfde groep).",
             "Simpson (1949); Reardon & Firebaugh (2002)"),
)
_INDEX_BY_ID = {i.id: i for i in INDICES}
_TWO_GROUP = tuple(i.id for i in INDICES if i.kind == "twee groepen")
_MULTI = tuple(i.id for i in INDICES if i.kind == "meer groepen")
_INDEX_ORDER = {i.id: k for k, i in enumerate(INDICES)}

#: A unit concentrates a group when its location quotient is at least this (the default of
#: :func:`wijkanalyse.segregatie.indices.concentration_flag`: one and a half times the
#: gemeente's share) ...
LQ_THRESHOLD = float(si.CONCENTRATION_THRESHOLD)
#: ... and at least this many group members live there (derived counts included).
LQ_MIN_COUNT = float(si.CONCENTRATION_MIN_COUNT)
#: The Atkinson index is computed with b = 0.5 (equal weight to over- and under-representation).
ATKINSON_B = 0.5
#: Units with a suppressed group count are left out of a partition when, together, their
#: totals (which CBS does publish) are at most this share of the smallest group of the
#: partition (for two groups: of the group and of the rest). A unit holds at most its total of
#: any group, so leaving them out changes D by at most about this much (0.01); above it, the
#: index is NaN as :mod:`wijkanalyse.segregatie.indices` decides for suppressed counts. CBS
#: suppresses figures of tiny buurten (a few dozen dwellings or inhabitants), which would
#: otherwise make the index of a whole gemeente unknown.
MAX_SUPPRESSED_SHARE = 0.01
#: More than two thirds corporation housing makes a *corporatiebuurt* (convention in housing
#: research, e.g. the studies of "eenzijdige" neighbourhoods of the Platform31/RIGO tradition).
CORPORATIEBUURT_THRESHOLD = 200.0 / 3.0

#: Columns of :func:`segregation_table` (the csv/json form).
INDEX_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "gemeente_name", "year", "level", "group", "group_label", "index",
    "index_label", "value", "n_units", "n_zero", "n_suppressed", "source", "note")
#: Columns of :func:`local_table`.
LOCAL_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "gemeente_name", "year", "level", "code", "name", "group", "group_label",
    "count", "total", "share", "share_gemeente", "lq", "local_entropy", "concentration",
    "source", "note")
#: Columns of :func:`change_table`.
CHANGE_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "gemeente_name", "level", "group", "group_label", "index", "index_label",
    "year_from", "year_to", "value_from", "value_to", "change", "compositional",
    "redistribution", "n_units_from", "n_units_to", "n_matched", "n_used", "source", "note")
#: Columns of :func:`housing_mix`.
HOUSING_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "gemeente_name", "year", "level", "code", "name", "dwellings",
    "share_corporation", "share_private_rental", "share_owner_occupied", "share_unknown",
    "tenure_diversity", "corporatiebuurt", "source", "note")
#: Columns of :func:`housing_spread`.
SPREAD_COLUMNS: tuple[str, ...] = (
    "gemeente_code", "gemeente_name", "year", "level", "n_units", "n_with_data",
    "corporation_min", "corporation_q1", "corporation_median", "corporation_q3",
    "corporation_max", "gemeente_corporation", "n_corporatiebuurten", "source")

_TENURE = ("p_wcorpw", "p_ov_hw", "p_koopw")
_TENURE_ALL = (*_TENURE, "a_woning")


# ------------------------------------------------------------------------------------------
# validation (written once)


def _check_level(level: str) -> str:
    text = str(level).strip().lower()
    if text not in LEVELS:
        raise WijkanalyseError(f"Onbekend niveau {level!r}: kies 'buurt' of 'wijk'.")
    return text


def _check_years(years: int | Iterable[int] | None) -> list[int] | None:
    if years is None:
        return None
    items = [years] if isinstance(years, (int, np.integer)) else list(years)
    out = []
    for y in items:
        try:
            out.append(int(y))
        except (TypeError, ValueError) as exc:
            raise WijkanalyseError(f"Ongeldig jaar {y!r}: geef een jaartal zoals 2019.") from exc
    return sorted(set(out))


def _check_groups(groups: Iterable[str] | str | None) -> list[GroupDef]:
    """Group ids or family ids -> group definitions in :data:`GROUPS` order."""
    if groups is None:
        return list(GROUPS)
    items = [groups] if isinstance(groups, str) else list(groups)
    wanted: set[str] = set()
    for item in items:
        key = str(item).strip().lower()
        if key in _GROUP_BY_ID:
            wanted.add(key)
        elif key in FAMILIES:
            wanted.update(g.id for g in GROUPS if g.family == key)
        else:
            known = ", ".join(list(FAMILIES) + [g.id for g in GROUPS])
            raise WijkanalyseError(f"Onbekende groep {item!r}. Kies uit: {known}.")
    return [g for g in GROUPS if g.id in wanted]


def resolve_gemeente(con: duckdb.DuckDBPyConnection, query: str) -> tuple[str, str]:
    """A gemeente by name or code -> ``(code, name)``: the one resolver,
    :func:`wijkanalyse.gebieden.subjects.resolve_gemeente` (see there for the rule on
    ambiguous names).

    Raises
    ------
    WijkanalyseError
        Unknown or ambiguous gemeente (with close gemeente names as suggestions), or a name
        that is a wijk or buurt (saying which gemeente it lies in).
    """
    from wijkanalyse.gebieden.subjects import resolve_gemeente as resolve

    return resolve(con, query)


def _gemeente_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) FROM regions "
        "WHERE level = 'gemeente' GROUP BY code"
    ).fetchall()
    return {code: (name or code) for code, name in rows}


# ------------------------------------------------------------------------------------------
# loading


@dataclass
class _Data:
    """The observations needed, for one level: long (one row per unit × year × indicator)."""

    level: str
    long: pd.DataFrame  # gemeente_code, year, code, name, indicator_id, value, source, source_id
    gemeente_names: dict[str, str]
    gemeente_rows: pd.DataFrame  # the gemeenten's own rows: code, year, indicator_id, value
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # derived tables, per instance

    def only_year(self, year: int | None) -> _Data:
        """The same data restricted to one year (all years for ``None``)."""
        if year is None:
            return self
        return _Data(level=self.level, long=self.long[self.long["year"] == year],
                     gemeente_names=self.gemeente_names,
                     gemeente_rows=self.gemeente_rows[self.gemeente_rows["year"] == year])

    def gemeente_share(self, group: GroupDef, gemeente_code: str, year: int) -> float:
        """The group's share (0–1) from the gemeente's own CBS row; NaN when not there."""
        rows = self.gemeente_rows[(self.gemeente_rows["code"] == gemeente_code)
                                  & (self.gemeente_rows["year"] == year)]
        vals = dict(zip(rows["indicator_id"], rows["value"], strict=True))
        t = vals.get(group.total, np.nan)
        nums = [vals.get(i, np.nan) for i in group.numerator]
        if group.derivation == "aandeel":
            share = nums[0] / 100.0
        elif group.derivation == "rest":
            share = (t - sum(nums)) / t if t else np.nan
        else:
            share = nums[0] / t if t else np.nan
        share = float(share) if share is not None else np.nan
        return share if np.isfinite(share) and 0.0 <= share <= 1.0 else np.nan

    def _wide(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """All units once: keys and name, a value column per indicator, and whether the unit
        has a row (value or missing) for it. Cached."""
        if ("wide",) not in self.cache:
            keys = ["gemeente_code", "year", "code"]
            long = self.long
            idx = pd.MultiIndex.from_frame(long[keys])
            units, pos = np.unique(np.asarray(idx.codes).T, axis=0, return_inverse=True) \
                if len(long) else (np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int))
            pos = np.asarray(pos).reshape(-1)
            inds = sorted(long["indicator_id"].unique().tolist())
            col = pd.Index(inds).get_indexer(long["indicator_id"])
            vals = np.full((len(units), len(inds)), np.nan)
            has = np.zeros((len(units), len(inds)), dtype=bool)
            vals[pos, col] = long["value"].to_numpy(float)
            has[pos, col] = True
            first = np.zeros(len(units), dtype=np.int64)
            first[pos[::-1]] = np.arange(len(long))[::-1]
            head = long.iloc[first][[*keys, "name"]].reset_index(drop=True)
            order = np.lexsort((head["code"].to_numpy(), head["year"].to_numpy(),
                                head["gemeente_code"].to_numpy()))
            self.cache[("wide",)] = (
                head.iloc[order].reset_index(drop=True),
                pd.DataFrame(vals[order], columns=inds),
                pd.DataFrame(has[order], columns=inds))
        wide: tuple[Any, Any, Any] = self.cache[("wide",)]
        return wide

    def values(self, indicators: Sequence[str]) -> pd.DataFrame:
        """Units with a row for any of ``indicators``: gemeente_code, year, code, name and one
        value column per indicator (NaN where the value is missing or suppressed)."""
        head, vals, has = self._wide()
        wanted = list(dict.fromkeys(indicators))
        known = [i for i in wanted if i in has.columns]
        rows = has[known].any(axis=1).to_numpy() if known else np.zeros(len(head), dtype=bool)
        out = head[rows].reset_index(drop=True)
        for ind in wanted:
            out[ind] = (vals.loc[rows, ind].to_numpy() if ind in vals.columns
                        else np.full(int(rows.sum()), np.nan))
        return out

    def present(self, indicator: str) -> pd.DataFrame:
        """(gemeente_code, year) pairs with at least one row of ``indicator``."""
        key = ("present", indicator)
        if key not in self.cache:
            self.cache[key] = self._present(indicator)
        return self.cache[key]

    def _present(self, indicator: str) -> pd.DataFrame:
        sub = self.long[self.long["indicator_id"] == indicator]
        return sub[["gemeente_code", "year"]].drop_duplicates()

    def sources(self, indicators: Sequence[str]) -> pd.Series:
        """Citation labels per (gemeente_code, year), joined with ``"; "``."""
        key = ("sources", tuple(indicators))
        if key not in self.cache:
            self.cache[key] = self._sources(indicators)
        return self.cache[key]

    def _sources(self, indicators: Sequence[str]) -> pd.Series:
        sub = self.long[self.long["indicator_id"].isin(list(indicators))
                        & self.long["value"].notna()]
        if sub.empty:
            return pd.Series(dtype=object)
        return sub.groupby(["gemeente_code", "year"])["source"].agg(
            lambda s: "; ".join(sorted({str(v) for v in s.dropna()})))


def _load(con: duckdb.DuckDBPyConnection, *, level: str, gemeente_codes: Sequence[str] | None,
          years: Sequence[int] | None, indicators: Iterable[str]) -> _Data:
    # a unit's name as in that year, else its most recent name (some sources carry codes only)
    sql = """SELECT r.gemeente_code, o.year::INTEGER AS year, o.code,
                    coalesce(r.name, n.name) AS name, o.indicator_id, o.value,
                    s.label AS source, o.source_id
             FROM observation o
             JOIN regions r ON r.year = o.year AND r.code = o.code
             LEFT JOIN (SELECT code, arg_max(name, year) FILTER (WHERE name IS NOT NULL) AS name
                        FROM regions WHERE level = ? GROUP BY code) n ON n.code = o.code
             LEFT JOIN sources s ON s.source_id = o.source_id
             WHERE r.level = ? AND list_contains(?, o.indicator_id)
               AND r.gemeente_code IS NOT NULL"""
    params: list[Any] = [level, level, sorted(set(indicators))]
    if gemeente_codes is not None:
        sql += " AND list_contains(?, r.gemeente_code)"
        params.append(sorted(set(gemeente_codes)))
    if years is not None:
        sql += " AND list_contains(?, o.year::INTEGER)"
        params.append([int(y) for y in years])
    long = con.execute(sql, params).df()
    long["year"] = long["year"].astype("int64")
    long["value"] = long["value"].astype("float64")
    gm_sql = """SELECT o.code, o.year::INTEGER AS year, o.indicator_id, o.value
                FROM observation o JOIN regions r ON r.year = o.year AND r.code = o.code
                WHERE r.level = 'gemeente' AND o.value IS NOT NULL
                  AND list_contains(?, o.indicator_id)"""
    gm_params: list[Any] = [sorted(set(indicators))]
    if gemeente_codes is not None:
        gm_sql += " AND list_contains(?, o.code)"
        gm_params.append(sorted(set(gemeente_codes)))
    gm_rows = con.execute(gm_sql, gm_params).df()
    gm_rows["year"] = gm_rows["year"].astype("int64")
    return _Data(level=level, long=long, gemeente_names=_gemeente_names(con),
                 gemeente_rows=gm_rows)


def _indicators_of(groups: Sequence[GroupDef]) -> set[str]:
    return {i for g in groups for i in g.indicators}


# ------------------------------------------------------------------------------------------
# counts per unit


@dataclass
class _Counts:
    """x and t of one group over all its units (all gemeenten × years where it exists)."""

    group: GroupDef
    units: pd.DataFrame  # gemeente_code, year, code, name
    x: np.ndarray
    t: np.ndarray
    n_clipped: np.ndarray  # bool per unit: x was outside [0, t] and clipped (CBS rounding)


def _group_counts(data: _Data, group: GroupDef) -> _Counts:
    """x and t per unit of the partitions where every numerator indicator has rows."""
    key = ("counts", group.id)
    if key not in data.cache:
        data.cache[key] = _make_group_counts(data, group)
    counts: _Counts = data.cache[key]
    return counts


def _make_group_counts(data: _Data, group: GroupDef) -> _Counts:
    wide = data.values(group.indicators)
    keep = None
    for ind in group.numerator:
        pres = data.present(ind).assign(_ok=True)
        merged = wide[["gemeente_code", "year"]].merge(pres, how="left",
                                                       on=["gemeente_code", "year"])
        ok = merged["_ok"].fillna(False).to_numpy(dtype=bool)
        keep = ok if keep is None else keep & ok
    if keep is not None:
        wide = wide[keep].reset_index(drop=True)
    t = wide[group.total].to_numpy(dtype=float)
    nums = wide[list(group.numerator)].to_numpy(dtype=float)
    if group.derivation == "aantal":
        x = nums[:, 0]
    elif group.derivation == "aandeel":
        x = nums[:, 0] * t / 100.0
    elif group.derivation == "rest":
        x = t - nums.sum(axis=1)
    else:  # pragma: no cover - guarded by the GROUPS table
        raise ValueError(f"unknown derivation {group.derivation!r}")
    x = np.where(t == 0, 0.0, x)  # a unit without population has nobody in any group
    finite = np.isfinite(x) & np.isfinite(t)
    clipped = finite & ((x < 0) | (x > t))
    x = np.where(finite, np.clip(x, 0.0, np.where(np.isfinite(t), t, 0.0)), np.nan)
    x = np.where(np.isfinite(t), x, np.nan)
    return _Counts(group=group, units=wide[["gemeente_code", "year", "code", "name"]],
                   x=x, t=t, n_clipped=clipped)


def _partitions(units: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """A dense partition id per unit (gemeente × year) and the partitions in order."""
    idx = pd.MultiIndex.from_arrays([units["gemeente_code"], units["year"]])
    by, uniques = idx.factorize()
    parts = pd.DataFrame({"gemeente_code": uniques.get_level_values(0),
                          "year": uniques.get_level_values(1).astype("int64")})
    return np.asarray(by, dtype=np.int64), parts


# ------------------------------------------------------------------------------------------
# the index functions (one place that knows the API of segregation_indices)


#: Our index ids -> the function names of :mod:`wijkanalyse.segregatie.indices`.
_SI_NAMES: dict[str, str] = {
    "D": "dissimilarity", "G": "gini", "xPx": "isolation", "xPy": "exposure", "A": "atkinson",
    "H": "entropy", "D_multi": "multi_dissimilarity", "H_multi": "multi_information_theory",
    "SI": "simpsons_interaction",
}
_TWO_GROUP_FUNCS: dict[str, Callable[..., Any]] = {
    "D": si.dissimilarity,
    "G": si.gini,
    "xPx": si.isolation,
    "xPy": si.exposure,
    "A": lambda x, t, *, by=None: si.atkinson(x, t, b=ATKINSON_B, by=by),
    "H": si.entropy,
}
_MULTI_FUNCS: dict[str, Callable[..., Any]] = {
    "D_multi": si.multi_dissimilarity,
    "H_multi": si.multi_information_theory,
    "SI": si.simpsons_interaction,
}


def _per_partition(values: Any, n: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.shape[0] != n:  # pragma: no cover - contract of segregation_indices
        raise ValueError(f"expected {n} partition values, got {arr.shape[0]}")
    return arr


@dataclass
class _Dropped:
    """Suppressed units left out (see :data:`MAX_SUPPRESSED_SHARE`): a mask per unit and, per
    partition, how many and their total."""

    mask: np.ndarray
    n: np.ndarray
    total: np.ndarray

    def apply(self, *arrays: np.ndarray) -> list[np.ndarray]:
        """The arrays with the left-out units set to zero (a unit without population, which
        the index functions skip)."""
        out = []
        for a in arrays:
            m = self.mask if a.ndim == 1 else self.mask[:, None]
            out.append(np.where(m, 0.0, a))
        return out


def _negligible(years: Sequence[tuple[np.ndarray, np.ndarray]], by: np.ndarray,
                n: int) -> _Dropped:
    """Which suppressed units to leave out, per :data:`MAX_SUPPRESSED_SHARE`.

    ``years`` holds, for the same units, one or more (groups, totals) pairs: ``groups`` is
    units × K (two-group input: the group and the rest), ``totals`` the unit totals. A unit is
    suppressed when a group count or its total is missing while its total is not zero; a
    partition's suppressed units are left out (in every year) when all their totals are known
    and their largest total over the years sums to at most :data:`MAX_SUPPRESSED_SHARE` of the
    smallest group (present in the other units) of any year.
    """
    m = len(by)
    sup = np.zeros(m, dtype=bool)
    for cols, t in years:
        sup |= (~np.all(np.isfinite(cols), axis=1) | ~np.isfinite(t)) & ~(t == 0)
    if not sup.any():
        return _Dropped(mask=sup, n=np.zeros(n, dtype=int), total=np.zeros(n))
    unknown = np.zeros(m, dtype=bool)
    t_max = np.zeros(m)
    limit = np.full(n, np.inf)
    for cols, t in years:
        unknown |= sup & ~np.isfinite(t)
        t_max = np.maximum(t_max, np.where(np.isfinite(t), t, 0.0))
        ok = ~sup & np.isfinite(t) & (t > 0)
        for k in range(cols.shape[1]):
            xk = np.bincount(by, weights=np.where(ok, cols[:, k], 0.0), minlength=n)
            limit = np.where(xk > 0, np.minimum(limit, xk), limit)
    t_sup = np.bincount(by, weights=np.where(sup, t_max, 0.0), minlength=n)
    has = np.bincount(by, weights=sup.astype(float), minlength=n) > 0
    blocked = np.bincount(by, weights=unknown.astype(float), minlength=n) > 0
    droppable = has & ~blocked & np.isfinite(limit) & (t_sup <= MAX_SUPPRESSED_SHARE * limit)
    mask = sup & droppable[by]
    return _Dropped(mask=mask,
                    n=np.bincount(by, weights=mask.astype(float), minlength=n).astype(int),
                    total=np.bincount(by, weights=np.where(mask, t_max, 0.0), minlength=n))


def _two(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.column_stack([x, t - x])


def _dropped_note(dropped: _Dropped, k: int, level: str, counted: str) -> str:
    if not dropped.n[k]:
        return ""
    return (f"{_unit_words(level, int(dropped.n[k]))} zonder cijfer (geheim of ontbrekend) "
            f"met samen {nl_number(float(dropped.total[k]))} {counted} weggelaten: minder dan "
            f"{nl_number(MAX_SUPPRESSED_SHARE * 100)}% van elke groep, de index verandert "
            "daardoor hoogstens ongeveer 0,01")


@dataclass
class _Valid:
    """Per partition (0..n-1): unit counts and the Dutch reason per index why it is NaN."""

    frame: pd.DataFrame  # n_units, n_zero, n_suppressed
    validity: si.Validity

    def reason(self, index: str, k: int) -> str | None:
        return self.validity.reasons(_SI_NAMES[index])[k]


def _validity(x: np.ndarray, t: np.ndarray | None, by: np.ndarray, n: int) -> _Valid:
    """:func:`segregation_indices.validity` per partition (``t=None``: counts matrix)."""
    res = si.validity(x, t, by=by)
    frame = pd.DataFrame({k: _per_partition(getattr(res, k), n) for k in
                          ("n_units", "n_zero", "n_suppressed")}).astype("int64")
    return _Valid(frame=frame, validity=res)


def _shapley(x0: np.ndarray, t0: np.ndarray, x1: np.ndarray, t1: np.ndarray, *, index: str,
             by: np.ndarray, n: int, codes: Sequence[str]) -> dict[str, np.ndarray]:
    """Index in both years, change and its two Shapley components per partition."""
    res = si.shapley_decomposition(x0, t0, x1, t1, index=_SI_NAMES[index], by=by,
                                   codes0=codes, codes1=codes)
    out = {k: _per_partition(getattr(res, k), n) for k in (
        "index0", "index1", "total_change", "composition", "redistribution")}
    out["converged"] = np.atleast_1d(np.asarray(res.converged, dtype=bool))
    return out


# ------------------------------------------------------------------------------------------
# notes


def _derivation_text(group: GroupDef) -> str:
    """How the group's count is made, in Dutch."""
    from wijkanalyse.catalogue import load_catalogue

    cat = load_catalogue().indicators

    def lab(i: str) -> str:
        ind = cat.get(i)
        return (ind.label.lower() if ind else i)

    if group.derivation == "aandeel":
        return (f"afgeleid: aandeel ({lab(group.numerator[0])}, %) × "
                f"{lab(group.total)} / 100")
    if group.derivation == "rest":
        parts = " − ".join(lab(i) for i in group.numerator)
        return f"afgeleid: {lab(group.total)} − {parts}"
    return f"telling CBS ({lab(group.numerator[0])} van {lab(group.total)})"


def _unit_words(level: str, n: int) -> str:
    return f"{n} {level if n == 1 else _PLURAL[level]}"


def _zero_note(level: str, n_zero: int, counted: str) -> str:
    return f"{_unit_words(level, n_zero)} zonder {counted}, niet meegeteld" if n_zero else ""


def _nan_note(valid: _Valid, index: str, k: int, level: str) -> str:
    reason = valid.reason(index, k) or "niet te berekenen met deze cijfers"
    text = f"niet berekend: {reason}"
    if int(valid.frame["n_suppressed"][k]) and level == "buurt":
        text += " (op wijkniveau zijn minder cijfers geheim: probeer --niveau wijk)"
    return text


def _join_notes(parts: Iterable[str]) -> str:
    items = [p for p in parts if p]
    return "; ".join(dict.fromkeys(items))


# ------------------------------------------------------------------------------------------
# the long index table


def _two_group_rows(data: _Data, counts: _Counts,
                    indices: Sequence[str] = _TWO_GROUP) -> pd.DataFrame:
    g = counts.group
    if counts.units.empty:
        return pd.DataFrame(columns=list(INDEX_COLUMNS))
    by, parts = _partitions(counts.units)
    n = len(parts)
    valid = _validity(counts.x, counts.t, by, n)
    vf = valid.frame
    ok = np.isfinite(counts.x) & np.isfinite(counts.t) & (counts.t > 0)
    n_valid = np.bincount(by, weights=ok.astype(float), minlength=n).astype(int)
    n_clip = np.bincount(by, weights=counts.n_clipped.astype(float), minlength=n).astype(int)
    sources = data.sources(g.indicators)
    dropped = _negligible([(_two(counts.x, counts.t), counts.t)], by, n)
    x, t = dropped.apply(counts.x, counts.t)
    base_notes = []
    for k in range(n):
        parts_k = [_derivation_text(g)] if g.derived else []
        parts_k.append(_zero_note(data.level, int(vf["n_zero"][k]), g.counted))
        parts_k.append(_dropped_note(dropped, k, data.level, g.counted))
        if n_clip[k]:
            parts_k.append(f"{_unit_words(data.level, int(n_clip[k]))} met een groep groter dan "
                           "het totaal of kleiner dan nul (afronding CBS), begrensd")
        if n_valid[k] == 1:
            parts_k.append(f"maar één {data.level} met cijfers: de index zegt dan niets")
        base_notes.append(parts_k)
    frames = []
    for idx in indices:
        values = _per_partition(_TWO_GROUP_FUNCS[idx](x, t, by=by), n)
        notes = [
            _join_notes(base_notes[k] + ([] if np.isfinite(values[k]) else [
                _nan_note(valid, idx, k, data.level)]))
            for k in range(n)]
        frames.append(pd.DataFrame({
            "gemeente_code": parts["gemeente_code"], "year": parts["year"], "group": g.id,
            "group_label": g.label, "index": idx, "value": values,
            "n_units": vf["n_units"], "n_zero": vf["n_zero"],
            "n_suppressed": vf["n_suppressed"], "note": notes}))
    out = pd.concat(frames, ignore_index=True)
    out["source"] = _source_column(out, sources)
    return out


def _source_column(rows: pd.DataFrame, sources: pd.Series) -> list[str]:
    lookup = sources.to_dict() if not sources.empty else {}
    return [lookup.get((gm, int(y)), "") for gm, y in zip(rows["gemeente_code"], rows["year"],
                                                          strict=True)]


def _family_counts(data: _Data, family: str, groups: Sequence[GroupDef]
                   ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray] | None:
    """Units, the (n_units × n_groups) counts of a multigroup family and the unit totals, on
    the partitions where every group exists."""
    members = [g for g in groups if g.family == family]
    full = [g for g in GROUPS if g.family == family]
    if [g.id for g in members] != [g.id for g in full]:
        return None
    key = ("family", family)
    if key not in data.cache:
        data.cache[key] = _make_family_counts(data, full)
    found: tuple[pd.DataFrame, np.ndarray, np.ndarray] | None = data.cache[key]
    return found


def _make_family_counts(data: _Data, full: Sequence[GroupDef]
                        ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray] | None:
    keys = ["gemeente_code", "year", "code"]
    frames = []
    for g in full:
        c = _group_counts(data, g)
        frames.append(c.units[keys].assign(**{g.id: c.x}).set_index(keys))
    frames.append(c.units[keys].assign(_total=c.t).set_index(keys))
    joined = pd.concat(frames, axis=1, join="inner")
    if joined.empty:
        return None
    joined = joined.reset_index()
    names = data.values(full[0].indicators).set_index(keys)["name"]
    joined.insert(3, "name", names.reindex(pd.MultiIndex.from_frame(joined[keys])).to_numpy())
    return (joined[[*keys, "name"]], joined[[g.id for g in full]].to_numpy(dtype=float),
            joined["_total"].to_numpy(dtype=float))


def _multigroup_rows(data: _Data, family: Family, groups: Sequence[GroupDef]) -> pd.DataFrame:
    got = _family_counts(data, family.id, groups)
    if got is None:
        return pd.DataFrame(columns=list(INDEX_COLUMNS))
    units, counts, totals = got
    by, parts = _partitions(units)
    n = len(parts)
    rowsum = np.where(np.all(np.isfinite(counts), axis=1), counts.sum(axis=1), np.nan)
    valid = _validity(counts, None, by, n)
    dropped = _negligible([(counts, totals)], by, n)
    (kept,) = dropped.apply(counts)
    vf = valid.frame
    ok = np.isfinite(rowsum) & (rowsum > 0)
    n_valid = np.bincount(by, weights=ok.astype(float), minlength=n).astype(int)
    members = [g for g in GROUPS if g.family == family.id]
    counted = members[0].counted
    base = [f"{len(members)} groepen: " + ", ".join(g.label for g in members)]
    if any(g.derived for g in members):
        base.append("deels afgeleide aantallen (zie de groepen)")
    frames = []
    for idx in _MULTI:
        values = _per_partition(_MULTI_FUNCS[idx](kept, by=by), n)
        notes = []
        for k in range(n):
            parts_k = [*base, _zero_note(data.level, int(vf["n_zero"][k]), counted),
                       _dropped_note(dropped, k, data.level, counted)]
            if n_valid[k] == 1:
                parts_k.append(f"maar één {data.level} met cijfers: de index zegt dan niets")
            if not np.isfinite(values[k]):
                parts_k.append(_nan_note(valid, idx, k, data.level))
            notes.append(_join_notes(parts_k))
        frames.append(pd.DataFrame({
            "gemeente_code": parts["gemeente_code"], "year": parts["year"], "group": family.id,
            "group_label": family.label, "index": idx, "value": values,
            "n_units": vf["n_units"], "n_zero": vf["n_zero"],
            "n_suppressed": vf["n_suppressed"], "note": notes}))
    out = pd.concat(frames, ignore_index=True)
    inds = [i for g in members for i in g.indicators]
    out["source"] = _source_column(out, data.sources(inds))
    return out


def _order_key(group: str) -> float:
    """Sort key: groups in :data:`GROUPS` order, a family right after its last group."""
    if group in _GROUP_ORDER:
        return float(_GROUP_ORDER[group])
    return max(_GROUP_ORDER[g.id] for g in GROUPS if g.family == group) + 0.5


def _finish_index_table(data: _Data, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return _empty(INDEX_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["gemeente_name"] = out["gemeente_code"].map(data.gemeente_names).fillna(
        out["gemeente_code"])
    out["level"] = data.level
    out["index_label"] = out["index"].map(lambda i: _INDEX_BY_ID[i].label)
    out["_g"] = out["group"].map(_order_key)
    out["_i"] = out["index"].map(_INDEX_ORDER)
    out = out.sort_values(["gemeente_code", "year", "_g", "_i"], kind="stable")
    out = out[list(INDEX_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year", "n_units", "n_zero", "n_suppressed"))


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def _typed(df: pd.DataFrame, *, ints: Sequence[str] = (), floats: Sequence[str] = ()
           ) -> pd.DataFrame:
    out = df.copy()
    for c in ints:
        out[c] = pd.array(out[c], dtype="Int64") if out[c].isna().any() else out[c].astype(
            "int64")
    for c in floats:
        out[c] = out[c].astype("float64")
    return out


def _index_rows(data: _Data, groups: Sequence[GroupDef], *,
                indices: Sequence[str] | None = None) -> pd.DataFrame:
    """The long index table; ``indices`` restricts it to these two-group indices (and leaves
    the multigroup indices out)."""
    frames = [_two_group_rows(data, _group_counts(data, g), indices or _TWO_GROUP)
              for g in groups]
    if indices is None:
        frames += [_multigroup_rows(data, fam, groups) for fam in FAMILIES.values()
                   if fam.multigroup]
    return _finish_index_table(data, frames)


def segregation_table(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeenten: Sequence[str] | None = None,
    years: int | Iterable[int] | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """All indices for every gemeente × year × group in the database, as one long table.

    Each group is computed for all gemeenten and years at once: one call per index function
    with a partition id per unit (gemeente × year).

    Parameters
    ----------
    con
        Connection to the database (read-only is fine).
    gemeenten
        Gemeente names or codes (``"Den Haag"``, ``"GM0363"``); all gemeenten when ``None``.
    years
        A year or years; all years when ``None``.
    level
        ``"buurt"`` or ``"wijk"``: the units the indices are computed over.
    groups
        Group ids or family ids (:data:`GROUPS`, :data:`FAMILIES`); all when ``None``. The
        multigroup indices of a family are computed when all its groups are selected.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`: one row per gemeente × year × group × index (two-group
        indices per group; multigroup indices per family, with the family id in ``group``).
        ``value`` is NaN when the index cannot be computed (reason in ``note``); ``n_units``,
        ``n_zero`` and ``n_suppressed`` come from
        :func:`wijkanalyse.segregatie.indices.validity`; ``source`` is the citation.

    Raises
    ------
    WijkanalyseError
        Unknown level, group or gemeente.
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    codes = None if gemeenten is None else [resolve_gemeente(con, g)[0] for g in gemeenten]
    data = _load(con, level=lvl, gemeente_codes=codes, years=_check_years(years),
                 indicators=_indicators_of(chosen))
    return _index_rows(data, chosen)


# ------------------------------------------------------------------------------------------
# local figures


def _local_rows(data: _Data, gemeente_code: str, groups: Sequence[GroupDef],
                year: int | None) -> pd.DataFrame:
    frames = []
    for g in groups:
        c = _group_counts(data, g)
        mask = (c.units["gemeente_code"] == gemeente_code).to_numpy()
        if not mask.any():
            continue
        years = sorted(c.units.loc[mask, "year"].unique())
        y = year if year is not None else int(years[-1])
        sel = mask & (c.units["year"] == y).to_numpy()
        if not sel.any():
            continue
        units = c.units[sel].reset_index(drop=True)
        x, t, clipped = c.x[sel], c.t[sel], c.n_clipped[sel]
        lq, share_gm, ref_note = _lq(data, g, gemeente_code, y, x, t)
        flag = np.asarray(si.concentration_flag(lq, count=x, threshold=LQ_THRESHOLD,
                                                min_count=LQ_MIN_COUNT), dtype=bool)
        ent = _local_entropy_for(data, g, units, x, t)
        ok = np.isfinite(x) & np.isfinite(t) & (t > 0)
        share = np.where(ok, x / np.where(ok, t, 1.0) * 100, np.nan)
        notes = []
        for k in range(len(units)):
            parts = [_derivation_text(g)] if g.derived else []
            if not np.isfinite(x[k]) or not np.isfinite(t[k]):
                parts.append("geen cijfer (geheim of ontbrekend)")
            elif t[k] <= 0:
                parts.append(f"geen {g.counted}")
            elif clipped[k]:
                parts.append("groep begrensd op het totaal (afronding CBS)")
            if ref_note:
                parts.append(ref_note)
            notes.append(_join_notes(parts))
        src = data.sources(g.indicators).get((gemeente_code, y), "")
        frames.append(pd.DataFrame({
            "gemeente_code": gemeente_code, "year": y, "code": units["code"],
            "name": units["name"], "group": g.id, "group_label": g.label, "count": x,
            "total": t, "share": share, "share_gemeente": share_gm * 100, "lq": lq,
            "local_entropy": ent, "concentration": flag, "source": src, "note": notes}))
    if not frames:
        return _empty(LOCAL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out["gemeente_name"] = data.gemeente_names.get(gemeente_code, gemeente_code)
    out["level"] = data.level
    from wijkanalyse.gebieden.subjects import display_name

    out["name"] = [display_name(n, code=c) for n, c in zip(out["name"], out["code"],
                                                          strict=True)]
    out = out[list(LOCAL_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year",), floats=("count", "total", "share", "share_gemeente",
                                               "lq", "local_entropy"))


def _lq(data: _Data, group: GroupDef, gemeente_code: str, year: int, x: np.ndarray,
        t: np.ndarray) -> tuple[np.ndarray, float, str]:
    """Location quotients of one gemeente-year, the reference share (0–1) and a note.

    The reference is the group's share over the units; when some units are suppressed that
    share would be incomplete, so the gemeente's own CBS row is used instead (if it exists;
    otherwise every LQ is NaN, as :func:`segregation_indices.location_quotient` decides).
    """
    by = np.zeros(len(x), dtype=np.int64)
    dropped = _negligible([(_two(x, t), t)], by, 1)
    xk, tk = dropped.apply(x, t)
    suppressed = (~np.isfinite(xk) | ~np.isfinite(tk)) & ~(tk == 0)
    if not suppressed.any():
        ok = np.isfinite(xk) & np.isfinite(tk) & (tk > 0)
        t_sum = float(tk[ok].sum())
        share = float(xk[ok].sum()) / t_sum if t_sum > 0 else np.nan
        note = ""
        if dropped.n[0]:
            note = (f"aandeel in de gemeente berekend zonder "
                    f"{_unit_words(data.level, int(dropped.n[0]))} zonder cijfer (samen "
                    f"{nl_number(float(dropped.total[0]))} {group.counted})")
        return np.asarray(si.location_quotient(xk, tk), dtype=float), share, note
    ref = data.gemeente_share(group, gemeente_code, year)
    if np.isfinite(ref):
        lq = np.asarray(si.location_quotient(x, t, reference=ref), dtype=float)
        return lq, ref, ("aandeel in de gemeente uit het gemeentecijfer van CBS (niet alle "
                         f"{_PLURAL[data.level]} hebben een cijfer)")
    return (np.asarray(si.location_quotient(x, t), dtype=float), np.nan,
            f"geen locatiequotiënt: niet alle {_PLURAL[data.level]} hebben een cijfer en er is "
            "geen gemeentecijfer")


def _local_entropy_for(data: _Data, group: GroupDef, units: pd.DataFrame, x: np.ndarray,
                       t: np.ndarray) -> np.ndarray:
    """Local entropy of the composition the group belongs to: all groups of a multigroup
    family, else the group against the rest of its total."""
    family = FAMILIES[group.family]
    if family.multigroup:
        got = _family_counts(data, family.id, [g for g in GROUPS if g.family == family.id])
        if got is not None:
            fam_units, counts, _totals = got
            keys = ["gemeente_code", "year", "code"]
            pos = pd.MultiIndex.from_frame(fam_units[keys]).get_indexer(
                pd.MultiIndex.from_frame(units[keys]))
            rows = np.where(pos[:, None] >= 0, counts[np.maximum(pos, 0)], np.nan)
            return np.asarray(si.local_entropy(rows), dtype=float)
    return np.asarray(si.local_entropy(np.column_stack([x, t - x])), dtype=float)


def local_table(
    con: duckdb.DuckDBPyConnection,
    gemeente: str,
    *,
    year: int | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """Per unit of one gemeente: location quotient, local entropy and concentration flag.

    Parameters
    ----------
    con
        Connection to the database.
    gemeente
        Gemeente name or code.
    year
        The year; per group its most recent year with figures when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    groups
        Group or family ids; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LOCAL_COLUMNS`, one row per unit × group. ``share`` is the group's share
        in the unit (%), ``share_gemeente`` over all units with figures; ``lq`` = share /
        share_gemeente; ``concentration`` is True when ``lq`` ≥ :data:`LQ_THRESHOLD` and the
        unit has at least :data:`LQ_MIN_COUNT` group members; ``local_entropy`` is the
        normalised entropy of the unit's composition (all groups of the family, or group
        versus the rest). Units without figures have NaN and a note.
    """
    lvl = _check_level(level)
    code, _name = resolve_gemeente(con, gemeente)
    chosen = _check_groups(groups)
    data = _load(con, level=lvl, gemeente_codes=[code], years=None,
                 indicators=_indicators_of(chosen))
    return _local_rows(data, code, chosen, None if year is None else int(year))


# ------------------------------------------------------------------------------------------
# change over time


def _year_pairs(years: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive pairs, plus first–last when there are three years or more."""
    ys = sorted(set(int(y) for y in years))
    pairs = list(zip(ys[:-1], ys[1:], strict=True))
    if len(ys) >= 3:
        pairs.append((ys[0], ys[-1]))
    return pairs


def _change_rows(data: _Data, groups: Sequence[GroupDef],
                 end_year: int | None = None) -> pd.DataFrame:
    """Change rows for every gemeente × group × pair of years: per group and pair of years
    one vectorised call over all gemeenten that have both years."""
    rows: list[pd.DataFrame] = []
    keys = ["gemeente_code", "code"]
    for g in groups:
        c = _group_counts(data, g)
        if c.units.empty:
            continue
        frame = c.units.assign(x=c.x, t=c.t)
        if end_year is not None:
            frame = frame[frame["year"] <= end_year]
        if frame.empty:
            continue
        years_per_gm = frame.groupby("gemeente_code")["year"].agg(lambda v: sorted(set(v)))
        sources = data.sources(g.indicators).to_dict()
        pair_gms: dict[tuple[int, int], list[str]] = {}
        for gm, ys in years_per_gm.items():
            pairs = _year_pairs(ys)
            if end_year is not None:
                pairs = [p for p in pairs if p[1] == ys[-1]]
            if not pairs:
                rows.append(_no_pair_rows(g, gm, ys[-1], sources.get((gm, ys[-1]), "")))
            for pair in pairs:
                pair_gms.setdefault(pair, []).append(gm)
        for (y0, y1), gms in sorted(pair_gms.items()):
            rows.append(_pair_rows(data, g, frame, y0, y1, sorted(gms), sources, keys))
    rows = [r for r in rows if not r.empty]
    if not rows:
        return _empty(CHANGE_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out["gemeente_name"] = out["gemeente_code"].map(data.gemeente_names).fillna(
        out["gemeente_code"])
    out["level"] = data.level
    out["index_label"] = out["index"].map(lambda i: _INDEX_BY_ID[i].label)
    out["_g"] = out["group"].map(_order_key)
    out["_i"] = out["index"].map(_INDEX_ORDER)
    out["_y0"] = pd.to_numeric(out["year_from"]).fillna(-1)
    out["_y1"] = pd.to_numeric(out["year_to"]).fillna(-1)
    out = out.sort_values(["gemeente_code", "_g", "_i", "_y1", "_y0"], kind="stable")
    out = out[list(CHANGE_COLUMNS)].reset_index(drop=True)
    return _typed(out, ints=("year_from", "year_to", "n_units_from", "n_units_to",
                             "n_matched", "n_used"),
                  floats=("value_from", "value_to", "change", "compositional",
                          "redistribution"))


def _no_pair_rows(g: GroupDef, gm: str, year: int, source: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "gemeente_code": gm, "group": g.id, "group_label": g.label, "index": idx,
        "year_from": None, "year_to": year, "value_from": np.nan, "value_to": np.nan,
        "change": np.nan, "compositional": np.nan, "redistribution": np.nan,
        "n_units_from": None, "n_units_to": None, "n_matched": None, "n_used": None,
        "source": source,
        "note": f"alleen cijfers voor {year}: geen verandering te berekenen"}
        for idx in _CHANGE_INDICES])


#: The indices whose change is decomposed.
_CHANGE_INDICES = ("D", "H")


def _pair_rows(data: _Data, g: GroupDef, frame: pd.DataFrame, y0: int, y1: int,
               gms: list[str], sources: dict[Any, Any], keys: list[str]) -> pd.DataFrame:
    f0 = frame[(frame["year"] == y0) & frame["gemeente_code"].isin(gms)]
    f1 = frame[(frame["year"] == y1) & frame["gemeente_code"].isin(gms)]
    both = f0[keys + ["x", "t"]].merge(f1[keys + ["x", "t"]], on=keys, suffixes=("0", "1"))
    both = both.sort_values(keys).reset_index(drop=True)
    n_from = f0.groupby("gemeente_code").size()
    n_to = f1.groupby("gemeente_code").size()
    n_matched = both.groupby("gemeente_code").size()
    complete = np.isfinite(both[["x0", "t0", "x1", "t1"]].to_numpy(float)).all(axis=1)
    n_used = both[complete].groupby("gemeente_code").size()
    part_of = {gm: k for k, gm in enumerate(gms)}
    n = len(gms)
    results: dict[str, dict[str, np.ndarray]] = {}
    for idx in _CHANGE_INDICES:
        results[idx] = _shapley_present(both, part_of, n, idx)
    plural = _PLURAL[data.level]
    recs = []
    for idx in _CHANGE_INDICES:
        res = results[idx]
        for gm in gms:
            k = part_of[gm]
            nf, nt = int(n_from.get(gm, 0)), int(n_to.get(gm, 0))
            nm, nu = int(n_matched.get(gm, 0)), int(n_used.get(gm, 0))
            note = [f"{nm} {plural} op code gekoppeld ({nf} in {y0}, {nt} in {y1})"]
            if nm < max(nf, nt):
                note.append(f"{idx} van beide jaren berekend over de gekoppelde {plural}; kan "
                            "afwijken van de cijfers per jaar")
            if nu < nm:
                left_out = int(res["n_dropped"][k])
                note.append(f"{nm - nu} gekoppelde {plural} zonder cijfer in een van de jaren "
                            "(geheim of ontbrekend)" + (
                                f"; {left_out} daarvan weggelaten (samen minder dan "
                                f"{nl_number(MAX_SUPPRESSED_SHARE * 100)}% van elke groep)"
                                if left_out else ""))
            if g.derived:
                note.append(_derivation_text(g))
            if nm == 0:
                note.append("niet berekend: geen buurten of wijken met dezelfde code in beide "
                            "jaren")
            elif not np.isfinite(res["total_change"][k]):
                note.append("niet berekend: de index is in een van de jaren niet te berekenen")
            elif not np.isfinite(res["composition"][k]):
                note.append("splitsing niet berekend: de herschaling (IPF) convergeerde niet")
            src = "; ".join(sorted({s for y in (y0, y1)
                                    for s in sources.get((gm, y), "").split("; ") if s}))
            recs.append({
                "gemeente_code": gm, "group": g.id, "group_label": g.label, "index": idx,
                "year_from": y0, "year_to": y1, "value_from": res["index0"][k],
                "value_to": res["index1"][k], "change": res["total_change"][k],
                "compositional": res["composition"][k],
                "redistribution": res["redistribution"][k], "n_units_from": nf,
                "n_units_to": nt, "n_matched": nm, "n_used": nu, "source": src,
                "note": _join_notes(note)})
    return pd.DataFrame(recs)


def _shapley_present(both: pd.DataFrame, part_of: dict[str, int], n: int, idx: str
                     ) -> dict[str, np.ndarray]:
    """Shapley decomposition per gemeente (partition ``part_of``); NaN for gemeenten without
    matched units. Suppressed units are left out of both years per
    :data:`MAX_SUPPRESSED_SHARE` (``n_dropped`` per gemeente)."""
    names = ("index0", "index1", "total_change", "composition", "redistribution")
    out = {k: np.full(n, np.nan) for k in names}
    out["n_dropped"] = np.zeros(n)
    if both.empty:
        return out
    by_full = both["gemeente_code"].map(part_of).to_numpy(dtype=np.int64)
    present = np.bincount(by_full, minlength=n) > 0
    n_present = int(present.sum())
    dense = (np.cumsum(present) - 1)[by_full]
    x0, t0, x1, t1 = (both[c].to_numpy(float) for c in ("x0", "t0", "x1", "t1"))
    dropped = _negligible([(_two(x0, t0), t0), (_two(x1, t1), t1)], dense, n_present)
    x0, t0, x1, t1 = dropped.apply(x0, t0, x1, t1)
    got = _shapley(x0, t0, x1, t1, index=idx, by=dense, n=n_present,
                   codes=both["code"].tolist())
    for k in names:
        out[k][present] = got[k]
    out["n_dropped"][present] = dropped.n
    return out


def change_table(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeenten: Sequence[str] | None = None,
    level: str = "buurt",
    groups: Iterable[str] | str | None = None,
    years: int | Iterable[int] | None = None,
) -> pd.DataFrame:
    """Change of D and H between pairs of years, split into composition and redistribution.

    For every gemeente × group the pairs are consecutive years with figures, plus the first
    and last year when there are three or more. Only units present under the same code in
    both years are used (``n_matched``), and of those the ones with figures in both years
    (``n_used``); D and H of both years are recomputed over exactly those units, so ``change``
    = ``value_to − value_from`` = ``compositional + redistribution`` (the Shapley
    decomposition of :func:`wijkanalyse.segregatie.indices.shapley_decomposition`: the part
    due to changed group sizes and unit sizes, and the part due to who lives where).

    Parameters
    ----------
    con
        Connection to the database.
    gemeenten
        Gemeente names or codes; all when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    groups
        Group or family ids (two-group indices only); all when ``None``.
    years
        Restrict to these years; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHANGE_COLUMNS`. A gemeente × group with figures for one year only has
        a row per index with ``year_from`` missing and a note saying so.
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    codes = None if gemeenten is None else [resolve_gemeente(con, g)[0] for g in gemeenten]
    data = _load(con, level=lvl, gemeente_codes=codes, years=_check_years(years),
                 indicators=_indicators_of(chosen))
    return _change_rows(data, chosen)


# ------------------------------------------------------------------------------------------
# housing-stock mix


def _housing_rows(data: _Data, gemeente_code: str, year: int | None) -> pd.DataFrame:
    wide = data.values(_TENURE_ALL)
    wide = wide[(wide["gemeente_code"] == gemeente_code)]
    pres = data.long[(data.long["gemeente_code"] == gemeente_code)
                     & data.long["indicator_id"].isin(_TENURE)]
    tenure_years = sorted(pres["year"].unique().tolist())
    wide = wide[wide["year"].isin(tenure_years)]
    if year is not None:
        wide = wide[wide["year"] == int(year)]
    if wide.empty:
        return _empty(HOUSING_COLUMNS)
    wide = wide.reset_index(drop=True)
    corp = wide["p_wcorpw"].to_numpy(float)
    priv = wide["p_ov_hw"].to_numpy(float)
    own = wide["p_koopw"].to_numpy(float)
    shares = np.column_stack([corp, priv, own])
    complete = np.all(np.isfinite(shares), axis=1)
    known = np.where(complete, shares.sum(axis=1), np.nan)
    unknown = np.where(complete, np.clip(100.0 - known, 0.0, 100.0), np.nan)
    diversity = _tenure_entropy(shares)
    flag = pd.array(np.where(np.isfinite(corp), corp > CORPORATIEBUURT_THRESHOLD, False),
                    dtype="boolean")
    flag[~np.isfinite(corp)] = pd.NA
    from wijkanalyse.gebieden.subjects import display_name

    notes = []
    for k in range(len(wide)):
        parts = []
        missing = [lab for lab, v in zip(("corporatie", "overige verhuurders", "koop"),
                                         shares[k], strict=True) if not np.isfinite(v)]
        if missing:
            parts.append("geen cijfer (geheim of ontbrekend) voor " + ", ".join(missing))
        elif known[k] > 100.5:
            parts.append("aandelen tellen op tot meer dan 100% (afronding CBS)")
        notes.append(_join_notes(parts))
    sources = data.sources(_TENURE_ALL).to_dict()
    out = pd.DataFrame({
        "gemeente_code": gemeente_code,
        "gemeente_name": data.gemeente_names.get(gemeente_code, gemeente_code),
        "year": wide["year"].astype("int64"), "level": data.level, "code": wide["code"],
        "name": [display_name(n, code=c) for n, c in zip(wide["name"], wide["code"],
                                                         strict=True)],
        "dwellings": wide["a_woning"].astype(float), "share_corporation": corp,
        "share_private_rental": priv, "share_owner_occupied": own, "share_unknown": unknown,
        "tenure_diversity": diversity, "corporatiebuurt": flag,
        "source": [sources.get((gemeente_code, int(y)), "") for y in wide["year"]],
        "note": notes})
    return out[list(HOUSING_COLUMNS)].sort_values(["year", "code"]).reset_index(drop=True)


def _tenure_entropy(shares: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy of the three known tenure shares (renormalised to their sum):
    ``−Σ p ln p / ln 3``; 0 = one kind of tenure only, 1 = a third of each."""
    total = shares.sum(axis=1)
    ok = np.all(np.isfinite(shares), axis=1) & (total > 0)
    p = np.where(ok[:, None], shares / np.where(total > 0, total, 1.0)[:, None], 0.0)
    terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return np.where(ok, -terms.sum(axis=1) / math.log(3.0), np.nan)


def housing_mix(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeente: str,
    year: int | None = None,
    level: str = "buurt",
) -> pd.DataFrame:
    """Tenure of the housing stock per unit: shares, diversity and *corporatiebuurten*.

    Parameters
    ----------
    con
        Connection to the database.
    gemeente
        Gemeente name or code.
    year
        The year; all years with tenure figures when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HOUSING_COLUMNS`, one row per unit × year. Shares in % of the housing
        stock (``share_unknown`` = 100 − the three known shares, at least 0).
        ``tenure_diversity`` is the normalised Shannon entropy of the three known shares
        (see :func:`_tenure_entropy`; 0 = one-sided, 1 = equal thirds). ``corporatiebuurt`` is
        True when more than two thirds of the dwellings are owned by a housing corporation
        (:data:`CORPORATIEBUURT_THRESHOLD`, a convention in Dutch housing research; missing
        when the share is unknown). Empty when the database has no tenure figures for the
        gemeente (KWB tenure is loaded for few gemeenten and years).
    """
    lvl = _check_level(level)
    code, _name = resolve_gemeente(con, gemeente)
    data = _load(con, level=lvl, gemeente_codes=[code], years=None, indicators=_TENURE_ALL)
    return _housing_rows(data, code, year)


def housing_spread(mix: pd.DataFrame, *, gemeente_shares: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """The gemeente's spread of the corporation share over its units, per year.

    Parameters
    ----------
    mix
        A table from :func:`housing_mix`.
    gemeente_shares
        Optional: the gemeente's own corporation share per ``gemeente_code`` and ``year``
        (column ``share_corporation``), as CBS publishes it for the gemeente.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SPREAD_COLUMNS`: unweighted minimum, quartiles (linear interpolation)
        and maximum of ``share_corporation`` over the units with a value, the number of units
        and of *corporatiebuurten*.
    """
    if mix.empty:
        return _empty(SPREAD_COLUMNS)
    recs = []
    for (gm, gname, y, lvl), part in mix.groupby(
            ["gemeente_code", "gemeente_name", "year", "level"], sort=True):
        vals = part["share_corporation"].to_numpy(float)
        vals = vals[np.isfinite(vals)]
        q = (np.percentile(vals, [0, 25, 50, 75, 100]) if len(vals)
             else np.full(5, np.nan))
        gm_share = np.nan
        if gemeente_shares is not None and not gemeente_shares.empty:
            hit = gemeente_shares[(gemeente_shares["gemeente_code"] == gm)
                                  & (gemeente_shares["year"] == y)]
            if len(hit):
                gm_share = float(hit["share_corporation"].iloc[0])
        recs.append({
            "gemeente_code": gm, "gemeente_name": gname, "year": int(y), "level": lvl,
            "n_units": len(part), "n_with_data": len(vals), "corporation_min": q[0],
            "corporation_q1": q[1], "corporation_median": q[2], "corporation_q3": q[3],
            "corporation_max": q[4], "gemeente_corporation": gm_share,
            "n_corporatiebuurten": int(part["corporatiebuurt"].fillna(False).sum()),
            "source": "; ".join(sorted({s for v in part["source"] for s in str(v).split("; ")
                                        if s}))})
    return pd.DataFrame(recs, columns=list(SPREAD_COLUMNS))


def _gemeente_tenure(con: duckdb.DuckDBPyConnection, gemeente_code: str) -> pd.DataFrame:
    df = con.execute(
        "SELECT code AS gemeente_code, year::INTEGER AS year, value AS share_corporation "
        "FROM observation WHERE indicator_id = 'p_wcorpw' AND code = ? AND value IS NOT NULL",
        [gemeente_code]).df()
    df["year"] = df["year"].astype("int64")
    return df


def _tenure_availability(con: duckdb.DuckDBPyConnection, level: str) -> str:
    """Which gemeenten and years have tenure figures at this level, in Dutch."""
    rows = con.execute(
        """SELECT r.gemeente_code, list(DISTINCT o.year::INTEGER ORDER BY o.year::INTEGER)
           FROM observation o JOIN regions r ON r.year = o.year AND r.code = o.code
           WHERE o.indicator_id = 'p_wcorpw' AND o.value IS NOT NULL AND r.level = ?
           GROUP BY r.gemeente_code ORDER BY r.gemeente_code""", [level]).fetchall()
    if not rows:
        return "geen enkele gemeente"
    names = _gemeente_names(con)
    return join_nl([f"{names.get(gm, gm)} ({year_list(ys)})" for gm, ys in rows])


# ------------------------------------------------------------------------------------------
# one gemeente


@dataclass
class SegregationResult:
    """Everything :func:`segregatie` computes for one gemeente.

    Attributes
    ----------
    gemeente_code, gemeente_name, level, year
        What was asked (``year`` None: all years).
    indices
        :func:`segregation_table` for the gemeente (columns :data:`INDEX_COLUMNS`).
    local
        :func:`local_table` (columns :data:`LOCAL_COLUMNS`).
    change
        :func:`change_table` (columns :data:`CHANGE_COLUMNS`).
    housing_mix, housing_spread
        :func:`housing_mix` and :func:`housing_spread`.
    groups
        :func:`group_table`: the group definitions with the years they exist for the gemeente.
    notes
        Dutch statements of what is missing or derived.
    sources
        The sources used: label (the citation), file, CBS table and year.
    """

    gemeente_code: str
    gemeente_name: str
    level: str
    year: int | None
    indices: pd.DataFrame
    local: pd.DataFrame
    change: pd.DataFrame
    housing_mix: pd.DataFrame
    housing_spread: pd.DataFrame
    groups: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sources: pd.DataFrame = field(default_factory=pd.DataFrame)


def group_table(groups: Iterable[str] | str | None = None) -> pd.DataFrame:
    """The group definitions (:data:`GROUPS`) as a table with Dutch derivation texts."""
    return pd.DataFrame([{
        "group": g.id, "group_label": g.label, "family": g.family,
        "family_label": FAMILIES[g.family].label, "numerator": ", ".join(g.numerator),
        "total": g.total, "derivation": g.derivation, "how": _derivation_text(g),
        "counted": g.counted} for g in _check_groups(groups)])


def _analyse(con: duckdb.DuckDBPyConnection, code: str, *, year: int | None, level: str,
             groups: Sequence[GroupDef]) -> SegregationResult:
    data = _load(con, level=level, gemeente_codes=[code], years=None,
                 indicators=_indicators_of(groups) | set(_TENURE_ALL))
    gname = data.gemeente_names.get(code, code)
    year_data = data.only_year(year)
    indices = _index_rows(year_data, groups)
    local = _local_rows(data, code, groups, year)
    change = _change_rows(data, groups, end_year=year)
    mix = _housing_rows(data, code, year)
    spread = housing_spread(mix, gemeente_shares=_gemeente_tenure(con, code))
    notes = _notes(con, data, code, gname, level=level, year=year, groups=groups,
                   indices=indices, mix=mix)
    used = set(data.long.loc[data.long["value"].notna()
                             & (year is None or data.long["year"] == year), "source_id"])
    sources = con.execute(
        "SELECT label, file_name AS file, table_id, year FROM sources "
        "WHERE list_contains(?, source_id) ORDER BY year, label, file_name",
        [sorted(s for s in used if s)]).df()
    gtab = group_table([g.id for g in groups])
    years_of = _years_per_group(data, groups)
    gtab["years"] = gtab["group"].map(lambda gid: year_list(years_of.get(gid, [])) or "–")
    return SegregationResult(
        gemeente_code=code, gemeente_name=gname, level=level, year=year, indices=indices,
        local=local, change=change, housing_mix=mix, housing_spread=spread, groups=gtab,
        notes=notes, sources=sources)


def _years_per_group(data: _Data, groups: Sequence[GroupDef]) -> dict[str, list[int]]:
    out = {}
    for g in groups:
        ys = None
        for ind in g.numerator:
            got = set(data.present(ind)["year"].astype(int))
            ys = got if ys is None else ys & got
        out[g.id] = sorted(ys or [])
    return out


def _notes(con: duckdb.DuckDBPyConnection, data: _Data, code: str, gname: str, *, level: str,
           year: int | None, groups: Sequence[GroupDef], indices: pd.DataFrame,
           mix: pd.DataFrame) -> list[str]:
    notes: list[str] = []
    years_of = _years_per_group(data, groups)
    for fam in FAMILIES.values():
        members = [g for g in groups if g.family == fam.id]
        if not members:
            continue
        ys = sorted({y for g in members for y in years_of[g.id]})
        if not ys:
            what = ("eigendom van woningen (corporatie, overige verhuur, koop)"
                    if fam.id == "woningvoorraad" else fam.label.lower())
            text = f"Geen cijfers over {what} voor {gname} op {level}niveau in de database."
            if fam.id == "woningvoorraad":
                text += (" Op dit niveau staan ze alleen in de database voor "
                         f"{_tenure_availability(con, level)}.")
            notes.append(text)
            continue
        span = year_list(ys) if year is None else str(year)
        if year is not None and year not in ys:
            notes.append(f"{fam.label}: geen cijfers voor {year}; wel voor {year_list(ys)}.")
        elif fam.id in ("herkomst", "migratieachtergrond"):
            notes.append(f"{fam.label}: cijfers voor {span}. {fam.note}")
        elif fam.note and any(g.derived for g in members):
            notes.append(f"{fam.label} ({span}): {fam.note}")
    if not indices.empty:
        for r in indices.drop_duplicates(["group", "year"]).itertuples(index=False):
            parts = str(r.note).split("; ")
            if r.value != r.value:  # NaN: the reason is the last part of the note
                notes.append(f"{r.group_label} {r.year}: {parts[-1]}.")
            else:
                notes.extend(f"{r.group_label} {r.year}: {p}." for p in parts
                             if "weggelaten" in p)
    if mix.empty and any(g.family == "woningvoorraad" for g in groups) and year is not None:
        notes.append(f"Geen cijfers over eigendom van woningen voor {gname} in {year}.")
    return list(dict.fromkeys(notes))


def segregatie(
    gemeente: str,
    *,
    year: int | None = None,
    level: str = "buurt",
    db: str | Path | duckdb.DuckDBPyConnection | None = None,
    groups: Iterable[str] | str | None = None,
) -> SegregationResult:
    """Segregation and housing-stock mix of one gemeente, as DataFrames.

    Parameters
    ----------
    gemeente
        Name or code (``"Den Haag"``, ``"'s-Gravenhage"``, ``"GM0518"``).
    year
        One year; all years (series and changes) when ``None``.
    level
        ``"buurt"`` or ``"wijk"``.
    db
        Database path or an open connection (default ``WIJKANALYSE_DB`` or the per-user
        database).
    groups
        Group or family ids; all when ``None``.

    Returns
    -------
    SegregationResult

    Raises
    ------
    WijkanalyseError
        No database, unknown gemeente, level or group, or no figures at all for the gemeente
        (at this level and year).
    """
    lvl = _check_level(level)
    chosen = _check_groups(groups)
    yr = None if year is None else _check_years(year)[0]  # type: ignore[index]
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _analyse_checked(db, gemeente, year=yr, level=lvl, groups=chosen)
    from wijkanalyse import store
    from wijkanalyse.settings import resolve_settings

    settings = resolve_settings(db=db)
    with store.reading(settings.db_path) as con:
        return _analyse_checked(con, gemeente, year=yr, level=lvl, groups=chosen)


def _analyse_checked(con: duckdb.DuckDBPyConnection, gemeente: str, *, year: int | None,
                     level: str, groups: Sequence[GroupDef]) -> SegregationResult:
    code, name = resolve_gemeente(con, gemeente)
    numerators = sorted({i for g in groups for i in g.numerator})
    years = con.execute(
        """SELECT list(DISTINCT o.year::INTEGER ORDER BY o.year::INTEGER) FROM observation o
           JOIN regions r ON r.year = o.year AND r.code = o.code
           WHERE r.gemeente_code = ? AND r.level = ? AND list_contains(?, o.indicator_id)""",
        [code, level, numerators]).fetchall()[0][0] or []
    if not years or (year is not None and year not in years):
        where = f" in {year}" if year is not None else ""
        message = f"Geen cijfers over groepen per {level} voor {name}{where} in de database."
        if years:
            message += f" Wel voor {year_list(years)}: kies een van die jaren met --jaar."
        elif level == "buurt":
            message += " Probeer --niveau wijk, of laad de gegevens met 'wijkanalyse data build'."
        raise WijkanalyseError(message)
    return _analyse(con, code, year=year, level=level, groups=groups)


# ------------------------------------------------------------------------------------------
# the wijkprofiel section


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


def profile_section(con: duckdb.DuckDBPyConnection, subject: Subject, *,
                    year: int | None = None, cache: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The segregation figures of one neighbourhood for the wijkprofiel, as plain data.

    Parameters
    ----------
    con
        Connection to the database.
    subject
        The profile's subject; a buurt, wijk or gebied (a set of buurten or wijken is taken
        together: summed counts). For a gemeente only the gemeente's indices are given.
    year
        The year; per group its latest year with figures when ``None``.
    cache
        A dict kept between calls on one connection (many profiles): the gemeente's data and
        indices are then loaded and computed once per gemeente, level and year.

    Returns
    -------
    dict
        ``title``, ``subject_name``, ``gemeente_name``, ``level``; ``groups``: a list of dicts
        (``group``, ``label``, ``year``, ``share``, ``share_gemeente``, ``lq``,
        ``concentration``, ``D``, ``H`` and ``*_text`` forms in Dutch notation); ``tenure``:
        the area's tenure shares next to the gemeente's spread of the corporation share, or
        ``None``; ``caption`` ("Bron: ..."), ``sources`` and ``notes`` (Dutch). JSON-able.
    """
    level = subject.level if subject.level in LEVELS else "wijk"
    gm = subject.gemeente_code
    out: dict[str, Any] = {
        "title": "Segregatie en menging", "subject_name": subject.name,
        "gemeente_name": subject.gemeente_name, "level": level, "groups": [], "tenure": None,
        "sources": [], "caption": "", "notes": [],
        "explanation": (f"LQ (locatiequotiënt) = aandeel van de groep in {subject.name} ÷ "
                        f"aandeel in de gemeente; vanaf {nl_number(LQ_THRESHOLD, decimals=1)} "
                        "(en minstens "
                        f"{int(LQ_MIN_COUNT)} groepsleden) heet dat een concentratie. D en H: "
                        f"segregatie van de groep over alle {_PLURAL[level]} van de gemeente "
                        "(0 = gelijk gespreid, 1 = volledig gescheiden)."),
    }
    if gm is None:
        out["notes"].append("Het gebied ligt in meer gemeenten of in geen gemeente: geen "
                            "segregatiecijfers.")
        return out
    key = (gm, level, year)
    if cache is not None and key in cache:
        data, indices = cache[key]
    else:
        data = _load(con, level=level, gemeente_codes=[gm], years=None,
                     indicators=_indicators_of(GROUPS) | set(_TENURE_ALL))
        indices = _index_rows(data.only_year(year), list(GROUPS), indices=("D", "H"))
        if cache is not None:
            cache[key] = (data, indices)
    members = set(subject.members) if subject.kind != "gemeente" else set()
    sources: list[str] = []
    two = [g for g in GROUPS if not (g.family == "woningvoorraad")]
    for g in two:
        c = _group_counts(data, g)
        mask = (c.units["gemeente_code"] == gm).to_numpy()
        if not mask.any():
            continue
        ys = sorted(c.units.loc[mask, "year"].unique())
        y = int(year) if year is not None else int(ys[-1])
        sel = mask & (c.units["year"] == y).to_numpy()
        if not sel.any():
            continue
        x, t = c.x[sel], c.t[sel]
        codes = c.units.loc[sel, "code"].to_numpy()
        lq_units, ref, _ref_note = _lq(data, g, gm, y, x, t)
        share_gm = ref * 100
        row: dict[str, Any] = {"group": g.id, "label": g.label, "year": y,
                               "derived": g.derived}
        share = lq = np.nan
        flag = False
        inside = np.isin(codes, list(members))
        known = np.isfinite(x) & np.isfinite(t)  # a member without inhabitants is fine
        t_area = float(t[inside & known].sum())
        if inside.any() and known[inside].all() and t_area > 0:
            x_area = float(x[inside].sum())
            share = x_area / t_area * 100
            lq = (float(lq_units[inside][0]) if inside.sum() == 1
                  else share / share_gm if share_gm > 0 else np.nan)
            flag = bool(np.asarray(si.concentration_flag(
                np.array([lq]), count=np.array([x_area]), threshold=LQ_THRESHOLD,
                min_count=LQ_MIN_COUNT), dtype=bool)[0])
        elif inside.any():
            out["notes"].append(f"{g.label} {y}: geen cijfer voor {subject.name} (geheim of "
                                "ontbrekend).")
        row.update(share=_float(share), lq=_float(lq), concentration=flag,
                   share_text=_fmt_pct(share),
                   lq_text=nl_number(lq, decimals=2) if np.isfinite(lq) else "–")
        row.update(share_gemeente=_float(share_gm), share_gemeente_text=_fmt_pct(share_gm))
        for idx in ("D", "H"):
            hit = indices[(indices["group"] == g.id) & (indices["index"] == idx)
                          & (indices["year"] == y)]
            v = float(hit["value"].iloc[0]) if len(hit) else np.nan
            row[idx] = _float(v)
            row[f"{idx}_text"] = _fmt3(v)
            if len(hit):
                sources.extend(s for s in str(hit["source"].iloc[0]).split("; ") if s)
        out["groups"].append(row)
    mix = _housing_rows(data, gm, year)
    if not mix.empty:
        y = int(mix["year"].max()) if year is None else int(year)
        latest = mix[mix["year"] == y]
        spread = housing_spread(latest, gemeente_shares=_gemeente_tenure(con, gm))
        area = latest[latest["code"].isin(members)] if members else latest.iloc[0:0]
        tenure: dict[str, Any] = {"year": y, "area": None}
        cols = ("share_corporation", "share_private_rental", "share_owner_occupied",
                "share_unknown")
        if len(area) and area[list(cols)].notna().all().all():
            # one unit: its shares; several: weighted by their dwellings
            w = np.nan_to_num(area["dwellings"].to_numpy(float))
            weights = w if w.sum() > 0 else None
            shares = {c: float(np.average(area[c].to_numpy(float), weights=weights))
                      for c in cols}
            div = float(_tenure_entropy(np.array([[shares[c] for c in cols[:3]]]))[0])
            tenure["area"] = {
                **shares, **{f"{k}_text": _fmt_pct(v) for k, v in shares.items()},
                "tenure_diversity": _float(div),
                "tenure_diversity_text": nl_number(div, decimals=2) if np.isfinite(div) else "–",
                "corporatiebuurt": shares["share_corporation"] > CORPORATIEBUURT_THRESHOLD}
        elif members:
            out["notes"].append(f"Geen cijfers over eigendom van woningen voor "
                                f"{subject.name} in {y}.")
        s = spread.iloc[0]
        tenure["spread"] = {k: _float(s[k]) for k in (
            "corporation_min", "corporation_q1", "corporation_median", "corporation_q3",
            "corporation_max", "gemeente_corporation")}
        tenure["spread_text"] = {k: _fmt_pct(v) for k, v in tenure["spread"].items()}
        tenure["n_units"] = int(s["n_with_data"])
        tenure["n_corporatiebuurten"] = int(s["n_corporatiebuurten"])
        sources.extend(x for x in str(s["source"]).split("; ") if x)
        out["tenure"] = tenure
    else:
        out["notes"].append(f"Geen cijfers over eigendom van woningen voor {subject.gemeente_name}"
                            f" op {level}niveau; in de database staan ze alleen voor "
                            f"{_tenure_availability(con, level)}.")
    if not out["groups"]:
        out["notes"].append(f"Geen cijfers over groepen per {level} voor "
                            f"{subject.gemeente_name} in de database.")
    if any(r.get("derived") for r in out["groups"]) or out["tenure"]:
        out["notes"].append("Huishoudens met een laag inkomen en woningen naar eigendom zijn "
                            "afgeleide aantallen (aandeel × totaal / 100).")
    out["sources"] = list(dict.fromkeys(sources))
    out["caption"] = source_caption(out["sources"])
    return out


# ------------------------------------------------------------------------------------------
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
# rendering: charts (matplotlib -> inline SVG)


_RC: dict[Any, Any] = {  # keys: matplotlib rc names
    "font.family": "DejaVu Sans", "font.size": 7.0, "svg.fonttype": "none",
    "svg.hashsalt": "wijkanalyse", "axes.spines.top": False, "axes.spines.right": False,
    "axes.linewidth": 0.6, "axes.edgecolor": "#444444", "grid.color": "#d0d0d0",
    "grid.linewidth": 0.5, "legend.frameon": False, "hatch.linewidth": 0.6,
}
_BAR_STYLES = (("#1b4f8a", ""), ("#9ec0e6", "//"), ("#f2c894", "||"), ("#c05a00", "\\\\"),
               ("#d9d9d9", "xx"), ("#6b8e23", ".."))
_TENURE_STYLES = (("Corporatie", "#1b4f8a", ""), ("Overige verhuurders", "#9ec0e6", "//"),
                  ("Koop", "#f2c894", ""), ("Onbekend", "#ffffff", ".."))


def _svg(fig: Any, *, label: str) -> str:
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    from wijkanalyse.present.charts import unique_svg_ids

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches="tight", pad_inches=0.04)
    text = buf.getvalue()
    start = text.find("<svg")
    svg = text[start:] if start >= 0 else text
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = svg.replace("font-family: 'DejaVu Sans'",
                      "font-family: 'DejaVu Sans', Verdana, sans-serif")
    digest = hashlib.sha1(svg.encode("utf-8")).hexdigest()[:10]
    svg = unique_svg_ids(svg, f"s{digest}")
    attrs = f' role="img" aria-label="{html_mod.escape(label, quote=True)}" class="chart"'
    return svg.replace("<svg", "<svg" + attrs, 1).strip()


def _value_axis(ax: Any, *, unit: str = "") -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    from wijkanalyse.present.charts import dutch_tick_formatter

    ticks = [t for t in ax.yaxis.get_majorticklocs() if math.isfinite(t)]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(dutch_tick_formatter(ticks, unit=unit)))


def _short(text: str, limit: int = 34) -> str:
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return text.replace("$", r"\$")


def _index_chart(indices: pd.DataFrame, family: str) -> str | None:
    """D and H of the family's groups per year: two panels of grouped bars."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import MaxNLocator

    groups = [g for g in GROUPS if g.family == family]
    sub = indices[indices["group"].isin([g.id for g in groups])
                  & indices["index"].isin(["D", "H"]) & indices["value"].notna()]
    if sub.empty:
        return None
    years = sorted(sub["year"].unique().tolist())
    present = [g for g in groups if g.id in set(sub["group"])]
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, 2.1))
        axes = fig.subplots(1, 2, sharey=True)
        width = 0.8 / len(present)
        for ax, idx in zip(axes, ("D", "H"), strict=True):
            for k, g in enumerate(present):
                colour, hatch = _BAR_STYLES[k % len(_BAR_STYLES)]
                vals = sub[(sub["group"] == g.id) & (sub["index"] == idx)].set_index("year")
                xs = [i - 0.4 + width * (k + 0.5) for i, y in enumerate(years)
                      if y in vals.index]
                hs = [float(vals.loc[y, "value"]) for y in years if y in vals.index]
                ax.bar(xs, hs, width=width * 0.92, color=colour, hatch=hatch,
                       edgecolor="#222222", linewidth=0.5, label=_short(g.label), zorder=3)
            ax.set_title(_INDEX_BY_ID[idx].label, fontsize=7.5)
            ax.set_xticks(range(len(years)))
            ax.set_xticklabels([str(y) for y in years])
            ax.set_xlim(-0.6, len(years) - 0.4)
            ax.grid(axis="y")
            ax.set_axisbelow(True)
            ax.set_ylim(0, max(0.1, min(1.0, float(sub["value"].max()) * 1.15)))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        _value_axis(axes[0])
        axes[1].tick_params(labelleft=False)
        axes[0].legend(loc="upper center", bbox_to_anchor=(1.05, -0.12), ncol=min(
            len(present), 3), fontsize=6.3, handlelength=1.6, columnspacing=1.2)
        return _svg(fig, label=f"Staafdiagram: D en H per groep en jaar, "
                               f"{FAMILIES[family].label}")


def _lq_chart(local: pd.DataFrame, *, top: int = 15, level: str = "buurt") -> str | None:
    """Horizontal bars of the highest location quotients among the flagged concentrations."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    flagged = local[local["concentration"].astype(bool) & local["lq"].notna()]
    if flagged.empty:
        return None
    best = flagged.sort_values("lq", ascending=False).head(top).iloc[::-1]
    labels = [_short(f"{n} – {g}", 48) for n, g in zip(best["name"], best["group_label"],
                                                        strict=True)]
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, 0.5 + 0.19 * len(best)))
        ax = fig.add_axes((0.42, 0.12, 0.55, 0.84))
        ax.barh(range(len(best)), best["lq"].to_numpy(float), color="#1b4f8a", zorder=3,
                height=0.7)
        ax.axvline(1.0, color="#666666", linewidth=0.8, linestyle=(0, (1, 1.5)), zorder=4)
        ax.axvline(LQ_THRESHOLD, color="#c05a00", linewidth=0.9, linestyle=(0, (5, 2)),
                   zorder=4)
        ax.set_yticks(range(len(best)))
        ax.set_yticklabels(labels, fontsize=6.3)
        ax.grid(axis="x")
        ax.set_axisbelow(True)
        ax.xaxis.set_major_formatter(FuncFormatter(
            lambda v, _p=None: nl_number(v, decimals=1)))
        lq_text = nl_number(LQ_THRESHOLD, decimals=1)
        ax.set_xlabel(f"locatiequotiënt (1 = gemeente; streep {lq_text} = grens concentratie)",
                      fontsize=6.3)
        return _svg(fig, label=f"Staafdiagram: hoogste locatiequotiënten per {level} en groep")


def _tenure_chart(mix: pd.DataFrame) -> str | None:
    """Stacked horizontal bars of tenure shares per unit, sorted by corporation share."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.ticker import FuncFormatter

    cols = ("share_corporation", "share_private_rental", "share_owner_occupied", "share_unknown")
    data = mix.dropna(subset=list(cols)).sort_values(["share_corporation", "name"])
    if data.empty:
        return None
    labelled = len(data) <= 60
    height = 0.6 + (0.15 * len(data) if labelled else 3.2)
    with rc_context(_RC):
        fig = MplFigure(figsize=(6.8, height))
        ax = fig.add_axes((0.3 if labelled else 0.08, 0.1, 0.66 if labelled else 0.88, 0.86))
        left = np.zeros(len(data))
        ys = np.arange(len(data))
        for (lab, colour, hatch), col in zip(_TENURE_STYLES, cols, strict=True):
            vals = data[col].to_numpy(float)
            ax.barh(ys, vals, left=left, color=colour, hatch=hatch if labelled else "",
                    edgecolor="#222222",
                    linewidth=0.3 if labelled else 0.0, label=lab, height=0.8 if labelled
                    else 1.0, zorder=3)
            left += vals
        ax.axvline(CORPORATIEBUURT_THRESHOLD, color="#8b1a1a", linewidth=1.0,
                   linestyle=(0, (5, 2)), zorder=4)
        if labelled:
            ax.set_yticks(ys)
            ax.set_yticklabels([_short(n, 36) for n in data["name"]], fontsize=5.8)
        else:
            ax.set_yticks([])
            ax.set_ylabel(f"{len(data)} gebieden, gesorteerd op aandeel corporatiewoningen",
                          fontsize=6.3)
        ax.set_ylim(-0.6, len(data) - 0.4)
        ax.set_xlim(0, 103)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p=None: f"{int(round(v))}%"))
        ax.set_xlabel("aandeel van de woningvoorraad (streep: twee derde, grens "
                      "corporatiebuurt)", fontsize=6.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.7 / height), ncol=4,
                  fontsize=6.3, handlelength=1.6)
        return _svg(fig, label="Staafdiagram: eigendom van de woningvoorraad per gebied")


# ------------------------------------------------------------------------------------------
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
    ch = result.change
    if ch.empty:
        return None, []
    done = ch[ch["year_from"].notna()]
    missing = ch[ch["year_from"].isna()].drop_duplicates("group")
    lines = [f"{r.group_label}: {r.note}." for r in missing.itertuples(index=False)]
    if done.empty:
        return None, lines
    rows = []
    for r in done.itertuples(index=False):
        rows.append([r.group_label, r.index, f"{r.year_from}–{r.year_to}", _fmt3(r.value_from),
                     _fmt3(r.value_to), _signed(r.change), _signed(r.compositional),
                     _signed(r.redistribution), f"{r.n_used} van {r.n_matched}"])
    notes = list(dict.fromkeys(r.note for r in done.itertuples(index=False)
                               if "afwijken" in r.note))
    table = _TableView(
        title="Verandering van D en H", columns=[
            "Groep", "Index", "Jaren", "Van", "Naar", "Verandering", "Door samenstelling",
            "Door herverdeling", f"Gekoppelde {_PLURAL[result.level]}"], rows=rows,
        caption=source_caption(done["source"]),
        numeric=[False, False, True, True, True, True, True, True, True], notes=notes[:3])
    return table, lines


def _signed(v: Any) -> str:
    f = _float(v)
    return "–" if f is None else nl_number(f, decimals=3, sign=True)


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
                         if _float(r.local_entropy) is not None else "–"])
    table = None
    if rows:
        table = _TableView(
            title="Concentraties", columns=["Groep", "Jaar", result.level.capitalize(),
                                            "Aandeel", "Aandeel gemeente", "LQ",
                                            "Lokale entropie"],
            rows=rows, caption=source_caption(flagged["source"]),
            numeric=[False, True, False, True, True, True, True],
            notes=[f"Per groep de {per_group} {_PLURAL[result.level]} met het hoogste "
                   "locatiequotiënt; alle "
                   f"{_PLURAL[result.level]} staan in de Excel-uitvoer (blad 'lokaal')."])
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
             "ja" if r.corporatiebuurt is True else ("–" if pd.isna(r.corporatiebuurt)
                                                      else "")]
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
        "lq_threshold": nl_number(LQ_THRESHOLD, decimals=1),
        "lq_min_count": int(LQ_MIN_COUNT),
        "sources": sources,
        "groups": groups,
        "notes": result.notes,
    }
    from wijkanalyse.present.jinja import environment

    return str(environment().get_template("segregatie.html").render(**context))


# ------------------------------------------------------------------------------------------
# writing


#: Formats :func:`write_outputs` writes.
FORMATS: tuple[str, ...] = ("html", "pdf", "xlsx", "csv", "json")


def _xlsx_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if str(out[c].dtype) == "boolean":
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return out


def write_xlsx(result: SegregationResult, path: Path) -> Path:
    """Write the result as an Excel workbook with the sheets ``indices``, ``lokaal``,
    ``verandering``, ``woningvoorraad``, ``spreiding``, ``groepen``, ``bronnen`` and
    ``opmerkingen`` (replaced atomically)."""
    sheets = {
        "indices": result.indices, "lokaal": result.local, "verandering": result.change,
        "woningvoorraad": result.housing_mix, "spreiding": result.housing_spread,
        "groepen": result.groups,
        "bronnen": result.sources if not result.sources.empty else pd.DataFrame(
            {"label": ["niet vastgelegd"]}),
        "opmerkingen": pd.DataFrame({"opmerking": result.notes or ["geen"]}),
    }

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, df in sheets.items():
                _xlsx_frame(df).to_excel(xw, sheet_name=name, index=False)
            text_cells(xw.book)  # names from files stay text, never formulas

    return _write_atomic(Path(path), write)


def index_json(indices: pd.DataFrame) -> str:
    """The long index table as JSON records (NaN -> null), UTF-8 text."""
    records = indices.astype(object).where(indices.notna(), None).to_dict("records")
    return json.dumps(records, ensure_ascii=False, indent=2,
                      default=lambda o: o.item() if hasattr(o, "item") else str(o)) + "\n"


def write_outputs(result: SegregationResult, out_dir: Path, *,
                  formats: Sequence[str] = ("html", "pdf"),
                  generated_on: date | None = None) -> dict[str, Path]:
    """Write the chosen formats (:data:`FORMATS`) into ``out_dir``; returns the paths.

    ``csv`` and ``json`` hold the long index table (:data:`INDEX_COLUMNS`); ``xlsx`` all tables;
    ``html`` and ``pdf`` the report.
    """
    return write_report_files(
        out_dir, report_stem(result), formats, allowed=FORMATS,
        html=lambda: render_html(result, generated_on=generated_on),
        writers={"xlsx": lambda target: write_xlsx(result, target),
                 "csv": lambda target: write_text(target, csv_frame(result.indices).to_csv(
                     index=False)),
                 "json": lambda target: write_text(target, index_json(result.indices))})
