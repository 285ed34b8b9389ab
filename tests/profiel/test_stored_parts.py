"""The parts every profile needs, stored by ``data build`` (issue 13): stored equals computed
on the fly (real data), profiles are byte-identical with and without them, and a missing or
stale part is computed instead."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import wijkanalyse.store
from wijkanalyse import store
from wijkanalyse.gebieden.subjects import resolve_subject
from wijkanalyse.kennis import index as kindex
from wijkanalyse.model import to_dict
from wijkanalyse.profiel import assemble, load, peers, stored
from wijkanalyse.profiel.assemble import build_profile


@pytest.fixture(scope="module")
def con(built_db: Path):
    c = store.connect(built_db, read_only=True)
    yield c
    c.close()


def _payload(con: duckdb.DuckDBPyConnection, kind: str, key: str) -> tuple[str, str]:
    parts = store.read_stored_parts(con, kind)
    assert key in parts, sorted(parts)
    return parts[key]


def test_build_stores_every_part(con):
    kinds = {k: len(store.read_stored_parts(con, k))
             for k in ("peer_features", "peer_names", "nederland", "kennis_index")}
    # features of the 9 years with inhabitants at each of the 3 levels; 13 years of Nederland
    assert kinds == {"peer_features": 27, "peer_names": 1, "nederland": 13, "kennis_index": 1}


@pytest.mark.parametrize("key", ["wijk:2024", "buurt:2024", "gemeente:2015", "wijk:2017"])
def test_stored_peer_features_equal_computed(con, key):
    level, year = key.split(":")
    fingerprint, payload = _payload(con, "peer_features", key)
    assert fingerprint == peers._stored_fingerprint(load.source_fingerprint(con))
    got = peers._decode_level(json.loads(payload))
    want = peers._compute_level_data(con, level, int(year))
    pd.testing.assert_frame_equal(got.features, want.features, check_exact=True)
    pd.testing.assert_series_equal(got.inhabitants, want.inhabitants, check_exact=True)
    assert got.labels == want.labels
    assert got.n_gemeenten == want.n_gemeenten
    if key == "wijk:2024":
        assert len(got.features) == 3393
        assert got.inhabitants["WK0363ED"] > 0


def test_stored_names_equal_computed(con):
    _, payload = _payload(con, "peer_names", "")
    got = peers._decode_names(json.loads(payload))
    assert got == load.best_names(con)


def test_stored_nederland_equals_computed(con):
    meta = assemble._meta_table(assemble.load_catalogue())
    for year in (2015, 2017, 2016):
        fingerprint, payload = _payload(con, "nederland", str(year))
        assert fingerprint == assemble._nederland_fingerprint(con)
        got_cells, got_text = stored.decode_cells(json.loads(payload))
        want_cells, want_text = assemble._compute_nederland(con, year, meta)
        assert got_text == want_text
        assert got_cells == want_cells
    cells, text = stored.decode_cells(json.loads(_payload(con, "nederland", "2015")[1]))
    # Nederland 1 January 2015 = the sum of its 393 gemeenten (CBS: 16,900,726)
    assert cells[("a_inw", 2015)].value == 16900726.0
    assert text is not None and "393 gemeenten van 2015" in text


def test_stored_kennis_index_equals_built(con):
    key, fingerprint, payload = (lambda kv: (kv[0], *kv[1]))(
        next(iter(store.read_stored_parts(con, "kennis_index").items())))
    records, from_db = kindex._catalogue(con)
    assert from_db
    built = kindex.build_index(records)
    assert (key, fingerprint) == (built.fingerprint, kindex.files_hash())
    assert kindex.decode_index(payload) == built
    kindex._INDEX_CACHE.clear()
    assert kindex._cached_index(records, con) == built


def _profile_json(db: Path, query: str) -> str:
    c = store.connect(db, read_only=True)
    try:
        prof = build_profile(c, resolve_subject(c, query))
        return json.dumps(to_dict(prof), ensure_ascii=False, sort_keys=True)
    finally:
        c.close()


#: De Kolenkit (renumbered, Nederland 2015 from its gemeenten), the Schildersbuurt, a
#: programme wijk, a buurt and a gemeente.
SUBJECTS = ["WK0363ED", "WK051829", "Angelslo", "BU0363ED01", "GM0014"]


def test_profiles_identical_with_and_without_stored_parts(built_db, monkeypatch, caplog):
    with_parts = [_profile_json(built_db, q) for q in SUBJECTS]
    read = wijkanalyse.store.read_stored_part
    monkeypatch.setattr(wijkanalyse.store, "read_stored_part",
                        lambda *a, **k: None)  # a database of an older version
    with caplog.at_level("INFO", logger="wijkanalyse.profiel"):
        without = [_profile_json(built_db, q) for q in SUBJECTS]
    assert "wordt nu berekend" in caplog.text
    for query, a, b in zip(SUBJECTS, with_parts, without, strict=True):
        assert a == b, query
    monkeypatch.setattr(wijkanalyse.store, "read_stored_part", read)
    assert json.loads(with_parts[0])["peers"]["peers"]


def test_missing_table_and_stale_part_read_as_none(con):
    mem = duckdb.connect()
    assert store.read_stored_part(mem, "peer_features", "wijk:2024", "x") is None
    assert store.read_stored_parts(mem, "peer_features") == {}
    fingerprint, _ = _payload(con, "peer_features", "wijk:2024")
    assert store.read_stored_part(con, "peer_features", "wijk:2024", fingerprint) is not None
    assert store.read_stored_part(con, "peer_features", "wijk:2024", "ander|" + fingerprint) \
        is None


def test_code_hash_changes_with_the_code(tmp_path, monkeypatch):
    before = stored.code_hash("profiel/features.py")
    monkeypatch.setattr(stored, "STORE_VERSION", stored.STORE_VERSION + 1)
    stored.code_hash.cache_clear()
    try:
        assert stored.code_hash("profiel/features.py") != before
    finally:
        monkeypatch.undo()
        stored.code_hash.cache_clear()
    assert stored.code_hash("profiel/features.py") == before
