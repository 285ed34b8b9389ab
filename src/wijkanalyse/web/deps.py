"""FastAPI dependencies: the settings, the read-only database, the content store, the user.

The analytical database is read through one :class:`Database` per app: a worker thread that
owns a read-only DuckDB connection under the shared database lock
(:func:`wijkanalyse.store.reading`).
The connection is closed when the server is idle for a moment or a writer waits for the lock
(``wijkanalyse verhaal add``, the swap of ``data build``), so the CLI keeps working while the
server runs; it is reopened when the file's identity (inode, modification time, size) changes,
so a rebuilt database (``os.replace``) is picked up without a restart. Results are cached per
process, keyed by that identity (:meth:`Database.cached`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb
from fastapi import Request

from wijkanalyse import dblock, store
from wijkanalyse.errors import WijkanalyseError
from wijkanalyse.web.settings import WebSettings

__all__ = ["ContentMark", "ContentStore", "Database", "Identity", "User", "content_mark",
           "current_user", "get_content", "get_db", "get_settings"]

T = TypeVar("T")
#: The identity of the database file: (device, inode, modification time in ns, size).
Identity = tuple[int, int, int, int]

_IDLE_S = 1.0  # close the connection after this many idle seconds
_POLL_S = 0.1


class DatabaseMissingError(WijkanalyseError):
    """The database file does not exist (yet)."""


def file_identity(path: Path) -> Identity:
    """The identity of the database file; a :class:`DatabaseMissingError` when it is missing."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise DatabaseMissingError(
            f"De database {path} bestaat niet. Bouw hem met 'wijkanalyse --db {path} data "
            "build' en laad de pagina opnieuw.") from exc
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


class _Job:
    def __init__(self, fn: Callable[[duckdb.DuckDBPyConnection], Any]) -> None:
        self.fn = fn
        self.future: Future[Any] = Future()


class Database:
    """Read-only access to the analytical database for the whole app (thread-safe).

    Parameters
    ----------
    path
        The DuckDB file.
    idle_s
        Seconds without work after which the connection (and the shared lock) is released.
    cache_size
        Results kept per process (least recently used dropped first).
    workers
        Database threads, each with its own connection. One by default: DuckDB shares one
        database instance between the connections of a process to one path, so a second
        thread that still has the old file open would hand the old file to a connection opened
        after an ``os.replace``. More than one only for a file that is never replaced.
    """

    def __init__(self, path: Path, *, idle_s: float = _IDLE_S, cache_size: int = 4000,
                 workers: int = 1) -> None:
        self.path = Path(path)
        self.idle_s = idle_s
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._n_workers = max(1, workers)
        self._start_lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = cache_size
        self._inflight: dict[tuple[Any, ...], Future[Any]] = {}
        self._identity: Identity | None = None  # of the cached results
        self.shared: dict[Any, Any] = {}  # the build_profile cache of this database build
        self.opened = 0  # connections opened (tests)

    # -- identity and cache ------------------------------------------------------------

    def identity(self) -> Identity:
        """The current identity of the file; clears the caches when it changed."""
        ident = file_identity(self.path)
        with self._cache_lock:
            if ident != self._identity:
                self._cache.clear()
                self._identity = ident
        return ident

    def cached(self, key: tuple[Any, ...], fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``fn(con)`` once per database build: the result is kept under ``key``; requests
        for a key that is being computed wait for that computation."""
        ident = self.identity()
        full = (ident, *key)
        with self._cache_lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                hit: T = self._cache[full]
                return hit
            running = self._inflight.get(full)
            if running is None:
                mine: Future[Any] = Future()
                self._inflight[full] = mine
        if running is not None:
            waited: T = running.result()
            return waited
        try:
            value = self.run(fn)
        except BaseException as exc:
            mine.set_exception(exc)
            raise
        finally:
            with self._cache_lock:
                self._inflight.pop(full, None)
        self.remember(key, value, ident)
        mine.set_result(value)
        return value

    def lookup(self, key: tuple[Any, ...]) -> Any:
        """A cached value of this build, or ``None``."""
        full = (self.identity(), *key)
        with self._cache_lock:
            return self._cache.get(full)

    def remember(self, key: tuple[Any, ...], value: Any, ident: Identity | None = None) -> None:
        """Keep ``value`` under ``key`` for the database build ``ident`` (default: now)."""
        full = (ident or self.identity(), *key)
        with self._cache_lock:
            if full[0] != self._identity:
                return  # the file changed meanwhile: the value belongs to the old build
            self._cache[full] = value
            self._cache.move_to_end(full)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    # -- the worker ----------------------------------------------------------------------

    def run(self, fn: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``fn(con)`` in the database thread and return its result (or raise its error)."""
        self._ensure_thread()
        job = _Job(fn)
        self._jobs.put(job)
        result: T = job.future.result()
        return result

    def close(self) -> None:
        """Stop the worker threads (their connections are closed)."""
        with self._start_lock:
            alive = [t for t in self._threads if t.is_alive()]
            for _ in alive:
                self._jobs.put(None)
            for thread in alive:
                thread.join(timeout=10)
            self._threads = []

    def _ensure_thread(self) -> None:
        with self._start_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < self._n_workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"wijkanalyse-web-db-{len(self._threads)}")
                thread.start()
                self._threads.append(thread)

    def _work(self) -> None:
        stack: contextlib.ExitStack | None = None
        con: duckdb.DuckDBPyConnection | None = None
        opened_as: Identity | None = None
        last_used = time.monotonic()
        gate = _Gate(self.path)
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=_POLL_S)
                except queue.Empty:
                    if stack is not None and (time.monotonic() - last_used > self.idle_s
                                              or gate.someone_waits()):
                        stack.close()
                        stack, con, opened_as = None, None, None
                    continue
                if job is None:
                    return
                try:
                    ident = file_identity(self.path)
                    if stack is not None and (ident != opened_as or gate.someone_waits()):
                        stack.close()
                        stack, con, opened_as = None, None, None
                    if stack is None:
                        stack = contextlib.ExitStack()
                        try:
                            con = stack.enter_context(store.reading(self.path, on_wait=None))
                        except BaseException:
                            stack.close()
                            stack = None
                            raise
                        opened_as = ident
                        self.opened += 1
                        with self._cache_lock:
                            if self.shared.get("_identity") != ident:
                                self.shared = {"_identity": ident}
                    assert con is not None
                    job.future.set_result(job.fn(con))
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                    job.future.set_exception(exc)
                last_used = time.monotonic()
        finally:
            if stack is not None:
                stack.close()
            gate.close()


