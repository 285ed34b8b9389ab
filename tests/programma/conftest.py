"""Fixtures of the programme tests: the 2016 programme from tests/programma/data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from wijkanalyse.content import open_content
from wijkanalyse.programma import (
    ContentProgrammeStore,
    Programme,
    import_registrations,
    read_definition,
)

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def programme_2016() -> Programme:
    """The 2016 programme with its 12 registrations (imported without a database)."""
    prog = read_definition(DATA / "programma-2016.yaml")
    result = import_registrations(prog, DATA / "aanmeldingen-2016.csv")
    assert not result.rejected
    prog.registrations += result.accepted
    return prog


@pytest.fixture
def empty_2016() -> Programme:
    """The 2016 programme without registrations."""
    return read_definition(DATA / "programma-2016.yaml")


@contextmanager
def programme_store(db_path: Path) -> Iterator[ContentProgrammeStore]:
    """The programmes in the content store next to ``db_path`` (as the CLI opens it), closed
    afterwards."""
    content = open_content(db_path=db_path)
    try:
        yield ContentProgrammeStore(content)
    finally:
        content.close()
