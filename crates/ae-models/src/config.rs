//! Serde descriptions of every model, and the presets named by experiment id.
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
}

/// The presets, by experiment id, with what each one is.
pub const PRESETS: &[(&str, &str)] = &[
    ("s0.1", "CNN AE, stride-2 convolutions, code (32,1,1)"),
    ("s1.6", "linear AE 3→2→3 (PCA's subspace)"),
    ("s1.7", "stacked AE 784→100→30 SELU, sigmoid output"),
    ("s1.8", "conv AE with max-pooling, SELU"),
    ("s1.10", "stacked AE of S1.7, trained on noisy inputs"),
    ("s1.11", "sigmoid AE 784→256→128→256→784"),
    ("s2.2", "shallow AE 784→32 ReLU →784 sigmoid"),
    ("s2.3", "deep AE 784→128→32→128→784, sigmoid output"),
    ("s2.4", "deep AE of S2.3, trained on noisy inputs"),
    ("s2.5", "shallow AE of S2.2 (code-size sweep)"),
    ("s3.1", "conv denoiser with batch norm, code 4"),
    ("s4.2", "deep AE 784→512→256→128→30, ReLU everywhere"),
    ("s4.3", "undercomplete AE 784→64→784 ReLU"),
    ("s4.6", "sparse over-complete AE 784→1156→784 ReLU"),
    ("s4.7", "denoising AE 784→256→784 ReLU"),
    ("s4.8", "AE 784→64→8→64→784 ReLU"),
    ("s4.9a", "conv AE, max-unpooling decoder"),
    ("s4.9b", "conv AE, transposed-convolution decoder"),
    (
        "s4.9c",
        "conv AE, unpooling + transposed-convolution decoder",
    ),
];

fn dense(input: usize, enc: &[(usize, Activation)], dec: &[(usize, Activation)]) -> ModelConfig {
    let layers = |l: &[(usize, Activation)]| {
        l.iter()
            .map(|&(size, activation)| DenseLayer { size, activation })
            .collect()
    };
    ModelConfig::Dense(DenseConfig {
        input,
        encoder: layers(enc),
        decoder: layers(dec),
    })
}

impl ModelConfig {
    /// The preset of an experiment id (`s3.1`, `S0.1`, …), with its code size replaced by
    /// `code_size` when given.
    pub fn preset(id: &str, code_size: Option<usize>) -> Result<ModelConfig> {
        use Activation::{None as Linear, Relu, Selu, Sigmoid};
        let id = id.to_ascii_lowercase();
        let mut config = match id.as_str() {
            "s0.1" => ModelConfig::ConvStrided { code: 32 },
            "s1.6" => dense(3, &[(2, Linear)], &[(3, Linear)]),
            "s1.7" | "s1.10" => dense(
                784,
                &[(100, Selu), (30, Selu)],
                &[(100, Selu), (784, Sigmoid)],
            ),
            "s1.8" => ModelConfig::ConvPooling,
            "s1.11" => dense(
                784,
                &[(256, Sigmoid), (128, Sigmoid)],
                &[(256, Sigmoid), (784, Sigmoid)],
            ),
            "s2.2" | "s2.5" => dense(784, &[(32, Relu)], &[(784, Sigmoid)]),
            "s2.3" | "s2.4" => dense(
                784,
                &[(128, Relu), (32, Relu)],
                &[(128, Relu), (784, Sigmoid)],
            ),
            "s3.1" | "s3.2" | "s3.3" => ModelConfig::ConvDenoiser { code: 4 },
            "s4.2" => dense(
                784,
                &[(512, Relu), (256, Relu), (128, Relu), (30, Relu)],
                &[(128, Relu), (256, Relu), (784, Relu)],
            ),
            "s4.3" | "s4.4" | "s4.5" => dense(784, &[(64, Relu)], &[(784, Relu)]),
            "s4.6" => dense(784, &[(1156, Relu)], &[(784, Relu)]),
            "s4.7" => dense(784, &[(256, Relu)], &[(784, Relu)]),
            "s4.8" => dense(784, &[(64, Relu), (8, Relu)], &[(64, Relu), (784, Relu)]),
            "s4.9a" => ModelConfig::ConvPooled {
                decoder: PoolDecoder::Unpool,
            },
            "s4.9b" => ModelConfig::ConvPooled {
                decoder: PoolDecoder::Transposed,
            },
            "s4.9c" => ModelConfig::ConvPooled {
                decoder: PoolDecoder::UnpoolTransposed,
            },
            other => {
                let known: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
                return Err(Error::invalid(
                    "--model",
                    format!("unknown preset '{other}'; known: {}", known.join(", ")),
                ));
            }
        };
        if let Some(code) = code_size {
            config = config.with_code_size(code)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// The same model with another code size, where the architecture has one free.
    pub fn with_code_size(mut self, code: usize) -> Result<ModelConfig> {
        if code == 0 {
            return Err(Error::invalid("--code-size", "must be at least 1"));
        }
        match &mut self {
            ModelConfig::Dense(d) => match d.encoder.last_mut() {
                Some(last) => last.size = code,
                None => return Err(Error::invalid("--code-size", "the encoder has no layer")),
            },
            ModelConfig::ConvStrided { code: c } | ModelConfig::ConvDenoiser { code: c } => {
                *c = code
            }
            ModelConfig::ConvPooling | ModelConfig::ConvPooled { .. } => {
                return Err(Error::invalid(
                    "--code-size",
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
            ModelConfig::ConvStrided { code } | ModelConfig::ConvDenoiser { code } => {
                if *code == 0 {
                    return Err(Error::invalid("code size", "must be at least 1"));
                }
            }
            ModelConfig::ConvPooling | ModelConfig::ConvPooled { .. } => {}
        }
        Ok(())
    }

    /// The shape of one input example: `[features]` for dense models, `[1, 28, 28]` otherwise.
    pub fn input_shape(&self) -> Vec<i64> {
        match self {
            ModelConfig::Dense(d) => vec![d.input as i64],
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_builds_a_valid_config_and_round_trips_through_json() {
        for (id, _) in PRESETS {
            let c = ModelConfig::preset(id, None).unwrap();
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(
                serde_json::from_str::<ModelConfig>(&json).unwrap(),
                c,
                "{id}"
            );
        }
    }

    #[test]
    fn bad_configs_name_the_problem() {
        let e = ModelConfig::preset("s9.9", None).unwrap_err().to_string();
        assert!(
            e.contains("--model") && e.contains("s9.9") && e.contains("s3.1"),
            "{e}"
        );
        let e = ModelConfig::preset("s3.1", Some(0))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--code-size"), "{e}");
        let e = ModelConfig::preset("s1.8", Some(8))
            .unwrap_err()
            .to_string();
        assert!(e.contains("fixed"), "{e}");
        let mut bad = ModelConfig::preset("s2.2", None).unwrap();
        if let ModelConfig::Dense(d) = &mut bad {
            d.decoder.last_mut().unwrap().size = 100;
        }
        assert!(bad.validate().unwrap_err().to_string().contains("784"));
    }
}
