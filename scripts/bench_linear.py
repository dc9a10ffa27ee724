"""scikit-learn's side of `cargo xtask bench-linear`.

Fits the same models on the same MNIST training images (pixels / 255, float32) as
`ae_linear`'s benchmark and prints one JSON object: for each case, the fit seconds of every
repetition and the iterations (k-means). Run by the xtask from its own virtual environment.
"""

import argparse
import gzip
import json
import time

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def hungarian_accuracy(clusters, labels):
    confusion = np.zeros((10, 10), dtype=np.int64)
    np.add.at(confusion, (clusters, labels), 1)
    rows, cols = linear_sum_assignment(-confusion)
    return float(confusion[rows, cols].sum() / len(labels))


def timed(fit, reps):
    seconds, result = [], None
    for _ in range(reps):
        start = time.perf_counter()
        result = fit()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-images", required=True)
    ap.add_argument("--train-labels", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--kmeans-reps", type=int, default=3)
    args = ap.parse_args()
    labels = read_idx(args.train_labels).astype(np.int64)
    x = read_idx(args.train_images).reshape(-1, 784).astype(np.float32) / np.float32(255.0)

    out = {}
    # sklearn's names for our solvers: eigh = covariance_eigh, svd = full.
    for ours, theirs in [("eigh", "covariance_eigh"), ("svd", "full"), ("randomized", "randomized")]:
        reps = 1 if ours == "svd" else args.reps
        secs, pca = timed(lambda: PCA(32, svd_solver=theirs, random_state=0).fit(x), reps)
        out[f"pca32_{ours}"] = {"seconds": secs, "evr_sum": float(pca.explained_variance_ratio_.sum())}

    codes = PCA(32, svd_solver="covariance_eigh").fit_transform(x)
    # Ten columns, as the UMAP embeddings `ae cluster` clusters.
    codes10 = np.ascontiguousarray(codes[:, :10])
    for name, data in [("kmeans_pixels", x), ("kmeans_pca32", codes), ("kmeans_pca10", codes10)]:
        secs, iters, inertia, accuracy = [], [], [], []
        for rep in range(args.kmeans_reps):
            start = time.perf_counter()
            km = KMeans(10, n_init=1, random_state=rep).fit(data)
            secs.append(time.perf_counter() - start)
            iters.append(int(km.n_iter_))
            inertia.append(float(km.inertia_))
            accuracy.append(hungarian_accuracy(km.labels_, labels))
        out[name] = {"seconds": secs, "iterations": iters, "inertia": inertia, "accuracy": accuracy}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
