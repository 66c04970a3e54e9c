"""Realistic exports built from the public format descriptions (docs/data-loading.md).

Each builder renders one list of orders, written as plain data below, into the layout's
real columns, encodings and quirks. Tests compute the expected customer figures from the
same order data with a few lines of their own, never from the loader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from conftest import xlsx_bytes

# What happened to an order, whatever the export calls it.
PAID, PARTIAL, REFUNDED, PENDING, VOIDED = "paid", "partial", "refunded", "pending", "voided"
NOT_PURCHASES = {PENDING, VOIDED}


@dataclass
class Order:
    oid: str
    customer: str | None  # None: a guest
    created: dt.datetime
    status: str
    lines: list[tuple[str, int, float]]  # product, quantity, unit price
    shipping: float = 0.0
    refund: float = 0.0  # for PARTIAL
    phone: str = ""
    paid_after: dt.timedelta = field(default=dt.timedelta(minutes=5))

    @property
    def paid(self) -> dt.datetime | None:
        return None if self.status in NOT_PURCHASES else self.created + self.paid_after

    @property
    def total(self) -> float:
        return round(sum(q * p for _, q, p in self.lines) + self.shipping, 2)

    @property
    def refunded(self) -> float:
        return {PARTIAL: self.refund, REFUNDED: self.total}.get(self.status, 0.0)


def T(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2024, 3, day, hour, 15, 0)


ORDERS = [
    Order("1001", "c1", T(1), PAID, [("Tea", 2, 30.0), ("Cup", 1, 20.5)], shipping=10.0),
    Order("1002", "c1", T(5), PARTIAL, [("Pot", 1, 50.0)], refund=15.0),
    Order("1003", "c2", T(7), PAID, [("Tea", 1, 30.0), ("Cup", 3, 20.5), ("Lid", 1, 4.99)]),
    Order("1004", "c2", T(8), PENDING, [("Pot", 1, 70.0)]),
    Order("1005", "c3", T(9), REFUNDED, [("Tea", 1, 30.0)]),
    Order("1006", "c3", T(10), VOIDED, [("Cup", 1, 25.0)]),
    Order("1007", "c4", T(12), PAID, [("Set", 1, 99.9)], paid_after=dt.timedelta(days=2)),
    Order("1008", "c5", T(14), PAID, [("Tea", 3, 30.0)]),
]
AS_OF = dt.date(2024, 4, 1)


def expected_orders(orders: list[Order], as_of: dt.date = AS_OF) -> dict[str, dict]:
    """Per customer: frequency, monetary, returns, recency — the purchase/return rule by hand."""
    out: dict[str, dict] = {}
    for o in orders:
        if o.customer is None or o.paid is None:
            continue
        c = out.setdefault(o.customer, {"frequency": 0, "monetary": 0.0, "returns": 0.0, "last": None})
        c["frequency"] += 1
        c["monetary"] += o.total - o.refunded
        c["returns"] += o.refunded
        day = o.paid.date()
        c["last"] = day if c["last"] is None else max(c["last"], day)
    for c in out.values():
        c["recency_days"] = (as_of - c.pop("last")).days
    return out


def _csv(header: list[str], rows: list[dict], *, quote_all: bool = False, line_end: str = "\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator=line_end)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return buf.getvalue()


def stamp(t: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "" if t is None else t.strftime(fmt)


# ------------------------------------------------------------------------------ Shopify

SHOPIFY_HEADER = (  # the header line as the export writes it
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,"
    "Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,"
    "Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,"
    "Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,"
    "Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,"
    "Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,"
    "Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,"
    "Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,"
    "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,"
    "Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,"
    "Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,"
    "Payment ID,Payment Terms Name,Next Payment Due At,Payment References"
).split(",")
SHOPIFY_STATUS = {
    PAID: "paid",
    PARTIAL: "partially_refunded",
    REFUNDED: "refunded",
    PENDING: "pending",
    VOIDED: "voided",
}


def shopify_orders() -> list[Order]:
    """The shared orders, with two Shopify cases: a customer known only by phone, and a guest."""
    phone_only = Order("1009", None, T(15), PAID, [("Cup", 2, 20.5)], phone="+1 555 0100")
    guest = Order("1010", None, T(16), PAID, [("Tea", 1, 30.0)])
    return [*ORDERS, phone_only, guest]


def shopify_csv(orders: list[Order]) -> bytes:
    """orders_export.csv: one row per line item; order fields on the first row only; UTF-8."""
    rows = []
    for n, o in enumerate(orders):
        created = o.created.strftime("%Y-%m-%d %H:%M:%S -0700")
        email = f"{o.customer}@example.com" if o.customer else ""
        for i, (product, qty, price) in enumerate(o.lines):
            row = {
                "Name": f"#{o.oid}",
                "Email": email.upper() if (i == 0 and n % 3 == 1 and email) else email,  # e-mail case varies
                "Created at": created,
                "Lineitem quantity": qty,
                "Lineitem name": product,
                "Lineitem price": f"{price:.2f}",
                "Lineitem requires shipping": "true",
                "Lineitem taxable": "true",
                "Lineitem fulfillment status": "pending",
                "Lineitem discount": "0.00",
                "Vendor": "Shop",
            }
            if i == 0:
                row |= {
                    "Financial Status": SHOPIFY_STATUS[o.status],
                    "Paid at": o.paid.strftime("%Y-%m-%d %H:%M:%S -0700") if o.paid else "",
                    "Fulfillment Status": "unfulfilled",
                    "Accepts Marketing": "no",
                    "Currency": "CAD",
                    "Subtotal": f"{o.total - o.shipping:.2f}",
                    "Shipping": f"{o.shipping:.2f}",
                    "Taxes": "0.00",
                    "Total": f"{o.total:.2f}",
                    "Discount Amount": "0.00",
                    "Billing Zip": "'4001",
                    "Refunded Amount": f"{o.refunded:.2f}",
                    "Outstanding Balance": "0.00",
                    "Id": str(6295486857475 + n),
                    "Risk Level": "Low",
                    "Source": "web",
                    "Phone": o.phone,
                    "Notes": "Ship on\nMonday" if n == 0 else "",
                }
            rows.append(row)
    return _csv(SHOPIFY_HEADER, rows).encode("utf-8")


# --------------------------------------------------------------------------- WooCommerce

WOO_HEADER = (  # the header line as the export writes it
    "order_id,order_number,order_number_formatted,date,status,shipping_total,shipping_tax_total,"
    "fee_total,fee_tax_total,tax_total,discount_total,order_total,refunded_total,order_currency,"
    "payment_method,shipping_method,customer_id,billing_first_name,billing_last_name,billing_company,"
    "billing_email,billing_phone,billing_address_1,billing_address_2,billing_postcode,billing_city,"
    "billing_state,billing_country,shipping_first_name,shipping_last_name,shipping_address_1,"
    "shipping_address_2,shipping_postcode,shipping_city,shipping_state,shipping_country,shipping_company,"
    "customer_note,line_items,shipping_items,fee_items,tax_items,coupon_items,refunds,order_notes,"
    "download_permissions_granted"
).split(",")
WOO_STATUS = {PAID: "completed", PARTIAL: "completed", REFUNDED: "refunded", PENDING: "on-hold", VOIDED: "cancelled"}


def woo_orders() -> list[Order]:
    """Shared orders; c5 checked out as a guest (customer_id 0, known by the billing e-mail)."""
    return ORDERS


def woo_csv(orders: list[Order]) -> bytes:
    rows = []
    for o in orders:
        guest = o.customer == "c5"
        items = ";".join(
            f"id:{i}|name:{p}|quantity:{q}|subtotal:{q * pr:.2f}|total:{q * pr:.2f}"
            for i, (p, q, pr) in enumerate(o.lines)
        )
        rows.append(
            {
                "order_id": o.oid,
                "order_number": o.oid,
                "order_number_formatted": o.oid,
                "date": stamp(o.created),
                "status": WOO_STATUS[o.status],
                "shipping_total": f"{o.shipping:.2f}",
                "order_total": f"{o.total:.2f}",
                "refunded_total": f"{o.refunded:.2f}",
                "order_currency": "EUR",
                "payment_method": "stripe",
                "customer_id": "0" if guest else str(100 + int(o.customer[1:])),
                "billing_email": f"{o.customer}@example.com",
                "billing_country": "DE",
                "line_items": items,
            }
        )
    return _csv(WOO_HEADER, rows).encode("utf-8")


def woo_customer(c: str) -> str:
    return "c5@example.com" if c == "c5" else str(100 + int(c[1:]))


# ------------------------------------------------------------------------------- Taobao

TAOBAO_HEADER = (  # the header line as the export writes it
    "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,"
    "买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址 ,运送方式,联系电话 ,"
    "联系手机,订单创建时间,订单付款时间 ,宝贝标题 ,宝贝种类 ,物流单号 ,物流公司,订单备注,宝贝总数量,"
    "店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,分阶段订单信息,"
    "特权订金订单id,是否上传合同照片,是否上传小票,是否代付,定金排名,修改后的sku,修改后的收货地址,"
    "异常信息,天猫卡券抵扣,集分宝抵扣,是否是O2O交易,新零售交易类型,新零售导购门店名称,新零售导购门店id,"
    "新零售发货门店名称,新零售发货门店id,退款金额,预约门店,确认收货时间,打款商家金额,"
    "含应开票给个人的个人红包"
).split(",")
TAOBAO_STATUS = {
    PAID: "交易成功",
    PARTIAL: "交易成功",
    REFUNDED: "交易关闭",
    PENDING: "等待买家付款",
    VOIDED: "交易关闭",
}


def taobao_orders() -> list[Order]:
    """Shared orders with Taobao-length ids; one order is shipped and awaiting confirmation."""
    out = []
    for i, o in enumerate(ORDERS):
        status = o.status
        out.append(
            Order(f"24567890123456{7800 + i}", f"tb_{o.customer}", o.created, status, o.lines, o.shipping, o.refund)
        )
    return out


def taobao_csv(orders: list[Order], encoding: str = "gbk") -> bytes:
    """ExportOrderList*.csv: one row per order, every field quoted, 订单编号 as =\"…\", GBK, CRLF."""
    rows = []
    for n, o in enumerate(orders):
        status = TAOBAO_STATUS[o.status]
        if o.status == PAID and n == 6:
            status = "卖家已发货，等待买家确认"
        refund = o.refunded
        rows.append(
            {
                "订单编号": f'="{o.oid}"',
                "买家会员名": o.customer,
                "买家应付货款": f"{o.total - o.shipping:.2f}",
                "买家应付邮费": f"{o.shipping:.2f}",
                "总金额": f"{o.total:.2f}",
                "买家实际支付金额": f"{(o.total - refund) if o.paid else 0:.2f}",  # net of refunds
                "订单状态": status,
                "收货地址 ": "浙江省 杭州市 西湖区 文三路1号(310000)",
                "联系手机": "'13800000000",
                "订单创建时间": stamp(o.created),
                "订单付款时间 ": stamp(o.paid),
                "宝贝标题 ": "，".join(p for p, _, _ in o.lines),
                "宝贝种类 ": str(len(o.lines)),
                "宝贝总数量": str(sum(q for _, q, _ in o.lines)),
                "店铺名称": "示例旗舰店",
                "订单关闭原因": {REFUNDED: "退款", VOIDED: "买家未付款"}.get(o.status, "订单未关闭"),
                "退款金额": f"{refund:.2f}",
                "打款商家金额": f"{(o.total - refund) if o.paid else 0:.2f}元",
            }
        )
    return _csv(TAOBAO_HEADER, rows, quote_all=True, line_end="\r\n").encode(encoding)


