//! Corruption models of the seeds, each seeded: additive Gaussian (S2.4, S3.1, S4.7),
//! salt-and-pepper (S4.7) and dropout masking (S1.10).

use std::fmt;
use std::str::FromStr;

use ndarray::{Array2, ArrayViewMut2, Axis};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{Error, Result};

/// A corruption applied to images stored as rows of pixels in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Noise {
    /// `x + std · N(0, 1)`, clamped to [0, 1] when `clamp` (seeds 002 and 003) or not (seed 004).
    Gaussian {
        /// Standard deviation of the added noise.
        std: f32,
        /// Whether the result is clamped to [0, 1].
        clamp: bool,
    },
    /// Seed 004's salt-and-pepper: per image, `ceil(amount · pixels · salt_ratio)` positions
    /// drawn with replacement are set to 1 and `ceil(amount · pixels · (1 − salt_ratio))` to 0.
    SaltPepper {
        /// Fraction of pixels hit.
        amount: f32,
        /// Share of the hits that are salt (1); the seed uses 0.9.
        salt_ratio: f32,
    },
    /// Each pixel is zeroed with probability `rate`; kept pixels are scaled by `1 / (1 − rate)`
    /// when `scale` (as the Keras and PyTorch dropout layers of S1.10 do).
    Dropout {
        /// Probability of zeroing a pixel.
        rate: f32,
        /// Whether kept pixels are rescaled.
        scale: bool,
    },
}

impl Noise {
    /// Gaussian noise clamped to [0, 1]; `std` must be finite and non-negative.
    pub fn gaussian(std: f32) -> Result<Self> {
        check_range("noise std", std, 0.0, f32::INFINITY)?;
        Ok(Noise::Gaussian { std, clamp: true })
    }

    /// Salt-and-pepper with the seed's 90 % salt; `amount` in [0, 1].
    pub fn salt_pepper(amount: f32) -> Result<Self> {
        check_range("salt-and-pepper amount", amount, 0.0, 1.0)?;
        Ok(Noise::SaltPepper {
            amount,
            salt_ratio: 0.9,
        })
    }

    /// Scaled dropout; `rate` in [0, 1).
    pub fn dropout(rate: f32) -> Result<Self> {
        check_range("dropout rate", rate, 0.0, 1.0)?;
        if rate >= 1.0 {
            return Err(Error::invalid("dropout rate", "must be below 1"));
        }
        Ok(Noise::Dropout { rate, scale: true })
    }

    /// Corrupts `x` (one image per row) in place, drawing from `rng`.
    pub fn apply_in_place<R: Rng + ?Sized>(&self, mut x: ArrayViewMut2<f32>, rng: &mut R) {
        match *self {
            Noise::Gaussian { std, clamp } => {
                x.mapv_inplace(|v| {
                    let z: f32 = StandardNormal.sample(rng);
                    let y = v + std * z;
                    if clamp {
                        y.clamp(0.0, 1.0)
                    } else {
                        y
                    }
                });
            }
            Noise::SaltPepper { amount, salt_ratio } => {
                let pixels = x.ncols();
                if pixels == 0 {
                    return;
                }
                let salt = (amount * pixels as f32 * salt_ratio).ceil() as usize;
                let pepper = (amount * pixels as f32 * (1.0 - salt_ratio)).ceil() as usize;
                for mut row in x.axis_iter_mut(Axis(0)) {
                    for _ in 0..salt {
                        row[rng.gen_range(0..pixels)] = 1.0;
                    }
                    for _ in 0..pepper {
                        row[rng.gen_range(0..pixels)] = 0.0;
                    }
                }
            }
            Noise::Dropout { rate, scale } => {
                let keep_scale = if scale { 1.0 / (1.0 - rate) } else { 1.0 };
                x.mapv_inplace(|v| {
                    if rng.gen::<f32>() < rate {
                        0.0
                    } else {
                        v * keep_scale
                    }
                });
            }
        }
    }

    /// Checks every field (as read from a file, where the constructors' checks were bypassed).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Noise::Gaussian { std, .. } => check_range("noise std", std, 0.0, f32::MAX),
            Noise::SaltPepper { amount, salt_ratio } => {
                check_range("salt-and-pepper amount", amount, 0.0, 1.0)?;
                check_range("salt-and-pepper salt_ratio", salt_ratio, 0.0, 1.0)
            }
            Noise::Dropout { rate, scale } => {
                check_range("dropout rate", rate, 0.0, 1.0)?;
                if scale && rate >= 1.0 {
                    return Err(Error::invalid("dropout rate", "must be below 1"));
                }
                Ok(())
            }
        }
    }

    /// A corrupted copy of `x`, reproducible from `seed`.
    pub fn apply(&self, x: &Array2<f32>, seed: u64) -> Array2<f32> {
        let mut out = x.clone();
        self.apply_in_place(out.view_mut(), &mut ChaCha8Rng::seed_from_u64(seed));
        out
    }

    /// The noise level (std, amount or rate).
    pub fn level(&self) -> f32 {
        match *self {
            Noise::Gaussian { std, .. } => std,
            Noise::SaltPepper { amount, .. } => amount,
            Noise::Dropout { rate, .. } => rate,
        }
    }
}

fn check_range(name: &'static str, value: f32, lo: f32, hi: f32) -> Result<()> {
    if !value.is_finite() || value < lo || value > hi {
        return Err(Error::invalid(
            name,
            format!("{value} is outside [{lo}, {hi}]"),
        ));
    }
    Ok(())
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Noise::Gaussian { std, clamp: true } => write!(f, "gaussian:{std}"),
            Noise::Gaussian { std, clamp: false } => write!(f, "gaussian:{std}:noclamp"),
            Noise::SaltPepper { amount, .. } => write!(f, "salt-pepper:{amount}"),
            Noise::Dropout { rate, .. } => write!(f, "dropout:{rate}"),
        }
    }
}

