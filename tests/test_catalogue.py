"""The packaged indicator catalogue: it loads, covers every column of the real source files and
matches one indicator under every layout's spelling of its column name."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from wijkanalyse.catalogue import (
    DOMAINS,
    KINDS,
    Catalogue,
    header_key,
    load_catalogue,
    parse_catalogue,
)
from wijkanalyse.cbstables import KWB_TABLES, table_id_from_name, year_from_name
from wijkanalyse.errors import CatalogueError
from wijkanalyse.sources.gezondheid import COLUMNS, NOT_LOADED
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sources.renamed_csv import find_map, packaged_column_maps

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
KWB = DATA / "kwb"
PACKAGED_YAML = (Path(__file__).resolve().parents[1] / "src" / "wijkanalyse" / "data"
                 / "indicators.yaml")

needs_data = pytest.mark.skipif(not KWB.is_dir(), reason="shared/data ontbreekt")


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


# ---------------------------------------------------------------------------------------------
# helpers: the column names of each source file, as a reader sees them


def _statline_columns(path: Path) -> list[str]:
    return list(pd.read_csv(path, sep=";", encoding="utf-8-sig", nrows=0).columns)


def _r_columns(path: Path) -> list[str]:
    return list(pd.read_csv(path, nrows=0).columns)


def _table_id(path: Path) -> str:
    """The table a reader would pass: from the name, else the KWB table of the name's year."""
    return table_id_from_name(path.name) or KWB_TABLES[year_from_name(path)]


def _topic_paths_2024() -> dict[str, str]:
    """OData key -> "TopicGroup/.../Title (Unit)" for every Topic of 85984NED."""
    props = json.loads((KWB / "odata_85984NED_kwb2024" / "DataProperties.json")
                       .read_text("utf-8-sig"))
    by_id = {p["ID"]: p for p in props}
    out = {}
    for p in props:
        if p["Type"] != "Topic":
            continue
        titles = [p["Title"]]
        node = p
        while node.get("ParentID") is not None:
            node = by_id[node["ParentID"]]
            titles.append(node["Title"])
        out[p["Key"]] = "/".join(t.strip() for t in reversed(titles)) + f" ({p['Unit']})"
    return out


def _unmatched(cat: Catalogue, columns: list[str], table_id: str | None = None) -> list[str]:
    return [c for c in columns
            if cat.match(c, table_id=table_id) is None and cat.meta_role(c) is None]


# Deliberate exclusions: none. Every column of every file below is an indicator or a region
# (meta) column; add a commented entry here if a file ever carries a column we choose to drop.
EXCLUDED: dict[str, set[str]] = {}


def _assert_covered(cat: Catalogue, name: str, columns: list[str],
                    table_id: str | None = None) -> None:
    assert columns, f"{name}: geen kolommen gelezen"
    missing = [c for c in _unmatched(cat, columns, table_id) if c not in EXCLUDED.get(name, set())]
    assert not missing, f"{name}: {len(missing)} kolommen zonder indicator of rol:\n" + "\n".join(
        repr(c) for c in missing)


# ---------------------------------------------------------------------------------------------
# (1) the packaged catalogue loads


def test_packaged_catalogue_loads(cat: Catalogue) -> None:
    # 155 + 22 of the Wijk- en Buurtkaart + 11 of the second collection (xlsx, Politie, RIVM)
    # + 11 shares computed from their counts and 1 computed sum (computed: true, no columns)
    assert len(cat) == 200
    assert sum(i.computed for i in cat) == 12
    assert {"a_inw", "a_woning", "p_wcorpw", "g_ink_pi", "p_hh_li", "lbm", "ses_woa"} <= set(
        i.id for i in cat)
    for ind in cat:
        assert ind.label and ind.description, ind.id
        assert ind.domain in DOMAINS and ind.kind in KINDS, ind.id
        if ind.computed:  # never in a file: no column names at all
            assert not (ind.aliases or ind.headers or ind.odata_keys), ind.id
            assert ind.id.endswith("_afgeleid") and (ind.numerator or ind.sum_of), ind.id
        else:
            assert ind.id in ind.aliases, f"{ind.id}: kwb-kolomnaam ontbreekt als alias"
    # the same file loaded from a path gives the same catalogue
    again = load_catalogue(PACKAGED_YAML)
    assert set(again.indicators) == set(cat.indicators)


def test_every_domain_is_used(cat: Catalogue) -> None:
    assert {i.domain for i in cat} == set(DOMAINS)


# ---------------------------------------------------------------------------------------------
# (2) every column of every source file is an indicator or a region column

STATLINE_FILES = [
    "kwb_2019_denhaag_statline_export.csv",
    "kwb_2024_nl_all_levels_pop_sex_age.csv",
    "kwb_2024_nl_all_levels_herkomst.csv",
]
R_FILES = ["kwb_2017_amsterdam_statline_export.csv", "kwb_2019_amsterdam_statline_export.csv"]
ODATA_FILES = [
    "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv",
    "odata_84583NED_kwb2019_denhaag_subset.csv",
    "odata_84583NED_kwb2019_utrecht_subset.csv",
    "odata_kwb2021_amsterdam_gm_wk_bu_subset.csv",
    "odata_kwb2021_denhaag_subset.csv",
    "odata_kwb2021_utrecht_subset.csv",
]