# ----------------------------------------------------------------------------------- JD

JD_HEADER = (  # the header line as the export writes it
    "订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付,应付金额,"
    "订单状态,订单类型,下单帐号,客户姓名,客户地址,联系电话,订单备注,发票类型,发票抬头,发票内容,商家备注,"
    "商家备注等级（等级1-5为由高到低）,运费金额,付款确认时间,增值税发票,货号,订单完成时间,订单来源,"
    "订单渠道"
).split(",")
JD_STATUS = {PAID: "完成", PARTIAL: "完成", REFUNDED: "已取消", PENDING: "等待付款", VOIDED: "(删除)等待出库"}


def jd_orders() -> list[Order]:
    """Shared orders without partial refunds (the JD order export has no refund column);
    the deleted order (VOIDED) was paid before it was split into new orders."""
    out = []
    for i, o in enumerate(ORDERS):
        status = PAID if o.status == PARTIAL else o.status
        out.append(Order(f"8123456789{i}", f"jd_{o.customer}", o.created, status, o.lines, o.shipping))
    return out


def jd_csv(orders: list[Order]) -> bytes:
    """One row per SKU; 订单金额/应付金额 are order totals repeated on every line; GB18030."""
    rows = []
    for o in orders:
        paid = o.paid or (o.created + dt.timedelta(minutes=1) if o.status == VOIDED else None)
        for i, (product, qty, price) in enumerate(o.lines):
            rows.append(
                {
                    "订单号": o.oid,
                    "商品ID": f"1000{i}",
                    "商品名称": product,
                    "订购数量": qty,
                    "支付方式": "在线支付",
                    "下单时间": stamp(o.created),
                    "京东价": f"{price:.2f}",
                    "订单金额": f"{o.total:.2f}",
                    "结算金额": f"{o.total:.2f}",
                    "余额支付": "0.00",
                    "应付金额": f"{o.total:.2f}",
                    "订单状态": JD_STATUS[o.status],
                    "订单类型": "销售订单",
                    "下单帐号": o.customer,
                    "客户姓名": "王五",
                    "运费金额": f"{o.shipping:.2f}",
                    "付款确认时间": stamp(paid),
                    "订单来源": "移动端订单",
                    "订单渠道": "暂无来源",
                }
            )
    return _csv(JD_HEADER, rows).encode("gb18030")


