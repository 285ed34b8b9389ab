"""Reading the source units of a build in this process and, where it pays, one worker process.

:class:`Reads` gives the tables of every unit in the order the build asks for them (its
discovery order). With a worker, both processes take units from one shared list: the worker
the largest first, this process in discovery order, each unit once (claimed under a lock). This
process also writes the database, so it reads what the worker has not taken; while it waits
for a unit the worker is reading, it reads later units ahead. The split adapts itself to how
much processor time each process gets on a busy machine.

Readers are pure functions of their file (:mod:`wijkanalyse.sources.registry`), so which process
reads a
unit changes nothing in what is loaded; a reader's ``DataFileError`` is raised when the build
asks for that unit, as without a worker. The worker is forked (Linux only: it starts at once
and needs no import of the caller's main module); it is used with two or more processors and
at least :data:`PARALLEL_MIN_BYTES` of sources, and never for small builds (tests).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import pickle
import sys
import threading
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from wijkanalyse.catalogue import Catalogue
from wijkanalyse.errors import DataFileError
from wijkanalyse.sources.registry import ReadContext
from wijkanalyse.sourcetable import SourceTable

#: Sources of at least this many bytes in all are read by two processes.
PARALLEL_MIN_BYTES = 8_000_000

_FREE, _WORKER, _HERE = 0, 1, 2
#: Seconds to wait for the claims lock (only a worker that died holding it keeps it longer).
_LOCK_TIMEOUT = 10.0


class Unit(Protocol):
    """What :class:`Reads` needs of a source unit (``build._Unit``)."""

    path: Path
    module: Any


class Reads:
    """The tables of each source unit, read here or by the worker process (module docstring).

    Parameters
    ----------
    units
        The units, in the order :meth:`tables` will be asked for them.
    catalogue, context
        Passed to every reader.
    parallel
        Allow a worker process (it is started only when it pays, see :func:`worth_a_worker`).
    """

    def __init__(self, units: Sequence[Unit], *, catalogue: Catalogue, context: ReadContext,
                 parallel: bool) -> None:
        self._units = list(units)
        self._index = {u.path: i for i, u in enumerate(self._units)}
        self._catalogue = catalogue
        self._context = context
        self._done: dict[int, tuple[list[SourceTable] | None, BaseException | None]] = {}
        self._taken: set[int] = set()
        self._worker: Any = None
        self._claims: Any = None
        self._lock: Any = None
        self._arrived: dict[int, tuple[list[SourceTable] | None, Any]] = {}
        self._cond = threading.Condition()
        self._receiver: threading.Thread | None = None
        if parallel and worth_a_worker(self._units):
            self._start_worker()

    # ------------------------------------------------------------------ public

    def tables(self, unit: Unit) -> list[SourceTable]:
        """The tables of ``unit``; raises the ``DataFileError`` its reader raised."""
        i = self._index[unit.path]
        while i not in self._done:
            if self._claim(i):
                self._read_here(i)
            elif self._collect(i):
                pass
            elif (ahead := self._claim_next(after=i)) is not None:
                self._read_here(ahead)
            else:
                self._wait(i)
        tables, error = self._done.pop(i)
        self._taken.add(i)
        if error is not None:
            raise error
        assert tables is not None
        return tables

    def raise_first_error(self) -> None:
        """Read the units not yet asked for; raise the first ``DataFileError`` in their order."""
        for unit in self._units:
            if self._index[unit.path] not in self._taken:
                self.tables(unit)

    def worker_done(self) -> bool:
        """Whether the worker process (if any) has finished: a second processor is free."""
        return self._worker is None or not self._worker.is_alive()

    def close(self) -> None:
        """Stop the worker process (at once, whatever it is reading) and its receiver."""
        if self._worker is not None:
            if self._worker.is_alive():
                self._worker.terminate()
            self._worker.join()
            self._worker = None
        if self._receiver is not None:
            self._receiver.join()
            self._receiver = None

    # ------------------------------------------------------------------ worker

    def _start_worker(self) -> None:
        ctx = multiprocessing.get_context("fork")
        n = len(self._units)
        self._claims = ctx.RawArray("b", n)
        self._lock = ctx.Lock()
        receive, send = ctx.Pipe(duplex=False)
        sizes = [unit_bytes(u.path) for u in self._units]
        order = sorted(range(n), key=lambda i: (-sizes[i], i))  # the largest first
        jobs = [(u.path, u.module.__name__) for u in self._units]
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns about fork in a process with threads; the worker only
                # runs readers (it takes no lock of the parent's other threads)
                warnings.simplefilter("ignore", DeprecationWarning)
                self._worker = ctx.Process(
                    target=_worker_main, name="wijkanalyse-lezer", daemon=True,
                    args=(order, jobs, self._claims, self._lock, self._catalogue,
                          self._context, send))
                self._worker.start()
        except OSError:  # no process could be started: everything is read here
            self._worker = None
            self._claims = None
            receive.close()
            return
        finally:
            send.close()
        self._receiver = threading.Thread(target=self._receive, args=(receive,),
                                          name="wijkanalyse-ontvanger", daemon=True)
        self._receiver.start()

    def _receive(self, receive: Any) -> None:
        """Take the worker's results off the pipe as they come (so that it never waits)."""
        try:
            while True:
                i, tables, error = receive.recv()
                with self._cond:
                    self._arrived[i] = (tables, error)
                    self._cond.notify_all()
        except (EOFError, OSError):
            pass
        finally:
            receive.close()
            with self._cond:
                self._cond.notify_all()

    def _claim(self, i: int) -> bool:
        """Claim unit ``i`` for this process (``False``: the worker has it)."""
        if self._claims is None:
            return True
        if not self._lock.acquire(timeout=_LOCK_TIMEOUT):
            self._claims = None  # the worker died holding the lock: read everything here
            return True
        try:
            if self._claims[i] == _FREE:
                self._claims[i] = _HERE
            return bool(self._claims[i] == _HERE)
        finally:
            self._lock.release()

    def _claim_next(self, *, after: int) -> int | None:
        """Claim the next free unit after ``after`` (to read ahead instead of waiting)."""
        if self._claims is None or not self._lock.acquire(timeout=_LOCK_TIMEOUT):
            return None
        try:
            for j in range(after + 1, len(self._units)):
                if self._claims[j] == _FREE:
                    self._claims[j] = _HERE
                    return j
            return None
        finally:
            self._lock.release()

    def _collect(self, i: int) -> bool:
        """Move the worker's result for ``i`` into ``_done`` if it has arrived."""
        with self._cond:
            if i not in self._arrived:
                return False
            tables, error = self._arrived.pop(i)
        self._done[i] = (tables, None if error is None else _error_from(error))
        return True

    def _wait(self, i: int) -> None:
        """Wait for the worker's result for ``i``; read it here if the worker is gone."""
        receiver = self._receiver
        receiving = receiver.is_alive if receiver is not None else (lambda: False)
        with self._cond:
            self._cond.wait_for(lambda: i in self._arrived or not receiving(), timeout=1.0)
            if i in self._arrived or receiving():
                return  # collected by the caller's next round (or wait again)
        # the worker ended without this unit (killed, out of memory): read it here
        self._read_here(i)

    def _read_here(self, i: int) -> None:
        unit = self._units[i]
        try:
            self._done[i] = (
                unit.module.read(unit.path, catalogue=self._catalogue, context=self._context),
                None)
        except DataFileError as exc:
            self._done[i] = (None, exc)


