"""Sets of items per group, computed with NumPy instead of a Python function per group.

The index reports, per unit, year and domain, which indicators it used, which sources it cites
and which indicators are missing and why. There are millions of such groups on a national
panel but only a handful of distinct sets (most units use the same indicators and sources), so
each group gets the number of its set and the text of every distinct set is made once.

Groups and items are numbered ``0..n-1``; the order of the item numbers is the order of the
items within a set (the indicator order of the configuration, the Python string order of
labels).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def group_numbers(frame: pd.DataFrame, key: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Number the groups of ``key`` in order of first appearance.

    Parameters
    ----------
    frame
        A frame without missing values in the ``key`` columns.
    key
        The columns that form a group.

    Returns
    -------
    tuple of numpy.ndarray and pandas.DataFrame
        The group number of every row (``int64``) and one row per group with its ``key``
        values (row *i* is group *i*).
    """
    cols = list(key)
    gid = frame.groupby(cols, sort=False).ngroup().to_numpy(dtype=np.int64)
    _, first = np.unique(gid, return_index=True)
    return gid, frame[cols].iloc[first].reset_index(drop=True)


def set_numbers(group: np.ndarray, item: np.ndarray, *, n_groups: int
                ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """The set of items of every group, as a number into a list of distinct sets.

    Parameters
    ----------
    group, item
        One entry per (group, item) occurrence; repeats are allowed. Non-negative integers.
    n_groups
        The number of groups; groups without an occurrence get the empty set.

    Returns
    -------
    tuple of numpy.ndarray and list of tuple
        The set number of every group (length ``n_groups``) and the distinct sets, each an
        ascending tuple of item numbers.

    Examples
    --------
    >>> numbers, sets = set_numbers(np.array([0, 0, 2, 0]), np.array([3, 1, 1, 3]), n_groups=3)
    >>> [sets[n] for n in numbers]
    [(1, 3), (), (1,)]
    """
    group = np.asarray(group, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    if n_groups == 0:
        return np.zeros(0, dtype=np.int64), []
    if not len(group):
        return np.zeros(n_groups, dtype=np.int64), [()]
    n_items = int(item.max()) + 1
    pairs = _sorted_distinct(group * n_items + item)  # sorted by group, then item
    g, it = np.divmod(pairs, n_items)
    counts = np.bincount(g, minlength=n_groups)
    if n_items <= _MASK_BITS:
        numbers, sets = _sets_by_mask(g, it, counts, n_groups=n_groups)
        return numbers, sets
    position = np.arange(len(g)) - (np.cumsum(counts) - counts)[g]
    table = np.full((n_groups, int(counts.max())), -1, dtype=np.int64)
    table[g, position] = it
    if table.shape[1] == 1:
        distinct, numbers = np.unique(table[:, 0], return_inverse=True)
        sets = [(int(x),) if x >= 0 else () for x in distinct]
    else:
        distinct2d, numbers = np.unique(table, axis=0, return_inverse=True)
        sets = [tuple(int(x) for x in row if x >= 0) for row in distinct2d]
    return np.asarray(numbers, dtype=np.int64).reshape(-1), sets


#: Sets of at most this many distinct items are numbered by a bit mask per group.
_MASK_BITS = 62


def _sorted_distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (as :func:`numpy.unique`, by one sort)."""
    out = np.sort(values)
    if len(out) > 1:
        out = out[np.concatenate(([True], out[1:] != out[:-1]))]
    return out


def _sets_by_mask(g: np.ndarray, it: np.ndarray, counts: np.ndarray, *, n_groups: int
                  ) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """:func:`set_numbers` for at most :data:`_MASK_BITS` items: each group's set as one
    integer with a bit per item; the distinct sets in ascending tuple order (as the rows of
    the padded table that :func:`numpy.unique` sorts)."""
    mask = np.zeros(n_groups, dtype=np.int64)
    nonempty = np.flatnonzero(counts)
    starts = np.cumsum(counts) - counts
    mask[nonempty] = np.add.reduceat(np.left_shift(np.int64(1), it), starts[nonempty])
    distinct, inverse = np.unique(mask, return_inverse=True)
    decoded = [tuple(i for i in range(_MASK_BITS) if (int(m) >> i) & 1) for m in distinct]
    order = sorted(range(len(decoded)), key=lambda k: decoded[k])
    renumber = np.empty(len(order), dtype=np.int64)
    renumber[order] = np.arange(len(order))
    sets = [decoded[k] for k in order]
    return renumber[np.asarray(inverse, dtype=np.int64).reshape(-1)], sets


def expand_sets(numbers: np.ndarray, sets: Sequence[tuple[int, ...]]
                ) -> tuple[np.ndarray, np.ndarray]:
    """The (row, item) occurrences of rows that each hold a set number.

    Returns
    -------
    tuple of numpy.ndarray
        Row positions (into ``numbers``) and items, one entry per item of each row's set.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    lengths = np.array([len(s) for s in sets], dtype=np.int64)
    flat = np.array([x for s in sets for x in s], dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    per_row = lengths[numbers] if len(numbers) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(numbers)), per_row)
    within = np.arange(int(per_row.sum())) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return rows, flat[offsets[numbers][rows] + within]


def joined_labels(group: np.ndarray, labels: Sequence[object] | np.ndarray, *, n_groups: int,
                  split: bool) -> np.ndarray:
    """Per group its distinct labels, sorted, joined with ``"; "``.

    Parameters
    ----------
    group
        The group number of every label.
    labels
        The labels (missing values are ignored; others are turned into ``str``).
    n_groups
        The number of groups.
    split
        First split every label on ``"; "`` (labels that are already joined lists).

    Returns
    -------
    numpy.ndarray
        ``object`` array of length ``n_groups``: the joined text, or ``None`` for a group
        without a label. Groups with the same labels share one string.
    """
    group = np.asarray(group, dtype=np.int64)
    present = pd.notna(pd.Series(labels, dtype=object)).to_numpy()
    codes, uniques = pd.factorize(pd.Series(labels, dtype=object)[present].to_numpy())
    parts = [str(u).split("; ") if split else [str(u)] for u in uniques]
    vocab = sorted({p for ps in parts for p in ps})
    rank = {p: n for n, p in enumerate(vocab)}
    ranked = [tuple(sorted({rank[p] for p in ps})) for ps in parts]
    rows, items = expand_sets(codes, ranked)
    numbers, sets = set_numbers(group[present][rows], items, n_groups=n_groups)
    texts = np.array(["; ".join(vocab[i] for i in s) if s else None for s in sets] or [None],
                     dtype=object)
    return texts[numbers] if n_groups else np.zeros(0, dtype=object)
