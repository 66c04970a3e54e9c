"""Key-account matrix on its boundaries, satisfaction, growth matrix, walkthrough, quiz."""

import pandas as pd
import pytest

from crm_core.classroom import growth_matrix, key_accounts, quiz, satisfaction, weighted_score
from crm_core.errors import CrmError


@pytest.mark.parametrize(
    ("a", "s", "quadrant"),
    [
        (9, 9, "key"),
        (9, 1, "key_development"),
        (1, 9, "maintenance"),
        (1, 1, "opportunistic"),
        (5, 5, "key"),
        (4.99, 5, "maintenance"),
        (5, 4.99, "key_development"),
        (0, 0, "opportunistic"),
        (10, 10, "key"),
    ],
)
def test_key_account_quadrants_on_their_boundaries(a, s, quadrant):
    frame = pd.DataFrame({"account_id": ["x"], "attractiveness": [a], "strength": [s]})
    assert key_accounts(frame)["quadrant"].iloc[0] == quadrant


def test_key_accounts_split_is_adjustable_and_scores_are_checked():
    frame = pd.DataFrame({"account_id": ["x"], "attractiveness": [6], "strength": [6]})
    assert key_accounts(frame, 7, 7)["quadrant"].iloc[0] == "opportunistic"
    with pytest.raises(CrmError) as err:
        key_accounts(pd.DataFrame({"account_id": ["x"], "attractiveness": [11], "strength": [5]}))
    assert err.value.key == "error.account_score"


def test_weighted_criteria():
    scores = pd.DataFrame({"size": [10, 0], "growth": [0, 10]})
    assert weighted_score(scores, {"size": 3, "growth": 1}).tolist() == [7.5, 2.5]


def test_satisfaction_formula():
    out = satisfaction(pd.DataFrame({"expectation": [8, 10, 0], "perceived": [10, 5, 3]}))
    assert out["satisfaction_pct"].iloc[:2].tolist() == [125.0, 50.0] and pd.isna(out["satisfaction_pct"].iloc[2])
    assert out["below_100"].tolist() == [False, True, False]


def test_growth_matrix_cells():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b", "c"],
            "category": ["x", "x", "y", "x", "z"],
            "order_date": pd.to_datetime(["2024-01-05", "2024-04-05", "2024-04-06", "2024-04-07", "2024-04-08"]),
            "amount": [10.0, 20.0, 30.0, 40.0, 50.0],
        }
    )
    out = growth_matrix(tx, "category").set_index(["period", "cell"])["revenue"]
    q2 = out.loc["2024Q2"]
    assert q2.to_dict() == {"loyalty": 20.0, "expansion": 30.0, "acquisition": 40.0, "diversification": 50.0}
    shares = growth_matrix(tx, "category").groupby("period")["share_pct"].sum()
    assert shares.round(6).tolist() == [100.0, 100.0]


def test_model_answers_and_quiz_on_the_classroom_table():
    from crm_core.classroom import model_answers
    from crm_core.demo import load_demo
    from crm_core.rfm import RfmParams, rfm

    c = load_demo("classroom").customers
    segments, means = model_answers(c, "rfm8")
    assert means["F"] == pytest.approx(88 / 15)  # the course table: 88 purchases by 15 customers
    assert segments.tolist() == rfm(c, RfmParams(), "cn8")["segment"].tolist()
    types, _ = model_answers(c, "value_matrix")
    high_f = c["frequency"] >= c["frequency"].mean()
    high_s = c["avg_spend"] >= c["avg_spend"].mean()
    names = {(True, True): "premium", (False, True): "spender", (True, False): "frequent", (False, False): "uncertain"}
    expected = [names[(f, s)] for f, s in zip(high_f, high_s, strict=True)]
    assert types.tolist() == expected
    answers = rfm(c, RfmParams(), "cn8")["segment"]
    q = quiz(c, answers, n=5, seed=1)
    assert len(q) == 5 and len({x["customer_id"] for x in q}) == 5
    lookup = dict(zip(c["customer_id"], answers, strict=True))
    assert all(x["answer"] == lookup[x["customer_id"]] for x in q)


def test_handouts_are_readable_pngs():
    import shutil

    if shutil.which("chromium") is None and not __import__("os").environ.get("CI"):
        pytest.skip("PNG export needs Chromium")
    import io

    from PIL import Image

    from crm_core.demo import load_demo
    from ui import classroom as classroom_view

    c = load_demo("classroom").customers
    for model in ("rfm8", "value_matrix", "lifecycle"):
        for lang in ("zh", "en"):
            png = classroom_view.handout_png(lang, model, c)
            image = Image.open(io.BytesIO(png))
            assert image.format == "PNG" and image.size[0] >= 1000 and image.size[1] >= 300
            # not blank: the table draws text in many colours of grey
            assert len(set(image.convert("L").getdata())) > 20
