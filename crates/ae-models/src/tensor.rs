//! Moving images between ndarray (what ae-data, ae-linear and ae-eval use) and tensors.

use ndarray::Array2;
use tch::{Device, Kind, Tensor};

use crate::Result;

/// Images (n × pixels, values in [0, 1]) as a float tensor of shape `[n, ...shape]` on `device`;
/// an error when a row does not hold `shape`'s number of values. Takes an array or a view (a
/// slice of rows needs no copy of its own); the values are copied once, into the tensor.
pub fn images_tensor<'a>(
    pixels: impl ndarray::AsArray<'a, f32, ndarray::Ix2>,
    shape: &[i64],
    device: Device,
) -> Result<Tensor> {
    let pixels = pixels.into();
    let per_row: i64 = shape.iter().product();
    if pixels.ncols() as i64 != per_row {
        return Err(crate::Error::invalid(
            "images",
            format!(
                "rows of {} values cannot take the model's input shape {shape:?}",
                pixels.ncols()
            ),
        ));
    }
    let n = pixels.nrows() as i64;
    let mut dims = vec![n];
    dims.extend_from_slice(shape);
    // Rows in memory order are read in place; any other layout is gathered first.
    let tensor = match pixels.as_slice() {
        Some(flat) => Tensor::from_slice(flat),
        None => Tensor::from_slice(&pixels.iter().copied().collect::<Vec<f32>>()),
    };
    Ok(tensor.f_view(dims.as_slice())?.to_device(device))
}

/// A tensor's rows as an (n × features) `f32` array, on the CPU, whatever its shape and device.
pub fn to_array(t: &Tensor) -> Result<Array2<f32>> {
    let t = t.to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
    let n = t.size().first().copied().unwrap_or(0);
    let flat = t.f_view([n, -1])?;
    let cols = flat.size()[1] as usize;
    let v = Vec::<f32>::try_from(flat.reshape([-1]))?;
    Array2::from_shape_vec((n as usize, cols), v)
        .map_err(|e| crate::Error::invalid("tensor", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_and_arrays_round_trip() {
        let x = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32 / 12.0);
        let t = images_tensor(&x, &[1, 2, 2], Device::Cpu).unwrap();
        assert!(images_tensor(&x, &[1, 3, 3], Device::Cpu).is_err());
        assert_eq!(t.size(), vec![3, 1, 2, 2]);
        assert_eq!(to_array(&t).unwrap(), x);
    }
}
