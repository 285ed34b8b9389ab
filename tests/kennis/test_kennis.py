"""The kennisdossier: shipped catalogue, validation, storage with history, applied approaches,
export and the ``kennis`` command group (on a copy of the database built from the real data)."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import duckdb
import pandas as pd
import pytest
import typer
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wijkanalyse import kennis, store
from wijkanalyse.catalogue import load_catalogue
from wijkanalyse.cli import util as cliutil
from wijkanalyse.cli.kennis import app as kennis_app
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.settings import resolve_settings
from wijkanalyse.signalen.rules import load_rules
from wijkanalyse.sources.build import _carry_over_user_tables

SHIPPED = {p.stem: p for p in kennis.shipped_files()}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture
def con(built_db: Path, tmp_path: Path):
    """A writable copy of the built database with the shipped catalogue loaded."""
    target = tmp_path / "w.duckdb"
    shutil.copy(built_db, target)
    connection = store.connect(target)
    kennis.ensure_tables(connection)
    kennis.ensure_catalogue(connection)
    yield connection
    connection.close()


@pytest.fixture
def cs(tmp_path: Path):
    """The content store next to the copy (applied interventions are written there)."""
    from wijkanalyse.content import open_content

    store_ = open_content(db_path=tmp_path / "w.duckdb")
    yield store_
    store_.close()


def _edited(tmp_path: Path, iv_id: str, *, old: str, new: str, name: str | None = None) -> Path:
    """A copy of a shipped file with one text replaced."""
    text = SHIPPED[iv_id].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / (name or f"{iv_id}.yaml")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# ----------------------------------------------------------------------------- catalogue


def test_every_shipped_file_validates() -> None:
    assert kennis.check_catalogue() == []
    assert len(SHIPPED) >= 25
    ivs = kennis.shipped_catalogue()
    assert [iv.id for iv in ivs] == sorted(SHIPPED)
    for iv in ivs:
        assert kennis.load_intervention_file(SHIPPED[iv.id]) == iv


def test_shipped_catalogue_covers_required_themes_and_is_honest() -> None:
    ivs = kennis.shipped_catalogue()
    used = {t for iv in ivs for t in iv.themes}
    assert set(kennis.REQUIRED_THEMES) <= used
    assert len(kennis.REQUIRED_THEMES) == 10
    levels = [iv.evidence.level for iv in ivs]
    # honest ladder: most approaches are not shown effective; "onbekend" is common
    assert levels.count("onbekend") >= 10
    assert sorted(iv.id for iv in ivs if iv.evidence.level == "effectief") == [
        "communities-that-care", "housing-first", "mentorprojecten-jongeren",
        "moving-to-opportunity"]
    # every claim above "onbekend" says what it rests on
    assert all(iv.evidence.source for iv in ivs if iv.evidence.level != "onbekend")
    # an effect found (or not found) rests on a source under 'bronnen'
    for iv in ivs:
        if iv.evidence.effect != "onbekend":
            assert iv.sources and iv.evidence.source, iv.id
    # evidence counts both ways: evaluations that found no effect are recorded as such
    assert sorted(iv.id for iv in ivs if iv.evidence.effect == "geen") == [
        "huisbezoeken-ouderen", "jogg-aanpak", "krachtwijkenaanpak"]
    # the catalogue has at least fifty entries of every kind a city meets
    assert len(ivs) >= 50
    kinds = {iv.id: iv.kind for iv in ivs}
    assert set(kinds.values()) == set(kennis.KINDS)
    assert {i for i, k in kinds.items() if k in kennis.INSPIRATION_KINDS} == {
        "krachtwijkenaanpak", "nationaal-programma-rotterdam-zuid", "nplv-focusgebieden",
        "een-tegen-eenzaamheid", "moving-to-opportunity", "new-deal-for-communities",
        "soziale-stadt", "groepsgerichte-afschrikking"}
    # the range of approaches is there
    for iv_id in ("herstructurering", "verkoop-corporatiewoningen", "achter-de-voordeur",
                  "buurtbemiddeling", "klushuizen", "selectieve-woningtoewijzing",
                  "vergroening-openbare-ruimte", "verdichting-middenhuur", "aardgasvrije-wijk",
                  "nationaal-programma-rotterdam-zuid", "new-deal-for-communities",
                  "soziale-stadt", "housing-first"):
        assert iv_id in SHIPPED
    # issue 14: loneliness, youth nuisance, debt, energy poverty and insulation, public space
    # maintenance, densification and mixing (Herstructurering 2.0, the NPLV themes)
    for topic, ids in {
        "eenzaamheid": ("lokale-aanpak-eenzaamheid", "vriendschapscursus", "welzijn-op-recept",
                        "huisbezoeken-ouderen"),
        "jongerenoverlast": ("aanpak-jeugdgroepen", "jongerenwerk", "communities-that-care"),
        "schulden": ("vroegsignalering-schulden", "thuisadministratie-schuldhulpmaatjes",
                     "geldloket-wijk"),
        "energiearmoede en isolatie": ("energiecoaches", "isolatie-huurwoningen",
                                       "isolatie-eigenaar-bewoners"),
        "beheer openbare ruimte": ("beheer-openbare-ruimte", "wijkbeheer-bewoners",
                                   "herinrichting-openbare-ruimte"),
        "verdichting": ("verdichting-middenhuur", "transformatie-vastgoed", "optoppen-splitsen"),
        "menging": ("sturen-op-menging", "gemengd-wonen", "verkoop-corporatiewoningen"),
    }.items():
        assert all(i in SHIPPED for i in ids), topic
    # the national programme is one to learn from, not to start; its evaluation is quoted
    kracht = {iv.id: iv for iv in ivs}["krachtwijkenaanpak"]
    assert (kracht.kind, kracht.evidence.effect) == ("landelijk programma", "geen")
    assert "geen aantoonbaar extra effect" in kracht.evidence.source
    # JOGG: the RIVM comparison of neighbourhoods with and without the approach (2020)
    jogg = {iv.id: iv for iv in ivs}["jogg-aanpak"]
    assert [(c.name, c.year) for c in kennis.find_citations(jogg.evidence.source)] == [
        ("Blokstra", 2020)]
    assert "statistisch niet significant" in jogg.evidence.source
    # sloop-nieuwbouw says when it is realistic
    her = {iv.id: iv for iv in ivs}["herstructurering"]
    assert "ISV" in her.context and "Nationaal Programma Leefbaarheid en Veiligheid" in her.context


def test_shipped_references_resolve() -> None:
    ivs = kennis.shipped_catalogue()
    ids = {iv.id for iv in ivs}
    cat = load_catalogue()
    rules = {r.id: r for r in load_rules()}
    for iv in ivs:
        assert set(iv.related) <= ids - {iv.id}
        assert iv.addresses
        for a in iv.addresses:
            if a.signal:
                assert a.domain == rules[a.signal].domain
            if a.indicator and a.indicator in cat:
                assert a.domain == cat[a.indicator].domain
                better = cat[a.indicator].better
                assert better is None or better == a.direction
        for s in iv.sources:
            assert s.title and (s.year is None or 1900 <= s.year <= 2026)


def test_pinned_record() -> None:
    iv = kennis.load_intervention_file(SHIPPED["herstructurering"])
    assert iv.name == "Herstructurering (sloop en nieuwbouw)"
    assert iv.themes == ("fysiek", "menging", "openbare-ruimte")
    assert iv.theme_labels[0] == "fysiek / woningvoorraad"
    assert iv.signals == ("woningvoorraad_leefbaarometer", "corporatiewijk", "woningwaarde_laag",
                          "leefbaarheid_laag")
    assert iv.addresses[4] == kennis.Addressed(domain="leefbaarheid", indicator="lbm_won",
                                               direction="higher")
    assert iv.horizon == kennis.Horizon("lang", 10, 20)
    assert iv.horizon.text() == "lang (10-20 jaar)"
    assert iv.cost.level == "hoog"
    assert iv.sources[0].text() == ("Wittebrood, K. & Permentier, M. (2011). Wonen, wijken & "
                                    "interventies. Krachtwijkenbeleid in perspectief. Sociaal en "
                                    "Cultureel Planbureau.")
    assert iv.evidence.level == "goed beschreven"
    assert (iv.kind, iv.evidence.effect, iv.recommendable) == ("lokale aanpak", "gemengd", True)


# ----------------------------------------------------------------------------- validation


def _problems(path: Path, known: tuple[str, ...] = ()) -> list[kennis.Problem]:
    with pytest.raises(kennis.InterventionFileError) as info:
        kennis.load_intervention_file(path, known_ids=known or None)
    return list(info.value.problems)


def test_missing_field_names_file_and_field(tmp_path: Path) -> None:
    text = SHIPPED["klushuizen"].read_text(encoding="utf-8")
    start = text.index("valkuilen:")
    end = text.index("verwant:")
    path = tmp_path / "klushuizen.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    problems = _problems(path)
    assert [(p.field, p.line) for p in problems] == [("valkuilen", 1)]
    message = str(problems[0])
    assert str(path) in message and "'valkuilen'" in message and "ontbreekt" in message


def test_unknown_theme_names_line_and_suggests(tmp_path: Path) -> None:
    path = _edited(tmp_path, "buurtbemiddeling", old="themas: [sociaal, veiligheid, participatie]",
                   new="themas: [sociaal, veilighied, participatie]")
    line = _line_of(path.read_text(encoding="utf-8"), "themas:")
    (problem,) = _problems(path)
    assert (problem.field, problem.line) == ("themas[2]", line)
    assert "onbekend thema 'veilighied'" in problem.message
    assert "Bedoelt u 'veiligheid'?" in problem.message
    assert str(problem).startswith(f"{path}, regel {line}, veld 'themas[2]': ")


def test_broken_related_reference(tmp_path: Path) -> None:
    path = _edited(tmp_path, "buurtbemiddeling", old="verwant: [achter-de-voordeur,",
                   new="verwant: [achter-de-deur,")
    line = _line_of(path.read_text(encoding="utf-8"), "verwant:")
    (problem,) = _problems(path)
    assert (problem.field, problem.line) == ("verwant[1]", line)
    assert "onbekende interventie 'achter-de-deur'" in problem.message
    assert "Bedoelt u 'achter-de-voordeur'?" in problem.message
    # checked across the whole set of files given to check_catalogue
    out = kennis.check_catalogue([path])
    assert len(out) == 1 and "achter-de-deur" in out[0]


def test_unknown_indicator_and_signal(tmp_path: Path) -> None:
    path = _edited(tmp_path, "herstructurering", old="  - indicator: p_koopw\n",
                   new="  - indicator: p_koopwon\n")
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - signaal: corporatiewijk\n", "  - signaal: corporatiewijken\n")
    path.write_text(text, encoding="utf-8")
    problems = _problems(path)
    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"pakt_aan[2].signaal", "pakt_aan[6].indicator"}
    assert by_field["pakt_aan[6].indicator"].line == _line_of(text, "p_koopwon")
    assert "onbekende indicator 'p_koopwon'" in by_field["pakt_aan[6].indicator"].message
    assert "Bedoelt u 'p_koopw'" in by_field["pakt_aan[6].indicator"].message
    assert by_field["pakt_aan[2].signaal"].line == _line_of(text, "corporatiewijken")


def test_other_invalid_values(tmp_path: Path) -> None:
    path = _edited(tmp_path, "klushuizen", old="  niveau: onbekend", new="  niveau: bewezen")
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - indicator: p_leegsw\n    richting: lager",
                        "  - indicator: p_leegsw\n    richting: hoger")
    text = text.replace("  termijn: middellang", "  termijn: eeuwig")
    text = text.replace("partners: [gemeente,", "partners: [gemeentes,")
    text = text.replace("naam: Klushuizen", "naam: Klushuizen\nwijk: Spangen")
    path.write_text(text, encoding="utf-8")
    fields = {p.field: p.message for p in _problems(path)}
    assert "onbekend bewijsniveau 'bewezen'" in fields["bewijs.niveau"]
    assert "gaat in tegen de gunstige richting van 'p_leegsw'" in fields["pakt_aan[4].richting"]
    assert "middellang" in fields["tijdshorizon.termijn"]
    assert "Bedoelt u 'gemeente'" in fields["partners[1]"]
    assert "onbekende sleutel 'wijk'" in fields["wijk"]


def test_kind_effect_and_context_are_validated(tmp_path: Path) -> None:
    text = SHIPPED["klushuizen"].read_text(encoding="utf-8")
    path = tmp_path / "klushuizen.yaml"
    path.write_text(text.replace("soort: lokale aanpak\n", ""), encoding="utf-8")
    assert [(p.field, p.line, p.message) for p in _problems(path)] == [
        ("soort", 1, "verplicht veld 'soort' ontbreekt.")]
    path.write_text(text.replace("soort: lokale aanpak", "soort: landelijke programma"),
                    encoding="utf-8")
    [problem] = _problems(path)
    assert problem.field == "soort" and problem.line == _line_of(text, "soort:")
    assert "Bedoelt u 'landelijk programma'" in problem.message
    # an effect names what an evaluation found: a known word, and the evaluation as a source
    path.write_text(text.replace("  effect: onbekend", "  effect: nul"), encoding="utf-8")
    [problem] = _problems(path)
    assert problem.field == "bewijs.effect" and "onbekend effect 'nul'" in problem.message
    path.write_text(text.replace("  effect: onbekend", "  effect: geen"), encoding="utf-8")
    [problem] = _problems(path)
    assert problem.field == "bewijs.effect" and "zet die evaluatie onder 'bronnen'" in (
        problem.message)
    # 'effectief' on the ladder means the effect was found
    mto = SHIPPED["moving-to-opportunity"].read_text(encoding="utf-8")
    bad = tmp_path / "moving-to-opportunity.yaml"
    bad.write_text(mto.replace("  effect: gemengd", "  effect: geen"), encoding="utf-8")
    [problem] = _problems(bad, tuple(SHIPPED))
    assert problem.field == "bewijs.effect" and "past niet bij effect 'geen'" in problem.message
    # without 'effect' an 'effectief' entry means a positive effect; others are 'onbekend'
    bad.write_text(mto.replace("  effect: gemengd\n", ""), encoding="utf-8")
    assert kennis.load_intervention_file(bad, known_ids=SHIPPED).evidence.effect == "positief"
    path.write_text(text.replace("  effect: onbekend\n", ""), encoding="utf-8")
    assert kennis.load_intervention_file(path, known_ids=SHIPPED).evidence.effect == "onbekend"
    # the context note may only cite what is under 'bronnen', and is one short paragraph
    cited = text.replace("valkuilen:", "context: Zo deed Rotterdam het (Jansen 2019).\n"
                         "valkuilen:")
    path.write_text(cited, encoding="utf-8")
    [problem] = _problems(path)
    assert problem.field == "context" and "verwijst naar 'Jansen 2019'" in problem.message
    path.write_text(text.replace("valkuilen:", f"context: {'lang ' * 200}\nvalkuilen:"),
                    encoding="utf-8")
    [problem] = _problems(path)
    assert problem.field == "context" and f"het maximum is {kennis.MAX_CONTEXT}" in (
        problem.message)


def test_yaml_error_and_id_rules(tmp_path: Path) -> None:
    bad = tmp_path / "kapot.yaml"
    bad.write_text("naam: X\nthemas: [sociaal\nsamenvatting: y\n", encoding="utf-8")
    (problem,) = _problems(bad)
    assert "geen geldige YAML" in problem.message and problem.line is not None
    other = _edited(tmp_path, "klushuizen", old="naam: Klushuizen",
                    new="id: klushuis\nnaam: Klushuizen", name="klushuizen.yaml")
    fields = {p.field: p.message for p in _problems(other)}
    assert "verschilt van de bestandsnaam" in fields["id"]
    wrong_name = tmp_path / "Mijn Aanpak.yaml"
    wrong_name.write_text(SHIPPED["klushuizen"].read_text(encoding="utf-8"), encoding="utf-8")
    fields = {p.field: p.message for p in _problems(wrong_name)}
    assert "'mijn-aanpak.yaml'" in fields["id"]


def test_check_catalogue_on_folder_with_duplicates(tmp_path: Path) -> None:
    folder = tmp_path / "eigen"
    folder.mkdir()
    shutil.copy(SHIPPED["klushuizen"], folder / "klushuizen.yaml")
    md = folder / "notitie.md"
    data = kennis.to_file_data(kennis.load_intervention_file(SHIPPED["klushuizen"]))
    body = data.pop("beschrijving")
    md.write_text("---\nid: klushuizen\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"
                  + body + "\n", encoding="utf-8")
    problems = kennis.check_catalogue(folder)
    assert len(problems) == 1
    assert "notitie.md" in problems[0] and "komt ook voor in" in problems[0]
    assert kennis.check_catalogue(tmp_path / "leeg") == [
        f"{tmp_path / 'leeg'}: bestand bestaat niet."]


# ----------------------------------------------------------------------------- citations
# (issue 17: an author-year citation in bewijs.toelichting needs its source under bronnen)


@pytest.mark.parametrize(("text", "expected"), [
    ("Het SCP (Wittebrood en Permentier 2011) vond", [("Wittebrood", 2011)]),
    ("zoals Chetty, Hendren & Katz (2016) lieten zien", [("Chetty", 2016)]),
    ("(Ludwig et al. 2011; Sanbonmatsu e.a., 2011)", [("Ludwig", 2011), ("Sanbonmatsu", 2011)]),
    ("volgens het SCP 2011 en Tsemberis (2010).", [("SCP", 2011), ("Tsemberis", 2010)]),
    ("(Right to Buy; Kleinhans en Van Ham 2013)", [("Kleinhans", 2013)]),
    ("zie van Kempen 2014b", [("Kempen", 2014)]),
    ("Kansrijke Start (ministerie van VWS, 2018)", [("VWS", 2018)]),
    ("Övermann e.a. 1999", [("Övermann", 1999)]),
    # a year that no name introduces is no citation
    ("Sinds 2019 zit de GLI in het pakket. In 2020 en Vanaf 2021 meer.", []),
    ("De Wet goed verhuurderschap (2023) geldt sinds 2023; kosten 2011 euro.", []),
    ("CooL kreeg in mei 2023 een erkenning; het jaar 2018", []),
])
def test_find_citations(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(c.name, c.year) for c in kennis.find_citations(text)] == expected


def _one_citation(text: str) -> kennis.Citation:
    (citation,) = kennis.find_citations(text)
    return citation


def test_cites_first_author_organisation_or_title() -> None:
    scp = kennis.Reference(title="Wonen, wijken & interventies",
                           authors="Wittebrood, K. & Permentier, M.",
                           publisher="Sociaal en Cultureel Planbureau", year=2011)
    assert kennis.cites(scp, _one_citation("Wittebrood en Permentier 2011"))
    assert kennis.cites(scp, _one_citation("SCP 2011"))  # the publisher's initials
    assert not kennis.cites(scp, _one_citation("Permentier 2011"))  # not the first author
    assert not kennis.cites(scp, _one_citation("Wittebrood 2012"))  # another year
    assert not kennis.cites(replace(scp, year=None), _one_citation("Wittebrood 2011"))
    ham = kennis.Reference(title="Right to Buy", authors="van Ham, M. & Kleinhans, R.", year=2013)
    assert kennis.cites(ham, _one_citation("Van Ham en Kleinhans 2013"))
    org = kennis.Reference(title="Jaarbericht", authors="Movisie", year=2020)
    assert kennis.cites(org, _one_citation("Movisie 2020"))
    law = kennis.Reference(title="Woningwet 2015", publisher="Rijksoverheid", year=2015)
    assert kennis.cites(law, _one_citation("Sinds de Woningwet 2015"))
    vws = kennis.Reference(title="Actieprogramma", year=2018,
                           publisher="Ministerie van Volksgezondheid, Welzijn en Sport (VWS)")
    assert kennis.cites(vws, _one_citation("(ministerie van VWS, 2018)"))
    assert not kennis.cites(replace(vws, publisher="Ministerie van VWS en BZK"),
                            _one_citation("BZ 2018"))


_SURNAME = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéëö")),
                   min_size=2, max_size=10).map(str.capitalize).filter(
    lambda s: s.casefold() not in kennis.NOT_CITED_NAMES + kennis.NAME_PARTICLES)


@settings(max_examples=80, deadline=None)
@given(first=_SURNAME, others=st.lists(_SURNAME, max_size=3), year=st.integers(1950, 2026),
       form=st.sampled_from(["{names} {year}", "{names} ({year})", "{first} e.a. {year}",
                             "{first} et al., {year}"]))
def test_citation_checker_property(first: str, others: list[str], year: int,
                                   form: str) -> None:
    names = first if not others else ", ".join([first, *others[:-1]]) + f" en {others[-1]}"
    text = f"Onderzoek ({form.format(names=names, first=first, year=year)}) vond iets."
    citation = _one_citation(text)
    assert (citation.name, citation.year) == (first, year)
    ref = kennis.Reference(title="Titel", year=year,
                           authors=" & ".join(f"{n}, A." for n in [first, *others]))
    assert kennis.uncited_sources(text, [ref]) == []
    assert kennis.uncited_sources(text, [replace(ref, year=year + 1)]) == [citation]
    if others and others[0].casefold() != first.casefold():
        second_first = replace(ref, authors=f"{others[0]}, B. & {first}, A.")
        assert kennis.uncited_sources(text, [second_first]) == [citation]


def _generated_entry(tmp_path: Path, toelichting: str, bronnen: list[dict]) -> Path:
    """A generated intervention file (test data, no real intervention)."""
    data = {
        "naam": "Gegenereerde proefinterventie", "samenvatting": "Gegenereerd voor een test.",
        "soort": "werkwijze", "themas": ["sociaal"], "pakt_aan": [{"domein": "veiligheid"}],
        "werkzame_bestanddelen": ["Een gegenereerd bestanddeel"],
        "bewijs": {"niveau": "goed onderbouwd", "toelichting": toelichting},
        "partners": ["gemeente"], "financiering": ["gemeente"],
        "kosten": {"niveau": "laag", "toelichting": "Gegenereerd."},
        "tijdshorizon": {"termijn": "kort", "jaren": 1}, "valkuilen": ["Gegenereerd"],
        "bronnen": bronnen, "beschrijving": "Gegenereerde testtekst.",
    }
    path = tmp_path / "gegenereerd.yaml"
    path.write_text("# gegenereerde testdata\n" + yaml.safe_dump(data, allow_unicode=True,
                                                                 sort_keys=False),
                    encoding="utf-8")
    return path


def test_citation_without_source_fails_with_file_line_and_field(tmp_path: Path) -> None:
    note = ("Een proef (Jansen e.a. 2020) en het SCP 2011 vonden een effect; sinds 2019 wordt "
            "het landelijk toegepast.")
    wrong = [{"titel": "Proef", "auteurs": "Pietersen, P. & Jansen, J.", "jaar": 2020},
             {"titel": "Rapport", "uitgever": "Sociaal en Cultureel Planbureau", "jaar": 2012}]
    path = _generated_entry(tmp_path, note, wrong)
    line = _line_of(path.read_text(encoding="utf-8"), "  toelichting:")
    problems = _problems(path)
    assert [(p.field, p.line) for p in problems] == [("bewijs.toelichting", line)] * 2
    assert "verwijst naar 'Jansen e.a. 2020'" in problems[0].message
    assert "'Jansen' als eerste auteur of organisatie en 2020 als jaar" in problems[0].message
    assert "verwijst naar 'SCP 2011'" in problems[1].message
    assert str(problems[0]).startswith(f"{path}, regel {line}, veld 'bewijs.toelichting': ")
    assert kennis.check_catalogue([path]) == [str(p) for p in problems]
    right = [{"titel": "Proef", "auteurs": "Jansen, J. & Pietersen, P.", "jaar": 2020},
             {"titel": "Rapport", "uitgever": "Sociaal en Cultureel Planbureau", "jaar": 2011}]
    iv = kennis.load_intervention_file(_generated_entry(tmp_path, note, right))
    assert [c.text for c in kennis.find_citations(iv.evidence.source)] == [
        "Jansen e.a. 2020", "SCP 2011"]


def test_removing_a_cited_source_from_a_shipped_file_fails(tmp_path: Path) -> None:
    path = _edited(tmp_path, "herstructurering", old="""  - titel: "Social implications""",
                   new="""  - titel: "Andere titel""")
    text = path.read_text(encoding="utf-8")
    text = text.replace("    auteurs: Kleinhans, R.\n", "    auteurs: Kleinhanz, R.\n")
    path.write_text(text, encoding="utf-8")
    (problem,) = _problems(path)
    assert (problem.field, problem.line) == ("bewijs.toelichting", _line_of(text, "toelichting:"))
    # the example in the docs is this very message
    example = re.search(r"`(herstructurering\.yaml, regel .+?) \.\.\.`",
                        " ".join(DOCS.read_text(encoding="utf-8").split())).group(1)
    assert example in str(problem)


