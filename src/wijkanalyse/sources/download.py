"""Downloading source data for users with internet: CBS OData v3 tables and the Leefbaarometer.

Everything fetched over HTTP goes through one cache: the body of every response is stored as
``cache_dir/http/<sha256 of the full request URL><suffix>`` (written atomically) and reused on
the next run without a request. Paged CBS downloads therefore resume at the first page not yet
cached, and a large file that broke off halfway resumes with an HTTP ``Range`` request.
``force=True`` (the CLI's ``--vernieuw``) ignores the cache and overwrites it.

Finished downloads are written into ``download_dir`` in layouts ``data build`` reads:

* a CBS table as a folder ``download_dir/<TABLEID>/`` with ``TableInfos.json`` and
  ``DataProperties.json`` (the ``value`` lists of those responses), ``TypedDataSet.json``
  (``{"value": [all rows]}``), ``WijkenEnBuurten.json`` (the region dimension: ``Key`` ->
  ``Title``, the wijk and buurt names) and ``wijkanalyse_download.json`` (what was asked,
  from where);
* Leefbaarometer scores as ``download_dir/leefbaarometer/lbm3_scores_<wijken|buurten|
  gemeenten>_<first year>_<last year>.csv``, byte-identical to the published CSV.

Folders and files appear in one rename, so a half download never looks finished.

CBS endpoints: table metadata comes from the OData API (``ODataApi``), the data rows from the
bulk feed (``ODataFeed``). CBS documents that the API answers at most 10,000 cells per request
and that the feed has no maximum and pages with ``odata.nextLink``
(https://www.cbs.nl/nl-nl/onze-diensten/open-data/statline-als-open-data); users of the API
report that it rejects ``$skip`` and truncates larger results. Pages are followed through
``odata.nextLink``; a page without one that holds exactly ``page_limit`` rows is continued
with ``$top``/``$skip`` (a server that refuses that fails loudly instead of truncating).
Gemeenten are selected with ``startswith`` on the region dimension ``WijkenEnBuurten``, whose
keys CBS pads with spaces to 10 characters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from wijkanalyse import __version__
from wijkanalyse.cbstables import KWB_TABLES
from wijkanalyse.errors import DownloadError
from wijkanalyse.sources.cbs_odata import (
    gemeente_filters,
    geo_key_of,
    normalise_gemeente,
    odata_pages,
    odata_url,
    resolve_topics,
)
from wijkanalyse.sources.fetch import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    Http,
    NoticeCallback,
    ProgressCallback,
    Reporter,
    session,
)

if TYPE_CHECKING:
    from rich.progress import Progress

#: CBS OData v3 API (metadata; at most 10,000 cells per request).
CBS_ODATA_API = "https://opendata.cbs.nl/ODataApi/odata"
#: CBS OData v3 bulk feed (data rows; paged with ``odata.nextLink``).
CBS_ODATA_FEED = "https://opendata.cbs.nl/ODataFeed/odata"
#: Most rows CBS returns in one response.
CBS_PAGE_LIMIT = 10_000

#: The Leefbaarometer open-data page (where the download links are published).
LEEFBAAROMETER_OPEN_DATA_PAGE = "https://www.leefbaarometer.nl/page/Opendata"
#: Leefbaarometer 3.0, meting 2024: one ZIP with the scores per gemeente, wijk, buurt
#: (``Leefbaarometer-scores wijken 2002-2024.csv`` etc.) and per 100 m grid cell.
LEEFBAAROMETER_OPEN_DATA_URL = (
    "https://www.leefbaarometer.nl/resources/open-data-leefbaarometer-meting-2024.zip"
)
LEEFBAAROMETER_LEVELS = ("wijk", "buurt", "gemeente")
#: Default source per level: a ZIP (members are looked up by name) or a CSV.
LEEFBAAROMETER_URLS: dict[str, str] = {lv: LEEFBAAROMETER_OPEN_DATA_URL
                                       for lv in LEEFBAAROMETER_LEVELS}
_LBM_PLURAL = {"wijk": "wijken", "buurt": "buurten", "gemeente": "gemeenten"}
_LBM_PREFIX = {"wijk": "wk", "buurt": "bu", "gemeente": "gm"}


# --------------------------------------------------------------------------- CBS OData

def download_table(
    table_id: str,
    *,
    download_dir: Path,
    cache_dir: Path,
    gemeenten: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    include_nederland: bool = True,
    region_names: bool = True,
    year: int | None = None,
    force: bool = False,
    client: httpx.Client | None = None,
    progress: ProgressCallback | Progress | None = None,
    api_base: str = CBS_ODATA_API,
    feed_base: str = CBS_ODATA_FEED,
    page_limit: int = CBS_PAGE_LIMIT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = DEFAULT_TIMEOUT,
    notice: NoticeCallback | None = None,
) -> Path:
    """Download one CBS OData v3 table into ``download_dir/<table_id>/``.

    Parameters
    ----------
    table_id
        CBS table identifier, e.g. ``"85984NED"``.
    download_dir, cache_dir
        Where the finished folder goes, and the HTTP cache (``cache_dir/http``).
    gemeenten
        Only these gemeenten (codes such as ``GM0363`` or ``363``) with their wijken and
        buurten; ``None`` downloads the whole country.
    topics
        Only these topics (``$select``), as key, key without number or title; the region
        keys are always included and ``DataProperties.json`` is reduced to match.
    include_nederland
        With ``gemeenten``: also the row for Nederland (``NL00``), the national reference.
    region_names
        Also download the region dimension (``WijkenEnBuurten``: ``Key`` -> ``Title``, the
        names of wijken and buurten, which ``TypedDataSet`` lacks) as ``WijkenEnBuurten.json``.
    year
        The reporting year the table should describe; a table whose period does not name
        this year raises :class:`DownloadError` (guards the year-to-table mapping).
    force
        Ignore cached responses (they are overwritten).
    client
        An ``httpx.Client`` to use (tests pass one with a ``MockTransport``); by default a
        client is created and closed.
    progress
        ``progress(label, rows_so_far, total)`` or a ``rich.progress.Progress``.
    api_base, feed_base
        OData service roots for metadata and for data rows.
    page_limit
        Rows per full page (CBS: 10,000); used only when the server gives no next link.
    retries, backoff, sleep
        Retries for network errors, HTTP 408/429/5xx; waits ``backoff * 2**attempt``
        seconds (or the server's ``Retry-After``) through ``sleep``.
    timeout
        Seconds to wait for a server that sends nothing (read timeout; connecting: at most
        :data:`CONNECT_TIMEOUT`); a JSON response must be complete within
        ``JSON_DEADLINE_FACTOR * timeout``. Used for the client made here (not for ``client``).
    notice
        Told what the download waits for: the server's answer, and the countdown to the next
        try (about once a second).

    Returns
    -------
    Path
        The finished table folder.

    Raises
    ------
    DownloadError
        Unknown table (HTTP 404), network failure, server errors after the retries,
        unknown topics, invalid gemeente codes or a table of another year.
    """
    table_id = str(table_id).strip().upper()
    label = f"KWB {year} ({table_id})" if year is not None else f"CBS {table_id}"
    what = f"KWB {year}: " if year is not None else ""
    not_found = f"{what}CBS kent tabel {table_id} niet; controleer het tabelnummer"
    report = Reporter(progress)
    with session(client, timeout) as c:
        http = Http(c, Path(cache_dir), force, retries, backoff, sleep, notice, timeout)

        def collect(base: str, entity: str, queries: Sequence[Sequence[tuple[str, str]]],
                    on_page: Callable[[int, bool], None] | None = None,
                    ) -> tuple[list[dict[str, Any]], list[str], int, int]:
            rows_all: list[dict[str, Any]] = []
            firsts: list[str] = []
            pages = cached = 0
            for params in queries:
                first = odata_url(base, table_id, entity, params)
                firsts.append(first)
                for _, rows, from_cache in odata_pages(http, first, not_found=not_found,
                                                        page_limit=page_limit):
                    rows_all.extend(rows)
                    pages += 1
                    cached += from_cache
                    if on_page is not None:
                        on_page(len(rows_all), from_cache)
            return rows_all, firsts, pages, cached

        infos = collect(api_base, "TableInfos", [()])[0]
        props = collect(api_base, "DataProperties", [()])[0]
        _check_table(infos, table_id=table_id, year=year)
        geo_key = geo_key_of(props)
        select = resolve_topics(props, topics, table_id=table_id) if topics else None
        data_queries: list[list[tuple[str, str]]] = []
        name_queries: list[list[tuple[str, str]]] = []
        for flt, key_flt in (
            zip(gemeente_filters(gemeenten, geo_key=geo_key,
                                 include_nederland=include_nederland),
                gemeente_filters(gemeenten, geo_key="Key",
                                 include_nederland=include_nederland), strict=True)
            if gemeenten else [(None, None)]
        ):
            data_queries.append([("$filter", flt)] if flt else [])
            if select:
                data_queries[-1].append(("$select", ",".join(select)))
            name_queries.append([("$filter", key_flt)] if key_flt else [])
        report(label, 0, None, "")
        page_no = 0

        def on_page(done: int, from_cache: bool) -> None:
            nonlocal page_no
            page_no += 1
            report(label, done, None, f"pagina {page_no}" + (" (cache)" if from_cache else ""))

        rows, urls, pages, cached = collect(feed_base, "TypedDataSet", data_queries, on_page)
        names: list[dict[str, Any]] = []
        if region_names and any(p.get("Type") == "GeoDetail" for p in props):
            names, name_urls, _, _ = collect(feed_base, geo_key, name_queries)
            urls += name_urls
        report(label, len(rows), len(rows), "klaar")
    if select:
        keep = set(select)
        props = [p for p in props if p.get("Type") != "Topic" or p.get("Key") in keep]
    manifest = {
        "table_id": table_id,
        "year": year,
        "title": infos[0].get("Title") if infos else None,
        "modified": infos[0].get("Modified") if infos else None,
        "urls": urls,
        "gemeenten": [normalise_gemeente(g) for g in gemeenten] if gemeenten else None,
        "topics": select,
        "rows": len(rows),
        "pages": pages,
        "pages_from_cache": cached,
        "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "wijkanalyse_version": __version__,
    }
    files: dict[str, Any] = {
        "TableInfos.json": infos,
        "DataProperties.json": props,
        "TypedDataSet.json": {"value": rows},
    }
    if names:
        files[f"{geo_key}.json"] = names
    files["wijkanalyse_download.json"] = manifest
    target = Path(download_dir) / table_id
    _write_folder_atomic(target, files)
    return target


def _check_table(infos: Sequence[Mapping[str, Any]], *, table_id: str, year: int | None) -> None:
    if not infos:
        raise DownloadError(f"CBS-tabel {table_id} heeft geen TableInfos; is het tabelnummer "
                            "juist?")
    info = infos[0]
    ident = str(info.get("Identifier", table_id)).strip().upper()
    if ident != table_id:
        raise DownloadError(f"Gevraagd is CBS-tabel {table_id}, maar de server leverde {ident}.")
    if year is not None:
        text = f"{info.get('Period', '')} {info.get('Title', '')}"
        if str(year) not in text:
            raise DownloadError(
                f"CBS-tabel {table_id} is {info.get('Title')!r} (periode {info.get('Period')!r}),"
                f" niet KWB {year}. Geef het juiste tabelnummer voor {year} op."
            )


def _write_folder_atomic(target: Path, files: Mapping[str, Any]) -> None:
    """Write JSON files into a temporary sibling folder, then swap it in with renames."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        for name, obj in files.items():
            with open(tmp / name, "w", encoding="utf-8") as fh:
                json.dump(obj, fh, ensure_ascii=False)
        if target.exists():
            old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def download_kwb(
    years: Iterable[int],
    *,
    download_dir: Path,
    cache_dir: Path,
    gemeenten: Sequence[str] | None = None,
    topics: Sequence[str] | None = None,
    include_nederland: bool = True,
    region_names: bool = True,
    force: bool = False,
    client: httpx.Client | None = None,
    progress: ProgressCallback | Progress | None = None,
    tables: Mapping[int, str] | None = None,
    api_base: str = CBS_ODATA_API,
    feed_base: str = CBS_ODATA_FEED,
    page_limit: int = CBS_PAGE_LIMIT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = DEFAULT_TIMEOUT,
    notice: NoticeCallback | None = None,
) -> list[Path]:
    """Download the Kerncijfers Wijken en Buurten table of each year.

    Parameters
    ----------
    years
        Reporting years; each maps to a CBS table through ``tables``
        (default :data:`wijkanalyse.cbstables.KWB_TABLES`).
    tables
        Year-to-table mapping overriding (or extending) the built-in one, e.g.
        ``{2025: "86165NED"}``.

    All other parameters are those of :func:`download_table`.

    Returns
    -------
    list[Path]
        One folder ``download_dir/<TABLEID>/`` per year, in the order given.
    """
    mapping = {**KWB_TABLES, **(tables or {})}
    years = list(dict.fromkeys(int(y) for y in years))
    unknown = [y for y in years if y not in mapping]
    if unknown:
        known = ", ".join(str(y) for y in sorted(mapping))
        raise DownloadError(
            f"Voor jaar {', '.join(map(str, unknown))} is geen KWB-tabel bekend "
            f"(bekende jaren: {known})."
        )
    paths: list[Path] = []
    with session(client, timeout) as c:
        for year in years:
            paths.append(download_table(
                mapping[year], download_dir=download_dir, cache_dir=cache_dir,
                gemeenten=gemeenten, topics=topics, include_nederland=include_nederland,
                region_names=region_names, year=year, force=force, client=c,
                progress=progress, api_base=api_base, feed_base=feed_base,
                page_limit=page_limit, retries=retries, backoff=backoff, sleep=sleep,
                timeout=timeout, notice=notice,
            ))
    return paths


# --------------------------------------------------------------------------- Leefbaarometer


def _lbm_member(names: Iterable[str], level: str) -> str | None:
    """The scores CSV of ``level`` in a Leefbaarometer ZIP (not the grid or development files)."""
    pattern = re.compile(rf"scores[ _-]+{_LBM_PLURAL[level]}[ _-]+\d{{4}}[ _-]+\d{{4}}\.csv$",
                         re.IGNORECASE)
    hits = sorted(n for n in names if pattern.search(n.rsplit("/", 1)[-1]))
    return hits[0] if hits else None


def _lbm_years(path: Path, *, level: str, source: str) -> tuple[int, int]:
    """Check a Leefbaarometer scores CSV and return its first and last year."""
    prefix = _LBM_PREFIX[level]
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = [h.strip().lower() for h in next(csv.reader(io.StringIO(first),
                                                             delimiter=delimiter), [])]
        needed = [f"{prefix}_code", "jaar", "lbm"]
        missing = [n for n in needed if n not in header]
        if missing:
            raise DownloadError(
                f"{source}: dit is geen Leefbaarometer-scorebestand per {level}; de kolommen "
                f"{', '.join(missing)} ontbreken (gevonden: {', '.join(header[:12]) or 'geen'}). "
                f"Controleer het adres op {LEEFBAAROMETER_OPEN_DATA_PAGE}."
            )
        col = header.index("jaar")
        years = {int(row[col]) for row in csv.reader(fh, delimiter=delimiter)
                 if len(row) > col and row[col].strip().isdigit()}
    if not years:
        raise DownloadError(f"{source}: het Leefbaarometer-bestand per {level} bevat geen jaren.")
    return min(years), max(years)


def download_leefbaarometer(
    levels: Sequence[str] = LEEFBAAROMETER_LEVELS,
    *,
    download_dir: Path,
    cache_dir: Path,
    urls: Mapping[str, str] | None = None,
    force: bool = False,
    client: httpx.Client | None = None,
    progress: ProgressCallback | Progress | None = None,
    retries: int = DEFAULT_RETRIES,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = DEFAULT_TIMEOUT,
    notice: NoticeCallback | None = None,
) -> list[Path]:
    """Download the Leefbaarometer 3.0 scores per wijk, buurt and/or gemeente.

    Parameters
    ----------
    levels
        Any of ``"wijk"``, ``"buurt"``, ``"gemeente"``.
    download_dir, cache_dir
        The files go to ``download_dir/leefbaarometer/``; the download is cached in
        ``cache_dir/http`` (a broken-off download resumes).
    urls
        Source per level, overriding :data:`LEEFBAAROMETER_URLS`: the official open-data ZIP
        (the scores CSV is taken from it by name) or a CSV with the scores of that level.
    force, client, progress, retries, backoff, sleep, timeout, notice
        As in :func:`download_table`; progress counts bytes. A broken-off file resumes where
        it stopped (HTTP ``Range``), within the retries and on the next run.

    Returns
    -------
    list[Path]
        ``download_dir/leefbaarometer/lbm3_scores_<wijken|buurten|gemeenten>_<y0>_<y1>.csv``
        per level, byte-identical to the published CSV.
    """
    sources = {**LEEFBAAROMETER_URLS, **(urls or {})}
    levels = list(dict.fromkeys(levels))
    bad = [lv for lv in levels if lv not in LEEFBAAROMETER_LEVELS]
    if bad:
        raise DownloadError(f"Onbekend Leefbaarometer-niveau {', '.join(map(repr, bad))}: kies "
                            f"uit {', '.join(LEEFBAAROMETER_LEVELS)}.")
    report = Reporter(progress)
    out_dir = Path(download_dir) / "leefbaarometer"
    fetched: dict[str, Path] = {}
    paths: list[Path] = []
    with session(client, timeout) as c:
        http = Http(c, Path(cache_dir), force, retries, backoff, sleep, notice, timeout)
        for level in levels:
            url = sources[level]
            if url not in fetched:
                name = Path(urlsplit(url).path).name or url
                fetched[url], _ = http.fetch_file(
                    url, label=f"Leefbaarometer ({name})", report=report,
                    not_found=(f"Het Leefbaarometer-bestand is niet (meer) te vinden; zoek het "
                               f"actuele adres op {LEEFBAAROMETER_OPEN_DATA_PAGE} en geef het "
                               "op als bron"),
                )
            paths.append(_install_lbm(fetched[url], url=url, level=level, out_dir=out_dir))
    return paths


def _install_lbm(cached: Path, *, url: str, level: str, out_dir: Path) -> Path:
    """Copy the scores CSV of ``level`` (from a ZIP or as is) atomically into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".lbm3_", suffix=".csv.tmp", dir=out_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as dst:
            if zipfile.is_zipfile(cached):
                try:
                    with zipfile.ZipFile(cached) as zf:
                        member = _lbm_member(zf.namelist(), level)
                        if member is None:
                            csvs = [n for n in zf.namelist() if n.lower().endswith(".csv")]
                            raise DownloadError(
                                f"{url}: geen scorebestand per {level} in het ZIP-bestand "
                                f"(CSV-bestanden: {', '.join(csvs) or 'geen'})."
                            )
                        with zf.open(member) as src:
                            shutil.copyfileobj(src, dst, 1 << 20)
                        source = f"{url} ({member})"
                except (zipfile.BadZipFile, OSError) as exc:
                    cached.unlink(missing_ok=True)
                    raise DownloadError(
                        f"{url}: het gedownloade ZIP-bestand is beschadigd ({exc}); opnieuw "
                        "starten downloadt het opnieuw."
                    ) from exc
            else:
                with open(cached, "rb") as src:
                    shutil.copyfileobj(src, dst, 1 << 20)
                source = url
        first, last = _lbm_years(tmp, level=level, source=source)
        target = out_dir / f"lbm3_scores_{_LBM_PLURAL[level]}_{first}_{last}.csv"
        os.replace(tmp, target)
        return target
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