@needs_data
@pytest.mark.parametrize("name", STATLINE_FILES)
def test_statline_export_covered(cat: Catalogue, name: str) -> None:
    _assert_covered(cat, name, _statline_columns(KWB / name))


@needs_data
def test_statline_2019_denhaag_has_all_107_columns(cat: Catalogue) -> None:
    cols = _statline_columns(KWB / "kwb_2019_denhaag_statline_export.csv")
    assert len(cols) == 107
    matched = [c for c in cols if cat.match(c)]
    assert len(matched) == 102  # + name, gemeentenaam, soort regio, codering, indelingswijziging
    assert len({cat.match(c) for c in matched}) == 102  # no two columns on one indicator


@needs_data
@pytest.mark.parametrize("name", R_FILES)
def test_r_export_covered(cat: Catalogue, name: str) -> None:
    cols = _r_columns(KWB / name)
    _assert_covered(cat, name, cols)
    ids = [cat.match(c) for c in cols if cat.match(c)]
    assert len(ids) == len(set(ids)), f"{name}: twee kolommen op dezelfde indicator"


@needs_data
def test_r_export_2017_crime_and_car_age(cat: Catalogue) -> None:
    cols = _r_columns(KWB / "kwb_2017_amsterdam_statline_export.csv")
    ids = {cat.match(c) for c in cols}
    assert {"g_wodief", "g_vernoo", "g_gewsek", "a_lftj6j", "a_lfto6j", "p_n_act"} <= ids
    assert cat.meta_role(cols[0]) == "row_id"  # R's unnamed row-number column


@needs_data
def test_sqlite_tables_covered(cat: Catalogue) -> None:
    con = sqlite3.connect(KWB / "kwb_2016_2020_heerlen.sqlite")
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        assert len(tables) == 5
        for t in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{t}")')]
            _assert_covered(cat, t, cols)
            ids = [cat.match(c) for c in cols if cat.match(c)]
            assert len(ids) == len(set(ids)), f"{t}: twee kolommen op dezelfde indicator"
            assert len(ids) == len(cols) - 2  # Wijk_Buurt + indelingswijziging are meta
        # pinned: Heerlen gemeente 2019, found through the matched column
        cols19 = [r[1] for r in con.execute(
            'PRAGMA table_info("Kerncijfers_wijken_en_buurten_2019_pp")')]
        inw = next(c for c in cols19 if cat.match(c) == "a_inw")
        name = next(c for c in cols19 if cat.meta_role(c) == "name")
        row = con.execute(f'SELECT "{inw}" FROM "Kerncijfers_wijken_en_buurten_2019_pp" '
                          f'WHERE "{name}" = ?', ("Heerlen",)).fetchone()
        assert row[0] == 86832
    finally:
        con.close()


@needs_data
def test_income_2015_pipe_paths_covered(cat: Catalogue) -> None:
    path = KWB / "kwb_2015_amsterdam_income_statline_export.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    header, units = rows[3], rows[4]
    # The region column has an empty topic header; its label is in the unit row.
    assert header[0] == "" and units[0] == "Wijken en buurten"
    cols = [units[0]] + header[1:]
    _assert_covered(cat, path.name, cols)
    assert [cat.match(c) for c in header[1:]] == [
        "a_inkont", "g_ink_po", "g_ink_pi", "p_ink_li", "p_ink_hi", "p_n_act", "p_hh_li",
        "p_hh_hi", "p_hh_lkk", "p_hh_osm"]


@needs_data
@pytest.mark.parametrize("name", ODATA_FILES)
def test_odata_csv_covered(cat: Catalogue, name: str) -> None:
    path = KWB / name
    table_id = _table_id(path)
    cols = _statline_columns(path)
    _assert_covered(cat, name, cols, table_id=table_id)


@needs_data
def test_odata_2021_subset_matches_through_plain_keys(cat: Catalogue) -> None:
    # 2021 data with 84583NED keys: a reader passes the 2021 table 85039NED, so every key must
    # also match unqualified.
    path = KWB / "odata_kwb2021_amsterdam_gm_wk_bu_subset.csv"
    assert _table_id(path) == "85039NED"
    cols = _statline_columns(path)
    ids = [cat.match(c, table_id="85039NED") for c in cols[4:]]
    assert ids == ["a_inw", "a_man", "a_vrouw", "a_00_14", "a_15_24", "a_25_44", "a_45_64",
                   "a_65_oo", "a_w_all", "a_nw_all", "a_hh", "a_1p_hh", "a_hh_z_k", "a_hh_m_k",
                   "g_hhgro", "a_opl_lg", "a_opl_md", "a_opl_hg"]


@needs_data
def test_all_116_odata_keys_of_84583ned(cat: Catalogue) -> None:
    cols = _statline_columns(KWB / "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv")
    keys = cols[6:]
    assert keys[0] == "AantalInwoners_5" and keys[-1] == "Omgevingsadressendichtheid_116"
    assert len(keys) == 112  # AantalInwoners_5 .. Omgevingsadressendichtheid_116
    ids = [cat.match(k, table_id="84583NED") for k in keys]
    assert None not in ids and len(set(ids)) == 112


