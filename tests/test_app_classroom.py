"""AppTest of the classroom page: a walkthrough to its last step, the quiz to its score."""

from conftest import open_app


def page(lang="en", **params):
    return open_app("pages/classroom.py", lang, **params)


def test_walkthrough_to_the_last_step_for_each_model():
    at = page()
    for model, answers in (
        ("rfm8", {"Important value"}),
        ("value_matrix", {"Spender 消费型", "Frequent 经常型"}),
        ("lifecycle", {"4 · high value, high potential"}),
    ):
        at.selectbox(key="wt_model").set_value(model).run()
        assert "Step 1 of 4" in at.get("progress")[0].proto.text
        for _ in range(3):
            at.button(key="wt_next").click().run()
        assert not at.exception
        assert "Step 4 of 4" in at.get("progress")[0].proto.text
        assert at.button(key="wt_next").disabled
        final = at.dataframe[-1].value
        assert len(final) == 15 and answers <= set(final["answer"]) and "strategy" in final.columns


def test_quiz_to_its_score():
    at = page()
    at.radio(key="cls_view").set_value("quiz").run()
    at.selectbox(key="quiz_model").set_value("value_matrix").run()
    # answer every question with the right key (taken from the model, as a student would work it out)
    import numpy as np

    from crm_core.demo import load_demo
    from crm_core.value_matrix import TYPES, type_codes

    c = load_demo("classroom").customers
    f, s = c["frequency"].to_numpy(float), c["avg_spend"].to_numpy(float)
    right = dict(zip(c["customer_id"], np.asarray(TYPES)[type_codes(f, s, f.mean(), s.mean())], strict=True))
    questions = [md.value for md in at.markdown if md.value.startswith("**")]
    ids = [q.split("**")[1].split(". ", 1)[1].replace("\\\\", "") for q in questions]
    assert len(ids) == 5
    for i, cid in enumerate(ids[:-1]):
        at.radio(key=f"quiz_q{i}").set_value(right[cid]).run()
    wrong = next(k for k in TYPES if k != right[ids[-1]])
    at.radio(key="quiz_q4").set_value(wrong).run()
    assert not at.exception
    assert next(m.value for m in at.metric if m.label == "Your score") == "4 / 5"
    assert len(at.success) == 4 and len(at.error) == 1


def test_key_accounts_satisfaction_and_growth_views():
    at = page("zh", cls_view="key_accounts")
    out = at.dataframe[-1].value
    assert dict(zip(out["account_id"], out["quadrant"], strict=True))["Alpha"] == "key"
    at.radio(key="cls_view").set_value("satisfaction").run()
    sat = at.dataframe[1].value
    assert sat["satisfaction_pct"].round(1).tolist()[:2] == [112.5, 77.8]
    at.radio(key="cls_view").set_value("growth").run()
    assert not at.exception and not at.info  # the demo data has a category column


def test_key_accounts_from_weighted_criteria():
    at = page("en", cls_view="key_accounts")
    at.radio(key="ka_mode").set_value("criteria").run()
    assert not at.exception and not at.error
    out = at.dataframe[-1].value
    assert len(out) == 6 and set(out["quadrant"]) <= {"key", "key_development", "maintenance", "opportunistic"}
    assert ((out["attractiveness"] >= 0) & (out["attractiveness"] <= 10)).all()
    assert any("weighted means" in c.value for c in at.caption)