def worth_a_worker(units: Sequence[Unit]) -> bool:
    """Whether a worker process pays: Linux (fork), two or more processors, enough bytes."""
    if not sys.platform.startswith("linux") or len(units) < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods() or n_cpus() < 2:
        return False
    return sum(unit_bytes(u.path) for u in units) >= PARALLEL_MIN_BYTES


def n_cpus() -> int:
    """Processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def unit_bytes(path: Path) -> int:
    """Size of a source unit: a file, or all files below a folder."""
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def _worker_main(order: list[int], jobs: list[tuple[Path, str]], claims: Any, lock: Any,
                 catalogue: Catalogue, context: ReadContext, send: Any) -> None:
    """The worker: claim free units (in ``order``), read them, send ``(i, tables, error)``."""
    try:
        for i in order:
            with lock:
                if claims[i] != _FREE:
                    continue
                claims[i] = _WORKER
            path, module_name = jobs[i]
            try:
                module = importlib.import_module(module_name)
                send.send((i, module.read(path, catalogue=catalogue, context=context), None))
            except DataFileError as exc:
                send.send((i, None, ("data", type(exc), exc.path, exc.message, exc.line,
                                     exc.column, exc.hint)))
            except Exception as exc:  # noqa: BLE001 - a reader's bug: raised in the build
                send.send((i, None, ("other", _picklable(exc))))
    except (KeyboardInterrupt, BrokenPipeError, EOFError, OSError):
        pass
    finally:
        send.close()


def _picklable(exc: Exception) -> Exception:
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any pickling trouble: send the traceback as text
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"fout in het leesproces:\n{text}")


def _error_from(fields: tuple[Any, ...]) -> BaseException:
    if fields[0] == "other":
        other: BaseException = fields[1]
        return other
    _, cls, path, message, line, column, hint = fields
    error: BaseException = cls(path, message, line=line, column=column, hint=hint)
    return error
