//! `ae anomaly` on generated images: one score per image in scores.csv, the summary and the ROC
//! area agreeing with them (the area recounted here pair by pair), identical sets inseparable,
//! and bad inputs named.

mod common;

use std::path::Path;

use common::{json, shapes, stderr, train_small};
use ndarray::Array4;

/// scores.csv's `mse` column of one set (`normal` or `against`), in the images' order.
fn scores(csv: &str, set: &str) -> Vec<f64> {
    csv.lines()
        .skip(1)
        .filter(|l| l.starts_with(&format!("{set},")))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn scores_summary_and_roc_area_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let run_dir = tmp.path().join("ae");
    train_small(&dir, &run_dir, 2);
    // Anomalies: 30 images of uniform noise, as a .npy array of the shapes' size.
    let noise = tmp.path().join("noise.npy");
    let values = Array4::from_shape_fn((30, 16, 16, 3), |(i, y, x, c)| {
        ((i * 7919 + y * 104_729 + x * 1_299_709 + c * 15_485_863) % 256) as u8
    });
    ndarray_npy::write_npy(&noise, &values).unwrap();
    let out = tmp.path().join("anomaly");
    let m = json(
        &["anomaly", "--json", "--show", "5", "--run"],
        &[
            &run_dir,
            Path::new("--against"),
            &noise,
            Path::new("--out"),
            &out,
        ],
    );
    let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let (normal, against) = (scores(&csv, "normal"), scores(&csv, "against"));
    // The folder's test split: a fifth of its 100 images.
    assert_eq!((normal.len(), against.len()), (20, 30));
    assert_eq!(m["normal"]["mse"]["count"].as_u64(), Some(20));
    let mean = normal.iter().sum::<f64>() / 20.0;
    assert!((m["normal"]["mse"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    let max = normal.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(m["normal"]["mse"]["max"].as_f64(), Some(max));
    // Every label of the folder has its mean error.
    assert_eq!(m["normal"]["mse_per_label"].as_array().unwrap().len(), 4);
    // The area: the share of (anomaly, normal) pairs in which the anomaly scores higher.
    let mut wins = 0.0;
    for a in &against {
        for n in &normal {
            wins += if a > n {
                1.0
            } else if a == n {
                0.5
            } else {
                0.0
            };
        }
    }
    let auc = m["separation"]["roc_auc"].as_f64().unwrap();
    assert!((auc - wins / 600.0).abs() < 1e-12, "{auc} against {wins}");
    // The threshold that catches 95 % of the anomalies: at least 29 of 30 score at or above it,
    // and the false-positive rate is the share of normal images that do.
    let at = &m["separation"]["at_95_percent_caught"];
    let threshold = at["threshold"].as_f64().unwrap();
    assert!(against.iter().filter(|&&a| a >= threshold).count() >= 29);
    let flagged = normal.iter().filter(|&&n| n >= threshold).count() as f64 / 20.0;
    assert_eq!(at["false_positive_rate"].as_f64(), Some(flagged));
    for file in ["highest.png", "against-lowest.png", "roc.png", "errors.png"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    // Again into the same folder without --against and with no pictures of images: the ROC and
    // the grids of the first call go, and the metrics say there is nothing to separate.
    let again = json(
        &["anomaly", "--json", "--show", "0", "--run"],
        &[&run_dir, Path::new("--out"), &out],
    );
    assert!(again["separation"].is_null() && again["against"].is_null());
    assert_eq!(again["normal"], m["normal"]);
    for file in ["highest.png", "against-lowest.png", "roc.png"] {
        assert!(!out.join(file).exists(), "{file}");
    }
    assert!(out.join("errors.png").is_file());

    // The same images as anomalies: every score ties with its twin, so nothing separates them.
    let same = json(
        &["anomaly", "--json", "--run"],
        &[
            &run_dir,
            Path::new("--against"),
            &dir,
            Path::new("--images"),
            &dir,
            Path::new("--out"),
            &tmp.path().join("same"),
        ],
    );
    assert_eq!(same["separation"]["roc_auc"].as_f64(), Some(0.5));
    assert_eq!(same["normal"]["mse"], same["against"]["mse"]);
    let csv = std::fs::read_to_string(tmp.path().join("same/scores.csv")).unwrap();
    // A folder's images are named by their paths under it.
    assert!(
        csv.lines().nth(1).unwrap().starts_with("normal,0,circle/"),
        "{csv}"
    );
}

#[test]
fn bad_inputs_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let e = stderr(&["anomaly", "--run"], &[&tmp.path().join("none")]);
    assert!(
        e.contains("none") && e.contains("no such run folder"),
        "{e}"
    );
    let dir = shapes(tmp.path());
    let run_dir = tmp.path().join("ae");
    train_small(&dir, &run_dir, 1);
    let missing = tmp.path().join("missing");
    let e = stderr(
        &["anomaly", "--run"],
        &[&run_dir, Path::new("--against"), &missing],
    );
    assert!(e.contains("--against") && e.contains("missing"), "{e}");
    let e = stderr(&["anomaly", "--show", "51", "--run"], &[&run_dir]);
    assert!(e.contains("--show") && e.contains("51"), "{e}");
    let e = stderr(&["anomaly", "--split", "valid", "--run"], &[&run_dir]);
    assert!(e.contains("--split") && e.contains("valid"), "{e}");
    // MNIST's 28 × 28 grey images do not fit a run on 16 × 16 colour ones (and where MNIST is
    // not fetched, that is said under the same flag).
    let e = stderr(&["anomaly", "--against", "mnist", "--run"], &[&run_dir]);
    assert!(e.contains("--against"), "{e}");
}
