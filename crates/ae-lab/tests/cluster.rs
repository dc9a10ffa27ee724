//! `ae cluster`'s library on synthetic images with a known answer: ten prototype images, each
//! shown 60 times with noise, must be found exactly by every method; the same seed gives the same
//! assignments; a trained network is reused; bad settings are named.

use ae_data::DatasetId;
use ae_lab::cluster::{
    cluster_given, ClusterConfig, ClusterMetrics, ClusterPlace, Method, NetworkAugment,
};
use ae_lab::{DataCache, Quiet};
use ndarray::Array2;
use rand::{Rng, SeedableRng};

const CLASSES: usize = 10;
const PER_CLASS: usize = 60;

/// Ten random 28 × 28 prototypes, each repeated with uniform noise of ±0.1, classes interleaved.
fn prototypes() -> (Array2<f32>, Vec<usize>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let protos = Array2::from_shape_fn((CLASSES, 784), |_| {
        if rng.gen_bool(0.2) {
            rng.gen_range(0.6f32..1.0)
        } else {
            0.0
        }
    });
    let n = CLASSES * PER_CLASS;
    let labels: Vec<usize> = (0..n).map(|i| i % CLASSES).collect();
    let x = Array2::from_shape_fn((n, 784), |(i, j)| {
        (protos[[labels[i], j]] + rng.gen_range(-0.1f32..0.1)).clamp(0.0, 1.0)
    });
    (x, labels)
}

fn run(
    method: Method,
    dir: &std::path::Path,
    epochs: Option<usize>,
) -> ae_lab::Result<ClusterMetrics> {
    let (x, labels) = prototypes();
    let config = ClusterConfig {
        epochs,
        umap_epochs: Some(100),
        ..ClusterConfig::new(DatasetId::Mnist, method)
    };
    let data = DataCache::new(dir.join("data"));
    let m = cluster_given(
        &config,
        &x,
        &labels,
        &ClusterPlace {
            out: &dir.join(method.name()),
            models: &dir.join("models"),
            data: &data,
            device: tch::Device::Cpu,
            progress: &Quiet,
            stop: None,
        },
    )?;
    assert_eq!(m.images, CLASSES * PER_CLASS);
    assert_eq!(m.sizes.iter().sum::<usize>(), m.images);
    Ok(m)
}

#[test]
fn every_linear_and_umap_method_finds_the_prototypes() {
    let dir = tempfile::tempdir().unwrap();
    for method in [Method::Kmeans, Method::PcaKmeans, Method::UmapGmm] {
        let acc = run(method, dir.path(), None)
            .unwrap()
            .scored()
            .unwrap()
            .accuracy;
        assert_eq!(acc, 1.0, "{method}");
        let out = dir.path().join(method.name());
        for file in [
            "metrics.json",
            "assignments.csv",
            "confusion.png",
            "map-clusters.png",
            "map-labels.png",
            "members.png",
            "least-confident.png",
        ] {
            assert!(out.join(file).is_file(), "{method}: {file}");
        }
        let metrics: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
        assert_eq!(metrics["nmi"], 1.0);
        assert_eq!(metrics["ari"], 1.0);
        // The neighbour graph's purity is reported where a method builds the graph: each image's
        // 19 nearest neighbours are its class's other 59 copies, so every one agrees.
        // So does their share in the image's own cluster, the clusters being the classes.
        let purity = &metrics["neighbour_purity"];
        let in_cluster = &metrics["neighbours_in_cluster"];
        if method.uses_umap() {
            assert_eq!(purity["k"], 19, "{method}");
            assert_eq!(purity["overall"], 1.0, "{method}");
            assert_eq!(purity["per_label"].as_array().unwrap().len(), CLASSES);
            assert_eq!(in_cluster["overall"], 1.0, "{method}");
            assert_eq!(in_cluster["per_label"].as_array().unwrap().len(), CLASSES);
        } else {
            assert!(purity.is_null(), "{method}: {purity}");
            assert!(in_cluster.is_null(), "{method}: {in_cluster}");
        }
    }
}

/// Labels that cut across the prototypes (each prototype's copies alternate between two labels):
/// the clusters still follow the neighbour graph exactly, the labels only about half the time —
/// the two shares tell the clusters from the labels.
#[test]
fn neighbours_follow_the_clusters_where_the_labels_cut_across_them() {
    let dir = tempfile::tempdir().unwrap();
    let (x, classes) = prototypes();
    let halves: Vec<usize> = (0..classes.len()).map(|i| (i / CLASSES) % 2).collect();
    let config = ClusterConfig {
        umap_epochs: Some(100),
        ..ClusterConfig::new(DatasetId::Mnist, Method::UmapGmm)
    };
    let m = cluster_given(
        &config,
        &x,
        &halves,
        &ClusterPlace {
            out: &dir.path().join("halves"),
            models: &dir.path().join("models"),
            data: &DataCache::new(dir.path().join("data")),
            device: tch::Device::Cpu,
            progress: &Quiet,
            stop: None,
        },
    )
    .unwrap();
    let in_cluster = m.neighbours_in_cluster.as_ref().unwrap();
    assert_eq!(in_cluster.overall, 1.0);
    assert_eq!(in_cluster.per_label.len(), CLASSES);
    // 29 of a copy's 59 others share its label; its 19 neighbours are a noisy pick of them.
    let by_label = m.scored().unwrap().neighbour_purity.as_ref().unwrap();
    assert_eq!(by_label.per_label.len(), 2);
    assert!(
        (0.35..0.65).contains(&by_label.overall),
        "{}",
        by_label.overall
    );
}

