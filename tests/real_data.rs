//! Checks on the real, fetched data sets: counts, first labels, checksums, pixel statistics.

use ae_data::{fetch, Dataset, DatasetId, FileKind};
use ae_e2e::real_data;

fn check(id: DatasetId, first_labels: [u8; 8]) {
    let Some(dir) = real_data(id) else { return };
    let data = Dataset::load(id, &dir).unwrap();
    assert!(data.verified, "checksums of {id} must be pinned and match");
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(data.train.rows().dim(), (60_000, 784));
    assert_eq!(data.shape(), ae_data::ImageShape::MNIST);
    let labels = data.train.labels().expect("MNIST has labels");
    let first: Vec<u8> = labels.iter().take(8).copied().collect();
    assert_eq!(first, first_labels);
    // Every class appears, with 6,000 training images each in both data sets' balanced splits
    // (MNIST is not balanced: its counts range from 5,421 to 6,742).
    let mut counts = [0usize; 10];
    for &l in labels {
        counts[l as usize] += 1;
    }
    assert_eq!(counts.iter().sum::<usize>(), 60_000);
    assert!(counts.iter().all(|&c| c > 5_000), "{counts:?}");
    // The stored files' decompressed content matches the published SHA-256 sums.
    for kind in FileKind::ALL {
        let path = fetch::file_path(&dir, id, kind);
        let raw = ae_data::idx::decompress(&std::fs::read(&path).unwrap(), &path).unwrap();
        assert_eq!(Some(fetch::sha256_hex(&raw).as_str()), id.sha256(kind));
    }
}

#[test]
fn mnist_counts_labels_and_checksums() {
    check(DatasetId::Mnist, [5, 0, 4, 1, 9, 2, 1, 3]);
}

#[test]
fn fashion_mnist_counts_labels_and_checksums() {
    check(DatasetId::FashionMnist, [9, 0, 0, 3, 0, 2, 7, 2]);
}

#[test]
fn mnist_mean_pixel_matches_the_known_value() {
    let Some(dir) = real_data(DatasetId::Mnist) else {
        return;
    };
    let data = Dataset::load(DatasetId::Mnist, &dir).unwrap();
    let x = data.train.to_f32();
    let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len() as f64;
    // The normalisation constant everyone uses for MNIST: mean 0.1307.
    assert!((mean - 0.1307).abs() < 5e-5, "mean pixel {mean}");
}
