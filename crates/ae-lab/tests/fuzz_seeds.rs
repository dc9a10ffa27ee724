//! Every input in `fuzz/seeds/<target>/` — the fuzz targets' starting files and every input a
//! fuzzing run once found failing, kept as a regression — through the same parsers and checks
//! as its target (`fuzz/fuzz_targets/`), in the ordinary test run. The long fuzzing itself runs
//! with `cargo xtask fuzz`, not in CI.

use std::path::{Path, PathBuf};

fn seeds(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect()
}

/// The two files a two-file target's input holds: a big-endian u16 length, then the files.
fn split(data: &[u8]) -> Option<(&[u8], &[u8])> {
    if data.len() < 2 {
        return None;
    }
    let cut = (usize::from(data[0]) << 8 | usize::from(data[1])).min(data.len() - 2);
    Some(data[2..].split_at(cut))
}

#[test]
fn idx_seeds() {
    let mut pairs = 0;
    for (path, data) in seeds("idx") {
        if let Ok(a) = ae_data::idx::parse(&data, &path) {
            assert_eq!(a.dims.iter().product::<usize>(), a.data.len());
        }
        let Some((images, labels)) = split(&data) else {
            continue;
        };
        let (Ok(i), Ok(l)) = (
            ae_data::idx::parse(images, Path::new("images")),
            ae_data::idx::parse(labels, Path::new("labels")),
        ) else {
            continue;
        };
        if let Ok(set) = ae_data::ImageSet::from_idx(i, Path::new("images"), l, Path::new("labels"))
        {
            assert!(set.labels().unwrap().iter().all(|&l| l <= 9));
            pairs += 1;
        }
    }
    assert!(pairs >= 2, "the valid image/label pairs must load");
}

#[test]
fn run_config_seeds() {
    let mut valid = 0;
    for (path, data) in seeds("run_config") {
        if let Ok(c) = ae_lab::run::parse_config(&data, &path) {
            let json = serde_json::to_vec(&c).unwrap();
            assert_eq!(ae_lab::run::parse_config(&json, &path).unwrap(), c);
            valid += 1;
        }
    }
    assert!(valid >= 10, "the pipeline's own config files must parse");
}

#[test]
fn checkpoint_seeds() {
    let model = [
        ("enc0.bias".to_owned(), vec![4]),
        ("enc0.weight".to_owned(), vec![4, 8]),
    ];
    let mut matched = 0;
    for (path, data) in seeds("checkpoint") {
        let Some((json, tensors)) = split(&data) else {
            continue;
        };
        if let Ok(ck) = ae_models::checkpoint::Checkpoint::parse(&path, json) {
            assert!(ck.epoch() <= ck.train_config().epochs);
        }
        if let Ok(found) = ae_models::weights::read_specs(tensors, &path) {
            let same = ae_models::weights::compare(&model, &found, &path).is_ok();
            assert_eq!(same, found == model);
            matched += usize::from(same);
        }
    }
    assert!(matched >= 1);
}

#[test]
fn npy_seeds() {
    for (path, data) in seeds("npy") {
        if let Ok(m) = ae_data::npy::parse_matrix(&data, &path) {
            assert!(m.nrows() > 0 && m.iter().all(|v| v.is_finite()));
        }
    }
}

#[test]
fn npy_images_seeds() {
    let mut loaded = 0;
    for (path, data) in seeds("npy_images") {
        if let Ok((rows, shape)) = ae_data::own::array::parse_images(&data, &path) {
            assert!(rows.nrows() > 0 && rows.ncols() == shape.values());
            if path.ends_with("u8-fortran.npy") {
                // Column-major bytes 0..12 of shape (2, 3, 2): image 0 is [[0, 6], [2, 8], [4, 10]].
                assert_eq!(rows.row(0).to_vec(), [0, 6, 2, 8, 4, 10]);
            }
            loaded += 1;
        }
    }
    // The grey, colour, one-channel and Fortran-order seeds load; the RGBA one is refused.
    assert_eq!(loaded, 4);
}

#[test]
fn csv_seeds() {
    use ae_data::csv::{parse_csv, LabelColumn};
    for (path, data) in seeds("csv") {
        let Some((&mode, rest)) = data.split_first() else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        let label = match (mode >> 1) % 4 {
            0 => LabelColumn::None,
            1 => LabelColumn::Index(-1),
            2 => LabelColumn::Index(i8::from_le_bytes([mode]) as isize / 8),
            _ => LabelColumn::Named("label".into()),
        };
        if let Ok(t) = parse_csv(text, &path, mode & 1 == 1, &label) {
            assert_eq!(t.columns.len(), t.features.ncols());
        }
    }
}
