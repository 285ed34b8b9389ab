"""The database schema: tables, views, source priorities and the user tables."""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = "1"

#: Tables that hold what users made themselves and stay in the analytical database (user
#: areas are analytical definitions); ``data build`` carries them over. Stories, applied
#: approaches and kennisdossier versions live in the content store (:mod:`wijkanalyse.content`),
#: a file ``data build`` never touches; the shipped kennisdossier (``interventions``) is loaded
#: by every build.
USER_TABLES = ("areas", "area_members")

#: Tables of stories, applied approaches and kennisdossier versions that databases before the
#: content store had. The schema no longer makes them; ``data build`` copies them as they are
#: when the previous file has them (so nothing is lost before ``wijkanalyse content migreer``
#: copied them over).
LEGACY_TABLES = ("stories", "story_history", "applied_approaches", "applied_approach_history",
                 "intervention_history")

#: Lower is preferred when two sources give the same figure.
LAYOUT_PRIORITY = {
    "odata_json": 5,
    "odata_csv": 10,
    "kwb2024_herkomst": 12,
    "ses_woa_csv": 12,
    "lbm_wijk_csv": 12,
    "geojson_boundaries": 70,
    "statline_csv": 20,
    "r_csv": 30,
    "statline_csv_names": 35,
    "heerlen_sqlite": 40,
    "gemeenten_subset_csv": 50,
    # CBS Wijk- en Buurtkaart attributes (rounded counts, whole percentages): after the KWB
    # tables; wijken derived from buurten last
    "wbk_dbf": 45,
    "wbk_dbf_indeling": 45,
    "wbk_geojson": 45,
    "wbk_geojson_afgeleid": 80,
    "kwb_xlsx": 15,
    "renamed_csv": 45,
    "politie_statline_csv": 12,
    "ggd_gezondheidsmonitor_csv": 12,
}

#: DDL of :data:`LEGACY_TABLES` as databases before the content store had them (tests make an
#: old database with it; ``content migreer`` reads such tables).
LEGACY_SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (
    story_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL CHECK (kind IN ('verhaal', 'aanpak')),
    area_code VARCHAR NOT NULL, title VARCHAR NOT NULL, author VARCHAR NOT NULL,
    story_date DATE NOT NULL, body_markdown VARCHAR NOT NULL, tags VARCHAR[], meta VARCHAR,
    created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL, source_file VARCHAR,
    removed_at VARCHAR, removed_by VARCHAR);
CREATE TABLE IF NOT EXISTS story_history (
    story_id INTEGER NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    snapshot VARCHAR NOT NULL, PRIMARY KEY (story_id, version));
CREATE TABLE IF NOT EXISTS applied_approaches (
    applied_id INTEGER PRIMARY KEY, intervention_id VARCHAR NOT NULL,
    area_code VARCHAR NOT NULL, area_name VARCHAR NOT NULL, area_kind VARCHAR NOT NULL,
    area_members VARCHAR[] NOT NULL, gemeente_code VARCHAR, year_from INTEGER NOT NULL,
    year_to INTEGER, partners VARCHAR[] NOT NULL, funding VARCHAR[] NOT NULL,
    result_text VARCHAR NOT NULL, result_indicators VARCHAR[] NOT NULL,
    author VARCHAR NOT NULL, created_at VARCHAR NOT NULL, updated_at VARCHAR NOT NULL,
    removed_at VARCHAR, removed_by VARCHAR);
CREATE TABLE IF NOT EXISTS applied_approach_history (
    applied_id INTEGER NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    snapshot VARCHAR NOT NULL, PRIMARY KEY (applied_id, version));
CREATE TABLE IF NOT EXISTS intervention_history (
    intervention_id VARCHAR NOT NULL, version INTEGER NOT NULL, changed_at VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL,
    action VARCHAR NOT NULL
        CHECK (action IN ('add', 'update', 'remove', 'restore', 'shipped_skipped')),
    origin VARCHAR NOT NULL CHECK (origin IN ('pakket', 'gebruiker')), note VARCHAR,
    snapshot VARCHAR NOT NULL, PRIMARY KEY (intervention_id, version));
"""

#: Kennisdossier: the shipped interventions (see :mod:`wijkanalyse.kennis.dossier`; the
#: versions people store are in the content store). ``origin = 'gebruiker'`` rows are what
#: databases before the content store had; ``ensure_catalogue`` replaces them.
KENNIS_SCHEMA = """
CREATE TABLE IF NOT EXISTS interventions (
    intervention_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, summary VARCHAR NOT NULL,
    description VARCHAR NOT NULL, themes VARCHAR[] NOT NULL, partners VARCHAR[] NOT NULL,
    funding VARCHAR[] NOT NULL, evidence_level VARCHAR NOT NULL, cost_level VARCHAR NOT NULL,
    horizon VARCHAR NOT NULL, domains VARCHAR[] NOT NULL, indicators VARCHAR[] NOT NULL,
    signals VARCHAR[] NOT NULL, related VARCHAR[] NOT NULL, search_text VARCHAR NOT NULL,
    record VARCHAR NOT NULL,
    origin VARCHAR NOT NULL CHECK (origin IN ('pakket', 'gebruiker')),
    version INTEGER NOT NULL, shipped_sha256 VARCHAR, updated_at VARCHAR NOT NULL,
    updated_by VARCHAR NOT NULL, removed_at VARCHAR, removed_by VARCHAR);