@needs_data
def test_2024_dataproperties_topics_covered(cat: Catalogue) -> None:
    paths = _topic_paths_2024()
    assert len(paths) == 128  # keys _1 .. _128: 4 region topics + 124 values
    _assert_covered(cat, "DataProperties.json", list(paths.values()))
    value_ids = []
    for key, path in paths.items():
        by_path = cat.match(path)
        if by_path is None:
            assert cat.meta_role(path) is not None, path
            continue
        # the table-qualified key gives the same indicator as the header path
        assert cat.match(key, table_id="85984NED") == by_path, (key, path)
        value_ids.append(by_path)
    assert len(value_ids) == 124 and len(set(value_ids)) == 124


@needs_data
def test_2024_stripped_json_keys(cat: Catalogue) -> None:
    data = json.loads((KWB / "odata_85984NED_kwb2024" / "stripped_filtered_data_2024.json")
                      .read_text("utf-8-sig"))
    amsterdam = {cat.match(k, table_id="85984NED"): v for k, v in data["GM0363"].items()}
    assert amsterdam == {"a_inw": 931298, "a_man": 460766, "a_vrouw": 470532, "bev_dich": 4950,
                         "a_woning": 480852, "a_opp_ha": 24365, "a_lan_ha": 18812,
                         "a_wat_ha": 5553}


@needs_data
def test_gemeenten_subset_aliases(cat: Catalogue) -> None:
    cols = list(pd.read_csv(KWB / "kwb_2019_gemeenten_population_subset.csv", nrows=0).columns)
    _assert_covered(cat, "kwb_2019_gemeenten_population_subset.csv", cols)
    assert [cat.match(c) for c in cols[2:]] == [
        "a_inw", "a_man", "a_vrouw", "a_00_14", "a_15_24", "a_25_44", "a_45_64", "a_65_oo",
        "a_ongeh", "a_gehuwd", "a_gesch", "a_verwed"]
    assert cat.meta_role("region") == "name" and cat.meta_role("unique_id") == "code"


@needs_data
def test_leefbaarometer_covered(cat: Catalogue) -> None:
    path = DATA / "leefbaarometer" / "lbm3_scores_wijken_2002_2024_selection.csv"
    cols = list(pd.read_csv(path, nrows=0).columns)
    _assert_covered(cat, path.name, cols)
    assert [cat.match(c) for c in cols[3:]] == [
        "lbm", "lbm_afw", "lbm_fys", "lbm_onv", "lbm_soc", "lbm_vrz", "lbm_won"]
    assert [cat.meta_role(c) for c in cols[:3]] == ["code", "name", "period"]
    for ind_id in ("lbm", "lbm_afw", "lbm_won"):
        assert cat[ind_id].better == "higher" and cat[ind_id].kind == "score"


@needs_data
def test_ses_woa_covered(cat: Catalogue) -> None:
    path = DATA / "ses" / "ses_woa_2019_amsterdam_gm_wk_bu.csv"
    cols = _statline_columns(path)
    _assert_covered(cat, path.name, cols)
    assert [cat.meta_role(c) for c in cols[:3]] == ["period", "name", "code"]
    assert [cat.match(c) for c in cols[3:]] == [
        "ses_a_hh", "ses_p_opl_lg", "ses_p_opl_md", "ses_p_opl_hg", "ses_woa", "ses_woa_spr"]


@needs_data
def test_every_indicator_occurs_in_some_source(cat: Catalogue) -> None:
    """No orphans: each indicator is the match of at least one real column or 2024 topic."""
    seen: set[str] = set()

    def add(columns: list[str], table_id: str | None = None) -> None:
        seen.update(i for i in (cat.match(c, table_id=table_id) for c in columns) if i)

    for name in STATLINE_FILES:
        add(_statline_columns(KWB / name))
    for name in R_FILES:
        add(_r_columns(KWB / name))
    for name in ODATA_FILES:
        add(_statline_columns(KWB / name), _table_id(KWB / name))
    add(list(_topic_paths_2024().values()))
    con = sqlite3.connect(KWB / "kwb_2016_2020_heerlen.sqlite")
    try:
        for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            add([r[1] for r in con.execute(f'PRAGMA table_info("{t}")')])
    finally:
        con.close()
    add(list(pd.read_csv(KWB / "kwb_2019_gemeenten_population_subset.csv", nrows=0).columns))
    add(list(pd.read_csv(DATA / "leefbaarometer" / "lbm3_scores_wijken_2002_2024_selection.csv",
                         nrows=0).columns))
    add(_statline_columns(DATA / "ses" / "ses_woa_2019_amsterdam_gm_wk_bu.csv"))
    add(_wbk_columns())
    for name in XLSX_FILES:
        add(_xlsx_columns(KWB / name))
    seen.update(_politie_indicators(cat))
    seen.update(COLUMNS.values())
    for cmap in packaged_column_maps():
        seen.update(cmap.indicators.values())
    computed = {i.id for i in cat if i.computed}  # computed from counts, never read
    assert set(cat.indicators) - seen == computed
    # and every count they are computed from does occur in a source
    assert {cat[i].numerator for i in computed if cat[i].numerator} <= seen
    assert {p for i in computed for p in cat[i].sum_of} <= seen


