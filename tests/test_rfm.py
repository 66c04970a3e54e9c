"""RFM: the 8-segment table pinned, recency direction, ties, thresholds, rules, conservation."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.errors import CrmError
from crm_core.groups import counts, migration
from crm_core.rfm import (
    RfmParams,
    explain,
    prepare,
    quantile_scores,
    rfm,
    segment_codes,
    summary,
    threshold_scores,
)
from crm_core.segments import builtin, load_scheme


def customers(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "recency_days", "frequency", "monetary"])
    frame["avg_spend"] = frame["monetary"] / frame["frequency"]
    return frame


# Splits fixed by value: R 30 days, F 5 purchases, M 1000.
SPLIT = RfmParams(split_method="value", r_split=30, f_split=5, m_split=1000)
CN8 = [  # recency, frequency, monetary → segment (domain.md §1, all eight corners)
    (10, 8, 2000, "important_value"),
    (90, 8, 2000, "important_retain"),
    (10, 2, 2000, "important_develop"),
    (90, 2, 2000, "important_winback"),
    (10, 8, 500, "general_value"),
    (90, 8, 500, "general_retain"),
    (10, 2, 500, "general_develop"),
    (90, 2, 500, "general_winback"),
    # exactly on the split counts as high; for recency "at or below" is high
    (30, 5, 1000, "important_value"),
    (31, 5, 1000, "important_retain"),
    (30, 4, 1000, "important_develop"),
    (30, 5, 999.99, "general_value"),
]


@pytest.mark.parametrize(("r", "f", "m", "segment"), CN8)
def test_chinese_8_segment_table(r, f, m, segment):
    frame = customers([("x", r, f, m), ("pad", 400, 1, 1)])
    got = rfm(frame, SPLIT, "cn8").set_index("customer_id").loc["x", "segment"]
    assert got == segment


def test_default_split_is_the_mean_and_recency_is_reversed():
    frame = customers([("a", 10, 1, 100), ("b", 20, 3, 300), ("c", 30, 5, 500)])  # means 20, 3, 300
    out = rfm(frame, RfmParams(), "cn8").set_index("customer_id")
    assert out.loc["b", "segment"] == "important_value"  # all three exactly at the mean: high
    assert out.loc["a", "r_high"] and not out.loc["c", "r_high"]  # fewer days is better
    assert out.loc["a", "segment"] == "general_develop" and out.loc["c", "segment"] == "important_retain"


def test_quantile_scores_reverse_recency_and_tie():
    assert quantile_scores(np.array([1, 2, 3, 4, 5.0]), 5).tolist() == [1, 2, 3, 4, 5]
    assert quantile_scores(np.array([1, 2, 3, 4, 5.0]), 5, reverse=True).tolist() == [5, 4, 3, 2, 1]
    # 60 % of customers bought once: they share score 1, and score 2 and 3 never occur
    f = np.array([1, 1, 1, 1, 1, 1, 2, 3, 4, 9.0])
    assert quantile_scores(f, 5).tolist() == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_few_distinct_scores_are_reported():
    frame = customers([(i, i, 1 if i < 7 else i, 10 * i + 1) for i in range(10)])
    prep = prepare(frame, RfmParams())
    note = next(n for n in prep.notes if n[1]["dim"] == "F")
    assert note[0] == "note.few_scores" and note[1]["distinct"] == 3 and note[1]["share"] == 70.0  # 1, 4, 5


def test_threshold_scores_points_per_range():
    r = threshold_scores(np.array([0, 30, 31, 90, 91, 400.0]), (30, 90, 180, 365), reverse=True)
    assert r.tolist() == [5, 5, 4, 4, 3, 1]
    f = threshold_scores(np.array([1, 2, 3, 9, 10, 50.0]), (2, 3, 5, 10))
    assert f.tolist() == [1, 2, 3, 4, 5, 5]


@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=30), st.floats(0, 1000), st.floats(0, 50))
def test_a_higher_threshold_never_raises_a_score(values, edge, bump):
    v = np.array(values)
    lower, higher = (edge, edge + 100), (edge + bump, edge + 100 + bump)
    assert (threshold_scores(v, higher) <= threshold_scores(v, lower)).all()
    assert (threshold_scores(v, higher, reverse=True) >= threshold_scores(v, lower, reverse=True)).all()


def test_en10_named_segments():
    frame = customers([(f"c{i}", 100 - i, i + 1, 10.0 * (i + 1)) for i in range(25)])
    out = rfm(frame, RfmParams(bins=5), "en10")
    s = out.set_index("customer_id")
    assert s.loc["c24", "segment"] == "champions" and s.loc["c0", "segment"] == "hibernating"
    assert (out["segment"] != "unassigned").all()
    with pytest.raises(CrmError) as err:
        rfm(frame, RfmParams(bins=3), "en10")
    assert err.value.key == "error.scheme_points"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 400), st.integers(1, 30), st.floats(-50, 5000, allow_nan=False)),
        min_size=1,
        max_size=50,
    ),
    st.sampled_from(["cn8", "en10"]),
    st.sampled_from(["mean", "median", "percentile", "score_mean"]),
)
def test_every_customer_in_exactly_one_segment_and_revenue_conserved(rows, scheme, split):
    frame = customers([(f"c{i}", *r) for i, r in enumerate(rows)])
    params = RfmParams(split_method=split, split_percentile=70)
    prep = prepare(frame, params)
    sch = builtin(scheme)
    codes, _ = segment_codes(prep, sch)
    table = summary(prep, codes, sch)
    assert table["customers"].sum() == len(frame)
    assert table["revenue"].sum() == pytest.approx(frame["monetary"].sum(), abs=1e-6)
    assert table["pct_customers"].sum() == pytest.approx(100)


def test_migration_and_counts():
    frame = customers([("a", 10, 8, 2000), ("b", 90, 8, 2000), ("c", 10, 2, 500)])
    sch = builtin("cn8")
    prep = prepare(frame, SPLIT)
    before, _ = segment_codes(prep, sch)
    after, _ = segment_codes(prep, sch, replace(SPLIT, r_split=100))  # b becomes recent enough
    n, rev = migration(before, after, prep.revenue, sch.keys)
    assert n.loc["important_retain", "important_value"] == 1 and n.to_numpy().sum() == 3
    assert rev.loc["important_retain", "important_value"] == 2000
    c, r = counts(after, prep.revenue, len(sch.keys))
    assert c[0] == 2 and r[0] == 4000


def test_explain_names_the_thresholds():
    frame = customers([("a", 31, 5, 999.0), ("pad", 400, 1, 1)])
    prep = prepare(frame, SPLIT)
    _, split = segment_codes(prep, builtin("cn8"))
    why = explain(prep, 0, split, SPLIT)
    assert [(w["dim"], w["rule"], w["high"]) for w in why] == [
        ("r", "<=", False),
        ("f", ">=", True),
        ("m", ">=", False),
    ]


def test_average_spend_can_replace_monetary():
    frame = customers([("a", 10, 10, 1000), ("b", 10, 1, 900)])  # avg 100 vs 900
    out = rfm(frame, RfmParams(m_basis="avg_spend"), "cn8").set_index("customer_id")
    assert out.loc["b", "m_high"] and not out.loc["a", "m_high"]


RULES = {
    "key": "mine",
    "rules": [
        {"key": "best", "when": {"r": "high", "f": "high"}, "label": {"en": "Best", "zh": "最好"}},
        {"key": "rest_recent", "when": {"r": "high", "f": "low"}},
    ],
}


def test_custom_rules_round_trip_and_unassigned():
    sch = load_scheme(json.dumps(RULES))
    assert load_scheme(sch.to_json()) == sch
    frame = customers([("a", 1, 9, 10), ("b", 1, 1, 10), ("c", 300, 1, 10)])
    out = rfm(frame, RfmParams(), sch).set_index("customer_id")["segment"].to_dict()
    assert out == {"a": "best", "b": "rest_recent", "c": "unassigned"}
    assert sch.label("best", "zh") == "最好" and sch.label("unassigned", "zh") == "未归类"


@pytest.mark.parametrize(
    ("mutate", "key", "where"),
    [
        (lambda d: d["rules"].append({"key": "best", "when": {"r": "low"}}), "error.rule_duplicate", "“best”"),
        (lambda d: d["rules"].append({"key": "x", "when": {"r": "high", "m": "high"}}), "error.rule_overlap", "“x”"),
        # shape, types and ranges are the schema's: the message names the field
        (
            lambda d: d["rules"].append({"key": "x", "when": {"r_score": [4, 9]}}),
            "error.json_field",
            "rules[3].when.r_score[2]",
        ),
        (lambda d: d["rules"].append({"key": "x", "when": {"q": "high"}}), "error.json_field", "rules[3].when"),
        (lambda d: d["rules"].append({"key": "x"}), "error.json_field", "rules[3]"),
        (lambda d: d.update(rules=[]), "error.json_field", "at rules,"),
        (lambda d: d["rules"][0]["label"].update(en="x" * 201), "error.json_field", "rules[1].label.en"),
        (lambda d: d.update(rules=d["rules"] * 60), "error.json_field", "at rules,"),
        (lambda d: d["rules"][1].update(when={"f": ["high"]}), "error.json_field", "rules[2].when.f"),
    ],
)
def test_invalid_rules_name_the_rule(mutate, key, where):
    data = json.loads(json.dumps(RULES))
    mutate(data)
    with pytest.raises(CrmError) as err:
        load_scheme(json.dumps(data))
    assert err.value.key == key
    assert where in err.value.message("en")
    assert where.removeprefix("at ").rstrip(",") in err.value.message("zh")
    if key == "error.rule_overlap":
        assert "“best”" in str(err.value) or "“rest_recent”" in str(err.value)


def test_bad_json_is_a_clear_error():
    with pytest.raises(CrmError) as err:
        load_scheme("{not json")
    assert err.value.key == "error.scheme_json"


def test_builtin_schemes_have_both_languages_and_an_action():
    for key in ("cn8", "en10"):
        sch = builtin(key)
        for rule in sch.rules:
            assert dict(rule.label).keys() == {"en", "zh"} and dict(rule.action).keys() == {"en", "zh"}
    assert [r.key for r in builtin("cn8").rules] == [
        "important_value", "important_retain", "important_develop", "important_winback",
        "general_value", "general_retain", "general_develop", "general_winback",
    ]  # fmt: skip
    assert builtin("cn8").label("important_value", "zh") == "重要价值客户"


def test_migration_across_schemes_keeps_every_customer():
    frame = customers([("a", 10, 8, 2000), ("b", 90, 8, 2000), ("c", 10, 2, 500), ("d", 300, 1, 5)])
    prep = prepare(frame, RfmParams())
    cn8, en10 = builtin("cn8"), builtin("en10")
    before, _ = segment_codes(prep, cn8)
    after, _ = segment_codes(prep, en10)
    n, rev = migration(before, after, prep.revenue, cn8.keys, en10.keys)
    assert n.shape == (9, 11) and n.to_numpy().sum() == 4
    assert rev.to_numpy().sum() == pytest.approx(frame["monetary"].sum())


def test_clusters_with_fewer_distinct_customers_than_k():
    import warnings

    from crm_core.clusters import choose_k, kmeans

    values = np.array([[10.0, 2.0, 100.0]] * 5 + [[200.0, 1.0, 20.0]] * 5)  # two distinct customers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns that it found fewer clusters than asked
        res = kmeans(values, values[:, 2], np.array(["a"] * 10, dtype=object), k=4)
        choose_k(values)
    assert res.profile["customers"].sum() == 10 and len(res.profile) == 2
    assert sorted(set(res.labels)) == [0, 1]  # numbered by average M: the low spenders are 0
    assert res.labels[-1] == 0
