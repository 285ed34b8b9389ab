"""The embedded DuckDB store: schema, connections and writing source tables.

Modules: ``schema`` (tables, views, source priorities), ``connection`` (opening, ``writing``/
``reading``, transactions, copying into a file), ``failures`` (errors on the database file
for people), ``rebuild`` (counts,
conflicts and the user tables a build carries over), ``sourcedata`` (writing what the build
read, reference regions).

Data model (see docs/architecture.md):

``sources``            one row per loaded source table (file, layout, CBS table id, year, sha256)
``indicators``         the catalogue as loaded
``region_sources``     every (year, code) a source mentions, with the name it uses there
``regions`` (view)     one row per (year, code): level, name, gemeente, wijk (best source)
``observations``       long format: indicator, year, code, value, missing reason, source, column
``observation`` (view) one row per (indicator, year, code): the best available source
``geometries``         boundaries in WGS84 (GeoJSON text), with how they were matched
``load_issues``        what readers and the build noticed (unmapped columns, unmatched names, ...)
``documents``          documentation found next to the data (PDF, Markdown, metadata), not read
``lineage``            which region of one division year becomes which of the next (issue 12)
``stored_parts``       parts every profile needs, computed once by ``data build`` (issue 13)
``areas``, ``area_members``  user-defined areas (kept across rebuilds)
"""

from __future__ import annotations

from wijkanalyse.atomicio import write_protected  # the build checks the file with it
from wijkanalyse.store.connection import (
    FileCopy,
    connect,
    connect_memory,
    copy_database,
    reading,
    transaction,
    writing,
)
from wijkanalyse.store.failures import (
    REBUILD_HINT,
    BadDatabaseError,
    ReadOnlyDatabaseError,
    check_writable,
    database_error,
    disk_full_message,
    is_disk_full,
    missing_database_message,
    recognised_error,
)
from wijkanalyse.store.featuretables import ensure_feature_tables
from wijkanalyse.store.rebuild import (
    NotWijkanalyseDatabaseError,
    carry_over_user_tables,
    checkpoint,
    conflicting_sources,
    record_conflicts,
    row_count,
    use_one_thread,
)
from wijkanalyse.store.schema import (
    KENNIS_SCHEMA,
    LAYOUT_PRIORITY,
    LEGACY_SCHEMA,
    LEGACY_TABLES,
    SCHEMA,
    SCHEMA_VERSION,
    USER_TABLES,
    init_schema,
    is_read_only,
    tables_exist,
)
from wijkanalyse.store.sourcedata import (
    SERIES_ON_LATEST_DIVISION,
    reference_regions,
    write_catalogue,
    write_documents,
    write_issues,
    write_source_table,
)
from wijkanalyse.store.storedparts import (
    read_stored_part,
    read_stored_parts,
    write_stored_parts,
)

__all__ = [
    "ensure_feature_tables",
    "BadDatabaseError",
    "NotWijkanalyseDatabaseError",
    "FileCopy",
    "KENNIS_SCHEMA",
    "LAYOUT_PRIORITY",
    "REBUILD_HINT",
    "ReadOnlyDatabaseError",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SERIES_ON_LATEST_DIVISION",
    "LEGACY_SCHEMA",
    "LEGACY_TABLES",
    "USER_TABLES",
    "carry_over_user_tables",
    "checkpoint",
    "check_writable",
    "conflicting_sources",
    "connect",
    "connect_memory",
    "copy_database",
    "database_error",
    "disk_full_message",
    "init_schema",
    "is_disk_full",
    "is_read_only",
    "missing_database_message",
    "read_stored_part",
    "read_stored_parts",
    "reading",
    "record_conflicts",
    "recognised_error",
    "reference_regions",
    "row_count",
    "tables_exist",
    "transaction",
    "use_one_thread",
    "write_catalogue",
    "write_documents",
    "write_issues",
    "write_protected",
    "write_source_table",
    "write_stored_parts",
    "writing",
]