def _wbk_columns() -> list[str]:
    """Attribute names of the Wijk- en Buurtkaart files (DBF fields and GeoJSON properties)."""
    from wijkanalyse.sources.wbk_dbf import parse_header

    cols: list[str] = []
    for dbf in sorted(KWB.glob("*.dbf")):
        cols += [f.name for f in parse_header(dbf, dbf.read_bytes(), size=None).fields]
    by_folder: dict[Path, Path] = {}  # the files of one folder share their properties
    for gj in sorted((DATA / "geo" / "wijkbuurtkaart_2015").rglob("*.geojson")):
        by_folder.setdefault(gj.parent, gj)
    for gj in by_folder.values():
        doc = json.loads(gj.read_text("utf-8"))
        cols += list(doc["features"][0]["properties"])
    return cols


# ---------------------------------------------------------------------------------------------
# (2b) the layouts of the second collection (readers-a): kwb-xlsx, renamed CSV, Politie, RIVM

XLSX_FILES = ["kwb_2023_utrecht_cbs_xlsx.xlsx", "kwb_2024_utrecht_cbs_xlsx.xlsx"]
POLITIE_FILES = ["politie_47013NED_misdrijven_gemeente_2022_2023.csv",
                 "politie_47013NED_misdrijven_gemeente_2024.csv"]


def _xlsx_columns(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [str(h) for h in next(wb.worksheets[0].iter_rows(max_row=1, values_only=True))]
    finally:
        wb.close()


def _politie_indicators(cat: Catalogue) -> set[str]:
    from wijkanalyse.sources.politie import read

    out = set()
    for name in POLITIE_FILES:
        table = read(DATA / "crime" / name, catalogue=cat, context=ReadContext())[0]
        assert not [i for i in table.issues if i.kind == "unmapped_column"], name
        out.update(table.values["indicator_id"])
    return out


@needs_data
@pytest.mark.parametrize("name", XLSX_FILES)
def test_kwb_xlsx_covered(cat: Catalogue, name: str) -> None:
    cols = _xlsx_columns(KWB / name)
    assert len(cols) == 121
    _assert_covered(cat, name, cols)
    roles = {c: cat.meta_role(c) for c in cols[:7]}
    assert roles == {"gwb_code_10": "code", "gwb_code_8": "code", "regio": "name",
                     "gm_naam": "gemeente_name", "recs": "level", "gwb_code": "code",
                     "ind_wbi": "indelingswijziging"}
    ids = [cat.match(c) for c in cols[7:]]
    assert None not in ids and len(set(ids)) == 114  # no two columns on one indicator
    assert cat.match("g_wozbag") == "g_woz" and cat["g_woz"].unit == "x 1 000 euro"
    assert cat["g_ink_pi"].unit == "x 1 000 euro"


def test_peiljaar_recorded(cat: Catalogue) -> None:
    """The year a KWB variable describes, where it differs from the edition (CBS toelichting)."""
    assert cat["g_woz"].reference_year(2023) == 2022  # waardepeildatum 1 januari 2022
    assert cat["a_lan_ha"].reference_year(2023) == 2017  # Bestand Bodemgebruik 2017
    assert cat["a_wat_ha"].reference_year(2021) == 2015
    assert cat["a_inw"].reference_year(2023) == 2023 and cat["a_inw"].peiljaar is None
    assert "december" in cat["a_soz_wb"].peiljaar["note"]
    assert "1 oktober" in cat["a_opl_hg"].peiljaar["note"]
    assert "2022/'23" in cat["g_afs_sc"].peiljaar["note"]


@pytest.mark.parametrize("bad, match", [
    ({"offset": -1}, "note"),
    ({"note": "x", "offset": "een"}, "offset"),
    ({"note": "x", "editions": {"2023": 2017}}, "editions"),
    ({"note": "x", "jaar": 2017}, "onbekende velden"),
    ({"note": "x", "text": "waardepeildatum 1 januari"}, "peiljaar.text"),
])
def test_peiljaar_validated(tmp_path: Path, bad: dict, match: str) -> None:
    data = _packaged_data()
    _entry(data, "g_woz")["peiljaar"] = bad
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, data))


@needs_data
def test_renamed_csv_covered_by_its_column_map(cat: Catalogue) -> None:
    path = KWB / "kwb_2023_amsterdam_income_renamed.csv"
    cols = _statline_columns(path)
    cmap = find_map(cols)
    assert cmap is not None and cmap.name == "kwb2023_inkomen_en"
    assert set(cols) == set(cmap.roles) | set(cmap.indicators)  # every column accounted for
    assert set(cmap.indicators.values()) <= set(cat.indicators)
    assert cmap.roles == {"District_Type": "name", "Municipality_Name": "gemeente_name",
                          "Area_Code": "code"}
    # the renamed headers are never matched by the catalogue itself (no guessing)
    assert _unmatched(cat, list(cmap.indicators)) == list(cmap.indicators)


