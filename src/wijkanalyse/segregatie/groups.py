"""Segregatie: the definitions — levels, groups (:data:`GROUPS`, the one table of group
definitions), families, indices, thresholds, table columns — and the validation of
arguments against them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.segregatie import indices as si

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
    definition
        The definition of the group as CBS gives it (Dutch), shown in the table of groups;
        empty when the label says it all.
    in_profile
        Whether the wijkprofiel's segregation section shows the group (the report of
        ``wijkanalyse segregatie`` shows every group).
    """

    id: str
    label: str
    family: str
    numerator: tuple[str, ...]
    total: str
    derivation: str
    counted: str
    definition: str = ""
    in_profile: bool = True

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
    GroupDef("inkomen_onder_p40",
             "Huishoudens met een inkomen onder het landelijke 40%-percentiel", "inkomen",
             ("p_hh_li",), "a_hh", "aandeel", "huishoudens",
             "CBS '40% huishoudens met laagste inkomen' (p_hh_li): particuliere huishoudens "
             "waarvan het gestandaardiseerd besteedbaar inkomen tot de landelijk laagste 40% "
             "behoort. Geen armoedemaat: landelijk valt per definitie 40% in deze groep."),
    GroupDef("laag_inkomen", "Huishoudens met een laag inkomen", "inkomen", ("p_hh_lkk",),
             "a_hh", "aandeel", "huishoudens",
             "CBS 'Huishoudens met een laag inkomen' (p_hh_lkk): huishoudens (zonder "
             "studenten, met een inkomen over het hele jaar) met een besteedbaar inkomen "
             "onder de lage-inkomensgrens van CBS (een vast koopkrachtbedrag). CBS rekent het "
             "aandeel over die huishoudens, niet over alle huishoudens."),
    GroupDef("sociaal_minimum_110", "Huishoudens tot 110% van het sociaal minimum", "inkomen",
             ("p_hh_110",), "a_hh", "aandeel", "huishoudens",
             "CBS 'Huishoudens tot 110% van sociaal minimum' (p_hh_110): huishoudens (zonder "
             "studenten, met een inkomen over het hele jaar) met een besteedbaar inkomen tot "
             "110% van het sociaal minimum; CBS rekent het aandeel over die huishoudens.",
             False),
    GroupDef("bijstand", "Personen met bijstand", "uitkeringen", ("a_soz_wb",), "a_inw",
             "aantal", "inwoners",
             "CBS 'Personen per soort uitkering; Bijstand' (a_soz_wb): personen met een "
             "bijstandsuitkering (Participatiewet), stand eind december, afgerond op "
             "tientallen."),
    GroupDef("bijstand_uitkeringen", "Bijstandsuitkeringen (WWB, tot en met 2015)",
             "uitkeringen", ("wwb_uittot",), "a_inw", "aantal", "inwoners",
             "CBS 'Bijstandsuitkeringen' (WWB_UITTOT, Wijk- en Buurtkaart 2015): aantal "
             "uitkeringen, niet personen (één uitkering kan een paar dekken), afgerond op "
             "tientallen; geen doorlopende reeks met personen met bijstand.", False),
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
#: The groups the wijkprofiel's segregation section shows (:attr:`GroupDef.in_profile`).
PROFILE_GROUPS: tuple[GroupDef, ...] = tuple(g for g in GROUPS if g.in_profile)
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
           "Drie verschillende CBS-groepen, elk met zijn eigen definitie (zie 'De groepen'); "
           "aantallen huishoudens afgeleid als aandeel × aantal particuliere huishoudens / 100."),
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
#: any group, so leaving them out changes D by at most that share (the note of each row
#: states the bound, rounded up to two decimals); above it, the index is NaN as
#: :mod:`wijkanalyse.segregatie.indices` decides for suppressed counts. CBS suppresses figures
#: of tiny buurten (a few dozen dwellings or inhabitants), which would otherwise make the index
#: of a whole gemeente unknown (Amsterdam 2019: 35 buurten without a bijstand count hold 705
#: inhabitants, 1,7% of the 40.340 persons with bijstand: D changes by at most 0,02).
MAX_SUPPRESSED_SHARE = 0.05
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
    "redistribution", "n_units_from", "n_units_to", "n_matched", "n_used", "source", "note",
    "reason")
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
