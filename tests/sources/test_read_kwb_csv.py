"""Tests of the KWB CSV readers (wijkanalyse.sources.kwb_csv) on the real files in ../shared/data.

Pinned figures were read from the files by hand (grep): e.g. Den Haag 2019 GM0518 has 537833
inhabitants, Nederland 2024 (NL00) 17942942. Broken or small files are *generated* in tmp_path;
no real data is copied into the repository.
"""

from __future__ import annotations

import math
import time
from importlib import resources
from pathlib import Path

import pytest
import yaml

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import kwb_csv as read_kwb_csv
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import REGION_COLUMNS, VALUE_COLUMNS, SourceTable

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KWB = DATA / "kwb"

pytestmark = pytest.mark.skipif(not KWB.is_dir(), reason="../shared/data is not available")

#: The three seed indicators of the catalogue, fixed here so that the tests do not depend on
#: how far data/indicators.yaml has been extended.
SEED_INDICATORS = [
    {"id": "a_inw", "label": "Aantal inwoners", "unit": "aantal", "domain": "bevolking",
     "kind": "count", "headers": ["Bevolking/Aantal inwoners (aantal)"],
     "odata_keys": ["AantalInwoners_5"], "aliases": ["population"]},
    {"id": "a_woning", "label": "Woningvoorraad", "unit": "aantal", "domain": "wonen",
     "kind": "count",
     "headers": ["Wonen/Woningvoorraad (aantal)", "Wonen en vastgoed/Woningvoorraad (aantal)"],
     "odata_keys": ["84583NED:Woningvoorraad_34", "85984NED:Woningvoorraad_35"]},
    {"id": "p_wcorpw", "label": "Huurwoningen in bezit van woningcorporaties", "unit": "%",
     "domain": "wonen", "kind": "rate", "base": "a_woning",
     "headers": ["Wonen/Woningen naar eigendom/Huurwoningen/In bezit woningcorporatie (%)"],
     "odata_keys": ["84583NED:InBezitWoningcorporatie_42"]},
]
#: Test-only indicators (ids prefixed t_) for behaviour the seed does not cover.
EXTRA_INDICATORS = [
    {"id": "t_hhgr", "label": "Gemiddelde huishoudensgrootte", "unit": "aantal",
     "domain": "huishoudens", "kind": "mean", "base": "a_inw",
     "headers": ["Bevolking/Particuliere huishoudens/Gemiddelde huishoudensgrootte (aantal)"],
     "odata_keys": ["GemiddeldeHuishoudensgrootte_32"]},
    {"id": "t_ink_inw", "label": "Gemiddeld inkomen per inwoner", "unit": "x 1 000 euro",
     "domain": "inkomen", "kind": "mean", "base": "a_inw",
     "headers": ["Inkomen/Inkomen van personen/Gemiddeld inkomen per inwoner (x 1 000 euro)"]},
    {"id": "t_hh_tot", "label": "Huishoudens totaal", "unit": "aantal", "domain": "huishoudens",
     "kind": "count", "odata_keys": ["84583NED:HuishoudensTotaal_28"]},
]


