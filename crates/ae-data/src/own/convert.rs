//! One shape for all images: the images' own when they agree, or the one asked for (resized with
//! a stated filter, converted to grey or colour), written as channel-planar `u8` rows.

use std::collections::BTreeMap;
use std::path::Path;

use image::imageops::FilterType;
use image::DynamicImage;

use crate::{Error, ImageShape, Result};

/// The resampling filter of `--size`: image's `Triangle`, bilinear when enlarging and, when
/// shrinking, widened to cover every source pixel (an area average, so no aliasing); torchvision's
/// `Resize` uses bilinear with antialiasing by default too.
pub const RESIZE_FILTER: FilterType = FilterType::Triangle;

/// An image's own size and channels (grey: 1, with or without alpha; colour: 3, with or
/// without alpha; alpha is dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Own {
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// 1 or 3.
    pub channels: usize,
}

impl Own {
    /// The size and channels image's colour type says.
    pub fn of(width: u32, height: u32, colour: image::ColorType) -> Own {
        Own {
            height: height as usize,
            width: width as usize,
            channels: if colour.has_color() { 3 } else { 1 },
        }
    }
}

/// The shape every image is brought to: `size` and `channels` where given, otherwise the images'
/// own, which must then agree. `names[i]` names image `i` in the error that says which differ.
pub fn target_shape(
    own: &[Own],
    names: &dyn Fn(usize) -> String,
    size: Option<(usize, usize)>,
    channels: Option<usize>,
    origin: &Path,
) -> Result<ImageShape> {
    let Some(first) = own.first() else {
        return Err(Error::Inconsistent {
            path: origin.to_owned(),
            reason: "holds no images".into(),
        });
    };
    let (height, width) = match size {
        Some(hw) => hw,
        None => {
            let by_size = group(own, |o| (o.height, o.width));
            if by_size.len() > 1 {
                let list = describe_groups(&by_size, names, |&(h, w)| format!("{h} × {w}"));
                return Err(Error::Inconsistent {
                    path: origin.to_owned(),
                    reason: format!(
                        "images differ in size: {list}; --size H[xW] resizes them all to one"
                    ),
                });
            }
            (first.height, first.width)
        }
    };
    let channels = match channels {
        Some(c) => c,
        None => {
            let by_channels = group(own, |o| o.channels);
            if by_channels.len() > 1 {
                let list = describe_groups(&by_channels, names, |&c| {
                    if c == 3 { "colour" } else { "grey" }.to_owned()
                });
                return Err(Error::Inconsistent {
                    path: origin.to_owned(),
                    reason: format!(
                        "mixes grey and colour images: {list}; --channels 1 or --channels 3 converts them all"
                    ),
                });
            }
            first.channels
        }
    };
    ImageShape::new(height, width, channels)
}

/// Image indices by a key, in key order.
fn group<K: Ord>(own: &[Own], key: impl Fn(&Own) -> K) -> BTreeMap<K, Vec<usize>> {
    let mut groups: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, o) in own.iter().enumerate() {
        groups.entry(key(o)).or_default().push(i);
    }
    groups
}

