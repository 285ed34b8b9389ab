"""Tests of wijkanalyse.kennis search and matching: Dutch full-text search in the kennisdossier
and matching interventions to a wijkprofiel.

Search runs on the real shipped catalogue (``data/interventies``, loaded into a copy of the
database built from ../shared/data) and on small generated records for hand-computed BM25
scores. Matching runs on real profiles: Molenberg (Heerlen, WK091739) in 2018 has high
low-income and benefit shares (signal "Veel en steeds meer huishoudens met een laag inkomen",
ernstig: 17,5% against 12,5% in Heerlen; "Veel bijstandsontvangers", aandacht), and on
generated profiles (labelled as such) for an energy-only case and hand-computed scores.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from wijkanalyse import kennis, store
from wijkanalyse import kennis as kz
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.content import open_content
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.kennis.evaluate import _ndcg
from wijkanalyse.model import (
    Evidence,
    Figure,
    KeyFigure,
    Peer,
    PeerGroup,
    Profile,
    Signal,
    Subject,
)
from wijkanalyse.present.jinja import environment as _environment
from wijkanalyse.profiel.assemble import build_profile

MOLENBERG = "WK091739"  # Heerlen
SCHILDERSBUURT = "WK051829"  # Den Haag
MOERWIJK = "WK051836"  # Den Haag, a peer of the Schildersbuurt
KBWB = "CBS, Kerncijfers Wijken en Buurten 2019"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def kdb(built_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the built database with the shipped kennisdossier loaded."""
    path = tmp_path_factory.mktemp("kennis") / "wijkanalyse.duckdb"
    shutil.copy(built_db, path)
    con = store.connect(path)
    try:
        kennis.ensure_tables(con)
        kennis.ensure_catalogue(con)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def con(kdb: Path):
    connection = store.connect(kdb, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    return [kennis.to_dict(iv) for iv in kennis.shipped_catalogue()]


@pytest.fixture(scope="module")
def molenberg(con) -> Profile:
    subject = resolve_subject(con, MOLENBERG, year=2018)
    return build_profile(con, subject, year=2018, with_location=False)


def _ids(df) -> list[str]:
    return list(df["id"])


def _themed(records: list[dict], theme: str) -> set[str]:
    return {r["id"] for r in records if theme in r["themes"]}


def rec(rid: str, **fields) -> dict:
    """A generated intervention record (the shape of kennis.to_dict)."""
    base = {
        "id": rid, "name": rid.replace("-", " ").capitalize(), "summary": "", "description": "",
        "themes": [], "addresses": [], "working_elements": [], "partners": [],
        "evidence": {"level": "onbekend", "source": ""}, "pitfalls": [],
    }
    base.update(fields)
    return base


SUBJECT = Subject(kind="wijk", id="WK999901", name="Proefwijk (gegenereerd)",
                  gemeente_code="GM9999", gemeente_name="Proefgemeente", level="wijk",
                  members=["WK999901"], wijk_codes=["WK999901"])


def figure(indicator: str, label: str, domain: str, value: float, gemeente: float, *,
           unit: str = "%", kind: str = "rate", better: str | None = "lower",
           assessment: str | None = "ongunstig", year: int = 2019) -> KeyFigure:
    entry = load_catalogue().indicators.get(indicator)  # decimals and sign as the profile has
    return KeyFigure(
        indicator_id=indicator, label=label, unit=unit, domain=domain, kind=kind, better=better,
        year=year, area=Figure(value, year, KBWB), gemeente=Figure(gemeente, year, KBWB),
        nederland=Figure(None, year), peers=Figure(None, year), assessment=assessment,
        decimals=entry.decimals if entry else None, signed=entry.signed if entry else False)


def signal(rule_id: str, severity: int, domain: str, title: str) -> Signal:
    labels = {3: "ernstig", 2: "aandacht", 1: "om te volgen"}
    return Signal(rule_id=rule_id, severity=severity, severity_label=labels[severity],
                  domain=domain, title=title, text=f"{title}.",
                  evidence=[Evidence("p_hh_lkk", "Huishoudens met een laag inkomen", "wijk",
                                     2019, 18.0, "18,0%", KBWB)])


def generated_profile(signals: list[Signal], figures: list[KeyFigure],
                      peers: PeerGroup | None = None) -> Profile:
    """A generated profile (not real data) with the given signals and key figures."""
    return Profile(subject=SUBJECT, year=2019, years_available=[2019], key_figures=figures,
                   series=[], leefbaarometer=[], signals=signals, peers=peers, location=None,
                   stories=[], approaches=[], sources=[], missing=[])


LOW_INCOME_SIGNAL = signal("laag_inkomen_hoog", 3, "inkomen",
                           "Veel huishoudens met een laag inkomen")
LOW_INCOME_FIGURE = figure("p_hh_lkk", "Huishoudens met een laag inkomen", "inkomen", 18.0,
                           11.0)


# ------------------------------------------------------------------------------ text and terms


def test_tokenize_folds_accents_and_drops_stopwords() -> None:
    assert kz.tokenize("De geïsoleerde woningen en de buurt, ook in 2024!") == [
        "geisoleerde", "woningen", "buurt", "2024"]
    assert kz.tokenize("de het een en van") == []


def test_snowball_dutch_stems_are_pinned() -> None:
    # what snowballstemmer's "dutch" does with the words the issue names (pinned, so a new
    # stemmer version that changes them is noticed)
    stem = {w: sorted(t for t in kz.terms_of(w)[0] if t.startswith("k:"))
            for w in ("woningen", "woning", "bemiddelaars", "bemiddeling", "verduurzamen",
                      "verduurzaming", "duurzaam", "duurzame", "groene", "vergroening")}
    assert stem == {
        "woningen": ["k:woon"], "woning": ["k:woon"], "bemiddelaars": ["k:bemiddel"],
        "bemiddeling": ["k:bemiddel"], "verduurzamen": ["k:verduurzaam"],
        "verduurzaming": ["k:verduurzaam"], "duurzaam": ["k:duurzaam"],
        "duurzame": ["k:duurzame"], "groene": ["k:groene"], "vergroening": ["k:vergroen"]}


def _shares(a: str, b: str, *, parts: bool = False) -> bool:
    fa, pa = kz.terms_of(a)
    fb, pb = kz.terms_of(b)
    return bool((fa | pa) & (fb | pb)) if parts else bool(fa & fb)


@pytest.mark.parametrize(("a", "b"), [
    ("woningen", "woning"),
    ("bemiddelaars", "bemiddeling"),
    ("verduurzamen", "verduurzaming"),
    ("duurzame", "duurzaam"),       # only through dutch_porter ("duurzam")
    ("schulden", "schuld"),         # only through dutch_porter
    ("groene", "groen"),            # only through dutch_porter
    ("inkomens", "inkomen"),        # only through the plural-s rule
    ("huishoudens", "huishouden"),  # idem
    ("uitkeringen", "uitkering"),
])
def test_inflected_forms_share_a_term(a: str, b: str) -> None:
    assert _shares(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("bemiddelaars", "buurtbemiddeling"),
    ("groene", "vergroening"),
    ("verduurzamen", "duurzaam"),
    ("woningen", "woningcorporatie"),
    ("armoede", "energiearmoede"),
    ("huis", "klushuizen"),
    ("wijk", "aandachtswijken"),
])
def test_compound_parts_match(a: str, b: str) -> None:
    assert not _shares(a, b)  # not through stemming alone ...
    assert _shares(a, b, parts=True)  # ... but through the compound parts


