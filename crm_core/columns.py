"""Which column plays which role: auto-detection from English and Chinese headers.

The alias table is data, so a new export format is one line here (and a test row).
"""

from __future__ import annotations

from crm_core.readers import normalize_header

TRANSACTIONS = "transactions"
CUSTOMERS = "customers"
KINDS = (TRANSACTIONS, CUSTOMERS)

# role → headers it is recognised by (compared after normalize_header).
ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id",
        "customerid",
        "customer",
        "cust_id",
        "custid",
        "client_id",
        "member_id",
        "user_id",
        "buyer_id",
        "customer_no",
        "customer_code",
        "客户编号",
        "客户ID",
        "客户id",
        "客户号",
        "客户代码",
        "客户编码",
        "客户",
        "会员号",
        "会员编号",
        "会员ID",
        "会员卡号",
        "用户ID",
        "用户编号",
        "顾客编号",
        "顾客ID",
        "买家ID",
        "买家编号",
        "客户名称",
        "顾客",
        "购货单位",
        "买家会员名",
        "买家昵称",
        "买家账号",
        "下单帐号",
        "下单账号",
        "会员手机号",
        "会员",
        "email",
        "customer_email",
        "billing_email",
        "e_mail",
        "邮箱",
        "buyer",
        "id",
    ),
    "order_date": (
        "order_date",
        "date",
        "transaction_date",
        "purchase_date",
        "invoice_date",
        "invoicedate",
        "order_time",
        "created_at",
        "交易日期",
        "订单日期",
        "下单时间",
        "下单日期",
        "购买日期",
        "购买时间",
        "消费日期",
        "消费时间",
        "交易时间",
        "成交日期",
        "成交时间",
        "单据日期",
        "订单创建时间",
        "创建时间",
        "日期",
    ),
    "amount": (
        "amount",
        "sales",
        "revenue",
        "order_amount",
        "order_value",
        "payment",
        "paid",
        "total",
        "value",
        "line_total",
        "交易金额",
        "消费金额",
        "实付金额",
        "订单金额",
        "支付金额",
        "付款金额",
        "实收金额",
        "成交金额",
        "销售额",
        "销售金额",
        "价税合计",
        "金额",
    ),
    "order_id": (
        "order_id",
        "orderid",
        "order_no",
        "order",
        "invoice",
        "invoice_no",
        "invoiceno",
        "transaction_id",
        "订单号",
        "订单编号",
        "订单ID",
        "交易单号",
        "交易编号",
        "单号",
        "流水号",
        "单据编号",
        "单据编码",
        "发票号",
    ),
    "paid_date": (
        "paid_at",
        "payment_date",
        "date_paid",
        "paid_date",
        "付款时间",
        "支付时间",
        "订单付款时间",
        "付款日期",
    ),
    "status": (
        "status",
        "order_status",
        "financial_status",
        "payment_status",
        "订单状态",
        "交易状态",
        "状态",
    ),
    "quantity": ("quantity", "qty", "units", "数量", "购买数量", "商品数量", "实发数量", "出库数量", "销售数量"),
    "unit_price": ("unit_price", "unitprice", "price", "单价", "含税单价", "商品单价", "销售单价"),
    "discount": ("discount", "discount_amount", "折扣", "优惠金额", "折扣金额"),
    "order_total": (
        "order_total",
        "grand_total",
        "total_paid",
        "订单实付金额",
        "买家实际支付金额",
        "实付款",
        "应付金额",
    ),
    "refund_amount": ("refund_amount", "refunded_amount", "refunded_total", "refund", "退款金额", "退款"),
    "refund_date": ("refund_date", "refunded_at", "退款时间", "退款日期"),
    "currency": ("currency", "order_currency", "币种", "币别", "结算币别"),
    "store": ("store", "shop", "store_name", "门店", "店铺", "店铺名称", "门店名称"),
    "channel": ("channel", "sales_channel", "source", "渠道", "销售渠道", "订单来源"),
    "region": ("region", "country", "province", "city", "地区", "区域", "省份", "城市", "国家"),
    "category": ("category", "product_category", "类别", "品类", "商品类别", "存货类别", "物料分组"),
    "product": ("product", "product_name", "description", "商品名称", "宝贝标题", "物料名称", "存货名称"),
    "last_purchase": (
        "last_purchase",
        "last_purchase_date",
        "last_order_date",
        "last_order",
        "最近一次消费时间",
        "最近一次消费日期",
        "最近一次购买时间",
        "最近一次购买日期",
        "最近购买日期",
        "最近消费日期",
        "最后购买日期",
        "最后消费时间",
        "最后消费日期",
        "最近消费时间",
    ),
    "recency_days": (
        "recency_days",
        "recency",
        "days_since_last_purchase",
        "days_since_last_order",
        "r",
        "最近一次消费天数",
        "距今天数",
        "最近消费间隔",
        "最近一次消费间隔",
        "最近一次消费距今天数",
        "R值",
        "近度",
    ),
    "frequency": (
        "frequency",
        "freq",
        "orders",
        "order_count",
        "purchases",
        "num_orders",
        "n_orders",
        "f",
        "消费频率",
        "购买次数",
        "消费次数",
        "订单数",
        "交易次数",
        "购买频率",
        "F值",
        "频度",
    ),
    "monetary": (
        "monetary",
        "monetary_value",
        "total_spend",
        "total_amount",
        "spend",
        "m",
        "消费金额合计",
        "累计消费金额",
        "消费总额",
        "总金额",
        "累计金额",
        "消费总金额",
        "M值",
        "消费金额",
        "金额",
        "总消费",
    ),
}

