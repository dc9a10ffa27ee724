//! Incremental PCA (Ross et al. 2008, as scikit-learn's `IncrementalPCA`): fitted batch by
//! batch with memory independent of the number of rows.

use ndarray::{concatenate, s, Array1, Array2, ArrayView2, Axis};
use ndarray_linalg::{JobSvd, SVDDC};

use super::{flip_rows, FittedPca};
use crate::error::invalid;
use crate::{Error, Float, Result};

/// The running state of an incremental PCA.
#[derive(Debug, Clone)]
pub struct IncrementalPca<F> {
    n_components: usize,
    n_seen: usize,
    mean: Array1<F>,
    /// Sum of squared deviations from the running mean, per feature.
    sq_dev: Array1<F>,
    components: Array2<F>,
    singular_values: Array1<F>,
}

impl<F: Float> IncrementalPca<F> {
    /// A new model keeping `n_components` (at least 1).
    pub fn new(n_components: usize) -> Result<Self> {
        if n_components == 0 {
            return Err(invalid("n_components", "must be at least 1"));
        }
        Ok(IncrementalPca {
            n_components,
            n_seen: 0,
            mean: Array1::zeros(0),
            sq_dev: Array1::zeros(0),
            components: Array2::zeros((0, 0)),
            singular_values: Array1::zeros(0),
        })
    }

    /// Fits on the rows of `x` in batches of `batch_size` (which must be at least
    /// `n_components`), then returns the fitted model.
    pub fn fit(n_components: usize, x: &ArrayView2<F>, batch_size: usize) -> Result<FittedPca<F>> {
        if batch_size < n_components {
            return Err(invalid(
                "batch_size",
                format!("{batch_size} is below n_components = {n_components}"),
            ));
        }
        let mut model = Self::new(n_components)?;
        let mut start = 0;
        while start < x.nrows() {
            let end = (start + batch_size).min(x.nrows());
            // A remainder too small for the SVD (fewer rows than components) joins this batch.
            let end = if x.nrows() - end < n_components {
                x.nrows()
            } else {
                end
            };
            model.partial_fit(&x.slice(s![start..end, ..]))?;
            start = end;
        }
        model.finish()
    }

    /// Updates the model with one batch of rows.
    pub fn partial_fit(&mut self, batch: &ArrayView2<F>) -> Result<()> {
        let (nb, d) = batch.dim();
        if self.n_seen == 0 {
            if self.n_components > d {
                return Err(invalid(
                    "n_components",
                    format!("{} exceeds the {d} features", self.n_components),
                ));
            }
            if nb < self.n_components {
                return Err(invalid(
                    "batch",
                    format!(
                        "the first batch has {nb} rows, below n_components = {}",
                        self.n_components
                    ),
                ));
            }
            self.mean = Array1::zeros(d);
            self.sq_dev = Array1::zeros(d);
        } else if d != self.mean.len() {
            return Err(Error::InvalidData(format!(
                "batch has {d} columns, earlier batches {}",
                self.mean.len()
            )));
        }
        if nb == 0 {
            return Ok(());
        }
        let batch_mean = batch.mean_axis(Axis(0)).expect("non-empty batch");
        let centred = batch - &batch_mean;
        let batch_sq_dev = centred.map_axis(Axis(0), |c| c.iter().map(|&v| v * v).sum::<F>());
        let n_old = F::of(self.n_seen as f64);
        let n_b = F::of(nb as f64);
        let n_total = n_old + n_b;
        let stacked = if self.n_seen == 0 {
            centred
        } else {
            let delta = &self.mean - &batch_mean;
            let correction = (&delta * ((n_old * n_b / n_total).sqrt())).insert_axis(Axis(0));
            let scaled = &self.components * &self.singular_values.view().insert_axis(Axis(1));
            concatenate![Axis(0), scaled, centred, correction]
        };
        // Chan et al.'s pairwise update of the sum of squared deviations.
        let delta = &batch_mean - &self.mean;
        self.sq_dev =
            &self.sq_dev + &batch_sq_dev + &(delta.mapv(|v| v * v) * (n_old * n_b / n_total));
        self.mean = &self.mean + &(delta * (n_b / n_total));
        self.n_seen += nb;

        let (_, sigma, vt) = stacked.svddc(JobSvd::Some)?;
        let vt =
            vt.ok_or_else(|| Error::InvalidData("SVD returned no right singular vectors".into()))?;
        let k = self.n_components.min(sigma.len());
        let mut components = vt.slice(s![..k, ..]).to_owned();
        flip_rows(&mut components);
        self.components = components;
        self.singular_values = sigma.slice(s![..k]).to_owned();
        Ok(())
    }

    /// The fitted model so far.
    pub fn finish(&self) -> Result<FittedPca<F>> {
        if self.n_seen < 2 {
            return Err(Error::InvalidData(
                "incremental PCA has seen fewer than 2 rows".into(),
            ));
        }
        let denom = F::of((self.n_seen - 1) as f64);
        let explained_variance = self.singular_values.mapv(|s| s * s / denom);
        let total = self.sq_dev.sum() / denom;
        Ok(FittedPca {
            explained_variance_ratio: explained_variance.mapv(|v| v / total),
            explained_variance,
            singular_values: self.singular_values.clone(),
            mean: self.mean.clone(),
            components: self.components.clone(),
            whiten: false,
            n_samples: self.n_seen,
        })
    }
}
