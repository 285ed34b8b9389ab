"""A download that never answers, trickles or breaks off (issue 10, item 9).

Each test starts its own small server on 127.0.0.1 (a tarpit that accepts and says nothing,
one that trickles, one that breaks off halfway and then honours ``Range``); the servers stop
when the test ends. The served file is GENERATED (Leefbaarometer layout, made-up scores).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from robustness_helpers import run

from wijkanalyse.errors import DownloadError
from wijkanalyse.sources import download, fetch


@contextmanager
def tarpit(*, trickle: bool = False) -> Iterator[int]:
    """A server on 127.0.0.1 that accepts connections and never answers (or, with ``trickle``,
    sends a header and then one byte every 0.05 s). Yields the port."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)
            if trickle:
                threading.Thread(target=drip, args=(conn,), daemon=True).start()

    def drip(conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            while not stop.is_set():
                conn.sendall(b" ")
                time.sleep(0.05)
        except OSError:
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        for conn in held:
            conn.close()
        server.close()


def test_server_that_never_answers_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    notices: list[str] = []
    with tarpit() as port:
        base = f"http://127.0.0.1:{port}/ODataApi/odata"
        started = time.perf_counter()
        with pytest.raises(DownloadError) as info:
            download.download_kwb([2024], download_dir=tmp_path / "b", cache_dir=tmp_path / "c",
                                  api_base=base, feed_base=base, timeout=0.3, retries=2,
                                  backoff=0.5, notice=notices.append)
        seconds = time.perf_counter() - started
    assert seconds < 6
    text = str(info.value)
    assert text.startswith(f"Downloaden van {base}/85984NED/TableInfos")
    assert f"mislukt na 3 pogingen: 127.0.0.1:{port} antwoordt niet binnen 0.3 s" in text
    assert "opnieuw starten gaat verder waar het stopte" in text
    assert notices[0] == f"wachten op antwoord van 127.0.0.1:{port} (hoogstens 0.3 s)…"
    countdown = [n for n in notices if "over" in n]
    assert countdown == [
        f"127.0.0.1:{port} antwoordt niet binnen 0.3 s; poging 2 van 3 over 1 s",
        f"127.0.0.1:{port} antwoordt niet binnen 0.3 s; poging 3 van 3 over 1 s",
    ]


def test_server_that_trickles_is_cut_off(tmp_path: Path) -> None:
    with tarpit(trickle=True) as port:
        base = f"http://127.0.0.1:{port}/ODataApi/odata"
        started = time.perf_counter()
        with pytest.raises(DownloadError) as info:
            download.download_kwb([2024], download_dir=tmp_path / "b", cache_dir=tmp_path / "c",
                                  api_base=base, feed_base=base, timeout=0.2, retries=0)
        assert time.perf_counter() - started < 5
    assert "mislukt na 1 poging" in str(info.value)
    assert "stuurt het antwoord te traag (na 2 s nog niet compleet)" in str(info.value)


def test_cli_download_from_a_silent_server_ends_with_a_message(tmp_path: Path,
                                                               monkeypatch) -> None:
    with tarpit() as port:
        base = f"http://127.0.0.1:{port}/ODataApi/odata"
        monkeypatch.setattr(download, "download_kwb", partial(
            download.download_kwb, api_base=base, feed_base=base, retries=1, backoff=0.2))
        monkeypatch.setenv("WIJKANALYSE_CACHE", str(tmp_path / "cache"))
        result = run("data", "download", "--jaar", "2024", "--geen-leefbaarometer",
                     "--timeout", "1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"mislukt na 2 pogingen: 127.0.0.1:{port} antwoordt niet binnen 1 s" in result.output


# --------------------------------------------------------------------------- resuming

LBM = ("wk_code,wk_naam,jaar,lbm,afw,fys,onv,soc,vrz,won\n" + "".join(
    f"WK99{i:04d},Proefwijk {i},{y},4.1,0.0,NA,NA,NA,NA,NA\n"
    for i in range(1, 800) for y in (2002, 2024))).encode()


class _BreaksOffOnce(BaseHTTPRequestHandler):
    """Serves LBM; the first request gets half the bytes and a closed connection."""

    ranges: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        asked = self.headers.get("Range")
        type(self).ranges.append(asked)
        half = len(LBM) // 2
        if asked is None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(LBM)))
            self.end_headers()
            self.wfile.write(LBM[:half])
            self.wfile.flush()
            self.close_connection = True
            return
        start = int(asked.removeprefix("bytes=").rstrip("-"))
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{len(LBM) - 1}/{len(LBM)}")
        self.send_header("Content-Length", str(len(LBM) - start))
        self.end_headers()
        self.wfile.write(LBM[start:])

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def breaks_off_once() -> Iterator[int]:
    _BreaksOffOnce.ranges = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BreaksOffOnce)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_broken_off_download_resumes_on_the_next_run(tmp_path: Path) -> None:
    with breaks_off_once() as port:
        url = f"http://127.0.0.1:{port}/lbm3_scores_wijken.csv"
        kw = dict(levels=["wijk"], download_dir=tmp_path / "b", cache_dir=tmp_path / "c",
                  urls={"wijk": url}, timeout=2.0)
        with pytest.raises(DownloadError) as info:
            download.download_leefbaarometer(retries=0, **kw)
        assert "de verbinding met" in str(info.value) and "verder waar het stopte" in str(
            info.value)
        part = fetch.cache_path(url, cache_dir=tmp_path / "c", suffix=".csv")
        part = part.with_name(part.name + ".part")
        assert part.stat().st_size == len(LBM) // 2
        paths = download.download_leefbaarometer(retries=0, **kw)
    assert _BreaksOffOnce.ranges == [None, f"bytes={len(LBM) // 2}-"]
    assert paths[0].read_bytes() == LBM
    assert paths[0].name == "lbm3_scores_wijken_2002_2024.csv"
