"""Selection for spread: the ILP equals brute force, ties go to the earliest registration,
the generated 40 are selected to 15 with an explanation for every registration."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wijkanalyse.programma import (
    Participant,
    Programme,
    Registration,
    brute_force,
    generate_registrations,
    import_registrations,
    read_definition,
    score,
    select_for_spread,
    solve,
)
from wijkanalyse.programma.selection import order_key, prepare

from .conftest import DATA

_PEOPLE = (Participant("A", "X"), Participant("B", "Y"))


def _reg(i: int, themes: tuple[str, ...], prov: str, inw: int, trend: str, day: int
         ) -> Registration:
    return Registration(id=f"r{i:02d}", gemeente=f"G{i}", wijk=f"W{i}", themes=themes,
                        contact="c", contact_email="c@x.nl", participants=_PEOPLE,
                        received=dt.date(2016, 10, 1) + dt.timedelta(days=day), provincie=prov,
                        inwoners=inw, trend_class=trend)


_instances = st.integers(min_value=4, max_value=9).flatmap(lambda n: st.tuples(
    st.lists(st.tuples(
        st.sets(st.sampled_from(["wonen", "zorg", "veiligheid", "menging"]), min_size=1,
                max_size=2).map(lambda s: tuple(sorted(s))),
        st.sampled_from(["Groningen", "Limburg", "Zuid-Holland", "Utrecht", ""]),
        st.sampled_from([30_000, 80_000, 150_000, 300_000]),
        st.sampled_from(["vroegsignalering", "succes", "blijvend_achter", ""]),
        st.integers(min_value=0, max_value=3)), min_size=n, max_size=n),
    st.integers(min_value=1, max_value=n - 1)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_instances)
def test_ilp_equals_brute_force(instance: tuple[list[tuple], int]) -> None:  # type: ignore[type-arg]
    rows, k = instance
    regs = [_reg(i, *row) for i, row in enumerate(rows)]
    ilp, ilp_score = solve(regs, maximum=k)
    bf, bf_score = brute_force(regs, maximum=k)
    assert len(ilp) == k
    assert ilp_score.total == bf_score.total
    rank = {i: r for r, i in enumerate(sorted(range(len(regs)), key=lambda i: order_key(regs[i])))}
    assert sum(rank[i] for i in ilp) == sum(rank[i] for i in bf)
    prep = prepare(regs, maximum=k)
    keys = [(prep.score(c).total, -sum(rank[i] for i in c))
            for c in itertools.combinations(range(len(regs)), k)]
    if keys.count(max(keys)) == 1:
        assert ilp == bf


def test_identical_registrations_go_to_the_earliest() -> None:
    base = [_reg(i, ("wonen",), "Utrecht", 80_000, "succes", 5 - i) for i in range(5)]
    chosen, _ = solve(base, maximum=2)
    assert [base[i].id for i in chosen] == ["r03", "r04"]  # received 3 and 2 October: the earliest
    again, _ = solve(list(base), maximum=2)
    assert again == chosen


def test_hand_computed_score() -> None:
    regs = [_reg(0, ("wonen", "zorg"), "Limburg", 300_000, "vroegsignalering", 0),
            _reg(1, ("wonen",), "Limburg", 30_000, "blijvend_achter", 0)]
    sc = score(regs, [0, 1], maximum=2)
    # thema: wonen 3 + 3/2, zorg 3 = 7.5; landsdeel Zuid 2 + 1 = 3; provincie 1 + 0.5 = 1.5;
    # grootteklasse two classes 2 + 2 = 4; preventief 2*1.0 + 2*0.2 = 2.4
    assert sc.readable() == 7.5 + 3 + 1.5 + 4 + 2.4
    assert sc.per_dimension["thema"] / sc.scale == 7.5


def _generated_programme() -> Programme:
    prog = read_definition(DATA / "programma-2016.yaml")
    result = import_registrations(prog, DATA / "aanmeldingen-gegenereerd-40.csv")
    assert not result.rejected
    prog.registrations = result.accepted
    return prog


def test_generated_40_selected_to_15_with_explanation() -> None:
    prog = _generated_programme()
    assert all(r.generated for r in prog.registrations)
    result = select_for_spread(prog)
    assert result.needed and len(result.selected) == 15
    assert len(result.decisions) == 40
    assert round(result.objective, 4) == 127.5357
    chosen = [d for d in result.decisions if d.chosen]
    out = [d for d in result.decisions if not d.chosen]
    assert len(chosen) == 15 and all(d.reason.startswith("Gekozen") for d in chosen)
    assert all(d.reason.startswith("Niet gekozen") and d.swap.startswith("Beste ruil")
               for d in out)
    # an exact optimum: no single swap improves the spread
    assert all(d.swap_delta is not None and d.swap_delta <= 0 for d in result.decisions)
    # the before/after table covers all four landsdelen among the chosen
    landsdelen = {r["waarde"]: r for r in result.table if r["dimensie"] == "landsdeel"}
    assert sum(int(r["aangemeld"]) for r in landsdelen.values()) == 40  # type: ignore[call-overload]
    assert all(int(r["gekozen"]) > 0 for r in landsdelen.values())  # type: ignore[call-overload]
    assert result.selected == select_for_spread(prog).selected  # deterministic


def test_no_selection_at_or_below_the_maximum(programme_2016: Programme) -> None:
    result = select_for_spread(programme_2016)
    assert not result.needed and len(result.selected) == 12
    assert "geen selectie nodig" in result.decisions[0].reason


def test_generator_is_seeded() -> None:
    a = generate_registrations(10, seed=5)
    b = generate_registrations(10, seed=5)
    assert [dataclasses.asdict(r) for r in a] == [dataclasses.asdict(r) for r in b]
    assert len({r.gemeente for r in generate_registrations(200, seed=1)}) == 200
