//! Telling anomalies from normal data by a score (higher: more anomalous), as an autoencoder's
//! reconstruction error does: the ROC curve, its area (scikit-learn's `roc_auc_score`), the
//! false-positive rate where 95 % of the anomalies are caught (the out-of-distribution
//! literature's "FPR at 95 % TPR"), and a summary of a set of scores.
//!
//! Written here rather than taken from a crate: each is a sort and a count, and the one crate of
//! this kind at hand, linfa (`BinaryClassification::roc`), takes predictions typed as
//! probabilities and returns its curve and area in `f32`; this crate does not depend on linfa.

use serde::Serialize;

use crate::{Error, Result};

/// One point of a ROC curve: of the scores at or above one threshold, the share of the normal
/// ones (false positives) and of the anomalies (true positives).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RocPoint {
    /// Scores at or above this are called anomalies.
    pub threshold: f64,
    /// Share of the normal scores called anomalies.
    pub false_positive_rate: f64,
    /// Share of the anomalies' scores called anomalies.
    pub true_positive_rate: f64,
}

fn check(name: &str, scores: &[f64]) -> Result<()> {
    if scores.is_empty() {
        return Err(Error::InvalidInput(format!("no {name} scores")));
    }
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::InvalidInput(format!(
            "{name} score {i} is not finite ({})",
            scores[i]
        )));
    }
    Ok(())
}

/// Every score with whether it is an anomaly's, after checking both sets.
fn labelled(normal: &[f64], anomalous: &[f64]) -> Result<Vec<(f64, bool)>> {
    check("normal", normal)?;
    check("anomalous", anomalous)?;
    Ok(normal
        .iter()
        .map(|&s| (s, false))
        .chain(anomalous.iter().map(|&s| (s, true)))
        .collect())
}

/// The ROC curve of `normal` against `anomalous` scores: one point per distinct score, from the
/// highest threshold down, after a first point (0, 0) whose threshold is +∞ — scikit-learn's
/// `roc_curve(…, drop_intermediate=False)` with the anomalies as the positive class.
pub fn roc_curve(normal: &[f64], anomalous: &[f64]) -> Result<Vec<RocPoint>> {
    // Highest first.
    let mut all = labelled(normal, anomalous)?;
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (n, p) = (normal.len() as f64, anomalous.len() as f64);
    let mut points = vec![RocPoint {
        threshold: f64::INFINITY,
        false_positive_rate: 0.0,
        true_positive_rate: 0.0,
    }];
    let (mut false_pos, mut true_pos) = (0usize, 0usize);
    for (i, &(score, anomaly)) in all.iter().enumerate() {
        if anomaly {
            true_pos += 1;
        } else {
            false_pos += 1;
        }
        // A point once every score equal to this one is counted.
        if all.get(i + 1).is_none_or(|next| next.0 < score) {
            points.push(RocPoint {
                threshold: score,
                false_positive_rate: false_pos as f64 / n,
                true_positive_rate: true_pos as f64 / p,
            });
        }
    }
    Ok(points)
}

/// The area under the ROC curve: the chance that a random anomaly scores above a random normal
/// image, ties counting a half (Mann–Whitney's U over the product of the sizes).
pub fn roc_auc(normal: &[f64], anomalous: &[f64]) -> Result<f64> {
    let mut all = labelled(normal, anomalous)?;
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Sum of the anomalies' ranks (1-based), tied scores sharing their mean rank.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < all.len() {
        let end = start
            + all[start..]
                .iter()
                .take_while(|x| x.0 == all[start].0)
                .count();
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let anomalies = all[start..end].iter().filter(|x| x.1).count();
        rank_sum += mean_rank * anomalies as f64;
        start = end;
    }
    let (n, p) = (normal.len() as f64, anomalous.len() as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

/// The first point of the ROC curve that catches at least `rate` of the anomalies: its
/// threshold and false-positive rate (`rate` = 0.95 gives "FPR at 95 % TPR").
pub fn at_true_positive_rate(curve: &[RocPoint], rate: f64) -> Result<RocPoint> {
    if !(0.0..=1.0).contains(&rate) {
        return Err(Error::InvalidInput(format!(
            "true-positive rate {rate} is outside [0, 1]"
        )));
    }
    curve
        .iter()
        .find(|p| p.true_positive_rate >= rate)
        .copied()
        .ok_or_else(|| Error::InvalidInput("an empty ROC curve".into()))
}

/// Where a set of scores lies.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoreSummary {
    /// How many scores.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// The lowest.
    pub min: f64,
    /// The median (quantiles interpolate linearly between order statistics, NumPy's default).
    pub median: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The highest.
    pub max: f64,
}

