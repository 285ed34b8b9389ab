"""Tests of wijkanalyse.monitor.composite.groupsets: sets per group with NumPy, against the
plain Python definition (hand-computed cases and Hypothesis properties)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from wijkanalyse.monitor.composite.groupsets import (
    expand_sets,
    group_numbers,
    joined_labels,
    set_numbers,
)


def test_set_numbers_by_hand():
    numbers, sets = set_numbers(np.array([0, 0, 2, 0, 3]), np.array([3, 1, 1, 3, 1]),
                                n_groups=5)
    assert [sets[n] for n in numbers] == [(1, 3), (), (1,), (1,), ()]
    assert numbers[2] == numbers[3] and numbers[1] == numbers[4]  # equal sets, one number
    assert len(sets) == 3


def test_set_numbers_without_occurrences_or_groups():
    numbers, sets = set_numbers(np.array([], dtype=int), np.array([], dtype=int), n_groups=2)
    assert [sets[n] for n in numbers] == [(), ()]
    numbers, sets = set_numbers(np.array([], dtype=int), np.array([], dtype=int), n_groups=0)
    assert len(numbers) == 0 and sets == []


def test_expand_sets_by_hand():
    rows, items = expand_sets(np.array([1, 0, 1, 2]), [(4, 7), (), (5,)])
    assert rows.tolist() == [1, 1, 3] and items.tolist() == [4, 7, 5]


def test_joined_labels_by_hand():
    labels = ["CBS 2019", None, "CBS 2017; CBS 2019", "B", "A", float("nan")]
    got = joined_labels(np.array([0, 0, 1, 2, 2, 3]), labels, n_groups=5, split=True)
    assert got.tolist() == ["CBS 2019", "CBS 2017; CBS 2019", "A; B", None, None]
    unsplit = joined_labels(np.array([1, 1]), ["b; a", "b; a"], n_groups=2, split=False)
    assert unsplit.tolist() == [None, "b; a"]


def test_group_numbers_in_order_of_first_appearance():
    frame = pd.DataFrame({"u": ["b", "a", "b", "c"], "y": [1, 1, 1, 2]})
    gid, keys = group_numbers(frame, ["u", "y"])
    assert gid.tolist() == [0, 1, 0, 2]
    assert keys.to_dict("list") == {"u": ["b", "a", "c"], "y": [1, 1, 2]}


pairs = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9)), max_size=40)


@given(pairs)
def test_set_numbers_equals_python_sets(occurrences):
    n_groups = 7
    g = np.array([p[0] for p in occurrences], dtype=np.int64)
    i = np.array([p[1] for p in occurrences], dtype=np.int64)
    numbers, sets = set_numbers(g, i, n_groups=n_groups)
    expected = [tuple(sorted({b for a, b in occurrences if a == k})) for k in range(n_groups)]
    assert [sets[n] for n in numbers] == expected
    assert len(set(sets)) == len(sets)  # every distinct set listed once


@given(st.lists(st.tuples(st.integers(0, 4),
                          st.none() | st.sampled_from(["a", "b; c", "c", "ä", "", "b"])),
                max_size=30), st.booleans())
def test_joined_labels_equals_sorted_python_sets(rows, split):
    n_groups = 5
    got = joined_labels(np.array([r[0] for r in rows], dtype=np.int64),
                        [r[1] for r in rows], n_groups=n_groups, split=split)
    for k in range(n_groups):
        parts = {p for g, lab in rows if g == k and lab is not None
                 for p in (lab.split("; ") if split else [lab])}
        assert got[k] == ("; ".join(sorted(parts)) if parts else None)
