//! Clustering quality against known labels.

use std::collections::HashMap;

use ndarray::ArrayView2;
use pathfinding::prelude::{kuhn_munkres, Matrix};
use serde::Serialize;

use crate::{Error, Result};

/// Counts of (cluster, label) pairs; rows are clusters, columns labels, both 0-based and dense.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfusionMatrix {
    /// `counts[cluster][label]`.
    pub counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// Builds the matrix; `clusters` and `labels` must have the same length.
    pub fn new(clusters: &[usize], labels: &[usize]) -> Result<Self> {
        if clusters.len() != labels.len() {
            return Err(Error::InvalidInput(format!(
                "{} cluster ids but {} labels",
                clusters.len(),
                labels.len()
            )));
        }
        if clusters.is_empty() {
            return Err(Error::InvalidInput("no points".into()));
        }
        let rows = clusters.iter().max().map_or(0, |m| m + 1);
        let cols = labels.iter().max().map_or(0, |m| m + 1);
        let mut counts = vec![vec![0u64; cols]; rows];
        for (&c, &l) in clusters.iter().zip(labels) {
            counts[c][l] += 1;
        }
        Ok(ConfusionMatrix { counts })
    }

    /// Number of clusters (rows).
    pub fn n_clusters(&self) -> usize {
        self.counts.len()
    }
    /// Number of labels (columns).
    pub fn n_labels(&self) -> usize {
        self.counts.first().map_or(0, Vec::len)
    }
    /// Total number of points.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }
}

/// Accuracy after the best one-to-one matching of clusters to labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterAccuracy {
    /// Share of points whose cluster is matched to their label.
    pub accuracy: f64,
    /// `mapping[cluster] = Some(label)`, or `None` for a cluster left unmatched (more clusters
    /// than labels).
    pub mapping: Vec<Option<usize>>,
    /// The confusion matrix it was computed from.
    pub confusion: ConfusionMatrix,
}

/// The best one-to-one relabelling (Kuhn–Munkres, maximising matched counts) and its accuracy.
/// Works for any numbers of clusters and labels.
pub fn cluster_accuracy(clusters: &[usize], labels: &[usize]) -> Result<ClusterAccuracy> {
    let confusion = ConfusionMatrix::new(clusters, labels)?;
    let (r, c) = (confusion.n_clusters(), confusion.n_labels());
    let mut mapping = vec![None; r];
    let matched: u64 = if r <= c {
        let m = Matrix::from_fn(r, c, |(i, j)| confusion.counts[i][j] as i64);
        let (total, assignment) = kuhn_munkres(&m);
        for (i, &j) in assignment.iter().enumerate() {
            mapping[i] = Some(j);
        }
        total as u64
    } else {
        // kuhn_munkres needs rows ≤ columns: match labels to clusters instead.
        let m = Matrix::from_fn(c, r, |(j, i)| confusion.counts[i][j] as i64);
        let (total, assignment) = kuhn_munkres(&m);
        for (j, &i) in assignment.iter().enumerate() {
            mapping[i] = Some(j);
        }
        total as u64
    };
    Ok(ClusterAccuracy {
        accuracy: matched as f64 / confusion.total() as f64,
        mapping,
        confusion,
    })
}

fn entropy(counts: impl Iterator<Item = u64>, n: f64) -> f64 {
    counts
        .filter(|&c| c > 0)
        .map(|c| {
            let p = c as f64 / n;
            -p * p.ln()
        })
        .sum()
}

/// Normalised mutual information, arithmetic-mean normalisation (scikit-learn's default).
/// 1 for identical partitions (up to renaming); defined as 1 when both are a single cluster.
pub fn nmi(clusters: &[usize], labels: &[usize]) -> Result<f64> {
    let cm = ConfusionMatrix::new(clusters, labels)?;
    let n = cm.total() as f64;
    let row: Vec<u64> = cm.counts.iter().map(|r| r.iter().sum()).collect();
    let col: Vec<u64> = (0..cm.n_labels())
        .map(|j| cm.counts.iter().map(|r| r[j]).sum())
        .collect();
    let (hu, hv) = (
        entropy(row.iter().copied(), n),
        entropy(col.iter().copied(), n),
    );
    if hu == 0.0 && hv == 0.0 {
        return Ok(1.0);
    }
    let mut mi = 0.0;
    for (i, r) in cm.counts.iter().enumerate() {
        for (j, &nij) in r.iter().enumerate() {
            if nij > 0 {
                let nij = nij as f64;
                mi += nij / n * (n * nij / (row[i] as f64 * col[j] as f64)).ln();
            }
        }
    }
    let denom = (hu + hv) / 2.0;
    Ok(if denom == 0.0 {
        0.0
    } else {
        (mi / denom).clamp(0.0, 1.0)
    })
}