# ------------------------------------------------------------------------------- Youzan

YOUZAN_HEADER = (  # the header line as the export writes it
    "订单号,销售渠道,归属店铺,订单类型,订单状态,推广方式,订单来源,订单创建时间,买家付款时间,交易成功时间,"
    "付款方式,支付流水号,商品金额合计,运费,店铺优惠合计,应收订单金额,订单实付金额,支付优惠合计,"
    "订单实收金额,订单抵用积分数,店铺优惠方式,支付优惠方式,全部商品名称,商品种类数,订单配送方式,"
    "同城送达时间/提货时间,收货人省份,收货人城市,收货人地区,详细收货地址/提货地址,收货人/提货人,"
    "收货人手机号/提货人手机号,买家备注,订单星级,买家昵称,买家是否会员,买家手机号,下单网点,收银员,分销员,"
    "销售导购,专属导购,订单退款状态,订单已退款金额,商家订单备注,桌号,挂账主体,挂账手机号,团长订单,"
    "订单风险标签,分销员,分销员手机号,分销员所属店铺,分销员所属团队,分销员所属分组,分销员等级,"
    "订单佣金类型,订单佣金金额,订单下级卖货提成类型,订单下级卖货提成金额"
).split(",")
YOUZAN_STATUS = {PAID: "交易完成", PARTIAL: "交易完成", REFUNDED: "交易关闭", PENDING: "待付款", VOIDED: "交易关闭"}


