"""Suggestions for names that were not found ("bedoelt u ...?"): :func:`suggest` and the
vectorised pre-filter of :mod:`difflib` candidates it uses (also by
:mod:`~wijkanalyse.gebieden.names`)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from wijkanalyse.codes import name_key


def _isna(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def suggest(name: str, candidates: Iterable[str], *, n: int = 3) -> list[str]:
    """Close matches of ``name`` among ``candidates``, for "bedoelt u ...?" suggestions.

    Names are compared on their :func:`~wijkanalyse.codes.name_key` with :mod:`difflib`;
    candidates sharing one key are offered once (the shortest spelling, e.g. ``"Angelslo"``
    rather than ``"Wijk 43 Angelslo"``).

    Parameters
    ----------
    name
        The name that was not found.
    candidates
        Names to choose from.
    n
        At most this many suggestions, best first.

    Returns
    -------
    list of str
        Original spellings of the closest candidates (possibly empty).
    """
    return closest_names(name, suggestion_keys(candidates), n=n)


class NamePool:
    """Candidate names for :func:`suggest`: name key -> the spelling offered for it, plus the
    lengths and character counts of the keys (to skip hopeless candidates in one step)."""

    def __init__(self, by_key: dict[str, str]) -> None:
        self.by_key = by_key
        self.keys = list(by_key)
        self.lengths = np.array([len(k) for k in self.keys], dtype=np.int64)
        self._counts: np.ndarray | None = None
        self._alphabet: dict[str, int] = {}

    def counts(self) -> tuple[np.ndarray, dict[str, int]]:
        """Per key, how often each character occurs (keys are few characters: a-z, 0-9, space)."""
        if self._counts is None:
            alphabet = {c: i for i, c in enumerate(sorted({c for k in self.keys for c in k}))}
            counts = np.zeros((len(self.keys), len(alphabet) + 1), dtype=np.int64)
            for row, key in enumerate(self.keys):
                for c in key:
                    counts[row, alphabet[c]] += 1
            self._counts, self._alphabet = counts, alphabet
        return self._counts, self._alphabet


def suggestion_keys(candidates: Iterable[str]) -> NamePool:
    """The :class:`NamePool` of ``candidates``: per name key the shortest spelling (then the first
    in sort order), in the order the keys first occur."""
    by_key: dict[str, str] = {}
    for cand in candidates:
        if _isna(cand):
            continue
        text = str(cand).strip()
        key = name_key(text)
        if not key:
            continue
        prev = by_key.get(key)
        if prev is None or (len(text), text) < (len(prev), prev):
            by_key[key] = text
    return NamePool(by_key)


_CUTOFF = 0.6


def closest_names(name: str, pool: NamePool, *, n: int = 3) -> list[str]:
    """``difflib.get_close_matches(name_key(name), keys, n, 0.6)`` as spellings, where the keys
    that cannot reach the cutoff are left out first by the same bounds difflib checks first
    (its ``real_quick_ratio`` and ``quick_ratio``), computed for all keys at once: the same
    result, without a matcher per key."""
    word = name_key(name)
    total = pool.lengths + len(word)
    with np.errstate(divide="ignore", invalid="ignore"):
        # real_quick_ratio: 2 * min(la, lb) / (la + lb)
        hopeful = np.where(total > 0, 2.0 * np.minimum(pool.lengths, len(word)) / total,
                           1.0) >= _CUTOFF
        if hopeful.any():
            counts, alphabet = pool.counts()
            mine = np.zeros(counts.shape[1], dtype=np.int64)
            for c in word:
                mine[alphabet.get(c, counts.shape[1] - 1)] += 1
            mine[-1] = 0  # characters no key has match nothing
            matches = np.minimum(counts, mine).sum(axis=1)
            # quick_ratio: 2 * (characters in common) / (la + lb)
            hopeful &= np.where(total > 0, 2.0 * matches / total, 1.0) >= _CUTOFF
    keys = [pool.keys[i] for i in np.flatnonzero(hopeful)]
    hits = difflib.get_close_matches(word, keys, n=n, cutoff=_CUTOFF)
    return [pool.by_key[k] for k in hits]