def _meta_columns() -> dict:
    text = resources.files("wijkanalyse").joinpath("data/indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)["meta_columns"]


@pytest.fixture(scope="module")
def seed() -> Catalogue:
    return parse_catalogue({"meta_columns": _meta_columns(), "indicators": SEED_INDICATORS})


@pytest.fixture(scope="module")
def extended() -> Catalogue:
    return parse_catalogue({"meta_columns": _meta_columns(),
                            "indicators": SEED_INDICATORS + EXTRA_INDICATORS})


def read_one(path: Path, catalogue: Catalogue) -> SourceTable:
    tables = read_kwb_csv.read(path, catalogue=catalogue, context=ReadContext())
    assert len(tables) == 1
    return tables[0]


def value_of(table: SourceTable, code_or_name: str, indicator: str, *, by: str = "code"):
    """(value, missing_reason) of one region and indicator."""
    merged = table.values.merge(table.regions, on=["region_key", "year"])
    hit = merged[(merged[by] == code_or_name) & (merged["indicator_id"] == indicator)]
    assert len(hit) == 1, (code_or_name, indicator, len(hit))
    row = hit.iloc[0]
    return row["value"], row["missing_reason"]


def region(table: SourceTable, code: str) -> dict:
    hit = table.regions[table.regions["code"] == code]
    assert len(hit) == 1
    return hit.iloc[0].to_dict()


# --------------------------------------------------------------------------- sniff

EXPECTED_LAYOUTS = {
    "kwb_2015_amsterdam_income_statline_export.csv": "statline_csv_names",
    "kwb_2016_2020_heerlen.sqlite": None,
    "kwb_2017_amsterdam_statline_export.csv": "r_csv",
    "kwb_2019_amsterdam_statline_export.csv": "r_csv",
    "kwb_2019_denhaag_statline_export.csv": "statline_csv",
    "kwb_2019_gemeenten_population_subset.csv": "gemeenten_subset_csv",
    "kwb_2024_nl_all_levels_herkomst.csv": None,
    "kwb_2024_nl_all_levels_pop_sex_age.csv": "statline_csv",
    "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv": "odata_csv",
    "odata_84583NED_kwb2019_denhaag_subset.csv": "odata_csv",
    "odata_84583NED_kwb2019_utrecht_subset.csv": "odata_csv",
    "odata_85984NED_kwb2024": None,
    "odata_kwb2021_amsterdam_gm_wk_bu_subset.csv": "odata_csv",
    "odata_kwb2021_denhaag_subset.csv": "odata_csv",
    "odata_kwb2021_utrecht_subset.csv": "odata_csv",
    # second collection: read by other modules (read_kwb_xlsx, read_renamed_csv, the Wijk- en
    # Buurtkaart readers) or documentation; never taken for a KWB CSV
    "kwb_2023_utrecht_cbs_xlsx.xlsx": None,
    "kwb_2024_utrecht_cbs_xlsx.xlsx": None,
    "kwb_2023_amsterdam_income_renamed.csv": None,
    "gem_2017_wijkbuurtkaart_attributes.dbf": None,
    "wijk_2017_wijkbuurtkaart_attributes.dbf": None,
    "wijk_2017_wijkbuurtkaart_metadata.shp.xml": None,
    "wijk_2023_v0_codes_names.dbf": None,
}


def test_sniff_every_kwb_file():
    found = {p.name: read_kwb_csv.sniff(p) for p in sorted(KWB.iterdir())}
    assert found == EXPECTED_LAYOUTS


@pytest.mark.parametrize("path", [
    *sorted((DATA / "ses").iterdir()),
    *sorted((DATA / "leefbaarometer").iterdir()),
    *sorted((DATA / "geo").iterdir()),
    *sorted((KWB / "odata_85984NED_kwb2024").iterdir()),
    DATA / "PROVENANCE.md",
], ids=lambda p: p.name)
def test_sniff_rejects_other_sources(path):
    assert read_kwb_csv.sniff(path) is None


def test_sniff_never_raises(tmp_path):
    binary = tmp_path / "kwb_2019_binair.csv"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    empty = tmp_path / "kwb_2019_leeg.csv"
    empty.write_bytes(b"")
    assert read_kwb_csv.sniff(tmp_path / "bestaat_niet.csv") is None
    assert read_kwb_csv.sniff(tmp_path) is None
    assert read_kwb_csv.sniff(binary) is None
    assert read_kwb_csv.sniff(empty) is None


# --------------------------------------------------------------------------- real files


def test_amsterdam_2019_r_and_odata_agree(seed):
    r = read_one(KWB / "kwb_2019_amsterdam_statline_export.csv", seed)
    o = read_one(KWB / "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv", seed)
    assert r.source.layout == "r_csv" and o.source.layout == "odata_csv"
    assert r.source.table_id == o.source.table_id == "84583NED"
    assert r.source.year == o.source.year == 2019
    assert value_of(r, "GM0363", "a_inw")[0] == value_of(o, "GM0363", "a_inw")[0] == 862965
    assert value_of(r, "GM0363", "a_woning")[0] == value_of(o, "GM0363", "a_woning")[0] == 441490
    # the two downloads are different CBS revisions: some rounded figures differ slightly
    assert value_of(r, "GM0363", "p_wcorpw")[0] == 42
    assert value_of(o, "GM0363", "p_wcorpw")[0] == 41
    # the R file also holds Nederland; the OData file does not
    assert value_of(r, "NL00", "a_inw")[0] == 17282163
    assert r.regions["level"].value_counts().to_dict() == {
        "buurt": 479, "wijk": 99, "gemeente": 1, "land": 1}
    assert o.regions["level"].value_counts().to_dict() == {"buurt": 479, "wijk": 99, "gemeente": 1}
    # R: the row-name column is metadata, NA becomes NaN with a reason
    assert "" not in {i.column for i in r.issues}
    assert value_of(r, "BU03630100", "p_wcorpw", by="code") == (
        pytest.approx(math.nan, nan_ok=True), "leeg in bron (NA)")
    assert region(r, "BU03630100")["line"] == 11
    # OData: WijkenEnBuurten holds codes, so no names; gemeente name from Gemeentenaam_1
    gm = region(o, "GM0363")
    assert gm["name"] is None and gm["gemeente_name"] == "Amsterdam" and gm["line"] == 2


def test_denhaag_2019_statline(seed):
    t = read_one(KWB / "kwb_2019_denhaag_statline_export.csv", seed)
    assert (t.source.kind, t.source.layout, t.source.table_id, t.source.year) == (
        "kwb", "statline_csv", "84583NED", 2019)
    assert t.source.label == "CBS, Kerncijfers Wijken en Buurten 2019"
    assert len(t.source.sha256) == 64
    assert value_of(t, "GM0518", "a_inw") == (537833, None)
    assert value_of(t, "GM0518", "a_woning")[0] == 259264
    assert value_of(t, "GM0518", "p_wcorpw")[0] == 31
    oost = region(t, "WK051801")
    assert oost == {"region_key": oost["region_key"], "year": 2019, "code": "WK051801",
                    "level": "wijk", "name": "Wijk 01 Oostduinen",
                    "gemeente_name": "'s-Gravenhage", "line": 3}
    assert value_of(t, "WK051801", "a_inw") == (0, None)
    value, reason = value_of(t, "WK051801", "p_wcorpw")
    assert math.isnan(value) and "'.'" in reason
    assert region(t, "GM0518")["gemeente_name"] == "'s-Gravenhage"
    assert t.regions["level"].value_counts().to_dict() == {"buurt": 114, "wijk": 44, "gemeente": 1}


def test_denhaag_decimal_point_in_statline_export(extended):
    # This StatLine export writes household size as "2.0": a decimal point, not a comma.
    t = read_one(KWB / "kwb_2019_denhaag_statline_export.csv", extended)
    assert value_of(t, "GM0518", "t_hhgr")[0] == pytest.approx(2.0)
    assert value_of(t, "WK051802", "t_hhgr")[0] == pytest.approx(1.9)


def test_amsterdam_2019_r_decimal_comma(extended):
    # The R export quotes decimal-comma numbers ("1,8"); the 2017 export uses points.
    r19 = read_one(KWB / "kwb_2019_amsterdam_statline_export.csv", extended)
    r17 = read_one(KWB / "kwb_2017_amsterdam_statline_export.csv", extended)
    o19 = read_one(KWB / "odata_84583NED_kwb2019_amsterdam_gm_wk_bu.csv", extended)
    assert value_of(r19, "GM0363", "t_hhgr")[0] == pytest.approx(1.8)
    assert value_of(o19, "GM0363", "t_hhgr")[0] == pytest.approx(1.8)
    assert r17.source.table_id == "83765NED"
    assert value_of(r17, "GM0363", "a_inw")[0] == 844947


def test_kwb_2024_nationwide(seed):
    started = time.perf_counter()
    t = read_one(KWB / "kwb_2024_nl_all_levels_pop_sex_age.csv", seed)
    seconds = time.perf_counter() - started
    assert seconds < 3.0, f"read took {seconds:.2f} s"
    assert (t.source.layout, t.source.table_id, t.source.year) == ("statline_csv", "85984NED", 2024)
    assert len(t.regions) == 18310
    assert t.regions["level"].value_counts().to_dict() == {
        "land": 1, "gemeente": 342, "wijk": 3393, "buurt": 14574}
    assert value_of(t, "NL00", "a_inw") == (17942942, None)
    nl = region(t, "NL00")
    assert (nl["name"], nl["gemeente_name"], nl["line"]) == ("Nederland", None, 2)
    aa = region(t, "GM1680")  # padded in the file: "GM1680    ", "Aa en Hunze      ..."
    assert (aa["name"], aa["gemeente_name"], aa["line"]) == ("Aa en Hunze", "Aa en Hunze", 3)
    assert region(t, "BU16800009")["name"] == "Verspreide huizen Annen"
    assert t.regions["code"].str.strip().eq(t.regions["code"]).all()
    assert t.regions["region_key"].is_unique
    assert set(t.values["indicator_id"]) == {"a_inw"}
    assert len(t.values) == 18310
    # every column is accounted for: meta role, indicator or an unmapped_column issue
    unmapped = {i.column for i in t.issues if i.kind == "unmapped_column"}
    assert unmapped == {
        "Bevolking/Geslacht/Mannen (aantal)", "Bevolking/Geslacht/Vrouwen (aantal)",
        "Bevolking/Leeftijdsgroepen/0 tot 15 jaar (aantal)",
        "Bevolking/Leeftijdsgroepen/15 tot 25 jaar (aantal)",
        "Bevolking/Leeftijdsgroepen/25 tot 45 jaar (aantal)",
        "Bevolking/Leeftijdsgroepen/45 tot 65 jaar (aantal)",
        "Bevolking/Leeftijdsgroepen/65 jaar of ouder (aantal)",
    }


def test_odata_padded_codes_are_stripped(seed):
    t = read_one(KWB / "odata_84583NED_kwb2019_denhaag_subset.csv", seed)
    assert list(t.regions["code"][:3]) == ["GM0518", "WK051801", "BU05180170"]
    assert value_of(t, "GM0518", "a_inw")[0] == 537833
    assert value_of(t, "WK051801", "a_inw")[0] == 0
    assert t.regions["name"].isna().all()


def test_odata_2021_key_scheme(extended):
    t = read_one(KWB / "odata_kwb2021_amsterdam_gm_wk_bu_subset.csv", extended)
    assert (t.source.year, t.source.table_id) == (2021, "85039NED")
    assert value_of(t, "GM0363", "a_inw")[0] == 873338
    # 'HuishoudensTotaal_28' is only known as an 84583NED key: matched via the key scheme
    assert value_of(t, "GM0363", "t_hh_tot")[0] == 474875
    notes = [i.detail for i in t.issues if i.kind == "note"]
    assert any("84583NED" in n and "85039NED" in n for n in notes)
    value, reason = value_of(t, "GM0363", "t_hhgr")
    assert value == pytest.approx(1.8) and reason is None
    dh = read_one(KWB / "odata_kwb2021_denhaag_subset.csv", extended)
    assert value_of(dh, "GM0518", "a_inw")[0] == 548320
    ut = read_one(KWB / "odata_kwb2021_utrecht_subset.csv", extended)
    assert value_of(ut, "GM0344", "a_inw")[0] == 359370


def test_key_scheme_from_headers():
    assert read_kwb_csv.key_scheme_from_headers(["ID", "WestersTotaal_17"]) == "84583NED"
    assert read_kwb_csv.key_scheme_from_headers(["ID", " Woningvoorraad_35 "]) == "85984NED"
    assert read_kwb_csv.key_scheme_from_headers(["ID", "AantalInwoners_5"]) is None
    assert read_kwb_csv.key_scheme_from_headers(["Woningvoorraad_34", "Woningvoorraad_35"]) is None


def test_gemeenten_subset(seed):
    t = read_one(KWB / "kwb_2019_gemeenten_population_subset.csv", seed)
    assert (t.source.layout, t.source.year, t.source.table_id) == (
        "gemeenten_subset_csv", 2019, "84583NED")
    assert len(t.regions) == 355 and set(t.regions["level"]) == {"gemeente"}
    assert value_of(t, "GM0363", "a_inw")[0] == 862965  # 'population' alias
    assert value_of(t, "GM0518", "a_inw")[0] == 537833
    gm = region(t, "GM0363")
    assert (gm["name"], gm["gemeente_name"], gm["line"]) == ("Amsterdam", "Amsterdam", 111)
    assert "men" in {i.column for i in t.issues if i.kind == "unmapped_column"}


def test_2015_names_only(seed, extended):
    t = read_one(KWB / "kwb_2015_amsterdam_income_statline_export.csv", seed)
    assert (t.source.layout, t.source.year, t.source.table_id) == (
        "statline_csv_names", 2015, "83220NED")
    assert t.regions["code"].isna().all()
    assert set(t.regions["gemeente_name"]) == {"Amsterdam"}
    first = t.regions.iloc[0].to_dict()
    assert (first["name"], first["level"], first["line"]) == ("Amsterdam", "gemeente", 6)
    # 8 stadsdelen are not CBS regions: reported, not loaded
    unmatched = [i for i in t.issues if i.kind == "unmatched_name"]
    assert len(unmatched) == 8
    assert (unmatched[0].column, unmatched[0].line) == ("Stadsdeel Centrum", 7)
    assert not t.regions["name"].str.startswith("Stadsdeel").any()
    # Amsterdam's wijken carry no "Wijk NN" prefix: level unknown (wijk or buurt)
    assert len(t.regions) == 98 and t.regions["level"].isna().sum() == 97
    assert t.regions.loc[t.regions["name"] == "Spieringhorn", "line"].item() == 42
    # the seed catalogue has no income indicators: all 10 topics are reported
    assert len(t.values) == 0
    assert len([i for i in t.issues if i.kind == "unmapped_column"]) == 10

    t = read_one(KWB / "kwb_2015_amsterdam_income_statline_export.csv", extended)
    assert value_of(t, "Amsterdam", "t_ink_inw", by="name")[0] == pytest.approx(26.9)
    assert value_of(t, "Jordaan", "t_ink_inw", by="name")[0] == pytest.approx(32.2)
    value, reason = value_of(t, "Spieringhorn", "t_ink_inw", by="name")
    assert math.isnan(value) and "'.'" in reason
    assert set(t.values["source_column"]) == {
        "Inkomen|Inkomen van personen|Gemiddeld inkomen per inwoner"}


def test_herkomst_read_directly_needs_code_column(seed):
    with pytest.raises(DataFileError) as err:
        read_one(KWB / "kwb_2024_nl_all_levels_herkomst.csv", seed)
    msg = str(err.value)
    assert "kwb_2024_nl_all_levels_herkomst.csv" in msg and "regel 1" in msg
    assert "regiocodes" in msg and "Wat te doen" in msg


def test_frames_have_contract_columns(seed):
    for name, layout in EXPECTED_LAYOUTS.items():
        if layout is None:
            continue
        t = read_one(KWB / name, seed)
        assert list(t.regions.columns) == REGION_COLUMNS
        assert list(t.values.columns) == VALUE_COLUMNS
        assert t.values["region_key"].isin(t.regions["region_key"]).all()
        assert t.values["value"].dtype == "float64"
        missing = t.values["value"].isna()
        assert t.values.loc[missing, "missing_reason"].notna().all()
        assert t.values.loc[~missing, "missing_reason"].isna().all()


# --------------------------------------------------------------------------- generated files

HEADER = ["Wijken en buurten", "Regioaanduiding/Gemeentenaam (naam)",
          "Regioaanduiding/Soort regio (omschrijving)", "Regioaanduiding/Codering (code)",
          "Bevolking/Aantal inwoners (aantal)", "Wonen/Woningvoorraad (aantal)"]
ROWS = [
    ["Testdorp", "Testdorp   ", "Gemeente  ", "GM9999    ", "1200", "500"],
    ["Wijk 00 Centrum", "Testdorp   ", "Wijk      ", "WK999900  ", "700", "300"],
    ["Centrum", "Testdorp   ", "Buurt     ", "BU99990000", "700", "       ."],
]


def write_statline(path: Path, header=HEADER, rows=ROWS, *, tail: str = "\r\n") -> Path:
    """Generate a small StatLine-style CSV (BOM, ';', every field quoted, CRLF)."""
    lines = [";".join(f'"{f}"' for f in rec) for rec in [header, *rows]]
    path.write_bytes(("\ufeff" + "\r\n".join(lines) + tail).encode("utf-8"))
    return path


def test_generated_statline_ok(tmp_path, seed):
    p = write_statline(tmp_path / "kwb_2019_testdorp.csv")
    assert read_kwb_csv.sniff(p) == "statline_csv"
    t = read_one(p, seed)
    assert list(t.regions["code"]) == ["GM9999", "WK999900", "BU99990000"]
    assert list(t.regions["line"]) == [2, 3, 4]
    assert list(t.regions["gemeente_name"]) == ["Testdorp"] * 3
    value, reason = value_of(t, "BU99990000", "a_woning")
    assert math.isnan(value) and reason == "ontbreekt of geheim (CBS '.')"


def test_generated_multiline_header_and_footer(tmp_path, seed):
    header = [*HEADER[:4], "Bevolking/Aantal\ninwoners (aantal)", HEADER[5]]
    p = write_statline(tmp_path / "kwb_2019_multiline.csv", header, tail='\r\n"Bron: CBS"\r\n')
    t = read_one(p, seed)
    assert list(t.regions["line"]) == [3, 4, 5]  # the header takes lines 1-2
    assert value_of(t, "GM9999", "a_inw") == (1200, None)
    assert set(t.values["source_column"]) == {"Bevolking/Aantal inwoners (aantal)",
                                              "Wonen/Woningvoorraad (aantal)"}


def test_generated_decimal_comma(tmp_path, extended):
    header = [*HEADER, "Bevolking/Particuliere huishoudens/Gemiddelde huishoudensgrootte (aantal)"]
    rows = [[*r, v] for r, v in zip(ROWS, ["2,5", "1,9", "."], strict=True)]
    t = read_one(write_statline(tmp_path / "kwb_2019_komma.csv", header, rows), extended)
    assert value_of(t, "GM9999", "t_hhgr")[0] == pytest.approx(2.5)
    assert value_of(t, "WK999900", "t_hhgr")[0] == pytest.approx(1.9)
    rows[1][-1] = "1.9"
    with pytest.raises(DataFileError) as err:
        read_one(write_statline(tmp_path / "kwb_2019_gemengd.csv", header, rows), extended)
    assert "regel 3" in str(err.value) and "huishoudensgrootte" in str(err.value)


def test_generated_r_layout(tmp_path, seed):
    header = ["", "Wijken.en.buurten", "Regioaanduiding.Soort.regio..omschrijving.",
              "Regioaanduiding.Codering..code.", "Bevolking.Aantal.inwoners..aantal."]
    text = ",".join(f'"{h}"' for h in header) + "\n" + "\n".join([
        '"1","Testdorp","Gemeente  ","GM9999    ",1200',
        '"2","Wijk 00 Centrum","Wijk      ","WK999900  ",NA',
    ]) + "\n"
    p = tmp_path / "kwb_2017_r.csv"
    p.write_text(text, encoding="utf-8")
    assert read_kwb_csv.sniff(p) == "r_csv"
    t = read_one(p, seed)
    assert value_of(t, "GM9999", "a_inw") == (1200, None)
    value, reason = value_of(t, "WK999900", "a_inw")
    assert math.isnan(value) and reason == "leeg in bron (NA)"


def broken(tmp_path: Path, name: str, seed: Catalogue, **kw) -> str:
    with pytest.raises(DataFileError) as err:
        read_one(write_statline(tmp_path / name, **kw), seed)
    msg = str(err.value)
    assert name in msg and "Wat te doen" in msg
    return msg


def test_truncated_last_row(tmp_path, seed):
    path = write_statline(tmp_path / "kwb_2019_afgekapt.csv")
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rindex(b'"       ."') - 1])  # cut inside the last row
    with pytest.raises(DataFileError) as err:
        read_one(path, seed)
    msg = str(err.value)
    assert "kwb_2019_afgekapt.csv" in msg and "regel 4" in msg and "afgekapt" in msg
    assert "'Wonen/Woningvoorraad (aantal)'" in msg


