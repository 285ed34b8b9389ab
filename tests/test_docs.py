"""Documentation stays true: every command, option and setting is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from wijkanalyse import settings
from wijkanalyse.cli import app

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: typer.Typer, prefix: str = "wijkanalyse") -> list[str]:
    click_group = typer.main.get_command(group)
    out = []

    def walk(cmd, path):
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{path} {name}")
        else:
            out.append(path)

    walk(click_group, prefix)
    return out


def test_every_command_is_documented() -> None:
    commands = _commands(app)
    assert len(commands) >= 8
    missing = [c for c in commands if f"`{c}" not in README]
    assert not missing, f"commando's zonder uitleg in README.md: {missing}"


def test_every_environment_variable_is_documented() -> None:
    names = [v for k, v in vars(settings).items() if k.startswith("ENV_")]
    assert names
    missing = [n for n in names if n not in README]
    assert not missing, missing


def test_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```bash\n(.+?)\n```", README, flags=re.S)
    assert "data build" in blocks[0] and "pytest" in blocks[1]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci, ".ci/run moet het testcommando uit de README draaien"
