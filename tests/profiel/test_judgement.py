"""One judgement everywhere (issue 13, item 4) and the summary page (item 3), on the real data.

The Oordeel column of the Kerncijfers, the signals, the summary and the kennisdossier section
come from one assessment (``signalen.assess.assess_profile``); these tests check that no
section contradicts another, with pinned values from the real files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wijkanalyse import store
from wijkanalyse.gebieden import load_area_set
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.model import Profile, to_dict
from wijkanalyse.profiel.assemble import build_profile, profile_frames
from wijkanalyse.profiel.report import render_html
from wijkanalyse.signalen.assess import assess_profile, level_judgement

KWB_2019 = "CBS, Kerncijfers Wijken en Buurten 2019"
FAST = dict(with_peers=False, with_location=False, with_segregatie=False)


@pytest.fixture(scope="module")
def con(built_db: Path):
    with store.reading(built_db) as connection:
        yield connection


@pytest.fixture(scope="module")
def schildersbuurt(con) -> Profile:
    return build_profile(con, resolve_subject(con, "Schildersbuurt", gemeente="Den Haag"),
                         **FAST)


@pytest.fixture(scope="module")
def programme(con) -> dict[str, Profile]:
    """Every area of the shipped programme set (programma-2016), by id."""
    out = {}
    for area in load_area_set("programma-2016").areas:
        code = area.codes[0] if len(area.codes) == 1 else area.id
        out[area.id] = build_profile(con, resolve_subject(con, code), **FAST)
    return out


def _text(html: str) -> str:
    html = re.sub(r"<(svg|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _row(html: str, label: str) -> list[str]:
    """The cells of the Kerncijfers row whose label starts with ``label``."""
    html = html[html.index('id="kerncijfers"'):]
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        cells = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells and cells[0].startswith(label):
            return cells
    raise AssertionError(f"geen rij {label!r}")


def _consistent(prof: Profile) -> None:
    """No section contradicts another."""
    by_id = {kf.indicator_id: kf for kf in prof.key_figures}
    assert [j.indicator_id for j in prof.judgements] == list(by_id)
    for sig in prof.signals:
        for ind in {e.indicator_id for e in sig.evidence} & set(by_id):
            judgement = prof.judgement(ind)
            assert judgement is not None and sig.rule_id in judgement.signals, (sig.rule_id, ind)
            assert judgement.severity >= sig.severity
            assert judgement.mark and judgement.severity_label in judgement.mark
            assert by_id[ind].assessment == "ongunstig"
    for j in prof.judgements:  # no judgement without its signal, no signal without judgement
        assert (j.severity > 0) == bool(j.signals)
        assert by_id[j.indicator_id].assessment == j.verdict
    kennis = prof.section("kennis")
    assert kennis is not None
    signal_ids = {s.rule_id for s in prof.signals}
    if not prof.signals:
        assert kennis["matches"] == [] and kennis["inspiration"] == []
        assert kennis["basis"] in ("preventief", "geen")
        assert f"{prof.subject.name} heeft geen signalen" in kennis["intro"]
        assert prof.summary is not None
        assert prof.summary.answers[2].text.startswith("Geen signalen")
    else:
        assert "heeft geen signalen" not in kennis["intro"]
    # an intervention is recommended only because of a signal the profile has
    positions = {j.indicator_id: j.level for j in prof.judgements}
    for m in [*kennis["matches"], *kennis["inspiration"]]:
        assert any(r.startswith("Past bij") or r.startswith("Richt zich") for r in m["reasons"])
    for name in ("matches", "inspiration"):
        for m in kennis[name]:
            quoted = set(re.findall(r"'([^']+)' \((?:ernstig|aandacht|om te volgen)\)",
                                    " ".join(m["reasons"])))
            assert quoted <= {s.title for s in prof.signals}, m["id"]
    assert signal_ids >= {s.rule_id for s in (prof.summary.signals if prof.summary else [])}
    for f in prof.summary.figures if prof.summary else []:
        assert f.mark == prof.judgement(f.indicator_id).mark
    assert all(v in (None, "gunstig", "ongunstig") for v in positions.values())


def test_bijstand_row_has_the_judgement_of_its_signal(schildersbuurt: Profile) -> None:
    # the case of the issue: bijstand 11,3% against 4,7% in Den Haag (2019), signal "ernstig",
    # and an empty Oordeel column; the catalogue gives the computed share no direction, the
    # rule bijstand_hoog says higher is unfavourable
    kf = next(k for k in schildersbuurt.key_figures if k.indicator_id == "p_soz_wb_afgeleid")
    assert (kf.year, kf.better, kf.area.source) == (2019, None, KWB_2019)
    assert kf.area.value == pytest.approx(11.343, abs=1e-3)
    assert kf.gemeente.value == pytest.approx(4.700, abs=1e-3)
    [signal] = [s for s in schildersbuurt.signals if s.rule_id.startswith("bijstand")]
    assert (signal.rule_id, signal.severity_label) == ("bijstand_hoog", "ernstig")
    judgement = schildersbuurt.judgement("p_soz_wb_afgeleid")
    assert (judgement.level, judgement.verdict, judgement.severity, judgement.reference) == (
        "ongunstig", "ongunstig", 3, "gemeente")
    assert judgement.signals == ["bijstand_hoog"]
    assert judgement.mark == "▼ ongunstig · ●●● ernstig"
    assert kf.assessment == "ongunstig"
    frame = profile_frames(schildersbuurt)["key_figures"].set_index("indicator_id")
    assert frame.loc["p_soz_wb_afgeleid", ["oordeel", "severity", "signals"]].tolist() == [
        "▼ ongunstig · ●●● ernstig", 3, "bijstand_hoog"]
    html = render_html(schildersbuurt)
    row = _row(html, "Personen met een bijstandsuitkering (% van inwoners")
    assert [cell.split()[0] for cell in row[1:3]] == ["11,3%", "4,7%"]  # with a footnote
    assert row[-1] == "▼ ongunstig · ●●● ernstig"
    _consistent(schildersbuurt)


def test_every_programme_wijk_judges_once(programme: dict[str, Profile]) -> None:
    assert len(programme) == 12
    for prof in programme.values():
        _consistent(prof)
    # the programme wijken without a signal (2024) get no recommendation "because of problems"
    without = sorted(k for k, p in programme.items() if not p.signals)
    assert without == ["dolphia", "jagershoef", "meerzicht"]
    for key in without:
        kennis = programme[key].section("kennis")
        assert kennis["basis"] == "preventief" and kennis["preventive"]
        assert "De aanpakken hieronder zijn preventief" in kennis["intro"]
        assert all(m["reasons"][0].startswith("Preventief: richt zich op")
                   or m["reasons"][0].startswith("Preventief: een goedkope aanpak")
                   for m in kennis["preventive"])
        aanpakken = programme[key].summary.answers[3].text
        assert "beveelt hier niets aan vanwege problemen (er zijn geen signalen)" in aanpakken


def test_kerkrade_west_is_consistent(programme: dict[str, Profile]) -> None:
    prof = programme["kerkrade-west"]
    assert prof.subject.id == "WK092800"
    # its one signal is about a development: 65-plussers 21,0% (2015) -> 26,2% (2024), while
    # the level (26,2% against 27,1% in Kerkrade) lies within the neutral band
    assert [(s.rule_id, s.severity_label) for s in prof.signals] == [
        ("vergrijzing_stijgt", "aandacht")]
    judgement = prof.judgement("p_65_eo_jr")
    assert (judgement.level, judgement.verdict, judgement.mark) == (
        None, "ongunstig", "●●○ aandacht")
    html = render_html(prof)
    assert _row(html, "Inwoners 65 jaar of ouder")[-1] == "●●○ aandacht"
    text = _text(html)
    assert "Geen signalen" not in text
    # the kennisdossier recommends for that signal, and says so
    kennis = prof.section("kennis")
    assert kennis["basis"] == "signalen"
    assert kennis["intro"].startswith("Aanpakken uit het kennisdossier die zich richten op de "
                                      "signalen van Kerkrade-West")
    assert kennis["matches"]
    assert all("Past bij het signaal 'Snelle vergrijzing' (aandacht)" in " ".join(m["reasons"])
               for m in kennis["matches"])
    answers = {a.key: a.text for a in prof.summary.answers}
    assert answers["problemen"] == ("1 signaal (1 aandacht). Het sterkste: snelle vergrijzing "
                                    "(aandacht).")
    assert "Ongunstige ontwikkelingen volgens de signaalregels: snelle vergrijzing (aandacht)." \
        in answers["ontwikkeling"]
    _consistent(prof)


def test_summary_of_schildersbuurt(schildersbuurt: Profile) -> None:
    summary = schildersbuurt.summary
    assert [a.key for a in summary.answers] == ["stand", "ontwikkeling", "problemen",
                                                "aanpakken"]
    answers = {a.key: a.text for a in summary.answers}
    assert answers["stand"].startswith(
        "Schildersbuurt is een wijk in de gemeente 's-Gravenhage met 30.700 inwoners (2024). "
        "Tegenover de gemeente (of Nederland, waar de gemeente geen cijfer heeft) zijn 9 "
        "cijfers ongunstig en 3 gunstig (kolom Oordeel bij de kerncijfers)")
    assert ("Het meest ongunstig: Personen met een bijstandsuitkering (% van inwoners, "
            "berekend): 11,3% tegen 4,7% in de gemeente in 2019.") in answers["stand"]
    assert answers["ontwikkeling"].startswith(
        "Het aantal inwoners ging van 31.555 in 2015 naar 30.700 in 2024 (-2,7%). "
        "De Leefbaarometer-score ging van 3,69 in 2002 naar 3,90 in 2024.")
    assert answers["problemen"] == (
        "9 signalen (3 ernstig, 5 aandacht en 1 om te volgen). De sterkste: veel "
        "bijstandsontvangers (ernstig), overlast en onveiligheid (ernstig) en zwakke sociale "
        "samenhang (ernstig).")
    assert answers["aanpakken"].startswith("Voor Schildersbuurt zijn nog geen aanpakken "
                                           "vastgelegd. Het kennisdossier noemt bij de signalen")
    # the strongest signals, in the order of the signals chapter
    assert [s.rule_id for s in summary.signals] == [
        "bijstand_hoog", "onveiligheid_leefbaarometer", "sociale_samenhang_leefbaarometer",
        "vergrijzing_stijgt", "leefbaarheid_laag"]
    assert summary.signals == schildersbuurt.signals[:5]
    # five figures: those the strongest signals rest on, with the Oordeel of the Kerncijfers
    assert [f.indicator_id for f in summary.figures] == [
        "p_soz_wb_afgeleid", "lbm_onv", "lbm_soc", "p_65_eo_jr", "lbm_afw"]
    bijstand = summary.figures[0]
    assert (bijstand.year, bijstand.text, bijstand.gemeente_text, bijstand.nederland_text) == (
        2019, "11,3%", "4,7%", "2,5%")
    assert bijstand.mark == "▼ ongunstig · ●●● ernstig"
    assert bijstand.why == "signaal: Veel bijstandsontvangers (ernstig)"
    assert bijstand.source == KWB_2019
    values = {f.indicator_id: kf.area.value for f in summary.figures
              for kf in schildersbuurt.key_figures if kf.indicator_id == f.indicator_id}
    assert values["lbm_onv"] == pytest.approx(-0.2648, abs=1e-4)
    assert values["lbm_soc"] == pytest.approx(-0.1273, abs=1e-4)
    assert values["lbm_afw"] == pytest.approx(-0.20, abs=5e-3)
    assert values["p_65_eo_jr"] == pytest.approx(12.7, abs=0.05)
    # every figure and signal keeps its source line
    assert summary.figures_caption == ("Bron: CBS, Kerncijfers Wijken en Buurten 2019 en 2024; "
                                       "Leefbaarometer 3.0, ministerie van BZK")
    assert "CBS, Kerncijfers Wijken en Buurten 2019 en 2024" in summary.signals_caption
    # first in the JSON, and on the first page of the report, before the Kerncijfers
    data = json.loads(json.dumps(to_dict(schildersbuurt)))
    assert next(iter(data)) == "summary"
    assert data["summary"]["figures"][0]["indicator_id"] == "p_soz_wb_afgeleid"
    assert data["judgements"][0]["indicator_id"] == schildersbuurt.key_figures[0].indicator_id
    html = render_html(schildersbuurt)
    start, kern = html.index('id="samenvatting"'), html.index('id="kerncijfers"')
    page = _text(html[start:kern])
    for question in ("Hoe staat de wijk ervoor?", "Hoe heeft de wijk zich ontwikkeld?",
                     "Welke problemen komen op?", "Welke aanpakken worden er gebruikt?"):
        assert question in page
    assert "Veel bijstandsontvangers" in page and "Zwakke sociale samenhang" in page
    assert "Bron: CBS, Kerncijfers Wijken en Buurten 2019 en 2024" in page
    _consistent(schildersbuurt)


def test_the_assessment_is_the_only_judgement(schildersbuurt: Profile) -> None:
    # computed again from the same profile, it gives the same signals and judgements
    again = assess_profile(schildersbuurt)
    assert again.signals == schildersbuurt.signals
    assert again.judgements == schildersbuurt.judgements
    # the neutral band is narrowed to the lowest signal threshold: fysieke omgeving -0,04
    # (rule from 0,02) is unfavourable, not neutral within the score band of 0,05
    assert level_judgement(-0.04, unit="score", kind="score", better="higher") is None
    assert level_judgement(-0.04, unit="score", kind="score", better="higher",
                           band=0.02) == "ongunstig"
    assert level_judgement(96.0, unit="x 1 000 euro", kind="mean", better="higher") is None
    assert level_judgement(96.0, unit="x 1 000 euro", kind="mean", better="higher",
                           band=3.0) == "ongunstig"
    assert level_judgement(97.0, unit="x 1 000 euro", kind="mean", better="higher",
                           band=3.0) == "ongunstig"  # on the threshold: not neutral
    fys = schildersbuurt.judgement("lbm_fys")
    assert fys.level == "ongunstig" and fys.signals == ["fysieke_omgeving_leefbaarometer"]


def test_the_stand_counts_ten_or_none_unfavourable_figures(schildersbuurt: Profile) -> None:
    """Hand-set judgements: "10 cijfers" stays "10 cijfers" (a "0 cijfers" -> "geen cijfers"
    replacement once turned it into "1geen cijfers"), and none reads "geen cijfers"."""
    from dataclasses import replace

    from wijkanalyse.profiel.summary import _stand

    figures = {kf.indicator_id: kf for kf in schildersbuurt.key_figures}
    base = schildersbuurt.judgements[0]
    ten = [replace(base, indicator_id=f"x{i}", level="ongunstig") for i in range(10)]
    assert "zijn 10 cijfers ongunstig en geen gunstig" in _stand(schildersbuurt, figures, ten)
    one_good = [replace(base, indicator_id="x", level="gunstig")]
    assert "zijn geen cijfers ongunstig en 1 gunstig" in _stand(schildersbuurt, figures,
                                                                 one_good)
