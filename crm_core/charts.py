"""Plotly figures built from computed frames (no Streamlit). Large inputs are aggregated or
sampled here, so a page never sends a million points to the browser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

MAX_POINTS = 5000
PALETTE = px.colors.qualitative.Safe + px.colors.qualitative.Pastel


def plain(text: object) -> str:
    """Chart text from a user or a file shown as written: Plotly reads ``<a href>``, ``<b>`` and
    other tags in labels, so ``<`` and ``>`` become entities (they still display as < and >)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_all(labels) -> list[str]:
    return [plain(v) for v in labels]


def histogram(values: np.ndarray, title: str, x_label: str, bins: int = 40, log: bool = False) -> go.Figure:
    """A histogram computed here (np.histogram), so only the bar heights go to the browser."""
    v = values[np.isfinite(values)]
    if log:  # zero or negative values (customers with net refunds) have no place on a log axis
        v = np.log10(v[v > 0])
    counts, edges = np.histogram(v, bins=bins)
    mids = (edges[:-1] + edges[1:]) / 2
    fig = go.Figure(go.Bar(x=10**mids if log else mids, y=counts, width=np.diff(10**edges if log else edges)))
    fig.update_layout(
        title=title, xaxis_title=x_label, yaxis_title="", bargap=0.02, height=280, margin=dict(l=10, r=10, t=40, b=10)
    )
    if log:
        fig.update_xaxes(type="log")
    return fig


def heatmap(
    r_score: np.ndarray,
    f_score: np.ndarray,
    values: np.ndarray | None,
    points: int,
    title: str,
    r_label: str,
    f_label: str,
) -> go.Figure:
    """R score × F score grid: customers per cell, or the mean of ``values`` per cell."""
    flat = (np.asarray(f_score, dtype=np.intp) - 1) * points + (np.asarray(r_score, dtype=np.intp) - 1)
    n = np.bincount(flat, minlength=points * points).astype(float)
    if values is None:
        grid, fmt = n, ",.0f"
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.bincount(flat, weights=values, minlength=points * points) / n
        fmt = ",.0f"
    grid = np.where(n > 0, grid, np.nan).reshape(points, points)
    labels = [str(i) for i in range(1, points + 1)]
    fig = px.imshow(
        grid,
        x=labels,
        y=labels,
        origin="lower",
        text_auto=fmt,
        aspect="auto",
        color_continuous_scale="Blues",
        labels=dict(x=r_label, y=f_label, color=""),
    )
    fig.update_layout(title=title, height=340, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def segment_bars(
    summary: pd.DataFrame, labels: list[str], customers_label: str, revenue_label: str, title: str
) -> go.Figure:
    """Share of customers and of revenue per segment, side by side."""
    fig = go.Figure(
        [
            go.Bar(name=customers_label, y=_plain_all(labels), x=summary["pct_customers"], orientation="h"),
            go.Bar(name=revenue_label, y=_plain_all(labels), x=summary["pct_revenue"], orientation="h"),
        ]
    )
    fig.update_layout(
        title=title,
        barmode="group",
        height=max(300, 36 * len(labels) + 80),
        xaxis_title="%",
        yaxis=dict(autorange="reversed"),
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.15),
    )
    return fig


def scatter(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    title: str,
    x_label: str,
    y_label: str,
    seed: int = 0,
    log: bool = True,
) -> tuple[go.Figure, int]:
    """A scatter of at most MAX_POINTS customers (a seeded sample); returns the figure and the
    number of customers shown. On log axes, customers at or below 0 cannot be drawn."""
    shown = frame.sample(MAX_POINTS, random_state=seed) if len(frame) > MAX_POINTS else frame
    if log:
        shown = shown[(shown[x] > 0) & (shown[y] > 0)]
    shown = shown.assign(**{color: shown[color].map(plain), "customer_id": shown["customer_id"].map(plain)})
    fig = px.scatter(
        shown,
        x=x,
        y=y,
        color=color,
        log_x=log,
        log_y=log,
        opacity=0.6,
        color_discrete_sequence=PALETTE,
        labels={x: x_label, y: y_label, color: ""},
        hover_data={"customer_id": True},
    )
    fig.update_traces(marker=dict(size=5))
    fig.update_layout(title=title, height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig, len(shown)


def migration_heatmap(
    table: pd.DataFrame, row_labels: list[str], col_labels: list[str], title: str, fmt: str = ",.0f"
) -> go.Figure:
    fig = px.imshow(
        table.to_numpy(dtype=float),
        x=_plain_all(col_labels),
        y=_plain_all(row_labels),
        text_auto=fmt,
        aspect="auto",
        color_continuous_scale="Oranges",
    )
    fig.update_layout(
        title=title,
        height=max(320, 34 * len(row_labels) + 120),
        margin=dict(l=10, r=10, t=40, b=10),
        coloraxis_showscale=False,
    )
    return fig


def elbow(
    ks: list[int], inertia: list[float], silhouette: list[float], title: str, inertia_label: str, silhouette_label: str
) -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(x=ks, y=inertia, name=inertia_label, mode="lines+markers"),
            go.Scatter(x=ks, y=silhouette, name=silhouette_label, mode="lines+markers", yaxis="y2"),
        ]
    )
    fig.update_layout(
        title=title,
        height=300,
        xaxis_title="k",
        yaxis=dict(title=inertia_label),
        yaxis2=dict(title=silhouette_label, overlaying="y", side="right"),
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.25),
    )
    return fig