#: Verbs with which an evidence note says that an organisation supports a method.
_SUPPORT = re.compile(r"\b(ondersteund|ondersteunt|begeleid|begeleidt|begeleiding|beheerd|"
                      r"beheert|erkend|erkent)\b")


def test_shipped_evidence_cites_its_sources_and_says_what_they_found() -> None:
    ivs = {iv.id: iv for iv in kennis.shipped_catalogue()}
    for iv in ivs.values():
        assert kennis.uncited_sources(iv.evidence.source, iv.sources) == [], iv.id
        # support by an organisation says since or in which year
        for sentence in re.split(r"(?<=\.)\s+(?=[A-Z])", iv.evidence.source):
            if _SUPPORT.search(sentence):
                assert re.search(r"\b(19|20)\d\d\b", sentence), (iv.id, sentence)
    cited = {i: [(c.name, c.year) for c in kennis.find_citations(iv.evidence.source)]
             for i, iv in ivs.items()}
    # MTO: the adults' outcomes from the HUD evaluation, the children's from Chetty e.a.
    assert cited["moving-to-opportunity"] == [("Sanbonmatsu", 2011), ("Ludwig", 2011),
                                              ("Chetty", 2016)]
    mto = ivs["moving-to-opportunity"].evidence.source
    assert mto.index("volwassenen") < mto.index("Sanbonmatsu") < mto.index("Kinderen") \
        < mto.index("Chetty")
    assert [s.year for s in ivs["moving-to-opportunity"].sources] == [2016, 2011, 2011]
    assert ivs["moving-to-opportunity"].sources[2].publisher == (
        "New England Journal of Medicine, 365(16)")
    # herstructurering: positive effects are the finding, selective moving a caveat
    her = ivs["herstructurering"].evidence.source
    assert "vond positieve effecten van herstructurering op de leefbaarheid en de veiligheid" \
        in her
    assert "kanttekening" in her and "grotendeels verloopt via" not in her
    # verkoop: the same SCP report's positive finding, with its limits
    sale = ivs["verkoop-corporatiewoningen"].evidence.source
    assert cited["verkoop-corporatiewoningen"][0] == ("Wittebrood", 2011)
    assert "positieve effecten" in sale and "niet aangetoond" not in sale
    # GLI: which recognition it is, mapped onto the ladder
    gli = ivs["gecombineerde-leefstijlinterventie"].evidence
    assert gli.level == "goed onderbouwd"
    assert ("erkend zijn door het Loket Gezond Leven (RIVM) als ten minste 'Eerste aanwijzingen "
            "voor effectiviteit'") in gli.source
    assert "sinds 2005" in ivs["buurtbemiddeling"].evidence.source


