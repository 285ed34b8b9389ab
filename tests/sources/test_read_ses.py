"""Tests of the SES-WOA (85163NED) StatLine export reader."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from wijkanalyse.catalogue import Catalogue, parse_catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources import ses as read_ses
from wijkanalyse.sources.registry import ReadContext

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SES = DATA / "ses" / "ses_woa_2019_amsterdam_gm_wk_bu.csv"
SCORE = "SES-WOA/Totaalscore/Gemiddelde score (Getal)"
HH = "Particuliere huishoudens (Aantal)"

needs_data = pytest.mark.skipif(not SES.exists(), reason="shared/data not available")


@pytest.fixture
def catalogue() -> Catalogue:
    """A small catalogue: households, the SES-WOA score and low education."""
    return parse_catalogue({
        "meta_columns": {"name": ["Wijken en buurten"], "period": ["Perioden"],
                         "code": ["Regiocode (gemeente, wijk, buurt) (code)"]},
        "indicators": [
            {"id": "a_hh_ses", "label": "Particuliere huishoudens", "unit": "aantal",
             "domain": "huishoudens", "kind": "count", "headers": [HH]},
            {"id": "ses_woa", "label": "SES-WOA-score", "unit": "score",
             "domain": "sociaaleconomische status", "kind": "score", "base": "a_hh_ses",
             "headers": [SCORE]},
            {"id": "p_opl_laag_ses", "label": "Opleidingsniveau laag", "unit": "%",
             "domain": "onderwijs", "kind": "rate", "base": "a_hh_ses",
             "headers": ["Opleidingsniveau/Laag/Waarde (%)"]},
        ],
    })


def _value(table, code: str, indicator: str, year: int = 2019) -> tuple[float, object]:
    r = table.regions
    key = r.loc[(r["code"] == code) & (r["year"] == year), "region_key"]
    v = table.values
    hit = v[v["region_key"].isin(key) & (v["indicator_id"] == indicator)]
    assert len(hit) == 1 and int(hit["year"].iloc[0]) == year
    return float(hit["value"].iloc[0]), hit["missing_reason"].iloc[0]


_HEAD = (f'"Perioden";"Wijken en buurten";"Regiocode (gemeente, wijk, buurt) (code)";"{HH}";'
         f'"{SCORE}"')


def _write(path: Path, rows: list[str], header: str = _HEAD) -> Path:
    path.write_text("\ufeff" + "\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def test_sniff(tmp_path: Path) -> None:
    assert read_ses.sniff(_write(tmp_path / "s.csv", [])) == "ses_woa_csv"
    other = _write(tmp_path / "o.csv", [], '"Perioden";"Regiocode (gemeente, wijk, buurt) '
                   '(code)";"Inkomen (x 1 000 euro)"')
    assert read_ses.sniff(other) is None
    assert read_ses.sniff(tmp_path) is None
    if SES.exists():
        assert read_ses.sniff(SES) == "ses_woa_csv"


@needs_data
def test_real_file(catalogue: Catalogue) -> None:
    (table,) = read_ses.read(SES, catalogue=catalogue, context=ReadContext())
    r = table.regions
    assert r["level"].value_counts().to_dict() == {"buurt": 479, "wijk": 99, "gemeente": 1}
    assert (r["code"].iloc[0], r["name"].iloc[0], r["line"].iloc[0]) == ("GM0363", "Amsterdam", 2)
    assert _value(table, "GM0363", "ses_woa") == (-0.100, None)
    assert _value(table, "GM0363", "a_hh_ses") == (457_400, None)
    assert _value(table, "GM0363", "p_opl_laag_ses") == (20.8, None)
    value, reason = _value(table, "BU03639801", "ses_woa")  # "." in the file
    assert math.isnan(value) and reason == "ontbreekt of geheim (CBS '.')"
    assert _value(table, "BU03639801", "a_hh_ses") == (0, None)
    src = table.source
    assert (src.kind, src.layout, src.table_id, src.year) == ("ses", "ses_woa_csv", "85163NED",
                                                               2019)
    assert src.label == "CBS, SES-WOA scores per wijk en buurt 2019"
    assert sorted(i.column for i in table.issues if i.kind == "unmapped_column") == [
        "Opleidingsniveau/Hoog/Waarde (%)", "Opleidingsniveau/Middelbaar/Waarde (%)",
        "Spreiding/Spreiding totaal/Waarde (Getal)"]


def test_generated_several_years(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated: two years in one export.
    rows = ['"2019";"Testdorp";"GM9999    ";"  1000";"  -0.250"',
            '"2020";"Testdorp";"GM9999    ";"  1010";"       ."',
            '"2020JJ00";"Wijk 00 Kern";"WK999900  ";"   500";"   0,125"']
    (table,) = read_ses.read(_write(tmp_path / "ses.csv", rows), catalogue=catalogue,
                             context=ReadContext())
    assert table.regions["year"].tolist() == [2019, 2020, 2020]
    assert _value(table, "GM9999", "ses_woa", 2019) == (-0.25, None)
    assert _value(table, "GM9999", "a_hh_ses", 2020) == (1010, None)
    assert _value(table, "WK999900", "ses_woa", 2020) == (0.125, None)
    assert math.isnan(_value(table, "GM9999", "ses_woa", 2020)[0])
    assert table.source.year is None
    assert table.source.label == "CBS, SES-WOA scores per wijk en buurt 2019–2020"


def test_broken_inputs(tmp_path: Path, catalogue: Catalogue) -> None:
    # Generated broken files.
    ok = '"2019";"Testdorp";"GM9999    ";"  1000";"  -0.250"'
    cases = [
        ([ok, '"2019";"Kern";"WK999900  ";"   500";"  laag"'], 3, SCORE, "'  laag'"),
        ([ok, '"negentien";"Kern";"WK999900  ";"   500";"  0.1"'], 3, "Perioden", "geen jaar"),
        ([ok, '"2019";"Kern";"Kern";"   500";"  0.1"'], 3,
         "Regiocode (gemeente, wijk, buurt) (code)", "geen CBS-regiocode"),
        ([ok, '"2019";"Kern";"WK999900  ";"   500"'], 3, None, "4 velden"),
    ]
    for rows, line, column, text in cases:
        path = _write(tmp_path / "ses.csv", rows)
        with pytest.raises(DataFileError) as err:
            read_ses.read(path, catalogue=catalogue, context=ReadContext())
        assert (err.value.line, err.value.column) == (line, column), text
        assert text in str(err.value) and "ses.csv" in str(err.value)

    no_code = _write(tmp_path / "ses.csv", ['"2019";"Testdorp";"  1000"'],
                     f'"Perioden";"Wijken en buurten";"{HH}"')
    with pytest.raises(DataFileError) as err:
        read_ses.read(no_code, catalogue=catalogue, context=ReadContext())
    assert err.value.column == "Regiocode (gemeente, wijk, buurt) (code)"
