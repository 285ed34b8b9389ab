"""Documentation stays true: every command, option and setting is in the README."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from wijkanalyse import dblock, settings
from wijkanalyse.cli.main import app

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


def test_every_option_is_documented() -> None:
    """Every long option of every command (both forms of a switch) is named in the README."""
    missing = []

    def walk(cmd, path):
        for param in cmd.params:
            for opt in (*param.opts, *param.secondary_opts):
                if opt.startswith("--") and opt not in README:
                    missing.append(f"{path} {opt}")
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "wijkanalyse")
    assert not missing, f"opties zonder uitleg in README.md: {missing}"


def test_every_environment_variable_is_documented() -> None:
    names = [v for k, v in vars(settings).items() if k.startswith("ENV_")]
    names.append(dblock.ENV_LOCK_TIMEOUT)
    assert names
    missing = [n for n in names if n not in README]
    assert not missing, missing


def test_readme_starts_with_the_two_commands() -> None:
    blocks = re.findall(r"```bash\n(.+?)\n```", README, flags=re.S)
    assert "data build" in blocks[0] and "pytest" in blocks[1]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci, ".ci/run moet het testcommando uit de README draaien"