def test_markdown_front_matter(tmp_path: Path) -> None:
    iv = kennis.load_intervention_file(SHIPPED["taalcafe"])
    data = kennis.to_file_data(iv)
    body = data.pop("beschrijving")
    md = tmp_path / "Taalcafé concept.md"
    md.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
                  + "---\n" + body + "\n", encoding="utf-8")
    loaded = kennis.load_intervention_file(md, known_ids=iv.related)
    assert loaded.id == "taalcafe-concept"
    assert replace(loaded, id=iv.id) == iv
    both = tmp_path / "dubbel.md"
    both.write_text("---\n" + yaml.safe_dump({**data, "beschrijving": "x"}, allow_unicode=True)
                    + "---\n" + body + "\n", encoding="utf-8")
    fields = {p.field for p in _problems(both, iv.related)}
    assert fields == {"beschrijving"}


# ----------------------------------------------------------------------------- round trip

_WORD = st.text(alphabet=st.sampled_from(list("abcdefghijkXYZéëï€0123456789:#'\"-[]{}&*!%@`|>,?")),
                min_size=1, max_size=8)
_LINE = st.lists(_WORD, min_size=1, max_size=8).map(" ".join)
_SPECIAL = st.sampled_from(["null", "yes", "no", "2016", "~", "- x", "#x", "0.5", "true", "on"])
_ONE_LINE = st.one_of(_LINE, _SPECIAL)
_DESCRIPTION = st.lists(st.one_of(_LINE, st.just(""), _LINE.map(lambda s: "  " + s)),
                        min_size=1, max_size=6).map(
    lambda lines: "\n".join(lines).strip("\n").strip()).filter(bool)