@pytest.mark.parametrize(("a", "b"), [
    ("isoleren", "isolatie"),     # the stemmers give isoler / isoleer and isoler / isolatie
    ("isoleren", "geisoleerd"),   # the participle
    ("isolatie", "isolering"),
    ("renoveren", "renovatie"),
    ("participeren", "participatie"),
    ("verandering", "veranderen"),
])
def test_derivations_share_their_root(a: str, b: str) -> None:
    fa, fb = kz.terms_of(a)[0], kz.terms_of(b)[0]
    assert {t for t in fa & fb if t.startswith("d:")}, (fa, fb)


@pytest.mark.parametrize(("a", "b"), [
    ("ouderen", "ouders"),     # both stemmers give "ouder": the thesaurus lemmas keep them apart
    ("oudere", "ouder"),
    ("gezin", "zin"),          # Snowball 3 drops "ge-": gezin -> zin
    ("gewoon", "woning"),      # gewoon -> woon = woning
    ("gezondheid", "zon"),
    ("gemeente", "meen"),
])
def test_stemming_collisions_are_kept_apart(a: str, b: str) -> None:
    assert not _shares(a, b, parts=True)


@pytest.mark.parametrize(("a", "b"), [
    ("ouderen", "oudere"),
    ("kinderen", "kind"),      # the stemmers miss this one: kinder / kind
    ("gezinnen", "gezin"),
])
def test_lemmas_join_what_belongs_together(a: str, b: str) -> None:
    assert _shares(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("zon", "zonnepanelen"),    # "zon" is not a listed compound part
    ("werk", "samenwerking"),   # excluded: not about work
    ("groen", "groenten"),      # excluded: vegetables
    ("huis", "huishoudens"),    # excluded: a household is not a house
    ("wijk", "afwijking"),      # excluded: a deviation is not a wijk
    ("taal", "kapitaal"),       # excluded
])
def test_honest_non_matches(a: str, b: str) -> None:
    assert not _shares(a, b, parts=True)


# ------------------------------------------------------------------------------ BM25 by hand


def _bm25(tf: float, df: int, n: int, dl: float, avgdl: float) -> float:
    idf = __import__("math").log(1 + (n - df + 0.5) / (df + 0.5))
    norm = 1 - kz.BM25_B + kz.BM25_B * dl / avgdl
    return idf * tf * (kz.BM25_K1 + 1) / (tf + kz.BM25_K1 * norm)


def test_bm25_score_hand_computed() -> None:
    records = [
        rec("a", name="Park", summary="Woning woning"),  # tf 3+3, length 4+3+3
        rec("b", name="Woning"),                          # tf 4, length 4
        rec("c", name="Straat"),                          # length 4
    ]
    index = kz.build_index(records)
    avgdl = (10 + 4 + 4) / 3
    assert index.avgdl == pytest.approx(avgdl)
    df = kz.search_index(index, "woningen")
    expected_a = _bm25(6.0, 2, 3, 10.0, avgdl)  # ln(1,6) x 1,692: more often, but longer
    expected_b = _bm25(4.0, 2, 3, 4.0, avgdl)   # ln(1,6) x 1,796
    assert _ids(df) == ["b", "a"]
    assert df["score"].tolist() == [round(expected_b, 4), round(expected_a, 4)]
    assert df["score"].tolist() == [0.8441, 0.7954]


def test_compound_part_counts_for_part_weight() -> None:
    records = [rec("a", name="Buurtbemiddeling"), rec("b", name="Bemiddeling"),
               rec("c", name="Straat")]
    index = kz.build_index(records)
    df = kz.search_index(index, "bemiddelaars")
    assert _ids(df) == ["b", "a"]
    avgdl = 4.0
    # "a": the part term has tf 4 x PART_WEIGHT = 2; "b": the whole word, tf 4
    assert df["score"].tolist() == [round(_bm25(4.0, 2, 3, 4.0, avgdl), 4),
                                    round(_bm25(2.0, 2, 3, 4.0, avgdl), 4)]


def test_field_weights_rank_name_above_summary_above_description() -> None:
    # equal weighted lengths (4 + 2 x 3 + 2 x 1), the word in a different field each
    records = [
        rec("in-beschrijving", name="Aanpak", summary="straat tuin",
            description="gevel klushuizen"),
        rec("in-samenvatting", name="Aanpak", summary="klushuizen straat",
            description="gevel tuin"),
        rec("in-naam", name="Klushuizen", summary="aanpak straat", description="gevel tuin"),
    ]
    df = kz.search_index(kz.build_index(records), "klushuis")
    assert _ids(df) == ["in-naam", "in-samenvatting", "in-beschrijving"]
    assert df["score"].tolist() == [round(_bm25(tf, 3, 3, 12.0, 12.0), 4)
                                    for tf in (4.0, 3.0, 1.0)]


def test_snippet_marks_matched_words() -> None:
    records = [rec("bb", name="Buurtbemiddeling Zuid", summary="Buren maken samen afspraken.",
                   description="Vrijwilligers helpen. **De bemiddelaars** beslissen niets; "
                               "de buren maken zelf afspraken.\n\nZie [de site](https://x.nl).")]
    df = kz.search_index(kz.build_index(records), "bemiddeling buren")
    assert df.loc[0, "snippet"] == ("De **bemiddelaars** beslissen niets; de **buren** maken "
                                   "zelf afspraken.")
    # no match in a sentence (only the name): the first sentence of the summary, unmarked
    only_name = kz.search_index(kz.build_index(records), "zuid")
    assert only_name.loc[0, "snippet"] == "Buren maken samen afspraken."


def test_empty_query_lists_filtered_records_and_stopwords_find_nothing() -> None:
    records = [rec("b", themes=["sociaal"]), rec("a", themes=["sociaal"]),
               rec("c", themes=["menging"])]
    index = kz.build_index(records)
    assert _ids(kz.search_index(index, "", themes=["sociaal"])) == ["a", "b"]
    assert kz.search_index(index, "de het een").empty
    with pytest.raises(WijkanalyseError):
        kz.search_index(index, "x", limit=0)


def test_build_index_rejects_duplicate_ids() -> None:
    with pytest.raises(WijkanalyseError, match="twee keer"):
        kz.build_index([rec("a"), rec("a")])


_WORDS = ["woningen", "buurt", "bemiddeling", "groen", "armoede", "schulden", "werk", "de",
          "veiligheid", "jongeren", "energie", "wijk", "klushuizen", "corporatie"]


