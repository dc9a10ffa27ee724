//! Data augmentation of training batches: random translations, the regulariser that lets a deep
//! autoencoder with millions of weights generalise past the 60,000 MNIST images (as DEC-DA and
//! most MNIST recipes since do). The target is augmented and the input is its corrupted copy, so
//! the model still learns to reproduce what it is given; validation and test images are never
//! augmented.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::{Error, Result};

/// How training images are varied, fresh for every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Augment {
    /// Each image moves by a whole number of pixels drawn uniformly from −`pixels` … `pixels`
    /// in each direction, independently per image; what leaves the frame is lost and what enters
    /// is black (0).
    Shift {
        /// The largest move, in pixels.
        pixels: u32,
    },
}

impl Augment {
    /// Checks the parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Augment::Shift { pixels: 0 } => Err(Error::invalid(
                "augment",
                "shift:0 moves nothing; leave augmentation out instead",
            )),
            Augment::Shift { .. } => Ok(()),
        }
    }

    /// `none` (no augmentation) or an augmentation as [`FromStr`] reads it: the value of the
    /// `--augment` flags.
    pub fn parse_or_none(s: &str) -> Result<Option<Augment>> {
        match s.trim() {
            "none" => Ok(None),
            other => other.parse().map(Some),
        }
    }

    /// An augmented copy of the batch `x` (batch first: `[B, C, H, W]`, or `[B, H·W]` rows of
    /// square images), drawing from libtorch's generator on `x`'s device.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        self.apply_as(x, None)
    }

    /// [`Augment::apply`] on rows that hold images of `image` = (channels, height, width), in
    /// channel-planar order; `None` reads rows as square grey images.
    pub fn apply_as(&self, x: &Tensor, image: Option<[i64; 3]>) -> Result<Tensor> {
        let _guard = tch::no_grad_guard();
        let dims = match (image, x.size().as_slice()) {
            (Some([c, h, w]), &[b, d]) if c * h * w == d => [b, c, h, w],
            _ => image_dims(x)?,
        };
        match *self {
            Augment::Shift { pixels } => shift(x, dims, i64::from(pixels)),
        }
    }
}

/// `[B, C, H, W]` of a batch: 4-D as it is, 2-D rows read as square grey images.
fn image_dims(x: &Tensor) -> Result<[i64; 4]> {
    match x.size().as_slice() {
        &[b, c, h, w] => Ok([b, c, h, w]),
        &[b, d] => {
            let side = (d as f64).sqrt().round() as i64;
            if side * side == d {
                Ok([b, 1, side, side])
            } else {
                Err(Error::invalid(
                    "augment",
                    format!("rows of {d} values are not square images; shifts need images"),
                ))
            }
        }
        other => Err(Error::invalid(
            "augment",
            format!("a batch of shape {other:?} is not images"),
        )),
    }
}

/// Random integer translations by up to `p` pixels: pad by `p` with zeros, then crop each
/// image's window at its own offset (two gathers, rows then columns).
fn shift(x: &Tensor, [b, c, h, w]: [i64; 4], p: i64) -> Result<Tensor> {
    if p >= h.min(w) {
        return Err(Error::invalid(
            "augment",
            format!("a shift of {p} pixels leaves nothing of {h} × {w} images"),
        ));
    }
    let device = x.device();
    let padded = x.reshape([b, c, h, w]).constant_pad_nd([p, p, p, p]);
    let offsets = Tensor::randint(2 * p + 1, [2, b], (Kind::Int64, device));
    let window = |len: i64, which: i64| {
        offsets.get(which).view([b, 1]) + Tensor::arange(len, (Kind::Int64, device)).view([1, len])
    };
    // Rows: index [B, C, H, W + 2p] along dim 2.
    let rows = window(h, 0)
        .view([b, 1, h, 1])
        .expand([b, c, h, w + 2 * p], false);
    let cropped_rows = padded.gather(2, &rows, false);
    // Columns: index [B, C, H, W] along dim 3.
    let cols = window(w, 1).view([b, 1, 1, w]).expand([b, c, h, w], false);
    Ok(cropped_rows.gather(3, &cols, false).reshape(x.size()))
}

impl fmt::Display for Augment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Augment::Shift { pixels } => write!(f, "shift:{pixels}"),
        }
    }
}

impl FromStr for Augment {
    type Err = Error;

