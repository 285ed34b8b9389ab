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

import contextlib
import csv
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from wijkanalyse import __version__
from wijkanalyse.cbstables import KWB_TABLES
from wijkanalyse.errors import DownloadError

if TYPE_CHECKING:
    from rich.progress import Progress

#: CBS OData v3 API (metadata; at most 10,000 cells per request).
CBS_ODATA_API = "https://opendata.cbs.nl/ODataApi/odata"
#: CBS OData v3 bulk feed (data rows; paged with ``odata.nextLink``).
CBS_ODATA_FEED = "https://opendata.cbs.nl/ODataFeed/odata"
#: Most rows CBS returns in one response.
CBS_PAGE_LIMIT = 10_000
#: Gemeenten per ``$filter`` request (keeps request URLs well below server limits).
GEMEENTEN_PER_REQUEST = 10

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

#: HTTP statuses worth another try (rate limit, server trouble).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_RETRIES = 4
MAX_RETRY_DELAY = 120.0
#: Seconds to wait for the server to send anything (read timeout), and to connect.
DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
#: A JSON response must be complete within this many read timeouts (a server that trickles
#: a byte now and then never trips the read timeout).
JSON_DEADLINE_FACTOR = 10

#: ``notice(text)``: what the download is waiting for (a server that does not answer, the
#: countdown to the next try); called about once a second while waiting.
NoticeCallback = Callable[[str], None]

_RESUME_HINT = "controleer de internetverbinding; opnieuw starten gaat verder waar het stopte"

#: ``progress(label, completed, total)``: rows (CBS) or bytes (files) so far.
ProgressCallback = Callable[[str, int, int | None], None]


# --------------------------------------------------------------------------- cache


def cache_path(url: str, *, cache_dir: Path, suffix: str = ".json") -> Path:
    """Where the response body of ``url`` is cached.

    Parameters
    ----------
    url
        The full request URL, query string included, exactly as requested.
    cache_dir
        The cache directory (``Settings.cache_dir``).
    suffix
        File suffix: ``.json`` for OData responses; file downloads keep their own suffix.

    Returns
    -------
    Path
        ``cache_dir / "http" / (sha256(url) + suffix)``.
    """
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return Path(cache_dir) / "http" / f"{digest}{suffix}"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _url_suffix(url: str) -> str:
    suffix = Path(urlsplit(url).path).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin"


# --------------------------------------------------------------------------- progress


