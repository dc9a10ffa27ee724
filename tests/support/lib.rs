//! Helpers shared by the workspace's end-to-end tests in `tests/`.

use std::path::PathBuf;

use ae_data::DatasetId;

/// The workspace's data folder.
pub fn workspace_data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The data folder when it holds `dataset`'s four files. Without them the test is skipped with a
/// message, unless `AE_REQUIRE_DATA=1` (set by `cargo xtask test` after fetching), where the
/// absence is a failure: CI must never skip these silently.
pub fn real_data(dataset: DatasetId) -> Option<PathBuf> {
    let dir = workspace_data_dir();
    let complete = ae_data::FileKind::ALL
        .iter()
        .all(|&f| ae_data::fetch::file_path(&dir, dataset, f).is_file());
    if complete {
        return Some(dir);
    }
    if std::env::var("AE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!(
            "AE_REQUIRE_DATA=1 but {dataset} is not in {}",
            dir.display()
        );
    }
    eprintln!(
        "SKIPPED: {dataset} is not in {}; run `cargo xtask fetch-mnist --dataset {dataset}`",
        dir.display()
    );
    None
}
