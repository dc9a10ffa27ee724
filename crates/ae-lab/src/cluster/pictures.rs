//! The pictures of a clustering: the confusion matrix, a 2-D map coloured by cluster and by
//! label, ten random members of every cluster, and the least confident images.

use std::path::Path;

use ae_data::ImageShape;
use ae_eval::clustering::ConfusionMatrix;
use ae_eval::figures::{confusion_png, scatter_plot, ImageGrid};
use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Assignment, ClusterConfig, UMAP_NEIGHBOURS};
use crate::embed::{map_2d, sample_rows, MapMethod, MapParams};
use crate::Result;

/// Points drawn in the 2-D maps (a seeded sample; all when fewer).
const MAP_POINTS: usize = 10_000;
/// Members shown per cluster.
const MEMBERS: usize = 10;
/// Least confident images shown.
const DOUBTFUL: usize = 20;

/// Everything the pictures are made from.
pub(super) struct What<'a> {
    pub pixels: &'a Array2<f32>,
    pub features: &'a Array2<f32>,
    /// The clustered UMAP embedding and the neighbours it came from (UMAP methods).
    pub embedding: Option<&'a (Array2<f32>, ae_linear::Neighbours)>,
    pub assignment: &'a Assignment,
    /// The labels, when the images have some (the confusion matrix and the map by label).
    pub labels: Option<&'a [usize]>,
    pub shape: ImageShape,
    pub config: &'a ClusterConfig,
}

/// Writes confusion.png, map-clusters.png, map-labels.png (those two with labels only),
/// members.png, least-confident.png.
pub(super) fn draw(out: &Path, w: &What<'_>) -> Result<()> {
    let a = w.assignment;
    let title = format!("{} on {}", w.config.method, w.config.dataset);
    if let Some(labels) = w.labels {
        let cm = ConfusionMatrix::new(&a.clusters, labels)?;
        confusion_png(
            &out.join("confusion.png"),
            &cm.counts,
            &format!("{title}: clusters × labels"),
        )?;
    }
    map(out, w, &title)?;
    members(out, w)?;
    least_confident(out, w)
}

/// A 2-D UMAP of a sample of the clustered rows (the 10-d embedding for UMAP methods, the
/// features otherwise), coloured by cluster and by label.
fn map(out: &Path, w: &What<'_>, title: &str) -> Result<()> {
    let source = w.embedding.map_or(w.features, |(e, _)| e);
    let sample = sample_rows(source.nrows(), MAP_POINTS, w.config.seed);
    let x = source.select(Axis(0), &sample);
    let mut params = MapParams::new(MapMethod::Umap);
    params.neighbours = UMAP_NEIGHBOURS.min(x.nrows()).max(2);
    params.seed = w.config.seed;
    let y = map_2d(x.view(), &params)?;
    let points: Vec<(f64, f64)> = y
        .rows()
        .into_iter()
        .map(|r| (f64::from(r[0]), f64::from(r[1])))
        .collect();
    let clusters: Vec<usize> = sample.iter().map(|&i| w.assignment.clusters[i]).collect();
    let names = |prefix: &str, count: usize| -> Vec<String> {
        (0..count).map(|c| format!("{prefix}{c}")).collect()
    };
    scatter_plot(
        &out.join("map-clusters.png"),
        &format!("{title}: 2-D UMAP, coloured by cluster"),
        &points,
        &clusters,
        Some(&names("cluster ", w.config.k)),
        &[],
    )?;
    let Some(all_labels) = w.labels else {
        return Ok(());
    };
    let labels: Vec<usize> = sample.iter().map(|&i| all_labels[i]).collect();
    let n_labels = labels.iter().max().map_or(0, |m| m + 1);
    scatter_plot(
        &out.join("map-labels.png"),
        &format!("{title}: 2-D UMAP, coloured by label"),
        &points,
        &labels,
        Some(&names("label ", n_labels)),
        &[],
    )?;
    Ok(())
}

/// Ten random members of each cluster, one row per cluster.
fn members(out: &Path, w: &What<'_>) -> Result<()> {
    let k = w.config.k;
    let mut rng = ChaCha8Rng::seed_from_u64(w.config.seed.wrapping_add(1));
    let mut rows = Vec::new();
    let mut titles = Vec::new();
    for c in 0..k {
        let mut of_c: Vec<usize> = (0..w.assignment.clusters.len())
            .filter(|&i| w.assignment.clusters[i] == c)
            .collect();
        titles.push(format!("cluster {c} ({})", of_c.len()));
        of_c.shuffle(&mut rng);
        for slot in 0..MEMBERS {
            // An empty slot stays black.
            rows.push(of_c.get(slot).copied());
        }
    }
    let mut tiles = Array2::<f32>::zeros((rows.len(), w.pixels.ncols()));
    for (t, i) in rows.iter().enumerate() {
        if let Some(i) = *i {
            tiles.row_mut(t).assign(&w.pixels.row(i));
        }
    }
    ImageGrid::of_shape(tiles.view(), w.shape, MEMBERS)?
        .scale(2)
        .row_titles(titles)
        .save(&out.join("members.png"))?;
    Ok(())
}

/// The images the clustering is least sure of, with their cluster and confidence.
fn least_confident(out: &Path, w: &What<'_>) -> Result<()> {
    let a = w.assignment;
    let mut order: Vec<usize> = (0..a.confidence.len()).collect();
    order.sort_by(|&i, &j| a.confidence[i].total_cmp(&a.confidence[j]).then(i.cmp(&j)));
    order.truncate(DOUBTFUL);
    let tiles = w.pixels.select(Axis(0), &order);
    let captions = order
        .iter()
        .map(|&i| format!("c{} {:.2}", a.clusters[i], a.confidence[i]))
        .collect();
    ImageGrid::of_shape(tiles.view(), w.shape, 10)?
        .scale(3)
        .captions(captions)
        .save(&out.join("least-confident.png"))?;
    Ok(())
}
