"""Tests of wijkanalyse.monitor.typology: the national 2024 wijken, generated clusters, names,
assignment to other years and transition tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wijkanalyse import store
from wijkanalyse.monitor.typology import (
    LABEL_COLUMNS,
    LOCATION_FEATURE,
    NameReference,
    assign_types,
    name_reference,
    name_types,
    structural_features,
    transition_table,
    typology,
    typology_over_years,
)
from wijkanalyse.profiel.peers import structural_features as peer_features

FEATURES_2024 = [
    "inwoners_log", "dichtheid_log", "aandeel_0_14", "aandeel_15_24", "aandeel_25_44",
    "aandeel_45_64", "aandeel_65_plus", "woningen_per_100_inw", "aandeel_herkomst_nl",
    "aandeel_herkomst_europa", "aandeel_herkomst_buiten_europa",
]
#: Features with any value in 2024: also households, known only for Utrecht (kwb-2024.xlsx),
#: far below the coverage a typology uses.
PRESENT_2024 = [*FEATURES_2024[:7], "huishoudensgrootte", "aandeel_eenpersoonshh",
                "aandeel_hh_met_kinderen", *FEATURES_2024[7:]]


@pytest.fixture(scope="module")
def con(built_db: Path):
    connection = store.connect(built_db, read_only=True)
    yield connection
    connection.close()


def _units(codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"unit_id": codes, "codes": [[c] for c in codes], "level": "wijk"})


@pytest.fixture(scope="module")
def nl_units(con) -> pd.DataFrame:
    codes = [r[0] for r in con.execute(
        "SELECT code FROM regions WHERE year = 2024 AND level = 'wijk' ORDER BY code").fetchall()]
    return _units(codes)


@pytest.fixture(scope="module")
def nl_features(con, nl_units) -> pd.DataFrame:
    return structural_features(con, nl_units, year=2024)


@pytest.fixture(scope="module")
def nl_reference(con, nl_units):
    return name_reference(con, nl_units, year=2024)


@pytest.fixture(scope="module")
def nl_typology(nl_features, nl_reference):
    return typology(nl_features, k_range=range(3, 6), reference=nl_reference)


# --------------------------------------------------------------------------- features


def test_features_of_the_2024_wijken(nl_features, con):
    assert len(nl_features) == 3393
    assert list(nl_features.columns) == [*PRESENT_2024, LOCATION_FEATURE]
    # identical to the peer group's features for single wijken
    peers = peer_features(con, level="wijk", year=2024)
    pd.testing.assert_frame_equal(nl_features[FEATURES_2024],
                                  peers.reindex(nl_features.index)[FEATURES_2024],
                                  check_names=False)
    # location only where boundaries of these wijk codes exist: Amsterdam, Alkmaar, Den Haag
    # (2024) and the codes of 2024 that the nationwide 2016 wijk map already has
    loc = nl_features[LOCATION_FEATURE].dropna()
    assert len(loc) == 2504
    assert {"0361", "0363", "0518", "0114"} <= set(loc.index.str[2:6])
    assert "WK196612" not in loc.index  # Het Hogeland (2019): no wijk map
    assert loc.between(0, 3).all()
    assert "2.504 van de 3.393 gebieden" in nl_features.attrs["note"]
    # household size is loaded for 2024 (Utrecht kwb-2024.xlsx, g_hhgro 1.8 in WK034401);
    # the housing shares are '.' there and nowhere else for 2024
    assert "Niet geladen voor 2024: aandeel corporatiewoningen" in nl_features.attrs["note"]
    assert "CBS, Kerncijfers Wijken en Buurten 2024" in nl_features.attrs["source"]


def test_features_of_a_set_are_summed_first(con):
    a, b = "WK091733", "WK091720"
    units = pd.DataFrame({"unit_id": ["samen"], "codes": [[a, b]], "level": "wijk"})
    f = structural_features(con, units, year=2017, with_location=False).loc["samen"]
    inw = [con.execute("SELECT value FROM observation WHERE indicator_id = ? AND year = 2017 "
                       "AND code = ?", [ind, c]).fetchone()[0]
           for ind in ("a_inw", "a_65_oo") for c in (a, b)]
    assert f["inwoners_log"] == pytest.approx(math.log10(inw[0] + inw[1]))
    assert f["aandeel_65_plus"] == pytest.approx(100 * (inw[2] + inw[3]) / (inw[0] + inw[1]))


# --------------------------------------------------------------------------- national typology


def test_national_typology_is_reproducible_and_k_is_the_silhouette_argmax(nl_typology,
                                                                          nl_features,
                                                                          nl_reference):
    res = nl_typology
    again = typology(nl_features, k_range=range(3, 6), reference=nl_reference)
    pd.testing.assert_frame_equal(res.labels, again.labels)
    crit = res.criterion
    assert list(crit["k"]) == [3, 4, 5]
    assert res.k == int(crit.loc[crit["silhouette"].idxmax(), "k"]) == 3
    assert crit["silhouette"].max() == pytest.approx(0.2183, abs=1e-3)
    assert res.features_used == FEATURES_2024
    assert LOCATION_FEATURE in res.dropped and "76%" in res.dropped[LOCATION_FEATURE]
    assert res.method == "kmeans" and res.seed == 42


def test_national_typology_labels_and_names(nl_typology):
    res = nl_typology
    labels = res.labels
    assert list(labels.columns) == list(LABEL_COLUMNS)
    assert len(labels) == 3393
    typed = labels.dropna(subset=["type_id"])
    assert len(typed) == int(labels["fitted"].sum()) == 2869
    assert set(typed["type_id"]) == {1, 2, 3}
    sizes = typed["type_id"].value_counts().sort_index()
    assert sizes.is_monotonic_decreasing  # type 1 = largest
    names = res.type_names()
    assert all(n.strip() for n in names.values())
    assert len(set(names.values())) == 3
    # words against all wijken of Nederland; stedelijk/landelijk from CBS stedelijkheid (the
    # national KWB 2024 has none: the classes of 2017 for the codes that existed then)
    assert names == {
        1: "Landelijke, dunbevolkte wijken met weinig inwoners met een herkomst buiten Europa",
        2: "Gemiddelde wijken",
        3: "Stedelijke, jonge wijken met een gemengde bevolking"}
    untyped = labels[labels["type_id"].isna()]
    assert untyped["reason"].str.startswith("minder dan 500 inwoners").sum() == len(untyped)
    # centres: original units and z-scores, the z-scores of the fitted units average to 0
    wide = res.centers_wide(kind="z")
    w = sizes.reindex(wide.index).to_numpy()
    assert np.allclose((wide.to_numpy() * w[:, None]).sum(axis=0) / w.sum(), 0, atol=1e-9)
    inhabitants = res.centers[res.centers["feature"] == "inwoners_log"]
    assert np.allclose(inhabitants["display_value"], 10 ** inhabitants["value"])
    assert "silhouetcriterium" in res.note and "2.869 gebieden" in res.note


def test_assigning_the_reference_year_reproduces_the_kmeans_labels(nl_typology, nl_features):
    assigned = assign_types(nl_typology, nl_features)
    fitted = nl_typology.labels
    pd.testing.assert_series_equal(assigned["type_id"], fitted["type_id"])
    assert not assigned["fitted"].any()


# --------------------------------------------------------------------------- generated data


def _blobs(seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Two clearly separated groups of 40 and 60 units on three features (generated)."""
    rng = np.random.default_rng(seed)
    truth = np.array([0] * 40 + [1] * 60)
    x = np.where(truth[:, None] == 0, [20.0, 10.0, 30.0], [10.0, 25.0, 5.0])
    x = x + rng.normal(0, 1, size=x.shape)
    ids = [f"g{n:03d}" for n in range(len(truth))]
    cols = ["aandeel_65_plus", "aandeel_25_44", "aandeel_corporatie"]
    return pd.DataFrame(x, index=pd.Index(ids, name="unit_id"), columns=cols), truth


