//! What each method clusters: the pixels, their principal components, or a network's codes.

use std::borrow::Cow;

use ae_models::{presets, Model, Preset};
use ndarray::{concatenate, Array2, Axis};

use super::model_cache::{trained, TrainData, TrainPlace};
use super::{ClusterConfig, ClusterPlace, Given, Method, Stopwatch};
use crate::data::DataCache;
use crate::Result;

/// Principal components `pca-kmeans` keeps.
pub const PCA_COMPONENTS: usize = 50;

/// The train then test images as rows of pixels in [0, 1], and their labels (used only to
/// score; none for images without labels), cut to the configured number.
pub(super) fn all_images(config: &ClusterConfig, data: &DataCache) -> Result<Given<'static>> {
    let d = data.get(config.dataset.clone())?;
    config.validate(d.train.len() + d.test.len())?;
    let n = config.images.unwrap_or(d.train.len() + d.test.len());
    let from_train = n.min(d.train.len());
    let train = d.train.first(from_train);
    let test = d.test.first(n - from_train);
    let pixels = concatenate(Axis(0), &[train.to_f32().view(), test.to_f32().view()])?;
    let labels: Option<Vec<usize>> = match (train.labels(), test.labels()) {
        (Some(a), Some(b)) => Some(a.iter().chain(b).map(|&l| usize::from(l)).collect()),
        _ => None,
    };
    Ok(Given {
        pixels: Cow::Owned(pixels),
        labels: labels.map(Cow::Owned),
        shape: d.shape(),
        data: Some(d.summary()),
    })
}

/// The rows the method clusters (or embeds with UMAP first), and the seconds the training of
/// its network took (now or when it was trained and kept), if it has one.
pub(super) fn features(
    config: &ClusterConfig,
    pixels: &Array2<f32>,
    shape: ae_data::ImageShape,
    pixels_sha256: &str,
    place: &ClusterPlace<'_>,
    watch: &mut Stopwatch<'_>,
) -> Result<(Array2<f32>, Option<f64>)> {
    let images = Pixels {
        rows: pixels,
        shape,
        sha256: pixels_sha256,
    };
    match config.method {
        Method::Kmeans | Method::UmapGmm => Ok((pixels.clone(), None)),
        Method::PcaKmeans => Ok((
            watch.time("pca", || {
                let pca = ae_linear::Pca::params(PCA_COMPONENTS).fit(&pixels.view())?;
                Ok(pca.transform(&pixels.view())?)
            })?,
            None,
        )),
        Method::SeedCodesKmeans => network_codes(&presets::S3_1, config, &images, place, watch),
        Method::AeKmeans | Method::N2d | Method::N2dSl => {
            network_codes(&presets::B2_1, config, &images, place, watch)
        }
    }
}

/// The clustered images as a network trains on them.
struct Pixels<'a> {
    rows: &'a Array2<f32>,
    shape: ae_data::ImageShape,
    sha256: &'a str,
}

/// The codes of `preset` trained on `pixels` (or loaded from the models folder).
fn network_codes(
    preset: &Preset,
    config: &ClusterConfig,
    images: &Pixels<'_>,
    place: &ClusterPlace<'_>,
    watch: &mut Stopwatch<'_>,
) -> Result<(Array2<f32>, Option<f64>)> {
    let pixels = images.rows;
    let mut train = preset.train();
    train.seed = config.seed;
    if let Some(e) = config.epochs {
        train.epochs = e;
    }
    train.precision = config.precision;
    train.augment = config.augment.resolve(train.augment);
    // The pixels' fingerprint in the name: other images of the same count get their own
    // network instead of reusing (or refusing) this one; a bfloat16 network is another too.
    let mut name = format!(
        "{}-e{}-seed{}-n{}-{}",
        preset.id,
        train.epochs,
        config.seed,
        pixels.nrows(),
        &images.sha256[..8]
    );
    name.push_str(&config.augment.suffix());
    if !train.precision.is_fp32() {
        name.push_str(&format!("-{}", train.precision));
    }
    let dir = place.models.join(name);
    let (model, seconds): (Model, f64) = watch.time("train", || {
        trained(
            preset,
            train,
            &TrainData {
                dataset: config.dataset.to_string(),
                pixels,
                shape: images.shape,
                sha256: images.sha256,
            },
            &TrainPlace {
                dir: &dir,
                device: place.device,
                progress: place.progress,
                stop: place.stop,
            },
        )
    })?;
    let codes = watch.time("encode", || Ok(model.codes(pixels)?))?;
    Ok((codes, Some(seconds)))
}
