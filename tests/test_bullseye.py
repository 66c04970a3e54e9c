"""Bullseye: catalogue contract, scoring with weights and bounds, bands, scenarios."""

import json

import pytest
from conftest import ROOT

from crm_core.bullseye import (
    band,
    catalogue_from_frame,
    default_catalogue,
    load_catalogue,
    load_scenario,
    parse_catalogue,
    score,
    verdict,
)
from crm_core.errors import CrmError

CAT = default_catalogue()


def test_catalogue_has_30_unique_criteria_in_both_languages():
    assert len(CAT.criteria) == 30 and len(set(CAT.keys)) == 30
    assert sum(c.addition for c in CAT.criteria) == 2
    for c in CAT.criteria:
        assert c.label_en and c.label_zh and c.label_en != c.label_zh and c.low and c.high and c.weight == 1
    assert {g for g, _, _ in CAT.groups} == {c.group for c in CAT.criteria}
    assert all(en and zh for _, en, zh in CAT.groups)
    assert CAT.max_total == 300


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "very_poor"),
        (1, "very_poor"),
        (1.5, "very_poor"),
        (2, "low"),
        (4, "low"),
        (4.5, "low"),
        (5, "medium"),
        (7, "medium"),
        (8, "high"),
        (10, "high"),
        (None, None),
    ],
)
def test_bands_on_their_boundaries(value, expected):
    assert band(value) == expected


def test_verdict_bands():
    assert [verdict(p) for p in (100, 70, 69.9, 50, 30, 29.9, 0)] == [
        "strong", "strong", "possible", "possible", "weak", "unsuited", "unsuited"]  # fmt: skip


def test_plain_sum_with_equal_weights_and_unscored_as_zero():
    scores = {k: 10 for k in CAT.keys}
    assert score(CAT, scores).total == 300 and score(CAT, scores).percent == 100
    scores[CAT.keys[0]] = None
    res = score(CAT, scores)
    assert res.total == 290 and res.unscored == 1 and res.weakest[0] == CAT.keys[0]
    group = res.groups.set_index("group").loc[CAT.criteria[0].group]
    assert group["subtotal"] == group["max"] - 10


def test_weights_shift_the_total_but_not_its_scale():
    data = json.loads(CAT.to_json())
    data["criteria"][0]["weight"] = 3  # a heavier criterion scored 0 pulls the total down
    cat = load_catalogue(json.dumps(data))
    scores = {k: 8 for k in cat.keys} | {cat.keys[0]: 0}
    equal = score(CAT, scores).total
    weighted = score(cat, scores).total
    assert weighted < equal and weighted == pytest.approx(30 * (29 * 8) / 32)
    assert score(cat, {k: 10 for k in cat.keys}).total == pytest.approx(300)


def test_scores_out_of_bounds_are_refused():
    with pytest.raises(CrmError):
        score(CAT, {CAT.keys[0]: 11})


def test_photo_equipment_preset_round_trip():
    text = (ROOT / "data/bullseye_photo_equipment.json").read_text(encoding="utf-8")
    sc = load_scenario(text, CAT)
    assert len(sc.scores) == 30 and sc.notes
    again = load_scenario(sc.to_json(), CAT)
    assert again == sc
    res = score(CAT, sc.scores)
    assert 60 <= res.percent <= 80 and res.unscored == 0


@pytest.mark.parametrize(
    ("text", "key", "where"),
    [
        ("{bad json", "error.bullseye_json", "JSON"),
        ('{"scores": {"known_brand": NaN}}', "error.bullseye_json", "NaN"),
        ('{"name": "x"}', "error.json_field", "“scores” is missing"),
        ('{"scores": {"nope": 3}}', "error.scenario_unknown", "nope"),
        ('{"scores": {"known_brand": 11}}', "error.json_field", "scores.known_brand, 11 is above"),
        ('{"scores": {"known_brand": -1}}', "error.json_field", "scores.known_brand, -1 is below"),
        ('{"scores": {"known_brand": "high"}}', "error.json_field", "scores.known_brand, expected a whole number"),
        ('{"scores": {}, "notes": {"known_brand": [1]}}', "error.json_field", "notes.known_brand"),
        # the form scores whole points: a fraction is refused on the page and in the CLI alike
        ('{"scores": {"known_brand": 7.5}}', "error.json_field", "scores.known_brand, expected a whole number"),
    ],
)
def test_invalid_scenarios_name_the_problem(text, key, where):
    with pytest.raises(CrmError) as err:
        load_scenario(text, CAT)
    assert err.value.key == key and where in err.value.message("en")


