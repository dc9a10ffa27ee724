//! Checking a safetensors file against the variables a model expects, before libtorch reads it.
//!
//! libtorch fails on a missing name or a wrong shape with a C++ error and backtrace; reading the
//! file's header here (pure Rust, no tensor allocated) lets every difference be named instead:
//! a run whose `config.json` no longer matches its weights says which variables differ.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::{Error, Result};

/// A variable's name and shape.
pub type Spec = (String, Vec<usize>);

/// Writes named tensors to a safetensors file, in their logical (row-major) order whatever
/// their strides: tch refuses to save the channels-last kernels of a CPU model as they are.
pub fn write_safetensors(named: &[(String, tch::Tensor)], path: &Path) -> Result<()> {
    let ordered: Vec<(&str, tch::Tensor)> = named
        .iter()
        .map(|(name, t)| (name.as_str(), t.contiguous()))
        .collect();
    tch::Tensor::write_safetensors(&ordered, path)?;
    Ok(())
}

/// The names and shapes of the tensors in safetensors `bytes`, sorted by name; every tensor must
/// be `float32` with exactly the bytes its shape needs. `origin` names the file in errors.
pub fn read_specs(bytes: &[u8], origin: &Path) -> Result<Vec<Spec>> {
    let bad = |reason: String| Error::File {
        path: origin.to_owned(),
        reason,
    };
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| bad(format!("not a safetensors file: {e:?}")))?;
    let mut specs = Vec::new();
    for (name, view) in file.tensors() {
        if view.dtype() != Dtype::F32 {
            return Err(bad(format!(
                "tensor {name} is {:?}, expected F32",
                view.dtype()
            )));
        }
        let shape = view.shape().to_vec();
        let elements = shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .and_then(|n| n.checked_mul(4));
        if elements != Some(view.data().len()) {
            return Err(bad(format!(
                "tensor {name} of shape {shape:?} holds {} bytes",
                view.data().len()
            )));
        }
        specs.push((name, shape));
    }
    specs.sort();
    Ok(specs)
}

/// Reads the specs of the safetensors file at `path`.
pub fn read_file_specs(path: &Path) -> Result<Vec<Spec>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_specs(&bytes, path)
}

/// Compares the `found` tensors of `origin` with the `expected` variables; the error lists every
/// missing, unexpected and reshaped variable.
pub fn compare(expected: &[Spec], found: &[Spec], origin: &Path) -> Result<()> {
    let want: BTreeMap<&str, &Vec<usize>> = expected.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let have: BTreeMap<&str, &Vec<usize>> = found.iter().map(|(n, s)| (n.as_str(), s)).collect();
    let (mut reshaped, mut missing, mut extra) = (Vec::new(), Vec::new(), Vec::new());
    for (name, shape) in &want {
        match have.get(name) {
            None => missing.push(format!("{name} {shape:?}")),
            Some(s) if s != shape => reshaped.push(format!(
                "{name} is {s:?} in the file, the model has {shape:?}"
            )),
            Some(_) => {}
        }
    }
    for (name, shape) in &have {
        if !want.contains_key(name) {
            extra.push(format!("{name} {shape:?}"));
        }
    }
    // A few of each kind: enough to see what happened without a page of names.
    let list = |items: &[String]| -> String {
        let shown = items.len().min(3);
        let more = items.len() - shown;
        let mut text = items[..shown].join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let mut problems = Vec::new();
    if !reshaped.is_empty() {
        problems.push(format!("other shapes: {}", list(&reshaped)));
    }
    if !missing.is_empty() {
        problems.push(format!("missing: {}", list(&missing)));
    }
    if !extra.is_empty() {
        problems.push(format!("not in the model: {}", list(&extra)));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::File {
        path: origin.to_owned(),
        reason: format!(
            "does not match the model configuration; {}",
            problems.join("; ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, shape: &[usize]) -> Spec {
        (name.to_owned(), shape.to_vec())
    }

    #[test]
    fn names_every_difference() {
        let p = Path::new("run/model.safetensors");
        let want = [spec("a.weight", &[4, 2]), spec("b.bias", &[3])];
        assert!(compare(&want, &want, p).is_ok());
        let found = [spec("a.weight", &[5, 2]), spec("c", &[1])];
        let e = compare(&want, &found, p).unwrap_err().to_string();
        assert!(e.contains("run/model.safetensors"), "{e}");
        assert_eq!(
            e,
            "run/model.safetensors: does not match the model configuration; other shapes: \
             a.weight is [5, 2] in the file, the model has [4, 2]; missing: b.bias [3]; \
             not in the model: c [1]"
        );
    }

    #[test]
    fn refuses_malformed_files() {
        let p = Path::new("w.safetensors");
        assert!(read_specs(b"", p).is_err());
        assert!(read_specs(b"\x02\0\0\0\0\0\0\0{}", p).unwrap().is_empty());
        let header = br#"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#;
        let mut file = (header.len() as u64).to_le_bytes().to_vec();
        file.extend_from_slice(header);
        file.extend_from_slice(&[0; 8]);
        assert_eq!(read_specs(&file, p).unwrap(), vec![spec("x", &[2])]);
        assert!(read_specs(&file[..file.len() - 1], p).is_err());
    }
}
