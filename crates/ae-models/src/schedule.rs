//! Learning-rate schedules: a factor on the optimiser's base rate, computed from the global step
//! alone (epoch × batches per epoch + batch), so a resumed run continues on the same curve.
//!
//! Written here rather than taken from tch: tch's optimisers keep their state inside libtorch
//! (see [`crate::optim`]) and it has no schedulers; these are the three every framework offers
//! (PyTorch's `CosineAnnealingLR`, `StepLR` and a linear warm-up as in Lightning and timm).

use std::f64::consts::PI;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How the learning rate moves after the warm-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LrSchedule {
    /// The base rate throughout.
    #[default]
    None,
    /// Half a cosine from the base rate down to `min_factor` × it at the last step
    /// (PyTorch's `CosineAnnealingLR` over the steps after the warm-up).
    Cosine {
        /// The final rate as a fraction of the base rate.
        min_factor: f64,
    },
    /// The rate multiplied by `gamma` every `every` epochs (PyTorch's `StepLR`).
    Step {
        /// Epochs between decays.
        every: usize,
        /// The factor of each decay.
        gamma: f64,
    },
}

impl LrSchedule {
    /// Checks the schedule's numbers, naming `lr_schedule`.
    pub fn validate(&self) -> Result<()> {
        match *self {
            LrSchedule::None => Ok(()),
            LrSchedule::Cosine { min_factor } if !(0.0..=1.0).contains(&min_factor) => {
                Err(Error::invalid(
                    "lr_schedule",
                    format!("cosine's minimum factor {min_factor} must be in [0, 1]"),
                ))
            }
            LrSchedule::Step { every: 0, .. } => Err(Error::invalid(
                "lr_schedule",
                "step's period must be ≥ 1 epoch",
            )),
            LrSchedule::Step { gamma, .. } if !(gamma > 0.0 && gamma <= 1.0) => {
                Err(Error::invalid(
                    "lr_schedule",
                    format!("step's factor {gamma} must be in (0, 1]"),
                ))
            }
            _ => Ok(()),
        }
    }

    /// The factor on the base rate for the step numbered `step` (0-based, counted over the
    /// whole run) of a run of `epochs` epochs of `steps_per_epoch` steps, with a linear warm-up
    /// over the first `warmup_epochs` epochs (from 1/warm-up steps up to 1).
    pub fn factor(
        &self,
        step: usize,
        steps_per_epoch: usize,
        epochs: usize,
        warmup_epochs: usize,
    ) -> f64 {
        let warmup = warmup_epochs * steps_per_epoch;
        if step < warmup {
            return (step + 1) as f64 / warmup as f64;
        }
        match *self {
            LrSchedule::None => 1.0,
            LrSchedule::Cosine { min_factor } => {
                let span = (epochs * steps_per_epoch).saturating_sub(warmup).max(2) - 1;
                let t = ((step - warmup) as f64 / span as f64).min(1.0);
                min_factor + (1.0 - min_factor) * 0.5 * (1.0 + (PI * t).cos())
            }
            LrSchedule::Step { every, gamma } => {
                let decays = step / steps_per_epoch.max(1) / every.max(1);
                gamma.powi(decays.min(i32::MAX as usize) as i32)
            }
        }
    }
}

impl FromStr for LrSchedule {
    type Err = Error;

    /// `none`, `cosine[:MIN_FACTOR]` (default 0) or `step[:EVERY[:GAMMA]]` (default every 10
    /// epochs, × 0.1).
    fn from_str(s: &str) -> Result<Self> {
        let mut parts = s.split(':');
        let kind = parts.next().unwrap_or_default();
        let number = |part: Option<&str>, what: &str| -> Result<Option<f64>> {
            part.map(|p| {
                p.parse::<f64>().map_err(|_| {
                    Error::invalid("lr_schedule", format!("{what} '{p}' is not a number"))
                })
            })
            .transpose()
        };
        let schedule = match kind {
            "none" => LrSchedule::None,
            "cosine" => LrSchedule::Cosine {
                min_factor: number(parts.next(), "cosine's minimum factor")?.unwrap_or(0.0),
            },
            "step" => {
                let every = match parts.next() {
                    Some(p) => p.parse().map_err(|_| {
                        Error::invalid("lr_schedule", format!("step's period '{p}' is not a whole number of epochs"))
                    })?,
                    None => 10,
                };
                LrSchedule::Step {
                    every,
                    gamma: number(parts.next(), "step's factor")?.unwrap_or(0.1),
                }
            }
            other => {
                return Err(Error::invalid(
                    "lr_schedule",
                    format!("unknown schedule '{other}'; use none, cosine[:MIN_FACTOR] or step[:EVERY[:GAMMA]]"),
                ))
            }
        };
        if parts.next().is_some() {
            return Err(Error::invalid(
                "lr_schedule",
                format!("'{s}' has too many ':' parts"),
            ));
        }
        schedule.validate()?;
        Ok(schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_up_is_linear_then_the_schedule_takes_over() {
        let s = LrSchedule::None;
        // 2 warm-up epochs of 5 steps: 1/10, 2/10, … 10/10, then 1.
        assert_eq!(s.factor(0, 5, 10, 2), 0.1);
        assert_eq!(s.factor(4, 5, 10, 2), 0.5);
        assert_eq!(s.factor(9, 5, 10, 2), 1.0);
        assert_eq!(s.factor(10, 5, 10, 2), 1.0);
        assert_eq!(s.factor(0, 5, 10, 0), 1.0);
    }

    #[test]
    fn cosine_runs_from_one_to_its_floor() {
        let s = LrSchedule::Cosine { min_factor: 0.0 };
        // 10 epochs × 10 steps, no warm-up: 100 steps, t = step / 99.
        assert_eq!(s.factor(0, 10, 10, 0), 1.0);
        assert!((s.factor(99, 10, 10, 0) - 0.0).abs() < 1e-12);
        let mid = 0.5 * (1.0 + (PI * 50.0 / 99.0).cos());
        assert!((s.factor(50, 10, 10, 0) - mid).abs() < 1e-12);
        let floor = LrSchedule::Cosine { min_factor: 0.1 };
        assert!((floor.factor(99, 10, 10, 0) - 0.1).abs() < 1e-12);
        // After a 1-epoch warm-up the cosine starts at 1 on step 10 and ends on step 99.
        assert_eq!(s.factor(10, 10, 10, 1), 1.0);
        assert!(s.factor(99, 10, 10, 1).abs() < 1e-12);
    }

    #[test]
    fn step_decays_every_period() {
        let s = LrSchedule::Step {
            every: 3,
            gamma: 0.5,
        };
        assert_eq!(s.factor(0, 4, 12, 0), 1.0);
        assert_eq!(s.factor(11, 4, 12, 0), 1.0); // epoch 2
        assert_eq!(s.factor(12, 4, 12, 0), 0.5); // epoch 3
        assert_eq!(s.factor(24, 4, 12, 0), 0.25); // epoch 6
    }

    #[test]
    fn parsing_names_the_parameter() {
        assert_eq!(
            "cosine".parse::<LrSchedule>().unwrap(),
            LrSchedule::Cosine { min_factor: 0.0 }
        );
        assert_eq!(
            "step:5:0.3".parse::<LrSchedule>().unwrap(),
            LrSchedule::Step {
                every: 5,
                gamma: 0.3
            }
        );
        for bad in [
            "linear", "cosine:2", "step:0", "step:x", "step:5:0", "none:1",
        ] {
            let e = bad.parse::<LrSchedule>().unwrap_err().to_string();
            assert!(e.contains("lr_schedule"), "{bad}: {e}");
        }
    }
}
