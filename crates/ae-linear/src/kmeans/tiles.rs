//! The nearest-centre search on narrow data (at most [`MAX_COLUMNS`] columns: PCA codes, UMAP
//! embeddings). The rows are packed once per fit into tiles of [`LANES`] rows stored column by
//! column, so one vector register holds one column of a tile, and a centre's value for 16 rows
//! at once is d fused multiply-adds; the arg-min runs lane by lane with compare-and-select.
//!
//! Written by hand instead of the GEMM the wide path uses: on 10 columns matrixmultiply pads the
//! 10 centres to 16 columns and packs every block of X into its panel layout before multiplying,
//! every pass, and the arg-min over a row's ten products then ran as scalar code — most of a
//! pass's time (`docs/BENCHMARKS.md`, k-means). Here X is packed once, and the products, the
//! arg-min and nothing else run in vector registers. The instruction set is chosen at run
//! time: AVX-512 for `f32`, else the portable code the compiler vectorises.

use ndarray::ArrayView2;

use crate::Float;

/// Rows per tile: one 512-bit register of `f32`.
pub(crate) const LANES: usize = 16;

/// The widest data the tiles are used for; wider rows go through the GEMM, which reuses each
/// loaded centre value across more rows than registers can hold here.
pub(crate) const MAX_COLUMNS: usize = 64;

/// The rows of X in tiles: `data[(t·d + c)·LANES + l]` is row `t·LANES + l`, column `c`; the
/// last tile is padded with zero rows.
pub(crate) struct Tiles<F> {
    data: Vec<F>,
    columns: usize,
}

impl<F: Float> Tiles<F> {
    /// Packs `x` (one copy of it).
    pub(crate) fn pack(x: &ArrayView2<F>) -> Self {
        let (n, d) = x.dim();
        let mut data = vec![F::zero(); n.div_ceil(LANES) * d * LANES];
        for (i, row) in x.rows().into_iter().enumerate() {
            let base = (i / LANES) * d * LANES + i % LANES;
            for (c, &v) in row.iter().enumerate() {
                data[base + c * LANES] = v;
            }
        }
        Tiles { data, columns: d }
    }

    /// The tiles holding rows `first..first + rows` (`first` a multiple of [`LANES`]).
    fn rows(&self, first: usize, rows: usize) -> &[F] {
        debug_assert_eq!(first % LANES, 0);
        let per_tile = self.columns * LANES;
        let t0 = first / LANES;
        &self.data[t0 * per_tile..(t0 + rows.div_ceil(LANES)) * per_tile]
    }
}

/// For rows `first..first + rows` of the packed data: the index of the nearest centre of each
/// row (the first on ties) and its value ‖c‖² − 2x·c (add ‖x‖² for the squared distance).
/// `minus_2c` holds the centres times −2 (k × d, row-major). `index` and `value` need room
/// for `rows` rounded up to [`LANES`].
pub(crate) fn nearest<F: Float>(
    tiles: &Tiles<F>,
    first: usize,
    rows: usize,
    minus_2c: &[F],
    c_sq: &[F],
    index: &mut [u32],
    value: &mut [F],
) {
    let data = tiles.rows(first, rows);
    let d = tiles.columns;
    let padded = rows.div_ceil(LANES) * LANES;
    assert!(
        index.len() >= padded && value.len() >= padded,
        "output buffers too short"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        if let (Some(data), Some(minus_2c), Some(c_sq), Some(value)) = (
            as_f32(data),
            as_f32(minus_2c),
            as_f32(c_sq),
            as_f32_mut(value),
        ) {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { avx512::nearest_f32(data, d, minus_2c, c_sq, index, value) };
        }
    }
    nearest_portable(data, d, minus_2c, c_sq, index, value);
}

/// `xs` as `f32`s when `F` is `f32`.
#[cfg(target_arch = "x86_64")]
fn as_f32<F: Float>(xs: &[F]) -> Option<&[f32]> {
    (std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>())
        // SAFETY: F is f32 (same type, so same size and alignment).
        .then(|| unsafe { std::slice::from_raw_parts(xs.as_ptr().cast::<f32>(), xs.len()) })
}

