"""Reference values for ae-eval's trustworthiness tests (crates/ae-eval/src/embedding.rs).

Builds the tests' fixtures exactly as the Rust tests do and prints scikit-learn's
`sklearn.manifold.trustworthiness` of each. Run with any Python that has scikit-learn:

    python scripts/reference_trustworthiness.py
"""

import numpy as np
from sklearn.manifold import trustworthiness

# The hand-worked case: a line with doubling gaps; the map swaps its first and last points.
x = np.array([0, 1, 3, 7, 15, 31], dtype=np.float32)[:, None]
y = np.array([31, 1, 3, 7, 15, 0], dtype=np.float32)[:, None]
print("line, k = 1:", repr(trustworthiness(x, y, n_neighbors=1)))

# 40 points in 6-D and an unrelated 2-D map, from closed forms (no generator to agree on).
i = np.arange(40, dtype=np.float64)[:, None]
x = np.sin(1.3 * i + 0.7 * np.arange(6, dtype=np.float64) ** 2 + 0.1).astype(np.float32)
y = np.cos(2.1 * i + 1.7 * np.arange(2, dtype=np.float64)).astype(np.float32)
for k in (1, 5, 10):
    print(f"sines, k = {k}:", repr(trustworthiness(x, y, n_neighbors=k)))