def _address_strategy() -> st.SearchStrategy[kennis.Addressed]:
    cat = load_catalogue()
    rules = load_rules()
    indicators = [
        kennis.Addressed(domain=i.domain, indicator=i.id, direction=d)
        for i in cat for d in ("lower", "higher") if i.better in (None, d)
    ]
    signals = [kennis.Addressed(domain=r.domain, signal=r.id) for r in rules]
    from wijkanalyse.catalogue import DOMAINS

    domains = [kennis.Addressed(domain=d, direction=x) for d in DOMAINS
               for x in (None, "lower", "higher")]
    return st.sampled_from(indicators + signals + domains)


@st.composite
def _interventions(draw: st.DrawFn) -> kennis.Intervention:
    def unique(strategy, lo=1, hi=4):
        return tuple(draw(st.lists(strategy, min_size=lo, max_size=hi, unique=True)))

    years = draw(st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(0, 10))))
    sources = unique(st.builds(
        kennis.Reference, title=_ONE_LINE, authors=st.one_of(st.just(""), _ONE_LINE),
        publisher=st.one_of(st.just(""), _ONE_LINE),
        year=st.one_of(st.none(), st.integers(1950, 2024)),
        url=st.one_of(st.just(""), st.just("https://example.org/a?b=1#c"))), 0, 2)
    level = draw(st.sampled_from(list(kennis.EVIDENCE_LEVELS)))
    if level == "effectief" and not sources:
        level = "goed onderbouwd"  # 'effectief' means an effect found, which needs a source
    effects = (["positief", "gemengd"] if level == "effectief"
               else list(kennis.EFFECTS) if sources else ["onbekend"])
    return kennis.Intervention(
        id="proef",
        name=draw(_ONE_LINE),
        summary=draw(_ONE_LINE),
        description=draw(_DESCRIPTION),
        themes=unique(st.sampled_from(list(kennis.THEMES))),
        addresses=unique(_address_strategy()),
        working_elements=unique(_ONE_LINE),
        evidence=kennis.EvidenceRating(level, draw(_ONE_LINE.filter(
                                           lambda s: not kennis.find_citations(s))),
                                       draw(st.sampled_from(effects))),
        partners=unique(st.sampled_from(list(kennis.PARTNERS))),
        funding=unique(st.sampled_from(list(kennis.FUNDING))),
        cost=kennis.Cost(draw(st.sampled_from(list(kennis.COST_LEVELS))),
                         draw(st.one_of(st.just(""), _ONE_LINE))),
        horizon=kennis.Horizon(draw(st.sampled_from(list(kennis.HORIZONS))),
                               None if years is None else years[0],
                               None if years is None else years[0] + years[1]),
        pitfalls=unique(_ONE_LINE),
        kind=draw(st.sampled_from(list(kennis.KINDS))),
        context=draw(st.one_of(st.just(""), _ONE_LINE.filter(
            lambda s: not kennis.find_citations(s)))),
        sources=sources,
        related=unique(st.sampled_from(["buurtbemiddeling", "klushuizen", "taalcafe"]), 0, 2),
        updated=draw(st.one_of(st.none(), st.dates(min_value=pd.Timestamp("2000-01-01").date(),
                                                   max_value=pd.Timestamp("2024-12-31").date())
                               .map(lambda d: d.isoformat()))),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(iv=_interventions())
def test_yaml_round_trip_property(iv: kennis.Intervention, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("rt") / "proef.yaml"
    path.write_text(kennis.to_yaml(iv), encoding="utf-8")
    assert kennis.load_intervention_file(path, known_ids=iv.related) == iv
    assert kennis.from_dict(json.loads(json.dumps(kennis.to_dict(iv)))) == iv


# ----------------------------------------------------------------------------- storage


def test_tables_and_catalogue_loading(con) -> None:
    found = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE list_contains(?, table_name)",
        [list(kennis.TABLES)]).fetchall()}
    assert found == set(kennis.TABLES)
    n = len(SHIPPED)
    assert con.execute("SELECT count(*), count(DISTINCT origin), min(version), max(version) "
                       "FROM interventions").fetchone() == (n, 1, 1, 1)
    # the versions people store live in the content store: no history table in DuckDB
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = "
                       "'intervention_history'").fetchone()[0] == 0
    assert kennis.catalogue_in_sync(con)
    assert kennis.ensure_catalogue(con) == kennis.CatalogueSync()


