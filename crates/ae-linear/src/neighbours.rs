//! Exact k nearest neighbours (Euclidean) of every row, by blocks of one GEMM each.
//!
//! Written here rather than taken from an approximate index (`hnsw_rs`): the data sets this
//! project clusters are at most 70,000 rows, where the exact answer costs one n × n product
//! (about 1 s for 10 columns, about a minute for 784 on these 2 cores) plus a selection, and an
//! exact answer is deterministic and needs no tuning. Distances come from
//! ‖a‖² + ‖b‖² − 2 a·b, clamped at 0; ties go to the smaller row index.

use ndarray::{s, Array2, ArrayView2, Axis};

use crate::error::invalid;
use crate::{gemm, Error, Result};

/// Rows per GEMM block: 512 × 70,000 distances are 143 MB of `f32`.
const BLOCK: usize = 512;

/// The `k` nearest other rows of every row, nearest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbours {
    /// `indices[[i, r]]`: the row that is the (r+1)-th nearest to row `i` (never `i` itself).
    pub indices: Array2<u32>,
    /// `distances[[i, r]]`: its Euclidean distance.
    pub distances: Array2<f32>,
}

impl Neighbours {
    /// Neighbours per row.
    pub fn k(&self) -> usize {
        self.indices.ncols()
    }
}

/// The `k` nearest neighbours of every row of `x` among the other rows.
pub fn nearest_neighbours(x: &ArrayView2<f32>, k: usize) -> Result<Neighbours> {
    let n = x.nrows();
    if k == 0 {
        return Err(invalid("k", "must be at least 1"));
    }
    if k >= n {
        return Err(invalid(
            "k",
            format!("{k} neighbours need more than {k} rows, got {n}"),
        ));
    }
    if n > u32::MAX as usize {
        return Err(Error::InvalidData(format!("{n} rows exceed u32 indices")));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(Error::InvalidData("non-finite values".into()));
    }
    let x = x.as_standard_layout();
    let norms: Vec<f32> = x.rows().into_iter().map(|r| r.dot(&r)).collect();
    let mut indices = Array2::<u32>::zeros((n, k));
    let mut distances = Array2::<f32>::zeros((n, k));
    for start in (0..n).step_by(BLOCK) {
        let end = (start + BLOCK).min(n);
        // Inner products of this block with every row (OpenBLAS uses both cores here).
        let dots = gemm::matmul(&x.slice(s![start..end, ..]), &x.t());
        let mut idx = indices.slice_mut(s![start..end, ..]);
        let mut dist = distances.slice_mut(s![start..end, ..]);
        // The selection is per row and independent: split the block's rows over the cores.
        let workers = std::thread::available_parallelism().map_or(1, |p| p.get());
        let chunk = (end - start).div_ceil(workers).max(1);
        std::thread::scope(|scope| {
            let rows = dots
                .axis_chunks_iter(Axis(0), chunk)
                .zip(idx.axis_chunks_iter_mut(Axis(0), chunk))
                .zip(dist.axis_chunks_iter_mut(Axis(0), chunk))
                .enumerate();
            for (c, ((dots, mut idx), mut dist)) in rows {
                let norms = &norms;
                scope.spawn(move || {
                    let mut best: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
                    for (r, row) in dots.rows().into_iter().enumerate() {
                        let i = start + c * chunk + r;
                        select_nearest(
                            i,
                            norms,
                            row.as_slice().expect("GEMM output is row-major"),
                            k,
                            &mut best,
                        );
                        for (slot, &(d2, j)) in best.iter().enumerate() {
                            idx[[r, slot]] = j;
                            dist[[r, slot]] = d2.sqrt();
                        }
                    }
                });
            }
        });
    }
    Ok(Neighbours { indices, distances })
}

/// Fills `best` with the `k` (squared distance, row) pairs nearest to row `i`, nearest first,
/// from its inner products `dots` with every row.
fn select_nearest(i: usize, norms: &[f32], dots: &[f32], k: usize, best: &mut Vec<(f32, u32)>) {
    best.clear();
    let ni = norms[i];
    // `best` stays sorted; a candidate enters only if it beats the current k-th.
    let mut worst = f32::INFINITY;
    for (j, (&dot, &nj)) in dots.iter().zip(norms).enumerate() {
        if j == i {
            continue;
        }
        let d2 = (ni + nj - 2.0 * dot).max(0.0);
        if best.len() == k && d2 >= worst {
            continue;
        }
        let at = best.partition_point(|&(b, _)| b <= d2);
        best.insert(at, (d2, j as u32));
        if best.len() > k {
            best.pop();
        }
        if best.len() == k {
            worst = best[k - 1].0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The definition, by sorting every distance.
    fn brute_force(x: &Array2<f32>, k: usize) -> Vec<Vec<u32>> {
        (0..x.nrows())
            .map(|i| {
                let mut d: Vec<(f64, u32)> = (0..x.nrows())
                    .filter(|&j| j != i)
                    .map(|j| {
                        let diff = &x.row(i) - &x.row(j);
                        (diff.mapv(|v| f64::from(v).powi(2)).sum(), j as u32)
                    })
                    .collect();
                d.sort_by(|a, b| a.partial_cmp(b).unwrap());
                d.iter().take(k).map(|&(_, j)| j).collect()
            })
            .collect()
    }

    #[test]
    fn agrees_with_a_brute_force_across_blocks() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        // More rows than one block, so block edges are crossed.
        let x = Array2::from_shape_fn((BLOCK + 37, 7), |_| rng.gen_range(-1.0f32..1.0));
        let nn = nearest_neighbours(&x.view(), 5).unwrap();
        let truth = brute_force(&x, 5);
        for (i, want) in truth.iter().enumerate() {
            assert_eq!(nn.indices.row(i).to_vec(), *want, "row {i}");
            let j = want[0] as usize;
            let d = (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt();
            assert!((nn.distances[[i, 0]] - d).abs() < 1e-4);
        }
        // Sorted, nearest first.
        for row in nn.distances.rows() {
            assert!(row.windows(2).into_iter().all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn a_line_of_points_has_its_neighbours_on_each_side() {
        let x = Array2::from_shape_fn((6, 1), |(i, _)| (i * i) as f32);
        // Points 0 1 4 9 16 25: row 2 (at 4) is nearest to 1 (distance 3), then 0 (4).
        let nn = nearest_neighbours(&x.view(), 2).unwrap();
        assert_eq!(nn.indices.row(2).to_vec(), vec![1, 0]);
        assert_eq!(nn.distances.row(2).to_vec(), vec![3.0, 4.0]);
    }

    #[test]
    fn bad_parameters_name_themselves() {
        let x = Array2::<f32>::zeros((3, 2));
        let e = nearest_neighbours(&x.view(), 3).unwrap_err().to_string();
        assert!(e.contains("k"), "{e}");
        assert!(nearest_neighbours(&x.view(), 0).is_err());
    }
}
