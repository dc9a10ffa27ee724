//! A small coloured-shapes data set written as an image folder (`cargo xtask example-images`,
//! the README's "Your own images" example and the tests of [`crate::own`]): circles, squares,
//! triangles and crosses of random colour, size and place on a random dark background, one
//! subfolder per class, as torchvision's `ImageFolder` reads them.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{Error, Result};

/// The classes, in the order of their label ids (folder names sort the same way).
pub const SHAPE_CLASSES: [&str; 4] = ["circle", "cross", "square", "triangle"];

/// Writes `per_class` PNG images of `side` × `side` pixels for each of [`SHAPE_CLASSES`] into
/// `dir/<class>/<index>.png` (seeded: the same arguments write the same files). Returns the
/// files written.
pub fn write_shapes(dir: &Path, per_class: usize, side: u32, seed: u64) -> Result<Vec<PathBuf>> {
    if side < 8 {
        return Err(Error::invalid(
            "size",
            format!("{side}: shapes need at least 8 pixels"),
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut written = Vec::with_capacity(per_class * SHAPE_CLASSES.len());
    for (class, name) in SHAPE_CLASSES.iter().enumerate() {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
        for i in 0..per_class {
            let image = draw(class, side, &mut rng);
            let path = folder.join(format!("{i:05}.png"));
            let tmp = folder.join(format!(".{i:05}.png.partial"));
            image
                .save_with_format(&tmp, image::ImageFormat::Png)
                .map_err(|e| Error::io(&tmp, std::io::Error::other(e)))?;
            std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
            written.push(path);
        }
    }
    Ok(written)
}

/// One image of shape `class`.
fn draw(class: usize, side: u32, rng: &mut ChaCha8Rng) -> RgbImage {
    let s = side as f32;
    let background = Rgb([
        rng.gen_range(0..70),
        rng.gen_range(0..70),
        rng.gen_range(0..70),
    ]);
    let colour = Rgb([
        rng.gen_range(110..=255),
        rng.gen_range(110..=255),
        rng.gen_range(110..=255),
    ]);
    let r = rng.gen_range(0.22 * s..0.36 * s);
    let cx = rng.gen_range(r + 1.0..s - r - 1.0);
    let cy = rng.gen_range(r + 1.0..s - r - 1.0);
    RgbImage::from_fn(side, side, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let inside = match SHAPE_CLASSES[class] {
            "circle" => dx * dx + dy * dy <= r * r,
            "square" => dx.abs() <= 0.8 * r && dy.abs() <= 0.8 * r,
            // Apex up: the half-width grows linearly from the top edge to the base.
            "triangle" => dy >= -r && dy <= 0.7 * r && dx.abs() <= (dy + r) / 1.7 * 0.95,
            _ => (dx.abs() <= 0.3 * r && dy.abs() <= r) || (dy.abs() <= 0.3 * r && dx.abs() <= r),
        };
        if inside {
            colour
        } else {
            background
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_seeded_and_distinct() {
        let dir = tempfile::tempdir().unwrap();
        let a = write_shapes(&dir.path().join("a"), 2, 16, 7).unwrap();
        let b = write_shapes(&dir.path().join("b"), 2, 16, 7).unwrap();
        assert_eq!(a.len(), 8);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
        }
        // Another seed, other images.
        let c = write_shapes(&dir.path().join("c"), 2, 16, 8).unwrap();
        assert_ne!(std::fs::read(&a[0]).unwrap(), std::fs::read(&c[0]).unwrap());
        let img = image::open(&a[0]).unwrap().into_rgb8();
        assert_eq!(img.dimensions(), (16, 16));
        assert!(write_shapes(dir.path(), 1, 4, 0).is_err());
    }
}
