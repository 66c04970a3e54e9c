"""Campaign lists: the end of an analysis, handed to a CRM or e-mail tool (issue 16).

A list holds the customers of the chosen segments with their segment, key figures, the
segment's recommended action and the channel and timing the manager set per segment, plus
the contact columns the upload carried (e-mail, phone …: taken from the data, never made up).
The summary sheet gives per segment the customers, their spend so far, and the expected
revenue of the campaign = customers × expected response rate × the segment's average spend
per purchase (the rate is the manager's assumption, shown beside it).
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

# headers of contact columns in exports (Shopify Email/Phone, 有赞 手机号, 会员手机号, WooCommerce billing_email …)
CONTACT = re.compile(r"e-?mail|phone|mobile|tel\b|wechat|whatsapp|邮箱|手机|电话|微信", re.IGNORECASE)
PLAN_COLUMNS = ["segment", "label", "channel", "timing", "response_pct"]


def migration_cells(migrated: pd.DataFrame, new_key: str = "_new") -> tuple[pd.DataFrame, np.ndarray]:
    """The customers of a migration (``crm_core.overtime.combine``'s table) for a campaign:
    their figures at date B (``customer_id, recency_days, frequency, monetary, avg_spend``)
    and each one's cell key ``FROM→TO`` (``new_key`` for a customer new since A)."""
    start = migrated["segment_from"].astype(str).replace("", new_key)
    frame = pd.DataFrame(
        {
            "customer_id": migrated["customer_id"].to_numpy(),
            "recency_days": migrated["recency_to"].to_numpy(),
            "frequency": migrated["frequency_to"].to_numpy(),
            "monetary": migrated["monetary_to"].to_numpy(),
        }
    )
    frame["avg_spend"] = frame["monetary"] / frame["frequency"].where(frame["frequency"] > 0)
    return frame, (start + "→" + migrated["segment_to"].astype(str)).to_numpy(dtype=object)


def contact_columns(transactions: pd.DataFrame | None, customers: pd.DataFrame | None = None) -> list[str]:
    """Columns of the upload that hold a way to reach the customer (by their header)."""
    cols = [] if transactions is None else list(transactions.columns)
    cols += [] if customers is None else [c for c in customers.columns if c not in cols]
    return [str(c) for c in cols if c != "customer_id" and CONTACT.search(str(c))]


def contacts(transactions: pd.DataFrame | None, customers: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per customer, the latest non-empty value of each contact column (``customer_id`` + columns)."""
    out = customers[["customer_id"]].copy()
    if not columns:
        return out
    if transactions is None:
        return out.join(customers[columns])
    tx = transactions.sort_values("order_date", kind="stable")
    for col in columns:
        values = tx[col].astype("string").str.strip().replace("", pd.NA)
        latest = values.groupby(tx["customer_id"].astype("string")).last()  # last non-empty
        out[col] = out["customer_id"].astype("string").map(latest)
    return out


def campaign_list(
    customers: pd.DataFrame, segments: pd.Series, plan: pd.DataFrame, actions: dict, reach: pd.DataFrame
) -> pd.DataFrame:
    """The customers of the segments in ``plan`` (``customers`` with ``segments`` beside them,
    same order): ``customer_id, segment, segment_label, recency_days, frequency, monetary,
    avg_spend, action, channel, timing`` and the contact columns of ``reach``."""
    chosen = plan.set_index("segment")
    frame = customers.assign(segment=segments.to_numpy())
    frame = frame[frame["segment"].isin(chosen.index)]
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "segment": frame["segment"].to_numpy(),
            "segment_label": frame["segment"].map(chosen["label"]).to_numpy(),
            "recency_days": frame["recency_days"].to_numpy(),
            "frequency": frame["frequency"].to_numpy(),
            "monetary": frame["monetary"].to_numpy(),
            "avg_spend": frame["avg_spend"].to_numpy(),
            "action": frame["segment"].map(actions).to_numpy(),
            "channel": frame["segment"].map(chosen["channel"]).to_numpy(),
            "timing": frame["segment"].map(chosen["timing"]).to_numpy(),
        }
    )
    extra = [c for c in reach.columns if c != "customer_id"]
    if extra:
        out = out.merge(reach, on="customer_id", how="left")
    return out


def campaign_summary(listing: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """Per segment of the plan: customers, spend so far, average spend per purchase, the
    response rate assumed and the expected revenue; a total row last."""
    g = listing.groupby("segment")
    rows = []
    for _, p in plan.iterrows():
        n = int(g.size().get(p["segment"], 0))
        spend = float(g["monetary"].sum().get(p["segment"], 0.0))
        purchases = float(g["frequency"].sum().get(p["segment"], 0))
        per_purchase = spend / purchases if purchases else 0.0
        rate = float(p["response_pct"]) / 100
        rows.append(
            {
                "segment": p["segment"],
                "label": p["label"],
                "channel": p["channel"],
                "timing": p["timing"],
                "customers": n,
                "spend_so_far": round(spend, 2),
                "spend_per_purchase": round(per_purchase, 2),
                "response_pct": float(p["response_pct"]),
                "expected_revenue": round(n * rate * per_purchase, 2),
            }
        )
    out = pd.DataFrame(rows)
    if not out.empty:
        total = {"segment": "total", "label": "", "channel": "", "timing": ""}
        total.update({c: out[c].sum() for c in ("customers", "spend_so_far", "expected_revenue")})
        out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    return out


def to_campaign_excel(listing: pd.DataFrame, summary: pd.DataFrame, header: list[str]) -> bytes:
    """A workbook for the manager: the summary sheet (with the scope and date above it), then
    the list; every text cell formula-safe."""
    from crm_core.export import excel_text, safe_frame, safe_text

    cell = lambda v: excel_text(safe_text(v))  # noqa: E731
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        note = pd.DataFrame({"": [cell(h) for h in header]})
        note.to_excel(xl, sheet_name="summary", index=False, header=False)
        safe_frame(summary, cell).to_excel(xl, sheet_name="summary", index=False, startrow=len(header) + 1)
        safe_frame(listing, cell).to_excel(xl, sheet_name="customers", index=False)
    return buf.getvalue()
