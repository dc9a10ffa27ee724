//! `cargo xtask fetch-mnist --dataset all` offline: every data set with pinned checksums is
//! fetched from the mirror; KMNIST, which no source here has (or whose mirror copy is not 28 × 28
//! digits), is named in a warning and skipped, and the command succeeds.

use std::path::Path;
use std::process::Command;

use ae_data::DatasetId;

fn copy_dataset(from: &Path, to: &Path, name: &str) {
    std::fs::create_dir_all(to.join(name)).unwrap();
    for entry in std::fs::read_dir(from.join(name)).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "gz") {
            std::fs::copy(&path, to.join(name).join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn all_fetches_the_pinned_sets_and_skips_kmnist_with_a_warning() {
    let (Some(data), Some(_)) = (
        ae_e2e::real_data(DatasetId::Mnist),
        ae_e2e::real_data(DatasetId::FashionMnist),
    ) else {
        return;
    };
    let mirror = tempfile::tempdir().unwrap();
    copy_dataset(&data, mirror.path(), "mnist");
    copy_dataset(&data, mirror.path(), "fashion-mnist");
    // A KMNIST copy with the right counts but 27 × 27 images: unverifiable by checksum, refused
    // by shape.
    let kmnist = mirror.path().join("kmnist");
    std::fs::create_dir_all(&kmnist).unwrap();
    for (file, dims) in [
        ("train-images-idx3-ubyte", vec![60_000, 27, 27]),
        ("train-labels-idx1-ubyte", vec![60_000]),
        ("t10k-images-idx3-ubyte", vec![10_000, 27, 27]),
        ("t10k-labels-idx1-ubyte", vec![10_000]),
    ] {
        let len: usize = dims.iter().product();
        ae_data::idx::write(
            &kmnist.join(format!("{file}.gz")),
            &dims,
            &vec![1; len],
            true,
        )
        .unwrap();
    }
    let out_dir = tempfile::tempdir().unwrap();
    let fetch = |dataset: &str| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["fetch-mnist", "--dataset", dataset, "--data-dir"])
            .arg(out_dir.path())
            .arg("--mirror")
            .arg(mirror.path())
            .env_remove("AE_DATA_MIRROR")
            .output()
            .unwrap()
    };
    let out = fetch("all");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: kmnist skipped") && stderr.contains("27 × 27"),
        "{stderr}"
    );
    for id in [DatasetId::Mnist, DatasetId::FashionMnist] {
        assert!(ae_data::Dataset::load(id, out_dir.path()).unwrap().verified);
    }
    assert!(
        !out_dir
            .path()
            .join("kmnist/train-images-idx3-ubyte.gz")
            .exists(),
        "refused files are not left behind"
    );
    // By name, KMNIST is required: the same refusal is a failure.
    assert!(!fetch("kmnist").status.success());
}