class _Reporter:
    """Forwards progress to a callback or a ``rich.progress.Progress`` (or nowhere)."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self._tasks: dict[str, Any] = {}

    def __call__(self, label: str, completed: int, total: int | None, detail: str = "") -> None:
        target = self._target
        if target is None:
            return
        if hasattr(target, "add_task") and hasattr(target, "update"):
            if label not in self._tasks:
                self._tasks[label] = target.add_task(label, total=total, detail=detail)
            target.update(self._tasks[label], completed=completed, total=total, detail=detail)
        else:
            target(label, completed, total)


# --------------------------------------------------------------------------- HTTP


def _odata_error_text(response: httpx.Response) -> str:
    """The message in a CBS OData error body, else the start of the body."""
    try:
        body = response.json()
        msg = body["odata.error"]["message"]
        return str(msg.get("value", msg) if isinstance(msg, dict) else msg)
    except Exception:  # any unreadable body falls back to the raw text
        with contextlib.suppress(Exception):
            return response.text[:300].strip()
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


@dataclass
class _Http:
    """HTTP GETs with the response cache, bounded retries and Dutch errors."""

    client: httpx.Client
    cache_dir: Path
    force: bool
    retries: int
    backoff: float
    sleep: Callable[[float], None]
    notice: NoticeCallback | None = None
    timeout: float = DEFAULT_TIMEOUT

    def _delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        wait = _retry_after(response) if response is not None else None
        if wait is None:
            wait = self.backoff * (2**attempt)
        return min(wait, MAX_RETRY_DELAY)

    def _tell(self, text: str) -> None:
        if self.notice is not None:
            self.notice(text)

    def _wait(self, seconds: float, *, why: str, attempt: int) -> None:
        """Wait before the next try; with a ``notice``, count down visibly (per second)."""
        if self.notice is None:
            self.sleep(seconds)
            return
        remaining = seconds
        while remaining > 0:
            self.notice(f"{why}; poging {attempt + 2} van {self.retries + 1} over "
                        f"{math.ceil(remaining)} s")
            step = min(1.0, remaining)
            self.sleep(step)
            remaining -= step
        self.notice(f"{why}; poging {attempt + 2} van {self.retries + 1}…")

    def _why(self, url: str, exc: Exception) -> str:
        """What went wrong with a request, in Dutch."""
        host = urlsplit(url).netloc or url
        if isinstance(exc, httpx.ConnectTimeout):
            return f"geen verbinding met {host} binnen {self.timeout:g} s"
        if isinstance(exc, (httpx.ReadTimeout, _TooSlow)):
            return (f"{host} antwoordt niet binnen {self.timeout:g} s" if not isinstance(
                exc, _TooSlow) else f"{host} stuurt het antwoord te traag ({exc})")
        if isinstance(exc, httpx.ConnectError):
            return f"kan {host} niet bereiken ({exc})"
        if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
            return f"de verbinding met {host} werd verbroken ({exc})"
        return f"{exc.__class__.__name__}: {exc}"

    def _check(self, response: httpx.Response, url: str, not_found: str) -> None:
        """Raise for a final (non-retryable) error status."""
        status = response.status_code
        if status == 404:
            raise DownloadError(f"{not_found} (HTTP 404 bij {url}).")
        if status >= 400:
            detail = _odata_error_text(response)
            raise DownloadError(
                f"De server weigert het verzoek {url}: HTTP {status}"
                + (f" ({detail})" if detail else "")
                + ". Controleer tabelnummer, gemeentecodes en onderwerpen."
            )

    def _fail_network(self, url: str, exc: Exception) -> DownloadError:
        tries = self.retries + 1
        return DownloadError(f"Downloaden van {url} mislukt na {tries} "
                             f"{'poging' if tries == 1 else 'pogingen'}: {self._why(url, exc)}; "
                             f"{_RESUME_HINT}.")

    def _fail_busy(self, url: str, status: int) -> DownloadError:
        return DownloadError(
            f"De server geeft HTTP {status} voor {url}, ook na {self.retries} nieuwe pogingen. "
            f"Probeer het later opnieuw; opnieuw starten gaat verder waar het stopte."
        )

    def get_json(self, url: str, *, not_found: str) -> tuple[dict[str, Any], bool]:
        """GET ``url`` as a JSON object through the cache; returns ``(body, from_cache)``."""
        path = cache_path(url, cache_dir=self.cache_dir)
        if not self.force and path.is_file():
            with contextlib.suppress(ValueError, OSError):
                body = json.loads(path.read_bytes())
                if isinstance(body, dict):
                    return body, True
            # an unreadable cache file is fetched again
        host = urlsplit(url).netloc or url
        for attempt in range(self.retries + 1):
            self._tell(f"wachten op antwoord van {host} (hoogstens {self.timeout:g} s)…")
            try:
                response, content = self._get_body(url)
            except (httpx.TransportError, _TooSlow) as exc:
                if attempt < self.retries:
                    self._wait(self._delay(attempt), why=self._why(url, exc), attempt=attempt)
                    continue
                raise self._fail_network(url, exc) from exc
            if response.status_code in RETRY_STATUSES:
                if attempt < self.retries:
                    self._wait(self._delay(attempt, response), attempt=attempt,
                               why=f"{host} geeft HTTP {response.status_code}")
                    continue
                raise self._fail_busy(url, response.status_code)
            self._check(response, url, not_found)
            self._tell("")
            try:
                body = json.loads(content)
            except ValueError as exc:
                raise DownloadError(
                    f"Het antwoord van {url} is geen JSON ({exc}). Mogelijk is de dienst "
                    "veranderd of tijdelijk gestoord; probeer het later opnieuw."
                ) from exc
            if not isinstance(body, dict):
                raise DownloadError(f"Het antwoord van {url} is geen JSON-object.")
            _atomic_write_bytes(path, content)
            return body, False
        raise AssertionError("unreachable")  # pragma: no cover

    def _get_body(self, url: str) -> tuple[httpx.Response, bytes]:
        """GET ``url``; the whole body within ``JSON_DEADLINE_FACTOR`` read timeouts."""
        deadline = time.monotonic() + JSON_DEADLINE_FACTOR * self.timeout
        with self.client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code >= 400:
                response.read()
                return response, response.content
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise _TooSlow(f"na {JSON_DEADLINE_FACTOR * self.timeout:g} s nog niet "
                                   "compleet")
            return response, b"".join(chunks)

    def fetch_file(self, url: str, *, label: str, report: _Reporter,
                   not_found: str) -> tuple[Path, bool]:
        """Stream ``url`` to its cache file (resuming a partial one); ``(path, from_cache)``."""
        final = cache_path(url, cache_dir=self.cache_dir, suffix=_url_suffix(url))
        part = final.with_name(final.name + ".part")
        if self.force:
            for p in (final, part):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        elif final.is_file():
            size = final.stat().st_size
            report(label, size, size, "uit cache")
            return final, True
        final.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(self.retries + 1):
            offset = part.stat().st_size if part.is_file() else 0
            # identity encoding: byte counts and ranges then refer to the file itself
            headers = {"Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
            host = urlsplit(url).netloc or url
            report(label, offset, None, f"wachten op antwoord van {host}")
            self._tell(f"wachten op antwoord van {host} (hoogstens {self.timeout:g} s)…")
            try:
                with self.client.stream("GET", url, headers=headers) as response:
                    status = response.status_code
                    if status == 416 and offset:
                        part.unlink()  # stale partial file: start again
                        continue
                    if status in RETRY_STATUSES:
                        response.read()
                        if attempt < self.retries:
                            self._wait(self._delay(attempt, response), attempt=attempt,
                                       why=f"{host} geeft HTTP {status}")
                            continue
                        raise self._fail_busy(url, status)
                    if status >= 400:
                        response.read()
                        self._check(response, url, not_found)
                    resumed = status == 206 and response.headers.get(
                        "Content-Range", "").startswith(f"bytes {offset}-")
                    if status == 206 and not resumed:
                        part.unlink(missing_ok=True)  # a range we did not ask for: restart
                        continue
                    if not resumed:
                        offset = 0
                    length = response.headers.get("Content-Length")
                    encoded = response.headers.get("Content-Encoding", "identity") != "identity"
                    total = (offset + int(length) if length and length.isdigit()
                             and not encoded else None)
                    done = offset
                    report(label, done, total, "downloaden")
                    with open(part, "ab" if resumed else "wb") as fh:
                        for chunk in response.iter_bytes():
                            fh.write(chunk)
                            done += len(chunk)
                            report(label, done, total, "downloaden")
                    if total is not None and done != total:
                        raise httpx.ReadError(f"{done} van {total} bytes ontvangen")
            except httpx.TransportError as exc:
                if attempt < self.retries:
                    kept = part.stat().st_size if part.is_file() else 0
                    self._wait(self._delay(attempt), attempt=attempt,
                               why=self._why(url, exc) + (f" ({kept:,} bytes binnen; de "
                                                          "volgende poging gaat daar verder)"
                                                          .replace(",", ".") if kept else ""))
                    continue
                raise self._fail_network(url, exc) from exc
            self._tell("")
            os.replace(part, final)
            report(label, done, done, "klaar")
            return final, False
        raise DownloadError(  # pragma: no cover - only after repeated restarts
            f"{url}: de server levert het bestand niet in één geheel af; probeer het later "
            "opnieuw."
        )


class _TooSlow(Exception):
    """A response that keeps trickling in past its deadline."""


@contextlib.contextmanager
def _session(client: httpx.Client | None,
             timeout: float = DEFAULT_TIMEOUT) -> Iterator[httpx.Client]:
    """The caller's client, or a new one (with ``timeout``) closed afterwards."""
    if client is not None:
        yield client
        return
    own = httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
        follow_redirects=True,
        headers={"User-Agent": f"wijkanalyse/{__version__}"},
    )
    try:
        yield own
    finally:
        own.close()


