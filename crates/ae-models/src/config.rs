//! Serde descriptions of every model (the presets that use them are in [`crate::presets`]).
//!
//! A run's `config.json` holds a [`ModelConfig`]; [`crate::Model::build`] turns it back into the
//! same network, so a finished run can be reloaded exactly.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// A nonlinearity after a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// max(0, x).
    Relu,
    /// Scaled exponential linear unit (S1.7).
    Selu,
    /// 1 / (1 + e^−x).
    Sigmoid,
    /// Identity.
    None,
}

impl Activation {
    /// Applies the activation.
    pub fn apply(self, x: &tch::Tensor) -> tch::Tensor {
        match self {
            Activation::Relu => x.relu(),
            Activation::Selu => x.selu(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::None => x.shallow_clone(),
        }
    }
}

/// One fully connected layer: its output size and activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseLayer {
    /// Output features.
    pub size: usize,
    /// Activation after the affine map.
    pub activation: Activation,
}

/// A fully connected autoencoder: `input` features, then the encoder's layers (the last one's
/// size is the code size), then the decoder's (the last one's size must be `input`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenseConfig {
    /// Input features (784 for 28 × 28 images).
    pub input: usize,
    /// Encoder layers, in order.
    pub encoder: Vec<DenseLayer>,
    /// Decoder layers, in order.
    pub decoder: Vec<DenseLayer>,
}

/// The three decoders of S4.9's convolutional autoencoders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PoolDecoder {
    /// (a) Max-unpooling with the encoder's pooling indices, then convolutions.
    Unpool,
    /// (b) Transposed convolutions with stride 2.
    Transposed,
    /// (c) Max-unpooling, then stride-1 transposed convolutions.
    UnpoolTransposed,
}

/// Every architecture the seeds use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelConfig {
    /// A dense autoencoder (S1.6, S1.7, S1.11, S2.2–S2.5, S4.2, S4.3, S4.6–S4.8).
    Dense(DenseConfig),
    /// S0.1: three stride-2 convolutions to a (code, 1, 1) code and three transposed ones back.
    ConvStrided {
        /// Channels of the code (32 in the seed).
        code: usize,
    },
    /// S1.8: SELU convolutions with max-pooling 28→14→7→3, transposed convolutions back.
    ConvPooling,
    /// S3.1: the convolutional denoiser with batch norm and a dense bottleneck.
    ConvDenoiser {
        /// Size of the dense code (4 in the seed).
        code: usize,
    },
    /// S4.9: ReLU convolutions with max-pooling to (16, 3, 3) and one of three decoders.
    ConvPooled {
        /// Which decoder.
        decoder: PoolDecoder,
    },
    /// A dense variational autoencoder (see [`crate::nets::DenseVae`]).
    DenseVae {
        /// Input features (784 for 28 × 28 images).
        input: usize,
        /// Hidden layers' sizes (ReLU), mirrored in the decoder.
        hidden: Vec<usize>,
        /// Latent dimensions.
        latent: usize,
    },
    /// A convolutional variational autoencoder (see [`crate::nets::ConvVae`]).
    ConvVae {
        /// Latent dimensions.
        latent: usize,
    },
    /// S1.9: LSTMs over the image's rows (see [`crate::nets::RecurrentAe`]).
    Recurrent {
        /// Units of the LSTMs around the code (100 in the lecture).
        hidden: usize,
        /// Units of the code LSTM (30 in the lecture).
        code: usize,
    },
    /// A small U-Net with skip connections, for denoising (see [`crate::nets::UNet`]).
    UNet {
        /// Channels at full resolution (twice as many at 14 and 7 pixels).
        channels: usize,
    },
}