/// The summary of `scores` (finite, at least one).
pub fn summarise(scores: &[f64]) -> Result<ScoreSummary> {
    check("", scores)?;
    let mut sorted = scores.to_vec();
    sorted.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        let at = q * (sorted.len() - 1) as f64;
        let (below, frac) = (at.floor() as usize, at.fract());
        let above = (below + 1).min(sorted.len() - 1);
        sorted[below] + frac * (sorted[above] - sorted[below])
    };
    Ok(ScoreSummary {
        count: sorted.len(),
        mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        min: sorted[0],
        median: quantile(0.5),
        p95: quantile(0.95),
        p99: quantile(0.99),
        max: sorted[sorted.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trapezoids under the curve.
    fn area(curve: &[RocPoint]) -> f64 {
        curve
            .windows(2)
            .map(|w| {
                (w[1].false_positive_rate - w[0].false_positive_rate)
                    * (w[1].true_positive_rate + w[0].true_positive_rate)
                    / 2.0
            })
            .sum()
    }

    #[test]
    fn known_values_with_ties() {
        // scikit-learn 1.9.1: y = [0, 0, 0, 0, 1, 1, 1], s = [0.1, 0.4, 0.35, 0.8, 0.35, 0.9, 0.4]
        // roc_auc_score → 2/3; roc_curve(drop_intermediate=False) → fpr [0, 0, .25, .5, .75, 1],
        // tpr [0, 1/3, 1/3, 2/3, 1, 1], thresholds [inf, .9, .8, .4, .35, .1].
        let normal = [0.1, 0.4, 0.35, 0.8];
        let anomalous = [0.35, 0.9, 0.4];
        let auc = roc_auc(&normal, &anomalous).unwrap();
        assert!((auc - 2.0 / 3.0).abs() < 1e-12, "{auc}");
        let curve = roc_curve(&normal, &anomalous).unwrap();
        let fpr: Vec<f64> = curve.iter().map(|p| p.false_positive_rate).collect();
        let tpr: Vec<f64> = curve.iter().map(|p| p.true_positive_rate).collect();
        let thresholds: Vec<f64> = curve.iter().map(|p| p.threshold).collect();
        assert_eq!(fpr, [0.0, 0.0, 0.25, 0.5, 0.75, 1.0]);
        for (t, want) in tpr
            .iter()
            .zip([0.0, 1.0 / 3.0, 1.0 / 3.0, 2.0 / 3.0, 1.0, 1.0])
        {
            assert!((t - want).abs() < 1e-12, "{tpr:?}");
        }
        assert_eq!(thresholds, [f64::INFINITY, 0.9, 0.8, 0.4, 0.35, 0.1]);
        // The curve's area is the rank statistic.
        assert!((area(&curve) - auc).abs() < 1e-12);
        // Catching 95 % of the anomalies takes the threshold 0.35: three normal scores in four
        // are called anomalies too.
        let p = at_true_positive_rate(&curve, 0.95).unwrap();
        assert_eq!((p.threshold, p.false_positive_rate), (0.35, 0.75));
    }

    #[test]
    fn separated_reversed_and_equal_scores() {
        let low = [0.1, 0.2, 0.3];
        let high = [0.7, 0.8];
        assert_eq!(roc_auc(&low, &high).unwrap(), 1.0);
        assert_eq!(roc_auc(&high, &low).unwrap(), 0.0);
        assert_eq!(roc_auc(&[0.5; 4], &[0.5; 3]).unwrap(), 0.5);
        let p = at_true_positive_rate(&roc_curve(&low, &high).unwrap(), 0.95).unwrap();
        assert_eq!((p.threshold, p.false_positive_rate), (0.7, 0.0));
    }

    #[test]
    fn area_equals_rank_statistic_on_random_scores() {
        // Scores on a coarse grid, so that ties across and within the sets are many.
        let mut state = 12345u64;
        let mut draw = |shift: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 20 + shift) as f64 / 10.0
        };
        let normal: Vec<f64> = (0..300).map(|_| draw(0)).collect();
        let anomalous: Vec<f64> = (0..200).map(|_| draw(5)).collect();
        let auc = roc_auc(&normal, &anomalous).unwrap();
        let curve = roc_curve(&normal, &anomalous).unwrap();
        assert!((area(&curve) - auc).abs() < 1e-12);
        // The brute-force count over every pair.
        let mut wins = 0.0;
        for a in &anomalous {
            for n in &normal {
                wins += if a > n {
                    1.0
                } else if a == n {
                    0.5
                } else {
                    0.0
                };
            }
        }
        assert!((wins / (300.0 * 200.0) - auc).abs() < 1e-12);
        assert!(auc > 0.6 && auc < 1.0, "{auc}");
    }

    #[test]
    fn summary_matches_numpy() {
        // NumPy: mean 3.7, median 3.5, percentile 95 → 7.65, 99 → 8.73 (linear interpolation).
        let s = summarise(&[1.0, 9.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0, 0.0, 6.0]).unwrap();
        assert_eq!((s.count, s.min, s.max), (10, 0.0, 9.0));
        assert!((s.mean - 3.7).abs() < 1e-12);
        assert!((s.median - 3.5).abs() < 1e-12);
        assert!((s.p95 - 7.65).abs() < 1e-12, "{}", s.p95);
        assert!((s.p99 - 8.73).abs() < 1e-12, "{}", s.p99);
    }

    #[test]
    fn bad_scores_are_refused() {
        assert!(roc_auc(&[], &[1.0]).is_err());
        assert!(roc_curve(&[1.0], &[]).is_err());
        let e = roc_auc(&[1.0, f64::NAN], &[1.0]).unwrap_err().to_string();
        assert!(e.contains("normal score 1 is not finite"), "{e}");
        assert!(summarise(&[]).is_err());
        assert!(at_true_positive_rate(&[], 1.5).is_err());
    }
}