@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_two_generated_clusters_are_split_as_generated(method):
    feats, truth = _blobs()
    res = typology(feats, method=method, k_range=range(2, 6))
    assert res.k == 2
    assert res.criterion.loc[res.criterion["silhouette"].idxmax(), "k"] == 2
    got = res.labels["type_id"].to_numpy(dtype=int)
    # type 1 is the larger generated group (60 units)
    assert (got == np.where(truth == 1, 1, 2)).all()
    names = res.type_names()
    # 65+ and 25-44 are both age (one phrase per theme), corporation housing is a second theme
    assert names[1] == "Jonge wijken met weinig corporatiewoningen"
    assert names[2] == "Wijken met veel corporatiewoningen en weinig 25- tot 45-jarigen"
    again = typology(feats, method=method, k_range=range(2, 6))
    pd.testing.assert_frame_equal(res.labels, again.labels)


def test_fixed_k_and_invalid_options():
    feats, _ = _blobs()
    res = typology(feats, k=3)
    assert res.k == 3 and list(res.criterion["k"]) == [3]
    assert "opgegeven" in res.note
    with pytest.raises(ValueError, match="onbekende methode"):
        typology(feats, method="dbscan")
    with pytest.raises(ValueError, match="k moet"):
        typology(feats, k=1)
    with pytest.raises(ValueError, match="k_range"):
        typology(feats, k_range=[])


