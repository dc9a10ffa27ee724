//! A NumPy array of images: (n, h, w) grey or (n, h, w, c) with c = 1 or 3 (NumPy's and
//! Keras' channels-last), `uint8` (0–255) or `float32` / `float64` (read as [0, 1] when no value
//! exceeds 1, as 0–255 otherwise), with an optional labels array of n integers (0–255).

use std::path::Path;

use image::{DynamicImage, GrayImage, RgbImage};
use ndarray::{Array1, Array2, ArrayD, ArrayViewD, Ix1};
use ndarray_npy::{ViewNpyError, ViewNpyExt};
use rayon::prelude::*;

use super::convert::write_planar;
use super::{check_class_count, Loaded, Part, Parts};
use crate::npy::{aligned, check_header};
use crate::source::FileSource;
use crate::{Error, ImageShape, Result};

fn bad(path: &Path, reason: String) -> Error {
    Error::Inconsistent {
        path: path.to_owned(),
        reason,
    }
}

fn view_error(e: ViewNpyError) -> String {
    match e {
        ViewNpyError::NonNativeEndian => {
            "is big-endian; save it little-endian (NumPy's default)".into()
        }
        other => format!("is not a readable .npy array: {other}"),
    }
}

/// Reads `source.path` (and `source.labels`).
pub(crate) fn load(source: &FileSource) -> Result<Loaded> {
    let path = &source.path;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (nhwc, own) = parse_images(&bytes, path)?;
    let n = nhwc.nrows();
    let target = ImageShape::new(
        source.size.map_or(own.height, |s| s.0),
        source.size.map_or(own.width, |s| s.1),
        source.channels.unwrap_or(own.channels),
    )?;
    let pixels = to_planar_rows(&nhwc, own, target);
    let labels = match &source.labels {
        Some(labels_path) => Some(read_labels(labels_path, n)?),
        None => None,
    };
    let classes = labels.as_ref().map(|l: &Array1<u8>| {
        let max = l.iter().copied().max().unwrap_or(0);
        (0..=max).map(|v| v.to_string()).collect::<Vec<_>>()
    });
    Ok(Loaded {
        shape: target,
        parts: Parts::All(Part { pixels, labels }),
        classes,
        skipped: Vec::new(),
    })
}

/// Every image of the array at `path`, in order, brought to `shape` (resized, converted to grey
/// or colour): the images a trained model is applied to, one by one.
pub(crate) fn load_each(path: &Path, shape: ImageShape) -> Result<Array2<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (nhwc, own) = parse_images(&bytes, path)?;
    if nhwc.nrows() == 0 {
        return Err(bad(path, "holds no images".into()));
    }
    Ok(to_planar_rows(&nhwc, own, shape))
}

/// Parses `.npy` bytes holding images (see the module's description), checked before anything
/// is allocated from the header; `origin` names the file in errors. Returns one channels-last
/// row (h · w · c values) per image and the images' shape.
pub fn parse_images(bytes: &[u8], origin: &Path) -> Result<(Array2<u8>, ImageShape)> {
    let path = origin;
    check_header(bytes).map_err(|r| bad(path, r))?;
    let storage = aligned(bytes);
    let buffer = &bytemuck::cast_slice(&storage)[..bytes.len()];
    let values: ArrayD<u8> = match ArrayViewD::<u8>::view_npy(buffer) {
        Ok(v) => v.as_standard_layout().into_owned(),
        Err(ViewNpyError::WrongDescriptor(_)) => match ArrayViewD::<f32>::view_npy(buffer) {
            Ok(v) => from_float(v.mapv(f64::from).view(), path)?
                .as_standard_layout()
                .into_owned(),
            Err(ViewNpyError::WrongDescriptor(_)) => match ArrayViewD::<f64>::view_npy(buffer) {
                Ok(v) => from_float(v, path)?.as_standard_layout().into_owned(),
                Err(ViewNpyError::WrongDescriptor(d)) => {
                    return Err(bad(
                        path,
                        format!("holds {d} values; expected uint8, float32 or float64"),
                    ))
                }
                Err(e) => return Err(bad(path, view_error(e))),
            },
            Err(e) => return Err(bad(path, view_error(e))),
        },
        Err(e) => return Err(bad(path, view_error(e))),
    };
    let (n, h, w, c) = match *values.shape() {
        [n, h, w] => (n, h, w, 1),
        [n, h, w, c] if c == 1 || c == 3 => (n, h, w, c),
        [_, _, _, c] => {
            return Err(bad(
                path,
                format!("has {c} channels in its last axis; expected 1 (grey) or 3 (RGB)"),
            ))
        }
        ref dims => {
            return Err(bad(
                path,
                format!(
                    "has shape {dims:?}; expected images (n, height, width) or (n, height, width, channels)"
                ),
            ))
        }
    };
    if n == 0 || h == 0 || w == 0 {
        return Err(bad(
            path,
            format!("holds no images (shape {:?})", values.shape()),
        ));
    }
    let own = ImageShape::new(h, w, c)?;
    let nhwc = values
        .into_shape_with_order((n, h * w * c))
        .map_err(|e| bad(path, e.to_string()))?;
    Ok((nhwc, own))
}

