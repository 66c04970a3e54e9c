"""Campaign lists: contacts taken from the upload (never made up), the list of the chosen
segments, the summary's expected revenue worked out here, and a formula-safe workbook."""

import io

import openpyxl
import pandas as pd
import pytest

from crm_core import campaign
from crm_core.summarize import summarize

TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b", "c", "c", "d"],
        "order_date": pd.to_datetime(
            ["2024-01-01", "2024-03-01", "2024-02-01", "2024-01-05", "2024-02-05", "2024-03-03"]
        ),
        "amount": [100.0, 50.0, 30.0, 10.0, 20.0, 500.0],
        "Email": ["old@a.cn", "new@a.cn", "", "c@c.cn", None, '=HYPERLINK("x")'],
        "手机号": ["13800000001", "", "13800000002", None, "13800000003", "13800000004"],
        "store": ["HZ", "HZ", "NB", "HZ", "NB", "HZ"],
    }
)


def test_contact_columns_are_found_by_header_and_the_latest_non_empty_value_is_kept():
    assert campaign.contact_columns(TX) == ["Email", "手机号"]
    assert campaign.contact_columns(TX[["customer_id", "order_date", "amount", "store"]]) == []
    customers = summarize(TX)
    got = campaign.contacts(TX, customers, ["Email", "手机号"]).set_index("customer_id")
    assert got.loc["a", "Email"] == "new@a.cn"  # the later one
    assert got.loc["a", "手机号"] == "13800000001"  # the later one is empty: the last non-empty
    assert pd.isna(got.loc["b", "Email"])  # nothing given: nothing made up
    assert got.loc["c", "Email"] == "c@c.cn" and got.loc["c", "手机号"] == "13800000003"


def test_list_and_summary():
    customers = summarize(TX)
    segments = pd.Series(["vip" if m >= 100 else "rest" for m in customers["monetary"]])
    plan = pd.DataFrame(
        {"segment": ["vip"], "label": ["VIP"], "channel": ["SMS"], "timing": ["next week"], "response_pct": [10.0]}
    )
    reach = campaign.contacts(TX, customers, campaign.contact_columns(TX))
    listing = campaign.campaign_list(customers, segments, plan, {"vip": "thank them", "rest": "-"}, reach)
    vip = customers[customers["monetary"] >= 100]
    assert sorted(listing["customer_id"]) == sorted(vip["customer_id"])
    assert set(listing["channel"]) == {"SMS"} and set(listing["action"]) == {"thank them"}
    assert list(listing.columns[-2:]) == ["Email", "手机号"]
    summary = campaign.campaign_summary(listing, plan)
    per_purchase = vip["monetary"].sum() / vip["frequency"].sum()
    row = summary.iloc[0]
    assert row["customers"] == len(vip) and row["spend_so_far"] == pytest.approx(vip["monetary"].sum())
    assert row["expected_revenue"] == pytest.approx(len(vip) * 0.10 * per_purchase, abs=0.01)
    assert summary.iloc[-1]["segment"] == "total" and summary.iloc[-1]["customers"] == len(vip)
    book = openpyxl.load_workbook(io.BytesIO(campaign.to_campaign_excel(listing, summary, ["=1+1 title"])))
    assert book.sheetnames == ["summary", "customers"]
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # the =HYPERLINK e-mail and the header stay text
    assert book["summary"]["A1"].value == "'=1+1 title"
    emails = [c.value for c in book["customers"]["K"]]
    assert '\'=HYPERLINK("x")' in emails


def test_a_campaign_on_migration_cells_lists_that_cells_customers_with_their_figures_at_b(demo_result):
    import datetime as dt

    from crm_core import overtime
    from crm_core.segments import builtin

    tx = demo_result.transactions
    a, b = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    mig = overtime.migration(tx, a, b, builtin("cn8"))
    at_b, keys = campaign.migration_cells(mig.customers, "_new")
    moved = mig.customers[mig.customers["move"] == "down"]
    busiest = moved.groupby(["segment_from", "segment_to"], observed=True).size().idxmax()
    cell = f"{busiest[0]}→{busiest[1]}"
    plan = pd.DataFrame([{"segment": cell, "label": "down", "channel": "SMS", "timing": "now", "response_pct": 10.0}])
    listing = campaign.campaign_list(at_b, pd.Series(keys), plan, {cell: "win back"}, at_b[["customer_id"]])
    expected = moved[(moved["segment_from"] == busiest[0]) & (moved["segment_to"] == busiest[1])]["customer_id"]
    assert sorted(listing["customer_id"]) == sorted(expected) and len(listing) > 0
    up_to_b = tx[tx["order_date"].dt.normalize() <= pd.Timestamp(b)]  # their figures at B, worked out here
    net = up_to_b.groupby("customer_id")["amount"].sum()
    got = listing.set_index("customer_id")
    assert got["monetary"].to_numpy() == pytest.approx(net.reindex(got.index).to_numpy())
    assert (got["action"] == "win back").all() and (got["channel"] == "SMS").all()
    new = keys[mig.customers["move"].to_numpy() == "new"]
    assert len(new) and all(k.startswith("_new→") for k in new)  # new since A: a row of its own