#[test]
fn n2d_and_ours_find_them_reuse_the_network_and_repeat_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(Method::N2d, dir.path(), Some(10)).unwrap();
    assert_eq!(first.scored().unwrap().accuracy, 1.0);
    let assignments = || std::fs::read(dir.path().join("n2d/assignments.csv")).unwrap();
    let first_assignments = assignments();
    let models = dir.path().join("models");
    assert_eq!(
        std::fs::read_dir(&models).unwrap().count(),
        1,
        "one network"
    );
    let kept = std::fs::read_dir(&models)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let name = kept.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("b2.1-e10-seed0-n600-"), "{name}");
    assert!(kept.join("history.json").is_file());
    // The second run loads that network (no retraining) and repeats every step; the network's
    // training time is the first run's, and counts in the cost from scratch.
    let again = run(Method::N2d, dir.path(), Some(10)).unwrap();
    assert_eq!(again.scored().unwrap().accuracy, 1.0);
    assert_eq!(first_assignments, assignments());
    assert_eq!(again.network_seconds, first.network_seconds);
    let train_now = |m: &ClusterMetrics| {
        m.stages
            .iter()
            .find(|s| s.name == "train")
            .map_or(f64::NAN, |s| s.seconds)
    };
    assert!(train_now(&again) < train_now(&first));
    assert!(again.seconds_from_scratch > again.seconds);
    // The AE's own k-means rung and the self-labelling one share the same network; the
    // self-labelling CNN keeps the perfect assignment it starts from.
    run(Method::AeKmeans, dir.path(), Some(10)).unwrap();
    let sl = run(Method::N2dSl, dir.path(), Some(10)).unwrap();
    assert_eq!(sl.scored().unwrap().accuracy, 1.0);
    assert_eq!(std::fs::read_dir(&models).unwrap().count(), 1);

    // Other pixels under the same data set name and count train a network of their own.
    let (x, labels) = prototypes();
    let other = x.mapv(|v| 1.0 - v);
    let config = ClusterConfig {
        epochs: Some(10),
        umap_epochs: Some(100),
        ..ClusterConfig::new(DatasetId::Mnist, Method::AeKmeans)
    };
    let data = DataCache::new(dir.path().join("data"));
    let cluster_other = |config: &ClusterConfig, out: &str| {
        let place = ClusterPlace {
            out: &dir.path().join(out),
            models: &models,
            data: &data,
            device: tch::Device::Cpu,
            progress: &Quiet,
            stop: None,
        };
        cluster_given(config, &other, &labels, &place).unwrap()
    };
    let m = cluster_other(&config, "other");
    assert_ne!(m.pixels_sha256, first.pixels_sha256);
    assert_eq!(
        std::fs::read_dir(&models).unwrap().count(),
        2,
        "a second network"
    );

    // Trained without augmentation, the same images' network is another one, named so.
    let config = ClusterConfig {
        augment: NetworkAugment::Off,
        ..config
    };
    cluster_other(&config, "other-noaug");
    let mut names: Vec<String> = std::fs::read_dir(&models)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(names.iter().filter(|n| n.ends_with("-noaug")).count(), 1);
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (x, labels) = prototypes();
    let data = DataCache::new(dir.path().join("data"));
    let place = ClusterPlace {
        out: dir.path(),
        models: dir.path(),
        data: &data,
        device: tch::Device::Cpu,
        progress: &Quiet,
        stop: None,
    };
    let config = ClusterConfig {
        k: 1,
        ..ClusterConfig::new(DatasetId::Mnist, Method::Kmeans)
    };
    let e = cluster_given(&config, &x, &labels, &place).unwrap_err();
    assert_eq!(e.parameter(), Some("k"), "{e}");
    let config = ClusterConfig {
        images: Some(5),
        ..ClusterConfig::new(DatasetId::Mnist, Method::Kmeans)
    };
    let e = cluster_given(&config, &x, &labels, &place).unwrap_err();
    assert_eq!(e.parameter(), Some("images"), "{e}");
    let config = ClusterConfig {
        augment: NetworkAugment::Off,
        ..ClusterConfig::new(DatasetId::Mnist, Method::Kmeans)
    };
    let e = cluster_given(&config, &x, &labels, &place).unwrap_err();
    assert_eq!(e.parameter(), Some("augment"), "{e}");
    let e = cluster_given(
        &ClusterConfig::new(DatasetId::Mnist, Method::Kmeans),
        &x,
        &labels[1..],
        &place,
    )
    .unwrap_err();
    assert!(e.to_string().contains("one label each"), "{e}");
}
