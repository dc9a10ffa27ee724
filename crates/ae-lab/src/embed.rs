//! 2-D maps of a set of points — a run's codes, a data set's pixels, any matrix — by UMAP,
//! t-SNE or PCA, and how faithful each map is to its points (`ae embed`, the clustering's maps,
//! S1.7's t-SNE).

use std::fmt;
use std::str::FromStr;

use ae_linear::{nearest_neighbours, Pca, Tsne, Umap, UmapInit};
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::{Error, Result};

/// How a map is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapMethod {
    /// UMAP (`ae_linear::Umap`: exact neighbours, spectral initial layout, seeded).
    Umap,
    /// Barnes–Hut t-SNE (`ae_linear::Tsne`: scikit-learn's settings, θ = 0.5, 1,000
    /// iterations, PCA initial layout: no random step).
    Tsne,
    /// The first two principal components.
    Pca,
}

impl MapMethod {
    /// Every method, by name.
    pub const ALL: [MapMethod; 3] = [MapMethod::Umap, MapMethod::Tsne, MapMethod::Pca];

    /// The method's name, as `--method` takes it.
    pub fn name(self) -> &'static str {
        match self {
            MapMethod::Umap => "umap",
            MapMethod::Tsne => "tsne",
            MapMethod::Pca => "pca",
        }
    }
}

impl fmt::Display for MapMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MapMethod {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| Error::Invalid {
                name: "method",
                reason: format!("{s:?}: expected umap, tsne or pca"),
            })
    }
}

/// A map's method and settings; the defaults are umap-learn's and scikit-learn's.
#[derive(Debug, Clone, PartialEq)]
pub struct MapParams {
    /// How the map is made.
    pub method: MapMethod,
    /// UMAP's `n_neighbors` (the point itself included, as umap-learn counts): 15.
    pub neighbours: usize,
    /// UMAP's `min_dist`: 0.1.
    pub min_dist: f32,
    /// t-SNE's perplexity: 30 (scikit-learn's; it needs at least 3 × perplexity + 1 points).
    pub perplexity: f64,
    /// Seed of UMAP's negative sampling (t-SNE and PCA draw nothing).
    pub seed: u64,
}

impl MapParams {
    /// `method` with the default settings.
    pub fn new(method: MapMethod) -> Self {
        Self {
            method,
            neighbours: 15,
            min_dist: 0.1,
            perplexity: 30.0,
            seed: 0,
        }
    }

    /// Checks the settings against `n` points of `d` values before any work.
    pub fn check(&self, n: usize, d: usize) -> Result<()> {
        let invalid = |name, reason: String| Err(Error::Invalid { name, reason });
        if n < 3 {
            return invalid("points", format!("a map needs at least 3 points, got {n}"));
        }
        if d < 2 && self.method == MapMethod::Pca {
            return invalid(
                "points",
                format!(
                    "{} to 2-D needs at least 2 values per point, got {d}",
                    self.method
                ),
            );
        }
        match self.method {
            MapMethod::Umap => {
                if self.neighbours < 2 || self.neighbours > n {
                    return invalid(
                        "neighbours",
                        format!("{}: must be in 2..={n} for {n} points", self.neighbours),
                    );
                }
                if !(0.0..1.0).contains(&self.min_dist) {
                    return invalid("min_dist", format!("{}: must be in [0, 1)", self.min_dist));
                }
            }
            MapMethod::Tsne => {
                let largest = (n as f64 - 1.0) / 3.0;
                if !(self.perplexity > 0.0 && self.perplexity <= largest) {
                    return invalid(
                        "perplexity",
                        format!(
                            "{}: must be > 0 and at most (n − 1) / 3 = {largest:.1} for {n} points",
                            self.perplexity
                        ),
                    );
                }
            }
            MapMethod::Pca => {}
        }
        Ok(())
    }
}

/// The rows of `x` laid out in 2-D (`n × 2`).
pub fn map_2d(x: ArrayView2<f32>, p: &MapParams) -> Result<Array2<f32>> {
    p.check(x.nrows(), x.ncols())?;
    match p.method {
        MapMethod::Umap => Ok(Umap::params(2)
            .n_neighbors(p.neighbours)
            .min_dist(p.min_dist)
            .init(UmapInit::Spectral)
            .seed(p.seed)
            .fit(&x)?),
        MapMethod::Tsne => Ok(Tsne::params().perplexity(p.perplexity).fit(&x)?),
        MapMethod::Pca => {
            let pca = Pca::params(2).fit(&x)?;
            Ok(pca.transform(&x)?)
        }
    }
}

/// How faithful a map is to its points, and how well it keeps labels apart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapQuality {
    /// Neighbours per point in both measures: 5 (scikit-learn's default), fewer for tiny sets.
    pub k: usize,
    /// [`ae_eval::trustworthiness`]: 1 when every neighbourhood of the map was one among the
    /// points; lower as the map brings together points that were far apart.
    pub trustworthiness: f64,
    /// With labels: how often a point's k nearest neighbours among the points share its label.
    pub label_agreement_points: Option<f64>,
    /// With labels: the same in the map (above the points' figure: the map separates labels
    /// more than the points' neighbourhoods do; below: it mixes them).
    pub label_agreement_map: Option<f64>,
}