# --------------------------------------------------------------------------- CBS OData


_QUERY_SAFE = "$,()'"


def _query(params: Sequence[tuple[str, str]]) -> str:
    return "&".join(f"{k}={quote(v, safe=_QUERY_SAFE)}" for k, v in params)


def odata_url(base: str, table_id: str, entity: str,
              params: Sequence[tuple[str, str]] = ()) -> str:
    """A CBS OData v3 request URL (JSON format), built deterministically for the cache.

    >>> odata_url(CBS_ODATA_API, "85984NED", "TableInfos")
    'https://opendata.cbs.nl/ODataApi/odata/85984NED/TableInfos?$format=json'
    """
    return f"{base.rstrip('/')}/{table_id}/{entity}?" + _query([("$format", "json"), *params])


def normalise_gemeente(code: object) -> str:
    """A gemeente code as ``GMdddd`` (accepts ``GM0363``, ``gm363``, ``0363``, ``363``, 363)."""
    text = str(code).strip().upper()
    m = re.fullmatch(r"(?:GM)?(\d{1,4})", text)
    if not m:
        raise DownloadError(
            f"Ongeldige gemeentecode {code!r}: gebruik bijvoorbeeld GM0363 of 363 (Amsterdam)."
        )
    return "GM" + m.group(1).zfill(4)