impl ModelConfig {
    /// The same model with another code size, where the architecture has one free.
    pub fn with_code_size(mut self, code: usize) -> Result<ModelConfig> {
        if code == 0 {
            return Err(Error::invalid("code_size", "must be ≥ 1"));
        }
        match &mut self {
            ModelConfig::Dense(d) => match d.encoder.last_mut() {
                Some(last) => last.size = code,
                None => return Err(Error::invalid("code_size", "the encoder has no layer")),
            },
            ModelConfig::ConvStrided { code: c }
            | ModelConfig::ConvDenoiser { code: c }
            | ModelConfig::DenseVae { latent: c, .. }
            | ModelConfig::ConvVae { latent: c }
            | ModelConfig::Recurrent { code: c, .. } => *c = code,
            ModelConfig::ConvPooling
            | ModelConfig::ConvPooled { .. }
            | ModelConfig::UNet { .. } => {
                return Err(Error::invalid(
                    "code_size",
                    "this convolutional model's code shape is fixed by its architecture",
                ))
            }
        }
        Ok(self)
    }

    /// Checks sizes: no zero-sized layer, the decoder ends at the input size.
    pub fn validate(&self) -> Result<()> {
        match self {
            ModelConfig::Dense(d) => {
                if d.input == 0 {
                    return Err(Error::invalid("model.input", "must be at least 1"));
                }
                if d.encoder.is_empty() || d.decoder.is_empty() {
                    return Err(Error::invalid(
                        "model",
                        "a dense model needs at least one encoder and one decoder layer",
                    ));
                }
                if let Some(i) = d.encoder.iter().chain(&d.decoder).position(|l| l.size == 0) {
                    return Err(Error::invalid(
                        "model",
                        format!("layer {} has size 0 (code size must be at least 1)", i + 1),
                    ));
                }
                let out = d.decoder.last().map_or(0, |l| l.size);
                if out != d.input {
                    return Err(Error::invalid(
                        "model.decoder",
                        format!("ends with {out} features but the input has {}", d.input),
                    ));
                }
            }
            ModelConfig::ConvStrided { code }
            | ModelConfig::ConvDenoiser { code }
            | ModelConfig::ConvVae { latent: code } => {
                if *code == 0 {
                    return Err(Error::invalid("code_size", "must be ≥ 1"));
                }
            }
            ModelConfig::Recurrent { hidden, code } => {
                if *hidden == 0 || *code == 0 {
                    return Err(Error::invalid(
                        "model",
                        "a recurrent AE's hidden and code sizes must be ≥ 1 (code_size)",
                    ));
                }
            }
            ModelConfig::DenseVae {
                input,
                hidden,
                latent,
            } => {
                if *input == 0 || *latent == 0 || hidden.contains(&0) {
                    return Err(Error::invalid(
                        "model",
                        "a dense VAE's input, hidden and latent sizes must all be ≥ 1 (code_size is the latent size)",
                    ));
                }
            }
            ModelConfig::UNet { channels } => {
                if *channels == 0 {
                    return Err(Error::invalid("model.channels", "must be ≥ 1"));
                }
            }
            ModelConfig::ConvPooling | ModelConfig::ConvPooled { .. } => {}
        }
        // Memory for the weights alone (the batch is checked with the training settings).
        self.check_memory(0)
    }

