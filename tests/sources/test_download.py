"""Downloads (CBS OData v3, Leefbaarometer), tested offline at the HTTP transport boundary.

An ``httpx.MockTransport`` plays the CBS OData v3 service. ``TableInfos`` and
``DataProperties`` are the REAL responses of table 85984NED (KWB 2024) from ../shared/data,
wrapped as the API wraps them (``{"odata.metadata": ..., "value": [...]}``). The
``TypedDataSet`` pages are GENERATED from the real values in ``stripped_filtered_data_2024.json``
(every gemeente and wijk of 2024, 8 topics): each record gets the padded ``WijkenEnBuurten`` /
``Codering_3`` keys, ``SoortRegio_2``, ``Gemeentenaam_1`` and
``IndelingswijzigingGemeenteWijkBuurt_4`` as CBS serves them, taken from the real nationwide
2024 export ``kwb_2024_nl_all_levels_pop_sex_age.csv``, which also gives the region names of the
generated ``WijkenEnBuurten`` dimension (``Key``/``Title``). The paging (1,000 rows per page,
``odata.nextLink`` with ``$skip``) is produced by the fake server. Leefbaarometer bodies (CSV and
ZIP) are generated in the tests; their header is that of the official open-data file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from wijkanalyse.errors import DownloadError
from wijkanalyse.sources import download as dl
from wijkanalyse.sources.cbs_odata import gemeente_filters, normalise_gemeente, odata_url
from wijkanalyse.sources.download import (
    CBS_ODATA_API,
    CBS_ODATA_FEED,
    download_kwb,
    download_leefbaarometer,
    download_table,
)
from wijkanalyse.sources.fetch import cache_path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
REAL_2024 = SHARED / "kwb" / "odata_85984NED_kwb2024"
TABLE = "85984NED"
N_ROWS = 3735  # 342 gemeenten + 3,393 wijken in stripped_filtered_data_2024.json
RESUME_TEXT = "controleer de internetverbinding; opnieuw starten gaat verder waar het stopte"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def real_meta() -> dict[str, list[dict[str, Any]]]:
    if not REAL_2024.is_dir():
        pytest.fail(f"{REAL_2024} ontbreekt: de tests hebben de echte bronbestanden nodig.")
    return {
        "TableInfos": json.loads((REAL_2024 / "TableInfos.json").read_text("utf-8")),
        "DataProperties": json.loads((REAL_2024 / "DataProperties.json").read_text("utf-8")),
    }


@pytest.fixture(scope="module")
def export_2024() -> dict[str, dict[str, str]]:
    """Rows of the real nationwide 2024 StatLine export, by code (names, padded fields)."""
    path = SHARED / "kwb" / "kwb_2024_nl_all_levels_pop_sex_age.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row["Regioaanduiding/Codering (code)"].strip(): row
                for row in csv.DictReader(fh, delimiter=";")}


@pytest.fixture(scope="module")
def records(export_2024) -> list[dict[str, Any]]:
    """TypedDataSet records generated from the real 2024 values (CBS key padding added)."""
    values = json.loads((REAL_2024 / "stripped_filtered_data_2024.json").read_text("utf-8"))
    out = []
    for i, (code, topics) in enumerate(values.items()):
        row = export_2024[code]
        out.append({
            "ID": i,
            "WijkenEnBuurten": code.ljust(10),
            "Gemeentenaam_1": row["Regioaanduiding/Gemeentenaam (naam)"],
            "SoortRegio_2": row["Regioaanduiding/Soort regio (omschrijving)"],
            "Codering_3": row["Regioaanduiding/Codering (code)"],
            "IndelingswijzigingGemeenteWijkBuurt_4":
                row["Regioaanduiding/Indelingswijziging gemeente, wijk, buurt (code)"],
            **topics,
        })
    return out


@pytest.fixture(scope="module")
def regions(records, export_2024) -> list[dict[str, Any]]:
    """The ``WijkenEnBuurten`` dimension items of the generated table (real names)."""
    return [{"Key": r["WijkenEnBuurten"], "Title": export_2024[r["Codering_3"].strip()][
        "Wijken en buurten"], "Description": None} for r in records]


class FakeCbs:
    """A CBS OData v3 service for one table; counts requests; can inject failures."""

    def __init__(self, meta: dict[str, list[dict[str, Any]]], records: list[dict[str, Any]],
                 regions: list[dict[str, Any]], *, page_size: int = 1000,
                 next_links: bool = True) -> None:
        self.meta = meta
        self.records = records
        self.regions = regions
        self.page_size = page_size
        self.next_links = next_links
        self.requests: list[str] = []
        self.fail: Callable[[httpx.Request], httpx.Response | None] | None = None

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.requests.append(url)
        if self.fail is not None:
            injected = self.fail(request)
            if injected is not None:
                return injected
        m = re.fullmatch(r"https://opendata\.cbs\.nl/(ODataApi|ODataFeed)/odata/(\w+)/(\w+)",
                         url.split("?")[0])
        assert m, url
        service, table, entity = m.groups()
        assert request.url.params.get("$format") == "json"
        if table != TABLE:
            return httpx.Response(404, text="Resource not found for the segment")
        meta_url = f"https://opendata.cbs.nl/{service}/odata/{table}/$metadata#Cbs.OData.WebAPI."
        if entity in ("TableInfos", "DataProperties"):
            assert service == "ODataApi"
            return httpx.Response(200, json={"odata.metadata": meta_url + entity,
                                             "value": self.meta[entity]})
        assert service == "ODataFeed" and entity in ("TypedDataSet", "WijkenEnBuurten")
        rows, key = ((self.records, "WijkenEnBuurten") if entity == "TypedDataSet"
                     else (self.regions, "Key"))
        flt = request.url.params.get("$filter")
        if flt:
            prefixes = re.findall(rf"startswith\({key},'(\w+)'\)", flt)
            assert prefixes and flt.count("startswith") == len(prefixes), flt
            rows = [r for r in rows if r[key].startswith(tuple(prefixes))]
        sel = request.url.params.get("$select")
        if sel:
            keys = sel.split(",")
            rows = [{k: r[k] for k in keys if k in r} for r in rows]
        skip = int(request.url.params.get("$skip", "0"))
        top = int(request.url.params.get("$top", str(self.page_size)))
        page = rows[skip:skip + min(top, self.page_size)]
        body: dict[str, Any] = {"odata.metadata": meta_url + entity, "value": page}
        if self.next_links and skip + len(page) < len(rows):
            base = re.sub(r"&\$skip=\d+", "", url)
            body["odata.nextLink"] = f"{base}&$skip={skip + len(page)}"
        return httpx.Response(200, json=body)


def page_url(skip: int, entity: str = "TypedDataSet") -> str:
    url = odata_url(CBS_ODATA_FEED, TABLE, entity)
    return url if skip == 0 else f"{url}&$skip={skip}"


META_URLS = [odata_url(CBS_ODATA_API, TABLE, "TableInfos"),
             odata_url(CBS_ODATA_API, TABLE, "DataProperties")]
DATA_URLS = [page_url(s) for s in (0, 1000, 2000, 3000)]
NAME_URLS = [page_url(s, "WijkenEnBuurten") for s in (0, 1000, 2000, 3000)]
ALL_URLS = META_URLS + DATA_URLS + NAME_URLS


def run(fake: FakeCbs, tmp_path: Path, **kw: Any) -> Path:
    kw.setdefault("sleep", lambda s: None)
    with fake.client() as client:
        return download_kwb([2024], download_dir=tmp_path / "bronnen",
                            cache_dir=tmp_path / "cache", client=client, **kw)[0]


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


@pytest.fixture
def cbs(real_meta, records, regions) -> Callable[..., FakeCbs]:
    """Factory of fake CBS services serving the 2024 table."""
    return lambda **kw: FakeCbs(real_meta, records, regions, **kw)


# --------------------------------------------------------------------------- cache names


def test_cache_path_is_sha256_of_full_url(tmp_path: Path) -> None:
    url = page_url(2000)
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    assert cache_path(url, cache_dir=tmp_path) == tmp_path / "http" / f"{digest}.json"
    assert cache_path(url, cache_dir=tmp_path, suffix=".zip").name == f"{digest}.zip"
    # the query string is part of the key
    assert cache_path(page_url(1000), cache_dir=tmp_path) != cache_path(url, cache_dir=tmp_path)


def test_cached_files_are_named_after_the_requested_urls(tmp_path, cbs) -> None:
    fake = cbs()
    run(fake, tmp_path)
    names = {p.name for p in (tmp_path / "cache" / "http").iterdir()}
    assert names == {hashlib.sha256(u.encode()).hexdigest() + ".json" for u in fake.requests}
    assert len(names) == 10
    # each cache file is the response body: page 3 holds rows 2000..2999
    body = json.loads(cache_path(page_url(2000), cache_dir=tmp_path / "cache").read_bytes())
    assert [r["ID"] for r in body["value"]] == list(range(2000, 3000))


# --------------------------------------------------------------------------- paging, output


def test_all_rows_arrive_over_pages_via_next_link(tmp_path, cbs, real_meta, records,
                                                  regions) -> None:
    fake = cbs()
    calls: list[tuple[str, int, int | None]] = []
    folder = run(fake, tmp_path, progress=lambda label, done, total: calls.append(
        (label, done, total)))
    # 2 metadata requests, 4 data pages and 4 pages of region names, in order
    assert fake.requests == ALL_URLS
    assert folder == tmp_path / "bronnen" / TABLE
    assert visible(folder) == ["DataProperties.json", "TableInfos.json", "TypedDataSet.json",
                               "WijkenEnBuurten.json", "wijkanalyse_download.json"]
    assert json.loads((folder / "TableInfos.json").read_text("utf-8")) == real_meta["TableInfos"]
    props = json.loads((folder / "DataProperties.json").read_text("utf-8"))
    assert props == real_meta["DataProperties"] and len(props) == 172
    data = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))
    assert list(data) == ["value"] and data["value"] == records
    rows = {r["Codering_3"].strip(): r for r in data["value"]}
    assert len(rows) == N_ROWS
    assert rows["GM0363"]["AantalInwoners_5"] == 931_298
    assert rows["GM0363"]["WijkenEnBuurten"] == "GM0363    "
    assert rows["WK0363AA"]["Gemeentenaam_1"].strip() == "Amsterdam"
    assert sum(r["AantalInwoners_5"] for c, r in rows.items() if c.startswith("GM")) == 17_942_942
    names = json.loads((folder / "WijkenEnBuurten.json").read_text("utf-8"))
    assert names == regions
    assert {n["Key"].strip(): n["Title"] for n in names}["WK0363AA"] == "Haarlemmerbuurt"
    manifest = json.loads((folder / "wijkanalyse_download.json").read_text("utf-8"))
    assert manifest["rows"] == N_ROWS and manifest["pages"] == 4 and manifest["year"] == 2024
    assert manifest["title"] == "Kerncijfers wijken en buurten 2024"
    # progress: rows per page, then the total
    assert [c[1] for c in calls] == [0, 1000, 2000, 3000, N_ROWS, N_ROWS]
    assert calls[-1] == ("KWB 2024 (85984NED)", N_ROWS, N_ROWS)


def test_the_folder_is_read_by_the_odata_reader(tmp_path, cbs) -> None:
    from wijkanalyse.catalogue import load_catalogue
    from wijkanalyse.sources.registry import ReadContext, detect, discover

    folder = run(cbs(), tmp_path, gemeenten=["GM0363"])
    assert discover(tmp_path / "bronnen") == [folder]
    layout, module = detect(folder)
    assert (layout, module.__name__) == ("odata_json", "wijkanalyse.sources.odata_json")
    (table,) = module.read(folder, catalogue=load_catalogue(), context=ReadContext())
    assert (table.source.table_id, table.source.year) == (TABLE, 2024)
    regions = table.regions.set_index("code")
    assert len(regions) == 111 and regions.loc["WK0363AA", "name"] == "Haarlemmerbuurt"
    inwoners = table.values[table.values["source_column"] == "AantalInwoners_5"]
    by_code = dict(zip(table.regions["region_key"], table.regions["code"], strict=True))
    assert {by_code[k]: v for k, v in zip(inwoners["region_key"], inwoners["value"],
                                          strict=True)}["GM0363"] == 931_298


def test_second_run_makes_no_requests(tmp_path, cbs) -> None:
    run(cbs(), tmp_path)
    before = (tmp_path / "bronnen" / TABLE / "TypedDataSet.json").read_bytes()
    second = cbs()
    run(second, tmp_path)
    assert second.requests == []
    assert (tmp_path / "bronnen" / TABLE / "TypedDataSet.json").read_bytes() == before
    # --vernieuw: everything is fetched again
    third = cbs()
    run(third, tmp_path, force=True)
    assert third.requests == ALL_URLS


def test_paging_with_skip_when_the_server_gives_no_next_link(tmp_path, cbs) -> None:
    fake = cbs(next_links=False)
    folder = run(fake, tmp_path, page_limit=1000)
    assert fake.requests[2:6] == [page_url(0)] + [
        f"{page_url(0)}&$top=1000&$skip={s}" for s in (1000, 2000, 3000)]
    data = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))
    assert [r["ID"] for r in data["value"]] == list(range(N_ROWS))


# --------------------------------------------------------------------------- failures


def test_interrupted_run_resumes_with_the_missing_pages(tmp_path, cbs, records) -> None:
    fake = cbs()

    def drop_page_3(request: httpx.Request) -> None:
        if str(request.url) == page_url(2000):
            raise httpx.ConnectError("verbinding verbroken", request=request)

    fake.fail = drop_page_3
    sleeps: list[float] = []
    with pytest.raises(DownloadError) as err:
        run(fake, tmp_path, sleep=sleeps.append, retries=2)
    msg = str(err.value)
    assert page_url(2000) in msg and RESUME_TEXT in msg
    assert sleeps == [1.0, 2.0]  # two retries with backoff, then give up
    assert fake.requests == META_URLS + DATA_URLS[:3] + [page_url(2000)] * 2
    assert not (tmp_path / "bronnen").exists()  # nothing at all was written

    rerun = cbs()
    folder = run(rerun, tmp_path)
    assert rerun.requests == DATA_URLS[2:] + NAME_URLS  # only what is missing
    data = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))
    assert data["value"] == records
    manifest = json.loads((folder / "wijkanalyse_download.json").read_text("utf-8"))
    assert manifest["pages_from_cache"] == 2


def test_503_then_200_is_retried(tmp_path, cbs) -> None:
    fake = cbs()
    busy = {page_url(1000): 1}

    def once_busy(request: httpx.Request) -> httpx.Response | None:
        url = str(request.url)
        if busy.get(url):
            busy[url] -= 1
            return httpx.Response(503, headers={"Retry-After": "7"}, text="Service Unavailable")
        return None

    fake.fail = once_busy
    sleeps: list[float] = []
    folder = run(fake, tmp_path, sleep=sleeps.append)
    assert sleeps == [7.0]  # the server's Retry-After
    assert fake.requests.count(page_url(1000)) == 2
    data = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))
    assert len(data["value"]) == N_ROWS


def test_persistent_429_gives_up_after_bounded_retries(tmp_path, cbs) -> None:
    fake = cbs()
    fake.fail = lambda request: httpx.Response(429, text="Too Many Requests")
    sleeps: list[float] = []
    with pytest.raises(DownloadError) as err:
        run(fake, tmp_path, sleep=sleeps.append, retries=3, backoff=0.5)
    assert sleeps == [0.5, 1.0, 2.0]
    assert len(fake.requests) == 4
    assert "HTTP 429" in str(err.value) and META_URLS[0] in str(err.value)
    # error bodies are never cached
    assert not (tmp_path / "cache" / "http").exists() or not any(
        (tmp_path / "cache" / "http").iterdir())


def test_unknown_table_404_names_the_table(tmp_path, cbs) -> None:
    fake = cbs()
    with pytest.raises(DownloadError) as err:
        run(fake, tmp_path, tables={2024: "99999NED"})
    msg = str(err.value)
    assert "KWB 2024" in msg and "CBS kent tabel 99999NED niet" in msg and "HTTP 404" in msg
    assert len(fake.requests) == 1  # a 404 is not retried
    with fake.client() as client, pytest.raises(DownloadError, match="99999NED"):
        download_table("99999NED", download_dir=tmp_path / "b", cache_dir=tmp_path / "c",
                       client=client)


def test_unknown_year_and_wrong_year_mapping(tmp_path, cbs) -> None:
    fake = cbs()
    with fake.client() as client:
        with pytest.raises(DownloadError, match="Voor jaar 1999 is geen KWB-tabel bekend"):
            download_kwb([1999], download_dir=tmp_path, cache_dir=tmp_path, client=client)
        assert fake.requests == []
        # a table whose TableInfos describe another year than asked is refused
        with pytest.raises(DownloadError) as err:
            download_kwb([2023], tables={2023: TABLE}, download_dir=tmp_path / "b",
                         cache_dir=tmp_path / "c", client=client)
    msg = str(err.value)
    assert "niet KWB 2023" in msg and "'Kerncijfers wijken en buurten 2024'" in msg


def test_folder_never_exists_half_written(tmp_path, cbs, monkeypatch) -> None:
    good = run(cbs(), tmp_path)
    before = {p.name: p.read_bytes() for p in good.iterdir()}

    # a forced re-download that breaks off leaves the finished folder untouched
    broken = cbs()

    def time_out_on_last_page(request: httpx.Request) -> None:
        if str(request.url) == page_url(3000):
            raise httpx.ReadTimeout("timeout", request=request)

    broken.fail = time_out_on_last_page
    with pytest.raises(DownloadError):
        run(broken, tmp_path, force=True, retries=0)
    assert {p.name: p.read_bytes() for p in good.iterdir()} == before

    # a failure while writing the new folder also leaves the old one, and no temp folder
    real_dump = json.dump

    def failing_dump(obj: Any, fh: Any, **kw: Any) -> None:
        if isinstance(obj, dict) and "value" in obj:
            fh.write('{"value": [')
            raise OSError("schijf vol")
        real_dump(obj, fh, **kw)

    monkeypatch.setattr(dl.json, "dump", failing_dump)
    with pytest.raises(OSError, match="schijf vol"):
        run(cbs(), tmp_path, force=True)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in good.iterdir()} == before
    assert sorted(p.name for p in (tmp_path / "bronnen").iterdir()) == [TABLE]


# --------------------------------------------------------------------------- filters, topics


def test_gemeente_filter_and_topic_selection(tmp_path, cbs) -> None:
    fake = cbs()
    folder = run(fake, tmp_path, gemeenten=["363"], topics=["AantalInwoners", "Woningvoorraad_35"])
    data_url, names_url = fake.requests[2:]
    assert "$filter=startswith(WijkenEnBuurten,'NL')%20or%20startswith(WijkenEnBuurten,'GM0363')" \
        in data_url
    assert "$filter=startswith(Key,'NL')%20or%20startswith(Key,'GM0363')" in names_url
    sel = httpx.URL(data_url).params["$select"].split(",")
    assert sel == ["ID", "WijkenEnBuurten", "Gemeentenaam_1", "SoortRegio_2", "Codering_3",
                   "IndelingswijzigingGemeenteWijkBuurt_4", "AantalInwoners_5",
                   "Woningvoorraad_35"]
    rows = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))["value"]
    assert len(rows) == 1 + 110  # Amsterdam and its 110 wijken (2024)
    assert {r["Codering_3"][:6] for r in rows} == {"GM0363", "WK0363"}
    assert sum(r["AantalInwoners_5"] for r in rows if r["SoortRegio_2"].strip() == "Wijk") \
        == 931_290
    assert list(rows[0]) == sel
    names = json.loads((folder / "WijkenEnBuurten.json").read_text("utf-8"))
    assert len(names) == 111 and names[0]["Title"] == "Amsterdam"
    props = json.loads((folder / "DataProperties.json").read_text("utf-8"))
    assert [p["Key"] for p in props if p["Type"] == "Topic"] == sel[2:]
    assert sum(p["Type"] == "TopicGroup" for p in props) == 43  # groups are kept
    manifest = json.loads((folder / "wijkanalyse_download.json").read_text("utf-8"))
    assert manifest["gemeenten"] == ["GM0363"]


def test_topics_that_do_not_exist_or_are_ambiguous(real_meta) -> None:
    props = real_meta["DataProperties"]
    assert dl.resolve_topics(props, ["aantal inwoners"], table_id=TABLE)[-1] == "AantalInwoners_5"
    with pytest.raises(DownloadError, match="kent de onderwerpen 'Misdaad' niet"):
        dl.resolve_topics(props, ["Misdaad"], table_id=TABLE)
    with pytest.raises(DownloadError, match="niet eenduidig") as err:
        dl.resolve_topics(props, ["Huurwoning"], table_id=TABLE)
    keys = re.findall(r"(Huurwoning_\d+)", str(err.value))
    assert len(keys) == 2  # both candidate keys are listed


def test_many_gemeenten_are_split_over_requests(tmp_path, cbs, records) -> None:
    codes = sorted({r["Codering_3"][:6] for r in records if r["Codering_3"].startswith("GM")})
    assert len(codes) == 342
    fake = cbs()
    folder = run(fake, tmp_path, gemeenten=codes[:25], region_names=False)
    data_requests = fake.requests[2:]
    assert len(data_requests) == 3  # 10 + 10 + 5 gemeenten
    assert data_requests[0].count("startswith") == 1 + 30  # Nederland + 3 per gemeente
    rows = json.loads((folder / "TypedDataSet.json").read_text("utf-8"))["value"]
    expected = [r for r in records if r["Codering_3"][2:6] in {c[2:] for c in codes[:25]}]
    assert sorted(r["ID"] for r in rows) == sorted(r["ID"] for r in expected)
    assert len(rows) == 25 + sum(r["SoortRegio_2"].startswith("Wijk") for r in expected)
    assert not (folder / "WijkenEnBuurten.json").exists()


def test_gemeente_codes_are_normalised() -> None:
    assert [normalise_gemeente(c) for c in ("GM0363", "gm363", "0363", "363", 14)] == [
        "GM0363", "GM0363", "GM0363", "GM0363", "GM0014"]
    with pytest.raises(DownloadError, match="Ongeldige gemeentecode 'Amsterdam'"):
        normalise_gemeente("Amsterdam")
    assert gemeente_filters(["363", "GM0363"], include_nederland=False) == [
        "startswith(WijkenEnBuurten,'GM0363') or startswith(WijkenEnBuurten,'WK0363') or "
        "startswith(WijkenEnBuurten,'BU0363')"]


def test_rich_progress_is_updated(tmp_path, cbs) -> None:
    from rich.console import Console
    from rich.progress import Progress, TextColumn

    prog = Progress(TextColumn("{task.description} {task.fields[detail]}"),
                    console=Console(file=io.StringIO()))
    run(cbs(), tmp_path, progress=prog)
    (task,) = prog.tasks
    assert task.description == "KWB 2024 (85984NED)"
    assert (task.completed, task.total, task.fields["detail"]) == (N_ROWS, N_ROWS, "klaar")


def test_library_prints_nothing(tmp_path, cbs, capsys) -> None:
    run(cbs(), tmp_path)
    assert capsys.readouterr() == ("", "")


# --------------------------------------------------------------------------- Leefbaarometer

LBM_HEADER = '"wk_code","wk_naam","jaar","lbm","afw","fys","onv","soc","vrz","won"\n'


def lbm_csv(level: str) -> bytes:
    """A small scores CSV, generated here, with the header of the official open-data file."""
    prefix = {"wijk": "wk", "buurt": "bu", "gemeente": "gm"}[level]
    code = {"wijk": "WK036300", "buurt": "BU03630000", "gemeente": "GM0363"}[level]
    header = LBM_HEADER.replace("wk_", f"{prefix}_")
    lines = [f'"{code}","Test",{year},4.1,0.0{i},NA,NA,NA,NA,NA\n'
             for i, year in enumerate((2002, 2008, 2012, 2014, 2016, 2018, 2020, 2022, 2024))]
    return (header + "".join(lines)).encode("utf-8")


def lbm_zip() -> bytes:
    """A ZIP laid out like the official one (folder, three score files, a decoy)."""
    buf = io.BytesIO()
    folder = "Leefbaarometer 3.0 - Meting 2024 - open data/"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for level, plural in (("wijk", "wijken"), ("buurt", "buurten"),
                              ("gemeente", "gemeenten")):
            zf.writestr(f"{folder}Leefbaarometer-scores {plural} 2002-2024.csv", lbm_csv(level))
        zf.writestr(f"{folder}Leefbaarometer-ontwikkeling wijken 2002-2024.csv", "x,y\n1,2\n")
    return buf.getvalue()


class FakeFileServer:
    """Serves files by URL; supports HTTP Range and can break off a body once."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.break_after: int | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        rng = request.headers.get("Range")
        self.requests.append((url, rng))
        if url not in self.files:
            return httpx.Response(404, text="<html>Niet gevonden</html>")
        body = self.files[url]
        if rng:
            start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
            part = body[start:]
            return httpx.Response(206, content=part, headers={
                "Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}",
                "Content-Length": str(len(part))})
        if self.break_after is not None:
            cut, self.break_after = self.break_after, None

            def broken() -> Iterator[bytes]:
                yield body[:cut]
                raise httpx.ReadError("verbinding verbroken", request=request)

            return httpx.Response(200, content=broken(),
                                  headers={"Content-Length": str(len(body))})
        return httpx.Response(200, content=body)


