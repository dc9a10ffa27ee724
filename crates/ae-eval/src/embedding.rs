//! How faithful a low-dimensional map (UMAP, t-SNE, PCA to 2-D) is to the points it was made
//! from: trustworthiness, as scikit-learn's `sklearn.manifold.trustworthiness` computes it.

use ndarray::{s, Array1, ArrayView2, Axis};

use crate::{Error, Result};

/// Rows of the input whose distances to every point are held at once (`ROWS × n` values).
const ROWS: usize = 256;

/// Trustworthiness of a map (Venna & Kaski 2001), in [0, 1]: with `k` = the columns of
/// `map_neighbours` (each point's k nearest neighbours in the map, itself excluded),
///
/// T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σᵢ Σ_{j ∈ Uₖ(i)} (r(i, j) − k),
///
/// where Uₖ(i) are i's neighbours in the map that are not among its k nearest in `input`, and
/// r(i, j) is j's rank among i's neighbours in `input` (1 = the nearest), by Euclidean distance.
/// 1 when every neighbourhood of the map was one in the input; it falls as the map brings
/// together points that were far apart. scikit-learn's function gives the same value (its
/// default k is 5).
///
/// The input's distances are computed `ROWS` rows at a time as ‖x‖² + ‖y‖² − 2 x·y in `f32`,
/// so memory stays at `ROWS × n` values; each needed rank counts the points closer than j.
pub fn trustworthiness(input: ArrayView2<f32>, map_neighbours: ArrayView2<u32>) -> Result<f64> {
    let (n, k) = map_neighbours.dim();
    if input.nrows() != n {
        return Err(Error::InvalidInput(format!(
            "{} input points but map neighbours of {n}",
            input.nrows()
        )));
    }
    // The normalisation 2n − 3k − 1 must stay positive, as scikit-learn requires.
    if k == 0 || 2 * k >= n {
        return Err(Error::InvalidInput(format!(
            "trustworthiness with {k} neighbours needs more than {} points, not {n}",
            2 * k
        )));
    }
    if let Some(&bad) = map_neighbours.iter().find(|&&j| j as usize >= n) {
        return Err(Error::InvalidInput(format!(
            "map neighbour {bad} of {n} points"
        )));
    }
    let squares: Array1<f32> = input.map_axis(Axis(1), |r| r.dot(&r));
    let mut penalty = 0u64;
    for start in (0..n).step_by(ROWS) {
        let end = (start + ROWS).min(n);
        let block = input.slice(s![start..end, ..]);
        // Squared distances up to the per-row constant ‖xᵢ‖², which ranks within a row ignore.
        let mut d = block.dot(&input.t());
        d.zip_mut_with(&squares.view().insert_axis(Axis(0)), |v, &sq| {
            *v = sq - 2.0 * *v
        });
        for (offset, row) in d.rows().into_iter().enumerate() {
            let i = start + offset;
            for &j in map_neighbours.row(i) {
                let j = j as usize;
                if j == i {
                    continue;
                }
                let dij = row[j];
                let closer = row
                    .iter()
                    .enumerate()
                    .filter(|&(l, &v)| l != i && v < dij)
                    .count();
                let rank = closer as u64 + 1;
                penalty += rank.saturating_sub(k as u64);
            }
        }
    }
    let (n, k) = (n as f64, k as f64);
    Ok(1.0 - penalty as f64 * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    /// Each point's k nearest others in `x`, by brute force.
    fn neighbours(x: &Array2<f32>, k: usize) -> Array2<u32> {
        let n = x.nrows();
        let mut out = Array2::zeros((n, k));
        for i in 0..n {
            let mut others: Vec<(f32, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| ((&x.row(i) - &x.row(j)).mapv(|v| v * v).sum(), j))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (c, &(_, j)) in others.iter().take(k).enumerate() {
                out[[i, c]] = j as u32;
            }
        }
        out
    }

    #[test]
    fn a_map_that_keeps_every_neighbourhood_scores_one() {
        let x = array![
            [0.0f32, 0.0],
            [1.0, 0.1],
            [2.1, 0.0],
            [3.3, 0.2],
            [4.6, 0.0],
            [6.0, 0.1]
        ];
        // The first coordinate alone keeps every point's neighbours in order.
        let map = x.slice(s![.., 0..1]).to_owned();
        let t = trustworthiness(x.view(), neighbours(&map, 2).view()).unwrap();
        assert!((t - 1.0).abs() < 1e-12, "{t}");
    }

    #[test]
    fn a_map_that_swaps_two_points_is_scored_as_by_hand() {
        // A line with doubling gaps (0, 1, 3, 7, 15, 31); the map keeps it but swaps the first
        // and the last point. With k = 1, the map's nearest neighbour of
        //   0 (now at 31) is 15, 0's 4th in the input: penalty 4 − 1 = 3;
        //   1 is 31 (now at 0), 1's 5th in the input: 4;
        //   31 (now at 0) is 1, 31's 4th in the input: 3;
        //   3, 7 and 15 keep their nearest (1, 3, 7): 0.
        // T = 1 − 2 · (3 + 4 + 3) / (6 · 1 · (2 · 6 − 3 − 1)) = 1 − 20/48; scikit-learn's
        // trustworthiness(x, y, n_neighbors=1) gives the same (scripts/reference_trustworthiness.py).
        let x = array![[0.0f32], [1.0], [3.0], [7.0], [15.0], [31.0]];
        let map = array![[31.0f32], [1.0], [3.0], [7.0], [15.0], [0.0]];
        let t = trustworthiness(x.view(), neighbours(&map, 1).view()).unwrap();
        assert!((t - (1.0 - 20.0 / 48.0)).abs() < 1e-12, "{t}");
    }

    #[test]
    fn matches_scikit_learn_on_an_unrelated_map() {
        // 40 points in 6-D and a 2-D map unrelated to them, from closed forms; the values are
        // scikit-learn 1.9.1's `trustworthiness(x, y, n_neighbors=k)` of the same arrays
        // (scripts/reference_trustworthiness.py builds them as here).
        let x = Array2::from_shape_fn((40, 6), |(i, d)| {
            (1.3 * i as f64 + 0.7 * (d * d) as f64 + 0.1).sin() as f32
        });
        let y = Array2::from_shape_fn((40, 2), |(i, c)| {
            (2.1 * i as f64 + 1.7 * c as f64).cos() as f32
        });
        for (k, expected) in [
            (1, 0.2388157894736842),
            (5, 0.46390624999999996),
            (10, 0.5190816326530612),
        ] {
            let t = trustworthiness(x.view(), neighbours(&y, k).view()).unwrap();
            assert!(
                (t - expected).abs() < 1e-12,
                "k = {k}: {t} against {expected}"
            );
        }
    }

    #[test]
    fn inputs_that_do_not_fit_are_refused() {
        let x = Array2::<f32>::zeros((6, 2));
        let nn = Array2::<u32>::zeros((5, 1));
        assert!(trustworthiness(x.view(), nn.view()).is_err());
        let nn = Array2::<u32>::zeros((6, 3));
        assert!(trustworthiness(x.view(), nn.view()).is_err());
        let nn = Array2::<u32>::from_elem((6, 1), 6);
        assert!(trustworthiness(x.view(), nn.view()).is_err());
    }
}
