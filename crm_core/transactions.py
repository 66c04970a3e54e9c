"""Transactions: the order model applied to cleaned rows (docs/data-loading.md).

A paid order is a purchase on its payment date for what the customer paid; an order never
paid is not a purchase and is reported under its status; a refund is a return; order fields
written on the first line only are carried to the order's other lines; an order total repeated
on every line is counted once. The arithmetic on kept lines is :mod:`crm_core.orders`.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_core import engine_check
from crm_core import orders as order_model
from crm_core.cleaning import Cleaner, clean_ids
from crm_core.columns import DIMENSIONS, alias_candidates
from crm_core.layouts import status_vocabulary
from crm_core.load_report import CURRENCY_SYMBOLS, Note
from crm_core.parse import MAX_AMOUNT, MAX_YEAR, MIN_YEAR, arrow_cast, is_missing, parse_dates
from crm_core.readers import normalize_header
from crm_core.summarize import duckdb_backend


class TransactionCleaner(Cleaner):
    """:class:`Cleaner` plus the order model: statuses, payments, refunds, order totals."""

    # -- transactions
    def transactions(self) -> tuple[pd.DataFrame, dt.date | None]:
        plain = self._plain_proof()
        if plain is not None:
            return self._plain_transactions(plain)
        self._empty_and_total_rows()
        m, layout = self.mapping, self.found.layout
        if layout is not None:
            self.rules.append(Note("info", "rule.layout", {"layout": layout.key}))
        if "paid_date" in m and "order_date" in m and is_missing(self.frame[m["paid_date"]]).all():
            # a payment-date column with no date at all says nothing: orders are dated by the order
            self.notes.append(Note("warning", "note.paid_blank", {"column": m["paid_date"]}))
            m = self.mapping = {r: c for r, c in m.items() if r != "paid_date"}
        has_orders = "order_id" in m
        if has_orders:
            order_ids, _ = clean_ids(self.frame[m["order_id"]])
        else:
            order_ids = pd.Series(pd.NA, index=self.frame.index, dtype="string")
        # orders as integers: grouping and counting 1M strings again and again cost seconds
        text_keys = order_model.order_keys(order_ids, self.raw.row_numbers)
        keys = pd.Series(pd.factorize(text_keys)[0], index=text_keys.index)
        shared = 0
        if has_orders:
            carry = [m[r] for r in order_model.ORDER_LEVEL if r in m] + list(self.found.id_fallbacks)
            self.frame, carried, shared = order_model.carry_order_fields(self.frame, keys, carry, m["customer_id"])
            self.repairs["order_fields_carried"] = carried
            if shared:
                self.notes.append(Note("warning", "note.order_id_shared", {"column": m["order_id"], "count": shared}))
        order_res = self._parse_dates("order_date") if "order_date" in m else None
        paid_res = self._parse_dates("paid_date") if "paid_date" in m else None
        self._duplicates((order_res or paid_res).values, has_order=bool(order_ids.notna().any()))
        self._ids()
        if shared:  # one order per order id and customer: an id two customers share is two orders
            keys = pd.Series(pd.factorize(text_keys + "\x1f" + self.ids.fillna(""))[0], index=keys.index)
        date, date_col = self._purchase_dates(order_res, paid_res)
        amount = self._line_or_order_amounts()
        refund = self._optional_amount("refund_amount")
        refund_date = self._refund_dates()
        full_refund = self._statuses(keys, paid_res)
        as_of = self._as_of(date)
        self._after(date, as_of, date_col)
        ok = self.ok
        lines = pd.DataFrame(
            {
                "customer_id": self.ids[ok].to_numpy(),
                "order_date": date[ok].to_numpy(),
                "amount": amount[ok].to_numpy(),
                "order_key": keys[ok].to_numpy(),
            }
        )
        if has_orders:
            blank = order_ids[ok].isna().to_numpy()
            self.repairs["order_id_filled"] = int(blank.sum())
            if blank.any():
                self.notes.append(Note("info", "note.order_id_filled", {"count": int(blank.sum())}))
            lines["order_id"] = text_keys[ok].to_numpy()  # the id, or "row N" for a row without one
        for role in (*DIMENSIONS, "currency"):
            if role in m:
                lines[role] = self.frame[m[role]][ok].to_numpy()
        for c in self._extras():
            lines[c] = self.frame[c][ok].to_numpy()
        built = order_model.build(
            lines,
            order_level_amount="order_total" in m and "amount" not in m,
            net_of_refunds=bool(layout and layout.amount_net_of_refunds),
            refund=None if refund is None else pd.Series(refund[ok].to_numpy()),
            full_refund=full_refund[ok],
            refund_date=None if refund_date is None else pd.Series(refund_date[ok].to_numpy()),
        )
        self.totals = built.totals
        if built.totals["refunds_capped"]:
            self.notes.append(Note("warning", "note.refund_capped", {"count": built.totals["refunds_capped"]}))
        self._currency(ok)
        self._interpretation_rules(has_orders)
        return built.transactions.drop(columns="order_key"), as_of

    # -- a file whose ids and orders the engine proved plain (crm_core.engine_check)
    def _plain_proof(self) -> engine_check.Plain | None:
        """The engine's proof that no check of ids, empty, total or duplicate rows, or the
        order model would find anything; None when those checks must run."""
        m, found = self.mapping, self.found
        if not engine_check.eligible(
            self.frame, m, found.layout, found.id_fallbacks, self.options, self.raw.file_format
        ):
            return None
        cursor = duckdb_backend().con.cursor()
        try:
            return engine_check.prove_plain(self.frame, m, cursor)
        finally:
            cursor.close()

    def _plain_dates(self, plain: engine_check.Plain) -> pd.Series | None:
        """Every date read by Arrow's cast, when the query proved them all ISO-shaped; None
        when a cell is not (then the dates are read as usual, and the odd ones reported).
        Where Arrow reads an ISO date the full check's ISO parser reads it alike; it refuses
        the column for an impossible day (Feb 30, 24:00)."""
        if plain.odd_dates:
            return None
        stamps = arrow_cast(self.frame[self.mapping["order_date"]], pa.timestamp("us"))
        if stamps is None:
            return None
        if stamps.min() < np.datetime64(f"{MIN_YEAR}-01-01") or stamps.max() >= np.datetime64(f"{MAX_YEAR + 1}-01-01"):
            return None
        return pd.Series(stamps, index=self.frame.index)

    def _plain_amounts(self) -> pd.Series | None:
        """Every amount read by Arrow's cast (what the full check does with such a column),
        when all are finite and in range; None otherwise (then read as usual)."""
        numbers = arrow_cast(self.frame[self.mapping["amount"]], pa.float64())
        if numbers is None or not (np.abs(numbers) < MAX_AMOUNT).all():  # also NaN and infinity
            return None
        return pd.Series(numbers, index=self.frame.index)

    def _plain_ids(self, touched: np.ndarray | None) -> pd.Series:
        """The ids, those on ``touched`` rows cleaned (their repairs counted) or rejected as
        missing, exactly as :meth:`_ids` does over the whole column."""
        col = self.mapping["customer_id"]
        ids = self.frame[col].astype("string")
        if touched is None:
            return ids
        cleaned, repairs = clean_ids(self.frame[col].iloc[touched], floats=False)  # (the others are not floats)
        ok = self.ok[touched]
        for key, mask in repairs.items():
            self.repairs[key] += int((mask & ok).sum())
        ids = ids.copy()
        ids.iloc[touched] = cleaned.to_numpy()
        self._reject(self._spread(touched, cleaned.isna().to_numpy()), "missing_id", col)
        return ids

    def _plain_transactions(self, plain: engine_check.Plain) -> tuple[pd.DataFrame, dt.date | None]:
        """:meth:`transactions` once the engine proved ids and orders plain: the same rules,
        notes, rejections and rows. What can still find something runs as usual: the id
        warnings when ids start with 0, the dates and amounts when a cell is not plain (the
        column parsers, vectorised), the analysis date."""
        m = self.mapping
        has_orders = "order_id" in m
        col = m["customer_id"]
        touched = None  # the rows of ids to clean or reject: only they can be empty or total lines
        if plain.touched_ids:
            touched = np.flatnonzero(self.frame[col].isin(plain.touched_ids).to_numpy())
            self._empty_and_total_rows(touched)
        dates = self._plain_dates(plain)
        read = None if dates is not None else self._parse_dates("order_date")  # (its notes come first)
        self.ids = self._plain_ids(touched)
        if touched is not None or plain.suspect_ids or (not has_orders and plain.customers == plain.rows):
            self._id_warnings(self.ids, col)
        if read is not None:
            self._reject(read.failed, "bad_date", m["order_date"])
            dates = read.values
        self.rules.append(Note("info", "rule.date_one", {"column": m["order_date"]}))
        amount = self._plain_amounts()
        if amount is None:
            amount = self._amounts("amount", "bad_amount")
        self.rules.append(Note("info", "rule.amount_line", {"column": m["amount"]}))
        as_of = self._as_of(dates)
        self._after(dates, as_of, m["order_date"])
        ok = self.ok
        everything = bool(ok.all())

        def kept(s: pd.Series):  # the column itself (no copy into Python strings) when all is kept
            return s.array if everything else s[ok].to_numpy()

        ids = kept(self.frame[col]) if touched is None else self.ids[ok].to_numpy()
        columns = {"customer_id": ids, "order_date": kept(dates), "amount": kept(amount)}
        lines = pd.DataFrame(columns, copy=False)
        if has_orders:
            self.repairs["order_id_filled"] = 0
            lines["order_id"] = kept(self.frame[m["order_id"]])
            self.orders_unique = plain.orders == plain.rows
        for role in DIMENSIONS:
            if role in m:
                lines[role] = kept(self.frame[m[role]])
        for c in self._extras():
            lines[c] = kept(self.frame[c])
        values = lines["amount"].to_numpy()
        if everything and plain.orders == plain.rows and touched is None:  # counts from the proof
            self.totals = order_model.totals_of(
                values, plain.orders, int((values > 0).sum()), int((values < 0).sum()), plain.customers
            )
        else:
            keys = lines["order_id"] if has_orders else pd.Series(np.arange(len(lines)))
            keyed = lines.assign(order_key=keys)
            self.totals = order_model._totals(keyed, keyed, lines["amount"], 0.0, 0, 0)
        self._currency(ok)
        self._interpretation_rules(has_orders)
        return lines, as_of

    def _refund_dates(self) -> pd.Series | None:
        """Refund dates where the export has them; an unreadable one falls back to the purchase date."""
        m = self.mapping
        if "refund_date" not in m:
            return None
        res = parse_dates(self.frame[m["refund_date"]], self.options.date_order, self.raw.file_format == "excel")
        unreadable = int((res.failed & ~is_missing(self.frame[m["refund_date"]]) & self.ok).sum())
        if unreadable:
            self.notes.append(
                Note("warning", "note.refund_date_unreadable", {"column": m["refund_date"], "count": unreadable})
            )
        return res.values

    def _purchase_dates(self, order_res, paid_res) -> tuple[pd.Series, str]:
        """A purchase is dated by its payment when the export has one, else by the order."""
        m = self.mapping
        if paid_res is not None and order_res is not None:
            present = ~is_missing(self.frame[m["paid_date"]])
            self._reject(present & paid_res.failed, "bad_date", m["paid_date"])
            self._reject(order_res.failed & paid_res.failed, "bad_date", m["order_date"])
            date = paid_res.values.where(paid_res.values.notna(), order_res.values)
            self.rules.append(Note("info", "rule.date_paid", {"paid": m["paid_date"], "order": m["order_date"]}))
            col = m["paid_date"]
        else:
            res, role = (paid_res, "paid_date") if paid_res is not None else (order_res, "order_date")
            present = ~is_missing(self.frame[m[role]])
            # a blank payment date is an unpaid order (rejected as not paid below), not a bad date
            self._reject(res.failed & (present if role == "paid_date" else True), "bad_date", m[role])
            date, col = res.values, m[role]
            self.rules.append(Note("info", "rule.date_one", {"column": col}))
        for role in ("order_date", "paid_date"):
            if role in m:
                self._count_serial_dates(m[role])
        return date, col

    def _line_or_order_amounts(self) -> pd.Series:
        """What each line contributes: the order total, the line amount, or quantity × price."""
        m = self.mapping
        if "amount" in m:
            amount = self._amounts("amount", "bad_amount")
            self.rules.append(Note("info", "rule.amount_line", {"column": m["amount"]}))
        elif "order_total" in m:
            amount = self._amounts("order_total", "bad_amount")
            self.rules.append(Note("info", "rule.amount_order", {"column": m["order_total"]}))
        else:
            qty = self._amounts("quantity", "bad_amount")
            price = self._amounts("unit_price", "bad_amount")
            amount = qty * price
            self.rules.append(
                Note("info", "rule.amount_qty_price", {"quantity": m["quantity"], "price": m["unit_price"]})
            )
        if "discount" in m and "order_total" not in m:
            discount = self._optional_amount("discount")
            amount = amount - discount.fillna(0.0).abs()
            self.rules.append(Note("info", "rule.discount", {"column": m["discount"]}))
        return amount

    def _optional_amount(self, role: str) -> pd.Series | None:
        """An amount column that may be blank (blank = 0); unreadable cells reject the row."""
        if role not in self.mapping:
            return None
        res = self._parse_amounts(role)
        present = ~is_missing(self.frame[self.mapping[role]])
        self._reject(present & res.failed, "bad_amount", self.mapping[role])
        return res.values.fillna(0.0)

    def _statuses(self, keys: pd.Series, paid_res) -> np.ndarray:
        """Reject orders that are not purchases; return the rows refunded in full by status."""
        m, layout = self.mapping, self.found.layout
        n = len(self.frame)
        if "status" in m:
            vocab = layout.statuses if layout is not None else status_vocabulary()
            decision = order_model.classify(self.frame[m["status"]], vocab, self.options.purchase_statuses)
            cls = decision.cls
            blank = int(((cls == "") & self.ok).sum())
            if blank:
                self.notes.append(Note("warning", "note.status_blank", {"column": m["status"], "count": blank}))
        else:
            cls = np.full(n, "", dtype=object)
            decision = None
        before = self.ok.copy()
        self._reject(cls == "excluded", "status_excluded", m.get("status", ""))
        closed = cls == "closed"
        if paid_res is not None:
            paid = ~is_missing(self.frame[m["paid_date"]])
            paid |= cls == "chosen"  # statuses the user added count without a payment date
            self.rules.append(Note("info", "rule.paid_only", {"column": m["paid_date"]}))
            self._reject(~paid, "not_paid", m["paid_date"])
        else:
            self._reject(closed, "status_excluded", m.get("status", ""))
        if decision is not None:
            self.statuses = order_model.status_table(
                self.frame[m["status"]][before], keys[before], cls[before], self.ok[before]
            )
            counted = self.statuses[self.statuses["counted"]]["status"].tolist()
            self.rules.append(Note("info", "rule.statuses", {"column": m["status"], "statuses": ", ".join(counted)}))
            if decision.unknown_values:
                self.notes.append(
                    Note(
                        "warning",
                        "note.status_unknown",
                        {"column": m["status"], "values": ", ".join(decision.unknown_values[:10])},
                    )
                )
        left_out = before & ~self.ok & np.isin(self.reason, ("status_excluded", "not_paid"))
        if left_out.any():
            label = self.frame[m["status"]].astype("string").str.strip().fillna("") if "status" in m else None
            frame = pd.DataFrame({"key": keys[left_out].to_numpy(), "reason": self.reason[left_out]})
            frame["status"] = label[left_out].to_numpy() if label is not None else ""
            first = frame.drop_duplicates("key")
            sizes = first.groupby(["status", "reason"]).size()
            self.excluded = {(s or reason): int(count) for (s, reason), count in sizes.items()}
        return (cls == "refunded") | closed

    def _currency(self, ok: np.ndarray) -> None:
        m = self.mapping
        if self.currency is not None:
            return
        if "currency" in m:
            values = self.frame[m["currency"]][ok].astype("string").str.strip().str.upper().dropna()
            values = values[values != ""]
            if len(values):
                counts = values.value_counts()
                self.currency = str(counts.index[0])
                if len(counts) > 1:
                    self.notes.append(
                        Note(
                            "warning",
                            "note.mixed_currency",
                            {"column": m["currency"], "currencies": ", ".join(counts.index[:5])},
                        )
                    )
                return
        role = next((r for r in ("amount", "order_total", "unit_price") if r in m), None)
        if role is None:
            return
        sample = self.frame[m[role]][ok].head(2000).astype("string").str.lower().dropna()
        for symbol, code in CURRENCY_SYMBOLS.items():
            if sample.str.contains(symbol, regex=False).any():
                self.currency = code
                return

    def _interpretation_rules(self, has_orders: bool) -> None:
        m = self.mapping
        if has_orders:
            self.rules.append(Note("info", "rule.frequency_orders", {"column": m["order_id"]}))
        else:
            self.rules.append(Note("info", "rule.frequency_rows", {}))
        if "refund_amount" in m:
            layout = self.found.layout
            key = "rule.refunds_net" if layout is not None and layout.amount_net_of_refunds else "rule.refunds"
            self.rules.append(Note("info", key, {"column": m["refund_amount"]}))
        used = m.get("amount") or m.get("order_total")
        layout, columns = self.found.layout, list(self.frame.columns)
        if layout is not None:  # the layout knows its export's other amounts
            keys = {normalize_header(a) for a in layout.alternatives}
            others = [c for c in columns if normalize_header(c) in keys]
        else:
            others = [c for role in ("amount", "order_total") for c in alias_candidates(columns, role)]
        others = [c for c in dict.fromkeys(others) if c not in m.values()]
        if used and others:
            self.notes.append(
                Note("warning", "note.amount_candidates", {"used": used, "others": ", ".join(others[:5])})
            )
        if "amount" in m and re.search(r"price|单价|价格", m["amount"], re.IGNORECASE):
            self.notes.append(Note("warning", "note.amount_is_price", {"column": m["amount"]}))
        picks = [(r, m[r]) for r in self.found.guessed if r in m]
        if picks:
            self.notes.append(Note("warning", "note.guessed", {"picks": picks}))
