"""Signals (opgaven): rules from signalen.yaml applied to hand-built and real profiles."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import yaml

from wijkanalyse import store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.model import (
    Figure,
    KeyFigure,
    Profile,
    Series,
    SeriesPoint,
    Subject,
    to_dict,
)
from wijkanalyse.signalen.derive import derive_signals
from wijkanalyse.signalen.rules import (
    DERIVED_SUFFIX,
    RULE_TYPES,
    SEVERITY_LABELS,
    RuleError,
    load_rules,
    parse_rules,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "signalen.md"
KWB19 = "CBS, Kerncijfers Wijken en Buurten 2019"
KWB15 = "CBS, Kerncijfers Wijken en Buurten 2015"
LBM = "Leefbaarometer 3.0, ministerie van BZK"
CAT = load_catalogue()
RULES = load_rules()


# ----------------------------------------------------------------- hand-built profiles


def kf(ind: str, area: float | None, gemeente: float | None = None,
       nederland: float | None = None, *, year: int = 2019, complete: bool = True,
       reason: str | None = None, unit: str | None = None, kind: str | None = None,
       better: str | None | bool = False, label: str | None = None) -> KeyFigure:
    """A key figure with catalogue metadata (or the given metadata for derived ids)."""
    meta = CAT.indicators.get(ind)
    return KeyFigure(
        indicator_id=ind,
        label=label or (meta.label if meta else ind),
        unit=unit or meta.unit,
        domain=meta.domain if meta else "bevolking",
        kind=kind or meta.kind,
        better=(meta.better if meta else None) if better is False else better,
        year=year,
        area=Figure(area, year, KWB19, complete, reason),
        gemeente=Figure(gemeente, year, KWB19 if gemeente is not None else None),
        nederland=Figure(nederland, year, KWB19 if nederland is not None else None),
        peers=Figure(None, None),
        decimals=meta.decimals if meta else None, signed=meta.signed if meta else False,
    )


def series(ind: str, values: dict[int, float | None], *, source: str = KWB19,
           incomplete: tuple[int, ...] = (), note: str | None = None,
           unit: str | None = None, better: str | None | bool = False) -> Series:
    meta = CAT.indicators.get(ind)
    points = [SeriesPoint(year=y, area=v, source=source if y != 2015 else KWB15,
                          complete=y not in incomplete) for y, v in sorted(values.items())]
    return Series(indicator_id=ind, label=meta.label if meta else ind,
                  unit=unit or meta.unit, domain=meta.domain if meta else "bevolking",
                  better=(meta.better if meta else None) if better is False else better,
                  points=points, note=note, decimals=meta.decimals if meta else None,
                  signed=meta.signed if meta else False)


def lbm_series(ind: str, values: dict[int, float], *, note: str | None = None) -> Series:
    return series(ind, values, source=LBM, note=note)


def profile(key_figures=(), series_=(), lbm=(), *, kind: str = "wijk") -> Profile:
    subject = Subject(kind=kind, id="WK036393", name="Bijlmer-Centrum", gemeente_code="GM0363",
                      gemeente_name="Amsterdam", level=kind if kind != "gebied" else "buurt",
                      members=["WK036393"])
    return Profile(subject=subject, year=2019, years_available=[2015, 2017, 2019],
                   key_figures=list(key_figures), series=list(series_), leefbaarometer=list(lbm),
                   signals=[], peers=None, location=None, stories=[], approaches=[], sources=[],
                   missing=[])


def by_rule(signals) -> dict:
    return {s.rule_id: s for s in signals}


def rules_file(tmp_path: Path, rules: list[dict], **top) -> Path:
    path = tmp_path / "mijn_signalen.yaml"
    path.write_text(yaml.safe_dump({"version": 1, **top, "rules": rules}, allow_unicode=True),
                    encoding="utf-8")
    return path


# ----------------------------------------------------------------- the issue's example


def test_issue_example_sentence_level_and_trend() -> None:
    p = profile([kf("p_hh_lkk", 18.0, 11.0)],
                [series("p_hh_lkk", {2015: 14.0, 2017: 16.0, 2019: 18.0})])
    signals = derive_signals(p)
    assert [s.rule_id for s in signals] == ["laag_inkomen_hoog_en_stijgend"]
    s = signals[0]
    assert s.text == ("Het aandeel huishoudens met een laag inkomen, 18,0%, ligt ruim boven dat "
                      "van de gemeente, 11,0%, en is gestegen sinds 2015.")
    # level +7 pp = aandacht, trend +4 pp = ernstig; combined: one step above the higher
    assert (s.severity, s.severity_label) == (3, "ernstig")
    assert s.domain == "inkomen"
    assert s.title == "Veel en steeds meer huishoudens met een laag inkomen"
    ev = [(e.indicator_id, e.subject, e.year, e.value, e.text, e.source) for e in s.evidence]
    assert ev == [
        ("p_hh_lkk", "wijk", 2019, 18.0, "18,0%", KWB19),
        ("p_hh_lkk", "gemeente", 2019, 11.0, "11,0%", KWB19),
        ("p_hh_lkk", "wijk", 2015, 14.0, "14,0%", KWB15),
    ]
    assert all(e.label == "Huishoudens met een laag inkomen" for e in s.evidence)
    assert to_dict(s)["evidence"][0]["text"] == "18,0%"


def test_combination_needs_both_parts_and_uses_trend_up_to_the_key_figure_year() -> None:
    # falling since 2015: only the level rule fires (aandacht, +7 pp)
    p = profile([kf("p_hh_lkk", 18.0, 11.0)],
                [series("p_hh_lkk", {2015: 19.0, 2019: 18.0})])
    assert [(s.rule_id, s.severity) for s in derive_signals(p)] == [("laag_inkomen_hoog", 2)]
    # a 2021 point after the key-figure year does not make the 2019 level "rising"
    p = profile([kf("p_hh_lkk", 18.0, 11.0)],
                [series("p_hh_lkk", {2015: 19.0, 2019: 18.0, 2021: 23.0})])
    fired = by_rule(derive_signals(p))
    assert "laag_inkomen_hoog_en_stijgend" not in fired
    assert fired["laag_inkomen_stijgt"].text == (
        "Het aandeel huishoudens met een laag inkomen is gestegen van 19,0% in 2015 naar 23,0% "
        "in 2021.")
    # om te volgen (+3 pp) and a small rise (+1 pp, om te volgen) -> aandacht together
    p = profile([kf("p_hh_lkk", 14.0, 11.0)], [series("p_hh_lkk", {2015: 13.0, 2019: 14.0})])
    assert [(s.rule_id, s.severity_label) for s in derive_signals(p)] == [
        ("laag_inkomen_hoog_en_stijgend", "aandacht")]


# ----------------------------------------------------------------- level_vs_reference


@pytest.mark.parametrize(("area", "expected"), [
    (13.9, None), (14.0, 1), (15.9, 1), (16.0, 2), (20.9, 2), (21.0, 3), (40.0, 3),
    (5.0, None),  # far below the gemeente: favourable, never a signal
])
def test_level_severity_ladder_at_and_above_thresholds(area: float, expected: int | None) -> None:
    signals = derive_signals(profile([kf("p_hh_lkk", area, 11.0, 7.5)]))
    if expected is None:
        assert signals == []
    else:
        (s,) = signals
        assert (s.rule_id, s.severity, s.severity_label) == (
            "laag_inkomen_hoog", expected, SEVERITY_LABELS[expected])


def test_level_sentence_with_the_other_reference_and_evidence() -> None:
    (s,) = derive_signals(profile([kf("p_hh_lkk", 18.0, 11.0, 7.5)]))
    assert s.text == ("Het aandeel huishoudens met een laag inkomen, 18,0%, ligt ruim boven dat "
                      "van de gemeente, 11,0%. Landelijk is het 7,5%.")
    assert [(e.subject, e.text) for e in s.evidence] == [
        ("wijk", "18,0%"), ("gemeente", "11,0%"), ("Nederland", "7,5%")]


def test_level_direction_from_better_and_index_measure() -> None:
    # income per inhabitant: higher is better; index 80 is exactly the om-te-volgen threshold
    (s,) = derive_signals(profile([kf("g_ink_pi", 24.0, 30.0)]))
    assert (s.rule_id, s.severity_label) == ("inkomen_per_inwoner_laag", "om te volgen")
    # money in euros (issue 13), not "24,0 x 1 000 euro"
    assert s.text == ("Het gemiddelde inkomen per inwoner, € 24.000, ligt onder dat van "
                      "de gemeente, € 30.000.")
    assert derive_signals(profile([kf("g_ink_pi", 24.1, 30.0)])) == []
    assert derive_signals(profile([kf("g_ink_pi", 45.0, 30.0)])) == []  # favourable
    # index 60 (40 points below) -> ernstig, "ver onder"
    (s,) = derive_signals(profile([kf("g_ink_pi", 18.0, 30.0, 27.1)]))
    assert s.severity_label == "ernstig"
    assert s.text.startswith("Het gemiddelde inkomen per inwoner, € 18.000, ligt ver "
                             "onder dat van de gemeente")


def test_level_falls_back_to_nederland_and_first_reference_decides() -> None:
    (s,) = derive_signals(profile([kf("p_hh_lkk", 18.0, None, 7.5)]))
    assert s.text == ("Het aandeel huishoudens met een laag inkomen, 18,0%, ligt ver boven dat "
                      "van Nederland, 7,5%.")
    assert [e.subject for e in s.evidence] == ["wijk", "Nederland"]
    # the gemeente has a value and the wijk is close to it: no comparison with Nederland
    assert derive_signals(profile([kf("p_hh_lkk", 13.0, 12.0, 7.5)])) == []
    # a gemeente profile is compared with Nederland, never with itself
    (s,) = derive_signals(profile([kf("p_hh_lkk", 12.8, 12.8, 7.5)], kind="gemeente"))
    assert s.text.endswith("ligt ruim boven dat van Nederland, 7,5%.")


def test_no_signal_on_missing_values() -> None:
    assert derive_signals(profile()) == []
    assert derive_signals(profile([kf("p_hh_lkk", None, 11.0, 7.5)])) == []
    assert derive_signals(profile([kf("p_hh_lkk", math.nan, 11.0)])) == []
    assert derive_signals(profile([kf("p_hh_lkk", 18.0, None, None)])) == []
    # series with one usable point
    assert derive_signals(profile([], [series("p_hh_lkk", {2015: None, 2019: 18.0})])) == []
    # derived indicator absent from the profile: its rules simply do not fire
    assert derive_signals(profile([kf("a_inw", 5000.0, 870000.0)])) == []


def test_min_base_guards_small_wijken() -> None:
    crime = kf("g_gewsek", 20.0, 7.0)
    assert derive_signals(profile([crime, kf("a_inw", 900.0, 87000.0)])) == []
    assert derive_signals(profile([crime])) == []  # population unknown: cannot judge
    (s,) = derive_signals(profile([crime, kf("a_inw", 1500.0, 87000.0)]))
    assert (s.rule_id, s.severity_label) == ("geweld_hoog", "aandacht")  # index 286
    # CBS publishes these rates whole (issue 13)
    assert s.text == ("Het aantal gewelds- en seksuele misdrijven, 20 per 1 000 inwoners, ligt "
                      "ruim boven dat van de gemeente, 7 per 1 000 inwoners.")


def test_derived_ids_with_explicit_direction() -> None:
    bijstand = kf("p_soz_wb_afgeleid", 11.34, 4.70, 2.50, unit="%", kind="rate", better=None,
                  label="Personen met een bijstandsuitkering (% van inwoners, berekend)")
    ouderen = kf("p_65_eo_jr", 28.2, 22.4, unit="%", kind="rate", better=None,
                 label="Inwoners van 65 jaar of ouder")
    fired = by_rule(derive_signals(profile([bijstand, ouderen])))
    assert fired["bijstand_hoog"].severity_label == "ernstig"  # +6,6 pp
    assert fired["bijstand_hoog"].text == (
        "Het aandeel inwoners met een bijstandsuitkering, 11,3%, ligt ver boven dat van de "
        "gemeente, 4,7%. Landelijk is het 2,5%.")
    assert fired["vergrijzing_hoog"].severity_label == "om te volgen"  # +5,8 pp
    # a derived figure in another unit than the rule's measure does not fire
    wrong = kf("p_soz_wb_afgeleid", 113.4, 47.0, unit="per 1 000 inwoners", kind="rate",
               better="lower")
    assert derive_signals(profile([wrong])) == []


# ----------------------------------------------------------------- composition


@pytest.mark.parametrize(("share", "expected"), [
    (49.9, None), (50.0, "om te volgen"), (66.6, "om te volgen"), (66.7, "aandacht"),
    (90.0, "aandacht"),
])
def test_corporatiewijk(share: float, expected: str | None) -> None:
    signals = derive_signals(profile([kf("p_wcorpw", share, 31.0)]))
    assert [s.severity_label for s in signals] == ([expected] if expected else [])


def test_corporatiewijk_sentence() -> None:
    (s,) = derive_signals(profile([kf("p_wcorpw", 68.0, 31.0)]))
    # whole percentages as CBS publishes them (issue 13)
    assert s.text == ("Van de woningen is 68% in bezit van een woningcorporatie (gemeente: "
                      "31%): meer dan twee derde, een corporatiewijk.")
    (s,) = derive_signals(profile([kf("p_wcorpw", 55.0, None)]))
    assert s.text == ("Van de woningen is 55% in bezit van een woningcorporatie: meer dan de "
                      "helft.")


# ----------------------------------------------------------------- trend


@pytest.mark.parametrize(("last", "expected"), [
    (5095.0, None), (4850.0, "om te volgen"), (4750.0, "aandacht"), (4500.0, "ernstig"),
    (5600.0, None),
])
def test_population_decline_relative_change(last: float, expected: str | None) -> None:
    p = profile([], [series("a_inw", {2016: 5000.0, 2018: 4990.0, 2020: last})])
    signals = derive_signals(p)
    assert [s.severity_label for s in signals] == ([expected] if expected else [])
    if expected == "aandacht":
        assert signals[0].text == ("Het aantal inwoners is gedaald van 5.000 in 2016 naar 4.750 "
                                   "in 2020.")


def test_trend_min_span_years() -> None:
    # -10% in one year: bevolking_krimpt asks for at least two years between the measurements
    assert derive_signals(profile([], [series("a_inw", {2019: 5000.0, 2020: 4500.0})])) == []


def test_trend_change_previous_and_slope(tmp_path: Path) -> None:
    base = {"domain": "inkomen", "title": "t", "phrase": "Het aandeel",
            "indicator": "p_hh_lkk",
            "template": "{onderwerp} is {trendwoord} van {van_waarde} in {van_jaar} naar "
                        "{tot_waarde} in {tot_jaar}."}
    rules = load_rules(rules_file(tmp_path, [
        {**base, "id": "vorige", "type": "trend", "change": "previous",
         "thresholds": {"om_te_volgen": 1.0, "aandacht": 2.0}},
        {**base, "id": "helling", "type": "trend", "change": "slope", "last_n": 3,
         "thresholds": {"om_te_volgen": 0.5, "aandacht": 1.0}},
    ]))
    # 2015 10, 2017 12, 2019 13: previous +1 (om te volgen); slope over 3 points 0,75/yr
    p = profile([], [series("p_hh_lkk", {2015: 10.0, 2017: 12.0, 2019: 13.0})])
    fired = by_rule(derive_signals(p, rules=rules))
    assert fired["vorige"].severity_label == "om te volgen"
    assert fired["vorige"].text == "Het aandeel is gestegen van 12,0% in 2017 naar 13,0% in 2019."
    assert fired["helling"].severity_label == "om te volgen"
    assert fired["helling"].text == "Het aandeel is gestegen van 10,0% in 2015 naar 13,0% in 2019."
    # slope 1,0/yr -> aandacht
    p = profile([], [series("p_hh_lkk", {2015: 10.0, 2017: 12.0, 2019: 14.0})])
    assert by_rule(derive_signals(p, rules=rules))["helling"].severity_label == "aandacht"


# ----------------------------------------------------------------- Leefbaarometer


def test_lbm_decline_after_improvement_is_an_early_warning() -> None:
    p = profile(lbm=[lbm_series("lbm", {2014: 4.00, 2018: 4.05, 2022: 4.06, 2024: 4.01})])
    signals = derive_signals(p)
    # previous-measurement decline (0,05) and the decline from the peak are one signal
    assert [(s.rule_id, s.severity_label) for s in signals] == [
        ("leefbaarheid_stokt", "aandacht")]
    assert signals[0].text == ("De Leefbaarometer-score steeg van 4,00 in 2014 tot 4,06 in 2022, "
                               "maar is daarna gedaald naar 4,01 in 2024: de verbetering stokt.")
    assert [(e.year, e.text, e.source) for e in signals[0].evidence] == [
        (2014, "4,00", LBM), (2022, "4,06", LBM), (2024, "4,01", LBM)]


def test_lbm_decline_since_2012_and_previous() -> None:
    # steady decline from 2002: no prior rise, so "stokt" does not apply; since 2012 -0,10
    p = profile(lbm=[lbm_series("lbm", {2002: 4.15, 2012: 4.10, 2016: 4.08, 2020: 4.06,
                                        2024: 4.00})])
    assert [(s.rule_id, s.severity_label, s.text) for s in derive_signals(p)] == [
        ("leefbaarheid_daalt_sinds_2012", "ernstig",
         "De Leefbaarometer-score is sinds 2012 gedaald, van 4,10 naar 4,00 in 2024.")]
    # only two measurements before 2012: the previous-measurement rule
    p = profile(lbm=[lbm_series("lbm", {2002: 4.10, 2008: 4.06})])
    assert [(s.rule_id, s.severity_label, s.text) for s in derive_signals(p)] == [
        ("leefbaarheid_daalt", "om te volgen",
         "De Leefbaarometer-score is gedaald van 4,10 in 2002 naar 4,06 in 2008.")]
    # a decline of 0,02 is below every threshold; a rise never fires
    assert derive_signals(profile(lbm=[lbm_series("lbm", {2022: 4.10, 2024: 4.08})])) == []
    assert derive_signals(profile(lbm=[lbm_series("lbm", {2022: 4.00, 2024: 4.20})])) == []


@pytest.mark.parametrize(("value", "expected"), [
    (-0.109, None), (-0.11, "om te volgen"), (-0.16, "aandacht"), (-0.19, "ernstig"),
    (0.05, None),
])
def test_lbm_dimension_below_national_average(value: float, expected: str | None) -> None:
    p = profile(lbm=[lbm_series("lbm_onv", {2022: -0.12, 2024: value})])
    fired = [s for s in derive_signals(p) if s.rule_id == "onveiligheid_leefbaarometer"]
    assert [s.severity_label for s in fired] == ([expected] if expected else [])


def test_lbm_dimension_sentence_and_the_surrounding_wijk_of_a_buurt() -> None:
    note = "Afwijking van het landelijk gemiddelde (Nederland = 0)."
    lbm = [lbm_series("lbm_onv", {2022: -0.16, 2024: -0.17}, note=note)]
    (s,) = derive_signals(profile(lbm=lbm))
    assert s.text == ("De Leefbaarometer-dimensie overlast en onveiligheid ligt in 2024 ruim "
                      "onder het landelijk gemiddelde (-0,17; in 2022: -0,16).")  # no chart note
    assert s.domain == "veiligheid"
    assert [(e.subject, e.year, e.text) for e in s.evidence] == [
        ("wijk", 2022, "-0,16"), ("wijk", 2024, "-0,17")]
    # a buurt shows the Leefbaarometer of the wijk it lies in, and says so
    (s,) = derive_signals(profile(lbm=lbm, kind="buurt"))
    assert s.text == ("De Leefbaarometer-dimensie overlast en onveiligheid ligt in 2024 ruim "
                      "onder het landelijk gemiddelde (-0,17; in 2022: -0,16) (Leefbaarometer van "
                      "de wijk waarin het gebied ligt).")
    assert {e.subject for e in s.evidence} == {"wijk"}


# ----------------------------------------------------------------- incomplete aggregates


def test_incomplete_aggregate_is_named_in_the_sentence(tmp_path: Path) -> None:
    fig = kf("p_hh_lkk", 18.0, 11.0, complete=False, reason="1 van 4 buurten: geheim")
    (s,) = derive_signals(profile([fig], kind="gebied"))
    assert s.text == ("Het aandeel huishoudens met een laag inkomen, 18,0%, ligt ruim boven dat "
                      "van de gemeente, 11,0% (onvolledig: 1 van 4 buurten: geheim).")
    assert s.evidence[0].text == "18,0% (onvolledig)"
    assert s.evidence[0].subject == "gebied"
    # an incomplete series point
    p = profile([], [series("a_inw", {2016: 5000.0, 2020: 4500.0}, incomplete=(2020,))])
    (s,) = derive_signals(p)
    assert s.text.endswith("naar 4.500 in 2020 (onvolledig: niet alle delen hebben een waarde "
                           "(2020)).")
    # incomplete: skip -> no signal
    rules = load_rules(rules_file(tmp_path, [{
        "id": "streng", "type": "level_vs_reference", "indicator": "p_hh_lkk", "measure": "pp",
        "domain": "inkomen", "title": "t", "incomplete": "skip",
        "thresholds": {"aandacht": 5}, "template": "{waarde} tegen {ref_waarde}."}]))
    assert derive_signals(profile([fig]), rules=rules) == []
    ok = kf("p_hh_lkk", 18.0, 11.0)
    assert [s.text for s in derive_signals(profile([ok]), rules=rules)] == ["18,0% tegen 11,0%."]


# ----------------------------------------------------------------- ranking and traceability


def rich_profile() -> Profile:
    return profile(
        [kf("p_hh_lkk", 16.0, 11.0, 7.5),                    # +5 pp: aandacht, strength 1,67
         kf("p_hh_li", 67.9, 50.9, 40.0),                    # +17 pp: ernstig
         kf("p_leegsw", 18.0, 8.0, 4.0),                     # +10 pp: ernstig, strength 3,33
         kf("p_arb_pp", 60.0, 69.0, 69.0),                   # -9 pp: aandacht, strength 2,25
         kf("p_wcorpw", 55.0, 41.0),                         # om te volgen
         kf("g_woz", 182.0, 378.0, 250.0),                   # index 48: aandacht
         kf("a_inw", 5345.0, 87000.0)],
        [series("a_inw", {2016: 5660.0, 2019: 5345.0})],   # -5,6%: aandacht
        [lbm_series("lbm_afw", {2022: -0.19, 2024: -0.20}),
         lbm_series("lbm", {2002: 3.81, 2020: 3.89, 2024: 3.85})],
    )


def test_ranking_by_severity_then_strength_then_file_order() -> None:
    signals = derive_signals(rich_profile())
    # strength = unfavourable distance / the rule's lowest threshold
    assert [(s.rule_id, s.severity) for s in signals] == [
        ("laagste_inkomens_hoog", 3),       # +17 pp / 5 = 3,40
        ("leegstand_hoog", 3),              # +10 pp / 3 = 3,33
        ("arbeidsparticipatie_laag", 2),    # -9 pp / 4 = 2,25
        ("woningwaarde_laag", 2),           # index 48: 51,9 / 25 = 2,08
        ("leefbaarheid_laag", 2),           # -0,20 / 0,10 = 2,00
        ("bevolking_krimpt", 2),            # -5,6% / 3 = 1,85
        ("laag_inkomen_hoog", 2),           # +5 pp / 3 = 1,67
        ("leefbaarheid_stokt", 1),          # -0,04 / 0,03 = 1,33 (replaces the other declines)
        ("corporatiewijk", 1),              # 55% against 50%: 1,10
    ]
    # equal severity and strength: the order of the rules file
    p = profile([kf("p_hh_osm", 16.0, 11.0), kf("p_hh_lkk", 16.0, 11.0)])
    assert [s.rule_id for s in derive_signals(p)] == ["laag_inkomen_hoog", "sociaal_minimum_hoog"]


def test_every_number_in_a_sentence_is_in_the_evidence() -> None:
    number = re.compile(r"[+-]?\d+(?:\.\d{3})*(?:,\d+)?")
    signals = derive_signals(rich_profile())
    assert len(signals) >= 8
    for s in signals:
        texts = " ".join(e.text for e in s.evidence)
        years = {str(e.year) for e in s.evidence}
        for n in number.findall(s.text):
            assert n in years or n in texts, (s.rule_id, n, s.text)
        assert all(e.source for e in s.evidence), s.rule_id
        assert s.severity_label == SEVERITY_LABELS[s.severity]


# ----------------------------------------------------------------- the rules file


def test_packaged_rules_cover_the_required_topics() -> None:
    indicators = {r.indicator for r in RULES}
    for ind in ("p_hh_li", "p_hh_osm", "p_ink_li", "g_ink_pi", "p_soz_wb_afgeleid", "p_wcorpw",
                "p_leegsw", "g_woz", "p_arb_pp", "g_wodief", "g_vernoo", "g_gewsek", "lbm",
                "lbm_afw", "lbm_onv", "lbm_soc", "lbm_won", "a_inw", "p_65_eo_jr"):
        assert ind in indicators, ind
    assert {r.type for r in RULES} == set(RULE_TYPES)
    assert len({r.id for r in RULES}) == len(RULES)


def test_packaged_rules_reference_catalogue_or_documented_derived_ids() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z0-9_]+" + DERIVED_SUFFIX + r")`", docs))
    for rule in RULES:
        ids = [rule.indicator] if rule.indicator else []
        if rule.min_base:
            ids.append(rule.min_base[0])
        for ind in ids:
            assert ind in CAT or ind in documented, (rule.id, ind)


def test_docs_table_matches_the_rules_file() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    rows = {m.group(1): [c.strip() for c in m.group(2).split("|")]
            for m in re.finditer(r"^\| `([a-z0-9_]+)` \|(.*)\|$", docs, flags=re.M)}
    for rule in RULES:
        assert rule.id in rows, f"{rule.id} ontbreekt in docs/signalen.md"
        cells = rows[rule.id]
        assert cells[0] == rule.type
        if rule.type == "level_and_trend":
            assert cells[1] == f"`{rule.level_rule}` + `{rule.trend_rule}`"
            continue
        assert cells[1] == f"`{rule.indicator}`"
        shown = [f"{rule.thresholds[s]:g}".replace(".", ",") if s in rule.thresholds else "—"
                 for s in (1, 2, 3)]
        assert cells[3:6] == shown, rule.id
    table = {rule_id for rule_id, cells in rows.items() if cells[0] in RULE_TYPES}
    assert table == {r.id for r in RULES}, "regels in de tabel die niet (meer) bestaan"


def test_rules_file_loads_from_a_path(tmp_path: Path) -> None:
    packaged = ROOT / "src" / "wijkanalyse" / "data" / "signalen.yaml"
    assert [r.id for r in load_rules(packaged)] == [r.id for r in RULES]


def _error(tmp_path: Path, rules: list[dict], **top) -> str:
    path = rules_file(tmp_path, rules, **top)
    with pytest.raises(RuleError) as err:
        load_rules(path)
    msg = str(err.value)
    assert str(path) in msg
    return msg


LEVEL = {"id": "mijn_regel", "type": "level_vs_reference", "indicator": "p_hh_lkk",
         "measure": "pp", "domain": "inkomen", "title": "t", "phrase": "Het aandeel",
         "thresholds": {"aandacht": 5}, "template": "{onderwerp}, {waarde}."}


def test_error_unknown_rule_type_names_file_and_rule(tmp_path: Path) -> None:
    msg = _error(tmp_path, [{**LEVEL, "type": "drempel"}])
    assert "'mijn_regel'" in msg and "onbekende regelsoort 'drempel'" in msg


def test_error_missing_field_names_file_and_rule(tmp_path: Path) -> None:
    rule = {k: v for k, v in LEVEL.items() if k != "thresholds"}
    msg = _error(tmp_path, [rule])
    assert "'mijn_regel'" in msg and "'thresholds' ontbreekt" in msg


@pytest.mark.parametrize(("change", "fragment"), [
    ({"indicator": "p_bestaat_niet"}, "staat niet in de indicatorencatalogus"),
    ({"measure": "index"}, "past niet bij p_hh_lkk"),
    ({"thresholds": {"aandacht": 5, "ernstig": 4}}, "moeten stijgen"),
    ({"thresholds": {"heel_erg": 5}}, "onbekende ernst"),
    ({"template": "{onderwerp}, {waarde} {onzin}."}, "onbekende plaatshouders ['onzin']"),
    ({"template": "{onderwerp}, {waarde} {nl_waarde}."}, "optioneel deel"),
    ({"template": "{onderwerp}, {waarde} [{nl_waarde}."}, "ongepaarde"),
    ({"domain": "sport"}, "domein 'sport'"),
    ({"supersedes": ["andere_regel"]}, "onbekende regel 'andere_regel'"),
    ({"kleur": "rood"}, "onbekende velden ['kleur']"),
    ({"phrase": ""}, "'phrase' ontbreekt"),
    ({"indicator": "p_wcorpw"}, "geen richting"),
])
def test_errors_name_the_rule(tmp_path: Path, change: dict, fragment: str) -> None:
    msg = _error(tmp_path, [{**LEVEL, **change}])
    assert "'mijn_regel'" in msg and fragment in msg, msg


def test_errors_between_rules(tmp_path: Path) -> None:
    combo = {"id": "combi", "type": "level_and_trend", "level_rule": "mijn_regel",
             "trend_rule": "mijn_regel", "domain": "inkomen", "title": "t",
             "template": "{waarde}."}
    msg = _error(tmp_path, [LEVEL, combo])
    assert "'combi'" in msg and "trend_rule 'mijn_regel'" in msg
    corp = {"id": "corp", "type": "composition", "indicator": "p_wcorpw", "domain": "wonen",
            "title": "t", "thresholds": {"aandacht": 66.7}, "template": "{waarde}."}
    trend = {"id": "stijgt", "type": "trend", "indicator": "p_wcorpw", "domain": "wonen",
             "title": "t", "unfavourable": "higher", "thresholds": {"aandacht": 5},
             "template": "{van_waarde}."}
    combo2 = {**combo, "level_rule": "corp", "trend_rule": "stijgt",
              "template": "{waarde} tegen {ref_waarde} sinds {van_jaar}."}
    msg = _error(tmp_path, [corp, trend, combo2])
    assert "'combi'" in msg and "onbekende plaatshouders ['ref_waarde']" in msg
    combo2["template"] = "{waarde}[ (gemeente: {gm_waarde})], sinds {van_jaar}."
    rules = load_rules(rules_file(tmp_path, [corp, trend, combo2]))
    p = profile([kf("p_wcorpw", 70.0, 31.0)], [series("p_wcorpw", {2016: 60.0, 2019: 70.0},
                                                       better=None)])
    assert [(s.rule_id, s.severity_label, s.text) for s in derive_signals(p, rules=rules)] == [
        ("combi", "ernstig", "70% (gemeente: 31%), sinds 2016.")]
    cycle = [{**LEVEL, "supersedes": ["tweede"]},
             {**LEVEL, "id": "tweede", "supersedes": ["mijn_regel"]}]
    assert "kring" in _error(tmp_path, cycle)
    assert "twee keer" in _error(tmp_path, [LEVEL, LEVEL])
    assert "regel 1" in _error(tmp_path, [{"type": "trend"}])
    assert "versie" in _error(tmp_path, [LEVEL], version=2)


def test_error_unreadable_yaml(tmp_path: Path) -> None:
    path = tmp_path / "kapot.yaml"
    path.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleError, match="kapot.yaml: geen geldige YAML"):
        load_rules(path)
    with pytest.raises(RuleError, match="verwacht een sleutel 'rules'"):
        parse_rules({"regels": []})


def test_derive_signals_checks_a_partial_rule_list() -> None:
    combo = next(r for r in RULES if r.id == "laag_inkomen_hoog_en_stijgend")
    with pytest.raises(RuleError, match="level_rule 'laag_inkomen_hoog'"):
        derive_signals(profile(), rules=[combo])
    assert derive_signals(profile([kf("p_hh_lkk", 18.0, 11.0)]), rules=[]) == []


# ----------------------------------------------------------------- real data


def _real_profile(con, code: str, year: int, indicators: list[str],
                  lbm: list[str] = ()) -> Profile:
    """Key figures and series of ``code`` straight from the observation view."""
    region = con.execute("SELECT name, level, gemeente_code FROM regions WHERE code = ? "
                         "ORDER BY year DESC LIMIT 1", [code]).fetchone()
    rows = con.execute(
        "SELECT o.indicator_id, o.year, o.code, o.value, s.label FROM observation o "
        "JOIN sources s USING (source_id) WHERE o.code IN (?, ?, 'NL00') AND o.value IS NOT NULL",
        [code, region[2]]).fetchall()
    data = {(i, y, c): (v, label) for i, y, c, v, label in rows}

    def fig(ind: str, y: int, c: str) -> Figure:
        v, label = data.get((ind, y, c), (None, None))
        return Figure(v, y, label)

    key_figures, series_, lbm_series_ = [], [], []
    for ind in [*indicators, *lbm]:
        meta = CAT[ind]
        if (ind, year, code) in data:
            key_figures.append(KeyFigure(ind, meta.label, meta.unit, meta.domain, meta.kind,
                                         meta.better, year, fig(ind, year, code),
                                         fig(ind, year, region[2]), fig(ind, year, "NL00"),
                                         Figure(None, None), decimals=meta.decimals,
                                         signed=meta.signed))
        years = sorted(y for i, y, c in data if i == ind and c == code)
        points = [SeriesPoint(y, data[(ind, y, code)][0], source=data[(ind, y, code)][1])
                  for y in years]
        target = lbm_series_ if ind in lbm else series_
        target.append(Series(ind, meta.label, meta.unit, meta.domain, meta.better, points,
                             decimals=meta.decimals, signed=meta.signed))
    subject = Subject("wijk", code, region[0], region[2], None, region[1], [code])
    return Profile(subject, year, [], key_figures, series_, lbm_series_, [], None, None, [], [],
                   [], [])


def test_real_heerlen_wijken(built_db: Path) -> None:
    con = store.connect(built_db, read_only=True)
    try:
        # Molenberg: low income 17,5% against 12,5% in Heerlen (2018), up from 16,5% in 2016
        p = _real_profile(con, "WK091739", 2018, ["p_hh_lkk"])
        (s,) = derive_signals(p)
        assert (s.rule_id, s.severity_label) == ("laag_inkomen_hoog_en_stijgend", "ernstig")
        assert s.text == ("Het aandeel huishoudens met een laag inkomen, 17,5%, ligt ruim boven "
                          "dat van de gemeente, 12,5%, en is gestegen sinds 2016.")
        assert {e.source for e in s.evidence} == {"CBS, Kerncijfers Wijken en Buurten 2016",
                                                  "CBS, Kerncijfers Wijken en Buurten 2018"}
        # Heerlerheide-Passart: Leefbaarometer rose to 2020 and fell after it
        p = _real_profile(con, "WK091721", 2018, [], lbm=["lbm", "lbm_afw", "lbm_onv"])
        fired = by_rule(derive_signals(p))
        assert fired["leefbaarheid_stokt"].text == (
            "De Leefbaarometer-score steeg van 3,81 in 2002 tot 3,89 in 2020, maar is daarna "
            "gedaald naar 3,85 in 2024: de verbetering stokt.")
        assert fired["leefbaarheid_laag"].severity_label == "ernstig"
        assert fired["leefbaarheid_laag"].text == (
            "De leefbaarheid volgens de Leefbaarometer ligt in 2024 ver onder het landelijk "
            "gemiddelde (afwijking -0,25; in 2022: -0,24).")
        assert fired["onveiligheid_leefbaarometer"].severity_label == "aandacht"
        assert {e.source for s in fired.values() for e in s.evidence} == {LBM}
        # Vrieheide-De Stack: population 5.660 (2015, Wijk- en Buurtkaart; also 2016, Heerlen
        # KWB) -> 5.345 (2024, nationwide)
        p = _real_profile(con, "WK091720", 2018, ["a_inw"])
        (s,) = derive_signals(p)
        assert (s.rule_id, s.severity_label) == ("bevolking_krimpt", "aandacht")
        assert s.text == "Het aantal inwoners is gedaald van 5.660 in 2015 naar 5.345 in 2024."
    finally:
        con.close()


def test_real_den_haag_schildersbuurt(built_db: Path) -> None:
    con = store.connect(built_db, read_only=True)
    try:
        p = _real_profile(con, "WK051829", 2019, ["p_wcorpw", "g_woz", "p_leegsw"])
        fired = by_rule(derive_signals(p))
        assert fired["corporatiewijk"].text == (
            "Van de woningen is 68% in bezit van een woningcorporatie (gemeente: 31%): meer "
            "dan twee derde, een corporatiewijk.")
        assert fired["woningwaarde_laag"].text == (
            "De gemiddelde WOZ-waarde van de woningen, € 140.000, ligt ruim onder die van "
            "de gemeente, € 241.000. Landelijk is die € 250.000.")
        assert "leegstand_hoog" not in fired
    finally:
        con.close()