    /// `shift:N` (N pixels at most in each direction).
    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::invalid(
                "augment",
                format!("expected shift:PIXELS (e.g. shift:2), not {s:?}"),
            )
        };
        let (kind, arg) = s.split_once(':').ok_or_else(bad)?;
        let a = match kind.trim() {
            "shift" => Augment::Shift {
                pixels: arg.trim().parse().map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        };
        a.validate()?;
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_or_an_augmentation_is_read() {
        assert_eq!(Augment::parse_or_none(" none ").unwrap(), None);
        assert_eq!(
            Augment::parse_or_none("shift:3").unwrap(),
            Some(Augment::Shift { pixels: 3 })
        );
        assert!(Augment::parse_or_none("shift:0").is_err());
        assert!(Augment::parse_or_none("nothing").is_err());
    }

    #[test]
    fn shifts_move_whole_images_by_at_most_p_pixels() {
        let _rng = crate::seed::seeded(3);
        // 64 images of 5 × 7 with distinct values, so each output pixel names its source.
        let x =
            (Tensor::arange(64 * 35, (Kind::Float, tch::Device::Cpu)) + 1.0).view([64, 1, 5, 7]);
        let y = Augment::Shift { pixels: 2 }.apply(&x).unwrap();
        assert_eq!(y.size(), x.size());
        let (xs, ys): (Vec<f32>, Vec<f32>) = (
            Vec::try_from(x.flatten(0, -1)).unwrap(),
            Vec::try_from(y.flatten(0, -1)).unwrap(),
        );
        let mut moves = std::collections::HashSet::new();
        for n in 0..64 {
            // The move of image n, read from any pixel that came from inside it.
            let mut shift = None;
            for i in 0..5i64 {
                for j in 0..7i64 {
                    let v = ys[(n * 35 + i * 7 + j) as usize];
                    if v == 0.0 {
                        continue;
                    }
                    let src = (v as i64 - 1) - n * 35;
                    assert!((0..35).contains(&src), "pixel from another image");
                    let d = (i - src / 7, j - src % 7);
                    assert!(d.0.abs() <= 2 && d.1.abs() <= 2);
                    assert!(shift.is_none() || shift == Some(d), "image {n} not rigid");
                    shift = Some(d);
                }
            }
            let d = shift.expect("a shift of 2 keeps part of a 5 × 7 image");
            // Every pixel whose source lies inside the frame is there; the rest are 0.
            for i in 0..5i64 {
                for j in 0..7i64 {
                    let (si, sj) = (i - d.0, j - d.1);
                    let want = if (0..5).contains(&si) && (0..7).contains(&sj) {
                        xs[(n * 35 + si * 7 + sj) as usize]
                    } else {
                        0.0
                    };
                    assert_eq!(ys[(n * 35 + i * 7 + j) as usize], want);
                }
            }
            moves.insert(d);
        }
        assert!(moves.len() > 10, "only {} distinct moves", moves.len());
    }

    #[test]
    fn rows_are_read_as_square_images_and_others_refused() {
        let x = Tensor::ones([3, 16], (Kind::Float, tch::Device::Cpu));
        let y = Augment::Shift { pixels: 1 }.apply(&x).unwrap();
        assert_eq!(y.size(), vec![3, 16]);
        // Shifting a 4 × 4 all-ones image by up to 1 keeps at least 9 of its pixels.
        let kept: Vec<f64> = Vec::try_from(y.sum_dim_intlist(1, false, Kind::Double)).unwrap();
        assert!(kept.iter().all(|&k| (9.0..=16.0).contains(&k)), "{kept:?}");
        let odd = Tensor::ones([3, 15], (Kind::Float, tch::Device::Cpu));
        let e = Augment::Shift { pixels: 1 }
            .apply(&odd)
            .unwrap_err()
            .to_string();
        assert!(e.contains("augment") && e.contains("square"), "{e}");
        let e = Augment::Shift { pixels: 4 }
            .apply(&x)
            .unwrap_err()
            .to_string();
        assert!(e.contains("leaves nothing"), "{e}");
    }

    #[test]
    fn colour_rows_move_all_three_planes_together() {
        let _rng = crate::seed::seeded(5);
        // 16 colour images of 4 × 6, planes filled with 1, 2, 3: after a shift, every plane of
        // an image keeps the same pixels (plane values times the same mask).
        let planes = Tensor::from_slice(&[1f32, 2.0, 3.0]).view([1, 3, 1]);
        let x =
            (Tensor::ones([16, 3, 24], (Kind::Float, tch::Device::Cpu)) * planes).view([16, 72]);
        let y = Augment::Shift { pixels: 1 }
            .apply_as(&x, Some([3, 4, 6]))
            .unwrap();
        assert_eq!(y.size(), vec![16, 72]);
        let y = y.view([16, 3, 24]);
        let mask = y.select(1, 0);
        for c in 0..3i64 {
            let diff = (y.select(1, c) - &mask * (c + 1) as f64).abs().max();
            assert_eq!(diff.double_value(&[]), 0.0, "plane {c} moved differently");
        }
        // Each image lost at most one row and one column of its 4 × 6 pixels.
        let kept: Vec<f64> = Vec::try_from(mask.sum_dim_intlist(1, false, Kind::Double)).unwrap();
        assert!(kept.iter().all(|&k| (15.0..=24.0).contains(&k)), "{kept:?}");
        // Without the shape, 72 values are no square image.
        assert!(Augment::Shift { pixels: 1 }.apply(&x).is_err());
    }

    #[test]
    fn parses_and_prints() {
        let a: Augment = "shift:2".parse().unwrap();
        assert_eq!(a, Augment::Shift { pixels: 2 });
        assert_eq!(a.to_string().parse::<Augment>().unwrap(), a);
        for bad in ["shift", "shift:x", "rotate:3", "shift:0"] {
            assert!(bad.parse::<Augment>().is_err(), "{bad}");
        }
    }
}