@needs_data
def test_politie_columns_covered(cat: Catalogue) -> None:
    assert _politie_indicators(cat) == {"pol_misd_tot"}
    assert cat["pol_misd_tot"].kind == "count" and cat["pol_misd_tot"].domain == "veiligheid"


@needs_data
def test_gezondheidsmonitor_covered(cat: Catalogue) -> None:
    path = DATA / "gezondheid" / "rivm_gezondheidsmonitor_2016_wijk_eenzaamheid.csv"
    cols = list(pd.read_csv(path, nrows=0).columns)
    assert len(cols) == 19
    meta = [c for c in cols if cat.meta_role(c)]
    assert [cat.meta_role(c) for c in meta] == ["code", "name", "gemeente_code", "gemeente_name"]
    rest = [c for c in cols if c not in meta]
    # every other column is an indicator of this layout or explicitly not loaded (with reason)
    assert set(rest) == set(COLUMNS) | set(NOT_LOADED)
    assert not set(COLUMNS) & set(NOT_LOADED)
    assert set(COLUMNS.values()) <= set(cat.indicators)
    estimates = [cat[COLUMNS[c]] for c in rest if c.endswith("*")]
    assert len(estimates) == 8
    for ind in estimates:
        assert "schatting" in ind.label and ind.domain == "gezondheid en welzijn"
        assert ind.kind == "rate" and ind.base == "gzm_a_19_oo"
    # generic headers such as 'Totale bevolking' are scoped to the layout, not global aliases
    assert cat.match("Totale bevolking") is None


# ---------------------------------------------------------------------------------------------
# (3) one indicator under every layout's name

LAYOUT_NAMES = {
    "a_inw": [
        "Bevolking/Aantal inwoners (aantal)",  # StatLine export
        "Bevolking.Aantal.inwoners..aantal.",  # R-mangled
        "Bevolking_Aantal_inwoners",  # Heerlen SQLite
        ("AantalInwoners_5", "84583NED"),  # OData 2019
        ("AantalInwoners_5", "85984NED"),  # OData 2024
        "population",  # renamed subset
        "a_inw",  # kwb-xlsx short name
    ],
    "p_wcorpw": [
        "Wonen/Woningen naar eigendom/Huurwoningen/In bezit woningcorporatie (%)",
        "Wonen.Woningen.naar.eigendom.Huurwoningen.In.bezit.woningcorporatie....",
        "Wonen_Woningen_naar_eigendom_Huurwoningen_In_bezit_woningcorporatie",
        ("InBezitWoningcorporatie_42", "84583NED"),
        ("InBezitWoningcorporatie_49", "85984NED"),
        "Wonen en vastgoed/Woningen naar eigendom/Huurwoningen/In bezit woningcorporatie (%)",
    ],
    "p_hh_li": [
        "Inkomen/Inkomen van huishoudens/40% huishoudens met laagste inkomen (%)",
        "Inkomen.Inkomen.van.huishoudens.40..huishoudens.met.laagste.inkomen....",
        "Inkomen_Inkomen_van_huishoudens_40proc_huishoudens_met_laagste_inkomen",
        "Inkomen|Inkomen van huishoudens|40% huishoudens met laagste inkomen",
        ("k_40HuishoudensMetLaagsteInkomen_76", "84583NED"),
        ("k_40HuishoudensMetLaagsteInkomen_87", "85984NED"),
    ],
    "g_ink_pi": [
        "Inkomen/Inkomen van personen/Gemiddeld inkomen per inwoner\xa0 (x 1 000 euro)",
        "Inkomen.Inkomen.van.personen.Gemiddeld.inkomen.per.inwoner...x.1.000.euro.",
        "Inkomen_Inkomen_van_personen_Gemiddeld_inkomen_per_inwoner\xa0",
        "Inkomen|Inkomen van personen|Gemiddeld inkomen per inwoner ",
        ("GemiddeldInkomenPerInwoner_72", "84583NED"),
        ("GemiddeldInkomenPerInwoner_83", "85984NED"),
    ],
    "a_soz_wb": [
        "Sociale zekerheid/Personen per soort uitkering; Bijstand (aantal)",
        "Sociale.zekerheid.Personen.per.soort.uitkering..Bijstand..aantal.",
        "Sociale_zekerheid_Personen_per_soort_uitkering_Bijstand",
        ("PersonenPerSoortUitkeringBijstand_83", "84583NED"),
        ("PersonenPerSoortUitkeringBijstand_94", "85984NED"),
    ],
    "bev_dich": [
        "Bevolking/Bevolkingsdichtheid (aantal inwoners per km²)",
        "Bevolking.Bevolkingsdichtheid..aantal.inwoners.per.km..",  # '²' lost in R
        "Bevolking_Bevolkingsdichtheid",
        ("Bevolkingsdichtheid_33", "84583NED"),
        ("Bevolkingsdichtheid_34", "85984NED"),
    ],
    "g_gas_ap": [
        "Energie/Gemiddeld aardgasverbruik/Naar woningtype/Appartement (m³)",
        "Energie.Gemiddeld.aardgasverbruik.Naar.woningtype.Appartement..m..",
        "Energie_Gemiddeld_aardgasverbruik_Naar_woningtype_Appartement",
        ("Appartement_56", "84583NED"),
        ("Appartement_62", "85984NED"),
    ],
    "g_ele_ap": [
        "Energie/Gemiddeld elektriciteitsverbruik/Naar woningtype/Appartement (kWh)",
        "Energie/Gemiddelde elektriciteitslevering/Naar woningtype/Appartement (kWh)",
        ("Appartement_48", "84583NED"),
        ("Appartement_54", "85984NED"),
    ],
    "g_woz": [
        "Wonen/Gemiddelde woningwaarde (x 1 000 euro)",
        "Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro.",
        "Wonen_Gemiddelde_woningwaarde",
        "Wonen en vastgoed/Gemiddelde WOZ-waarde van woningen (x 1 000 euro)",
        ("GemiddeldeWoningwaarde_35", "84583NED"),
        ("GemiddeldeWOZWaardeVanWoningen_39", "85984NED"),
        "g_wozbag",
    ],
}


