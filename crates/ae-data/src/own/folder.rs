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
use crate::{Error, Result};

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

    // Pass 1: headers.
    let own: Vec<std::result::Result<Own, String>> =
        found.par_iter().map(|f| read_header(&f.path)).collect();
    let mut kept = Vec::with_capacity(found.len());
    let mut kept_own = Vec::with_capacity(found.len());
    for (f, o) in found.into_iter().zip(own) {
        match o {
            Ok(o) => {
                kept.push(f);
                kept_own.push(o);
            }
            Err(reason) => bad(&f.path, reason, source.skip_bad, &mut skipped)?,
        }
    }
    let shape = target_shape(
        &kept_own,
        &|i| {
            kept[i]
                .path
                .strip_prefix(root)
                .unwrap_or(&kept[i].path)
                .display()
                .to_string()
        },
        source.size,
        source.channels,
        root,
    )?;
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
        .filter_map(|(i, (row, f))| {
            let result = decode(&f.path).map(|img| write_planar(img, shape, row));
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            if d.is_multiple_of(256) || d == n {
                progress.decoded(d, n);
            }
            result.err().map(|e| (i, e))
        })
        .collect();
    let mut drop = vec![false; n];
    for (i, reason) in failures {
        bad(&kept[i].path, reason, source.skip_bad, &mut skipped)?;
        drop[i] = true;
    }

    let label_of = |f: &Found| {
        f.class.as_ref().map(|c| {
            let names = classes.as_ref().expect("class layout has class names");
            names
                .iter()
                .position(|n| n == c)
                .expect("every class is named") as u8
        })
    };
    let part = |which: usize| {
        let idx: Vec<usize> = (0..n)
            .filter(|&i| !drop[i] && kept[i].part == which)
            .collect();
        let labels = classes.as_ref().map(|_| {
            idx.iter()
                .map(|&i| label_of(&kept[i]).expect("labelled"))
                .collect::<Array1<u8>>()
        });
        (idx, labels)
    };
    let parts = if roots.len() == 2 {
        let select = |(idx, labels): (Vec<usize>, _)| Part {
            pixels: pixels.select(Axis(0), &idx),
            labels,
        };
        Parts::TrainTest(select(part(0)), select(part(1)))
    } else {
        let (all, labels) = part(0);
        // One part with nothing left out is the decoded array itself: no copy.
        let pixels = if all.len() == n {
            pixels
        } else {
            pixels.select(Axis(0), &all)
        };
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