def test_too_few_units_gives_no_typology_and_says_why():
    feats, _ = _blobs()
    res = typology(feats.iloc[:3], k_range=range(3, 6))
    assert res.k == 0 and res.labels["type_id"].isna().all()
    assert "te weinig gebieden" in res.note
    assert (res.labels["reason"].str.startswith("geen typologie")).all()
    assert assign_types(res, feats)["type_id"].isna().all()


# --------------------------------------------------------------------------- names


def test_name_rule_takes_the_largest_z_one_per_theme():
    cz = pd.DataFrame(
        {"aandeel_65_plus": [1.5, -0.1], "aandeel_25_44": [-1.2, 0.2],
         "dichtheid_log": [-0.8, 0.1], "aandeel_koop": [0.6, 0.3]},
        index=pd.Index([1, 2], name="type_id"))
    names = name_types(cz)
    # 65+ (1.5) then 25-44 (same theme: skipped), density (-0.8), koop (0.6)
    # without a national reference: no "vergrijsde" (only the typed units are compared) and
    # density never says "landelijke"
    assert names[1] == "Dunbevolkte wijken met relatief veel ouderen en veel koopwoningen"
    assert names[2] == "Gemiddelde wijken"


def test_equal_names_are_made_distinct():
    cz = pd.DataFrame(
        {"aandeel_65_plus": [1.5, 1.4], "aandeel_koop": [0.1, -0.3]},
        index=pd.Index([1, 2], name="type_id"))
    names = name_types(cz)
    # both would be "Wijken met relatief veel ouderen": the next feature (koop, |z| < 0.5) is
    # added to both
    assert names[1] == "Wijken met relatief veel ouderen en veel koopwoningen"
    assert names[2] == "Wijken met relatief veel ouderen en veel huurwoningen"


def test_vergrijsd_only_above_the_national_distribution():
    """Hand-made: two types whose 65+ shares differ much from each other (z = +-1), against a
    national distribution whose quartiles are 18 and 25 %."""
    values = pd.DataFrame({"aandeel_65_plus": [22.0, 23.0, 24.0, 10.0, 11.0, 12.0]})
    type_ids = np.array([1, 1, 1, 2, 2, 2])
    cz = pd.DataFrame({"aandeel_65_plus": [1.0, -1.0]}, index=pd.Index([1, 2], name="type_id"))
    national = NameReference(distribution={"aandeel_65_plus": np.array(
        [15.0, 18.0, 18.0, 20.0, 22.0, 23.0, 25.0, 25.0, 30.0])})
    # type 1 (median 23 %) is within the national middle half: no word, however high its z
    names = name_types(cz, values=values, type_ids=type_ids, reference=national)
    assert names == {1: "Gemiddelde wijken", 2: "Wijken met weinig ouderen"}
    older = values.assign(aandeel_65_plus=[27.0, 28.0, 40.0, 10.0, 11.0, 12.0])
    names = name_types(cz, values=older, type_ids=type_ids, reference=national)
    assert names[1] == "Vergrijsde wijken"
    # stedelijkheid and welvaart come first; density alone never says stedelijk or landelijk
    dense = pd.DataFrame({"dichtheid_log": [4.0, 4.1, 4.2, 1.0, 1.1, 1.2]})
    cz = pd.DataFrame({"dichtheid_log": [1.0, -1.0]}, index=pd.Index([1, 2], name="type_id"))
    ref = NameReference(distribution={"dichtheid_log": np.linspace(1.5, 3.9, 9)})
    names = name_types(cz, values=dense, type_ids=type_ids, reference=ref,
                       context={1: [("adj", "stedelijke"), ("adj", "welvarende")]})
    assert names == {1: "Stedelijke, welvarende, dichtbevolkte wijken",
                     2: "Dunbevolkte wijken"}


def test_den_haag_type_names_are_true_of_willemspark_and_zorgvliet(con):
    """The monitor of gemeente:Den Haag (2024): Willemspark and Zorgvliet were typed "Kleine,
    vergrijsde, landelijke wijken", Binckhorst "Jonge, kleine, landelijke wijken". All three
    are zeer sterk stedelijk (CBS class 1 in 2015, 2017 and 2019); Willemspark's WOZ value
    (2019) is 422, Zorgvliet's 700 (x 1 000 euro), Nederland 250."""
    from wijkanalyse.gebieden.sets import resolve_set
    from wijkanalyse.monitor.report import _typology

    units = resolve_set(con, "gemeente:Den Haag").units
    notes: list[str] = []
    typ, _, extra = _typology(con, units, 2024, notes)
    assert extra["year"] == 2024
    labels = typ.labels.set_index("unit_id")["type_name"]
    for code in ("WK051823", "WK051810"):  # Willemspark, Zorgvliet
        name = labels[code]
        assert "Stedelijke" in name and "welvarende" in name, name
        assert "landelijk" not in name.lower()
    assert labels["WK051823"] == labels["WK051810"] == "Stedelijke, welvarende, vergrijsde wijken"
    # the type's median 65+ share is in the national top quarter (>= 25,3 %)
    centre = typ.centers[(typ.centers["type_name"] == labels["WK051823"])
                         & (typ.centers["feature"] == "aandeel_65_plus")]
    assert float(centre["value"].iloc[0]) > 25.3
    assert labels["WK051839"] == ("Stedelijke, jonge wijken met veel inwoners met een "
                                  "herkomst buiten Europa")  # Binckhorst
    assert not any("landelijk" in str(n).lower() for n in labels.dropna())
    assert "'Stedelijk' en 'landelijk' komen alleen uit de stedelijkheid van het CBS" in typ.note


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize("gm, years", [("0917", [2016, 2017, 2018, 2019]),
                                       ("0363", [2017, 2019])])