@pytest.mark.parametrize("ind_id", sorted(LAYOUT_NAMES))
def test_same_indicator_in_every_layout(cat: Catalogue, ind_id: str) -> None:
    for name in LAYOUT_NAMES[ind_id]:
        column, table = (name, None) if isinstance(name, str) else name
        assert cat.match(column, table_id=table) == ind_id, (column, table)


def test_generic_energy_keys_need_their_table(cat: Catalogue) -> None:
    # "Appartement_54" is electricity in 2024 but electricity of an owner-occupied house was
    # EigenWoning_54 in 2019: without a table the generic key is not guessed.
    assert cat.match("Appartement_54") is None
    assert cat.match("Appartement_54", table_id="85984NED") == "g_ele_ap"
    assert cat.match("EigenWoning_54", table_id="84583NED") == "g_ele_ko"
    assert cat.match("Appartement_56", table_id="85984NED") is None


def test_meta_roles(cat: Catalogue) -> None:
    assert cat.meta_role("Wijken en buurten") == "name"
    assert cat.meta_role("Wijken.en.buurten") == "name"
    assert cat.meta_role("Wijk_Buurt\ufeff") == "name"
    assert cat.meta_role("WijkenEnBuurten") == "code"  # OData: the region key
    assert cat.meta_role("Codering_3") == "code"
    assert cat.meta_role("Regioaanduiding.Codering..code.") == "code"
    assert cat.meta_role("Regioaanduiding_Indelingswijziging_wijken_en_buurten") == (
        "indelingswijziging")
    assert cat.meta_role("Regioaanduiding/Gemeentenaam (naam)") == "gemeente_name"
    assert cat.meta_role("SoortRegio_2") == "level"
    assert cat.meta_role("Perioden") == "period" and cat.meta_role("ID") == "row_id"
    # meta columns are never indicators
    for col in ("Wijken en buurten", "WijkenEnBuurten", "Codering_3", "Perioden"):
        assert cat.match(col) is None


@needs_data
def test_r_and_odata_2019_align_column_by_column(cat: Catalogue) -> None:
    # Same table (84583NED, Amsterdam) in two layouts with the same column order: position i
    # must give the same indicator in both.
    r = pd.read_csv(KWB / "kwb_2019_amsterdam_statline_export.csv", dtype=str)
    o = pd.read_csv(KWB / "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv", sep=";",
                    encoding="utf-8-sig", dtype=str)
    assert len(r.columns) == len(o.columns) == 118
    for rc, oc in zip(r.columns, o.columns, strict=True):
        assert cat.match(rc) == cat.match(oc, table_id="84583NED"), (rc, oc)
        assert (cat.meta_role(rc) is None) == (cat.meta_role(oc) is None), (rc, oc)
    r_inw = next(c for c in r.columns if cat.match(c) == "a_inw")
    o_inw = next(c for c in o.columns if cat.match(c, table_id="84583NED") == "a_inw")
    assert int(r[r_inw][r.iloc[:, 4].str.strip() == "GM0363"].iloc[0]) == 862965
    assert int(o[o_inw][o["Codering_3"].str.strip() == "GM0363"].iloc[0]) == 862965


@needs_data
def test_statline_and_odata_denhaag_same_numbers(cat: Catalogue) -> None:
    s = pd.read_csv(KWB / "kwb_2019_denhaag_statline_export.csv", sep=";",
                    encoding="utf-8-sig", dtype=str)
    o = pd.read_csv(KWB / "odata_84583NED_kwb2019_denhaag_subset.csv", sep=";",
                    encoding="utf-8-sig", dtype=str)
    s_cols = {cat.match(c): c for c in s.columns if cat.match(c)}
    compared = {}
    for oc in o.columns:
        ind = cat.match(oc, table_id="84583NED")
        if ind in s_cols:
            sv, ov = s[s_cols[ind]].iloc[0].strip(), o[oc].iloc[0].strip()
            assert float(sv) == float(ov), (ind, sv, ov)
            compared[ind] = float(ov)
    assert len(compared) == 15
    assert compared["a_inw"] == 537833 and compared["a_hh"] == 263371
    assert compared["g_hhgro"] == 2.0


