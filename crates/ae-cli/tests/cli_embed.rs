//! `ae embed` end to end on a generated coloured-shapes folder: the pixels by every method, a
//! trained run's codes, the same codes through `ae encode` and `--codes`, and bad inputs named.

use std::path::Path;

use ndarray::{Array1, Array2};

mod common;
use common::{json, run, shapes, stderr, train_small};

/// The training labels of the folder, in the order every command reads them.
fn train_labels(dir: &Path, tmp: &Path) -> Vec<u8> {
    let spec = ae_data::DataSpec::parse(dir.to_str().unwrap()).unwrap();
    let data = ae_data::Dataset::open(&spec, tmp, &()).unwrap();
    data.train.labels().unwrap().to_vec()
}

#[test]
fn a_folder_s_pixels_map_by_every_method_into_files_that_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let labels = train_labels(&dir, tmp.path());
    for method in ["umap", "tsne", "pca"] {
        let out = tmp.path().join(method);
        let m = json(
            &[
                "embed",
                "--split",
                "train",
                "--perplexity",
                "10",
                "--json",
                "--method",
                method,
            ],
            &[Path::new("--dataset"), &dir, Path::new("--out"), &out],
        );
        assert_eq!(m["method"], method);
        assert_eq!(
            (m["points"].as_u64(), m["values_per_point"].as_u64()),
            (Some(80), Some(768))
        );
        let q = &m["quality"];
        let t = q["trustworthiness"].as_f64().unwrap();
        assert!(t > 0.5 && t <= 1.0, "{method}: {t}");
        let (a, b) = (
            q["label_agreement_points"].as_f64().unwrap(),
            q["label_agreement_map"].as_f64().unwrap(),
        );
        assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&b), "{q}");

        // The array, the table and the picture hold the same points; the table's labels are the
        // folder's, in its order.
        let map: Array2<f32> = ndarray_npy::read_npy(out.join("embedding.npy")).unwrap();
        assert_eq!(map.dim(), (80, 2));
        let csv = std::fs::read_to_string(out.join("embedding.csv")).unwrap();
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("index,label,x,y"));
        for (i, line) in lines.enumerate() {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f[0].parse::<usize>().unwrap(), i);
            assert_eq!(f[1].parse::<u8>().unwrap(), labels[i]);
            assert_eq!(f[2].parse::<f32>().unwrap(), map[[i, 0]]);
            assert_eq!(f[3].parse::<f32>().unwrap(), map[[i, 1]]);
        }
        assert!(out.join("embedding.png").is_file());
        // Thumbnails are drawn for 28 × 28 grey images only.
        assert!(!out.join("embedding-thumbnails.png").exists());
        if method == "pca" {
            // Principal components: centred, and the first spreads the most.
            let mean = map.mean_axis(ndarray::Axis(0)).unwrap();
            assert!(mean.iter().all(|v| v.abs() < 1e-3), "{mean}");
            let var = map.var_axis(ndarray::Axis(0), 0.0);
            assert!(var[0] >= var[1], "{var}");
        }
    }
    // Same seed, same map.
    let again = tmp.path().join("umap-again");
    json(
        &["embed", "--split", "train", "--json", "--method", "umap"],
        &[Path::new("--dataset"), &dir, Path::new("--out"), &again],
    );
    assert_eq!(
        std::fs::read(again.join("embedding.npy")).unwrap(),
        std::fs::read(tmp.path().join("umap/embedding.npy")).unwrap()
    );
}

#[test]
fn a_run_s_codes_map_as_the_same_codes_from_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let run_dir = tmp.path().join("ae");
    train_small(&dir, &run_dir, 1);
    let from_run = tmp.path().join("from-run");
    let m = json(
        &[
            "embed", "--split", "train", "--method", "pca", "--json", "--run",
        ],
        &[&run_dir, Path::new("--out"), &from_run],
    );
    assert_eq!(
        (m["points"].as_u64(), m["values_per_point"].as_u64()),
        (Some(80), Some(32))
    );

    let codes = tmp.path().join("codes.npy");
    let out = run(
        &["encode", "--split", "train", "--run"],
        &[&run_dir, Path::new("--out"), &codes],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let labels = tmp.path().join("labels.npy");
    let y: Array1<i64> = train_labels(&dir, tmp.path())
        .iter()
        .map(|&l| i64::from(l))
        .collect();
    ndarray_npy::write_npy(&labels, &y).unwrap();
    let from_file = tmp.path().join("from-file");
    let f = json(
        &["embed", "--method", "pca", "--json", "--codes"],
        &[
            &codes,
            Path::new("--labels"),
            &labels,
            Path::new("--out"),
            &from_file,
        ],
    );
    assert_eq!(f["quality"], m["quality"]);
    assert_eq!(
        std::fs::read(from_file.join("embedding.npy")).unwrap(),
        std::fs::read(from_run.join("embedding.npy")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(from_file.join("embedding.csv")).unwrap(),
        std::fs::read_to_string(from_run.join("embedding.csv")).unwrap()
    );

    // A sample: --n points, the same seed drawing the same ones.
    let sample = json(
        &["embed", "--method", "pca", "--n", "30", "--json", "--codes"],
        &[&codes, Path::new("--out"), &tmp.path().join("sample")],
    );
    assert_eq!(sample["points"].as_u64(), Some(30));
    assert!(sample["quality"]["label_agreement_map"].is_null());
}

#[test]
fn bad_settings_and_inputs_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = shapes(tmp.path());
    let out = tmp.path().join("out");
    // 80 points allow a perplexity of at most 26.3; scikit-learn's default 30 is too much.
    let e = stderr(
        &["embed", "--split", "train", "--method", "tsne", "--dataset"],
        &[&dir, Path::new("--out"), &out],
    );
    assert!(e.contains("--perplexity") && e.contains("26.3"), "{e}");
    assert!(!out.exists(), "an output folder was made before the check");
    let e = stderr(&["embed", "--method", "isomap", "--dataset"], &[&dir]);
    assert!(e.contains("--method") && e.contains("isomap"), "{e}");
    let e = stderr(&["embed", "--neighbours", "500", "--dataset"], &[&dir]);
    assert!(e.contains("--neighbours"), "{e}");
    let missing = tmp.path().join("missing.npy");
    let e = stderr(&["embed", "--codes"], &[&missing]);
    assert!(e.contains("--codes") && e.contains("missing.npy"), "{e}");
    let codes = tmp.path().join("codes.npy");
    ndarray_npy::write_npy(&codes, &Array2::<f32>::zeros((10, 4))).unwrap();
    let labels = tmp.path().join("labels.npy");
    ndarray_npy::write_npy(&labels, &Array1::<i64>::zeros(9)).unwrap();
    let e = stderr(
        &["embed", "--codes"],
        &[&codes, Path::new("--labels"), &labels],
    );
    assert!(
        e.contains("--labels") && e.contains("9 labels for 10"),
        "{e}"
    );
    let e = stderr(&["embed", "--run", "x", "--codes"], &[&codes]);
    assert!(e.contains("--codes") && e.contains("--run"), "{e}");
}
