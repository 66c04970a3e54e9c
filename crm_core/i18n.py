"""Every user-facing text in English and Chinese: ``t(key, lang, **params)``.

Computed frames carry English snake_case keys only; pages translate when they render.
A test checks that both languages have the same keys and the same ``{placeholders}``.
"""

from __future__ import annotations

import datetime as dt
import math

LANGS = ("zh", "en")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        # app shell
        "app.title": "CRM Value Lab",
        "app.tagline": "Turn customer and transaction data into the customer-value analyses taught in CRM courses.",
        "app.language": "Language",
        "nav.home": "Home",
        "nav.data": "Data & load report",
        "home.what": "What the lab does",
        "home.modules": (
            "- **Data**: upload transactions or a customer table (CSV, Excel, Parquet; GBK or UTF-8), "
            "map columns, see every rejected or repaired row.\n"
            "- **RFM explorer**: recency, frequency, monetary; scores, the 8-segment model, named segments, clusters.\n"
            "- **Value matrix**: purchase frequency × average spend, four customer types.\n"
            "- **Lifecycle grid**: current value × growth potential, lifecycle stages.\n"
            "- **Bullseye form**: 30 criteria for an online direct-sales decision.\n"
            "- **Classroom**: walkthroughs, handouts, a quiz and the course's other models."
        ),
        "home.coming": "Analysis pages are being added one by one; each appears in the sidebar when ready.",
        "home.data_in_use": "Data in use",
        "home.open_data": "Upload your own data or check the load report",
        "data.source.demo": "Bundled demo transactions",
        "data.source.classroom": "Bundled classroom customer table",
        "data.source.typed": "Table typed in by hand",
        "data.source.file": "Uploaded file: {name}",
        "kind.transactions": "Transactions",
        "kind.customers": "Customer table (already aggregated)",
        "metric.customers": "Customers",
        "metric.revenue": "Net revenue",
        "metric.rows_read": "Rows read",
        "metric.rows_kept": "Rows kept",
        "metric.rows_rejected": "Rows rejected",
        "metric.as_of": "Analysis date",
        "metric.period": "Period",
        # data page
        "data.title": "Data & load report",
        "data.intro": "Upload transactions (one row per purchase) or a customer table (one row per customer). The report below accounts for every row.",
        "data.upload": "Upload a CSV, TSV, Excel (.xlsx) or Parquet file",
        "data.use_demo": "Use the demo transactions",
        "data.use_classroom": "Use the classroom customer table",
        "data.options": "Reading options",
        "data.kind": "What the file holds",
        "data.kind.auto": "Detect automatically",
        "data.as_of": "Analysis date (recency is measured to this day)",
        "data.as_of_auto": "Day after the latest date in the data",
        "data.set_as_of": "Set the analysis date myself",
        "data.decimal": "Decimal separator in amounts",
        "data.decimal.point": "Point: 1,234.50",
        "data.decimal.comma": "Comma: 1.234,50",
        "data.date_order": "Order of DD/MM vs MM/DD dates",
        "data.date_order.auto": "Decide from the data",
        "data.date_order.dmy": "Day first (DD/MM/YYYY)",
        "data.date_order.mdy": "Month first (MM/DD/YYYY)",
        "data.keep_duplicates": "Keep exact duplicate rows",
        "data.encoding": "Text encoding",
        "data.encoding.auto": "Detect (UTF-8, then GBK/GB18030)",
        "data.sheet": "Excel sheet",
        "data.mapping": "Column mapping",
        "data.mapping.help": "Detected automatically from the headers; change any pick.",
        "data.mapping.none": "(none)",
        "data.mapping.picked": "Picked: {picks}",
        "data.apply": "Reload with these settings",
        "data.loading": "Reading and checking the file…",
        "data.loaded": "Loaded {name}.",
        "data.kept_previous": "The data loaded before stays in use.",
        "data.typed.title": "Type or paste a small table",
        "data.typed.help": "For classroom use: one row per customer with last purchase date, number of purchases and amount. Paste from a spreadsheet or type.",
        "data.typed.use": "Use this table",
        "data.report": "Load report",
        "data.report.balance": "{read} rows read = {kept} kept + {rejected} rejected",
        "data.report.reasons": "Rejected rows by reason",
        "data.report.repairs": "Repaired values (kept)",
        "data.report.rejected_rows": "Rejected rows (first {n} shown)",
        "data.report.download": "Download rejected rows (CSV)",
        "data.report.none_rejected": "No row was rejected.",
        "data.report.source": "Read as {format}",
        "data.summary": "Customers",
        "data.summary.left_out": "{count} customers had no purchase on or before the analysis date (only returns or zero amounts) and are left out of the customer table; their net amount is {revenue}.",
        "data.summary.balance": "Revenue check: {revenue_in} in the kept rows = {revenue_customers} across customers + {revenue_left_out} of customers left out.",
        "data.download_customers": "Download the customer table (CSV)",
        "data.preview": "Preview of the customer table",
        "format.csv": "CSV text (encoding {encoding}, delimiter {delimiter})",
        "format.excel": "Excel sheet “{sheet}”",
        "format.parquet": "Parquet",
        "format.table": "table typed in",
        # column headers shown in tables
        "col.row": "Row",
        "col.reason": "Reason key",
        "col.why": "Why",
        "col.column": "Column",
        "col.value": "Value",
        "col.rows": "Rows",
        "col.repair": "Repair",
        "col.customer_id": "Customer id",
        "col.first_purchase": "First purchase",
        "col.last_purchase": "Last purchase",
        "col.recency_days": "Recency (days)",
        "col.frequency": "Frequency",
        "col.monetary": "Monetary",
        "col.avg_spend": "Average spend",
        "col.returns": "Returns",
        # roles
        "role.customer_id": "Customer id",
        "role.order_date": "Order date",
        "role.amount": "Amount",
        "role.order_id": "Order id",
        "role.last_purchase": "Last purchase date",
        "role.recency_days": "Recency (days)",
        "role.frequency": "Frequency (purchases)",
        "role.monetary": "Monetary (total spend)",
        # reasons
        "reason.bad_line": "Wrong number of fields",
        "reason.empty_row": "Empty row",
        "reason.duplicate_row": "Exact duplicate of an earlier row",
        "reason.missing_id": "Missing customer id",
        "reason.bad_date": "Unreadable or out-of-range date",
        "reason.bad_amount": "Unreadable amount",
        "reason.bad_recency": "Unreadable or negative recency",
        "reason.bad_frequency": "Unreadable frequency (must be a whole number ≥ 0)",
        "reason.duplicate_customer": "Customer id already seen",
        "reason.after_as_of": "Date after the analysis date",
        # repairs
        "repair.amount_text": "Amounts read after removing currency signs, thousands separators, brackets or full-width digits",
        "repair.id_trimmed": "Customer ids with surrounding spaces trimmed",
        "repair.order_id_filled": "Rows without an order id, each counted as its own order",
        "repair.excel_serial_date": "Dates stored as Excel serial numbers",
        # notes
        "note.duplicates_kept": "{count} exact duplicate rows were kept, as you asked.",
        "note.date_order": "Column “{column}”: {count} dates such as {example} could be day-first or month-first; they were read as {order}. Change “Order of DD/MM vs MM/DD dates” if that is wrong.",
        "note.date_conflict": "Column “{column}”: {count} dates do not fit the order {order} used for the column and were rejected.",
        "note.comma_decimal": "Column “{column}”: {count} amounts look like a decimal comma (1.234,50). They were rejected, not guessed; choose the comma as decimal separator if that is how the file writes numbers.",
        "note.as_of_default": "Analysis date: {as_of} (the day after the latest date in the data).",
        "note.order_id_filled": "{count} rows have no order id; each is counted as its own order.",
        "note.headers_renamed": "Blank or repeated headers were renamed: {names}.",
        "dateorder.dmy": "DD/MM/YYYY",
        "dateorder.mdy": "MM/DD/YYYY",
        # errors
        "error.too_large": "The file is {size_mb:.1f} MB; the limit is {limit_mb:.0f} MB.",
        "error.empty_file": "The file is empty.",
        "error.no_rows": "The file has a header but no data rows.",
        "error.old_excel": "Old .xls workbooks are not supported: save it as .xlsx or CSV and upload again.",
        "error.binary": "This is not a text table (it contains binary data). Upload CSV, Excel .xlsx or Parquet.",
        "error.encoding": "The text encoding could not be recognised (tried {tried}). Save the file as UTF-8 and upload again.",
        "error.unreadable_csv": "The text file could not be split into columns: {detail}",
        "error.bad_excel": "The Excel file is damaged or not a real .xlsx workbook.",
        "error.zip_bomb": "The Excel file would expand to {unzipped_mb:.0f} MB when opened; refused as unsafe.",
        "error.no_sheet": "There is no sheet “{sheet}”; the workbook has: {sheets}.",
        "error.bad_parquet": "The Parquet file could not be read.",
        "error.unknown_column": "There is no column “{column}”. Columns: {columns}.",
        "error.column_twice": "Column “{column}” is mapped to two roles; pick a different column for one of them.",
        "error.missing_columns": "No column found for: {roles}. Map them under “Column mapping”. Columns in the file: {columns}.",
        "error.nothing_kept": "None of the {rows} rows could be used ({reasons}).",
        "error.cannot_open": "Cannot open {path}: {detail}",
        "error.cannot_write": "Cannot write {path}: {detail}",
        "error.param": "Setting “{name}” has an invalid value: {value}.",
        "error.edges": "{dim} thresholds must be 1 to 4 increasing numbers; got: {edges}.",
        "error.scheme_unknown": "Unknown segment scheme “{scheme}” (known: {known}).",
        "error.scheme_json": "The rule file is not valid JSON: {detail}",
        "error.scheme_shape": "The rule file must be an object with a non-empty “rules” list.",
        "error.scheme_bins": "“bins” must be 3, 4 or 5; got {bins}.",
        "error.rule_shape": "Rule {rule} is not an object.",
        "error.rule_key": "Rule {rule} needs a “key” (a name other than “unassigned”).",
        "error.rule_duplicate": "Two rules are named “{rule}”.",
        "error.rule_when": "Rule “{rule}” needs a “when” condition.",
        "error.rule_range": "Rule “{rule}”: {dim} range {lo}–{hi} must lie within 1–5 with the lower end first.",
        "error.rule_condition": "Rule “{rule}”: condition {dim} = {cond} is not understood (use r/f/m = high|low or r_score/f_score/m_score = [from, to]).",
        "error.rule_overlap": "Rules “{rule}” and “{other}” overlap: a customer could match both.",
        "error.scheme_points": "The scheme “{scheme}” is written for {bins}-point scores; the current scoring gives {points} points.",
        "note.few_scores": "{dim}: only {distinct} distinct scores out of {points}, because {share}% of customers share the value {value} and equal values always get the same score.",
        "error.unexpected": "Something went wrong while reading the file. It has been logged; the data loaded before stays in use.",
    },
    "zh": {
        "app.title": "客户价值实验室",
        "app.tagline": "把客户与交易数据变成 CRM 课程中的客户价值分析。",
        "app.language": "语言",
        "nav.home": "首页",
        "nav.data": "数据与导入报告",
        "home.what": "实验室能做什么",
        "home.modules": (
            "- **数据**：上传交易记录或客户表（CSV、Excel、Parquet；GBK 或 UTF-8），映射列，查看每一条被拒绝或修复的行。\n"
            "- **RFM 分析**：最近一次消费、消费频率、消费金额；打分、八类客户模型、命名分群、聚类。\n"
            "- **客户价值矩阵**：购买频率 × 平均每次消费额，四类客户。\n"
            "- **生命周期价值细分**：当前价值 × 增值潜力，客户关系生命周期阶段。\n"
            "- **布尔塞模型**：判断是否适合网上直销的 30 项标准。\n"
            "- **课堂**：分步演示、讲义、测验以及课程中的其他模型。"
        ),
        "home.coming": "分析页面正在逐个上线，完成后会出现在侧边栏。",
        "home.data_in_use": "当前数据",
        "home.open_data": "上传自己的数据或查看导入报告",
        "data.source.demo": "内置演示交易数据",
        "data.source.classroom": "内置课堂客户表",
        "data.source.typed": "手工录入的表格",
        "data.source.file": "上传的文件：{name}",
        "kind.transactions": "交易记录",
        "kind.customers": "客户表（已汇总）",
        "metric.customers": "客户数",
        "metric.revenue": "净销售额",
        "metric.rows_read": "读取行数",
        "metric.rows_kept": "保留行数",
        "metric.rows_rejected": "拒绝行数",
        "metric.as_of": "分析日期",
        "metric.period": "时间范围",
        "data.title": "数据与导入报告",
        "data.intro": "上传交易记录（每次购买一行）或客户表（每位客户一行）。下方报告说明每一行的去向。",
        "data.upload": "上传 CSV、TSV、Excel（.xlsx）或 Parquet 文件",
        "data.use_demo": "使用演示交易数据",
        "data.use_classroom": "使用课堂客户表",
        "data.options": "读取选项",
        "data.kind": "文件内容",
        "data.kind.auto": "自动识别",
        "data.as_of": "分析日期（最近一次消费天数计算到这一天）",
        "data.as_of_auto": "数据中最晚日期的后一天",
        "data.set_as_of": "自行设定分析日期",
        "data.decimal": "金额的小数点",
        "data.decimal.point": "点：1,234.50",
        "data.decimal.comma": "逗号：1.234,50",
        "data.date_order": "日/月 与 月/日 的顺序",
        "data.date_order.auto": "根据数据判断",
        "data.date_order.dmy": "日在前（DD/MM/YYYY）",
        "data.date_order.mdy": "月在前（MM/DD/YYYY）",
        "data.keep_duplicates": "保留完全重复的行",
        "data.encoding": "文本编码",
        "data.encoding.auto": "自动识别（先 UTF-8，再 GBK/GB18030）",
        "data.sheet": "Excel 工作表",
        "data.mapping": "列映射",
        "data.mapping.help": "已根据表头自动识别，可以修改任意一项。",
        "data.mapping.none": "（无）",
        "data.mapping.picked": "已选：{picks}",
        "data.apply": "按这些设置重新读取",
        "data.loading": "正在读取并检查文件……",
        "data.loaded": "已载入 {name}。",
        "data.kept_previous": "继续使用之前载入的数据。",
        "data.typed.title": "录入或粘贴小表格",
        "data.typed.help": "课堂使用：每位客户一行，填写最近一次消费日期、消费次数和消费金额。可从电子表格粘贴或直接输入。",
        "data.typed.use": "使用这张表",
        "data.report": "导入报告",
        "data.report.balance": "读取 {read} 行 = 保留 {kept} 行 + 拒绝 {rejected} 行",
        "data.report.reasons": "被拒绝的行（按原因）",
        "data.report.repairs": "已修复的值（已保留）",
        "data.report.rejected_rows": "被拒绝的行（显示前 {n} 行）",
        "data.report.download": "下载被拒绝的行（CSV）",
        "data.report.none_rejected": "没有被拒绝的行。",
        "data.report.source": "读取方式：{format}",
        "data.summary": "客户",
        "data.summary.left_out": "{count} 位客户在分析日期前没有购买（只有退货或金额为零），未计入客户表；他们的净金额为 {revenue}。",
        "data.summary.balance": "金额核对：保留行合计 {revenue_in} = 客户合计 {revenue_customers} + 未计入客户 {revenue_left_out}。",
        "data.download_customers": "下载客户表（CSV）",
        "data.preview": "客户表预览",
        "format.csv": "CSV 文本（编码 {encoding}，分隔符 {delimiter}）",
        "format.excel": "Excel 工作表“{sheet}”",
        "format.parquet": "Parquet",
        "format.table": "手工录入的表格",
        "col.row": "行号",
        "col.reason": "原因代码",
        "col.why": "原因",
        "col.column": "列",
        "col.value": "值",
        "col.rows": "行数",
        "col.repair": "修复",
        "col.customer_id": "客户编号",
        "col.first_purchase": "首次购买",
        "col.last_purchase": "最近一次购买",
        "col.recency_days": "最近消费距今（天）",
        "col.frequency": "消费频率",
        "col.monetary": "消费金额",
        "col.avg_spend": "平均每次消费",
        "col.returns": "退货金额",
        "role.customer_id": "客户编号",
        "role.order_date": "交易日期",
        "role.amount": "交易金额",
        "role.order_id": "订单号",
        "role.last_purchase": "最近一次消费日期",
        "role.recency_days": "最近一次消费距今天数",
        "role.frequency": "消费频率（次数）",
        "role.monetary": "消费金额（合计）",
        "reason.bad_line": "字段数与表头不符",
        "reason.empty_row": "空行",
        "reason.duplicate_row": "与前面某行完全重复",
        "reason.missing_id": "缺少客户编号",
        "reason.bad_date": "日期无法识别或超出范围",
        "reason.bad_amount": "金额无法识别",
        "reason.bad_recency": "最近消费天数无法识别或为负数",
        "reason.bad_frequency": "消费频率无法识别（须为不小于 0 的整数）",
        "reason.duplicate_customer": "客户编号重复",
        "reason.after_as_of": "日期晚于分析日期",
        "repair.amount_text": "去掉货币符号、千位分隔符、括号或全角数字后读取的金额",
        "repair.id_trimmed": "去掉首尾空格的客户编号",
        "repair.order_id_filled": "没有订单号的行，每行按一笔订单计",
        "repair.excel_serial_date": "以 Excel 序列数存储的日期",
        "note.duplicates_kept": "按您的选择，保留了 {count} 行完全重复的行。",
        "note.date_order": "列“{column}”：{count} 个日期（如 {example}）既可理解为日在前也可理解为月在前，已按 {order} 读取。如有误，请修改“日/月 与 月/日 的顺序”。",
        "note.date_conflict": "列“{column}”：{count} 个日期与该列采用的 {order} 顺序不符，已被拒绝。",
        "note.comma_decimal": "列“{column}”：{count} 个金额看起来使用逗号作小数点（1.234,50）。这些行已被拒绝而不是猜测；如果文件确实如此书写数字，请把小数点选为逗号。",
        "note.as_of_default": "分析日期：{as_of}（数据中最晚日期的后一天）。",
        "note.order_id_filled": "{count} 行没有订单号，每行按一笔订单计。",
        "note.headers_renamed": "空白或重复的表头已重命名：{names}。",
        "dateorder.dmy": "日/月/年",
        "dateorder.mdy": "月/日/年",
        "error.too_large": "文件大小为 {size_mb:.1f} MB，超过上限 {limit_mb:.0f} MB。",
        "error.empty_file": "文件是空的。",
        "error.no_rows": "文件只有表头，没有数据行。",
        "error.old_excel": "不支持旧版 .xls 工作簿：请另存为 .xlsx 或 CSV 后重新上传。",
        "error.binary": "这不是文本表格（包含二进制数据）。请上传 CSV、Excel .xlsx 或 Parquet 文件。",
        "error.encoding": "无法识别文本编码（已尝试 {tried}）。请将文件另存为 UTF-8 后重新上传。",
        "error.unreadable_csv": "无法把文本文件拆分成列：{detail}",
        "error.bad_excel": "Excel 文件已损坏，或不是真正的 .xlsx 工作簿。",
        "error.zip_bomb": "该 Excel 文件打开后将膨胀到 {unzipped_mb:.0f} MB，出于安全考虑已拒绝。",
        "error.no_sheet": "没有名为“{sheet}”的工作表；工作簿中有：{sheets}。",
        "error.bad_parquet": "无法读取该 Parquet 文件。",
        "error.unknown_column": "没有名为“{column}”的列。现有列：{columns}。",
        "error.column_twice": "列“{column}”被映射到两个角色，请为其中一个换一列。",
        "error.missing_columns": "找不到以下列：{roles}。请在“列映射”中指定。文件中的列：{columns}。",
        "error.nothing_kept": "{rows} 行中没有可用的行（{reasons}）。",
        "error.cannot_open": "无法打开 {path}：{detail}",
        "error.cannot_write": "无法写入 {path}：{detail}",
        "error.param": "设置“{name}”的值无效：{value}。",
        "error.edges": "{dim} 的阈值必须是 1 到 4 个递增的数字；当前为：{edges}。",
        "error.scheme_unknown": "未知的分群方案“{scheme}”（可用：{known}）。",
        "error.scheme_json": "规则文件不是有效的 JSON：{detail}",
        "error.scheme_shape": "规则文件必须是包含非空“rules”列表的对象。",
        "error.scheme_bins": "“bins”必须是 3、4 或 5；当前为 {bins}。",
        "error.rule_shape": "规则 {rule} 不是一个对象。",
        "error.rule_key": "规则 {rule} 需要一个“key”（不能是“unassigned”）。",
        "error.rule_duplicate": "有两条规则都叫“{rule}”。",
        "error.rule_when": "规则“{rule}”缺少“when”条件。",
        "error.rule_range": "规则“{rule}”：{dim} 的范围 {lo}–{hi} 必须在 1–5 之间且下限在前。",
        "error.rule_condition": "规则“{rule}”：无法理解条件 {dim} = {cond}（请用 r/f/m = high|low 或 r_score/f_score/m_score = [起, 止]）。",
        "error.rule_overlap": "规则“{rule}”与“{other}”重叠：同一位客户可能同时满足两条规则。",
        "error.scheme_points": "方案“{scheme}”按 {bins} 分制编写，而当前打分为 {points} 分制。",
        "note.few_scores": "{dim}：只得到 {distinct} 个不同的分数（共 {points} 档），因为 {share}% 的客户取值相同（{value}），相同的值总是得到相同的分数。",
        "error.unexpected": "读取文件时出错，已记录在服务器日志中；继续使用之前载入的数据。",
    },
}


def t(key: str, lang: str = "en", **params: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``params``; falls back to English."""
    table = LABELS.get(lang, LABELS["en"])
    text = table.get(key) or LABELS["en"].get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def fmt_number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """1234567 → '1,234,567' (en) or '123.5万' (zh, from ten thousand up)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if lang == "zh" and abs(value) >= 1e8:
        return f"{value / 1e8:,.2f}亿"
    if lang == "zh" and abs(value) >= 1e4:
        return f"{value / 1e4:,.2f}万"
    return f"{value:,.{decimals}f}"


def fmt_money(value: float, lang: str = "en", currency: str = "¥") -> str:
    """Money with two decimals, or the 万/亿 form in Chinese."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    sign = "-" if value < 0 else ""
    if lang == "zh" and abs(value) >= 1e4:
        return f"{sign}{currency}{fmt_number(abs(value), lang)}"
    return f"{sign}{currency}{abs(value):,.2f}"


def fmt_date(value: dt.date | None, lang: str = "en") -> str:
    """2024-03-05 → '5 Mar 2024' (en) or '2024年3月5日' (zh)."""
    if value is None:
        return "–"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%b')} {value.year}"