def test_build_loads_the_catalogue_and_read_only_use_works(built_db: Path) -> None:
    ro = store.connect(built_db, read_only=True)
    try:
        assert kennis.catalogue_in_sync(ro)  # data build loads the shipped catalogue
        assert len(kennis.list_interventions(ro)) == len(SHIPPED)
        assert kennis.applied_for(ro, None, resolve_subject(ro, "WK011443")) == []
    finally:
        ro.close()


def test_read_only_database_without_tables(tmp_path: Path) -> None:
    path = tmp_path / "oud.duckdb"  # generated: a database from before the kennisdossier
    import duckdb

    duckdb.connect(str(path)).close()
    ro = duckdb.connect(str(path), read_only=True)
    try:
        assert not kennis.catalogue_in_sync(ro)
        with pytest.raises(kennis.KennisError, match="alleen-lezen"):
            kennis.ensure_catalogue(ro)
        with pytest.raises(kennis.KennisError, match="nog niet in deze database geladen"):
            kennis.list_interventions(ro)
    finally:
        ro.close()


def test_list_and_get(con) -> None:
    df = kennis.list_interventions(con)
    assert list(df.columns) == kennis.LIST_COLUMNS and len(df) == len(SHIPPED)
    energy = kennis.list_interventions(con, theme="Energie en klimaat")
    assert sorted(energy["intervention_id"]) == [
        "aardgasvrije-wijk", "energiecoaches", "isolatie-eigenaar-bewoners",
        "isolatie-huurwoningen", "vergroening-openbare-ruimte", "vve-activering"]
    strong = kennis.list_interventions(con, evidence="goed onderbouwd")
    assert set(strong["evidence_level"]) == {"goed onderbouwd", "effectief"}
    assert len(strong) == 15
    insurer = kennis.list_interventions(con, partner="zorgverzekeraar")
    assert sorted(insurer["intervention_id"]) == ["gecombineerde-leefstijlinterventie",
                                                  "vroegsignalering-schulden",
                                                  "welzijn-op-recept"]
    assert sorted(kennis.list_interventions(con, theme="veiligheid", evidence="effectief")[
        "intervention_id"]) == ["communities-that-care"]
    programmes = kennis.list_interventions(con, kind="landelijk-programma")
    assert sorted(programmes["intervention_id"]) == [
        "een-tegen-eenzaamheid", "krachtwijkenaanpak", "nationaal-programma-rotterdam-zuid",
        "nplv-focusgebieden"]
    assert set(programmes["kind"]) == {"landelijk programma"}
    assert dict(zip(df["intervention_id"], df["evidence_effect"], strict=True))[
        "krachtwijkenaanpak"] == "geen"
    with pytest.raises(kennis.KennisError, match="Bedoelt u 'werkwijze'"):
        kennis.list_interventions(con, kind="werkwijzen")
    with pytest.raises(kennis.KennisError, match="Bedoelt u 'veiligheid'"):
        kennis.list_interventions(con, theme="veilighied")
    iv = kennis.get_intervention(con, "Housing First")
    assert (iv.id, iv.version, iv.origin, iv.updated_by) == ("housing-first", 1, "pakket",
                                                             kennis.SHIPPED_AUTHOR)
    assert iv == kennis.load_intervention_file(SHIPPED["housing-first"])
    with pytest.raises(kennis.KennisError, match="Bedoelt u 'housing-first'"):
        kennis.get_intervention(con, "housing-frist")


def test_history_after_two_edits(con, cs, tmp_path: Path) -> None:
    first = _edited(tmp_path, "buurtbemiddeling", old="naam: Buurtbemiddeling",
                    new="naam: Buurtbemiddeling in Emmen")
    v1 = kennis.add_or_update(con, cs, first, author="A. de Vries")
    assert (v1.version, v1.origin, v1.updated_by, v1.name) == (
        1, "gebruiker", "A. de Vries", "Buurtbemiddeling in Emmen")
    # written to the content store only: the analytical database keeps the shipped record
    assert kennis.get_intervention(con, "buurtbemiddeling").name == "Buurtbemiddeling"
    assert kennis.catalogue_in_sync(con)
    with pytest.raises(kennis.KennisError, match="niet gewijzigd"):
        kennis.add_or_update(con, cs, first, author="A. de Vries")
    second = _edited(tmp_path, "buurtbemiddeling", old="  niveau: laag", new="  niveau: midden",
                     name="tweede.yaml")
    second.write_text(second.read_text(encoding="utf-8").replace(
        "naam: Buurtbemiddeling", "id: buurtbemiddeling\nnaam: Buurtbemiddeling"),
        encoding="utf-8")
    with pytest.raises(kennis.InterventionFileError, match="verschilt van de bestandsnaam"):
        kennis.add_or_update(con, cs, second, author="B. Jansen")
    md = tmp_path / "herziening.md"
    data = kennis.to_file_data(kennis.load_intervention_file(SHIPPED["buurtbemiddeling"]))
    body = data.pop("beschrijving")
    data["kosten"] = {"niveau": "midden", "toelichting": "Met betaalde coördinatie."}
    md.write_text("---\nid: buurtbemiddeling\n" + yaml.safe_dump(data, allow_unicode=True)
                  + "---\n" + body + "\n", encoding="utf-8")
    v2 = kennis.add_or_update(con, cs, md, author="B. Jansen")
    assert (v2.version, v2.cost.level, v2.name) == (2, "midden", "Buurtbemiddeling")
    hist = kennis.intervention_history(con, "buurtbemiddeling", content=cs)
    assert list(hist["version"]) == [1, 2]
    assert list(hist["action"]) == ["update", "update"]
    assert list(hist["changed_by"]) == ["A. de Vries", "B. Jansen"]
    assert list(hist["changed_fields"]) == ["naam", "naam, kosten"]
    assert list(hist["current"]) == [False, True]
    assert json.loads(hist["snapshot"][0])["name"] == "Buurtbemiddeling in Emmen"
    assert kennis.intervention_history(con, "buurtbemiddeling").empty  # no content store
    with pytest.raises(kennis.KennisError, match="auteur is verplicht"):
        kennis.add_or_update(con, cs, md, author=" ")