def test_leefbaarometer_csv_download_writes_the_file(tmp_path: Path) -> None:
    url = "https://example.org/lbm/Leefbaarometer-scores%20wijken%202002-2024.csv"
    server = FakeFileServer({url: lbm_csv("wijk")})
    calls: list[tuple[str, int, int | None]] = []
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        paths = download_leefbaarometer(
            ["wijk"], download_dir=tmp_path / "bronnen", cache_dir=tmp_path / "cache",
            urls={"wijk": url}, client=client,
            progress=lambda *a: calls.append(a))
    target = tmp_path / "bronnen" / "leefbaarometer" / "lbm3_scores_wijken_2002_2024.csv"
    assert paths == [target]
    assert target.read_bytes() == lbm_csv("wijk")
    assert visible(target.parent) == [target.name]
    assert calls[-1][1:] == (len(lbm_csv("wijk")),) * 2
    # cached: the second run makes no request
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        download_leefbaarometer(["wijk"], download_dir=tmp_path / "bronnen",
                                cache_dir=tmp_path / "cache",
                                urls={"wijk": url}, client=client)
    assert len(server.requests) == 1


def test_leefbaarometer_zip_gives_all_levels_from_one_download(tmp_path: Path) -> None:
    data = lbm_zip()
    server = FakeFileServer({dl.LEEFBAAROMETER_OPEN_DATA_URL: data})
    server.break_after = 100  # the first response breaks off after 100 bytes
    sleeps: list[float] = []
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        paths = download_leefbaarometer(download_dir=tmp_path / "bronnen",
                                        cache_dir=tmp_path / "cache", client=client,
                                        sleep=sleeps.append)
    # resumed with a Range request instead of starting again
    assert server.requests == [(dl.LEEFBAAROMETER_OPEN_DATA_URL, None),
                               (dl.LEEFBAAROMETER_OPEN_DATA_URL, "bytes=100-")]
    assert sleeps == [1.0]
    cached = cache_path(dl.LEEFBAAROMETER_OPEN_DATA_URL, cache_dir=tmp_path / "cache",
                        suffix=".zip")
    assert cached.read_bytes() == data
    assert [p.name for p in paths] == ["lbm3_scores_wijken_2002_2024.csv",
                                       "lbm3_scores_buurten_2002_2024.csv",
                                       "lbm3_scores_gemeenten_2002_2024.csv"]
    for p, level in zip(paths, ("wijk", "buurt", "gemeente"), strict=True):
        assert p.read_bytes() == lbm_csv(level)


def test_leefbaarometer_errors_are_for_people(tmp_path: Path) -> None:
    html = b"<html><body>Open data</body></html>"
    server = FakeFileServer({"https://example.org/page.csv": html})
    with httpx.Client(transport=httpx.MockTransport(server)) as client:
        with pytest.raises(DownloadError, match="wk_code, jaar, lbm ontbreken"):
            download_leefbaarometer(["wijk"], download_dir=tmp_path / "b",
                                    cache_dir=tmp_path / "c",
                                    urls={"wijk": "https://example.org/page.csv"}, client=client)
        with pytest.raises(DownloadError, match="niet \\(meer\\) te vinden") as err:
            download_leefbaarometer(["buurt"], download_dir=tmp_path / "b",
                                    cache_dir=tmp_path / "c", client=client)
        assert dl.LEEFBAAROMETER_OPEN_DATA_PAGE in str(err.value)
        with pytest.raises(DownloadError, match="Onbekend Leefbaarometer-niveau 'pc4'"):
            download_leefbaarometer(["pc4"], download_dir=tmp_path / "b",
                                    cache_dir=tmp_path / "c", client=client)
    assert not (tmp_path / "b" / "leefbaarometer").exists() or visible(
        tmp_path / "b" / "leefbaarometer") == []
