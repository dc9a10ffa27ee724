//! A folder of image files (PNG, JPEG, BMP, GIF, TIFF, WebP, PNM; the format is read from each
//! file's first bytes), in torchvision's `ImageFolder` layout or flat:
//!
//! - `root/<class>/…/<image>`: one subfolder per class; class names sorted → label ids 0, 1, …
//!   (numerically when every name is a number);
//! - `root/<image>`: no labels;
//! - `root/train/…` and `root/test/…`: the two parts, each laid out as above; otherwise a seeded
//!   `test_fraction` of the images is held out.
//!
//! Names starting with `.` are ignored. Any other file that is not a readable image stops the
//! load with its name, or, with `skip_bad`, is left out and listed.
//!
//! Decoding runs on every core (rayon) in two passes: headers first (each image's size and
//! colour, to find the one shape or say which images differ), then pixels, straight into the
//! rows of the data set, so memory holds one decoded image per thread beyond the result.
//!
//! `load_each` reads every image at any depth, whatever the layout, for a trained model to be
//! applied to ([`super::each`]).

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::{ImageDecoder, ImageReader};
use ndarray::{Array1, Array2, Axis};
use rayon::prelude::*;

use super::convert::{target_shape, write_planar, Own};
use super::{check_class_count, sort_class_names, LoadProgress, Loaded, Part, Parts};
use crate::dataset::Skipped;
use crate::source::FileSource;
use crate::{Error, ImageShape, Result};

/// One file found: its path, class name (class layout) and part (0: training or all, 1: test).
struct Found {
    path: PathBuf,
    class: Option<String>,
    part: usize,
}

/// Reads the folder `source.path`.
pub(crate) fn load(source: &FileSource, progress: &dyn LoadProgress) -> Result<Loaded> {
    let root = &source.path;
    let (train, test) = (root.join("train"), root.join("test"));
    let roots: Vec<&Path> = if train.is_dir() && test.is_dir() {
        vec![&train, &test]
    } else {
        vec![root]
    };
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let mut layouts = Vec::new();
    for (part, dir) in roots.iter().enumerate() {
        layouts.push(scan(dir, part, source.skip_bad, &mut found, &mut skipped)?);
    }
    if layouts.iter().any(|&l| l) && layouts.iter().any(|&l| !l) {
        return Err(Error::Inconsistent {
            path: root.clone(),
            reason: "train/ has class subfolders but test/ does not, or the other way round; \
                     lay both out alike"
                .into(),
        });
    }
    let classes = if layouts[0] {
        let mut names: Vec<String> = found.iter().filter_map(|f| f.class.clone()).collect();
        names.sort();
        names.dedup();
        sort_class_names(&mut names);
        check_class_count(names.len(), root)?;
        Some(names)
    } else {
        None
    };

    let paths: Vec<&Path> = found.iter().map(|f| f.path.as_path()).collect();
    let Decoded {
        shape,
        pixels,
        files,
    } = decode_all(
        &paths,
        root,
        (source.size, source.channels),
        source.skip_bad,
        progress,
        &mut skipped,
    )?;

    let label_of = |f: &Found| {
        f.class.as_ref().map(|c| {
            let names = classes.as_ref().expect("class layout has class names");
            names
                .iter()
                .position(|n| n == c)
                .expect("every class is named") as u8
        })
    };
    // The rows of one part, and their labels.
    let part = |which: usize| {
        let rows: Vec<usize> = (0..files.len())
            .filter(|&r| found[files[r]].part == which)
            .collect();
        let labels = classes.as_ref().map(|_| {
            rows.iter()
                .map(|&r| label_of(&found[files[r]]).expect("labelled"))
                .collect::<Array1<u8>>()
        });
        (rows, labels)
    };
    let parts = if roots.len() == 2 {
        let select = |(idx, labels): (Vec<usize>, _)| Part {
            pixels: pixels.select(Axis(0), &idx),
            labels,
        };
        Parts::TrainTest(select(part(0)), select(part(1)))
    } else {
        // One part: every row, the decoded array itself (no copy).
        let (_, labels) = part(0);
        Parts::All(Part { pixels, labels })
    };
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Loaded {
        shape,
        parts,
        classes,
        skipped,
    })
}

/// Images decoded from a list of files: the one shape they were brought to, one row per file
/// kept, and for each row the index of its file in the list.
struct Decoded {
    shape: ImageShape,
    pixels: Array2<u8>,
    files: Vec<usize>,
}

