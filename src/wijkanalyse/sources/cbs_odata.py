"""CBS OData v3: request URLs, gemeente filters, topic selection and paging through a
collection (used by :mod:`~wijkanalyse.sources.download`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urljoin

from wijkanalyse.errors import DownloadError
from wijkanalyse.sources.fetch import Http

#: Gemeenten per ``$filter`` request (keeps request URLs well below server limits).
GEMEENTEN_PER_REQUEST = 10

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


def geo_key_of(properties: Sequence[Mapping[str, Any]]) -> str:
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


def odata_pages(http: Http, first_url: str, *, not_found: str,
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
