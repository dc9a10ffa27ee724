//! Reconstruction losses, with an optional L1 penalty on the code (S4.6).

use serde::{Deserialize, Serialize};
use tch::{Reduction, Tensor};

use crate::{Error, Result};

/// A reconstruction loss, averaged over the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Mean squared error over all pixels.
    Mse,
    /// Per-image sum of squared errors, averaged over images (seed 000's loss).
    Sse,
    /// Binary cross-entropy over all pixels (outputs must be in (0, 1)).
    Bce,
    /// Binary cross-entropy summed over each image's pixels, averaged over images: the
    /// Bernoulli negative log-likelihood in nats, a VAE's reconstruction term.
    #[serde(rename = "bce-sum")]
    BceSum,
    /// The peak signal-to-noise ratio of each image (pixels in [0, 1]), negated and averaged
    /// over images, in dB: 10·log10(MSE_i + 10⁻⁸). The objective a denoiser scored by its mean
    /// per-image PSNR wants (HINet's "PSNR loss", Chen et al. 2021): it weighs each image's
    /// error relative to the image's own, where MSE lets the worst images dominate.
    Psnr,
}

/// Added to each image's MSE in [`Loss::Psnr`], so that a perfect image has a finite loss
/// (−80 dB) and gradient.
const PSNR_FLOOR: f64 = 1e-8;

impl std::str::FromStr for Loss {
    type Err = Error;
    fn from_str(s: &str) -> Result<Loss> {
        match s {
            "mse" => Ok(Loss::Mse),
            "sse" => Ok(Loss::Sse),
            "bce" => Ok(Loss::Bce),
            "bce-sum" => Ok(Loss::BceSum),
            "psnr" => Ok(Loss::Psnr),
            other => Err(Error::invalid(
                "loss",
                format!("'{other}' is not one of mse, sse, bce, bce-sum, psnr"),
            )),
        }
    }
}

impl Loss {
    /// The loss of `output` against `target` (same shape, batch first).
    ///
    /// Binary cross-entropy needs outputs in [0, 1]: libtorch refuses others, and this says why
    /// — outputs that became NaN ([`Error::NonFinite`]) or a model without a sigmoid last layer.
    pub fn compute(self, output: &Tensor, target: &Tensor) -> Result<Tensor> {
        if output.size() != target.size() {
            return Err(Error::invalid(
                "loss",
                format!(
                    "outputs of shape {:?} against targets of shape {:?}",
                    output.size(),
                    target.size()
                ),
            ));
        }
        Ok(match self {
            Loss::Mse => output.f_mse_loss(target, Reduction::Mean)?,
            Loss::Sse => (output - target)
                .square()
                .flatten(1, -1)
                .sum_dim_intlist(1, false, tch::Kind::Float)
                .mean(tch::Kind::Float),
            Loss::Psnr => {
                ((output - target)
                    .square()
                    .flatten(1, -1)
                    .mean_dim(1, false, tch::Kind::Float)
                    + PSNR_FLOOR)
                    .log10()
                    .mean(tch::Kind::Float)
                    * 10.0
            }
            Loss::Bce | Loss::BceSum => match self {
                Loss::BceSum => output
                    .f_binary_cross_entropy::<Tensor>(target, None, Reduction::Sum)
                    .map(|sum| sum / output.size().first().copied().unwrap_or(1).max(1) as f64),
                _ => output.f_binary_cross_entropy::<Tensor>(target, None, Reduction::Mean),
            }
            .map_err(|e| {
                let finite = output.isfinite().all().int64_value(&[]) == 1;
                if finite {
                    Error::invalid(
                        "loss",
                        format!(
                            "bce needs outputs in [0, 1], as a sigmoid last layer gives ({})",
                            crate::error::short_torch_message(&e)
                        ),
                    )
                } else {
                    Error::NonFinite {
                        what: "the model's outputs".into(),
                        value: f64::NAN,
                        advice: "lower the learning rate".into(),
                    }
                }
            })?,
        })
    }

    /// The training objective of a forward pass: the loss, plus λ·‖code‖₁ summed over the batch
    /// (`l1`), plus β times the mean KL divergence when the model is variational (`beta`).
    pub fn objective(
        self,
        f: &crate::Forward,
        target: &Tensor,
        l1: f64,
        beta: f64,
    ) -> Result<Tensor> {
        let loss = self.with_l1(&f.output, target, &f.code, l1)?;
        Ok(match &f.kl {
            Some(kl) => loss + kl.mean(tch::Kind::Float) * beta,
            None => loss,
        })
    }

    /// The loss plus λ·‖code‖₁ summed over the batch (as seed 004's `torch.norm(h, p=1)`).
    pub fn with_l1(
        self,
        output: &Tensor,
        target: &Tensor,
        code: &Tensor,
        l1: f64,
    ) -> Result<Tensor> {
        let base = self.compute(output, target)?;
        Ok(if l1 > 0.0 {
            base + code.abs().sum(tch::Kind::Float) * l1
        } else {
            base
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 2-pixel images: errors (0.1, 0.1) and (0.01, 0.01), so per-image MSEs 0.01 and
    /// 0.0001 (PSNR 20 and 40 dB).
    fn pair() -> (Tensor, Tensor) {
        let target = Tensor::from_slice(&[0.5f32, 0.5, 0.2, 0.2]).view([2, 2]);
        let output = Tensor::from_slice(&[0.6f32, 0.4, 0.21, 0.19]).view([2, 2]);
        (output, target)
    }

    fn value(loss: Loss) -> f64 {
        let (output, target) = pair();
        loss.compute(&output, &target).unwrap().double_value(&[])
    }

    #[test]
    fn losses_have_their_known_values() {
        assert!((value(Loss::Mse) - 0.00505).abs() < 1e-7);
        assert!((value(Loss::Sse) - 0.0101).abs() < 1e-7);
        // −(20 + 40)/2, up to the 1e-8 floor (4e-4 dB on the 40 dB image).
        assert!(
            (value(Loss::Psnr) + 30.0).abs() < 1e-3,
            "{}",
            value(Loss::Psnr)
        );
        assert_eq!("psnr".parse::<Loss>().unwrap(), Loss::Psnr);
    }

    #[test]
    fn the_psnr_loss_has_a_finite_gradient_on_a_perfect_image() {
        let target = Tensor::from_slice(&[0.5f32, 0.25]).view([1, 2]);
        let output = target.copy().set_requires_grad(true);
        let loss = Loss::Psnr.compute(&output, &target).unwrap();
        assert!((loss.double_value(&[]) + 80.0).abs() < 1e-3);
        loss.backward();
        let grad = output.grad();
        assert_eq!(grad.isfinite().all().int64_value(&[]), 1);
    }
}