impl FromStr for Noise {
    type Err = Error;

    /// Parses `gaussian:STD[:noclamp]`, `salt-pepper:AMOUNT`, `dropout:RATE`, or a bare number
    /// (Gaussian, clamped).
    fn from_str(s: &str) -> Result<Self> {
        let mut parts = s.split(':');
        let first = parts.next().unwrap_or_default();
        if let Ok(std) = first.parse::<f32>() {
            return Noise::gaussian(std);
        }
        let level: f32 = parts
            .next()
            .ok_or_else(|| {
                Error::invalid("noise", format!("'{s}' needs a level, e.g. gaussian:0.3"))
            })?
            .parse()
            .map_err(|_| Error::invalid("noise", format!("'{s}': the level is not a number")))?;
        let option = parts.next();
        let noise = match first {
            "gaussian" => {
                let mut n = Noise::gaussian(level)?;
                if option == Some("noclamp") {
                    n = Noise::Gaussian {
                        std: level,
                        clamp: false,
                    };
                } else if let Some(o) = option {
                    return Err(Error::invalid(
                        "noise",
                        format!("'{s}': unknown option '{o}' (only noclamp)"),
                    ));
                }
                n
            }
            "salt-pepper" | "salt-and-pepper" | "sp" => Noise::salt_pepper(level)?,
            "dropout" => Noise::dropout(level)?,
            other => {
                return Err(Error::invalid(
                    "noise",
                    format!("'{other}' is not one of gaussian, salt-pepper, dropout"),
                ))
            }
        };
        if option.is_some() && !matches!(noise, Noise::Gaussian { .. }) {
            return Err(Error::invalid("noise", format!("'{s}': unexpected option")));
        }
        Ok(noise)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(x: &Array2<f32>) -> (f64, f64) {
        let n = x.len() as f64;
        let mean = x.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = x
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        (mean, var)
    }

    #[test]
    fn gaussian_has_the_requested_mean_and_variance() {
        let x = Array2::from_elem((200, 784), 0.5f32);
        let noisy = Noise::Gaussian {
            std: 0.3,
            clamp: false,
        }
        .apply(&x, 7);
        let (mean, var) = stats(&(&noisy - &x));
        assert!(mean.abs() < 0.003, "mean {mean}");
        assert!((var - 0.09).abs() < 0.002, "variance {var}");
        let clamped = Noise::gaussian(0.3).unwrap().apply(&x, 7);
        assert!(clamped.iter().all(|&v| (0.0..=1.0).contains(&v)));
        assert_eq!(
            clamped,
            Noise::gaussian(0.3).unwrap().apply(&x, 7),
            "seeded"
        );
    }

    #[test]
    fn salt_and_pepper_counts_follow_the_seed() {
        let x = Array2::from_elem((500, 784), 0.5f32);
        let noisy = Noise::salt_pepper(0.1).unwrap().apply(&x, 3);
        // ceil(70.56) = 71 salt and ceil(7.84) = 8 pepper draws per image, with replacement:
        // 784 (1 - (1 - 1/784)^71) = 67.9 distinct salt pixels, of which pepper overwrites 1 %.
        let ones = noisy.iter().filter(|&&v| v == 1.0).count() as f64 / 500.0;
        let zeros = noisy.iter().filter(|&&v| v == 0.0).count() as f64 / 500.0;
        assert!((ones - 67.2).abs() < 0.6, "ones per image {ones}");
        assert!((zeros - 7.96).abs() < 0.1, "zeros per image {zeros}");
    }

    #[test]
    fn dropout_zeroes_at_rate_and_keeps_the_mean() {
        let x = Array2::from_elem((100, 784), 0.4f32);
        let dropped = Noise::dropout(0.5).unwrap().apply(&x, 1);
        let zeros = dropped.iter().filter(|&&v| v == 0.0).count() as f64 / x.len() as f64;
        assert!((zeros - 0.5).abs() < 0.01, "{zeros}");
        let (mean, _) = stats(&dropped);
        assert!((mean - 0.4).abs() < 0.01, "{mean}");
    }

    #[test]
    fn parsing_and_validation() {
        assert_eq!(
            "gaussian:0.3".parse::<Noise>().unwrap(),
            Noise::Gaussian {
                std: 0.3,
                clamp: true
            }
        );
        assert_eq!(
            "0.3".parse::<Noise>().unwrap(),
            Noise::Gaussian {
                std: 0.3,
                clamp: true
            }
        );
        assert_eq!(
            "gaussian:0.5:noclamp".parse::<Noise>().unwrap(),
            Noise::Gaussian {
                std: 0.5,
                clamp: false
            }
        );
        assert_eq!("salt-pepper:0.1".parse::<Noise>().unwrap().level(), 0.1);
        assert_eq!(
            "dropout:0.5".parse::<Noise>().unwrap().to_string(),
            "dropout:0.5"
        );
        for bad in [
            "gaussian:-0.3",
            "-1",
            "dropout:1",
            "salt-pepper:2",
            "blur:0.1",
            "gaussian",
            "gaussian:x",
        ] {
            let err = bad.parse::<Noise>().unwrap_err().to_string();
            assert!(err.starts_with("invalid"), "{bad}: {err}");
        }
    }
}