def test_unterminated_quote(tmp_path, seed):
    path = write_statline(tmp_path / "kwb_2019_quote.csv")
    raw = path.read_bytes()
    path.write_bytes(raw[: raw.rindex(b'"       ."') + 4])  # '"   ' left open
    with pytest.raises(DataFileError) as err:
        read_one(path, seed)
    msg = str(err.value)
    assert "kwb_2019_quote.csv" in msg and "regel 4" in msg and "aanhalingsteken" in msg


def test_extra_field(tmp_path, seed):
    rows = [ROWS[0], [*ROWS[1], "5"], ROWS[2]]
    msg = broken(tmp_path, "kwb_2019_extra.csv", seed, rows=rows)
    assert "regel 3" in msg and "kolom 7" in msg and "7 velden" in msg


def test_missing_field_in_the_middle(tmp_path, seed):
    rows = [ROWS[0], ROWS[1][:5], ROWS[2]]
    msg = broken(tmp_path, "kwb_2019_kort.csv", seed, rows=rows)
    assert "regel 3" in msg and "'Wonen/Woningvoorraad (aantal)'" in msg


def test_bad_cell(tmp_path, seed):
    rows = [ROWS[0], ROWS[1], [*ROWS[2][:4], "12a", ROWS[2][5]]]
    msg = broken(tmp_path, "kwb_2019_cel.csv", seed, rows=rows)
    assert "regel 4" in msg and "'Bevolking/Aantal inwoners (aantal)'" in msg and "'12a'" in msg


