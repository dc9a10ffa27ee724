//! Where the command finds data and writes runs.

use std::path::PathBuf;

/// The data folder: the flag, else `$AE_DATA_DIR` (when set and not empty), else the
/// workspace's `data/` (fixed at build time, so a built binary works from any folder). Runs go
/// elsewhere: `runs/` under the current folder unless `--out` says otherwise.
pub fn data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| ae_data::fetch::default_data_dir(workspace_root().join("data")))
}

/// The workspace this binary was built from.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")))
}