@settings(max_examples=40, deadline=None)
@given(hs.lists(hs.sampled_from(_WORDS), min_size=1, max_size=4), hs.randoms())
def test_search_is_deterministic_and_sorted(words: list[str], rnd: random.Random) -> None:
    records = [rec(f"r{i}", name=" ".join(rnd.sample(_WORDS, 2)),
                   summary=" ".join(rnd.sample(_WORDS, 3))) for i in range(8)]
    query = " ".join(words)
    first = kz.search_index(kz.build_index(records), query, limit=None)
    shuffled = records[:]
    rnd.shuffle(shuffled)
    second = kz.search_index(kz.build_index(shuffled), query, limit=None)
    assert first.equals(second)
    keys = list(zip(-first["score"], first["id"], strict=True))
    assert keys == sorted(keys)
    assert (first["score"] > 0).all()
    # every hit says for which query words it was found, and names them
    qwords = set(kz.tokenize(query))
    for reasons in first["reasons"]:
        assert reasons
        assert all(re.match(r"'([^']+)'", r).group(1) in qwords for r in reasons)


# ------------------------------------------------------------------------- matching (generated)


def test_match_reason_sentence_and_hand_computed_score() -> None:
    wmo = signal("wmo_hoog", 1, "zorg", "Veel Wmo-cliënten")
    prof = generated_profile([LOW_INCOME_SIGNAL, wmo], [LOW_INCOME_FIGURE])
    records = [
        rec("exact", addresses=[{"domain": "inkomen", "indicator": "p_hh_lkk",
                                 "direction": "lower", "signal": None},
                                {"domain": "zorg", "indicator": None, "direction": None,
                                 "signal": None}],
            evidence={"level": "effectief", "source": "x"}),
        rec("domein", addresses=[{"domain": "inkomen", "indicator": None, "direction": None,
                                  "signal": None}]),
        rec("verkeerde-richting", addresses=[{"domain": "inkomen", "indicator": "p_hh_lkk",
                                              "direction": "higher", "signal": None}]),
        rec("energie", addresses=[{"domain": "energie", "indicator": "g_gas",
                                   "direction": "lower", "signal": None}]),
    ]
    result = kz.match_profile(records, prof)
    # only an exact match on a signal above the threshold triggers a recommendation: a match
    # on the domain alone or moving the indicator the wrong way does not
    assert [(m.intervention_id, m.score, m.rank) for m in result.recommendations] == [
        ("exact", 5.5, 1),  # signal 3 + figure 1 + domain zorg 0,5 x 1 + bonus "effectief" 1
    ]
    assert result.inspiration == [] and result.preventive == []
    top = result.recommendations[0]
    assert top.reasons == [
        "Past bij het signaal 'Veel huishoudens met een laag inkomen' (ernstig) en bij het "
        "ongunstige cijfer Huishoudens met een laag inkomen (18,0% tegen 11,0% in de "
        "gemeente, 2019).",
        "Richt zich op het domein zorg, waarin ook het signaal 'Veel Wmo-cliënten' (om te "
        "volgen) valt; dat telt voor de helft.",
        "Bewijskracht: effectief (+1,00).",
    ]
    assert top.signals == ["laag_inkomen_hoog", "wmo_hoog"]
    assert top.triggers == ["laag_inkomen_hoog"]
    assert top.indicators == ["p_hh_lkk"]
    assert (top.soort, top.category) == ("lokale aanpak", "aanbeveling")


def test_programmes_and_foreign_examples_are_inspiration_only() -> None:
    prof = generated_profile([LOW_INCOME_SIGNAL], [LOW_INCOME_FIGURE])
    address = [{"domain": "inkomen", "signal": "laag_inkomen_hoog", "indicator": None,
                "direction": None}]
    records = [rec(kind.replace(" ", "-"), addresses=address, kind=kind)
               for kind in kennis.KINDS]
    result = kz.match_profile(records, prof, limit=None)
    assert sorted(m.intervention_id for m in result.recommendations) == [
        "beleidskader", "lokale-aanpak", "werkwijze"]
    assert sorted(m.intervention_id for m in result.inspiration) == [
        "buitenlands-voorbeeld", "landelijk-programma"]
    assert {m.category for m in result.inspiration} == {"inspiratie"}
    assert [m.rank for m in result.inspiration] == [1, 2]
    data = result.to_dict()
    assert [m["id"] for m in data["inspiration"]] == [m.intervention_id
                                                      for m in result.inspiration]
    assert data["min_severity_label"] == "om te volgen"


def test_evidence_counts_both_ways_and_no_effect_is_quoted() -> None:
    prof = generated_profile([LOW_INCOME_SIGNAL], [])
    address = [{"domain": "inkomen", "signal": "laag_inkomen_hoog", "indicator": None,
                "direction": None}]
    note = ("Een landelijke evaluatie vergeleek wijken met en zonder de aanpak. Er werd geen "
            "aantoonbaar effect op de inkomens gevonden. Het rapport is lang.")
    records = [
        rec(f"effect-{effect}", addresses=address, evidence={
            "level": "goed beschreven", "effect": effect, "source": note})
        for effect in kennis.EFFECTS]
    result = kz.match_profile(records, prof, limit=None)
    scores = {m.intervention_id: m.score for m in result.recommendations}
    # signal 3 + bonus "goed beschreven" 0,25 + the effect adjustment
    assert scores == {"effect-positief": 3.25, "effect-onbekend": 3.25,
                      "effect-gemengd": 2.75, "effect-geen": 1.75, "effect-negatief": 0.25}
    assert [m.intervention_id for m in result.recommendations][-1] == "effect-negatief"
    none = next(m for m in result.recommendations if m.intervention_id == "effect-geen")
    assert none.reasons[-1] == (
        "Effect: het onderzoek vond geen aantoonbaar effect (-1,50). Uit het kennisdossier: "
        "\u201cEr werd geen aantoonbaar effect op de inkomens gevonden.\u201d")  # the finding
    assert none.evidence_effect == "geen"


def test_figures_below_the_threshold_never_trigger() -> None:
    # generated: Kerkrade-West's figure, overlast en onveiligheid -0,06 (no signal: the rule's
    # lowest threshold is -0,11), and an intervention aimed at exactly that indicator
    onv = figure("lbm_onv", "Leefbaarheid dimensie overlast en onveiligheid", "leefbaarheid",
                 -0.06, 0.0, unit="score", kind="score", better="higher", year=2024)
    prof = generated_profile([], [onv])
    records = [rec("op-overlast", addresses=[{"domain": "leefbaarheid", "indicator": "lbm_onv",
                                              "direction": "higher", "signal": None}],
                   cost={"level": "laag", "note": ""})]
    result = kz.match_profile(records, prof)
    assert result.recommendations == [] and result.inspiration == []
    [m] = result.preventive
    assert (m.category, m.triggers) == ("preventief", [])
    # weighted by how close it comes to the threshold: 0,06 / 0,11
    assert m.score == round(0.06 / 0.11, 3)
    assert m.reasons[0] == (
        "Preventief: richt zich op het aandachtspunt Leefbaarheid dimensie overlast en "
        "onveiligheid (-0,060 in 2024: onder het landelijk gemiddelde, op 55% van de drempel "
        "voor een signaal, -0,110).")
    assert any("geen signaal dat een aanpak" in n for n in result.notes)
    # at the threshold it is a signal, and the same intervention is recommended
    sig = signal("onveiligheid_leefbaarometer", 1, "veiligheid", "Overlast en onveiligheid")
    on = kz.match_profile(records, generated_profile([sig], [onv]))
    assert [m.intervention_id for m in on.recommendations] == ["op-overlast"]
    assert on.preventive == []