# Transaction roles: the three the analyses need, then what real exports carry (rules in
# docs/data-loading.md). ``order_total`` is an order-level amount, counted once per order.
DIMENSIONS = ("store", "channel", "region", "category", "product")
ROLES = {
    TRANSACTIONS: (
        "customer_id",
        "order_date",
        "amount",
        "order_id",
        "paid_date",
        "status",
        "quantity",
        "unit_price",
        "discount",
        "order_total",
        "refund_amount",
        "refund_date",
        "currency",
        *DIMENSIONS,
    ),
    CUSTOMERS: ("customer_id", "last_purchase", "recency_days", "frequency", "monetary"),
}
# Headers that name a role only when no better column does: a bare "id" may be an order's id,
# a "price" a unit price, a "total" an order total, a "date" any date.
WEAK = {"id", "price", "total", "value", "date", "日期", "金额", "paid", "payment", "状态", "status", "source"}
REQUIRED = {
    TRANSACTIONS: ("customer_id", "order_date", "amount"),
    CUSTOMERS: ("customer_id", "frequency", "monetary"),
}
_KEYS = {role: [normalize_header(a) for a in aliases] for role, aliases in ALIASES.items()}
_WEAK_KEYS = {normalize_header(w) for w in WEAK}


def detect_columns(columns: list[str], kind: str) -> dict[str, str]:
    """role → column for ``kind``: strong aliases (exact, then contained) before weak ones.

    A weak alias (:data:`WEAK`, e.g. a bare ``id`` or ``price``) is taken only when no strong
    alias of that role matched: ``Email`` beats ``Id`` as the customer.
    """
    keys = {c: normalize_header(c) for c in columns}
    found: dict[str, str] = {}
    for weak, exact in ((False, True), (False, False), (True, True), (True, False)):
        for role in ROLES[kind]:
            if role in found:
                continue
            for alias in _KEYS[role]:
                if (alias in _WEAK_KEYS) != weak:
                    continue
                hits = [
                    c
                    for c, k in keys.items()
                    if c not in found.values() and (k == alias if exact else _contains(k, alias))
                ]
                if hits:
                    found[role] = hits[0]
                    break
    return found


def is_strong_match(column: str, role: str) -> bool:
    """True when ``column``'s header is exactly a strong alias of ``role`` (not a guess)."""
    key = normalize_header(column)
    return key in _KEYS.get(role, ()) and key not in _WEAK_KEYS


def alias_candidates(columns: list[str], role: str) -> list[str]:
    """Every column whose header names ``role`` by a strong alias (exactly or contained)."""
    strong = [a for a in _KEYS[role] if a not in _WEAK_KEYS]
    keys = {c: normalize_header(c) for c in columns}
    return [c for c, k in keys.items() if any(k == a or _contains(k, a) for a in strong)]


def _contains(header: str, alias: str) -> bool:
    # Short ASCII aliases ("id", "date") would match inside unrelated headers ("order_id").
    return len(alias) >= (4 if alias.isascii() else 2) and alias in header


def detect_kind(columns: list[str]) -> str:
    """A customer table when its headers name frequency, monetary and recency or a last date."""
    found = detect_columns(columns, CUSTOMERS)
    has_when = "last_purchase" in found or "recency_days" in found
    complete = has_when and all(r in found for r in REQUIRED[CUSTOMERS])
    # A transaction file with an amount column also matches "monetary": a date of purchase
    # rather than a last-purchase date keeps it a transaction file.
    dated = "order_date" in detect_columns(columns, TRANSACTIONS) and "last_purchase" not in found
    return CUSTOMERS if complete and not dated else TRANSACTIONS


def missing_roles(mapping: dict[str, str], kind: str) -> list[str]:
    """Required roles not mapped (for a customer table, recency or last purchase is required).

    Transactions need a date (order or payment) and an amount: a line amount, an order
    total, or quantity and unit price.
    """
    if kind == TRANSACTIONS:
        missing = [] if "customer_id" in mapping else ["customer_id"]
        if "order_date" not in mapping and "paid_date" not in mapping:
            missing.append("order_date")
        priced = "quantity" in mapping and "unit_price" in mapping
        if "amount" not in mapping and "order_total" not in mapping and not priced:
            missing.append("amount")
        return missing
    missing = [r for r in REQUIRED[kind] if r not in mapping]
    if kind == CUSTOMERS and "last_purchase" not in mapping and "recency_days" not in mapping:
        missing.append("last_purchase")
    return missing
