"""Exporting the current catalogue as YAML files, JSON or CSV."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb

from wijkanalyse.atomicio import ensure_out_dir, write_atomic, write_json, write_text
from wijkanalyse.content import ContentStore
from wijkanalyse.exportsafe import csv_value
from wijkanalyse.kennis.dossier import all_interventions
from wijkanalyse.kennis.files import to_file_data, to_yaml
from wijkanalyse.kennis.model import Intervention
from wijkanalyse.kennis.vocab import FUNDING, ORIGINS, PARTNERS, KennisError

# --------------------------------------------------------------------------- export


def export_catalogue(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *,
                     format: str = "yaml", content: ContentStore | None = None) -> list[Path]:
    """Write the current catalogue (also user versions; not removed ones).

    Parameters
    ----------
    con
        A connection with the catalogue loaded.
    out_dir
        Folder (created when missing).
    format
        ``"yaml"``: one ``<id>.yaml`` per intervention in the catalogue file format (loadable
        with :func:`load_intervention_file`, so a round trip gives equal records);
        ``"json"``: ``interventies.json`` with every record (file keys plus ``id``) and its
        version metadata; ``"csv"``: ``interventies.csv`` (``;``-separated, UTF-8 with BOM for
        Excel), one row per intervention, lists joined with ``"; "``.
    content
        The content store with the stored versions (``None``: the shipped catalogue).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    KennisError
        Unknown format.
    WijkanalyseError
        The folder cannot be written (an existing file, no permission, a full disk).
    """
    fmt = str(format).strip().lower()
    if fmt not in ("yaml", "json", "csv"):
        raise KennisError(f"onbekend formaat {format!r}; kies yaml, json of csv.",
                          field="format")
    items = all_interventions(con, content=content)
    out = ensure_out_dir(out_dir)

    if fmt == "yaml":
        written = []
        for iv in items:
            header = (f"# {iv.name}: versie {iv.version} ({ORIGINS.get(iv.origin or '', '')}"
                      f"), vastgelegd {iv.updated_at} door {iv.updated_by}.\n")
            header = "".join(f"# {line}\n" if not line.startswith("# ") else f"{line}\n"
                             for line in header.splitlines())  # a name never ends the comment
            written.append(write_text(out / f"{iv.id}.yaml", header + to_yaml(iv)))
        return written
    if fmt == "json":
        data = {"interventies": [
            {"id": iv.id, **to_file_data(iv),
             "versie": {"nummer": iv.version, "herkomst": iv.origin,
                        "vastgelegd_op": iv.updated_at, "vastgelegd_door": iv.updated_by}}
            for iv in items]}
        return [write_json(out / "interventies.json", data)]

    def write_csv(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(_CSV_HEADER)
            for iv in items:
                # texts from users stay text in a spreadsheet (no formulas)
                writer.writerow([csv_value(v) for v in _csv_row(iv)])

    return [write_atomic(out / "interventies.csv", write_csv)]


_CSV_HEADER = ["id", "naam", "samenvatting", "soort", "themas", "pakt_aan",
               "werkzame_bestanddelen", "bewijsniveau", "bewijs_effect", "bewijs_toelichting",
               "partners", "financiering", "kosten", "kosten_toelichting", "termijn", "jaren",
               "valkuilen", "context", "bronnen", "verwant", "bijgewerkt", "beschrijving",
               "versie", "herkomst", "vastgelegd_op", "vastgelegd_door"]


def _csv_row(iv: Intervention) -> list[Any]:
    lo, hi = iv.horizon.years_min, iv.horizon.years_max
    years = "" if lo is None else (str(lo) if hi in (None, lo) else f"{lo}-{hi}")
    return [iv.id, iv.name, iv.summary, iv.kind, "; ".join(iv.theme_labels),
            "; ".join(a.text() for a in iv.addresses), "; ".join(iv.working_elements),
            iv.evidence.level, iv.evidence.effect, iv.evidence.source,
            "; ".join(PARTNERS[p] for p in iv.partners),
            "; ".join(FUNDING[f] for f in iv.funding), iv.cost.level, iv.cost.note,
            iv.horizon.term, years, "; ".join(iv.pitfalls), iv.context,
            "; ".join(s.text() for s in iv.sources), "; ".join(iv.related), iv.updated or "",
            iv.description, iv.version, iv.origin, iv.updated_at, iv.updated_by]


__all__ = ["export_catalogue"]