def test_new_user_intervention_and_removal(con, cs, tmp_path: Path) -> None:
    path = _edited(tmp_path, "taalcafe", old="naam: Taalcafés en taalmaatjes",
                   new="naam: Voorleesexpress", name="voorleesexpress.yaml")
    iv = kennis.add_or_update(con, cs, path, author="C. Bakker")
    assert (iv.id, iv.version, iv.origin) == ("voorleesexpress", 1, "gebruiker")
    assert len(kennis.list_interventions(con, content=cs)) == len(SHIPPED) + 1
    assert len(kennis.list_interventions(con)) == len(SHIPPED)
    kennis.remove_intervention(con, cs, "voorleesexpress", removed_by="C. Bakker")
    assert len(kennis.list_interventions(con, content=cs)) == len(SHIPPED)
    with pytest.raises(kennis.KennisError, match="is verwijderd op"):
        kennis.get_intervention(con, "voorleesexpress", content=cs)
    hist = kennis.intervention_history(con, "voorleesexpress", content=cs)
    assert list(hist["action"]) == ["add", "remove"]
    back = kennis.add_or_update(con, cs, path, author="C. Bakker")
    assert back.version == 3
    assert "was verwijderd" in kennis.intervention_history(
        con, "voorleesexpress", content=cs)["note"][2]


def test_shipped_changes_do_not_overwrite_user_versions(con, cs, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    edited = _edited(tmp_path, "klushuizen", old="naam: Klushuizen", new="naam: Klushuizen Zuid")
    kennis.add_or_update(con, cs, edited, author="D. Visser")
    originals = {iv.id: iv for iv in kennis.shipped_catalogue()}
    changed = {
        "klushuizen": replace(originals["klushuizen"], summary="Nieuwe meegeleverde tekst."),
        "taalcafe": replace(originals["taalcafe"], summary="Ook nieuw."),
    }
    new_catalogue = tuple(
        (iv, kennis.content_hash(iv)) for iv in
        [changed.get(i, originals[i]) for i in originals if i != "jogg-aanpak"])
    monkeypatch.setattr(kennis.dossier, "_shipped_catalogue", lambda: new_catalogue)
    assert not kennis.catalogue_in_sync(con)
    sync = kennis.ensure_catalogue(con)
    assert sync == kennis.CatalogueSync(updated=("klushuizen", "taalcafe"),
                                        removed=("jogg-aanpak",))
    assert kennis.ensure_catalogue(con) == kennis.CatalogueSync()
    # the user's version (content store) stays current; the new shipped one is in the database
    current = kennis.get_intervention(con, "klushuizen", content=cs)
    assert (current.name, current.version, current.origin) == ("Klushuizen Zuid", 1, "gebruiker")
    assert kennis.get_intervention(con, "klushuizen").summary == "Nieuwe meegeleverde tekst."
    assert list(kennis.intervention_history(con, "klushuizen", content=cs)["action"]) == [
        "update"]
    assert kennis.get_intervention(con, "taalcafe", content=cs).summary == "Ook nieuw."
    with pytest.raises(kennis.KennisError, match="'jogg-aanpak' bestaat niet"):
        kennis.get_intervention(con, "jogg-aanpak", content=cs)
    restored = kennis.restore_shipped(con, cs, "klushuizen", author="D. Visser")
    assert (restored.summary, restored.version, restored.origin) == (
        "Nieuwe meegeleverde tekst.", 2, "pakket")
    with pytest.raises(kennis.KennisError, match="al actueel"):
        kennis.restore_shipped(con, cs, "klushuizen", author="D. Visser")


# ----------------------------------------------------------------------------- applied


def test_applied_on_angelslo_shows_for_wijk_and_buurt(con, cs) -> None:
    applied = kennis.apply_intervention(
        con, cs, intervention="buurtbemiddeling", area="WK011443", year_from=2016, year_to=2020,
        partners=["Lefier", "gemeente", "Woningcorporatie"], funding="gemeente, corporatie",
        result="Minder burenruzies gemeld bij de corporatie.", indicators=["lbm_soc"],
        author="E. Smit")
    assert (applied.applied_id, applied.area_code, applied.area_name, applied.area_kind,
            applied.gemeente_code) == (1, "WK011443", "Angelslo", "wijk", "GM0114")
    assert applied.partners == ("Lefier", "gemeente", "woningcorporatie")
    assert applied.funding == ("gemeente", "corporatie")
    assert applied.period_text() == "2016-2020"
    wijk = kennis.applied_for(con, cs, resolve_subject(con, "WK011443"))
    assert [(a.applied_id, a.relation, a.relation_text) for a in wijk] == [
        (1, "eigen", "Toegepast in deze wijk.")]
    buurt = kennis.applied_for(con, cs, resolve_subject(con, "BU01144300"))
    assert [(a.applied_id, a.relation, a.relation_text) for a in buurt] == [
        (1, "omvattend", "Toegepast in wijk Angelslo, waarin deze buurt ligt.")]
    # an approach in a buurt shows in the wijk as a part; a gemeente-wide one only in the
    # gemeente's own profile
    kennis.apply_intervention(con, cs, intervention="housing-first", area="BU01144300",
                              year_from=2021, author="E. Smit")
    kennis.apply_intervention(con, cs, intervention="vroegsignalering-schulden", area="GM0114",
                              year_from=2021, author="E. Smit")
    wijk = kennis.applied_for(con, cs, resolve_subject(con, "WK011443"))
    assert [(a.intervention_id, a.relation) for a in wijk] == [
        ("housing-first", "deel"), ("buurtbemiddeling", "eigen")]
    assert wijk[0].relation_text == "Toegepast in buurt Angelslo, een deel van deze wijk."
    gm = kennis.applied_for(con, cs, resolve_subject(con, "GM0114"))
    assert [a.intervention_id for a in gm] == ["vroegsignalering-schulden", "housing-first",
                                               "buurtbemiddeling"]
    assert kennis.applied_for(con, cs, resolve_subject(con, "Selwerd")) == []
    df = kennis.applied_anywhere(con, cs, "buurtbemiddeling")
    assert list(df.columns) == kennis.APPLIED_COLUMNS
    row = df.iloc[0]
    assert (row["area_code"], row["year_from"], row["year_to"], row["result_indicators"]) == (
        "WK011443", 2016, 2020, ["lbm_soc"])
    kennis.remove_applied(cs, 1, removed_by="E. Smit")
    assert kennis.applied_anywhere(con, cs, "buurtbemiddeling").empty
    assert [v["action"] for v in cs.applied_versions(1)] == ["add", "remove"]


def test_applied_on_programme_area_and_errors(con, cs) -> None:
    applied = kennis.apply_intervention(con, cs, intervention="klushuizen", area="Jol/Galjoen",
                                        year_from=2018, author="F. Mulder")
    assert (applied.area_code, applied.area_kind, len(applied.area_members)) == (
        "jol-galjoen", "gebied", 4)
    buurt = resolve_subject(con, "BU09950633")
    (found,) = kennis.applied_for(con, cs, buurt)
    assert found.relation == "omvattend"
    with pytest.raises(kennis.KennisError, match="ligt voor het beginjaar"):
        kennis.apply_intervention(con, cs, intervention="klushuizen", area="WK011443",
                                  year_from=2018, year_to=2010, author="F. Mulder")
    with pytest.raises(kennis.KennisError, match="niet eenduidig"):
        kennis.apply_intervention(con, cs, intervention="klushuizen", area="Vogelwijk",
                                  year_from=2018, author="F. Mulder")
    with pytest.raises(kennis.KennisError, match="onbekende indicator 'p_xyz'"):
        kennis.apply_intervention(con, cs, intervention="klushuizen", area="WK011443",
                                  year_from=2018, indicators=["p_xyz"], author="F. Mulder")
    with pytest.raises(kennis.KennisError, match="staat er al in als nummer 1"):
        kennis.apply_intervention(con, cs, intervention="klushuizen", area="jol-galjoen",
                                  year_from=2018, author="F. Mulder")


def test_rebuild_keeps_user_versions(con, cs, tmp_path: Path) -> None:
    edited = _edited(tmp_path, "klushuizen", old="naam: Klushuizen", new="naam: Klushuizen Zuid")
    kennis.add_or_update(con, cs, edited, author="G. de Boer")
    kennis.apply_intervention(con, cs, intervention="klushuizen", area="WK011443",
                              year_from=2016, author="G. de Boer")
    # a version written the old way (before the content store) waits for 'content migreer'
    con.execute(store.LEGACY_SCHEMA)
    con.execute("INSERT INTO intervention_history VALUES ('taalcafe', 2, 't1', 'G. de Boer', "
                "'update', 'gebruiker', NULL, '{\"id\": \"taalcafe\"}')")
    old_path = Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                                "current_database()").fetchone()[0])
    con.execute("CHECKPOINT")
    con.close()
    # what `data build` does: a fresh database with the schema, the user tables of the
    # previous one carried over, then the shipped catalogue loaded
    fresh = duckdb.connect(str(tmp_path / "nieuw.duckdb"))
    store.init_schema(fresh)
    counts = _carry_over_user_tables(fresh, old_path)
    assert "interventions" not in counts and counts["intervention_history"] == 1
    assert "applied_approaches" not in counts  # in the content store, which stays
    assert kennis.ensure_catalogue(fresh).added == tuple(sorted(SHIPPED))
    assert [a["intervention_id"] for a in cs.applied_rows()] == ["klushuizen"]
    assert kennis.get_intervention(fresh, "klushuizen", content=cs).name == "Klushuizen Zuid"
    assert kennis.get_intervention(fresh, "klushuizen").name == "Klushuizen"
    fresh.close()


