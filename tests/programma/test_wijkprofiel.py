"""Partners and money in the wijkprofiel (issue 16 item 5): the section a programme gives a
participating wijk (hand-computed totals, missing kinds, source line), absent for a wijk that
takes part in nothing, and rendered in the report and the JSON of a real profile (Angelslo,
Emmen, p02 of the 2016 programme), valid against the published schema."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from wijkanalyse.model import to_dict
from wijkanalyse.profiel import with_section
from wijkanalyse.profiel.schema import profile_schema
from wijkanalyse.programma import (
    SECTION_KEY,
    FileStore,
    Programme,
    add_money,
    add_party,
    profile_section,
)


def _with_partners(prog: Programme) -> Programme:
    add_party(prog, wijk="p02", name="Lefier", kind="corporatie", role="actief",
              note="herstructurering")
    add_party(prog, wijk="p02", name="Bewonersvereniging Angelslo", kind="bewoners",
              role="actief")
    add_party(prog, wijk="p02", name="Enexis", kind="energiebedrijf", role="uit te dagen")
    add_money(prog, wijk="p02", source="gemeente Emmen", amount=100_000, start=2016, end=2018,
              purpose="wijkaanpak", model="subsidie")
    add_money(prog, wijk="p02", source="Lefier", amount=1_500_000, start=2016, end=2020,
              purpose="renovatie", model="investering corporatie")
    add_party(prog, wijk="p01", name="Lefier", kind="corporatie", role="actief")
    return prog


@pytest.fixture
def store(tmp_path: Path, programme_2016: Programme) -> FileStore:
    st = FileStore(tmp_path / "programma")
    st.save(_with_partners(programme_2016), what="partij Lefier (actief) bij p02",
            who="team@platform31.example")
    return st


def test_section_of_a_participating_wijk(store: FileStore) -> None:
    data = profile_section(store, subject_id="WK011443", codes=["WK011443"])
    assert data is not None
    assert data["title"] == "Partners en geld"
    (part,) = data["programmas"]  # type: ignore[misc]
    assert part["wijk"] == "Angelslo" and part["gemeente"] == "Emmen"
    assert [p["naam"] for p in part["actief"]] == ["Lefier", "Bewonersvereniging Angelslo"]
    assert [p["naam"] for p in part["uit_te_dagen"]] == ["Enexis"]
    assert part["totaal"] == 1_600_000 and part["totaal_tekst"] == "€ 1.600.000"
    assert [m["periode"] for m in part["geld"]] == ["2016–2018", "2016–2020"]
    # expected: corporatie, zorg, welzijn, onderwijs, bewoners, ondernemers
    assert part["ontbreekt"] == ["zorg", "welzijn", "onderwijs", "ondernemers"]
    assert part["bron"].startswith(
        "Bron: programma Nieuwe perspectieven voor stedelijke vernieuwing, vastgelegd door "
        "team@platform31.example, laatst bijgewerkt ")
    text = str(data)
    assert "contact@emmen.example" not in text and "Contact Emmen" not in text  # no contacts
    assert "4000" not in text and "3000" not in text  # no fees


def test_no_section_for_other_wijken_or_an_empty_store(store: FileStore,
                                                       tmp_path: Path) -> None:
    assert profile_section(store, subject_id="WK036301", codes=["WK036301"]) is None
    assert profile_section(FileStore(tmp_path / "leeg"), subject_id="WK011443",
                           codes=["WK011443"]) is None


def test_with_section_rejects_an_unknown_key(store: FileStore) -> None:
    from wijkanalyse.profiel.sections import SECTIONS

    assert SECTION_KEY in {s.key for s in SECTIONS}
    with pytest.raises(KeyError, match="onbekende sectie"):
        with_section(None, "geen", {})  # type: ignore[arg-type]


def test_report_and_json_of_angelslo(store: FileStore, built_db: Path) -> None:
    from wijkanalyse import store as db_store
    from wijkanalyse.gebieden import resolve_subject
    from wijkanalyse.profiel import build_profile, render_html

    con = db_store.connect(built_db, read_only=True)
    try:
        subject = resolve_subject(con, "WK011443")
        prof = build_profile(con, subject, with_peers=False, with_location=False)
    finally:
        con.close()
    assert prof.section(SECTION_KEY) is None  # not made by the profile itself
    section = profile_section(store, subject_id=subject.id, codes=subject.members)
    with_partners = with_section(prof, SECTION_KEY, section)
    assert prof.section(SECTION_KEY) is None  # the (possibly cached) profile is unchanged
    html = render_html(with_partners)
    assert 'id="partners-en-geld"' in html and "Partners en geld" in html
    assert "€ 1.500.000" in html and "Enexis" in html and "Ontbreekt nog: zorg" in html
    assert 'id="partners-en-geld"' not in render_html(prof)
    data = to_dict(with_partners)
    assert data[SECTION_KEY]["programmas"][0]["totaal"] == 1_600_000
    assert to_dict(prof)[SECTION_KEY] is None
    schema = profile_schema()
    jsonschema.Draft202012Validator(schema).validate(data)
    jsonschema.Draft202012Validator(schema).validate(to_dict(prof))


def test_cli_profiel_json_has_partners(store: FileStore, built_db: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI profile reads the programmes from the content store (here the one named by
    ``WIJKANALYSE_CONTENT_URL``)."""
    import json

    from typer.testing import CliRunner

    from wijkanalyse.cli.main import app
    from wijkanalyse.content import open_content
    from wijkanalyse.programma import ContentProgrammeStore

    url = f"sqlite:///{tmp_path / 'content.sqlite'}"
    content = open_content(url)
    try:
        (slug,) = store.list()
        ContentProgrammeStore(content).save(store.load(slug), what="partners vastgelegd",
                                            who="team@platform31.example")
    finally:
        content.close()
    monkeypatch.setenv("WIJKANALYSE_CONTENT_URL", url)
    result = CliRunner().invoke(app, ["--db", str(built_db), "profiel", "WK011443",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    prof = json.loads(result.stdout)
    (part,) = prof["programma"]["programmas"]
    assert (part["wijk"], part["totaal"]) == ("Angelslo", 1_600_000)
    assert [p["naam"] for p in part["uit_te_dagen"]] == ["Enexis"]


def test_source_line_without_history(programme_2016: Programme, tmp_path: Path) -> None:
    from wijkanalyse.programma import wijk_part

    prog = _with_partners(programme_2016)
    reg = next(r for r in prog.registrations if r.id == "p02")
    assert wijk_part(prog, reg)["bron"] == ("Bron: programma Nieuwe perspectieven voor "
                                             "stedelijke vernieuwing, vastgelegd door het "
                                             "programmateam.")
    prog.history = [{"when": "2016-11-02T10:00:00+00:00", "what": "partij Lefier (actief) "
                     "bij p02", "who": ""}]
    assert wijk_part(prog, reg)["bron"].endswith(
        "vastgelegd door het programmateam, laatst bijgewerkt 02-11-2016.")
