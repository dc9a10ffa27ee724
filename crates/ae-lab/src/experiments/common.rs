//! Helpers several experiments share: the linear methods' data and labels for a scatter plot.
//! (A model's outputs and codes of an array of images: `Model::outputs`, `Model::codes`.)

use std::sync::Arc;

use ae_data::{Dataset, ImageSet};
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
