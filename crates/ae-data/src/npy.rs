//! Reading matrices (codes, latents) from NumPy `.npy` files, as `n × d` `f32`.
//!
//! The file is checked in memory before anything is allocated from its header: the data must be
//! there in full (so a header promising a huge array cannot exhaust memory), `float32` or
//! `float64` (NumPy's default) in native byte order, two-dimensional, non-empty and finite.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView2};
use ndarray_npy::{ViewNpyError, ViewNpyExt};

use crate::{Error, Result};

/// Reads an `n × d` matrix of finite numbers from a `.npy` file.
pub fn read_matrix(path: &Path) -> Result<Array2<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_matrix(&bytes, path)
}

/// Parses `.npy` bytes held in memory; `origin` names the source in errors.
pub fn parse_matrix(bytes: &[u8], origin: &Path) -> Result<Array2<f32>> {
    let bad = |reason: String| Error::Inconsistent {
        path: PathBuf::from(origin),
        reason,
    };
    // Views need the data aligned for its element type: copy into 8-byte-aligned storage.
    let mut aligned = vec![0u64; bytes.len().div_ceil(8)];
    let buffer = {
        let view: &mut [u8] = bytemuck::cast_slice_mut(&mut aligned);
        view[..bytes.len()].copy_from_slice(bytes);
        &view[..bytes.len()]
    };
    let matrix = match ArrayView2::<f32>::view_npy(buffer) {
        Ok(v) => v.to_owned(),
        Err(ViewNpyError::WrongDescriptor(_)) => match ArrayView2::<f64>::view_npy(buffer) {
            Ok(v) => v.mapv(|x| x as f32),
            Err(ViewNpyError::WrongDescriptor(d)) => {
                return Err(bad(format!(
                    "holds {d} values; expected float32 or float64"
                )))
            }
            Err(e) => return Err(bad(describe(e))),
        },
        Err(e) => return Err(bad(describe(e))),
    };
    if matrix.nrows() == 0 || matrix.ncols() == 0 {
        return Err(bad(format!(
            "is an empty {} × {} matrix",
            matrix.nrows(),
            matrix.ncols()
        )));
    }
    if let Some((i, v)) = matrix.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        let (row, col) = (i / matrix.ncols(), i % matrix.ncols());
        return Err(bad(format!(
            "value {v} at row {row}, column {col} is not finite (or overflows float32)"
        )));
    }
    Ok(matrix)
}

fn describe(e: ViewNpyError) -> String {
    match e {
        ViewNpyError::WrongNdim(_, found) => {
            format!("holds a {found}-dimensional array; expected a matrix (rows × values)")
        }
        ViewNpyError::NonNativeEndian => {
            "is big-endian; save it little-endian (NumPy's default)".into()
        }
        other => format!("not a readable .npy matrix: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn npy<T: ndarray_npy::WritableElement>(a: &Array2<T>) -> Vec<u8> {
        use ndarray_npy::WriteNpyExt;
        let mut out = Vec::new();
        a.write_npy(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_f32_and_f64() {
        let a = array![[1.0f32, 2.0], [3.0, 4.5]];
        assert_eq!(parse_matrix(&npy(&a), Path::new("a.npy")).unwrap(), a);
        let b = array![[1.0f64, -2.0, 0.25]];
        assert_eq!(
            parse_matrix(&npy(&b), Path::new("b.npy")).unwrap(),
            array![[1.0f32, -2.0, 0.25]]
        );
    }

    #[test]
    fn refuses_nan_empty_wrong_type_and_truncation() {
        let p = Path::new("z.npy");
        let err = |bytes: &[u8]| parse_matrix(bytes, p).unwrap_err().to_string();
        let e = err(&npy(&array![[1.0f32, f32::NAN]]));
        assert!(
            e.starts_with("z.npy: ") && e.contains("row 0, column 1"),
            "{e}"
        );
        assert!(err(&npy(&Array2::<f32>::zeros((0, 3)))).contains("empty 0 × 3"));
        assert!(err(&npy(&array![[1i32, 2]])).contains("expected float32 or float64"));
        let full = npy(&array![[1.0f32, 2.0], [3.0, 4.0]]);
        assert!(err(&full[..full.len() - 3]).contains("not a readable"));
        assert!(err(b"not npy at all").contains("not a readable"));
        assert!(err(&npy(&array![[1e300f64]])).contains("not finite"));
    }
}
