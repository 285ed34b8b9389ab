"""HTTP for the downloads: the response cache (paths, atomic writes), progress reporting,
retries with back-off, deadlines for trickling responses and resumable file downloads."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from wijkanalyse import __version__
from wijkanalyse.errors import DownloadError

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

RESUME_HINT = "controleer de internetverbinding; opnieuw starten gaat verder waar het stopte"

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


def atomic_write_bytes(path: Path, data: bytes) -> None:
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


def url_suffix(url: str) -> str:
    suffix = Path(urlsplit(url).path).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) else ".bin"


# --------------------------------------------------------------------------- progress


class Reporter:
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
class Http:
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
        if isinstance(exc, (httpx.ReadTimeout, TooSlow)):
            return (f"{host} antwoordt niet binnen {self.timeout:g} s" if not isinstance(
                exc, TooSlow) else f"{host} stuurt het antwoord te traag ({exc})")
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
                             f"{RESUME_HINT}.")

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
            except (httpx.TransportError, TooSlow) as exc:
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
            atomic_write_bytes(path, content)
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
                    raise TooSlow(f"na {JSON_DEADLINE_FACTOR * self.timeout:g} s nog niet "
                                   "compleet")
            return response, b"".join(chunks)

    def fetch_file(self, url: str, *, label: str, report: Reporter,
                   not_found: str) -> tuple[Path, bool]:
        """Stream ``url`` to its cache file (resuming a partial one); ``(path, from_cache)``."""
        final = cache_path(url, cache_dir=self.cache_dir, suffix=url_suffix(url))
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


class TooSlow(Exception):
    """A response that keeps trickling in past its deadline."""


@contextlib.contextmanager
def session(client: httpx.Client | None,
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
