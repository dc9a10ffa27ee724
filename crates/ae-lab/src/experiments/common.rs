//! Helpers several experiments share: the linear methods' data, a model's outputs and codes as
//! arrays, labels for a scatter plot.

use std::sync::Arc;

use ae_data::{Dataset, ImageSet};
use ae_models::{images_tensor, to_array, Model};
use ndarray::Array2;

use crate::experiment::Experiment;
use crate::Result;

/// The experiment's data set, its training images as the linear methods get them (all, or the
/// profile's subset) and its test images.
pub fn load(ex: &Experiment<'_>) -> Result<(Arc<Dataset>, Array2<f32>, Array2<f32>)> {
    let data = ex.data(ex.dataset())?;
    let train = match ex.lab.profile.linear_size {
        Some(n) => data.train.first(n).to_f32(),
        None => data.train.to_f32(),
    };
    let test = data.test.to_f32();
    Ok((data, train, test))
}

/// The model's outputs for images `x` (one per row), reshaped to `shape` on the way in.
pub fn outputs(model: &Model, x: &Array2<f32>, shape: &[i64]) -> Result<Array2<f32>> {
    let f = model.evaluate(&images_tensor(x, shape, model.device())?, 1000);
    Ok(to_array(&f.output)?)
}

/// The model's codes for images `x`, flattened to one row each.
pub fn codes(model: &Model, x: &Array2<f32>, shape: &[i64]) -> Result<Array2<f32>> {
    let f = model.evaluate(&images_tensor(x, shape, model.device())?, 1000);
    Ok(to_array(&f.code)?)
}

/// The labels of the first `n` images of `set` (a part of `data`) as class indices, and the
/// class names a scatter plot's legend shows (the data set's own: digits, clothes, folders).
pub fn labels_and_names(
    set: &ImageSet,
    n: usize,
    data: &ae_data::Dataset,
) -> Result<(Vec<usize>, Vec<String>)> {
    let labels: Vec<usize> = set
        .require_labels("a scatter plot coloured by class")?
        .iter()
        .take(n)
        .map(|&l| usize::from(l))
        .collect();
    let names = match &data.classes {
        Some(names) => names.clone(),
        None => {
            let count = labels.iter().max().map_or(0, |&m| m + 1);
            (0..count).map(|c| c.to_string()).collect()
        }
    };
    Ok((labels, names))
}
