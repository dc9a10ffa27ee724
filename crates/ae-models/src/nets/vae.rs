//! Variational autoencoders (Kingma & Welling, ICLR 2014): the encoder gives the mean and log
//! variance of a diagonal Gaussian posterior q(z|x); the code passed on is a sample
//! z = μ + σ·ε, ε ~ N(0, I) (the reparameterisation trick, so gradients reach μ and σ); the
//! decoder gives Bernoulli means. The loss adds β·KL(q(z|x) ‖ N(0, I)), in closed form, to the
//! reconstruction term (see [`crate::Loss::BceSum`]).
//!
//! As in PyTorch's reference example, forward passes sample in evaluation too: the validation and
//! test losses are then honest single-sample estimates of the negative ELBO (seeded by the
//! trainer), not the optimistic loss at z = μ. `encode` gives μ, the code used for plots and
//! clustering.

use tch::nn::{self, Module};
use tch::{Kind, Tensor};

use super::{conv, conv_t, linear, Autoencoder, Forward};
use crate::Result;

/// Each row's KL(N(μ, diag e^logvar) ‖ N(0, I)) = −½ Σ (1 + logvar − μ² − e^logvar), in nats.
pub fn kl_to_standard_normal(mu: &Tensor, logvar: &Tensor) -> Tensor {
    (logvar + 1.0 - mu.square() - logvar.exp()).sum_dim_intlist(1, false, Kind::Float) * -0.5
}

/// A sample of N(μ, diag e^logvar) by the reparameterisation trick, from libtorch's generator.
fn sample(mu: &Tensor, logvar: &Tensor) -> Tensor {
    mu + (logvar * 0.5).exp() * mu.randn_like()
}

/// The dense VAE of PyTorch's examples (784-400-20): ReLU hidden layers, linear heads for μ and
/// log σ², the mirror image back with a sigmoid output.
#[derive(Debug)]
pub struct DenseVae {
    encoder: Vec<nn::Linear>,
    mu: nn::Linear,
    logvar: nn::Linear,
    decoder: Vec<nn::Linear>,
    pub(crate) params: usize,
    name: String,
}

impl DenseVae {
    /// Builds the layers under `p`: `input` → `hidden`… → `latent` and back.
    pub fn new(p: &nn::Path, input: i64, hidden: &[usize], latent: i64) -> DenseVae {
        let mut widths: Vec<i64> = vec![input];
        widths.extend(hidden.iter().map(|&h| h as i64));
        let last = *widths.last().unwrap_or(&input);
        let encoder = widths
            .windows(2)
            .enumerate()
            .map(|(i, w)| linear(p / format!("enc{i}"), w[0], w[1]))
            .collect();
        let mut back: Vec<i64> = vec![latent];
        back.extend(widths.iter().rev());
        let decoder = back
            .windows(2)
            .enumerate()
            .map(|(i, w)| linear(p / format!("dec{i}"), w[0], w[1]))
            .collect();
        let sizes: Vec<String> = widths.iter().map(|w| w.to_string()).collect();
        DenseVae {
            encoder,
            mu: linear(p / "mu", last, latent),
            logvar: linear(p / "logvar", last, latent),
            decoder,
            params: 0,
            name: format!("dense VAE {}→{latent}", sizes.join("→")),
        }
    }

    fn posterior(&self, x: &Tensor) -> (Tensor, Tensor) {
        let h = self
            .encoder
            .iter()
            .fold(x.flatten(1, -1), |h, l| l.forward(&h).relu());
        (self.mu.forward(&h), self.logvar.forward(&h))
    }
}

impl Autoencoder for DenseVae {
    fn name(&self) -> &str {
        &self.name
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        self.posterior(x).0
    }
    fn decode(&self, z: &Tensor, _train: bool) -> Result<Tensor> {
        let n = self.decoder.len();
        Ok(self
            .decoder
            .iter()
            .enumerate()
            .fold(z.shallow_clone(), |h, (i, l)| {
                let h = l.forward(&h);
                if i + 1 < n {
                    h.relu()
                } else {
                    h.sigmoid()
                }
            }))
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let (mu, logvar) = self.posterior(x);
        let z = sample(&mu, &logvar);
        let output = self
            .decode(&z, train)
            .expect("dense decoders never fail")
            .view(x.size().as_slice());
        Forward {
            kl: Some(kl_to_standard_normal(&mu, &logvar)),
            code: mu,
            output,
        }
    }
}

/// A convolutional VAE: two 4 × 4 stride-2 convolutions (1→32→64 channels, 28→14→7), a dense
/// layer of 256 to μ and log σ²; back through a dense layer to 64 × 7 × 7 and two stride-2
/// transposed convolutions, ReLU throughout, sigmoid output.
#[derive(Debug)]
pub struct ConvVae {
    enc_conv: [nn::Conv2D; 2],
    enc_fc: nn::Linear,
    mu: nn::Linear,
    logvar: nn::Linear,
    dec_fc: [nn::Linear; 2],
    dec_conv: [nn::ConvTranspose2D; 2],
    pub(crate) params: usize,
    name: String,
}

impl ConvVae {
    /// Builds the layers under `p` with a `latent`-dimensional code.
    pub fn new(p: &nn::Path, latent: i64) -> ConvVae {
        ConvVae {
            enc_conv: [
                conv(p / "enc0", 1, 32, 4, 2, 1),
                conv(p / "enc1", 32, 64, 4, 2, 1),
            ],
            enc_fc: linear(p / "enc_fc", 64 * 49, 256),
            mu: linear(p / "mu", 256, latent),
            logvar: linear(p / "logvar", 256, latent),
            dec_fc: [
                linear(p / "dec_fc0", latent, 256),
                linear(p / "dec_fc1", 256, 64 * 49),
            ],
            dec_conv: [
                conv_t(p / "dec0", 64, 32, 4, 2, 1, 0),
                conv_t(p / "dec1", 32, 1, 4, 2, 1, 0),
            ],
            params: 0,
            name: format!("conv VAE 32-64 channels, 256 → {latent}"),
        }
    }

    fn posterior(&self, x: &Tensor) -> (Tensor, Tensor) {
        let h = self.enc_conv[0].forward(x).relu();
        let h = self.enc_conv[1].forward(&h).relu().flatten(1, -1);
        let h = self.enc_fc.forward(&h).relu();
        (self.mu.forward(&h), self.logvar.forward(&h))
    }
}

impl Autoencoder for ConvVae {
    fn name(&self) -> &str {
        &self.name
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        self.posterior(x).0
    }
    fn decode(&self, z: &Tensor, _train: bool) -> Result<Tensor> {
        let h = self.dec_fc[0].forward(z).relu();
        let h = self.dec_fc[1].forward(&h).relu().view([-1, 64, 7, 7]);
        let h = self.dec_conv[0].forward(&h).relu();
        Ok(self.dec_conv[1].forward(&h).sigmoid())
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let (mu, logvar) = self.posterior(x);
        let z = sample(&mu, &logvar);
        let output = self.decode(&z, train).expect("this decoder never fails");
        Forward {
            kl: Some(kl_to_standard_normal(&mu, &logvar)),
            code: mu,
            output,
        }
    }
}
