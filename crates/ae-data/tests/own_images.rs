//! Images of one's own: folders in every layout, `.npy` arrays of every accepted dtype and shape,
//! CSV tables; what each loads to, and errors that name the file at fault.

use std::path::{Path, PathBuf};

use ae_data::{DataSpec, Dataset, FileSource, ImageShape};
use image::{GrayImage, Luma, Rgb, RgbImage};
use ndarray::{Array1, Array3, Array4};
use ndarray_npy::WriteNpyExt;

/// A grey w × h image whose every pixel is `v`.
fn grey(path: &Path, w: u32, h: u32, v: u8) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    GrayImage::from_pixel(w, h, Luma([v])).save(path).unwrap();
}

fn rgb(path: &Path, w: u32, h: u32, px: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    RgbImage::from_pixel(w, h, Rgb(px)).save(path).unwrap();
}

fn load(source: FileSource) -> ae_data::Result<Dataset> {
    Dataset::open(&DataSpec::Files(source), Path::new("unused"), &())
}

fn err(source: FileSource) -> String {
    load(source).unwrap_err().to_string()
}

#[test]
fn class_folders_give_sorted_labels_and_a_seeded_split() {
    let dir = tempfile::tempdir().unwrap();
    // Class "10" must follow "9": numeric names sort as numbers.
    for (class, v) in [("9", 90u8), ("10", 100), ("2", 20)] {
        for i in 0..10 {
            grey(&dir.path().join(class).join(format!("{i}.png")), 6, 4, v);
        }
    }
    let mut src = FileSource::new(dir.path());
    src.test_fraction = 0.3;
    let d = load(src.clone()).unwrap();
    assert_eq!(d.classes.as_deref().unwrap(), ["2", "9", "10"]);
    assert_eq!(d.shape(), ImageShape::grey(4, 6));
    assert_eq!((d.train.len(), d.test.len()), (21, 9));
    // Every image's pixel value says its class: label 0 ↔ 20, 1 ↔ 90, 2 ↔ 100.
    for set in [&d.train, &d.test] {
        for (row, &l) in set.rows().rows().into_iter().zip(set.labels().unwrap()) {
            assert!(row.iter().all(|&p| p == [20, 90, 100][usize::from(l)]));
        }
    }
    let again = load(src.clone()).unwrap();
    assert_eq!(again.fingerprint(), d.fingerprint());
    src.seed = 1;
    let other = load(src).unwrap();
    assert_ne!(
        other.fingerprint(),
        d.fingerprint(),
        "another split seed, another split"
    );
    let s = d.summary();
    assert_eq!(s.train + s.test, 30);
    let per: usize = s.train_per_class.unwrap().iter().map(|(_, c)| c).sum();
    assert_eq!(per, 21);
}

#[test]
fn flat_folders_have_no_labels_and_say_so_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..5 {
        grey(&dir.path().join(format!("{i}.png")), 3, 3, i as u8);
    }
    let d = load(FileSource::new(dir.path())).unwrap();
    assert!(d.classes.is_none() && d.train.labels().is_none());
    assert_eq!(d.train.len() + d.test.len(), 5);
    let e = d.train.require_labels("accuracy").unwrap_err().to_string();
    assert!(e.starts_with("accuracy needs labels"), "{e}");
}

#[test]
fn train_and_test_subfolders_are_the_split() {
    let dir = tempfile::tempdir().unwrap();
    for (part, n) in [("train", 4), ("test", 2)] {
        for class in ["cat", "dog"] {
            for i in 0..n {
                grey(
                    &dir.path().join(part).join(class).join(format!("{i}.png")),
                    2,
                    2,
                    7,
                );
            }
        }
    }
    let d = load(FileSource::new(dir.path())).unwrap();
    assert_eq!((d.train.len(), d.test.len()), (8, 4));
    assert_eq!(d.classes.as_deref().unwrap(), ["cat", "dog"]);
    assert_eq!(d.test.labels().unwrap().to_vec(), [0, 0, 1, 1]);
}

#[test]
fn mixed_sizes_need_size_and_mixed_colours_need_channels() {
    let dir = tempfile::tempdir().unwrap();
    grey(&dir.path().join("a/0.png"), 8, 8, 0);
    grey(&dir.path().join("a/1.png"), 8, 8, 255);
    rgb(&dir.path().join("b/0.png"), 4, 6, [255, 0, 0]);
    let e = err(FileSource::new(dir.path()));
    assert!(
        e.contains("images differ in size") && e.contains("--size"),
        "{e}"
    );
    assert!(e.contains("b/0.png"), "{e}");
    let mut src = FileSource::new(dir.path());
    src.size = Some((4, 4));
    let e = err(src.clone());
    assert!(
        e.contains("mixes grey and colour") && e.contains("--channels"),
        "{e}"
    );
    src.channels = Some(3);
    let d = load(src.clone()).unwrap();
    assert_eq!(d.shape(), ImageShape::new(4, 4, 3).unwrap());
    // The red image is red in plane 0 only, whichever part it fell into.
    let all = d.train.concat(&d.test).unwrap();
    let red = all
        .rows()
        .rows()
        .into_iter()
        .position(|r| r[0] == 255 && r[16] == 0)
        .expect("the red image, plane by plane");
    assert!(all.rows().row(red).iter().take(16).all(|&v| v == 255));
    assert!(all.rows().row(red).iter().skip(16).all(|&v| v == 0));
    src.channels = Some(1);
    assert_eq!(load(src).unwrap().shape(), ImageShape::grey(4, 4));
}

