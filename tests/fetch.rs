//! Fetching from mirrors: corrupted files are refused and leave nothing behind.

use std::io::Write;
use std::path::Path;

use ae_data::fetch::{Fetcher, NoProgress, Source};
use ae_data::{fetch, idx, DatasetId, FileKind};
use ae_e2e::real_data;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn offline_fetcher(data: &Path, mirror: &Path) -> Fetcher {
    Fetcher::new(data)
        .mirror(Source::Dir(mirror.to_owned()))
        .env_mirror(false)
        .canonical(false)
        .system_dirs(false)
}

#[test]
fn corrupted_mirror_file_fails_by_name_and_leaves_nothing() {
    let Some(real) = real_data(DatasetId::Mnist) else {
        return;
    };
    let mirror = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir(mirror.path().join("mnist")).unwrap();
    for kind in FileKind::ALL {
        let src = fetch::file_path(&real, DatasetId::Mnist, kind);
        let dst = fetch::file_path(mirror.path(), DatasetId::Mnist, kind);
        let mut bytes = std::fs::read(&src).unwrap();
        if kind == FileKind::TestLabels {
            // A valid gzip of a valid IDX whose content differs by one label: only the checksum
            // can tell.
            let mut raw = idx::decompress(&bytes, &src).unwrap();
            let last = raw.len() - 1;
            raw[last] = (raw[last] + 1) % 10;
            bytes = gzip(&raw);
        }
        std::fs::write(dst, bytes).unwrap();
    }
    let err = offline_fetcher(data.path(), mirror.path())
        .fetch(DatasetId::Mnist, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("t10k-labels-idx1-ubyte"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
    // The three good files landed; of the bad one, nothing (no file, no temporary).
    assert_eq!(
        files_in(&data.path().join("mnist")),
        vec![
            "t10k-images-idx3-ubyte.gz",
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz"
        ]
    );
    // A second fetch from a good mirror completes, skipping the verified files.
    let reports = offline_fetcher(data.path(), &real)
        .fetch(DatasetId::Mnist, &NoProgress)
        .unwrap();
    let fetched: Vec<_> = reports
        .iter()
        .filter(|r| matches!(r.outcome, fetch::FileOutcome::Fetched(_)))
        .map(|r| r.kind)
        .collect();
    assert_eq!(fetched, vec![FileKind::TestLabels]);
}

#[test]
fn unpinned_dataset_is_accepted_unverified_and_truncated_gzip_is_refused() {
    // KMNIST has no pinned checksum: well-formed files are accepted but marked unverified.
    let mirror = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = mirror.path().join("kmnist");
    std::fs::create_dir(&dir).unwrap();
    for kind in FileKind::ALL {
        let dims: Vec<usize> = if kind.rank() == 3 {
            vec![kind.count(), 28, 28]
        } else {
            vec![kind.count()]
        };
        let payload = vec![1u8; dims.iter().product()];
        let mut bytes = gzip(&idx::encode(&dims, &payload).unwrap());
        if kind == FileKind::TrainLabels {
            bytes.truncate(bytes.len() / 2);
        }
        std::fs::write(dir.join(format!("{}.gz", kind.file_name())), bytes).unwrap();
    }
    let err = offline_fetcher(data.path(), mirror.path())
        .fetch(DatasetId::Kmnist, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("train-labels-idx1-ubyte") && err.contains("gzip"),
        "{err}"
    );
    assert_eq!(
        files_in(&data.path().join("kmnist")),
        vec!["train-images-idx3-ubyte.gz"]
    );

    // Repair the mirror: now everything is fetched, unverified.
    let payload = vec![2u8; 60_000];
    std::fs::write(
        dir.join("train-labels-idx1-ubyte.gz"),
        gzip(&idx::encode(&[60_000], &payload).unwrap()),
    )
    .unwrap();
    let reports = offline_fetcher(data.path(), mirror.path())
        .fetch(DatasetId::Kmnist, &NoProgress)
        .unwrap();
    assert!(reports.iter().all(|r| !r.verified));
    let loaded = ae_data::Dataset::load(DatasetId::Kmnist, data.path()).unwrap();
    assert!(!loaded.verified);
    assert_eq!(loaded.train.labels().unwrap()[0], 2);
}

#[test]
fn every_failed_source_is_listed() {
    let data = tempfile::tempdir().unwrap();
    let err = Fetcher::new(data.path())
        .mirror(Source::Dir("/nonexistent/mirror-a".into()))
        .mirror(Source::Dir("/nonexistent/mirror-b".into()))
        .env_mirror(false)
        .canonical(false)
        .system_dirs(false)
        .fetch(DatasetId::Mnist, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mirror-a") && err.contains("mirror-b"),
        "{err}"
    );
}