def youzan_orders() -> list[Order]:
    out = []
    for i, o in enumerate(ORDERS):
        phone = f"1380000{int(o.customer[1:]):04d}"
        out.append(Order(f"E2024030110150001230000{i}", phone, o.created, o.status, o.lines, o.shipping, o.refund))
    return out


def youzan_csv(orders: list[Order]) -> bytes:
    """订单维度 export: one row per order; phones and 支付流水号 prefixed with a tab; UTF-8 with BOM."""
    rows = []
    for o in orders:
        items = ";".join(f"{p}({q}件)" for p, q, _ in o.lines)
        rows.append(
            {
                "订单号": o.oid,
                "销售渠道": "网店",
                "归属店铺": "示例小店",
                "订单类型": "普通订单",
                "订单状态": YOUZAN_STATUS[o.status],
                "订单来源": "其他(商家小程序)",
                "订单创建时间": stamp(o.created),
                "买家付款时间": stamp(o.paid),
                "付款方式": "微信支付" if o.paid else "",
                "支付流水号": f"\t24030110150{o.oid[-4:]}" if o.paid else "",
                "商品金额合计": f"{o.total - o.shipping:.2f}",
                "运费": f"{o.shipping:.2f}",
                "店铺优惠合计": "0",
                "应收订单金额": f"{o.total:.2f}",
                "订单实付金额": f"{o.total if o.paid else 0:.2f}",
                "订单实收金额": f"{o.total:.2f}",
                "全部商品名称": items,
                "商品种类数": str(len(o.lines)),
                "收货人省份": "北京市",
                "买家昵称": f"nick{o.customer[-2:]}",
                "买家是否会员": "否",
                "买家手机号": f"\t{o.customer}",
                "订单退款状态": {PARTIAL: "退款成功（部分退款）", REFUNDED: "退款成功（全额退款）"}.get(o.status, ""),
                "订单已退款金额": f"{o.refunded:.2f}",
                "团长订单": "否",
                "订单风险标签": "——",
            }
        )
    return _csv(YOUZAN_HEADER, rows).encode("utf-8-sig")


# --------------------------------------------------------------------- UCI Online Retail