/// Decodes `paths` in two passes on every core: headers (to find the one shape, `size` and
/// `channels` where given), then pixels straight into their rows. An unreadable file stops the
/// work with its name, or with `skip_bad` is left out and listed in `skipped`.
fn decode_all(
    paths: &[&Path],
    root: &Path,
    (size, channels): (Option<(usize, usize)>, Option<usize>),
    skip_bad: bool,
    progress: &dyn LoadProgress,
    skipped: &mut Vec<Skipped>,
) -> Result<Decoded> {
    // Pass 1: headers.
    let own: Vec<std::result::Result<Own, String>> =
        paths.par_iter().map(|p| read_header(p)).collect();
    let mut kept = Vec::with_capacity(paths.len());
    let mut kept_own = Vec::with_capacity(paths.len());
    for (i, o) in own.into_iter().enumerate() {
        match o {
            Ok(o) => {
                kept.push(i);
                kept_own.push(o);
            }
            Err(reason) => bad(paths[i], reason, skip_bad, skipped)?,
        }
    }
    let name = |k: usize| {
        let path = paths[kept[k]];
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let shape = target_shape(&kept_own, &name, size, channels, root)?;
    let n = kept.len();
    crate::resources::ensure_memory(
        "size",
        &format!("{n} images of {shape}"),
        n as u128 * shape.values() as u128,
    )?;

    // Pass 2: pixels, each image into its own row.
    let mut pixels = Array2::<u8>::zeros((n, shape.values()));
    let done = AtomicUsize::new(0);
    let failures: Vec<(usize, String)> = pixels
        .as_slice_mut()
        .expect("a new array is contiguous")
        .par_chunks_mut(shape.values())
        .zip(kept.par_iter())
        .enumerate()
        .filter_map(|(row, (values, &file))| {
            let result = decode(paths[file]).map(|img| write_planar(img, shape, values));
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if d.is_multiple_of(256) || d == n {
                progress.decoded(d, n);
            }
            result.err().map(|e| (row, e))
        })
        .collect();
    if failures.is_empty() {
        return Ok(Decoded {
            shape,
            pixels,
            files: kept,
        });
    }
    let mut failed = vec![false; n];
    for (row, reason) in failures {
        bad(paths[kept[row]], reason, skip_bad, skipped)?;
        failed[row] = true;
    }
    let rows: Vec<usize> = (0..n).filter(|&r| !failed[r]).collect();
    Ok(Decoded {
        shape,
        pixels: pixels.select(Axis(0), &rows),
        files: rows.iter().map(|&r| kept[r]).collect(),
    })
}

/// Every image file under `dir`, at any depth, in the order of their paths (names starting with
/// `.` ignored), each brought to `shape`: the images a trained model is applied to, one by one.
/// Returns their rows, each file's path relative to `dir`, and the files left out (`skip_bad`).
pub(crate) fn load_each(
    dir: &Path,
    shape: ImageShape,
    skip_bad: bool,
    progress: &dyn LoadProgress,
) -> Result<(Array2<u8>, Vec<PathBuf>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let (subdirs, found) = entries(&d)?;
        files.extend(found);
        stack.extend(subdirs);
    }
    files.sort();
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let mut skipped = Vec::new();
    let decoded = decode_all(
        &paths,
        dir,
        (Some((shape.height, shape.width)), Some(shape.channels)),
        skip_bad,
        progress,
        &mut skipped,
    )?;
    let names = decoded
        .files
        .iter()
        .map(|&f| files[f].strip_prefix(dir).unwrap_or(&files[f]).to_owned())
        .collect();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((decoded.pixels, names, skipped))
}

/// Lists `dir`'s images into `found`; true when it is laid out in class subfolders.
fn scan(
    dir: &Path,
    part: usize,
    skip_bad: bool,
    found: &mut Vec<Found>,
    skipped: &mut Vec<Skipped>,
) -> Result<bool> {
    let (subdirs, files) = entries(dir)?;
    if subdirs.is_empty() {
        found.extend(files.into_iter().map(|path| Found {
            path,
            class: None,
            part,
        }));
        return Ok(false);
    }
    for file in files {
        bad(
            &file,
            format!(
                "lies outside the class subfolders of {}; move it into one, or remove it",
                dir.display()
            ),
            skip_bad,
            skipped,
        )?;
    }
    for sub in subdirs {
        let class = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut stack = vec![sub];
        while let Some(d) = stack.pop() {
            let (mut inner, files) = entries(&d)?;
            found.extend(files.into_iter().map(|path| Found {
                path,
                class: Some(class.clone()),
                part,
            }));
            inner.reverse();
            stack.extend(inner);
        }
    }
    Ok(true)
}

/// A folder's visible subfolders and files, each sorted by name.
fn entries(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let read = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let (mut dirs, mut files) = (Vec::new(), Vec::new());
    for entry in read {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            dirs.push(path);
        } else {
            files.push(path);
        }
    }
    dirs.sort();
    files.sort();
    Ok((dirs, files))
}

/// A file that cannot be used: an error naming it, or (skipping) a line in the summary.
fn bad(path: &Path, reason: String, skip: bool, skipped: &mut Vec<Skipped>) -> Result<()> {
    if skip {
        skipped.push(Skipped {
            path: path.to_owned(),
            reason,
        });
        Ok(())
    } else {
        Err(Error::Inconsistent {
            path: path.to_owned(),
            reason: format!("{reason} (--skip-bad leaves such files out)"),
        })
    }
}

fn reader(path: &Path) -> std::result::Result<ImageReader<BufReader<std::fs::File>>, String> {
    ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| e.to_string())
}

/// The image's size and colour from its header.
fn read_header(path: &Path) -> std::result::Result<Own, String> {
    let decoder = reader(path)?
        .into_decoder()
        .map_err(|e| format!("is not a readable image: {e}"))?;
    let (w, h) = decoder.dimensions();
    Ok(Own::of(w, h, decoder.color_type()))
}

/// The whole image.
fn decode(path: &Path) -> std::result::Result<image::DynamicImage, String> {
    reader(path)?
        .decode()
        .map_err(|e| format!("is not a readable image: {e}"))
}
