"""k-means on log-transformed, scaled R/F/M, with the figures that help choose k."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SAMPLE = 5000  # silhouette is quadratic in the number of points


@dataclass
class Clusters:
    labels: np.ndarray  # cluster per customer, 0..k-1, ordered by average M (0 = lowest)
    profile: pd.DataFrame  # cluster, customers, pct_customers, revenue, pct_revenue, avg R/F/M, segment, segment_share


def features(values: np.ndarray) -> np.ndarray:
    """log1p of R, F and max(M, 0), each scaled to mean 0 and unit variance."""
    from sklearn.preprocessing import StandardScaler

    x = np.log1p(np.clip(values, 0, None))
    return StandardScaler().fit_transform(x)


def choose_k(values: np.ndarray, ks=range(2, 9), seed: int = 0) -> pd.DataFrame:
    """Inertia (elbow) and silhouette for each k, on a seeded sample of at most SAMPLE customers."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    x = features(values)
    rng = np.random.default_rng(seed)
    if len(x) > SAMPLE:
        x = x[rng.choice(len(x), SAMPLE, replace=False)]
    rows = []
    for k in ks:
        if k >= len(x):
            break
        km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
        try:
            sil = silhouette_score(x, km.labels_) if len(set(km.labels_)) > 1 else float("nan")
        except ValueError:  # as many clusters as distinct customers: no silhouette
            sil = float("nan")
        rows.append({"k": k, "inertia": float(km.inertia_), "silhouette": float(sil)})
    return pd.DataFrame(rows)


def kmeans(values: np.ndarray, revenue: np.ndarray, segments: np.ndarray, k: int, seed: int = 0) -> Clusters:
    """Cluster customers; describe each cluster by its averages and the segment most of it is in."""
    from sklearn.cluster import KMeans

    x = features(values)
    k = max(1, min(k, len(x)))
    raw = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x)
    # clusters numbered by average M; with fewer distinct customers than k some stay empty
    order = pd.Series(values[:, 2]).groupby(raw).mean().sort_values().index.to_numpy()
    rank = np.full(k, -1)
    rank[order] = np.arange(len(order))
    labels = rank[raw]
    frame = pd.DataFrame(
        {
            "cluster": labels,
            "r": values[:, 0],
            "f": values[:, 1],
            "m": values[:, 2],
            "revenue": revenue,
            "segment": segments,
        }
    )
    g = frame.groupby("cluster")
    top = g["segment"].agg(lambda s: s.value_counts().index[0])
    share = g["segment"].agg(lambda s: 100 * s.value_counts(normalize=True).iloc[0])
    profile = pd.DataFrame(
        {
            "cluster": g.size().index,
            "customers": g.size().to_numpy(),
            "revenue": g["revenue"].sum().to_numpy(),
            "avg_recency": g["r"].mean().to_numpy(),
            "avg_frequency": g["f"].mean().to_numpy(),
            "avg_m": g["m"].mean().to_numpy(),
            "segment": top.to_numpy(),
            "segment_share": share.to_numpy(),
        }
    )
    profile.insert(2, "pct_customers", 100 * profile["customers"] / len(frame))
    total = revenue.sum()
    profile.insert(4, "pct_revenue", 100 * profile["revenue"] / total if total else np.nan)
    return Clusters(labels, profile)