# Invoice lines: (invoice, stock code, description, quantity, date, unit price, customer or "").
UCI_LINES = [
    ("536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", 6, dt.datetime(2010, 12, 1, 8, 26), 2.55, "17850"),
    ("536365", "71053", "WHITE METAL LANTERN", 6, dt.datetime(2010, 12, 1, 8, 26), 3.39, "17850"),
    ("536365", "71053", "WHITE METAL LANTERN", 6, dt.datetime(2010, 12, 1, 8, 26), 3.39, "17850"),  # dup export
    ("536370", "POST", "POSTAGE", 3, dt.datetime(2010, 12, 1, 8, 45), 18.0, "12583"),
    ("536381", "82567", "AIRLINE LOUNGE,METAL SIGN", 2, dt.datetime(2010, 12, 1, 9, 41), 2.1, "15311"),
    ("C536379", "D", "Discount", -1, dt.datetime(2010, 12, 1, 9, 41), 27.5, "14527"),
    ("536380", "22139", "RETROSPOT TEA SET £ CERAMIC", 4, dt.datetime(2010, 12, 1, 9, 40), 4.95, "14527"),
    ("C536383", "35004C", "SET OF 3 COLOURED  FLYING DUCKS", -1, dt.datetime(2010, 12, 1, 9, 49), 4.65, "15311"),
    ("536414", "22139", "", 56, dt.datetime(2010, 12, 1, 11, 52), 0.0, ""),
    ("A563185", "B", "Adjust bad debt", 1, dt.datetime(2011, 8, 12, 14, 50), 11062.06, ""),
    ("536520", "21123", "SET/10 IVORY POLKADOT PARTY CANDLES", 24, dt.datetime(2010, 12, 1, 12, 43), 1.25, "14729"),
    ("536521", "21124", "SET/10 BLUE POLKADOT PARTY CANDLES", 12, dt.datetime(2010, 12, 2, 12, 43), 1.25, "17850"),
]
UCI_AS_OF = dt.date(2010, 12, 10)


def uci_expected(lines=UCI_LINES, as_of: dt.date = UCI_AS_OF) -> dict[str, dict]:
    """Per customer from invoices: a positive invoice is a purchase, a negative one a return."""
    seen, invoices = set(), {}
    for line in lines:
        if line in seen or not line[6]:
            continue  # an identical line with an invoice number is a duplicate export; no customer: left out
        seen.add(line)
        inv, _, _, qty, when, price, cust = line
        i = invoices.setdefault(inv, {"customer": cust, "net": 0.0, "when": when})
        i["net"] += qty * price
    out: dict[str, dict] = {}
    for i in invoices.values():
        c = out.setdefault(i["customer"], {"frequency": 0, "monetary": 0.0, "returns": 0.0, "last": None})
        c["monetary"] += i["net"]
        if i["net"] > 0:
            c["frequency"] += 1
            c["last"] = i["when"].date() if c["last"] is None else max(c["last"], i["when"].date())
        else:
            c["returns"] += -i["net"]
    for c in list(out.values()):
        last = c.pop("last")
        c["recency_days"] = None if last is None else (as_of - last).days
    return {k: v for k, v in out.items() if v["frequency"] > 0}


def uci_csv(lines=UCI_LINES) -> bytes:
    """OnlineRetail.csv as commonly re-exported: M/D/YYYY H:MM dates, CustomerID as 17850.0, Latin-1."""
    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
    rows = [
        {
            "InvoiceNo": inv,
            "StockCode": code,
            "Description": desc,
            "Quantity": qty,
            "InvoiceDate": f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}",
            "UnitPrice": repr(price),
            "CustomerID": f"{cust}.0" if cust else "",
            "Country": "United Kingdom",
        }
        for inv, code, desc, qty, when, price, cust in lines
    ]
    return _csv(header, rows).encode("latin-1")


def uci2_xlsx(lines=UCI_LINES) -> bytes:
    """online_retail_II.xlsx: two yearly sheets with one header, overlapping on their edge."""
    header = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
    body = [
        [inv, code, desc, qty, when, price, float(cust) if cust else None, "United Kingdom"]
        for inv, code, desc, qty, when, price, cust in lines
    ]
    first, second = body[:8], body[6:]  # rows 6-7 are in both sheets, as 1-9 Dec 2010 are in the real file
    return xlsx_bytes({"Year 2009-2010": [header, *first], "Year 2010-2011": [header, *second]})


# ------------------------------------------------------------------ Kingdee / Yonyou ERP