/// Adjusted Rand index (Hubert & Arabie): 1 for identical partitions, about 0 for random ones.
pub fn ari(clusters: &[usize], labels: &[usize]) -> Result<f64> {
    let cm = ConfusionMatrix::new(clusters, labels)?;
    let comb2 = |x: u64| (x as f64) * (x as f64 - 1.0) / 2.0;
    let n = cm.total();
    let sum_ij: f64 = cm.counts.iter().flatten().map(|&x| comb2(x)).sum();
    let sum_a: f64 = cm.counts.iter().map(|r| comb2(r.iter().sum())).sum();
    let sum_b: f64 = (0..cm.n_labels())
        .map(|j| comb2(cm.counts.iter().map(|r| r[j]).sum()))
        .sum();
    let expected = sum_a * sum_b / comb2(n);
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        return Ok(1.0);
    }
    Ok((sum_ij - expected) / (max - expected))
}

/// How often the nearest neighbours of a point share its label: the purity of a neighbour graph
/// (SCAN's "neighbour accuracy"). It says how much a clustering that follows the graph (UMAP,
/// spectral methods, self-labelling from neighbours) can reach at best, before any clustering is
/// done: where a label's points have half their neighbours in other labels, no partition of the
/// graph separates that label well.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeighbourPurity {
    /// Neighbours per point.
    pub k: usize,
    /// Share of all neighbour pairs whose labels agree (the mean over points of each point's share).
    pub overall: f64,
    /// The same mean over the points of each label, by label (by cluster where clusters were
    /// given as the labels).
    pub per_label: Vec<f64>,
}

/// The purity of `neighbours` (row `i`: the indices of point `i`'s nearest other points) against
/// `labels` (dense, 0-based). Any partition serves as the labels: given a clustering's clusters, it
/// says how cleanly the graph is cut along them.
pub fn neighbour_purity(neighbours: ArrayView2<u32>, labels: &[usize]) -> Result<NeighbourPurity> {
    let (n, k) = neighbours.dim();
    if n != labels.len() {
        return Err(Error::InvalidInput(format!(
            "neighbours of {n} points but {} labels",
            labels.len()
        )));
    }
    if n == 0 || k == 0 {
        return Err(Error::InvalidInput("no points or no neighbours".into()));
    }
    let n_labels = labels.iter().max().map_or(0, |m| m + 1);
    let mut agree = vec![0u64; n_labels];
    let mut points = vec![0u64; n_labels];
    for (row, &label) in neighbours.rows().into_iter().zip(labels) {
        let mut same = 0u64;
        for &j in row {
            let other = labels.get(j as usize).ok_or_else(|| {
                Error::InvalidInput(format!("neighbour index {j} outside the {n} points"))
            })?;
            same += u64::from(*other == label);
        }
        agree[label] += same;
        points[label] += 1;
    }
    let share = |a: u64, p: u64| a as f64 / (p as f64 * k as f64);
    Ok(NeighbourPurity {
        k,
        overall: share(agree.iter().sum(), n as u64),
        per_label: agree
            .iter()
            .zip(&points)
            .map(|(&a, &p)| if p == 0 { f64::NAN } else { share(a, p) })
            .collect(),
    })
}

