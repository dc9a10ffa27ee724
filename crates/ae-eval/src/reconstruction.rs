//! Reconstruction metrics on images stored as rows of pixels in [0, 1].

use ndarray::{Array1, ArrayView2, Zip};

use crate::{Error, Result};

fn check(x: &ArrayView2<f32>, y: &ArrayView2<f32>) -> Result<()> {
    if x.dim() != y.dim() {
        return Err(Error::InvalidInput(format!(
            "shapes differ: {:?} vs {:?}",
            x.dim(),
            y.dim()
        )));
    }
    if x.is_empty() {
        return Err(Error::InvalidInput("no images".into()));
    }
    Ok(())
}

/// Each image's sum of squared pixel errors (seed 000's loss before averaging).
pub fn sse_per_image(
    original: &ArrayView2<f32>,
    reconstructed: &ArrayView2<f32>,
) -> Result<Array1<f64>> {
    check(original, reconstructed)?;
    Ok(Zip::from(original.rows())
        .and(reconstructed.rows())
        .map_collect(|a, b| {
            a.iter()
                .zip(b)
                .map(|(&p, &q)| f64::from(p - q).powi(2))
                .sum()
        }))
}

/// Mean over images of the per-image SSE ("SSE" in EXPERIMENTS.md).
pub fn mean_sse(original: &ArrayView2<f32>, reconstructed: &ArrayView2<f32>) -> Result<f64> {
    Ok(sse_per_image(original, reconstructed)?
        .mean()
        .unwrap_or(0.0))
}

/// Mean squared error over all pixels.
pub fn mse(original: &ArrayView2<f32>, reconstructed: &ArrayView2<f32>) -> Result<f64> {
    Ok(mean_sse(original, reconstructed)? / original.ncols() as f64)
}

/// Binary cross-entropy of predictions against targets in [0, 1], mean over pixels; predictions
/// are clipped to [1e-7, 1 − 1e-7] as Keras does.
pub fn binary_cross_entropy(target: &ArrayView2<f32>, predicted: &ArrayView2<f32>) -> Result<f64> {
    check(target, predicted)?;
    let eps = 1e-7f64;
    let sum: f64 = target
        .iter()
        .zip(predicted)
        .map(|(&t, &p)| {
            let (t, p) = (f64::from(t), f64::from(p).clamp(eps, 1.0 - eps));
            -(t * p.ln() + (1.0 - t) * (1.0 - p).ln())
        })
        .sum();
    Ok(sum / target.len() as f64)
}

/// Peak signal-to-noise ratio in dB for data range 1: 10·log10(1 / MSE), over the whole set.
pub fn psnr(original: &ArrayView2<f32>, reconstructed: &ArrayView2<f32>) -> Result<f64> {
    let m = mse(original, reconstructed)?;
    Ok(if m == 0.0 {
        f64::INFINITY
    } else {
        -10.0 * m.log10()
    })
}

/// PSNR of each image (data range 1), averaged over images: scikit-image's per-image
/// `peak_signal_noise_ratio` as notebooks loop it. It exceeds [`psnr`] of the whole set when
/// the errors differ between images; a perfect image counts as 100 dB.
pub fn mean_psnr_per_image(
    original: &ArrayView2<f32>,
    reconstructed: &ArrayView2<f32>,
) -> Result<f64> {
    let d = original.ncols() as f64;
    let per = sse_per_image(original, reconstructed)?;
    let sum: f64 = per
        .iter()
        .map(|&sse| {
            if sse == 0.0 {
                100.0
            } else {
                -10.0 * (sse / d).log10()
            }
        })
        .sum();
    Ok(sum / per.len() as f64)
}

/// Share of pixels where rounding the reconstruction gives the rounded original (S1.7's
/// "rounded accuracy").
pub fn rounded_accuracy(
    original: &ArrayView2<f32>,
    reconstructed: &ArrayView2<f32>,
) -> Result<f64> {
    check(original, reconstructed)?;
    let same = original
        .iter()
        .zip(reconstructed)
        .filter(|(&a, &b)| a.round() == b.round())
        .count();
    Ok(same as f64 / original.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn known_values() {
        let x = array![[0.0f32, 1.0, 0.5, 0.5], [1.0, 1.0, 0.0, 0.0]];
        let y = array![[0.0f32, 0.5, 0.5, 0.0], [1.0, 1.0, 0.0, 1.0]];
        let sse = sse_per_image(&x.view(), &y.view()).unwrap();
        assert_eq!(sse.to_vec(), vec![0.5, 1.0]);
        assert_eq!(mean_sse(&x.view(), &y.view()).unwrap(), 0.75);
        assert_eq!(mse(&x.view(), &y.view()).unwrap(), 0.1875);
        assert!((psnr(&x.view(), &y.view()).unwrap() - 7.2699).abs() < 1e-4);
        // Per image: MSE 0.125 → 9.0309 dB and 0.25 → 6.0206 dB; mean 7.5257 dB.
        let per = mean_psnr_per_image(&x.view(), &y.view()).unwrap();
        assert!((per - 7.525_75).abs() < 1e-4, "{per}");
        // round(0.5) = 1 in Rust (half away from zero); x has 0.5 → 1 vs 0.0 → 0 at [0,3].
        assert_eq!(rounded_accuracy(&x.view(), &y.view()).unwrap(), 6.0 / 8.0);
        let t = array![[1.0f32, 0.0]];
        let p = array![[0.9f32, 0.2]];
        let want = -((0.9f64).ln() + (0.8f64).ln()) / 2.0;
        assert!((binary_cross_entropy(&t.view(), &p.view()).unwrap() - want).abs() < 1e-6);
        assert!(mse(&x.view(), &array![[0.0f32]].view()).is_err());
    }
}