#[test]
fn a_corrupt_file_stops_the_load_by_name_or_is_skipped_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..4 {
        grey(&dir.path().join(format!("x/{i}.png")), 5, 5, 9);
    }
    let corrupt = dir.path().join("x/notes.txt");
    std::fs::write(&corrupt, "not an image").unwrap();
    let truncated = dir.path().join("x/cut.png");
    let png = std::fs::read(dir.path().join("x/0.png")).unwrap();
    std::fs::write(&truncated, &png[..png.len() / 2]).unwrap();
    std::fs::write(dir.path().join("x/.hidden"), "ignored").unwrap();
    let e = err(FileSource::new(dir.path()));
    assert!(e.contains("cut.png") || e.contains("notes.txt"), "{e}");
    assert!(e.contains("--skip-bad"), "{e}");
    let mut src = FileSource::new(dir.path());
    src.skip_bad = true;
    let d = load(src).unwrap();
    assert_eq!(d.train.len() + d.test.len(), 4);
    let names: Vec<PathBuf> = d.skipped.iter().map(|s| s.path.clone()).collect();
    assert_eq!(names, [truncated, corrupt]);
}

fn write_npy<A: WriteNpyExt>(path: &Path, a: &A) {
    a.write_npy(std::fs::File::create(path).unwrap()).unwrap();
}

#[test]
fn npy_arrays_in_every_accepted_dtype_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let n = 10;
    let u8s = Array3::from_shape_fn((n, 3, 4), |(i, r, c)| (i * 10 + r * 4 + c) as u8);
    let labels = Array1::from_shape_fn(n, |i| (i % 3) as i64);
    let p = dir.path().join("grey.npy");
    write_npy(&p, &u8s);
    let lp = dir.path().join("labels.npy");
    write_npy(&lp, &labels);
    let mut src = FileSource::new(&p);
    src.labels = Some(lp.clone());
    let d = load(src.clone()).unwrap();
    assert_eq!(d.shape(), ImageShape::grey(3, 4));
    assert_eq!(d.classes.as_deref().unwrap(), ["0", "1", "2"]);
    let want = d.fingerprint();
    // The same pixels as float32 in [0, 1], as float64 in 0–255, and with a channel axis.
    let f32s = u8s.mapv(|v| f32::from(v) / 255.0);
    write_npy(&p, &f32s);
    assert_eq!(load(src.clone()).unwrap().fingerprint(), want);
    write_npy(&p, &u8s.mapv(f64::from));
    assert_eq!(load(src.clone()).unwrap().fingerprint(), want);
    write_npy(&p, &u8s.clone().insert_axis(ndarray::Axis(3)));
    assert_eq!(load(src.clone()).unwrap().fingerprint(), want);
    // Labels of another integer type.
    write_npy(&lp, &labels.mapv(|l| l as u8));
    assert_eq!(load(src.clone()).unwrap().fingerprint(), want);

    // Colour, channels last in the file, plane by plane in memory.
    let rgb = Array4::from_shape_fn((n, 2, 2, 3), |(_, _, _, c)| [10u8, 20, 30][c]);
    write_npy(&p, &rgb);
    let d = load(src.clone()).unwrap();
    assert_eq!(d.shape(), ImageShape::new(2, 2, 3).unwrap());
    assert_eq!(
        d.train.rows().row(0).to_vec(),
        [10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30]
    );

    // Bad inputs name the file.
    write_npy(&p, &Array4::<u8>::zeros((n, 2, 2, 4)));
    assert!(err(src.clone()).contains("4 channels"));
    write_npy(&p, &u8s.mapv(|v| f32::from(v) - 1.0));
    let e = err(src.clone());
    assert!(e.contains("grey.npy") && e.contains("value -1"), "{e}");
    write_npy(&p, &u8s.mapv(i32::from));
    assert!(err(src.clone()).contains("expected uint8, float32 or float64"));
    write_npy(&p, &u8s);
    write_npy(&lp, &Array1::<i64>::zeros(n + 1));
    let e = err(src.clone());
    assert!(
        e.contains("labels.npy") && e.contains("11 labels for 10 images"),
        "{e}"
    );
    write_npy(&lp, &Array1::from_elem(n, 300i64));
    assert!(err(src).contains("label 300 at index 0"));
}

#[test]
fn csv_tables_with_a_label_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("digits.csv");
    let mut text = String::from("label");
    for i in 0..4 {
        text.push_str(&format!(",p{i}"));
    }
    text.push('\n');
    for i in 0..10 {
        text.push_str(&format!("{},{},0,0,{}\n", [7, 10, 3][i % 3], i * 20, 255));
    }
    std::fs::write(&p, &text).unwrap();
    let d = load(FileSource::new(&p)).unwrap();
    assert_eq!(d.shape(), ImageShape::grey(2, 2));
    assert_eq!(d.classes.as_deref().unwrap(), ["3", "7", "10"]);
    assert_eq!(d.train.len() + d.test.len(), 10);
    // Without a header: the first column is the label when the rest is square.
    let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&p, body).unwrap();
    let d2 = load(FileSource::new(&p)).unwrap();
    assert_eq!(d2.fingerprint(), d.fingerprint());
    std::fs::write(&p, "label,a,b,c,d,e\n1,2,3,4,5,6\n2,3,4,5,6,7\n").unwrap();
    let e = err(FileSource::new(&p));
    assert!(
        e.contains("digits.csv") && e.contains("5 pixel values"),
        "{e}"
    );
}

#[test]
fn other_files_and_missing_paths_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.txt");
    std::fs::write(&p, "hi").unwrap();
    let e = err(FileSource::new(&p));
    assert!(
        e.contains("x.txt") && e.contains("not a folder of images"),
        "{e}"
    );
    let e = err(FileSource::new(dir.path().join("gone.npy")));
    assert!(e.contains("gone.npy"), "{e}");
}