/// Relabels arbitrary cluster ids to dense 0-based ids in order of first appearance.
pub fn densify(ids: &[usize]) -> Vec<usize> {
    let mut map = HashMap::new();
    ids.iter()
        .map(|&i| {
            let next = map.len();
            *map.entry(i).or_insert(next)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn seed_003_example() {
        // Clusters (1,1,2,2,2) against labels (2,2,1,1,1): a perfect relabelling.
        let acc = cluster_accuracy(&[1, 1, 2, 2, 2], &[2, 2, 1, 1, 1]).unwrap();
        assert_eq!(acc.accuracy, 1.0);
        assert_eq!(acc.mapping[1], Some(2));
        assert_eq!(acc.mapping[2], Some(1));
        assert!((nmi(&[1, 1, 2, 2, 2], &[2, 2, 1, 1, 1]).unwrap() - 1.0).abs() < 1e-12);
        assert!((ari(&[1, 1, 2, 2, 2], &[2, 2, 1, 1, 1]).unwrap() - 1.0).abs() < 1e-12);
    }

    fn brute_force(clusters: &[usize], labels: &[usize]) -> f64 {
        let cm = ConfusionMatrix::new(clusters, labels).unwrap();
        let (r, c) = (cm.n_clusters(), cm.n_labels());
        let size = r.max(c);
        // Every injective matching, via permutations of a square padding.
        fn perms(items: &mut Vec<usize>, k: usize, out: &mut Vec<Vec<usize>>) {
            if k == items.len() {
                out.push(items.clone());
                return;
            }
            for i in k..items.len() {
                items.swap(k, i);
                perms(items, k + 1, out);
                items.swap(k, i);
            }
        }
        let mut all = Vec::new();
        perms(&mut (0..size).collect(), 0, &mut all);
        let best = all
            .iter()
            .map(|p| {
                (0..r)
                    .filter(|&i| p[i] < c)
                    .map(|i| cm.counts[i][p[i]])
                    .sum::<u64>()
            })
            .max()
            .unwrap();
        best as f64 / cm.total() as f64
    }

    #[test]
    fn equals_brute_force_on_random_cases() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for case in 0..200 {
            let (k, m) = (rng.gen_range(1..6), rng.gen_range(1..6));
            let n = rng.gen_range(1..40);
            let clusters: Vec<usize> = (0..n).map(|_| rng.gen_range(0..k)).collect();
            let labels: Vec<usize> = (0..n).map(|_| rng.gen_range(0..m)).collect();
            let got = cluster_accuracy(&clusters, &labels).unwrap().accuracy;
            let want = brute_force(&clusters, &labels);
            assert!((got - want).abs() < 1e-12, "case {case}: {got} vs {want}");
        }
    }

    #[test]
    fn rectangular_cases() {
        // 3 clusters, 2 labels: the third cluster stays unmatched.
        let acc = cluster_accuracy(&[0, 0, 1, 1, 2], &[1, 1, 0, 0, 0]).unwrap();
        assert_eq!(acc.accuracy, 0.8);
        assert_eq!(acc.mapping, vec![Some(1), Some(0), None]);
        // 1 cluster, 3 labels: the majority label wins.
        assert_eq!(
            cluster_accuracy(&[0, 0, 0, 0], &[2, 2, 1, 0])
                .unwrap()
                .accuracy,
            0.5
        );
    }

    #[test]
    fn nmi_and_ari_known_values() {
        // scikit-learn: normalized_mutual_info_score([0,0,1,1],[0,0,1,2]) = 0.8
        assert!((nmi(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap() - 0.8).abs() < 1e-12);
        // scikit-learn: adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285715
        assert!((ari(&[0, 0, 1, 1], &[0, 0, 1, 2]).unwrap() - 4.0 / 7.0).abs() < 1e-12);
        // adjusted_rand_score([0,0,1,2],[0,0,1,1]) = 0.5714… (symmetric); [0,1,2,3] vs [0,0,1,1] = 0
        assert!(ari(&[0, 1, 2, 3], &[0, 0, 1, 1]).unwrap().abs() < 1e-12);
        assert!(cluster_accuracy(&[0, 1], &[0]).is_err());
    }

    #[test]
    fn neighbour_purity_counts_agreeing_pairs_per_label() {
        // Points 0–2 are label 0, points 3–4 label 1; two neighbours each.
        let nn = ndarray::array![[1u32, 2], [0, 3], [0, 4], [4, 0], [3, 1]];
        let labels = [0, 0, 0, 1, 1];
        let p = neighbour_purity(nn.view(), &labels).unwrap();
        // Agreeing pairs: 2 + 1 + 1 (label 0, of 6) and 1 + 1 (label 1, of 4).
        assert_eq!(p.k, 2);
        assert!((p.per_label[0] - 4.0 / 6.0).abs() < 1e-12, "{p:?}");
        assert!((p.per_label[1] - 2.0 / 4.0).abs() < 1e-12, "{p:?}");
        assert!((p.overall - 6.0 / 10.0).abs() < 1e-12, "{p:?}");

        let wrong_len = neighbour_purity(nn.view(), &labels[..4]).unwrap_err();
        assert!(wrong_len.to_string().contains("4 labels"), "{wrong_len}");
        let outside = ndarray::array![[5u32], [0]];
        let e = neighbour_purity(outside.view(), &[0, 0]).unwrap_err();
        assert!(e.to_string().contains("index 5"), "{e}");
    }
}
