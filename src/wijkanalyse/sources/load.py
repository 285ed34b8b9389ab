"""The database reads of :mod:`wijkanalyse.sources` outside the build (which writes the
store through its own connection): the tables of the data-quality report."""

from __future__ import annotations

import duckdb
import pandas as pd

from wijkanalyse.store import tables_exist


def status_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The tables of :class:`wijkanalyse.sources.status.StatusReport`, by field name."""
    def q(sql: str) -> pd.DataFrame:
        return con.execute(sql).df()

    return dict(
        sources=q("""SELECT source_id, kind, layout, table_id, year, n_regions, n_values, label
                     FROM sources ORDER BY kind, year NULLS FIRST, source_id"""),
        regions=q("""SELECT year, level, count(*) AS n_regions FROM regions
                     GROUP BY year, level
                     ORDER BY year, list_position(['land','gemeente','wijk','buurt'], level)"""),
        coverage=q(
            """WITH per AS (
                   SELECT o.indicator_id, o.year, r.level,
                          count(*) FILTER (WHERE o.value IS NOT NULL) AS n_value,
                          count(*) FILTER (WHERE o.value IS NULL) AS n_missing
                   FROM observation o JOIN regions r USING (year, code)
                   GROUP BY o.indicator_id, o.year, r.level),
               tot AS (SELECT year, level, count(*) AS n_regions FROM regions GROUP BY ALL)
               SELECT per.indicator_id, i.label, i.domain, per.year, per.level, n_value,
                      n_missing, tot.n_regions,
                      round(n_value / tot.n_regions, 4) AS coverage
               FROM per JOIN tot USING (year, level)
               LEFT JOIN indicators i ON i.id = per.indicator_id
               ORDER BY i.domain, per.indicator_id, per.year,
                        list_position(['land','gemeente','wijk','buurt'], per.level)"""
        ),
        with_values=q(
            """WITH v AS (
                   SELECT o.year, r.level, count(DISTINCT o.code) AS n_with_value,
                          count(DISTINCT o.indicator_id) AS n_indicators
                   FROM observation o JOIN regions r USING (year, code)
                   WHERE o.value IS NOT NULL GROUP BY ALL),
               tot AS (SELECT year, level, count(*) AS n_regions FROM regions GROUP BY ALL)
               SELECT tot.year, tot.level, coalesce(v.n_with_value, 0) AS n_with_value,
                      tot.n_regions, coalesce(v.n_indicators, 0) AS n_indicators
               FROM tot LEFT JOIN v USING (year, level)
               ORDER BY tot.year, list_position(['land','gemeente','wijk','buurt'], tot.level)"""
        ),
        missing_reasons=q("""SELECT missing_reason, count(*) AS n FROM observation
                             WHERE value IS NULL GROUP BY ALL ORDER BY n DESC"""),
        issues=q("SELECT kind, count(*) AS n FROM load_issues GROUP BY kind ORDER BY kind"),
        unmatched=q("""SELECT source_id, detail, line FROM load_issues
                       WHERE kind LIKE 'unmatched%' ORDER BY source_id, line"""),
        unmapped_columns=q("""SELECT column_name, count(DISTINCT source_id) AS n_sources,
                                     min(source_id) AS first_source
                              FROM load_issues WHERE kind = 'unmapped_column'
                              GROUP BY column_name ORDER BY column_name"""),
        failed=q("""SELECT column_name AS file, detail AS message FROM load_issues
                    WHERE kind = 'failed_source' ORDER BY file"""),
        conflicts=q("""SELECT column_name AS indicator_id, detail FROM load_issues
                       WHERE kind = 'conflict' ORDER BY detail"""),
        not_loaded=q("""SELECT id, label, domain FROM indicators
                        WHERE id NOT IN (SELECT DISTINCT indicator_id FROM observations
                                         WHERE value IS NOT NULL)
                        ORDER BY domain, id"""),
        documents=(q("""SELECT rel_path, kind, description, title, size_bytes FROM documents
                        ORDER BY rel_path, path""")
                   if tables_exist(con, ("documents",)) else pd.DataFrame(
                       columns=["rel_path", "kind", "description", "title", "size_bytes"])),
    )