def test_signal_address_matches_the_combined_signal_that_replaces_it() -> None:
    combined = signal("laag_inkomen_hoog_en_stijgend", 3, "inkomen",
                      "Veel en steeds meer huishoudens met een laag inkomen")
    prof = generated_profile([combined], [])
    records = [rec("via-signaal", addresses=[{"domain": "inkomen", "signal": "laag_inkomen_hoog",
                                              "indicator": None, "direction": None}]),
               rec("via-indicator", addresses=[{"domain": "inkomen", "indicator": "p_hh_lkk",
                                                "direction": "lower", "signal": None}])]
    matches = kz.match_profile(records, prof).recommendations
    assert [(m.intervention_id, m.score) for m in matches] == [("via-indicator", 3.0),
                                                                ("via-signaal", 3.0)]
    assert "'Veel en steeds meer huishoudens met een laag inkomen' (ernstig)" in (
        matches[0].reasons[0])
    assert [m.triggers for m in matches] == [["laag_inkomen_hoog_en_stijgend"]] * 2


def test_ties_are_broken_by_id_whatever_the_input_order() -> None:
    prof = generated_profile([LOW_INCOME_SIGNAL], [LOW_INCOME_FIGURE])
    address = [{"domain": "inkomen", "indicator": "p_hh_lkk", "direction": "lower",
                "signal": None}]
    records = [rec(i, addresses=address) for i in ("c-aanpak", "a-aanpak", "b-aanpak")]
    for order in (records, records[::-1], records[1:] + records[:1]):
        matches = kz.match_profile(order, prof).recommendations
        assert [m.intervention_id for m in matches] == ["a-aanpak", "b-aanpak", "c-aanpak"]
        assert [m.rank for m in matches] == [1, 2, 3]
        assert {m.score for m in matches} == {4.0}
    assert [m.intervention_id for m in kz.match_profile(records, prof, limit=2)
            .recommendations] == ["a-aanpak", "b-aanpak"]


def test_generated_energy_profile_gets_preventive_energy_interventions(catalogue) -> None:
    # generated: the only unfavourable figure is the mean gas use (index 130 against the
    # gemeente); the real catalogue gives gas use no direction, so the assessment is set here.
    # No signal: no recommendation, but preventive suggestions on what is least favourable.
    gas = figure("g_gas", "Gemiddeld aardgasverbruik", "energie", 1560.0, 1200.0, unit="m³",
                 kind="mean", better=None)
    result = kz.match_profile(catalogue, generated_profile([], [gas]), limit=None)
    assert result.recommendations == [] and result.inspiration == []
    energy = _themed(catalogue, "energie-klimaat")
    by_id = {r["id"]: r for r in catalogue}
    assert [m.intervention_id for m in result.preventive] == [
        "energiecoaches", "isolatie-eigenaar-bewoners"]
    assert all(m.intervention_id in energy for m in result.preventive)
    # preventive: only low- and mid-cost interventions a city can start
    assert {by_id[m.intervention_id]["cost"]["level"] for m in result.preventive} <= {
        "laag", "midden"}
    assert all("Gemiddeld aardgasverbruik" in m.reasons[0] for m in result.preventive)
    assert all(m.reasons[0].startswith("Preventief: ") for m in result.preventive)


def test_weights_cover_the_vocabularies() -> None:
    assert list(kz.EVIDENCE_BONUS) == list(kennis.EVIDENCE_LEVELS)
    assert list(kz.EFFECT_ADJUSTMENT) == list(kennis.EFFECTS)
    assert sorted(kz.SEVERITY_WEIGHTS) == [1, 2, 3]
    assert set(kennis.RECOMMENDABLE_KINDS) | set(kennis.INSPIRATION_KINDS) == set(kennis.KINDS)
    assert kz.MIN_TRIGGER_SEVERITY == 1


def test_no_items_no_matches() -> None:
    prof = generated_profile([], [figure("p_hh_lkk", "Huishoudens met een laag inkomen",
                                         "inkomen", 9.0, 11.0, assessment="gunstig")])
    result = kz.match_profile([rec("x", addresses=[{"domain": "inkomen", "indicator": None,
                                                    "direction": None, "signal": None}])],
                              prof)
    assert result.all() == []
    assert result.notes and "ontbrekende cijfers kunnen een opgave verbergen" in (
        result.notes[0])


# ------------------------------------------------------------------------------ search (real)


@pytest.mark.parametrize(("query", "top"), [
    ("bemiddelaars", ["buurtbemiddeling", "jongerenwerk"]),  # "Bemiddelen tussen jongeren..."
    ("bemiddeling", ["buurtbemiddeling", "jongerenwerk"]),
    ("burenruzie", ["buurtbemiddeling"]),          # the text says "Burenruzies"
    ("groene", ["vergroening-openbare-ruimte"]),    # "groen", "vergroening"
    ("schuld", ["thuisadministratie-schuldhulpmaatjes", "geldloket-wijk",
                "vroegsignalering-schulden"]),     # the texts say "schulden", "schuldhulp"
    ("werkloosheid", ["achter-de-voordeur", "new-deal-for-communities",
                      "leerwerktrajecten-social-return"]),
    ("klushuis", ["klushuizen"]),
    ("woningtoewijzing", ["selectieve-woningtoewijzing"]),
    ("isoleren", ["aardgasvrije-wijk", "isolatie-huurwoningen", "isolatie-eigenaar-bewoners"]),
    ("Housing First", ["housing-first"]),
    # the tester's misses (issue 14)
    ("eenzaamheid ouderen", ["vriendschapscursus", "een-tegen-eenzaamheid",
                             "huisbezoeken-ouderen", "lokale-aanpak-eenzaamheid"]),
    ("jongerenoverlast", ["aanpak-jeugdgroepen", "jongerenwerk"]),
])
def test_dutch_queries_find_the_right_records(con, query: str, top: list[str]) -> None:
    assert _ids(kz.search(con, query))[:len(top)] == top


