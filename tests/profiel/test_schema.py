"""The profile JSON has a documented schema (issue 13): ``docs/profiel.schema.json`` is the JSON
Schema generated from the dataclasses of ``wijkanalyse.model`` and the real JSON of several
profiles (a wijk, a renumbered wijk, a buurt whose Leefbaarometer is its wijk's, a programme
gebied, a user area, a gemeente) validates against it.

When the model changes, regenerate the published schema with::

    .venv/bin/python -c "from wijkanalyse.profiel.schema import write_schema; write_schema()"
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from wijkanalyse import store
from wijkanalyse.cli.main import app
from wijkanalyse.content import open_content
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.kennis import apply_intervention
from wijkanalyse.model import to_dict
from wijkanalyse.profiel.assemble import build_profile
from wijkanalyse.profiel.schema import REGENERATE, profile_schema, schema_text

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "profiel.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema: dict) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema)
    assert cls is jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def profiles(con) -> dict[str, dict]:
    """The JSON (as ``--format json`` writes it: strict JSON, no NaN) of six profiles."""
    queries = {
        "Schildersbuurt": ("Schildersbuurt", "Den Haag"),  # wijk, conflicts, peiljaar
        "De Kolenkit": ("De Kolenkit", None),  # renumbered wijk (other_years)
        "Selwerd": ("Selwerd", "Groningen"),  # Leefbaarometer of wijk Noordwest (geldt_voor)
        "Jol/Galjoen": ("Jol/Galjoen", None),  # programme gebied of buurten, other years
        "Den Haag": ("GM0518", None),  # a gemeente
        "Meerwijk": ("Meerwijk", None),  # resolved within a shipped set: resolution
    }
    out = {}
    for name, (query, gemeente) in queries.items():
        prof = build_profile(con, resolve_subject(con, query, gemeente=gemeente))
        out[name] = json.loads(json.dumps(to_dict(prof), allow_nan=False))
    return out


def _errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(instance)]


def test_published_schema_is_the_generated_one() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        f"docs/profiel.schema.json is out of date; regenerate it with: {REGENERATE}")


def test_schema_documents_every_key(schema: dict) -> None:
    """Every object of the schema is described, and so is each of its properties; every
    property of a dataclass is required (``to_dict`` writes them all) and no other key is
    allowed."""
    objects = {"Profile": schema, **schema["$defs"]}
    assert len(objects) == 24
    undocumented = []
    for name, obj in objects.items():
        assert obj["description"] and obj["title"], name
        for key, prop in obj["properties"].items():
            if not prop.get("description"):
                undocumented.append(f"{name}.{key}")
        assert obj["additionalProperties"] is False, name
        if name != "Profile":
            assert obj["required"] == list(obj["properties"]), name
    assert not undocumented, undocumented
    # the summary comes first, as in the JSON
    assert next(iter(schema["properties"])) == "summary"
    assert list(schema["required"])[-3:] == ["segregatie", "kennis", "programma"]


def test_schema_enums_and_nulls(schema: dict) -> None:
    defs = schema["$defs"]
    signal = defs["Signal"]["properties"]
    assert signal["severity"]["enum"] == [1, 2, 3]
    assert signal["severity_label"]["enum"] == ["om te volgen", "aandacht", "ernstig"]
    judgement = defs["Judgement"]["properties"]
    assert judgement["verdict"]["enum"] == ["gunstig", "ongunstig", None]
    assert judgement["verdict"]["type"] == ["string", "null"]
    assert judgement["severity"]["enum"] == [0, 1, 2, 3]
    assert judgement["reference"]["enum"] == ["gemeente", "Nederland", None]
    assert defs["KeyFigure"]["properties"]["assessment"]["enum"] == ["gunstig", "ongunstig", None]
    assert defs["KeyFigure"]["properties"]["kind"]["enum"] == ["count", "rate", "mean", "score",
                                                               "code"]
    assert defs["Subject"]["properties"]["kind"]["enum"] == ["wijk", "buurt", "gemeente",
                                                             "gebied"]
    assert defs["SummaryAnswer"]["properties"]["key"]["enum"] == [
        "stand", "ontwikkeling", "problemen", "aanpakken"]
    figure = defs["Figure"]["properties"]
    assert figure["value"]["type"] == ["number", "null"]
    assert figure["geldt_voor"]["anyOf"] == [{"$ref": "#/$defs/AppliesTo"}, {"type": "null"}]
    assert figure["conflict"]["anyOf"] == [{"$ref": "#/$defs/Conflict"}, {"type": "null"}]
    assert "KWB edition" in figure["year"]["description"]
    assert defs["Location"]["properties"]["centroid"]["anyOf"][0]["minItems"] == 2
    assert schema["properties"]["kennis"]["type"] == ["object", "null"]
    assert schema["properties"]["kennis"]["properties"]["basis"]["enum"] == [
        "signalen", "preventief", "geen"]


def test_schema_is_generated_from_the_model(schema: dict) -> None:
    """Every dataclass field of the model is in the schema under its own name."""
    import dataclasses

    from wijkanalyse import model

    for name, obj in schema["$defs"].items():
        cls = getattr(model, name)
        assert list(obj["properties"]) == [f.name for f in dataclasses.fields(cls)], name
    assert profile_schema()["$defs"] == schema["$defs"]


@pytest.mark.parametrize("name", ["Schildersbuurt", "De Kolenkit", "Selwerd", "Jol/Galjoen",
                                  "Den Haag", "Meerwijk"])
def test_real_profiles_validate(validator, profiles: dict[str, dict], name: str) -> None:
    data = profiles[name]
    assert _errors(validator, data) == []
    assert list(data)[0] == "summary"


def test_real_profiles_use_the_new_keys(profiles: dict[str, dict]) -> None:
    """The profiles validated above hold the keys of issue 13 with real values, so the schema
    is checked against them and not only against nulls."""
    selwerd = profiles["Selwerd"]
    lbm = [k for k in selwerd["key_figures"] if k["area"]["geldt_voor"] is not None]
    assert lbm and lbm[0]["area"]["geldt_voor"]["code"] == "WK001410"
    assert selwerd["subject"]["kind"] in ("buurt", "gebied")
    kolenkit = profiles["De Kolenkit"]
    assert kolenkit["subject"]["id"] == "WK0363ED"
    assert kolenkit["subject"]["other_years"]
    schilders = profiles["Schildersbuurt"]
    assert any(k["peiljaar_text"] for k in schilders["key_figures"])
    assert schilders["judgements"] and schilders["signals"]
    assert {s["severity"] for s in schilders["signals"]} <= {1, 2, 3}
    assert [a["key"] for a in schilders["summary"]["answers"]] == [
        "stand", "ontwikkeling", "problemen", "aanpakken"]
    assert profiles["Den Haag"]["subject"]["kind"] == "gemeente"
    assert profiles["Jol/Galjoen"]["subject"]["kind"] == "gebied"
    conflicts = [k["area"]["conflict"] for k in kolenkit["key_figures"]
                 if k["area"]["conflict"] is not None]
    assert len(conflicts) == 10  # the two Amsterdam 2019 files disagree
    assert all(len(c["values"]) >= 2 and c["values"][0]["chosen"] for c in conflicts)
    meerwijk = profiles["Meerwijk"]["subject"]
    assert meerwijk["id"] == "WK039221" and meerwijk["resolution"]
    assert meerwijk["alternatives"]


def test_schema_rejects_wrong_json(validator, profiles: dict[str, dict]) -> None:
    """The schema is not vacuous: a wrong severity, a missing key, an unknown key and a
    string for a number are each an error."""
    good = profiles["Schildersbuurt"]
    bad = copy.deepcopy(good)
    bad["signals"][0]["severity"] = 5
    assert any("signals/0/severity" in e for e in _errors(validator, bad))
    bad = copy.deepcopy(good)
    del bad["key_figures"][0]["area"]["geldt_voor"]
    assert any("geldt_voor" in e for e in _errors(validator, bad))
    bad = copy.deepcopy(good)
    bad["judgements"][0]["oordeel"] = "slecht"
    assert any("oordeel" in e for e in _errors(validator, bad))
    bad = copy.deepcopy(good)
    bad["key_figures"][0]["area"]["value"] = "12,5"
    assert _errors(validator, bad)
    bad = copy.deepcopy(good)
    bad["judgements"][0]["verdict"] = "slecht"
    assert _errors(validator, bad)


def test_cli_json_validates(built_db: Path, tmp_path: Path, validator) -> None:
    """The file ``wijkanalyse profiel X --format json`` writes validates."""
    result = CliRunner().invoke(app, ["--db", str(built_db), "profiel", "Selwerd", "--gemeente",
                                      "Groningen", "--format", "json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert _errors(validator, data) == []


def test_user_data_validate(rebuilt_db: dict, tmp_path: Path, validator) -> None:
    """User data in the JSON: a user area (Jol/Galjoen, added with ``gebied add``), a wijk with
    a story, and the kennis section with an application in the area and one of its first
    recommendation in a similar wijk (``applied`` and ``peer_rows``)."""
    assert rebuilt_db["rebuilt"].exit_code == 0, rebuilt_db["rebuilt"].output
    db = tmp_path / "w.duckdb"
    db.write_bytes(Path(rebuilt_db["path"]).read_bytes())
    content_file = Path(str(rebuilt_db["path"]) + ".content.sqlite")
    Path(str(db) + ".content.sqlite").write_bytes(content_file.read_bytes())
    con = store.connect(db)
    content = open_content(db_path=db)
    try:
        area = build_profile(con, resolve_subject(con, "jol-galjoen"), with_peers=False,
                             content=content)
        angelslo = resolve_subject(con, "WK011443")
        before = build_profile(con, angelslo, content=content)
        first = before.section("kennis")["matches"][0]["id"]
        peer = before.peers.peers[0].code
        apply_intervention(con, content, intervention=first, area=peer, year_from=2017,
                           year_to=2021, partners="gemeente",
                           result="Meer contact tussen buren.", author="E. Smit")
        apply_intervention(con, content, intervention="buurtbemiddeling", area="WK011443",
                           year_from=2016, indicators=["lbm_soc"], author="E. Smit")
        after = build_profile(con, angelslo, content=content)
    finally:
        con.close()
        content.close()
    for prof in (area, before, after):
        data = json.loads(json.dumps(to_dict(prof), allow_nan=False))
        assert _errors(validator, data) == []
    assert area.subject.kind == "gebied"
    assert after.stories and after.stories[0].title == "Gesprek met de wijkagent"
    kennis = after.section("kennis")
    assert [a["intervention_id"] for a in kennis["applied"]] == ["buurtbemiddeling"]
    assert [(r["intervention_id"], r["peer_code"]) for r in kennis["peer_rows"]] == [
        (first, peer)]
