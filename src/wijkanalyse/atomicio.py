"""Writing output files atomically: a half-written report never looks finished."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Let ``write`` fill a temporary file next to ``path``, then move it into place.

    The temporary file lives in the target folder (same file system, so ``os.replace`` is
    atomic), gets the usual read permissions (``mkstemp`` makes it private; reports are meant
    to be shared) and is removed when ``write`` fails.

    Parameters
    ----------
    path
        The file to write.
    write
        Called with the temporary path; writes the complete content there.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