def test_tester_queries_no_longer_miss(con) -> None:
    # "ouderen" is no longer stemmed to "ouders": no parenting programme for the elderly
    old = kz.search(con, "eenzaamheid ouderen", limit=5)
    assert "kansrijke-start" not in _ids(old)
    assert all("'ouderen'" not in " ".join(r) or "ouders" not in " ".join(r)
               for r in old["reasons"])
    # "isoleren" finds the insulation and energy interventions through "isolatie"
    iso = kz.search(con, "isoleren", limit=None).set_index("id")
    assert {"isolatie-huurwoningen", "isolatie-eigenaar-bewoners", "energiecoaches"} <= set(
        iso.index)
    assert iso.loc["isolatie-huurwoningen", "reasons"] == ["'isoleren' in de tekst"]
    assert "**isoleert**" in iso.loc["isolatie-huurwoningen", "snippet"]
    # through the thesaurus: the energy coaches place draught strips
    assert iso.loc["energiecoaches", "reasons"] == [
        "'isoleren' via het verwante woord 'tochtstrips'"]
    # "jongerenoverlast": the healthy-weight programme ("Jongeren Op Gezond Gewicht") is not
    # first, because it has only one of the two parts
    jo = kz.search(con, "jongerenoverlast", limit=None)
    ranks = {i: r for r, i in enumerate(_ids(jo), start=1)}
    assert ranks["jogg-aanpak"] > 5
    assert kz.search(con, "jeugdoverlast", limit=1).loc[0, "id"] == "aanpak-jeugdgroepen"
    # a compound of the query: "krachtwijken" finds the "Krachtwijkenaanpak"
    assert "krachtwijkenaanpak" in _ids(kz.search(con, "krachtwijken", limit=3))


def test_search_evaluation_reaches_the_target() -> None:
    index = kz.build_index([kennis.to_dict(iv) for iv in kennis.shipped_catalogue()])
    queries = kz.load_search_evaluation()
    assert len(queries) >= 40
    df = kz.evaluate_search(index, queries)
    assert list(df.columns) == kz.EVALUATION_COLUMNS
    assert df["recall_at_5"].mean() >= kz.RECALL_TARGET == 0.8
    assert df["ndcg_at_10"].between(0, 1).all()
    # the queries of the issue are answered in full
    by_query = df.set_index("query")
    for query in ("eenzaamheid ouderen", "isoleren", "jongerenoverlast"):
        assert by_query.loc[query, "recall_at_5"] == 1.0, query


def test_ndcg_hand_computed() -> None:
    # ranked: expected (2) at 1, nothing at 2, also-relevant (1) at 3
    grades = {"a": 2, "b": 1}
    dcg = 3 / __import__("math").log2(2) + 1 / __import__("math").log2(4)
    ideal = 3 / __import__("math").log2(2) + 1 / __import__("math").log2(3)
    assert _ndcg(["a", "x", "b"], grades, 10) == pytest.approx(dcg / ideal)
    assert _ndcg(["a", "b"], grades, 10) == pytest.approx(1.0)
    assert _ndcg(["x"], grades, 10) == 0.0


def test_evaluation_set_and_thesaurus_are_checked() -> None:
    with pytest.raises(WijkanalyseError, match="'verwacht' heeft één tot vijf"):
        kz.load_search_evaluation("vragen:\n  - vraag: x\n    verwacht: []\n")
    with pytest.raises(WijkanalyseError, match="staat er twee keer in"):
        kz.load_search_evaluation("vragen:\n  - {vraag: x, verwacht: [a]}\n"
                                  "  - {vraag: x, verwacht: [b]}\n")
    with pytest.raises(kz.ThesaurusError, match="ten minste twee termen"):
        kz.load_thesaurus("groepen:\n  - termen: [eenzaam]\n")
    with pytest.raises(kz.ThesaurusError, match="gewicht moet een getal"):
        kz.load_thesaurus("groepen:\n  - termen: [a, b]\n    gewicht: 2\n")
    with pytest.raises(kz.ThesaurusError, match="onbekende sleutel"):
        kz.load_thesaurus("synoniemen: []\n")
    thesaurus = kz.load_thesaurus()
    assert thesaurus.lemmas["ouderen"] != thesaurus.lemmas["ouders"]
    index = kz.build_index([kennis.to_dict(iv) for iv in kennis.shipped_catalogue()])
    with pytest.raises(WijkanalyseError, match="onbekende interventie"):
        kz.evaluate_search(index, [kz.EvaluationQuery("x", ("bestaat-niet",))])


def test_inflected_and_compound_forms_are_marked_in_snippets(con) -> None:
    df = kz.search(con, "bemiddelaars")
    assert df.loc[0, "snippet"] == (
        "De **bemiddelaars** beslissen niets: de buren maken zelf afspraken.")
    assert df.loc[1, "snippet"] == "**Bemiddelen** tussen jongeren en buurtbewoners"
    assert df.set_index("id").loc["huismeesters-woonconsulenten", "snippet"] == (
        "Korte lijnen met wijkteam, wijkagent en **buurtbemiddeling**")
    # "woningen" finds "woning" (stemming) and "huurwoningen" (compound part)
    woningen = kz.search(con, "woningen", limit=None)
    assert len(woningen) >= 20
    first = woningen.set_index("id")["snippet"]
    assert "**woning**" in first["housing-first"]
    assert "**huurwoningen**" in first["herstructurering"]
    # "inkomens" finds "inkomen" (plural rule)
    assert "laag **inkomen**" in kz.search(con, "inkomens").set_index("id")["snippet"][
        "energiecoaches"]
    # "groene" finds "vergroening" only through the compound part "groen"
    groene = set(_ids(kz.search(con, "groene", limit=None)))
    assert {"vergroening-openbare-ruimte", "klushuizen"} <= groene
    # "verduurzamen" finds "verduurzaming" (stemming) and, through the thesaurus, insulation
    verduurzamen = kz.search(con, "verduurzamen", limit=None)
    assert _ids(verduurzamen)[:2] == ["optoppen-splitsen", "aardgasvrije-wijk"]
    assert "**verduurzaming**" in verduurzamen.loc[0, "snippet"]
    assert verduurzamen.loc[1, "reasons"] == ["'verduurzamen' via het verwante woord 'isoleren'"]


def test_search_columns_and_types(con) -> None:
    df = kz.search(con, "schulden", limit=3)
    assert list(df.columns) == kz.SEARCH_COLUMNS
    assert len(df) == 3
    row = df.iloc[0]
    assert row["id"] == "vroegsignalering-schulden"
    assert row["evidence_level"] == "goed onderbouwd"
    assert list(row["themes"]) == ["armoede-schulden", "sociaal", "economie-werk"]
    assert df["score"].is_monotonic_decreasing


def test_filters_by_theme_partner_and_evidence(con, catalogue) -> None:
    by_id = {r["id"]: r for r in catalogue}
    levels = list(kennis.EVIDENCE_LEVELS)
    energy = kz.search(con, "", themes="energie en klimaat", limit=None)
    assert _ids(energy) == sorted(_themed(catalogue, "energie-klimaat"))
    assert _ids(kz.search(con, "", themes=["energie-klimaat"], limit=None)) == _ids(energy)
    police = kz.search(con, "overlast", partners="Politie", limit=None)
    assert len(police) > 0
    assert all("politie" in by_id[i]["partners"] for i in police["id"])
    strong = kz.search(con, "wijk", evidence="goed onderbouwd", limit=None)
    assert len(strong) > 0
    assert {by_id[i]["evidence"]["level"] for i in strong["id"]} <= {"goed onderbouwd",
                                                                     "effectief"}
    exact = kz.search(con, "", evidence=["effectief"], limit=None)
    assert _ids(exact) == sorted(i for i, r in by_id.items()
                                 if r["evidence"]["level"] == "effectief")
    assert levels.index("effectief") == 3
    # combined filters narrow down
    both = kz.search(con, "", themes="sociaal", partners="politie", limit=None)
    assert set(_ids(both)) == {i for i, r in by_id.items()
                               if "sociaal" in r["themes"] and "politie" in r["partners"]}
    with pytest.raises(kennis.KennisError, match="kies uit"):
        kz.search(con, "", themes="groenvoorziening")
    with pytest.raises(kennis.KennisError):
        kz.search(con, "", evidence="zeker")


