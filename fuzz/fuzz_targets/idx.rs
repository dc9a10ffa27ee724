//! IDX files, raw or gzip: any bytes give an array or an error naming the file, never a panic
//! or an allocation beyond the input's promise; a pair of arrays goes through the image-set
//! checks (28 × 28, as many labels as images, labels 0–9).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.idx");
    if let Ok(array) = ae_data::idx::parse(data, path) {
        let product: usize = array.dims.iter().product();
        assert_eq!(product, array.data.len());
    }
    // The first two bytes split the rest into an images file and a labels file.
    if data.len() < 2 {
        return;
    }
    let cut = (usize::from(data[0]) << 8 | usize::from(data[1])).min(data.len() - 2);
    let (images, labels) = data[2..].split_at(cut);
    let (Ok(images), Ok(labels)) = (
        ae_data::idx::parse(images, Path::new("images.idx")),
        ae_data::idx::parse(labels, Path::new("labels.idx")),
    ) else {
        return;
    };
    if let Ok(set) = ae_data::ImageSet::from_idx(
        images,
        Path::new("images.idx"),
        labels,
        Path::new("labels.idx"),
    ) {
        assert!(!set.is_empty());
        assert!(set.labels().iter().all(|&l| l <= 9));
    }
});