"""

SCHEMA = KENNIS_SCHEMA + """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS sources (
    source_id VARCHAR PRIMARY KEY, file_name VARCHAR, path VARCHAR, sha256 VARCHAR,
    kind VARCHAR, layout VARCHAR, table_id VARCHAR, year INTEGER, label VARCHAR,
    priority INTEGER, n_regions INTEGER, n_values INTEGER);
CREATE TABLE IF NOT EXISTS indicators (
    id VARCHAR PRIMARY KEY, label VARCHAR, unit VARCHAR, domain VARCHAR, kind VARCHAR,
    aggregation VARCHAR, base VARCHAR, better VARCHAR, description VARCHAR,
    valid_from INTEGER, valid_to INTEGER, replaces VARCHAR, replaced_by VARCHAR,
    definition_changes VARCHAR);
CREATE TABLE IF NOT EXISTS region_sources (
    year INTEGER, code VARCHAR, level VARCHAR, name VARCHAR, gemeente_code VARCHAR,
    wijk_code VARCHAR, gemeente_name VARCHAR, source_id VARCHAR, match_method VARCHAR);
CREATE TABLE IF NOT EXISTS observations (
    indicator_id VARCHAR, year INTEGER, code VARCHAR, value DOUBLE, missing_reason VARCHAR,
    source_id VARCHAR, source_column VARCHAR);
CREATE TABLE IF NOT EXISTS geometries (
    code VARCHAR, year INTEGER, level VARCHAR, name VARCHAR, source_id VARCHAR,
    source_crs VARCHAR, match_method VARCHAR, geojson VARCHAR,
    centroid_lon DOUBLE, centroid_lat DOUBLE, area_m2 DOUBLE);
CREATE TABLE IF NOT EXISTS load_issues (
    source_id VARCHAR, kind VARCHAR, detail VARCHAR, column_name VARCHAR, line INTEGER);
CREATE TABLE IF NOT EXISTS documents (
    rel_path VARCHAR, path VARCHAR, kind VARCHAR, description VARCHAR, title VARCHAR,
    size_bytes BIGINT);
CREATE TABLE IF NOT EXISTS lineage (
    level VARCHAR, source_year INTEGER, source_code VARCHAR, target_year INTEGER,
    target_code VARCHAR, weight DOUBLE, evidence VARCHAR, certainty VARCHAR, note VARCHAR);
CREATE TABLE IF NOT EXISTS segregatie_gemeente (
    level VARCHAR, gemeente_code VARCHAR, part VARCHAR, PRIMARY KEY (level, gemeente_code));
CREATE TABLE IF NOT EXISTS stored_parts (
    kind VARCHAR, key VARCHAR, fingerprint VARCHAR, payload VARCHAR, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS areas (
    area_id VARCHAR PRIMARY KEY, name VARCHAR, gemeente_code VARCHAR, description VARCHAR,
    created_by VARCHAR, created_at VARCHAR);
CREATE TABLE IF NOT EXISTS area_members (
    area_id VARCHAR, code VARCHAR, PRIMARY KEY (area_id, code));
CREATE OR REPLACE VIEW regions AS
SELECT r.year, r.code,
       arg_min(r.level, s.priority) AS level,
       arg_min(r.name, s.priority) FILTER (WHERE r.name IS NOT NULL) AS name,
       arg_min(r.gemeente_code, s.priority) AS gemeente_code,
       arg_min(r.wijk_code, s.priority) AS wijk_code,
       list(DISTINCT r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL) AS names,
       list(DISTINCT r.source_id ORDER BY r.source_id) AS source_ids
FROM region_sources r JOIN sources s USING (source_id)
GROUP BY r.year, r.code;
CREATE OR REPLACE VIEW observation AS
SELECT o.indicator_id, o.year, o.code,
       arg_min(o.value, (o.value IS NULL, s.priority, o.source_id)) AS value,
       arg_min(o.missing_reason, (o.value IS NULL, s.priority, o.source_id)) AS missing_reason,
       arg_min(o.source_id, (o.value IS NULL, s.priority, o.source_id)) AS source_id,
       count(*) AS n_sources
FROM observations o JOIN sources s USING (source_id)
GROUP BY o.indicator_id, o.year, o.code;
"""


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create tables and views that do not exist yet."""
    con.execute(SCHEMA)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def tables_exist(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> bool:
    """Whether all tables ``names`` exist in the main schema of the current database."""
    found = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND list_contains(?, table_name)", [list(names)]
    ).fetchall()}
    return found == set(names)


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's database was opened read-only."""
    row = con.execute("SELECT readonly FROM duckdb_databases() "
                      "WHERE database_name = current_database()").fetchone()
    return bool(row is not None and row[0])
