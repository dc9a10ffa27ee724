//! Reading matrices (codes, latents) from NumPy `.npy` files, as `n × d` `f32`, and writing
//! arrays to them whole or not at all ([`write()`]).
//!
//! The file is checked in memory before anything is allocated from its header: the data must be
//! there in full (so a header promising a huge array cannot exhaust memory), `float32` or
//! `float64` (NumPy's default) in native byte order, two-dimensional, non-empty and finite.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayBase, ArrayView2, Data, Dimension};
use ndarray_npy::{ViewNpyError, ViewNpyExt, WritableElement, WriteNpyExt};

use crate::{Error, Result};

/// Reads an `n × d` matrix of finite numbers from a `.npy` file.
pub fn read_matrix(path: &Path) -> Result<Array2<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_matrix(&bytes, path)
}

/// Writes `array` as a `.npy` file at `path`, through a temporary file and a rename, so that a
/// reader never finds half an array.
pub fn write<A, S, D>(path: &Path, array: &ArrayBase<S, D>) -> Result<()>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    let mut bytes = Vec::new();
    array
        .write_npy(&mut bytes)
        .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    crate::write_atomically(path, &bytes)
}

/// Parses `.npy` bytes held in memory; `origin` names the source in errors.
pub fn parse_matrix(bytes: &[u8], origin: &Path) -> Result<Array2<f32>> {
    let bad = |reason: String| Error::Inconsistent {
        path: PathBuf::from(origin),
        reason,
    };
    check_header(bytes).map_err(bad)?;
    let aligned = aligned(bytes);
    let buffer = &bytemuck::cast_slice(&aligned)[..bytes.len()];
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

/// `bytes` copied into 8-byte-aligned storage: ndarray-npy's views need the data aligned for its
/// element type. The first `bytes.len()` bytes of the result are `bytes`.
pub(crate) fn aligned(bytes: &[u8]) -> Vec<u64> {
    let mut aligned = vec![0u64; bytes.len().div_ceil(8)];
    let view: &mut [u8] = bytemuck::cast_slice_mut(&mut aligned);
    view[..bytes.len()].copy_from_slice(bytes);
    aligned
}

/// Deepest bracket nesting a float matrix's header has: `{'shape': (3, 4), …}`.
const MAX_HEADER_DEPTH: usize = 2;
/// Longest header accepted (NumPy writes well under 1 KiB for a matrix).
const MAX_HEADER_BYTES: usize = 1 << 16;

/// Refuses headers that are no plain float matrix's before ndarray-npy parses them: its parser
/// of the header's Python literal backtracks exponentially on deeply nested brackets (fuzzing
/// found a 142-byte file taking minutes). Short or odd files are left to ndarray-npy's errors.
pub(crate) fn check_header(bytes: &[u8]) -> std::result::Result<(), String> {
    let Some(&major) = bytes.get(6) else {
        return Ok(());
    };
    let (start, len) = match major {
        1 if bytes.len() >= 10 => (10, usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))),
        2 | 3 if bytes.len() >= 12 => (
            12,
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
        ),
        _ => return Ok(()),
    };
    if len > MAX_HEADER_BYTES {
        return Err(format!(
            "has a {len}-byte header; a matrix's is far shorter"
        ));
    }
    let header = &bytes[start.min(bytes.len())..(start + len).min(bytes.len())];
    let mut depth = 0usize;
    for &b in header {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_HEADER_DEPTH {
                    return Err(
                        "has a header nested deeper than a float matrix's; expected float32 or float64".into(),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
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

    #[test]
    fn written_arrays_read_back_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.npy");
        let a = array![[1.0f32, -2.5], [3.0, 4.0], [0.0, 1e-3]];
        write(&path, &a).unwrap();
        assert_eq!(read_matrix(&path).unwrap(), a);
        let v = ndarray::Array1::from(vec![7.0f32, 8.0]);
        write(&dir.path().join("v.npy"), &v).unwrap();
        let back: ndarray::Array1<f32> = ndarray_npy::read_npy(dir.path().join("v.npy")).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "no temporary left"
        );
        // A file where the folder should be: an error naming the target.
        let e = write(&path.join("x.npy"), &v).unwrap_err();
        assert!(e.to_string().contains("x.npy"), "{e}");
    }

    /// Found by `cargo xtask fuzz` (target npy): a header of nested brackets that ndarray-npy's
    /// parser took minutes on. Kept as a regression, with a time bound.
    #[test]
    fn deeply_nested_headers_are_refused_at_once() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let header = format!(
            "{{'descr': '<f4', 'shape': {}{}, }}\n",
            "(".repeat(60),
            ")".repeat(60)
        );
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        let start = std::time::Instant::now();
        let e = parse_matrix(&bytes, Path::new("z.npy"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("nested deeper"), "{e}");
        assert!(start.elapsed().as_secs_f64() < 1.0);
    }
}