def radar(series: list[tuple[str, list[float]]], axes: list[str], title: str, height: int = 420) -> go.Figure:
    """Overlaid radar of percentages (0–100) per axis, one trace per named series."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series):
        fig.add_trace(
            go.Scatterpolar(
                r=[*values, values[0]],
                theta=_plain_all([*axes, axes[0]]),
                name=plain(name),
                fill="toself",
                opacity=0.55,
                line=dict(color=PALETTE[i % len(PALETTE)]),
            )
        )
    fig.update_layout(
        title=title,
        height=height,
        polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%")),
        margin=dict(l=80, r=80, t=60, b=30),
        legend=dict(orientation="h", y=-0.1),
    )
    return fig


def printable(
    title: str,
    subtitle: str,
    axes: list[str],
    values: list[float],
    table_header: list[str],
    table_rows: list[list[str]],
    footer: str,
) -> go.Figure:
    """One printable page: title, radar by group and a results table (for PNG export)."""
    import textwrap

    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3,
        cols=1,
        row_heights=[0.58, 0.32, 0.10],
        vertical_spacing=0.04,
        specs=[[{"type": "polar"}], [{"type": "table"}], [{"type": "table"}]],
    )
    fig.add_trace(
        go.Scatterpolar(
            r=[*values, values[0]],
            theta=_plain_all([*axes, axes[0]]),
            fill="toself",
            showlegend=False,
            line=dict(color="#1f5fa8"),
            fillcolor="rgba(31,95,168,0.35)",
        ),
        row=1,
        col=1,
    )
    columns = [_plain_all(col) for col in zip(*table_rows, strict=True)] if table_rows else [[] for _ in table_header]
    fig.add_trace(
        go.Table(
            header=dict(
                values=_plain_all(table_header), align="left", fill_color="#e8eef7", font=dict(color="#222", size=13)
            ),
            cells=dict(values=columns, align="left", height=26, fill_color="white", font=dict(color="#222", size=13)),
        ),
        row=2,
        col=1,
    )
    width = 60 if any(ord(ch) > 0x2E80 for ch in footer) else 110  # CJK characters are twice as wide
    lines = _plain_all(textwrap.wrap(footer, width))
    fig.add_trace(
        go.Table(
            header=dict(values=[""], fill_color="white", line_color="white", height=4),
            cells=dict(
                values=[lines], align="left", fill_color="white", line_color="white", font=dict(color="#444", size=12)
            ),
        ),
        row=3,
        col=1,
    )
    fig.update_layout(
        template="plotly_white",
        title=dict(text=f"{plain(title)}<br><sup>{plain(subtitle)}</sup>", x=0.03),
        width=900,
        height=1250,
        polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%")),
        margin=dict(l=60, r=60, t=110, b=40),
    )
    return fig


def quadrants(
    frame: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    x_line: float,
    y_line: float,
    names: list[str],
    title: str,
    x_label: str,
    y_label: str,
    log: bool = True,
    seed: int = 0,
) -> tuple[go.Figure, int]:
    """A sampled scatter with the two split lines, the four quadrants shaded and labelled.

    ``names`` label the quadrants in the order top-right, top-left, bottom-right, bottom-left.
    """
    fig, n = scatter(frame, x, y, color, title, x_label, y_label, seed=seed, log=log)
    shown = frame[(frame[x] > 0) & (frame[y] > 0)] if log else frame  # the shaded area spans all customers
    fig.add_vline(x=x_line, line_dash="dash", line_color="#555")
    fig.add_hline(y=y_line, line_dash="dash", line_color="#555")
    corners = [
        (0.98, 0.98, "right", "top"),
        (0.02, 0.98, "left", "top"),
        (0.98, 0.02, "right", "bottom"),
        (0.02, 0.02, "left", "bottom"),
    ]
    for name, (cx, cy, xa, ya) in zip(_plain_all(names), corners, strict=True):
        fig.add_annotation(
            x=cx,
            y=cy,
            xref="paper",
            yref="paper",
            text=f"<b>{name}</b>",
            showarrow=False,
            xanchor=xa,
            yanchor=ya,
            bgcolor="rgba(255,255,255,0.7)",
        )
    x_range = [shown[x].min(), shown[x].max()] if len(shown) else [0, 1]
    y_range = [shown[y].min(), shown[y].max()] if len(shown) else [0, 1]
    for (x0, x1), (y0, y1), colour in (
        ((x_line, x_range[1]), (y_line, y_range[1]), "rgba(44,160,44,0.07)"),
        ((x_range[0], x_line), (y_range[0], y_line), "rgba(214,39,40,0.06)"),
    ):
        fig.add_shape(type="rect", x0=x0, x1=x1, y0=y0, y1=y1, fillcolor=colour, line_width=0, layer="below")
    fig.update_layout(height=480)
    return fig, n


def handout(
    title: str,
    subtitle: str,
    header: list[str],
    rows: list[list[str]],
    footer: str,
    bars: tuple[list[str], list[float], str] | None = None,
) -> go.Figure:
    """A one-page printable handout: title, a chart of the current data (``bars``: labels,
    values, axis title), the rule and strategy table, a footer.

    The last column (the strategy) is wide and wrapped; Plotly does not wrap Chinese text.
    """
    import textwrap

    from plotly.subplots import make_subplots

    def wrap(text: str, ascii_width: int) -> str:
        width = ascii_width // 2 if any(ord(ch) > 0x2E80 for ch in text) else ascii_width
        return "<br>".join(textwrap.wrap(text, width)) or text

    rows = [[*r[:-1], wrap(r[-1], 64)] for r in rows]
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in header]
    lines = sum(max(1, r[-1].count("<br>") + 1) for r in rows)
    table_h = 60 + 30 * lines + 12 * len(rows)
    chart_h = 320 if bars else 0
    fig = make_subplots(
        rows=2 if bars else 1,
        cols=1,
        vertical_spacing=0.08,
        row_heights=[chart_h, table_h] if bars else None,
        specs=[[{"type": "xy"}], [{"type": "table"}]] if bars else [[{"type": "table"}]],
    )
    if bars:
        fig.add_trace(
            go.Bar(
                x=bars[0],
                y=bars[1],
                marker_color="#1f5fa8",
                text=[f"{v:g}" for v in bars[1]],
                textposition="outside",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
        fig.update_yaxes(title_text=bars[2], row=1, col=1)
    fig.add_trace(
        go.Table(
            columnwidth=[1.6] + [0.7] * (len(header) - 2) + [3.6],
            header=dict(values=header, align="left", fill_color="#e8eef7", font=dict(color="#222", size=14)),
            cells=dict(values=columns, align="left", fill_color="white", font=dict(color="#222", size=13)),
        ),
        row=2 if bars else 1,
        col=1,
    )
    fig.update_layout(
        template="plotly_white",
        title=dict(text=f"{title}<br><sup>{subtitle}</sup>", x=0.03),
        width=1100,
        height=200 + chart_h + table_h,
        margin=dict(l=60, r=40, t=110, b=80),
        annotations=[
            dict(
                text=wrap(footer, 150),
                x=0,
                y=-0.02,
                xref="paper",
                yref="paper",
                showarrow=False,
                xanchor="left",
                yanchor="top",
                align="left",
                font=dict(size=12, color="#444"),
            )
        ],
    )
    return fig


def alive_heatmap(grid: pd.DataFrame, title: str, x_label: str, y_label: str) -> go.Figure:
    """P(alive) by repeat purchases (rows) and recency (columns), in %."""
    fig = px.imshow(
        100 * grid.to_numpy(),
        x=[f"{v:.0f}" for v in grid.columns],
        y=[str(v) for v in grid.index],
        origin="lower",
        aspect="auto",
        zmin=0,
        zmax=100,
        color_continuous_scale="RdYlGn",
        labels=dict(x=x_label, y=y_label, color="%"),
    )
    fig.update_layout(title=title, height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def actual_vs_predicted(table: pd.DataFrame, title: str, x_label: str, names: tuple[str, str]) -> go.Figure:
    """Holdout check: mean actual vs predicted repeat purchases per calibration frequency."""
    fig = go.Figure()
    fig.add_bar(x=table["frequency"], y=table["actual"], name=names[0])
    fig.add_scatter(x=table["frequency"], y=table["predicted"], name=names[1], mode="lines+markers")
    fig.update_layout(title=title, height=360, xaxis_title=x_label, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def sankey(counts: pd.DataFrame, from_labels: list[str], to_labels: list[str], title: str) -> go.Figure:
    """Customers from each segment at A (left) to each segment at B (right)."""
    n_from = len(from_labels)
    src, dst, val = [], [], []
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            v = int(counts.iat[i, j])
            if v > 0:
                src.append(i)
                dst.append(n_from + j)
                val.append(v)
    colors = [PALETTE[i % len(PALETTE)] for i in range(max(n_from, len(to_labels)))]
    fig = go.Figure(
        go.Sankey(
            node=dict(
                label=_plain_all(from_labels) + _plain_all(to_labels),
                color=colors[:n_from] + colors[: len(to_labels)],
                pad=12,
            ),
            link=dict(source=src, target=dst, value=val),
        )
    )
    fig.update_layout(title=title, height=520, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def status_bars(status: pd.DataFrame, names: dict[str, str], net_name: str, title: str) -> go.Figure:
    """New, retained and reactivated customers stacked up, lapsed below zero, net growth as a line."""
    fig = go.Figure()
    colors = {"new": "#2ca02c", "retained": "#1f77b4", "reactivated": "#9467bd", "lapsed": "#d62728"}
    for key in ("retained", "reactivated", "new"):
        fig.add_bar(x=status["period"], y=status[key], name=plain(names[key]), marker_color=colors[key])
    fig.add_bar(x=status["period"], y=-status["lapsed"], name=plain(names["lapsed"]), marker_color=colors["lapsed"])
    fig.add_scatter(x=status["period"], y=status["net_growth"], name=plain(net_name), mode="lines+markers")
    fig.update_layout(barmode="relative", title=title, height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def cohort_heatmap(table: pd.DataFrame, value: str, title: str, x_label: str, y_label: str, fmt: str) -> go.Figure:
    """Cohorts (rows) × periods since the first purchase (columns)."""
    grid = table.pivot(index="cohort", columns="period_index", values=value)
    fig = px.imshow(
        grid.to_numpy(dtype=float),
        x=[str(c) for c in grid.columns],
        y=[str(i) for i in grid.index],
        text_auto=fmt,
        aspect="auto",
        color_continuous_scale="Blues",
        labels=dict(x=x_label, y=y_label, color=""),
    )
    fig.update_layout(title=title, height=max(300, 28 * len(grid) + 120), margin=dict(l=10, r=10, t=40, b=10))
    return fig


def trend(frame: pd.DataFrame, x: str, columns: list[str], names: list[str], title: str) -> go.Figure:
    """One line per column (stacked areas): customers per segment at the end of each period."""
    fig = go.Figure()
    for col, name in zip(columns, names, strict=True):
        fig.add_scatter(x=frame[x], y=frame[col], name=plain(name), stackgroup="one", mode="lines")
    fig.update_layout(title=title, height=420, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def group_mix(counts: pd.DataFrame, title: str, x_label: str) -> go.Figure:
    """Each group's segment mix side by side (small multiples as one 100 % bar per group):
    ``counts`` has one row per group and one column per segment label."""
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0) * 100
    groups = _plain_all(counts.index)
    fig = go.Figure(
        [
            go.Bar(
                name=plain(col),
                y=groups,
                x=shares[col],
                orientation="h",
                customdata=counts[col],
                hovertemplate="%{y}: %{x:.1f} % (%{customdata})<extra>" + plain(col) + "</extra>",
            )
            for col in counts.columns
        ]
    )
    fig.update_layout(
        title=title,
        barmode="stack",
        height=max(300, 30 * len(groups) + 120),
        xaxis_title=x_label,
        yaxis=dict(autorange="reversed"),
        margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.2),
    )
    return fig