/// Float values to bytes: [0, 1] scaled by 255 when no value exceeds 1, else taken as 0–255;
/// anything negative, above 255 or not finite is an error naming its index.
pub(super) fn from_float(v: ArrayViewD<f64>, path: &Path) -> Result<ArrayD<u8>> {
    if let Some((i, x)) = v
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite() || **x < 0.0 || **x > 255.0)
    {
        return Err(bad(
            path,
            format!("value {x} at flat index {i} is not a pixel value (0–1 or 0–255)"),
        ));
    }
    let max = v.iter().copied().fold(0.0, f64::max);
    let scale = if max <= 1.0 { 255.0 } else { 1.0 };
    Ok(v.mapv(|x| (x * scale).round() as u8))
}

/// Channels-last rows of the `own` shape to channel-planar rows of the `target` shape.
pub(super) fn to_planar_rows(nhwc: &Array2<u8>, own: ImageShape, target: ImageShape) -> Array2<u8> {
    let n = nhwc.nrows();
    let mut out = Array2::<u8>::zeros((n, target.values()));
    let width = target.values().max(1);
    out.as_slice_mut()
        .expect("a new array is contiguous")
        .par_chunks_mut(width)
        .enumerate()
        .for_each(|(r, dst)| {
            let src = nhwc.row(r).to_vec();
            if own == target {
                let plane = own.height * own.width;
                for (i, px) in src.chunks_exact(own.channels).enumerate() {
                    for (ch, &v) in px.iter().enumerate() {
                        dst[ch * plane + i] = v;
                    }
                }
                return;
            }
            let (w, h) = (own.width as u32, own.height as u32);
            let image = if own.channels == 1 {
                DynamicImage::ImageLuma8(GrayImage::from_raw(w, h, src).expect("sized"))
            } else {
                DynamicImage::ImageRgb8(RgbImage::from_raw(w, h, src).expect("sized"))
            };
            write_planar(image, target, dst);
        });
    out
}

/// One integer label (0–255) per image, from a one-dimensional `.npy` of any integer type;
/// `n`: the images (rows) they label.
pub fn read_labels(path: &Path, n: usize) -> Result<Array1<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    check_header(&bytes).map_err(|r| bad(path, r))?;
    let storage = aligned(&bytes);
    let buffer = &bytemuck::cast_slice(&storage)[..bytes.len()];
    macro_rules! try_types {
        ($($t:ty),*) => {{
            let mut found = None;
            $(
                if found.is_none() {
                    match ndarray::ArrayView::<$t, Ix1>::view_npy(buffer) {
                        Ok(v) => found = Some(v.iter().map(|&x| i128::from(x)).collect::<Vec<i128>>()),
                        Err(ViewNpyError::WrongDescriptor(_)) => {}
                        Err(ViewNpyError::WrongNdim(_, d)) => {
                            return Err(bad(path, format!("holds a {d}-dimensional array; labels are one-dimensional (one per image)")))
                        }
                        Err(e) => return Err(bad(path, view_error(e))),
                    }
                }
            )*
            found
        }};
    }
    let values = try_types!(i64, i32, i16, i8, u8, u16, u32, u64).ok_or_else(|| {
        bad(
            path,
            "holds no integers; labels must be an integer array".into(),
        )
    })?;
    if values.len() != n {
        return Err(bad(
            path,
            format!("holds {} labels for {n} images", values.len()),
        ));
    }
    if let Some((i, v)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(0..=255).contains(*v))
    {
        return Err(bad(
            path,
            format!("label {v} at index {i} is outside 0–255"),
        ));
    }
    let labels: Array1<u8> = values.iter().map(|&v| v as u8).collect();
    let classes = usize::from(labels.iter().copied().max().unwrap_or(0)) + 1;
    check_class_count(classes, path)?;
    Ok(labels)
}
