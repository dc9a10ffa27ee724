//! A CSV of pixels, one image per line, as Kaggle's `mnist_train.csv`: an optional header, a label
//! column (the one named `label`, `class` or `y`, any case; without a header, the first column
//! when the remaining count is an image's), then the pixel values, 0–255 (or 0–1 when no value
//! exceeds 1). A row of s² values is an s × s grey image, of 3s² an s × s colour image stored
//! plane by plane (red, green, blue, as CIFAR-10's rows).

use std::path::Path;

use ndarray::{Array1, Array2};

use super::array::{from_float, to_planar_rows};
use super::{check_class_count, sort_class_names, Loaded, Part, Parts};
use crate::csv::{parse_csv, LabelColumn};
use crate::source::FileSource;
use crate::{Error, ImageShape, Result};

/// Names a label column may have (compared without case).
const LABEL_NAMES: [&str; 4] = ["label", "labels", "class", "y"];

/// Reads `source.path`.
pub(crate) fn load(source: &FileSource) -> Result<Loaded> {
    let path = &source.path;
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .ok_or_else(|| bad(path, "is empty".into()))?;
    let fields: Vec<&str> = first
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    let header = fields.iter().any(|f| f.parse::<f64>().is_err());
    let named = header
        .then(|| {
            fields
                .iter()
                .find(|f| LABEL_NAMES.contains(&f.to_ascii_lowercase().as_str()))
        })
        .flatten();
    let label = match named {
        Some(name) => LabelColumn::Named((*name).to_owned()),
        None if side(fields.len()).is_none() && side(fields.len() - 1).is_some() => {
            LabelColumn::Index(0)
        }
        None => LabelColumn::None,
    };
    let table = parse_csv(&text, path, header, &label)?;
    let values = table.features.ncols();
    let Some((s, channels)) = side(values) else {
        return Err(bad(
            path,
            format!(
                "rows hold {values} pixel values: neither s × s grey nor s × s × 3 colour images"
            ),
        ));
    };
    let floats = table.features.into_dyn();
    let bytes = from_float(floats.view(), path)?
        .into_dimensionality::<ndarray::Ix2>()
        .expect("a table is two-dimensional");
    let own = ImageShape::new(s, s, channels)?;
    let nhwc = if channels == 1 {
        bytes
    } else {
        let plane = s * s;
        Array2::from_shape_fn(bytes.dim(), |(r, j)| bytes[[r, (j % 3) * plane + j / 3]])
    };
    let target = ImageShape::new(
        source.size.map_or(s, |x| x.0),
        source.size.map_or(s, |x| x.1),
        source.channels.unwrap_or(channels),
    )?;
    let pixels = to_planar_rows(&nhwc, own, target);
    let (labels, classes) = match table.labels {
        Some(names) => {
            let mut classes = names.clone();
            classes.sort();
            classes.dedup();
            sort_class_names(&mut classes);
            check_class_count(classes.len(), path)?;
            let ids: Array1<u8> = names
                .iter()
                .map(|n| {
                    classes
                        .iter()
                        .position(|c| c == n)
                        .expect("every name is a class") as u8
                })
                .collect();
            (Some(ids), Some(classes))
        }
        None => (None, None),
    };
    Ok(Loaded {
        shape: target,
        parts: Parts::All(Part { pixels, labels }),
        classes,
        skipped: Vec::new(),
    })
}

/// The side and channels of a square image of `values` values (s² grey or 3s² colour).
fn side(values: usize) -> Option<(usize, usize)> {
    let root = |v: usize| {
        let s = (v as f64).sqrt().round() as usize;
        (s > 0 && s * s == v).then_some(s)
    };
    root(values).map(|s| (s, 1)).or_else(|| {
        values
            .is_multiple_of(3)
            .then(|| root(values / 3))
            .flatten()
            .map(|s| (s, 3))
    })
}

fn bad(path: &Path, reason: String) -> Error {
    Error::Inconsistent {
        path: path.to_owned(),
        reason,
    }
}
