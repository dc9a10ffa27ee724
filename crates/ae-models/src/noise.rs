//! ae-data's noise models applied to a batch on the device, drawing from libtorch's generator.

use ae_data::Noise;
use tch::{Kind, Tensor};

/// A corrupted copy of `x` (batch first, pixels in [0, 1]) under `noise`: the same models and
/// parameters as [`Noise::apply`], computed by libtorch on `x`'s device.
pub fn corrupt(noise: &Noise, x: &Tensor) -> Tensor {
    let _guard = tch::no_grad_guard();
    match *noise {
        Noise::Gaussian { std, clamp } => {
            let y = x + x.randn_like() * f64::from(std);
            if clamp {
                y.clamp(0.0, 1.0)
            } else {
                y
            }
        }
        Noise::SaltPepper { amount, salt_ratio } => {
            let shape = x.size();
            let mut flat = x.flatten(1, -1).copy();
            let (rows, pixels) = (flat.size()[0], flat.size()[1]);
            if pixels == 0 {
                return x.copy();
            }
            let count = |share: f32| (amount * pixels as f32 * share).ceil() as i64;
            let opts = (Kind::Int64, x.device());
            for (n, value) in [(count(salt_ratio), 1.0), (count(1.0 - salt_ratio), 0.0)] {
                if n > 0 {
                    let idx = Tensor::randint(pixels, [rows, n], opts);
                    let _ = flat.scatter_value_(1, &idx, value);
                }
            }
            flat.view(shape.as_slice())
        }
        Noise::Dropout { rate, scale } => {
            let keep = x.rand_like().ge(f64::from(rate)).to_kind(x.kind());
            let y = x * keep;
            if scale {
                y / (1.0 - f64::from(rate))
            } else {
                y
            }
        }
    }
}