def test_export_round_trip(con, cs, tmp_path: Path) -> None:
    edited = _edited(tmp_path, "klushuizen", old="naam: Klushuizen", new="naam: Klushuizen Zuid")
    kennis.add_or_update(con, cs, edited, author="H. Dekker")
    out = tmp_path / "export"
    paths = kennis.export_catalogue(con, out, format="yaml", content=cs)
    assert len(paths) == len(SHIPPED)
    assert kennis.check_catalogue(out) == []
    for path in paths:
        assert kennis.load_intervention_file(path) == kennis.get_intervention(con, path.stem,
                                                                              content=cs)
    assert "versie 1 (gebruiker)" in (out / "klushuizen.yaml").read_text(encoding="utf-8")
    (json_path,) = kennis.export_catalogue(con, out, format="json", content=cs)
    data = json.loads(json_path.read_text(encoding="utf-8"))["interventies"]
    assert len(data) == len(SHIPPED)
    klus = next(d for d in data if d["id"] == "klushuizen")
    assert klus["naam"] == "Klushuizen Zuid" and klus["versie"]["nummer"] == 1
    (csv_path,) = kennis.export_catalogue(con, out, format="csv")
    df = pd.read_csv(csv_path, sep=";", encoding="utf-8-sig", dtype=str)
    assert len(df) == len(SHIPPED)
    row = df.set_index("id").loc["herstructurering"]
    assert row["themas"] == "fysiek / woningvoorraad; menging; openbare ruimte"
    assert row["jaren"] == "10-20" and row["bewijsniveau"] == "goed beschreven"
    with pytest.raises(kennis.KennisError, match="onbekend formaat"):
        kennis.export_catalogue(con, out, format="xml")


# ----------------------------------------------------------------------------- CLI


def _root() -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _main(ctx: typer.Context, db: Annotated[Path | None, typer.Option("--db")] = None
              ) -> None:
        ctx.obj = resolve_settings(db=db)

    root.add_typer(kennis_app, name="kennis")
    return root


runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as on a wide terminal, so that assertions do not depend on line wrapping."""
    monkeypatch.setattr(cliutil.console, "_width", 200)
    monkeypatch.setattr(cliutil.err_console, "_width", 200)


def _run(db: Path, *args: str):
    result = runner.invoke(_root(), ["--db", str(db), "kennis", *args])
    return result, " ".join(result.output.split())


def test_cli_browse_and_maintain(built_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_db, db)
    result, out = _run(db, "list", "--thema", "energie en klimaat")
    assert result.exit_code == 0, out
    assert "6 interventies" in out and "aardgasvrije-wijk" in out
    result, out = _run(db, "list", "--thema", "groen")
    assert result.exit_code == 1 and "onbekend thema 'groen'" in out
    result, out = _run(db, "show", "housing-first")
    assert result.exit_code == 0, out
    assert "Housing First" in out and "effectief" in out and "Tsemberis" in out
    edited = _edited(tmp_path, "klushuizen", old="naam: Klushuizen", new="naam: Klushuizen Zuid")
    result, out = _run(db, "add", str(edited), "--auteur", "I. Kok")
    assert result.exit_code == 0, out
    assert ("Interventie klushuizen (Klushuizen Zuid) vastgelegd als versie 1 in de "
            "inhoudsdatabase" in out)
    result, out = _run(db, "geschiedenis", "klushuizen")
    assert result.exit_code == 0 and "I. Kok" in out and "1 (actueel)" in out
    result, out = _run(db, "geschiedenis", "taalcafe")
    assert result.exit_code == 0 and "niemand heeft deze interventie gewijzigd" in out
    result, out = _run(db, "toepassen", "klushuizen", "--gebied", "Angelslo", "--van", "2016",
                       "--tot", "2019", "--partner", "Lefier", "--financiering", "corporatie",
                       "--resultaat", "Tien woningen opgeknapt.", "--auteur", "I. Kok")
    assert result.exit_code == 0, out
    assert ("Toepassing 1 vastgelegd: Klushuizen Zuid in wijk Angelslo (WK011443), 2016-2019."
            in out)
    result, out = _run(db, "toepassingen", "--gebied", "BU01144300")
    assert result.exit_code == 0 and "waarin deze buurt ligt" in out
    assert "Klushuizen Zuid" in out  # the current name, from the content store
    result, out = _run(db, "toepassen", "klushuizen", "--gebied", "Vogelwijk", "--van", "2016",
                       "--auteur", "I. Kok")
    assert result.exit_code == 1 and "--gemeente" in out
    result, out = _run(db, "export", "--out", str(tmp_path / "exp"), "--format", "csv")
    assert result.exit_code == 0 and "1 bestand(en) geschreven" in out
    result, out = _run(db, "herstel", "klushuizen", "--auteur", "I. Kok")
    assert result.exit_code == 0 and "hersteld als versie 2" in out
    result, out = _run(db, "toepassing-verwijder", "1", "--door", "I. Kok")
    assert result.exit_code == 0, out
    result, out = _run(db, "verwijder", "taalcafe", "--door", "I. Kok")
    assert result.exit_code == 0, out
    result, out = _run(db, "show", "taalcafe")
    assert result.exit_code == 1 and "is verwijderd op" in out


def test_cli_check(built_db: Path, tmp_path: Path) -> None:
    result, out = _run(tmp_path / "x.duckdb", "check")
    assert result.exit_code == 0 and f"Alle {len(SHIPPED)} bestanden zijn in orde." in out
    bad = _edited(tmp_path, "klushuizen", old="themas: [fysiek,", new="themas: [groen,")
    result, out = _run(tmp_path / "x.duckdb", "check", str(bad))
    assert result.exit_code == 1
    assert "veld 'themas[1]': onbekend thema 'groen'" in out and "1 probleem" in out
    uncited = _edited(tmp_path, "moving-to-opportunity", old="    auteurs: Sanbonmatsu, L. e.a.",
                      new="    auteurs: Sanbonmatzu, L. e.a.")
    result, out = _run(tmp_path / "x.duckdb", "check", str(uncited))
    line = _line_of(uncited.read_text(encoding="utf-8"), "toelichting:")
    assert result.exit_code == 1
    assert (f"moving-to-opportunity.yaml, regel {line}, veld 'bewijs.toelichting': de "
            "toelichting verwijst naar 'Sanbonmatsu e.a. 2011'") in out


def test_cli_search_and_match(built_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_db, db)
    result, out = _run(db, "zoek", "ruzie tussen buren", "--max", "3")
    assert result.exit_code == 0, out
    assert "buurtbemiddeling" in out
    result, out = _run(db, "match", "Angelslo", "--max", "3")
    assert result.exit_code == 0, out
    assert "Interventies voor Angelslo (WK011443): Aanbevolen" in out and "rang" in out
    assert "Ter inspiratie" in out and "Wanneer realistisch: Grootschalige sloop" in out


def test_cli_json_formats(built_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(built_db, db)
    result = runner.invoke(_root(), ["--db", str(db), "kennis", "zoek", "jongerenoverlast",
                                     "--max", "3", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "jongerenoverlast"
    assert [r["id"] for r in data["results"]][:2] == ["aanpak-jeugdgroepen", "jongerenwerk"]
    first = data["results"][0]
    assert (first["rank"], first["soort"]) == (1, "werkwijze") and first["score"] > 0
    assert first["reasons"] == ["'jongerenoverlast' in de tekst"]
    assert set(first) >= {"id", "name", "score", "soort", "reasons"}
    result = runner.invoke(_root(), ["--db", str(db), "kennis", "list", "--soort",
                                     "buitenlands voorbeeld", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == ["groepsgerichte-afschrikking",
                                             "moving-to-opportunity",
                                             "new-deal-for-communities", "soziale-stadt"]
    assert {r["soort"] for r in rows} == {"buitenlands voorbeeld"}
    result = runner.invoke(_root(), ["--db", str(db), "kennis", "match", "Angelslo",
                                     "--format", "json"])
    assert result.exit_code == 0, result.output
    advice = json.loads(result.stdout)
    assert advice["subject"]["id"] == "WK011443"
    assert advice["recommendations"] and advice["inspiration"] and not advice["preventive"]
    assert {m["soort"] for m in advice["recommendations"]} <= set(kennis.RECOMMENDABLE_KINDS)
    assert {m["soort"] for m in advice["inspiration"]} <= set(kennis.INSPIRATION_KINDS)
    assert "krachtwijkenaanpak" not in [m["id"] for m in advice["recommendations"]]
    top = advice["recommendations"][0]
    assert set(top) >= {"id", "name", "score", "soort", "reasons", "context", "triggers"}
    result, out = _run(db, "list", "--format", "xml")
    assert result.exit_code == 1 and "Onbekend formaat 'xml'" in out


# ----------------------------------------------------------------------------- docs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "kennisdossier.md"


def test_docs_example_validates_and_lists_vocabularies(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.+?)\n```", text, flags=re.S).group(1)
    path = tmp_path / "buurtbemiddeling.yaml"
    path.write_text(example, encoding="utf-8")
    iv = kennis.load_intervention_file(path)
    assert iv.updated == "2025-03-01" and iv.sources[0].year == 2011
    for vocab in (kennis.THEMES, kennis.PARTNERS, kennis.FUNDING):
        for key, label in vocab.items():
            assert f"| `{key}` | {label} |" in text
    for level, meaning in kennis.EVIDENCE_LEVELS.items():
        assert f"| `{level}` | {meaning} |" in text
    commands = [c.name for c in typer.main.get_command(kennis_app).commands.values()]
    for name in commands:
        assert f"`wijkanalyse kennis {name}" in text, name


def test_docs_map_recognitions_onto_the_ladder() -> None:
    text = DOCS.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (Goed beschreven|Goed onderbouwd|(?:Eerste|Goede|Sterke) "
                           r"aanwijzingen voor effectiviteit) \| [^|]+ \| `([a-z ]+)`",
                           text, flags=re.M))
    assert rows == {
        "Goed beschreven": "goed beschreven",
        "Goed onderbouwd": "goed onderbouwd",
        "Eerste aanwijzingen voor effectiviteit": "goed onderbouwd",
        "Goede aanwijzingen voor effectiviteit": "effectief",
        "Sterke aanwijzingen voor effectiviteit": "effectief",
    }
    # the GLI's programmes are admitted at "Eerste aanwijzingen": its level follows the table
    gli = kennis.load_intervention_file(SHIPPED["gecombineerde-leefstijlinterventie"])
    assert gli.evidence.level == rows["Eerste aanwijzingen voor effectiviteit"]
    assert "'Eerste aanwijzingen voor effectiviteit'" in gli.evidence.source


def test_readme_documents_every_kennis_option_in_its_row() -> None:
    """Each option of each `kennis` command is named in that command's row of the README (so a
    new option such as `--format` or `--soort` cannot go undocumented)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(
        r"^\| `wijkanalyse kennis ([a-z-]+)[^\n]*$", readme, flags=re.M)}
    missing = []
    for name, cmd in typer.main.get_command(kennis_app).commands.items():
        assert name in rows, f"'wijkanalyse kennis {name}' staat niet in README.md"
        for param in cmd.params:
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("--") and opt not in rows[name]:
                    missing.append(f"kennis {name} {opt}")
    assert not missing, f"opties zonder uitleg in hun regel van README.md: {missing}"


def test_indicator_domains_with_and_without_derived_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Intervention files may name a derived id the catalogue lacks (domain of its rule);
    the scoring of matches reads the catalogue only. Today's one derived id,
    p_soz_wb_afgeleid, is also in the catalogue: both views agree on the shipped data."""
    from types import SimpleNamespace

    from wijkanalyse.kennis import vocab

    vocab._indicator_domains.cache_clear()
    shipped = vocab._indicator_domains()
    assert shipped == vocab._indicator_domains(derived=False)
    assert shipped["p_soz_wb_afgeleid"] == "sociale zekerheid"
    fake = SimpleNamespace(id="x_hoog", indicator="x_test_afgeleid", domain="wonen")
    monkeypatch.setattr(vocab, "load_rules", lambda: [fake])
    vocab._indicator_domains.cache_clear()
    try:
        assert vocab._indicator_domains()["x_test_afgeleid"] == "wonen"
        assert "x_test_afgeleid" not in vocab._indicator_domains(derived=False)
        assert len(vocab._indicator_domains()) == len(shipped) + 1
    finally:
        vocab._indicator_domains.cache_clear()
