//! Images a trained model is applied to, one by one: every image of a folder (at any depth,
//! whatever its layout) or of a `.npy` array, each brought to the model's shape and named, so
//! that what comes out can be written back beside its name ([`save_png`], [`save_png_f32`]).

use std::path::{Path, PathBuf};

use super::{array, convert, folder, LoadProgress};
use crate::dataset::Skipped;
use crate::{Error, ImageSet, ImageShape, Result};

/// Images read for a model to be applied to them, with a name for each.
#[derive(Debug)]
pub struct NamedImages {
    /// The images, in the order of `names`, without labels.
    pub images: ImageSet,
    /// Each image's name: its path under the folder (sorted), or for an array its row number,
    /// zero-padded to one width (`007`).
    pub names: Vec<PathBuf>,
    /// Files left out as unreadable (only with `skip_bad`), each with why.
    pub skipped: Vec<Skipped>,
}

/// Reads every image of `path` — a folder (image files at any depth; names starting with `.`
/// ignored; no classes, no split) or a `.npy` array (n, h, w) or (n, h, w, c) — bringing each to
/// `shape` as training does with a size and channels given (resized with
/// [`convert::RESIZE_FILTER`], converted to grey or colour). An unreadable file stops the work
/// with its name, or with `skip_bad` is left out and listed.
pub fn load_named(
    path: &Path,
    shape: ImageShape,
    skip_bad: bool,
    progress: &dyn LoadProgress,
) -> Result<NamedImages> {
    let (rows, names, skipped) = if path.is_dir() {
        folder::load_each(path, shape, skip_bad, progress)?
    } else if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        let rows = array::load_each(path, shape)?;
        let width = (rows.nrows() - 1).to_string().len();
        let names = (0..rows.nrows())
            .map(|i| PathBuf::from(format!("{i:0width$}")))
            .collect();
        (rows, names, Vec::new())
    } else {
        let reason = if path.exists() {
            "is neither a folder of images nor a .npy array"
        } else {
            "does not exist"
        };
        return Err(Error::Inconsistent {
            path: path.to_owned(),
            reason: reason.into(),
        });
    };
    Ok(NamedImages {
        images: ImageSet::from_rows(rows, shape, None)?,
        names,
        skipped,
    })
}

/// Writes one image of channel-planar values (`shape.values()` long) as a PNG file at `path`,
/// through a temporary file and a rename, so that no half-written file is left.
pub fn save_png(values: &[u8], shape: ImageShape, path: &Path) -> Result<()> {
    if values.len() != shape.values() {
        return Err(Error::invalid(
            "values",
            format!(
                "{} values for one image of {shape} ({})",
                values.len(),
                shape.values()
            ),
        ));
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    convert::planar_to_image(values, shape)
        .write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    crate::write_atomically(path, bytes.get_ref())
}

/// [`save_png`] for values in [0, 1], as models output them: each is clamped to [0, 1] and
/// rounded to the nearest of the 256 levels, so that an image read as `byte / 255` and written
/// back is the same file.
pub fn save_png_f32(
    values: ndarray::ArrayView1<'_, f32>,
    shape: ImageShape,
    path: &Path,
) -> Result<()> {
    let bytes: Vec<u8> = values
        .iter()
        .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    save_png(&bytes, shape, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_read_at_any_depth_in_path_order_and_resized() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/deeper")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        // Distinct uniform greys, so each row says which file it came from; sizes differ.
        let grey = |side: u32, v: u8| image::GrayImage::from_pixel(side, side, image::Luma([v]));
        grey(8, 10).save(root.join("z.png")).unwrap();
        grey(4, 20).save(root.join("b/deeper/a.png")).unwrap();
        grey(4, 30).save(root.join("b/c.bmp")).unwrap();
        grey(4, 40).save(root.join(".hidden/x.png")).unwrap();
        let rgb = image::RgbImage::from_pixel(4, 4, image::Rgb([90, 90, 90]));
        rgb.save(root.join("a.png")).unwrap();

        let shape = ImageShape::grey(2, 2);
        let read = load_named(root, shape, false, &()).unwrap();
        let names: Vec<_> = read.names.iter().map(|n| n.to_str().unwrap()).collect();
        assert_eq!(names, ["a.png", "b/c.bmp", "b/deeper/a.png", "z.png"]);
        let firsts: Vec<u8> = read.images.rows().column(0).to_vec();
        assert_eq!(firsts, [90, 30, 20, 10], "each image in its name's row");
        assert_eq!(read.images.shape(), shape);
        assert!(read.images.rows().rows().into_iter().all(|r| r[0] == r[3]));

        std::fs::write(root.join("b/notes.txt"), "not an image").unwrap();
        let e = load_named(root, shape, false, &()).unwrap_err().to_string();
        assert!(e.contains("notes.txt") && e.contains("--skip-bad"), "{e}");
        let read = load_named(root, shape, true, &()).unwrap();
        assert_eq!(read.names.len(), 4);
        assert_eq!(read.skipped.len(), 1);
        assert!(read.skipped[0].path.ends_with("b/notes.txt"));
    }

    #[test]
    fn an_array_is_read_in_order_with_padded_row_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npy");
        let images = ndarray::Array3::<u8>::from_shape_fn((11, 3, 3), |(i, _, _)| i as u8 * 20);
        ndarray_npy::write_npy(&path, &images).unwrap();
        let read = load_named(&path, ImageShape::new(3, 3, 3).unwrap(), false, &()).unwrap();
        assert_eq!(read.names.first().unwrap(), Path::new("00"));
        assert_eq!(read.names.last().unwrap(), Path::new("10"));
        // Grey to colour repeats the value in all three planes.
        assert!(read.images.rows().row(10).iter().all(|&v| v == 200));

        let e = load_named(
            &dir.path().join("y.csv"),
            ImageShape::grey(3, 3),
            false,
            &(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("y.csv: does not exist"), "{e}");
    }

    #[test]
    fn png_files_hold_the_values_written() {
        let dir = tempfile::tempdir().unwrap();
        for shape in [ImageShape::grey(3, 2), ImageShape::new(3, 2, 3).unwrap()] {
            let values: Vec<u8> = (0..shape.values() as u8).map(|v| v * 13).collect();
            let path = dir.path().join(format!("img{}.png", shape.channels));
            save_png(&values, shape, &path).unwrap();
            let back = image::open(&path).unwrap();
            assert_eq!((back.width(), back.height()), (2, 3));
            let mut planar = vec![0; shape.values()];
            convert::write_planar(back, shape, &mut planar);
            assert_eq!(planar, values);
        }
        let e = save_png(&[0; 5], ImageShape::grey(3, 2), &dir.path().join("bad.png"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("5 values"), "{e}");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 2, "nothing but the two images");
    }

    #[test]
    fn values_in_0_1_are_clamped_and_rounded_to_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let shape = ImageShape::grey(2, 3);
        let path = dir.path().join("out.png");
        // 0.1 · 255 = 25.5 rounds up; 128 / 255 comes back as 128; out-of-range values clamp.
        let values = ndarray::arr1(&[0.0, 1.0, 0.1, 128.0 / 255.0, -0.2, 1.3]);
        save_png_f32(values.view(), shape, &path).unwrap();
        let mut planar = vec![0; shape.values()];
        convert::write_planar(image::open(&path).unwrap(), shape, &mut planar);
        assert_eq!(planar, [0, 255, 26, 128, 0, 255]);
    }
}