    /// About how many trainable parameters the network has (exact for dense models; the
    /// convolutional ones add their fixed layers to the code-dependent ones).
    pub fn parameter_estimate(&self) -> u128 {
        match self {
            ModelConfig::Dense(d) => {
                let mut width = d.input as u128;
                let mut total = 0u128;
                for layer in d.encoder.iter().chain(&d.decoder) {
                    let size = layer.size as u128;
                    total = total.saturating_add(width.saturating_mul(size).saturating_add(size));
                    width = size;
                }
                total
            }
            // 128 → code (4 × 4) and code → 128 (5 × 5) convolutions around ~300k fixed ones.
            ModelConfig::ConvStrided { code } => 300_000 + 128 * 41 * *code as u128,
            // Dense 128 → code → 128 around ~100k fixed ones.
            ModelConfig::ConvDenoiser { code } => 100_000 + 257 * *code as u128,
            ModelConfig::ConvPooling | ModelConfig::ConvPooled { .. } => 100_000,
            // Exact: three LSTMs of 4·h·(in + h) + 8·h, a dense 100 → 28.
            ModelConfig::Recurrent { hidden, code } => {
                let lstm = |i: u128, h: u128| 4 * h * (i + h) + 8 * h;
                let (h, c) = (*hidden as u128, *code as u128);
                lstm(28, h) + lstm(h, c) + lstm(c, h) + h * 28 + 28
            }
            // Exact: the encoder's layers, two heads, the decoder's layers.
            ModelConfig::DenseVae {
                input,
                hidden,
                latent,
            } => {
                let dense = |a: u128, b: u128| a.saturating_mul(b).saturating_add(b);
                let mut widths = vec![*input as u128];
                widths.extend(hidden.iter().map(|&h| h as u128));
                let last = *widths.last().unwrap_or(&0);
                let l = *latent as u128;
                let enc: u128 = widths.windows(2).map(|w| dense(w[0], w[1])).sum();
                let mut back = vec![l];
                back.extend(widths.iter().rev());
                let dec: u128 = back.windows(2).map(|w| dense(w[0], w[1])).sum();
                enc.saturating_add(dense(last, l).saturating_mul(2))
                    .saturating_add(dec)
            }
            // Exact: convolutions 544 + 32,832, dense 3136·256 + 256, heads 2·(256·l + l),
            // decoder l·256 + 256 and 256·3136 + 3136, transposed 32,800 + 513.
            ModelConfig::ConvVae { latent } => {
                let l = *latent as u128;
                544 + 32_832 + 803_072 + 2 * (257 * l) + 256 * l + 256 + 805_952 + 32_800 + 513
            }
            // Exact: 3 × 3 kernels over 1·c + (1 + 2 + 4 + 4 + 8 + 4 + 2 + 1)·c² channel pairs,
            // 2 × 2 up-convolutions over (4 + 2)·c², 19c + 1 biases, 32c batch-norm scales and
            // shifts, the 1 × 1 output's c weights.
            ModelConfig::UNet { channels } => {
                let c = *channels as u128;
                9 * (c + 30 * c * c) + 24 * c * c + 52 * c + 1
            }
        }
    }

    /// About how many floats one example's activations take in a training step.
    fn activation_estimate(&self) -> u128 {
        match self {
            ModelConfig::Dense(d) => {
                let widths: u128 = d
                    .encoder
                    .iter()
                    .chain(&d.decoder)
                    .map(|l| l.size as u128)
                    .sum();
                2 * (d.input as u128 + widths)
            }
            ModelConfig::DenseVae {
                input,
                hidden,
                latent,
            } => {
                2 * (2 * *input as u128
                    + 2 * hidden.iter().sum::<usize>() as u128
                    + 3 * *latent as u128)
            }
            // Ten feature maps of c to 4c channels, at 28, 14 and 7 pixels.
            ModelConfig::UNet { channels } => 5_000 * *channels as u128,
            // Feature maps of up to 32 channels at 28 × 28, a handful of layers.
            _ => 150_000,
        }
    }

    /// Refuses a model (or a batch size) whose training would not fit in the memory available:
    /// weights, gradients, optimiser moments and a checkpoint copy, plus one batch's activations
    /// (forward and backward). The error names `code_size` (or `model`) or `batch_size`.
    pub fn check_memory(&self, batch_size: usize) -> Result<()> {
        let params = self.parameter_estimate();
        let weights = params.saturating_mul(4 * 5);
        ae_data::resources::ensure_memory(
            "code_size",
            &format!("a model of {params} parameters"),
            weights,
        )?;
        let activations = self
            .activation_estimate()
            .saturating_mul(batch_size as u128)
            .saturating_mul(4 * 3);
        ae_data::resources::ensure_memory(
            "batch_size",
            &format!("training on batches of {batch_size}"),
            weights.saturating_add(activations),
        )?;
        Ok(())
    }

