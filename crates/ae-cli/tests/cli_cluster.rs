//! `ae cluster` end to end through the built binary: a cheap rung on the first 2,000 MNIST images
//! (metrics, assignments, pictures, the same seed repeating itself) and flag validation.

use std::process::Command;

use ae_data::DatasetId;

fn ae() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ae"))
}

fn stderr_of(args: &[&str]) -> String {
    let out = ae().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_flags_are_named() {
    let err = stderr_of(&["cluster", "--method", "dbscan"]);
    assert!(err.contains("--method") && err.contains("n2d"), "{err}");
    let err = stderr_of(&["cluster", "--dataset", "cifar10"]);
    assert!(err.contains("--dataset"), "{err}");
    let err = stderr_of(&["cluster", "--augment", "blur:3"]);
    assert!(err.contains("--augment") && err.contains("shift:"), "{err}");
}

#[test]
fn umap_and_a_mixture_on_two_thousand_images() {
    let Some(data) = ae_e2e::real_data(DatasetId::Mnist) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str, extra: &[&str]| -> serde_json::Value {
        let output = ae()
            .arg("--data-dir")
            .arg(&data)
            .args(["cluster", "--method", "umap-gmm", "--images", "2000"])
            .args(["--umap-epochs", "100", "--json", "--out"])
            .arg(dir.path().join(out))
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
    };
    let m = run("a", &[]);
    assert_eq!(m["images"], 2000);
    // UMAP + mixture on MNIST's first 2,000 images: about 0.8 (k-means on pixels: about 0.55).
    let acc = m["accuracy"].as_f64().unwrap();
    assert!(acc > 0.65 && acc <= 1.0, "{acc}");
    let stages: Vec<&str> = m["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["data", "neighbours", "umap", "gmm", "figures"]);
    for file in [
        "assignments.csv",
        "confusion.png",
        "map-labels.png",
        "members.png",
    ] {
        assert!(dir.path().join("a").join(file).is_file(), "{file}");
    }
    // The same seed gives the same assignments; another seed other ones.
    run("b", &[]);
    let read = |d: &str| std::fs::read(dir.path().join(d).join("assignments.csv")).unwrap();
    assert_eq!(read("a"), read("b"));
    run("c", &["--seed", "1"]);
    assert_ne!(read("a"), read("c"));
    // Too few images for the neighbour graph is named by flag.
    let err = stderr_of(&[
        "--data-dir",
        data.to_str().unwrap(),
        "cluster",
        "--images",
        "5",
    ]);
    assert!(err.contains("--images"), "{err}");
}
