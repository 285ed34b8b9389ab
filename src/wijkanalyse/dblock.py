"""One lock per database, so that no acknowledged write is ever lost.

The lock is a file next to the database (``<db>.lock``) locked with ``fcntl.flock``:

* every command that writes (``verhaal add``, ``gebied add``, ``kennis toepassen``, …) holds
  it **exclusively** for as long as its connection is open (:func:`wijkanalyse.store.writing`);
* ``data build`` builds into a private temporary file without the lock and takes it
  exclusively only to copy the user tables over and swap the new file in, so a write is
  either in the old file before the copy or in the new file after the swap, never in
  between (:func:`wijkanalyse.sources.build.build_database`);
* commands that only read hold it **shared** (:func:`wijkanalyse.store.reading`): many
  readers at once, and no DuckDB "conflicting lock" between a reader and a writer.

Whoever has to wait is told so once (``on_wait``) and waits up to a timeout, then gets a
:class:`DatabaseBusyError` naming the database and, where known, the process holding it.
``flock`` locks belong to an open file, so the lock works between processes and between
threads of one process alike (a future web server can use the same context managers). The
kernel releases the lock when its holder dies, so a killed command never leaves the
database locked.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from wijkanalyse.errors import WijkanalyseError

#: Suffix of the lock file next to the database.
LOCK_SUFFIX = ".lock"
#: Suffix (after the lock file's name) of the gate passed while waiting.
GATE_SUFFIX = ".gate"
#: Seconds a command waits for the lock before it gives up (override: WIJKANALYSE_LOCK_TIMEOUT).
DEFAULT_TIMEOUT = 120.0
#: Seconds ``data build`` waits to swap its finished database in.
BUILD_TIMEOUT = 600.0
ENV_LOCK_TIMEOUT = "WIJKANALYSE_LOCK_TIMEOUT"
_POLL = 0.05

#: ``on_wait(message)``: called once when the lock is not free at once.
WaitCallback = Callable[[str], None]


class DatabaseBusyError(WijkanalyseError):
    """The database stayed locked by another process for longer than the timeout."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file of the database at ``db_path`` (``<db>.lock``)."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + LOCK_SUFFIX)


def default_timeout() -> float:
    """The lock timeout in seconds: ``WIJKANALYSE_LOCK_TIMEOUT`` or :data:`DEFAULT_TIMEOUT`."""
    value = os.environ.get(ENV_LOCK_TIMEOUT, "")
    try:
        return max(0.0, float(value)) if value.strip() else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


def print_wait(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# locks this process holds, per lock file: [mode, depth] (re-entrant use within one thread)
_held = threading.local()


def _holdings() -> dict[str, list[Any]]:
    if not hasattr(_held, "map"):
        _held.map = {}
    held: dict[str, list[Any]] = _held.map
    return held


def _holder_text(path: Path) -> str:
    """Who holds the lock, as its exclusive holder wrote it (``PID purpose``), if alive."""
    with contextlib.suppress(OSError, ValueError):
        text = path.read_text(encoding="utf-8").strip()
        if text:
            pid_text, _, purpose = text.partition(" ")
            pid = int(pid_text)
            if pid_alive(pid):
                return f"'{purpose}' (proces {pid})" if purpose else f"proces {pid}"
    return ""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def hold(
    db_path: str | Path,
    *,
    exclusive: bool,
    purpose: str,
    timeout: float | None = None,
    on_wait: WaitCallback | None = print_wait,
) -> Iterator[None]:
    """Hold the lock of the database at ``db_path`` for the duration of the block.

    Whoever waits for the lock first passes a gate (``<db>.lock.gate``, held only while
    waiting): a writer or build that waits is then served before readers or writers that
    come later, so a stream of short commands cannot starve it.

    Parameters
    ----------
    db_path
        The database file (the lock file is ``<db>.lock`` next to it).
    exclusive
        True for writers and the build's swap; False for readers (shared).
    purpose
        What the holder does, in Dutch (``'verhaal add'``); shown to whoever has to wait.
    timeout
        Seconds to wait at most (default :func:`default_timeout`).
    on_wait
        Called once with a Dutch message when the lock is not free at once (default: the
        message goes to standard error); ``None`` waits silently.

    Raises
    ------
    DatabaseBusyError
        When the lock is still taken after ``timeout`` seconds.
    WijkanalyseError
        When a writer cannot create the lock file (folder not writable).
    """
    path = lock_path(db_path)
    key = str(path.resolve())
    held = _holdings().get(key)
    if held is not None:
        # nested use in one thread: an exclusive lock covers everything, a shared one reads
        if exclusive and held[0] != "ex":
            raise RuntimeError(f"{path}: a shared lock cannot be upgraded; close the reading "
                               "connection before writing.")
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
        return
    fds = []
    try:
        for p in (path, path.with_name(path.name + GATE_SUFFIX)):
            fds.append(os.open(p, os.O_RDWR | os.O_CREAT, 0o644))
    except OSError as exc:
        for fd in fds:
            os.close(fd)
        if not exclusive and exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            # a reader of a database in a read-only folder: nobody can write there either
            yield
            return
        raise WijkanalyseError(
            f"Kan het slot {path} naast de database niet aanmaken ({exc.strerror}). Maak de "
            f"map {path.parent} schrijfbaar, of gebruik een database in een map waarin u mag "
            "schrijven (--db)."
        ) from exc
    fd, gate = fds
    try:
        waiter = _Waiter(path, db_path=Path(db_path), purpose=purpose, on_wait=on_wait,
                         timeout=default_timeout() if timeout is None else timeout)
        waiter.acquire(gate, exclusive=True)
        try:
            waiter.acquire(fd, exclusive=exclusive)
        finally:
            fcntl.flock(gate, fcntl.LOCK_UN)
        if exclusive:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()} {purpose}\n".encode(), 0)
        _holdings()[key] = ["ex" if exclusive else "sh", 1]
        try:
            yield
        finally:
            del _holdings()[key]
            if exclusive:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
        os.close(gate)


class _Waiter:
    """Takes flock locks before one deadline, telling the user once that it waits."""

    def __init__(self, path: Path, *, db_path: Path, purpose: str, timeout: float,
                 on_wait: WaitCallback | None) -> None:
        self.path = path
        self.db_path = db_path
        self.purpose = purpose
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.on_wait = on_wait
        self.told = False

    def acquire(self, fd: int, *, exclusive: bool) -> None:
        mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
        while True:
            try:
                fcntl.flock(fd, mode)
                return
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            who = _holder_text(self.path) or "een ander wijkanalyse-proces"
            if time.monotonic() >= self.deadline:
                raise DatabaseBusyError(
                    f"De database {self.db_path} is bezet: {who} gebruikt hem nog (gewacht: "
                    f"{self.timeout:.0f} s). Er is niets gewijzigd voor '{self.purpose}'. "
                    "Probeer het opnieuw als dat proces klaar is (langer wachten: zet "
                    f"{ENV_LOCK_TIMEOUT} op een aantal seconden)."
                )
            if not self.told and self.on_wait is not None:
                self.on_wait(f"Wachten op de database {self.db_path}: {who} gebruikt hem "
                             f"(hoogstens {self.timeout:.0f} s)…")
                self.told = True
            time.sleep(_POLL)