/// `28 × 28: 5,000 images (e.g. a/1.png), 32 × 32: 3 images (e.g. b/7.png)`.
fn describe_groups<K>(
    groups: &BTreeMap<K, Vec<usize>>,
    names: &dyn Fn(usize) -> String,
    label: impl Fn(&K) -> String,
) -> String {
    groups
        .iter()
        .map(|(k, idx)| {
            format!(
                "{}: {} image{} (e.g. {})",
                label(k),
                idx.len(),
                if idx.len() == 1 { "" } else { "s" },
                names(idx[0])
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Brings `image` to `shape` (channels first, then size) and writes its channel-planar values
/// into `out` (`shape.values()` long). Grey from colour is image's luma (Rec. 709 weights);
/// colour from grey repeats the grey value; alpha is dropped.
pub fn write_planar(image: DynamicImage, shape: ImageShape, out: &mut [u8]) {
    debug_assert_eq!(out.len(), shape.values());
    let (h, w) = (shape.height as u32, shape.width as u32);
    let plane = shape.height * shape.width;
    if shape.channels == 1 {
        let mut grey = image.into_luma8();
        if grey.dimensions() != (w, h) {
            grey = image::imageops::resize(&grey, w, h, RESIZE_FILTER);
        }
        out.copy_from_slice(grey.as_raw());
    } else {
        let mut rgb = image.into_rgb8();
        if rgb.dimensions() != (w, h) {
            rgb = image::imageops::resize(&rgb, w, h, RESIZE_FILTER);
        }
        for (i, px) in rgb.as_raw().chunks_exact(3).enumerate() {
            for c in 0..3 {
                out[c * plane + i] = px[c];
            }
        }
    }
}

/// The image whose channel-planar values are `values` (`shape.values()` long): grey or RGB, the
/// inverse of [`write_planar`] at the same size.
///
/// # Panics
///
/// If `values` is not `shape.values()` long ([`super::save_png`] checks it first).
pub fn planar_to_image(values: &[u8], shape: ImageShape) -> DynamicImage {
    assert_eq!(values.len(), shape.values(), "one image of {shape}");
    let (w, h) = (shape.width as u32, shape.height as u32);
    if shape.channels == 1 {
        let grey = image::GrayImage::from_raw(w, h, values.to_vec()).expect("sized above");
        return DynamicImage::ImageLuma8(grey);
    }
    let plane = shape.height * shape.width;
    let interleaved = (0..plane)
        .flat_map(|i| (0..3).map(move |c| values[c * plane + i]))
        .collect();
    DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, interleaved).expect("sized above"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgb, RgbImage};

    #[test]
    fn colour_is_written_plane_by_plane() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, Rgb([10, 20, 30]));
        img.put_pixel(1, 0, Rgb([40, 50, 60]));
        let mut out = [0u8; 6];
        write_planar(
            DynamicImage::ImageRgb8(img),
            ImageShape::new(1, 2, 3).unwrap(),
            &mut out,
        );
        assert_eq!(out, [10, 40, 20, 50, 30, 60]);
    }

    #[test]
    fn grey_becomes_colour_and_shrinking_averages() {
        let img = GrayImage::from_fn(4, 4, |x, _| Luma([if x < 2 { 0 } else { 200 }]));
        let mut out = [0u8; 12];
        write_planar(
            DynamicImage::ImageLuma8(img),
            ImageShape::new(2, 2, 3).unwrap(),
            &mut out,
        );
        // The triangle filter, widened to 4 source pixels when halving, blends across the edge
        // symmetrically: each row keeps its mean (100), dark stays left, and all three planes
        // carry the grey value.
        for plane in out.chunks(4) {
            assert_eq!(plane, [29, 171, 29, 171]);
            assert_eq!(u32::from(plane[0]) + u32::from(plane[1]), 200);
        }
        let flat = GrayImage::from_pixel(7, 5, Luma([77]));
        let mut out = [0u8; 6];
        write_planar(
            DynamicImage::ImageLuma8(flat),
            ImageShape::grey(2, 3),
            &mut out,
        );
        assert_eq!(out, [77; 6], "a uniform image stays uniform");
    }

    #[test]
    fn disagreeing_images_are_named_with_the_flag_that_fixes_them() {
        let own = [
            Own {
                height: 28,
                width: 28,
                channels: 1,
            },
            Own {
                height: 28,
                width: 28,
                channels: 1,
            },
            Own {
                height: 32,
                width: 30,
                channels: 3,
            },
        ];
        let names = |i: usize| format!("img{i}.png");
        let e = target_shape(&own, &names, None, None, Path::new("d"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "d: images differ in size: 28 × 28: 2 images (e.g. img0.png), 32 × 30: 1 image \
             (e.g. img2.png); --size H[xW] resizes them all to one"
        );
        let e = target_shape(&own, &names, Some((28, 28)), None, Path::new("d"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("mixes grey and colour") && e.contains("--channels"),
            "{e}"
        );
        let s = target_shape(&own, &names, Some((16, 8)), Some(3), Path::new("d")).unwrap();
        assert_eq!(s, ImageShape::new(16, 8, 3).unwrap());
    }
}