/// `xs` as `f32`s when `F` is `f32`.
#[cfg(target_arch = "x86_64")]
fn as_f32_mut<F: Float>(xs: &mut [F]) -> Option<&mut [f32]> {
    (std::any::TypeId::of::<F>() == std::any::TypeId::of::<f32>()).then(|| {
        // SAFETY: F is f32 (same type, so same size and alignment).
        unsafe { std::slice::from_raw_parts_mut(xs.as_mut_ptr().cast::<f32>(), xs.len()) }
    })
}

/// The kernel in AVX-512 for `f32`: a tile's column is one register; centres go four at a time,
/// so four independent accumulator chains hide the FMA latency. Written with intrinsics: the
/// compiler's vectoriser kept one of four accumulator arrays on the stack, reloading it every
/// column.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::LANES;

    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn nearest_f32(
        data: &[f32],
        d: usize,
        minus_2c: &[f32],
        c_sq: &[f32],
        index: &mut [u32],
        value: &mut [f32],
    ) {
        let k = c_sq.len();
        debug_assert_eq!(minus_2c.len(), k * d);
        for (tile, index, value) in super::each_tile(data, d, index, value) {
            // SAFETY: the slice holds the LANES values read.
            let column =
                |c: usize| unsafe { _mm512_loadu_ps(tile[c * LANES..(c + 1) * LANES].as_ptr()) };
            let mut best = _mm512_set1_ps(f32::INFINITY);
            let mut best_j = _mm512_setzero_si512();
            let mut keep = |v: __m512, j: usize| {
                let smaller = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(v, best);
                best = _mm512_mask_mov_ps(best, smaller, v);
                best_j = _mm512_mask_mov_epi32(best_j, smaller, _mm512_set1_epi32(j as i32));
            };
            let mut j = 0;
            while j + 4 <= k {
                let c = &minus_2c[j * d..(j + 4) * d];
                let (mut a0, mut a1) = (_mm512_set1_ps(c_sq[j]), _mm512_set1_ps(c_sq[j + 1]));
                let (mut a2, mut a3) = (_mm512_set1_ps(c_sq[j + 2]), _mm512_set1_ps(c_sq[j + 3]));
                for col in 0..d {
                    let x = column(col);
                    a0 = _mm512_fmadd_ps(x, _mm512_set1_ps(c[col]), a0);
                    a1 = _mm512_fmadd_ps(x, _mm512_set1_ps(c[d + col]), a1);
                    a2 = _mm512_fmadd_ps(x, _mm512_set1_ps(c[2 * d + col]), a2);
                    a3 = _mm512_fmadd_ps(x, _mm512_set1_ps(c[3 * d + col]), a3);
                }
                keep(a0, j);
                keep(a1, j + 1);
                keep(a2, j + 2);
                keep(a3, j + 3);
                j += 4;
            }
            for j in j..k {
                let mut a = _mm512_set1_ps(c_sq[j]);
                for col in 0..d {
                    a = _mm512_fmadd_ps(column(col), _mm512_set1_ps(minus_2c[j * d + col]), a);
                }
                keep(a, j);
            }
            // SAFETY: both chunks hold LANES values (chunks_exact).
            unsafe {
                _mm512_storeu_ps(value.as_mut_ptr(), best);
                _mm512_storeu_si512(index.as_mut_ptr().cast(), best_j);
            }
        }
    }
}

/// Each tile of `data` (d columns) with the [`LANES`] output slots of its rows.
fn each_tile<'a, F, I>(
    data: &'a [F],
    d: usize,
    index: &'a mut [I],
    value: &'a mut [F],
) -> impl Iterator<Item = (&'a [F], &'a mut [I], &'a mut [F])> {
    let outputs = index
        .chunks_exact_mut(LANES)
        .zip(value.chunks_exact_mut(LANES));
    data.chunks_exact(d * LANES)
        .zip(outputs)
        .map(|(tile, (index, value))| (tile, index, value))
}

