//! `ae kmeans-demo` end to end (synthetic data, no data set needed), and flag validation.

use std::process::Command;

fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

#[test]
fn kmeans_demo_writes_pictures_and_a_non_increasing_distortion() {
    let dir = tempfile::tempdir().unwrap();
    let out = ae()
        .args(["kmeans-demo", "--seed", "3", "--json", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let metrics: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let d: Vec<f64> = metrics["distortions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(d.len(), 12);
    assert!(d.windows(2).all(|w| w[1] <= w[0] + 1e-9), "{d:?}");
    for i in 0..6 {
        assert!(dir.path().join(format!("iteration-{i}.png")).is_file());
    }
    assert!(dir.path().join("distortion.png").is_file());
    assert!(dir.path().join("metrics.json").is_file());
}

#[test]
fn bad_flags_are_named() {
    let out = ae().args(["kmeans", "--on", "tsne:2"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--on"));
    let out = ae().args(["pca", "--solver", "qr"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--solver") && err.contains("'qr'"), "{err}");
}