def test_search_without_loaded_catalogue_uses_the_shipped_one(built_db: Path, con) -> None:
    plain = store.connect(built_db, read_only=True)
    try:
        assert kz.search(plain, "buurtbemiddeling").equals(kz.search(con, "buurtbemiddeling"))
    finally:
        plain.close()


# ------------------------------------------------------------------------------ matching (real)


def test_low_income_wijk_ranks_income_and_work_above_energy(molenberg, catalogue) -> None:
    rules = [s.rule_id for s in molenberg.signals]
    assert rules[:2] == ["laag_inkomen_hoog_en_stijgend", "bijstand_hoog"]
    result = kz.match_profile(catalogue, molenberg, limit=None)
    matches = result.recommendations
    rank = {m.intervention_id: m.rank for m in matches}
    assert [m.intervention_id for m in matches[:4]] == [
        "vroegsignalering-schulden", "thuisadministratie-schuldhulpmaatjes",
        "achter-de-voordeur", "geldloket-wijk"]
    # the bijstand share (8,2% against 5,3%) is unfavourable in the profile's one assessment
    # (issue 13): one unfavourable figure more for the first three
    assert [m.score for m in matches[:4]] == [10.0, 9.75, 9.5, 8.5]
    # the Krachtwijkenaanpak is a national programme: inspiration, not a recommendation, and
    # its evaluation (no demonstrable effect on most goals) lowers its score
    assert "krachtwijkenaanpak" not in rank
    kracht = next(m for m in result.inspiration if m.intervention_id == "krachtwijkenaanpak")
    assert kracht.category == "inspiratie" and kracht.evidence_effect == "geen"
    assert "geen aantoonbaar extra effect" in kracht.reasons[-1]
    energy = _themed(catalogue, "energie-klimaat")
    income_work = (_themed(catalogue, "armoede-schulden")
                   | _themed(catalogue, "economie-werk")) - energy
    assert min(rank[i] for i in income_work if i in rank) < min(rank[i] for i in energy
                                                               if i in rank)
    # the income interventions proper rank above every energy intervention
    for income in ("vroegsignalering-schulden", "achter-de-voordeur"):
        for e in ("energiecoaches", "isolatie-huurwoningen"):
            assert rank[income] < rank[e]
    ranks_iw = sorted(rank[i] for i in income_work if i in rank)
    ranks_e = sorted(rank[i] for i in energy if i in rank)
    assert ranks_iw[len(ranks_iw) // 2] < ranks_e[len(ranks_e) // 2]  # medians 6 and 12


def test_reasons_name_the_signals_and_figures(molenberg, catalogue) -> None:
    top = kz.match_profile(catalogue, molenberg, limit=1).recommendations[0]
    assert top.intervention_id == "vroegsignalering-schulden"
    assert top.reasons == [
        "Past bij het signaal 'Veel en steeds meer huishoudens met een laag inkomen' (ernstig) "
        "en bij het ongunstige cijfer Huishoudens met een laag inkomen (17,5% tegen 12,5% in "
        "de gemeente, 2018).",
        "Past bij het signaal 'Veel bijstandsontvangers' (aandacht) en bij het ongunstige cijfer "
        "Personen met een bijstandsuitkering (% van inwoners, berekend) (8,2% tegen 5,3% in de "
        "gemeente, 2018).",
        "Past bij het signaal 'Veel huishoudens rond het sociaal minimum' (om te volgen) en bij "
        "het ongunstige cijfer Huishoudens onder of rond het sociaal minimum (15,5% tegen "
        "11,0% in de gemeente, 2018).",
        "Richt zich op het domein inkomen, waarin ook het signaal 'Veel inwoners met een laag "
        "inkomen' (om te volgen) valt (en nog 4 andere); dat telt voor de helft.",
        "Bewijskracht: goed onderbouwd (+0,50).",
    ]
    # 3 + 1 + 2 + 1 + 1 + 1 + 0,5 x 1 + 0,5 (the bijstand share is an unfavourable figure in
    # the profile's one assessment since issue 13, as the Oordeel column says)
    assert top.score == 10.0
    titles = {s.rule_id: s.title for s in molenberg.signals}
    for m in kz.match_profile(catalogue, molenberg, limit=None).all():
        named = re.findall(r"'([^']+)' \((?:ernstig|aandacht|om te volgen)\)",
                           " ".join(m.reasons))
        # every signal that counts in the score is named in the reasons, and only those
        assert set(named) == {titles[r] for r in m.signals}, m.intervention_id


def test_match_takes_the_profile_from_its_caller(con) -> None:
    subject = resolve_subject(con, MOLENBERG, year=2018)
    # kennis does not import the profile assembly (which embeds kennis): the caller (the CLI's
    # `kennis match`) builds the profile and passes it
    with pytest.raises(TypeError, match="profile"):
        kz.match(con, subject, limit=3)
    given_profile = kz.match(con, subject, profile=build_profile(con, subject), limit=3)
    # the profile of the latest year (2020)
    assert given_profile.recommendations[0].intervention_id == "vroegsignalering-schulden"
    other = resolve_subject(con, SCHILDERSBUURT)
    with pytest.raises(WijkanalyseError, match="niet over"):
        kz.match(con, other, profile=build_profile(con, subject, year=2018, with_peers=False,
                                                   with_location=False))


# ------------------------------------------------------------------------------ peers and section


@pytest.fixture(scope="module")
def applied_db(kdb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The kennis database with recorded applications (generated records on real areas)."""
    path = tmp_path_factory.mktemp("toegepast") / "wijkanalyse.duckdb"
    shutil.copy(kdb, path)
    con = store.connect(path)
    content = open_content(db_path=path)
    try:
        kennis.apply_intervention(con, content, intervention="vergroening-openbare-ruimte",
                                  area=MOERWIJK, year_from=2014, year_to=2019,
                                  partners=["gemeente", "bewoners"], funding="gemeente",
                                  result="Twee pleinen vergroend.", indicators=["a_inw"],
                                  author="Test")
        kennis.apply_intervention(con, content, intervention="vroegsignalering-schulden",
                                  area=MOERWIJK, year_from=2024, author="Test")
        kennis.apply_intervention(con, content, intervention="vroegsignalering-schulden",
                                  area="WK003401", year_from=2016, author="Test")
        kennis.apply_intervention(con, content, intervention="buurtbemiddeling", area=MOLENBERG,
                                  year_from=2015, author="Test")
        kennis.apply_intervention(con, content, intervention="herstructurering",
                                  area=SCHILDERSBUURT, year_from=2010, year_to=2020,
                                  partners="woningcorporatie",
                                  funding=["corporatie", "rijk"],
                                  result="<script>alert('x')</script> Sloop en nieuwbouw.",
                                  author="A. de Vries")
    finally:
        con.close()
        content.close()
    return path


@pytest.fixture(scope="module")
def acon(applied_db: Path):
    connection = store.connect(applied_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def acontent(applied_db: Path):
    """The content store with the recorded applications."""
    content = open_content(db_path=applied_db)
    yield content
    content.close()


@pytest.fixture(scope="module")
def schilders(acon, acontent) -> Profile:
    subject = resolve_subject(acon, SCHILDERSBUURT)
    return build_profile(acon, subject, with_location=False, content=acontent)


def test_peer_application_and_leefbaarometer_since_the_start(acon, acontent,
                                                              schilders) -> None:
    assert MOERWIJK in [p.code for p in schilders.peers.peers]
    matches = {m.intervention_id: m for m in kz.match(acon, schilders.subject,
                                                      profile=schilders, limit=None,
                                                      content=acontent).all()}
    [app] = matches["vergroening-openbare-ruimte"].peer_applications
    assert (app.peer_code, app.peer_name, app.start_year, app.end_year) == (
        MOERWIJK, "Moerwijk", 2014, 2019)
    assert (app.lbm_from_year, app.lbm_to_year) == (2014, 2024)
    assert app.lbm_from == pytest.approx(3.8086, abs=1e-4)
    assert app.lbm_to == pytest.approx(3.8725, abs=1e-4)
    assert app.lbm_change == pytest.approx(0.0639, abs=1e-4)
    assert app.development == (
        "De Leefbaarometer-score ging van 3,81 in 2014 naar 3,87 in 2024 (+0,06); de "
        "afwijking van het landelijk gemiddelde van -0,29 naar -0,23. Er is geen meting van "
        "vóór de start (2014); de eerste is van 2015. Aantal inwoners: van 20.060 in 2015 "
        "naar 21.555 in 2024 (+7,5%).")  # 2015: the Wijk- en Buurtkaart
    assert app.partners == ["gemeente", "bewoners"]
    assert app.result == "Twee pleinen vergroend."
    assert app.source is not None and "Leefbaarometer 3.0" in app.source
    assert "Kerncijfers Wijken en Buurten" in app.source
    # started in the latest measurement year: nothing to compare with
    [later] = matches["vroegsignalering-schulden"].peer_applications
    assert later.development == ("Geen gegevens over de ontwikkeling sinds de start: er is "
                                 "nog geen Leefbaarometer-meting na 2024.")
    # Molenberg is no peer of the Schildersbuurt
    assert matches["buurtbemiddeling"].peer_applications == []


def test_peer_without_leefbaarometer_says_geen_gegevens(acon, acontent) -> None:
    peers = PeerGroup(level="wijk", year=2024, indicators=[], method="gegenereerd", peers=[
        Peer(code="WK003401", name="Centrum Almere Haven", gemeente_name="Almere",
             distance=0.4, rank=1, reasons=[]),
        Peer(code=MOERWIJK, name="Moerwijk", gemeente_name="'s-Gravenhage", distance=0.5,
             rank=2, reasons=[]),
    ])
    prof = generated_profile([LOW_INCOME_SIGNAL], [LOW_INCOME_FIGURE], peers)
    [m] = [m for m in kz.match(acon, SUBJECT, profile=prof, limit=None, content=acontent).all()
           if m.intervention_id == "vroegsignalering-schulden"]
    assert [(a.peer_code, a.start_year) for a in m.peer_applications] == [
        ("WK003401", 2016), (MOERWIJK, 2024)]
    assert m.peer_applications[0].development == (
        "Geen gegevens over de ontwikkeling: er is geen Leefbaarometer van Centrum Almere "
        "Haven geladen.")
    assert m.peer_applications[0].lbm_from is None
    assert m.peer_applications[0].source is None


class _Figures(HTMLParser):
    """Collects the text of every <figure> of a rendered section."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "figure":
            self._depth += 1
            self.figures.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.figures[-1] += data


def _render(section: dict) -> str:
    return _environment().get_template("_kennis.html").render(kennis=section)


def test_profile_section_and_partial(acon, acontent, schilders) -> None:
    section = kz.profile_section(acon, schilders.subject, profile=schilders, content=acontent)
    assert section["catalogue_from_database"] is True
    assert section["catalogue_size"] == len(kennis.shipped_catalogue())
    # since issue 13 the corporation share (the signal corporatiewijk) and the bijstand share
    # are unfavourable figures in the one assessment, as in the Oordeel column: herstructurering
    # (which addresses p_wcorpw) moves up
    assert [m["id"] for m in section["matches"]] == [
        "herstructurering", "vergroening-openbare-ruimte", "herinrichting-openbare-ruimte",
        "huismeesters-woonconsulenten", "wooncooperatie-clt"]
    assert [m["score_text"] for m in section["matches"]] == [
        "12,25", "12,00", "11,50", "11,50", "11,00"]
    assert section["basis"] == "signalen"
    assert section["matches"][0]["themes"][0] == "fysiek / woningvoorraad"
    assert section["matches"][1]["themes"][0] == "openbare ruimte"
    assert {m["soort"] for m in section["matches"]} <= set(kennis.RECOMMENDABLE_KINDS)
    # national programmes and foreign examples: apart, at most three, "ter inspiratie"
    assert [m["id"] for m in section["inspiration"]] == [
        "nationaal-programma-rotterdam-zuid", "nplv-focusgebieden", "soziale-stadt"]
    assert {m["category_label"] for m in section["inspiration"]} == {"ter inspiratie"}
    assert section["preventive"] == []
    her = next(m for m in section["matches"] if m["id"] == "herstructurering")
    assert her["context"].startswith("Grootschalige sloop en nieuwbouw")
    assert [(r["intervention_id"], r["peer_code"]) for r in section["peer_rows"]] == [
        ("vergroening-openbare-ruimte", MOERWIJK)]
    assert section["peer_rows"][0]["partners"] == ["gemeente", "bewoners"]
    [applied] = section["applied"]
    assert applied["intervention_id"] == "herstructurering"
    assert applied["period"] == "2010-2020"
    assert applied["partners"] == ["woningcorporatie"]
    assert applied["funding"] == ["woningcorporatie", "Rijk"]
    assert applied["area_text"] == "Toegepast in deze wijk."
    assert section["matches_caption"].startswith("Bron: Kennisdossier wijkanalyse (")
    assert "Leefbaarometer 3.0, ministerie van BZK" in section["matches_caption"]
    assert json.loads(json.dumps(section)) == section  # plain data
    html = _render(section)
    parser = _Figures()
    parser.feed(html)
    assert len(parser.figures) == 3
    assert all("Bron:" in f for f in parser.figures)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "Overlast en onveiligheid" in html
    assert "Ter inspiratie: landelijke programma" in html
    assert "Wanneer realistisch:" in html and "afschaffing van het ISV" in html


def test_profile_section_empty_states(built_db: Path, molenberg) -> None:
    plain = store.connect(built_db, read_only=True)
    try:
        section = kz.profile_section(plain, molenberg.subject, profile=molenberg)
        empty = kz.profile_section(plain, SUBJECT, profile=generated_profile([], []))
    finally:
        plain.close()
    # data build loads the shipped catalogue into the database
    assert section["catalogue_from_database"] is True
    assert not any(n.startswith("Het kennisdossier is nog niet") for n in section["notes"])
    assert section["applied"] == [] and section["peer_rows"] == []
    html = _render(section)
    assert f"wijkanalyse kennis toepassen INTERVENTIE --gebied {MOLENBERG}" in html
    assert empty["matches"] == [] and empty["inspiration"] == []
    assert any("geen signalen en geen ongunstige kerncijfers" in n for n in empty["notes"])
    # no figures at all: low-cost suggestions for liveability in general, labelled preventive
    assert empty["preventive"]
    assert {m["category_label"] for m in empty["preventive"]} == {"preventief"}
    assert any("ontbrekende cijfers kunnen een opgave verbergen" in n for n in empty["notes"])
    empty_html = _render(empty)
    assert "<h3>Preventief</h3>" in empty_html and "Aanpak (preventief)" in empty_html
    assert "Geen passende aanpakken" not in empty_html
    assert "wijkanalyse kennis toepassen" in empty_html
    nothing = dict(empty, preventive=[])
    assert "Geen passende aanpakken" in _render(nothing)


# ------------------------------------------------------------------------ programme wijken (14)


@pytest.fixture(scope="module")
def programme_advice(con) -> dict[str, tuple[Profile, kz.MatchResult]]:
    """Profile and advice of the twelve wijken of the 2016 programme (real data)."""
    from wijkanalyse.gebieden import load_area_set
    from wijkanalyse.gebieden.subjects import subject_for_area_set_entry

    out = {}
    for entry in load_area_set("programma-2016").areas:
        subject = subject_for_area_set_entry(con, entry)
        profile = build_profile(con, subject, with_location=False)
        out[entry.name] = (profile, kz.match(con, subject, profile=profile, limit=None))
    return out


def test_programme_wijken_get_advice_a_city_can_follow(programme_advice) -> None:
    assert len(programme_advice) == 12
    kinds = {iv.id: iv.kind for iv in kennis.shipped_catalogue()}
    for name, (profile, result) in programme_advice.items():
        severity = {s.rule_id: s.severity for s in profile.signals}
        for m in result.recommendations:
            # no national programme or foreign example is ever recommended
            assert kinds[m.intervention_id] in kennis.RECOMMENDABLE_KINDS, (name, m)
            assert m.category == "aanbeveling" and m.soort == kinds[m.intervention_id]
            # every recommendation rests on a signal of the profile at or above the threshold
            assert m.triggers, (name, m.intervention_id)
            assert all(severity[t] >= kz.MIN_TRIGGER_SEVERITY for t in m.triggers)
        for m in result.inspiration:
            assert kinds[m.intervention_id] in kennis.INSPIRATION_KINDS, (name, m)
        assert "krachtwijkenaanpak" not in [m.intervention_id for m in result.recommendations]
        # a wijk gets recommendations, or else labelled preventive suggestions
        assert result.recommendations or result.preventive, name
        if result.preventive:
            assert not result.recommendations
            assert all(m.category == "preventief" and not m.triggers
                       and m.reasons[0].startswith("Preventief: ") for m in result.preventive)
            assert any("geen signaal dat een aanpak" in n for n in result.notes)
    for name in ("Gestelse buurt", "Jagershoef", "Meerzicht"):
        _, result = programme_advice[name]
        assert result.recommendations or result.preventive, name


def test_programme_wijken_pinned_advice(programme_advice) -> None:
    top = {name: [m.intervention_id for m in result.recommendations[:3]]
           for name, (_, result) in programme_advice.items()}
    # Kerkrade-West: overlast en onveiligheid -0,056 and leefbaarheid -0,099 (2024) stay below
    # their thresholds (-0,11 and -0,10): no Housing First. Since the 2015 series is loaded its
    # 65+ share rose from 21,0% (KWB 2015, published whole percentage) to 26,2% (KWB 2024):
    # 'Snelle vergrijzing' (aandacht, +4 points) is its only signal and the advice follows it
    profile, kerkrade = programme_advice["Kerkrade-West"]
    assert [(s.rule_id, s.severity_label) for s in profile.signals] == [
        ("vergrijzing_stijgt", "aandacht")]
    # whole percentages as CBS publishes p_65_eo_jr (2024 computed from the counts: 26,2)
    assert "van 21% in 2015 naar 26% in 2024" in profile.signals[0].text
    assert [m.intervention_id for m in kerkrade.recommendations[:3]] == [
        "lokale-aanpak-eenzaamheid", "vriendschapscursus", "huisbezoeken-ouderen"]
    assert "housing-first" not in [m.intervention_id for m in kerkrade.all()]
    # Dolphia has no signal: preventive suggestions weighted by how close each figure comes to
    # its threshold (voorzieningen -0,085 against -0,100)
    profile, dolphia = programme_advice["Dolphia"]
    assert profile.signals == [] and dolphia.recommendations == []
    assert dolphia.preventive[0].intervention_id == "wijkeconomie-broedplaatsen"
    assert "op 85% van de drempel voor een signaal, -0,100" in dolphia.preventive[0].reasons[0]
    # sloop-nieuwbouw comes with when it is realistic, and its mixed evaluation is quoted
    selwerd = programme_advice["Selwerd"][1].recommendations[0]
    assert selwerd.intervention_id == "herstructurering"
    assert "afschaffing van het ISV" in selwerd.context
    assert selwerd.reasons[-1].startswith("Effect: het onderzoek vond gemengde uitkomsten")
    assert top["Schiedam-Oost"] == ["vergroening-openbare-ruimte",
                                    "herinrichting-openbare-ruimte", "schoon-heel-veilig"]
    assert top["Gestelse buurt"] == ["verdichting-middenhuur"]
    # Meerzicht: no figures to go on, general low-cost suggestions
    _, result = programme_advice["Meerzicht"]
    assert [m.intervention_id for m in result.preventive[:2]] == [
        "buurtbemiddeling", "buurtsportcoach"]
    assert any("ontbrekende cijfers" in n for n in result.notes)
    # Jagershoef: its 65+ share (20,3% against 16,4% in Lelystad, 2024) is unfavourable in the
    # one assessment (the rule vergrijzing_hoog says higher is unfavourable; issue 13), below
    # the signal threshold: preventive suggestions for older residents, saying so
    _, result = programme_advice["Jagershoef"]
    assert [m.intervention_id for m in result.preventive[:2]] == [
        "vriendschapscursus", "lokale-aanpak-eenzaamheid"]
    assert result.preventive[0].reasons[0].startswith(
        "Preventief: richt zich op het aandachtspunt Inwoners 65 jaar of ouder (%, berekend) "
        "(20% tegen 16% in de gemeente, 2024; op 78% van de drempel voor een signaal")