/// The quality of `map` (one row per row of `points`), with `labels` when there are some.
pub fn map_quality(
    points: ArrayView2<f32>,
    map: ArrayView2<f32>,
    labels: Option<&[usize]>,
) -> Result<MapQuality> {
    let n = points.nrows();
    // Trustworthiness needs n > 2k.
    let k = 5.min(n.saturating_sub(1) / 2);
    if k == 0 || map.nrows() != n {
        return Err(Error::Invalid {
            name: "map",
            reason: format!(
                "{} map points for {n} points (at least 3 needed)",
                map.nrows()
            ),
        });
    }
    let in_map = nearest_neighbours(&map, k)?;
    let trustworthiness = ae_eval::trustworthiness(points, in_map.indices.view())?;
    let (label_agreement_points, label_agreement_map) = match labels {
        Some(labels) => {
            let in_points = nearest_neighbours(&points, k)?;
            let agree = |nn: &ae_linear::Neighbours| {
                ae_eval::neighbour_purity(nn.indices.view(), labels).map(|p| p.overall)
            };
            (Some(agree(&in_points)?), Some(agree(&in_map)?))
        }
        None => (None, None),
    };
    Ok(MapQuality {
        k,
        trustworthiness,
        label_agreement_points,
        label_agreement_map,
    })
}

/// A seeded sample of at most `at_most` of `n` row indices, in increasing order (all of them
/// when `n ≤ at_most`).
pub fn sample_rows(n: usize, at_most: usize, seed: u64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..n).collect();
    if n > at_most {
        rows.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        rows.truncate(at_most);
        rows.sort_unstable();
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight groups of 20 points in 10-D, far apart; labels by group.
    fn groups() -> (Array2<f32>, Vec<usize>) {
        let x = Array2::from_shape_fn((60, 10), |(i, d)| {
            let group = i / 20;
            let centre = if d == group { 10.0 } else { 0.0 };
            centre + 0.1 * ((i * 7 + d * 13) as f32).sin()
        });
        let labels = (0..60).map(|i| i / 20).collect();
        (x, labels)
    }

    #[test]
    fn every_method_keeps_well_separated_groups_apart() {
        let (x, labels) = groups();
        for method in MapMethod::ALL {
            let mut p = MapParams::new(method);
            p.perplexity = 10.0;
            let map = map_2d(x.view(), &p).unwrap();
            assert_eq!(map.dim(), (60, 2), "{method}");
            assert!(map.iter().all(|v| v.is_finite()), "{method}");
            let q = map_quality(x.view(), map.view(), Some(&labels)).unwrap();
            assert_eq!(q.k, 5);
            assert_eq!(q.label_agreement_points, Some(1.0), "{method}");
            assert_eq!(q.label_agreement_map, Some(1.0), "{method}: {q:?}");
            assert!(q.trustworthiness > 0.7, "{method}: {q:?}");
        }
    }

    #[test]
    fn tsne_maps_wide_points() {
        // 100 points of 784 values spread evenly in [0, 1): linfa-tsne's bhtsne overflowed its
        // stack on them (and on MNIST's pixels).
        let x = Array2::from_shape_fn((100, 784), |(i, d)| {
            let v = ((i * 784 + d) as f64 * 12.9898).sin() * 43_758.547;
            (v - v.floor()) as f32
        });
        let mut p = MapParams::new(MapMethod::Tsne);
        p.perplexity = 10.0;
        let map = map_2d(x.view(), &p).unwrap();
        assert_eq!(map.dim(), (100, 2));
        assert!(map.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn the_same_seed_gives_the_same_map() {
        let (x, _) = groups();
        for method in MapMethod::ALL {
            let mut p = MapParams::new(method);
            p.perplexity = 10.0;
            p.seed = 3;
            assert_eq!(map_2d(x.view(), &p).unwrap(), map_2d(x.view(), &p).unwrap());
        }
    }

    #[test]
    fn settings_that_do_not_fit_the_points_are_named() {
        let (x, _) = groups();
        let err = |p: MapParams| map_2d(x.view(), &p).unwrap_err().to_string();
        let mut p = MapParams::new(MapMethod::Tsne);
        p.perplexity = 30.0; // 60 points allow at most 19.7
        assert!(err(p).contains("perplexity"));
        let mut p = MapParams::new(MapMethod::Umap);
        p.neighbours = 61;
        assert!(err(p).contains("neighbours"));
        let one = Array2::<f32>::zeros((10, 1));
        let e = map_2d(one.view(), &MapParams::new(MapMethod::Pca)).unwrap_err();
        assert!(e.to_string().contains("2 values"), "{e}");
        assert!("isomap".parse::<MapMethod>().is_err());
        assert_eq!("tsne".parse::<MapMethod>().unwrap(), MapMethod::Tsne);
    }

    #[test]
    fn samples_are_seeded_sorted_and_whole_when_small() {
        assert_eq!(sample_rows(5, 10, 1), vec![0, 1, 2, 3, 4]);
        let a = sample_rows(1000, 10, 1);
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample_rows(1000, 10, 1));
        assert_ne!(a, sample_rows(1000, 10, 2));
    }
}