def test_header_with_embedded_newline_matches(cat: Catalogue) -> None:
    # StatLine sometimes wraps long headers inside quotes; a newline counts as a space.
    wrapped = "Inkomen/Inkomen van huishoudens/Huish. onder of rond\nsociaal minimum (%)"
    assert header_key(wrapped) == header_key(wrapped.replace("\n", " "))
    assert cat.match(wrapped) == "p_hh_osm"


# ---------------------------------------------------------------------------------------------
# (4) weighted indicators have a count base


def test_weighted_indicators_have_count_base(cat: Catalogue) -> None:
    weighted = [i for i in cat if i.aggregation == "weighted"]
    assert len(weighted) > 60
    for ind in weighted:
        assert ind.base in cat, ind.id
        assert cat[ind.base].kind == "count", ind.id
    for ind in cat:
        if ind.aggregation != "weighted":
            assert ind.base is None, f"{ind.id}: base zonder weging"
    expected = {"p_wcorpw": "a_woning", "g_ink_pi": "a_inw", "g_ink_po": "a_inkont",
                "p_hh_li": "a_hh", "g_wodief": "a_inw", "bev_dich": "a_lan_ha",
                "g_hhgro": "a_hh", "g_afs_hp": "a_inw", "g_woz": "a_woning", "lbm": "a_inw",
                "ses_woa": "ses_a_hh", "p_ink_li": "a_inkont", "g_pau_km": "a_lan_ha"}
    assert {k: cat[k].base for k in expected} == expected


def test_directions(cat: Catalogue) -> None:
    assert cat["p_hh_li"].better == "lower" and cat["g_ink_pi"].better == "higher"
    assert cat["p_leegsw"].better == "lower" and cat["g_gewsek"].better == "lower"
    assert cat["g_afs_gs"].better == "lower" and cat["ses_woa"].better == "higher"
    assert cat["a_inw"].better is None and cat["g_woz"].better is None
    assert all(i.better is None for i in cat if i.kind in ("count", "code"))


# ---------------------------------------------------------------------------------------------
# (5) validation errors name the indicator (catalogues generated in tmp_path)


def _packaged_data() -> dict:
    return yaml.safe_load(PACKAGED_YAML.read_text("utf-8"))


def _entry(data: dict, ind_id: str) -> dict:
    return next(e for e in data["indicators"] if e["id"] == ind_id)


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "indicators.yaml"  # generated from the packaged file, then broken
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def test_generated_copy_loads(tmp_path: Path) -> None:
    assert len(load_catalogue(_write(tmp_path, _packaged_data()))) == 200


def test_unknown_domain_is_reported(tmp_path: Path) -> None:
    data = _packaged_data()
    _entry(data, "p_wcorpw")["domain"] = "klimaat"
    with pytest.raises(CatalogueError, match=r"'p_wcorpw'.*klimaat"):
        load_catalogue(_write(tmp_path, data))


def test_missing_label_is_reported(tmp_path: Path) -> None:
    data = _packaged_data()
    del _entry(data, "g_ink_pi")["label"]
    with pytest.raises(CatalogueError, match=r"'g_ink_pi'.*'label' ontbreekt"):
        load_catalogue(_write(tmp_path, data))


def test_duplicate_header_is_reported(tmp_path: Path) -> None:
    data = _packaged_data()
    _entry(data, "a_man")["headers"].append("Bevolking.Aantal.inwoners..aantal.")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, data))
    assert "'a_inw'" in str(err.value) and "'a_man'" in str(err.value)


def test_duplicate_odata_key_is_reported(tmp_path: Path) -> None:
    data = _packaged_data()
    _entry(data, "g_gas_ap")["odata_keys"].append("84583NED:Appartement_48")
    with pytest.raises(CatalogueError, match=r"'g_ele_ap'.*'g_gas_ap'"):
        load_catalogue(_write(tmp_path, data))


def test_base_must_be_a_count(tmp_path: Path) -> None:
    data = _packaged_data()
    _entry(data, "p_hh_li")["base"] = "g_hhgro"
    with pytest.raises(CatalogueError, match=r"'p_hh_li'.*count"):
        load_catalogue(_write(tmp_path, data))


# ---------------------------------------------------------------------------------------------
# (6) definition changes are recorded, not merged