    /// The same model for images of `shape`: a dense model's (or dense VAE's) input and last
    /// decoder layer become `shape.values()` wide, so it takes any size, grey or colour; the
    /// convolutional and recurrent models, built for MNIST, take 28 × 28 grey images only, and
    /// any other shape is an error naming the shape they accept.
    pub fn for_images(mut self, shape: ae_data::ImageShape) -> Result<ModelConfig> {
        let values = shape.values();
        match &mut self {
            ModelConfig::Dense(d) => {
                d.input = values;
                if let Some(last) = d.decoder.last_mut() {
                    last.size = values;
                }
            }
            ModelConfig::DenseVae { input, .. } => *input = values,
            _ => self.check_images(shape)?,
        }
        Ok(self)
    }

    /// Checks that the model takes images of `shape` (see [`ModelConfig::for_images`]).
    pub fn check_images(&self, shape: ae_data::ImageShape) -> Result<()> {
        match self {
            ModelConfig::Dense(_) | ModelConfig::DenseVae { .. } => {
                let [features] = self.input_shape()[..] else {
                    unreachable!("dense models take rows")
                };
                if features as usize != shape.values() {
                    return Err(Error::invalid(
                        "model",
                        format!(
                            "takes {features} values per image, and {shape} images have {}",
                            shape.values()
                        ),
                    ));
                }
            }
            _ if shape == ae_data::ImageShape::MNIST => {}
            _ => {
                return Err(Error::invalid(
                    "model",
                    format!(
                        "this convolutional or recurrent model takes 28 × 28 grey images, not \
                         {shape}: convert the images (size 28, channels 1) or choose a dense \
                         model (s2.2, s2.3, b1.1, b1.3a)"
                    ),
                ))
            }
        }
        Ok(())
    }

    /// The shape of one input example: `[features]` for dense models, `[1, 28, 28]` otherwise.
    pub fn input_shape(&self) -> Vec<i64> {
        match self {
            ModelConfig::Dense(d) => vec![d.input as i64],
            ModelConfig::DenseVae { input, .. } => vec![*input as i64],
            _ => vec![1, 28, 28],
        }
    }

    /// The shape of one code.
    pub fn code_shape(&self) -> Vec<i64> {
        match self {
            ModelConfig::Dense(d) => vec![d.encoder.last().map_or(0, |l| l.size) as i64],
            ModelConfig::ConvStrided { code } => vec![*code as i64, 1, 1],
            ModelConfig::ConvPooling => vec![64, 3, 3],
            ModelConfig::ConvDenoiser { code } => vec![*code as i64],
            ModelConfig::ConvPooled { .. } => vec![16, 3, 3],
            ModelConfig::UNet { channels } => vec![2 * *channels as i64, 7, 7],
            ModelConfig::DenseVae { latent, .. } | ModelConfig::ConvVae { latent } => {
                vec![*latent as i64]
            }
            ModelConfig::Recurrent { code, .. } => vec![*code as i64],
        }
    }

    /// Whether the model is a variational autoencoder (its codes are posterior means; it
    /// generates from N(0, I)).
    pub fn is_variational(&self) -> bool {
        matches!(
            self,
            ModelConfig::DenseVae { .. } | ModelConfig::ConvVae { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decoder_that_misses_the_input_size_is_named() {
        let mut bad = crate::presets::S2_2.model();
        if let ModelConfig::Dense(d) = &mut bad {
            d.decoder.last_mut().unwrap().size = 100;
        }
        assert!(bad.validate().unwrap_err().to_string().contains("784"));
        let e = ModelConfig::ConvDenoiser { code: 0 }
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("code_size"), "{e}");
    }
}