def test_unknown_year(tmp_path, seed):
    msg = broken(tmp_path, "wijken_export.csv", seed)
    assert "regel 1" in msg and "bestandsnaam" in msg


def test_invalid_code(tmp_path, seed):
    rows = [ROWS[0], [*ROWS[1][:3], "WK99X", *ROWS[1][4:]], ROWS[2]]
    msg = broken(tmp_path, "kwb_2019_code.csv", seed, rows=rows)
    assert "regel 3" in msg and "'Regioaanduiding/Codering (code)'" in msg and "'WK99X'" in msg


def test_empty_code(tmp_path, seed):
    rows = [ROWS[0], [*ROWS[1][:3], "   ", *ROWS[1][4:]], ROWS[2]]
    msg = broken(tmp_path, "kwb_2019_geencode.csv", seed, rows=rows)
    assert "regel 3" in msg and "ontbreekt" in msg


def test_duplicate_code(tmp_path, seed):
    rows = [ROWS[0], ROWS[1], [*ROWS[2][:3], "WK999900", *ROWS[2][4:]]]
    msg = broken(tmp_path, "kwb_2019_dubbel.csv", seed, rows=rows)
    assert "regel 4" in msg and "regel 3" in msg and "WK999900" in msg


def test_soort_regio_contradicts_code(tmp_path, seed):
    rows = [ROWS[0], [ROWS[1][0], ROWS[1][1], "Buurt     ", *ROWS[1][3:]], ROWS[2]]
    msg = broken(tmp_path, "kwb_2019_soort.csv", seed, rows=rows)
    assert "regel 3" in msg and "'Regioaanduiding/Soort regio (omschrijving)'" in msg


def test_missing_code_column(tmp_path, seed):
    header = [h for i, h in enumerate(HEADER) if i != 3]
    rows = [[f for i, f in enumerate(r) if i != 3] for r in ROWS]
    path = write_statline(tmp_path / "kwb_2019_zondercode.csv", header, rows)
    assert read_kwb_csv.sniff(path) is None
    with pytest.raises(DataFileError, match="regiocodes ontbreekt"):
        read_one(path, seed)


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file(tmp_path, seed, content):
    path = tmp_path / "kwb_2019_leeg.csv"
    path.write_bytes(content)
    with pytest.raises(DataFileError, match="leeg") as err:
        read_one(path, seed)
    assert "kwb_2019_leeg.csv" in str(err.value)


def test_header_only(tmp_path, seed):
    msg = broken(tmp_path, "kwb_2019_kop.csv", seed, rows=[])
    assert "geen gegevensregels" in msg and "regel 1" in msg