def test_herkomst_split_recorded(cat: Catalogue) -> None:
    old, new = cat["a_w_all"], cat["a_eur_al"]
    assert old.valid_to == 2022 and new.valid_from == 2023
    assert old.replaced_by == "a_eur_al" and new.replaces == "a_w_all"
    assert cat["a_nw_all"].replaced_by == "a_neu_al" and cat["a_neu_al"].replaces == "a_nw_all"
    for ind_id in ("a_marok", "a_antaru", "a_suri", "a_tur", "a_ov_nw"):
        assert cat[ind_id].valid_to == 2022
    for ind_id in ("a_nl_all", "a_geb_nl", "a_gbl_ne"):
        assert cat[ind_id].valid_from == 2023
    # the two classifications never share a column name
    assert cat.match(
        "Bevolking/Personen met een migratieachtergrond/Westers totaal (aantal)") == "a_w_all"
    assert cat.match("Bevolking/Bevolking naar herkomst/Herkomstland/"
                     "Europa (exclusief Nederland)  (aantal)") == "a_eur_al"
    assert not set(old.headers) & set(new.headers)


def test_replacement_links_are_consistent(cat: Catalogue) -> None:
    for ind in cat:
        if ind.replaced_by:
            succ = cat[ind.replaced_by]
            assert succ.replaces == ind.id, ind.id
            assert ind.valid_to is not None and succ.valid_from == ind.valid_to + 1, ind.id
        if ind.replaces:
            assert cat[ind.replaces].replaced_by == ind.id, ind.id
    assert cat["p_bjj2k"].replaced_by == "p_bj_me10"
    assert cat["p_bjo2k"].replaced_by == "p_bj_mi10"


def test_definition_changes_well_formed(cat: Catalogue) -> None:
    changed = {i.id: i.definition_changes for i in cat if i.definition_changes}
    for ind_id, changes in changed.items():
        for ch in changes:
            assert {"year", "note"} <= set(ch) <= {"year", "note", "chart"}, ind_id
            assert isinstance(ch["year"], int) and 2000 < ch["year"] < 2030, ind_id
            assert isinstance(ch["note"], str) and len(ch["note"]) > 20, ind_id
    years = {ind_id: [c["year"] for c in ch] for ind_id, ch in changed.items()}
    assert 2024 in years["a_woning"]  # "Wonen" -> "Wonen en vastgoed"
    assert 2024 in years["p_bjj2k"] and 2024 in years["p_bj_mi10"]  # bouwjaarklassen
    assert 2023 in years["a_opl_lg"]  # hoogst behaald onderwijsniveau
    assert 2024 in years["p_hh_osm"] and 2024 in years["g_ele"]
    assert 2020 in years["g_afs_hp"]
    # one chart across the migratieachtergrond -> herkomst break: old and new shares, one unit
    charts = {}
    for ind_id, ch in changed.items():
        for c in ch:
            if "chart" in c:
                charts.setdefault((c["chart"], c["year"], c["note"]), []).append(ind_id)
    assert sorted(map(sorted, charts.values())) == [
        ["p_eur_al_afgeleid", "p_n_w_al", "p_neu_al_afgeleid", "p_west_al"]]
    assert {cat[i].unit for ids in charts.values() for i in ids} == {"%"}


def test_parse_catalogue_roundtrip_keeps_fields() -> None:
    data = _packaged_data()
    cat = parse_catalogue(data, origin="test")
    entry = _entry(data, "a_w_all")
    assert cat["a_w_all"].definition_changes == tuple(entry["definition_changes"])
    assert cat["a_w_all"].headers == tuple(entry["headers"])


def test_decimals_are_as_cbs_publishes_them(built_db: Path) -> None:
    """Issue 13: a figure is shown with the decimals its source publishes. Every stored value
    of the real files (not the wijken we derive from buurten) has at most the catalogue's
    ``decimals``, and a figure with decimals uses the last one somewhere (no "68,0%" for CBS's
    whole percentages). Scores are rounded for reading (the Leefbaarometer has 6 decimals)."""
    import duckdb
    import numpy as np

    cat = load_catalogue()
    con = duckdb.connect(str(built_db), read_only=True)
    try:
        rows = con.execute(
            "SELECT o.indicator_id, o.value FROM observations o JOIN sources s USING "
            "(source_id) WHERE o.value IS NOT NULL AND s.layout <> 'wbk_geojson_afgeleid'"
        ).df()
    finally:
        con.close()
    checked = {}
    for ind, group in rows.groupby("indicator_id"):
        entry = cat[str(ind)]
        if entry.kind == "score":
            continue
        dec = entry.decimals
        assert dec is not None
        scaled = group["value"].to_numpy() * 10.0 ** dec
        over = ~np.isclose(scaled, np.round(scaled), atol=1e-6)
        assert not over.any(), (ind, dec, group.loc[over, "value"].head(3).tolist())
        if dec:
            tenth = scaled / 10.0
            assert (~np.isclose(tenth, np.round(tenth), atol=1e-6)).any(), (ind, dec)
        checked[str(ind)] = dec
    # whole as CBS publishes: counts, KWB percentages, rates per 1 000, densities, WOZ
    assert all(checked[i] == 0 for i in ("a_inw", "p_wcorpw", "p_koopw", "p_00_14_jr",
                                         "g_gewsek", "bev_dich", "ste_oad", "g_woz", "g_ele"))
    # one decimal: income, income shares, distances, household size
    assert all(checked[i] == 1 for i in ("g_ink_pi", "p_hh_lkk", "p_ink_li", "g_afs_hp",
                                         "g_hhgro"))
    assert len(checked) > 150