/// The kernel for any CPU and for `f64`, left to the compiler's vectoriser: one centre at a
/// time, ‖c‖² plus x·(−2c) column by column, and the smaller value kept lane by lane (strictly
/// smaller: centres come in ascending order, so ties keep the first).
fn nearest_portable<F: Float>(
    data: &[F],
    d: usize,
    minus_2c: &[F],
    c_sq: &[F],
    index: &mut [u32],
    value: &mut [F],
) {
    for (tile, index, value) in each_tile(data, d, index, value) {
        let mut best = [F::of(f64::INFINITY); LANES];
        let mut best_j = [0u32; LANES];
        for (j, (c, &cs)) in minus_2c.chunks_exact(d.max(1)).zip(c_sq).enumerate() {
            let mut acc = [cs; LANES];
            for (col, &cv) in tile.chunks_exact(LANES).zip(c) {
                for l in 0..LANES {
                    acc[l] += col[l] * cv;
                }
            }
            for l in 0..LANES {
                let smaller = acc[l] < best[l];
                best[l] = if smaller { acc[l] } else { best[l] };
                best_j[l] = if smaller { j as u32 } else { best_j[l] };
            }
        }
        index.copy_from_slice(&best_j);
        value.copy_from_slice(&best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Against a plain scan, in `f32` (the AVX-512 kernel where the CPU has it) and `f64` (the
    /// portable one), on widths up to 19 columns and 1 to 13 centres, with a partial last tile.
    /// Integer data, so every path computes exactly and ties must go to the first centre.
    fn check<F: Float>() {
        for d in [1usize, 2, 3, 10, 19] {
            for k in [1usize, 3, 4, 5, 8, 13] {
                let n = 37;
                let x =
                    Array2::from_shape_fn((n, d), |(i, c)| F::of(((i * 31 + c * 17) % 23) as f64));
                let centres =
                    Array2::from_shape_fn((k, d), |(j, c)| F::of(((j * 13 + c * 7) % 19) as f64));
                let minus_2c: Vec<F> = centres.iter().map(|&v| F::of(-2.0) * v).collect();
                let c_sq: Vec<F> = centres.rows().into_iter().map(|r| r.dot(&r)).collect();
                let tiles = Tiles::pack(&x.view());
                let padded = n.div_ceil(LANES) * LANES;
                let (mut index, mut value) = (vec![0u32; padded], vec![F::zero(); padded]);
                let (mut index2, mut value2) = (vec![0u32; padded], vec![F::zero(); padded]);
                nearest(&tiles, 0, n, &minus_2c, &c_sq, &mut index, &mut value);
                nearest_portable(
                    tiles.rows(0, n),
                    d,
                    &minus_2c,
                    &c_sq,
                    &mut index2,
                    &mut value2,
                );
                for i in 0..n {
                    let sq: Vec<f64> = centres
                        .rows()
                        .into_iter()
                        .map(|c| {
                            c.iter()
                                .zip(x.row(i))
                                .map(|(&a, &b)| (a - b).as_f64().powi(2))
                                .sum()
                        })
                        .collect();
                    let min = sq.iter().copied().fold(f64::INFINITY, f64::min);
                    let first = sq.iter().position(|&v| v == min).unwrap();
                    let x_sq = x.row(i).dot(&x.row(i)).as_f64();
                    for (idx, val) in [(&index, &value), (&index2, &value2)] {
                        assert_eq!(idx[i] as usize, first, "d {d}, k {k}, row {i}");
                        assert_eq!(val[i].as_f64() + x_sq, min, "d {d}, k {k}, row {i}");
                    }
                }
                // A later range starts at its own tile.
                nearest(
                    &tiles,
                    16,
                    n - 16,
                    &minus_2c,
                    &c_sq,
                    &mut index2,
                    &mut value2,
                );
                assert_eq!(index2[..n - 16], index[16..n]);
            }
        }
    }

    #[test]
    fn tiles_find_the_nearest_centre() {
        check::<f32>();
        check::<f64>();
    }
}