def _geo_key(properties: Sequence[Mapping[str, Any]]) -> str:
    for p in properties:
        if p.get("Type") == "GeoDetail" and p.get("Key"):
            return str(p["Key"])
    return "WijkenEnBuurten"


def gemeente_filters(gemeenten: Sequence[str], *, geo_key: str = "WijkenEnBuurten",
                     include_nederland: bool = True,
                     per_request: int = GEMEENTEN_PER_REQUEST) -> list[str]:
    """``$filter`` expressions selecting gemeenten with their wijken and buurten.

    The region dimension holds padded keys (``"GM0363    "``, ``"WK036300  "``,
    ``"BU03630000"``), so ``startswith`` on the unpadded prefix is used; ``eq`` would need the
    padding. Gemeenten are split over several filters of at most ``per_request`` gemeenten.

    >>> gemeente_filters(["363"], include_nederland=False)[0].split(" or ")
    ["startswith(WijkenEnBuurten,'GM0363')", "startswith(WijkenEnBuurten,'WK0363')", \
"startswith(WijkenEnBuurten,'BU0363')"]
    """
    codes = list(dict.fromkeys(normalise_gemeente(g) for g in gemeenten))
    filters: list[str] = []
    for start in range(0, len(codes), per_request):
        clauses = [f"startswith({geo_key},'NL')"] if include_nederland and start == 0 else []
        for code in codes[start:start + per_request]:
            num = code[2:]
            clauses += [f"startswith({geo_key},'{prefix}{num}')" for prefix in ("GM", "WK", "BU")]
        filters.append(" or ".join(clauses))
    return filters


def _strip_suffix(key: str) -> str:
    return re.sub(r"_\d+$", "", key).lower()