@pytest.mark.parametrize(
    ("mutate", "key", "where"),
    [
        (lambda d: d["criteria"].append(dict(d["criteria"][0])), "error.criterion_duplicate", "computer_users"),
        (lambda d: d["criteria"][0].update(weight=-1), "error.json_field", "criteria[1].weight, -1 is below"),
        (lambda d: d["criteria"][0].update(weight="heavy"), "error.json_field", "criteria[1].weight, expected"),
        (lambda d: d["criteria"][1].update(weight=1e308), "error.json_field", "criteria[2].weight, 1e+308 is above"),
        (lambda d: d["criteria"][0].update(key=""), "error.json_field", "criteria[1].key, the text is empty"),
        (lambda d: d.update(criteria=[]), "error.json_field", "at criteria,"),
        (lambda d: d.update(groups="market"), "error.json_field", "at groups, expected a list"),
        (lambda d: d["groups"][0].update(label=["x"]), "error.json_field", "groups[1].label"),
        (lambda d: d.update(title={"en": {"a": 1}}), "error.json_field", "title.en"),
        (lambda d: d.update(criteria=d["criteria"] * 7), "error.json_field", "210 entries; at most 200"),
    ],
)
def test_invalid_catalogues_change_nothing(mutate, key, where):
    data = json.loads(CAT.to_json())
    mutate(data)
    with pytest.raises(CrmError) as err:
        load_catalogue(json.dumps(data))
    assert err.value.key == key and where in err.value.message("en")


def test_catalogue_edits_from_the_table():
    frame = CAT.frame()
    frame.loc[0, "label_en"] = "Aimed at PC users"
    frame.loc[1, "weight"] = 2
    frame = frame.drop(index=29)
    edited = catalogue_from_frame(frame, CAT)
    assert len(edited.criteria) == 29 and edited.criteria[0].label_en == "Aimed at PC users"
    assert edited.max_total == 290
    assert load_catalogue(edited.to_json()) == edited


def test_a_row_added_in_the_editor_gets_weight_one():
    import pandas as pd

    frame = pd.concat(
        [
            CAT.frame(),
            pd.DataFrame(
                [
                    {
                        "key": "delivery_speed",
                        "group": "direct_sales",
                        "label_en": "Fast delivery",
                        "weight": float("nan"),
                    }
                ]
            ),
        ]
    )
    edited = catalogue_from_frame(frame, CAT)
    assert len(edited.criteria) == 31 and edited.criteria[-1].weight == 1 and edited.max_total == 310


@pytest.mark.parametrize(
    ("mutate", "key"),
    [
        (lambda d: d.__setitem__("groups", [5, 6]), "error.group_shape"),
        (lambda d: d["groups"].append(dict(d["groups"][0])), "error.group_duplicate"),
        (lambda d: d["criteria"][0].__setitem__("weight", 1e308), "error.criterion_weight"),
        (lambda d: d.__setitem__("criteria", d["criteria"] * 10), "error.too_many_criteria"),
    ],
)
def test_hostile_catalogues_are_messages(mutate, key):
    data = json.loads(default_catalogue().to_json())
    mutate(data)
    with pytest.raises(CrmError) as err:
        parse_catalogue(data)
    assert err.value.key == key


def test_names_given_as_plain_strings_are_accepted():
    data = json.loads(default_catalogue().to_json())
    data["title"] = "My form"
    data["criteria"][0]["label"] = "Plain text label"
    cat = parse_catalogue(data)
    assert cat.title_en == "My form" and cat.criteria[0].label("zh") == "Plain text label"


def test_whole_scores_written_as_decimals_are_accepted():
    sc = load_scenario('{"scores": {"known_brand": 7.0, "intangible": 10}}', CAT)
    assert sc.scores == {"known_brand": 7.0, "intangible": 10.0}