class _Gate:
    """Whether another process waits for the database lock (it holds the lock's gate)."""

    def __init__(self, db_path: Path) -> None:
        lock = dblock.lock_path(db_path)
        self.path = lock.with_name(lock.name + dblock.GATE_SUFFIX)
        self.fd: int | None = None

    def someone_waits(self) -> bool:
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                return False  # read-only folder: nobody can write there either
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        return False

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class _Changes(Protocol):
    def last_change(self) -> tuple[tuple[int, str | None], ...]: ...


class ContentMark:
    """The content store's last change (:meth:`wijkanalyse.content.ContentStore.last_change`)
    as part of the cache key of pages made from its records (stories, applied interventions,
    kennis edits), so an edit shows at once.

    The store is asked at most once per ``ttl_s`` seconds (a change by another process, such
    as ``wijkanalyse verhaal add``, shows within that time); a change made through this site
    calls :meth:`invalidate`, so the next request asks again.
    """

    def __init__(self, content: _Changes, *, ttl_s: float = 1.0) -> None:
        self.content = content
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._value: tuple[tuple[int, str | None], ...] | None = None
        self._at = 0.0

    def __call__(self) -> tuple[tuple[int, str | None], ...]:
        now = time.monotonic()
        with self._lock:
            if self._value is not None and now - self._at < self.ttl_s:
                return self._value
        value = self.content.last_change()
        with self._lock:
            self._value, self._at = value, now
        return value

    def invalidate(self) -> None:
        """Ask the store again at the next call (after a change through the site)."""
        with self._lock:
            self._value = None


def content_mark(request: Request) -> tuple[tuple[int, str | None], ...] | None:
    """The app's content mark (:class:`ContentMark`), ``None`` without a content store."""
    mark: ContentMark | None = getattr(request.app.state, "content_mark", None)
    return None if mark is None else mark()


# ------------------------------------------------------------------------------------------
# dependencies


async def get_settings(request: Request) -> WebSettings:
    """The app's settings."""
    settings: WebSettings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    """The app's read-only database (see :class:`Database`)."""
    db: Database = request.app.state.db
    return db


class User(Protocol):
    """A logged-in user (the content helper's ``wijkanalyse.content.User``)."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


class ContentStore(Protocol):
    """The relational content store (``wijkanalyse.content.ContentStore``; to be replaced
    at merge by the content helper's store)."""

    def session_user(self, token: str) -> User | None: ...


def get_content(request: Request) -> ContentStore | None:
    """The content store; ``None`` until the content package is merged (to be replaced)."""
    store_: ContentStore | None = getattr(request.app.state, "content", None)
    return store_


def current_user(request: Request) -> User | None:
    """The logged-in user (:func:`wijkanalyse.web.auth.user_from_request`), or ``None``."""
    from wijkanalyse.web.auth import user_from_request

    return user_from_request(request)
