//! `ae anomaly` on generated images: one score per image in scores.csv, the summary and the ROC
//! area agreeing with them (the area recounted here pair by pair), identical sets inseparable,
//! and bad inputs named.

mod common;

use std::path::Path;

use common::{json, shapes, stderr, train_small};
use ndarray::Array4;

/// scores.csv's `mse` column of one set (`normal` or `against`), in the images' order.
fn scores(csv: &str, set: &str) -> Vec<f64> {
    column(csv, set, "mse")
}

/// scores.csv's column named `name` of one set, in the images' order.
fn column(csv: &str, set: &str, name: &str) -> Vec<f64> {
    let at = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("no column {name} in {csv}"));
    csv.lines()
        .skip(1)
        .filter(|l| l.starts_with(&format!("{set},")))
        .map(|l| l.split(',').nth(at).unwrap().parse().unwrap())
        .collect()
}

/// The ROC area counted pair by pair: the share of (anomaly, normal) pairs in which the anomaly
/// scores higher, ties counting half.
fn pairwise_area(normal: &[f64], against: &[f64]) -> f64 {
    let mut wins = 0.0;
    for a in against {
        for n in normal {
            wins += if a > n {
                1.0
            } else if a == n {
                0.5
            } else {
                0.0
            };
        }
    }
    wins / (normal.len() * against.len()) as f64
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
    let auc = m["separation"]["roc_auc"].as_f64().unwrap();
    let counted = pairwise_area(&normal, &against);
    assert!((auc - counted).abs() < 1e-12, "{auc} against {counted}");
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

/// scores.csv's labels of one set.
fn labels(csv: &str, set: &str) -> Vec<String> {
    csv.lines()
        .skip(1)
        .filter(|l| l.starts_with(&format!("{set},")))
        .map(|l| l.split(',').nth(3).unwrap().to_owned())
        .collect()
}

#[test]
fn a_run_of_one_class_flags_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let run_dir = tmp.path().join("circles");
    let m = json(
        &[
            "train",
            "--model",
            "s2.2",
            "--epochs",
            "1",
            "--json",
            "--device",
            "cpu",
            "--classes",
            "0",
        ],
        &[Path::new("--dataset"), &dir, Path::new("--out"), &run_dir],
    );
    // Trained and tested on circles (label 0) alone.
    let config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(config["classes"], serde_json::json!([0]));
    let per_class = &m["data"]["train_per_class"];
    let counts: Vec<u64> = (0..4).map(|i| per_class[i][1].as_u64().unwrap()).collect();
    assert!(counts[0] > 0 && counts[1..] == [0, 0, 0], "{per_class}");
    assert_eq!(
        config["train_size"].as_u64().unwrap() + config["validation"].as_u64().unwrap(),
        counts[0]
    );

    // Without --against, the test split's other labels are the anomalies.
    let out = tmp.path().join("anomaly");
    let a = json(
        &["anomaly", "--json", "--run"],
        &[&run_dir, Path::new("--out"), &out],
    );
    assert_eq!(a["normal_classes"], serde_json::json!([0]));
    let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let (normal, others) = (labels(&csv, "normal"), labels(&csv, "against"));
    assert!(
        !normal.is_empty() && normal.iter().all(|l| l == "0"),
        "{csv}"
    );
    assert!(
        !others.is_empty() && others.iter().all(|l| l != "0"),
        "{csv}"
    );
    assert_eq!(normal.len() + others.len(), 20);
    let auc = a["separation"]["roc_auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc));
    // --normal-classes chooses other labels as normal.
    let b = json(
        &["anomaly", "--json", "--normal-classes", "1,2", "--run"],
        &[&run_dir, Path::new("--out"), &tmp.path().join("b")],
    );
    let csv = std::fs::read_to_string(tmp.path().join("b/scores.csv")).unwrap();
    assert!(labels(&csv, "normal").iter().all(|l| l == "1" || l == "2"));
    assert_eq!(b["normal_classes"], serde_json::json!([1, 2]));

    // --pca: PCA of the run's training images (circles alone) scores the same images beside
    // the model; its column, summary and area agree, and its ROC curve joins the model's.
    let p = json(
        &["anomaly", "--json", "--pca", "3", "--run"],
        &[&run_dir, Path::new("--out"), &tmp.path().join("p")],
    );
    let csv = std::fs::read_to_string(tmp.path().join("p/scores.csv")).unwrap();
    assert!(
        csv.starts_with("set,index,name,label,mse,pca_mse\n"),
        "{csv}"
    );
    // The model's scores are those of the call without --pca.
    assert_eq!(p["separation"], a["separation"]);
    assert_eq!(scores(&csv, "normal").len(), normal.len());
    let (pn, pa) = (
        column(&csv, "normal", "pca_mse"),
        column(&csv, "against", "pca_mse"),
    );
    assert_eq!(p["pca"]["components"].as_u64(), Some(3));
    assert_eq!(p["pca"]["normal"]["count"].as_u64(), Some(pn.len() as u64));
    let mean = pn.iter().sum::<f64>() / pn.len() as f64;
    assert!((p["pca"]["normal"]["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    let pca_auc = p["pca"]["separation"]["roc_auc"].as_f64().unwrap();
    assert!((pca_auc - pairwise_area(&pn, &pa)).abs() < 1e-12);
    assert!(tmp.path().join("p/roc.png").is_file());
    let e = stderr(&["anomaly", "--pca", "0", "--run"], &[&run_dir]);
    assert!(e.contains("--pca 0"), "{e}");

    // Images of one's own are scored without a split unless one is asked for.
    let c = json(
        &["anomaly", "--json", "--run"],
        &[
            &run_dir,
            Path::new("--images"),
            &dir.join("circle"),
            Path::new("--out"),
            &tmp.path().join("c"),
        ],
    );
    assert!(c["separation"].is_null() && c["normal_classes"].is_null());

    // A label the data do not have, and a split without labels, are named.
    let e = stderr(
        &["train", "--model", "s2.2", "--classes", "7", "--dataset"],
        &[&dir],
    );
    assert!(e.contains("--classes") && e.contains("label 7"), "{e}");
    let e = stderr(
        &["anomaly", "--normal-classes", "0", "--run"],
        &[&run_dir, Path::new("--images"), &dir.join("circle")],
    );
    assert!(
        e.contains("--normal-classes") && e.contains("labels"),
        "{e}"
    );
}