ERP_HEADER = (  # the header line as the export writes it
    "单据日期,单据编号,客户编码,客户名称,存货编码,存货名称,规格型号,单位,数量,含税单价,金额,税额,价税合计,部门,业务员"
).split(",")
# (date, document, customer code, name, item, quantity, unit price with tax); negative = 红字 return
ERP_LINES = [
    (dt.date(2024, 1, 5), "XSCK-2024-0001", "0101", "杭州甲公司", "A-01", 10, 113.0),
    (dt.date(2024, 1, 5), "XSCK-2024-0001", "0101", "杭州甲公司", "B-02", 5, 56.5),
    (dt.date(2024, 1, 9), "XSCK-2024-0002", "0102", "宁波乙公司", "A-01", 20, 113.0),
    (dt.date(2024, 1, 15), "XSCK-2024-0003", "0101", "杭州甲公司", "C-03", 2, 339.0),
    (dt.date(2024, 1, 20), "XSTH-2024-0001", "0102", "宁波乙公司", "A-01", -3, 113.0),
    (dt.date(2024, 1, 22), "XSCK-2024-0004", "0203", "温州丙商行", "B-02", 8, 56.5),
]
ERP_AS_OF = dt.date(2024, 2, 1)


def erp_expected() -> dict[str, dict]:
    lines = [(doc, "", "", q, dt.datetime.combine(d, dt.time()), p, c) for d, doc, c, _, _, q, p in ERP_LINES]
    return uci_expected(lines, ERP_AS_OF)


def erp_rows() -> list[list]:
    """销售出库明细表 as exported: title, meta line, header, lines, 合计 row, 制表人 footer."""
    rows = []
    for d, doc, code, name, item, qty, price in ERP_LINES:
        gross = round(qty * price, 2)
        net = round(gross / 1.13, 2)
        rows.append(
            [
                d.isoformat(),
                doc,
                code,
                name,
                item,
                item + "名称",
                "标准",
                "件",
                qty,
                price,
                net,
                round(gross - net, 2),
                gross,
                "销售部",
                "张三",
            ]
        )
    total_qty = sum(r[8] for r in rows)
    total = round(sum(r[12] for r in rows), 2)
    return [
        ["销售出库明细表"],
        [
            "统计期间：2024-01-01 至 2024-01-31",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "制表人：张三",
        ],
        [],
        ERP_HEADER,
        *rows,
        ["合计", None, None, None, None, None, None, None, total_qty, None, None, None, total, None, None],
    ]


def erp_xlsx() -> bytes:
    return xlsx_bytes({"销售出库明细表": erp_rows()})


def erp_csv(encoding: str = "gbk") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([[("" if v is None else v) for v in r] for r in erp_rows()])
    return buf.getvalue().encode(encoding)


KINGDEE_HEADER = (  # the header line as the export writes it
    "单据名称 单据类型 单据编码 日期 审核日期 销售组织 结算组织 销售部门编码 销售部门名称 销售员编码 "
    "销售员 销售组 结算方式 客户编码 客户 客户分组 物料编码 物料 客户物料编码 客户物料名称 物料分组 "
    "物料属性 存货类别 规格型号 辅助属性 仓库 仓位 批号 订单单号 单位 结算币别 币别 出库数量 出库单价 "
    "出库含税单价 出库净价 出库金额 出库价税合计 出库成本 出库总成本 应收数量 应收金额 应收价税合计 "
    "是否赠品 备注"
).split(" ")


def kingdee_xlsx() -> bytes:
    """金蝶云星空 销售出库明细表 (Sal_OutStockDetailRpt) with its return documents as rows."""
    rows = [KINGDEE_HEADER]
    for d, doc, code, name, item, qty, price in ERP_LINES:
        gross = round(qty * price, 2)
        values = {
            "单据名称": "销售退货单" if qty < 0 else "销售出库单",
            "单据类型": "标准销售退货单" if qty < 0 else "标准销售出库单",
            "单据编码": doc.replace("XSCK-2024-", "XSCKD0010").replace("XSTH-2024-", "XSTHD0010"),
            "日期": dt.datetime.combine(d, dt.time()),
            "客户编码": code,
            "客户": name,
            "物料": item,
            "物料分组": "成品",
            "结算币别": "人民币",
            "出库数量": qty,
            "出库含税单价": price,
            "出库金额": round(gross / 1.13, 2),
            "出库价税合计": gross,
            "销售部门名称": "销售部",
            "是否赠品": "否",
        }
        rows.append([values.get(h) for h in KINGDEE_HEADER])
    return xlsx_bytes({"销售出库明细表": rows})