def resolve_topics(properties: Sequence[Mapping[str, Any]], topics: Sequence[str], *,
                   table_id: str) -> list[str]:
    """The ``$select`` keys for ``topics``, plus the keys that identify a region.

    A topic may be given as its key (``AantalInwoners_5``), its key without the number CBS
    appends (``AantalInwoners``; the numbers change between years) or its title
    (``Aantal inwoners``), case-insensitively. The region dimension and the topics of the
    group *Regioaanduiding* (gemeentenaam, soort regio, codering, ...) are always included.
    """
    topic_props = [p for p in properties if p.get("Type") == "Topic" and p.get("Key")]
    groups = {p.get("ID"): str(p.get("Title", "")) for p in properties
              if p.get("Type") == "TopicGroup"}
    keys = ["ID"] + [str(p["Key"]) for p in properties
                     if p.get("Type") in ("GeoDetail", "Dimension", "TimeDimension")
                     and p.get("Key")]
    keys += [str(p["Key"]) for p in topic_props
             if groups.get(p.get("ParentID"), "").strip().lower() == "regioaanduiding"]
    unknown: list[str] = []
    for wanted in topics:
        w = str(wanted).strip()
        hits = [p for p in topic_props if str(p["Key"]) == w]
        if not hits:
            hits = [p for p in topic_props if str(p["Key"]).lower() == w.lower()]
        if not hits:
            hits = [p for p in topic_props if _strip_suffix(str(p["Key"])) == w.lower()]
        if not hits:
            hits = [p for p in topic_props
                    if str(p.get("Title", "")).strip().lower() == w.lower()]
        if not hits:
            unknown.append(w)
            continue
        if len(hits) > 1:
            options = ", ".join(f"{p['Key']} ({p.get('Title', '')})" for p in hits)
            raise DownloadError(
                f"Onderwerp {w!r} is niet eenduidig in CBS-tabel {table_id}: kies een van "
                f"{options}."
            )
        keys.append(str(hits[0]["Key"]))
    if unknown:
        raise DownloadError(
            f"CBS-tabel {table_id} kent de onderwerpen {', '.join(map(repr, unknown))} niet. "
            "Gebruik de sleutel (bijv. AantalInwoners_5) of de titel uit DataProperties."
        )
    return list(dict.fromkeys(keys))


def _with_json_format(url: str) -> str:
    if re.search(r"(\$|%24)format=json", url, re.IGNORECASE):
        return url
    return url + ("&" if "?" in url else "?") + "$format=json"


def _pages(http: _Http, first_url: str, *, not_found: str,
           page_limit: int) -> Iterator[tuple[str, list[dict[str, Any]], bool]]:
    """Yield ``(url, rows, from_cache)`` for every page of an OData collection."""
    url: str | None = first_url
    fetched = 0
    seen: set[str] = set()
    previous_first: Any = None
    while url is not None:
        if url in seen:
            raise DownloadError(f"De server verwijst steeds naar dezelfde pagina ({url}).")
        seen.add(url)
        body, from_cache = http.get_json(url, not_found=not_found)
        rows = body.get("value")
        if not isinstance(rows, list):
            raise DownloadError(
                f"Het antwoord van {url} heeft geen 'value'-lijst; is dit een CBS OData-tabel?"
            )
        if rows and fetched and rows[0] == previous_first:
            raise DownloadError(f"De server geeft voor {url} opnieuw dezelfde rijen; de "
                                "paginering werkt niet. Probeer het later opnieuw.")
        previous_first = rows[0] if rows else None
        yield url, rows, from_cache
        fetched += len(rows)
        link = body.get("odata.nextLink") or body.get("@odata.nextLink")
        if link:
            url = _with_json_format(urljoin(url, str(link)))
        elif rows and len(rows) >= page_limit:
            # a full page without a next link: continue with $skip (client-driven paging)
            base = re.sub(r"&(\$|%24)(skip|top)=\d+", "", first_url)
            url = f"{base}&$top={page_limit}&$skip={fetched}"
        else:
            url = None


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
    report = _Reporter(progress)
    with _session(client, timeout) as c:
        http = _Http(c, Path(cache_dir), force, retries, backoff, sleep, notice, timeout)

        def collect(base: str, entity: str, queries: Sequence[Sequence[tuple[str, str]]],
                    on_page: Callable[[int, bool], None] | None = None,
                    ) -> tuple[list[dict[str, Any]], list[str], int, int]:
            rows_all: list[dict[str, Any]] = []
            firsts: list[str] = []
            pages = cached = 0
            for params in queries:
                first = odata_url(base, table_id, entity, params)
                firsts.append(first)
                for _, rows, from_cache in _pages(http, first, not_found=not_found,
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
        geo_key = _geo_key(props)
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
    with _session(client, timeout) as c:
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
    report = _Reporter(progress)
    out_dir = Path(download_dir) / "leefbaarometer"
    fetched: dict[str, Path] = {}
    paths: list[Path] = []
    with _session(client, timeout) as c:
        http = _Http(c, Path(cache_dir), force, retries, backoff, sleep, notice, timeout)
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