def test_transition_table_counts_units_typed_in_both_years(con, gm, years):
    codes = [r[0] for r in con.execute(
        "SELECT DISTINCT code FROM regions WHERE year = ? AND level = 'wijk' AND code LIKE ? "
        "ORDER BY code", [years[-1], f"WK{gm}%"]).fetchall()]
    result, by_year = typology_over_years(con, _units(codes), years=years, k_range=range(3, 5))
    assert set(by_year) == set(years)
    assert result.reference_year == max(years)
    assert "Gemaakt op" in result.note
    table = transition_table(by_year)
    a, b = by_year[years[0]], by_year[years[-1]]
    both = set(a.dropna(subset=["type_id"])["unit_id"]) & set(
        b.dropna(subset=["type_id"])["unit_id"])
    assert int(table.to_numpy().sum()) == len(both) == table.attrs["n_units"]
    assert table.index.name == f"type {years[0]}" and table.columns.name == f"type {years[-1]}"
    diag = int(np.trace(table.to_numpy()))
    assert table.attrs["n_changed"] == len(both) - diag
    assert list(table.index) == list(table.columns)
    assert set(table.index) == set(result.type_names().values())
    assert result.k == 3
    if gm == "0917":
        # 19 wijken: k = 4 would leave fewer than 5 wijken per type, so it is not tried
        assert list(result.criterion["k"]) == [3] and "Niet geprobeerd: k = 4" in result.note
        # the nationwide 2016 wijk map gives every wijk its location (the same in every
        # year), which keeps the types stable (without it Molenberg moved in 2017 and back)
        assert LOCATION_FEATURE in result.features_used
        step = transition_table(by_year, year_from=2016, year_to=2017)
        assert step.attrs["n_changed"] == 0
        assert table.attrs["n_changed"] == 0
    else:
        assert LOCATION_FEATURE in result.features_used
        assert table.attrs["n_units"] == 95 and table.attrs["n_changed"] == 0


def test_transition_table_without_two_years_says_so():
    labels = pd.DataFrame({"unit_id": ["a"], "type_id": pd.array([1], dtype="Int64"),
                           "type_name": ["X"]})
    table = transition_table({2019: labels})
    assert table.empty and "maar voor één jaar" in table.attrs["note"]
    none = labels.assign(type_id=pd.array([pd.NA], dtype="Int64"), type_name=[None])
    table = transition_table({2017: labels, 2019: none})
    assert table.empty and "geen enkel gebied" in table.attrs["note"]
    with pytest.raises(ValueError, match="geen typen voor 2018"):
        transition_table({2017: labels, 2019: labels}, year_from=2018)


def test_krachtwijken_of_wijken_and_buurten_are_compared_with_their_own_level(con):
    """The 40 krachtwijken are wijken, buurten and sets of them: each unit is compared with
    the wijken or the buurten of Nederland (its own level). All are stedelijk (CBS)."""
    from wijkanalyse.gebieden.sets import resolve_set
    from wijkanalyse.monitor.report import _typology

    units = resolve_set(con, "krachtwijken-2007").units
    ref = name_reference(con, units, year=2024)
    assert set(ref.by_level) == {"wijk", "buurt"} and ref.level == "wijk"
    assert ref.unit_levels["BU01530100"] == "buurt" and ref.unit_levels["WK036103"] == "wijk"
    assert ref.years["aandeel_65_plus"] == 2024
    assert len(ref.by_level["buurt"]["aandeel_65_plus"]) > len(
        ref.by_level["wijk"]["aandeel_65_plus"])
    typ, _, _ = _typology(con, units, 2024, [])
    assert typ.type_names() == {
        1: "Stedelijke, grote, jonge wijken met veel inwoners met een herkomst buiten Europa",
        2: "Stedelijke, grote wijken met veel inwoners met een herkomst buiten Europa en weinig "
           "ouderen",
        3: "Stedelijke, grote, jonge wijken"}
