//! The presets: every model of the course documents with the training it was given there, in one
//! table keyed by the preset's id (the experiment id, lower-case: `s0.1`, `s3.1`, `s4.9a`).
//!
//! A preset is the pair a run needs, [`ModelConfig`] and [`TrainConfig`], as candle's
//! `Config::preset()` constructors are: each entry says where its numbers come from. Where a
//! notebook leaves a value open, the framework default it ran with is used (Keras: batch 32,
//! Adam 1e-3). Adding a preset is one constant here and one line in [`ALL`].

use ae_data::Noise;

use crate::config::{Activation, DenseConfig, DenseLayer, ModelConfig, PoolDecoder};
use crate::loss::Loss;
use crate::optim::OptimizerConfig;
use crate::train_config::TrainConfig;
use crate::{Error, Result};

/// A named model with the training it gets.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    /// The id (`s3.1`): what `ae train --model` takes.
    pub id: &'static str,
    /// One line on what the model is.
    pub what: &'static str,
    /// Where the architecture and settings come from.
    pub source: &'static str,
    model: fn() -> ModelConfig,
    train: fn() -> TrainConfig,
}

impl Preset {
    /// The preset called `id` (any case).
    pub fn get(id: &str) -> Result<&'static Preset> {
        let lower = id.to_ascii_lowercase();
        ALL.iter().find(|p| p.id == lower).ok_or_else(|| {
            let known: Vec<&str> = ALL.iter().map(|p| p.id).collect();
            Error::invalid(
                "preset",
                format!("unknown preset '{id}'; known: {}", known.join(", ")),
            )
        })
    }

    /// The network.
    pub fn model(&self) -> ModelConfig {
        (self.model)()
    }

    /// The network with its code size replaced by `code_size` when given (an error for
    /// architectures whose code shape is fixed).
    pub fn model_with_code(&self, code_size: Option<usize>) -> Result<ModelConfig> {
        let model = match code_size {
            Some(code) => self.model().with_code_size(code)?,
            None => self.model(),
        };
        model.validate()?;
        Ok(model)
    }

    /// The training settings.
    pub fn train(&self) -> TrainConfig {
        (self.train)()
    }
}

/// Every preset, in catalogue order.
pub const ALL: &[Preset] = &[
    S0_1, S1_6, S1_7, S1_8, S1_9, S1_10, S1_11, S2_2, S2_3, S2_4, S2_5, S3_1, S4_2, S4_3, S4_6,
    S4_7, S4_8, S4_9A, S4_9B, S4_9C, B1_1, B1_2, B1_3A, B1_3B, B2_1,
];

use Activation::{None as Linear, Relu, Selu, Sigmoid};

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

fn adam(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Adam {
        lr,
        weight_decay: 0.0,
    }
}

fn sgd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd {
        lr,
        momentum: 0.0,
        weight_decay: 0.0,
    }
}

fn gaussian(std: f32, clamp: bool) -> Option<Noise> {
    Some(Noise::Gaussian { std, clamp })
}

/// What a preset trains with unless it says otherwise: 10 epochs, batch 256, Adam 1e-3, MSE.
fn base() -> TrainConfig {
    TrainConfig {
        epochs: 10,
        batch_size: 256,
        drop_remainder: false,
        optimizer: adam(1e-3),
        loss: Loss::Mse,
        l1: 0.0,
        noise: None,
        seed: 0,
        augment: None,
        beta: 1.0,
        lr_schedule: Default::default(),
        warmup_epochs: 0,
        patience: None,
        keep_best: false,
        precision: crate::Precision::Fp32,
    }
}

/// S0.1: three stride-2 convolutions to a (32, 1, 1) code; SSE; Adam 1e-5; batch 200 dropping
/// the remainder; 25 epochs.
pub const S0_1: Preset = Preset {
    id: "s0.1",
    what: "CNN AE, stride-2 convolutions, code (32,1,1)",
    source: "seed 000",
    model: || ModelConfig::ConvStrided { code: 32 },
    train: || TrainConfig {
        epochs: 25,
        batch_size: 200,
        drop_remainder: true,
        optimizer: adam(1e-5),
        loss: Loss::Sse,
        ..base()
    },
};

/// S1.6: Dense 3→2→3 without activations, full-batch SGD lr 1.5.
pub const S1_6: Preset = Preset {
    id: "s1.6",
    what: "linear AE 3→2→3 (PCA's subspace)",
    source: "seed 001 (lecture)",
    model: || dense(3, &[(2, Linear)], &[(3, Linear)]),
    train: || TrainConfig {
        epochs: 1000,
        batch_size: 60,
        optimizer: sgd(1.5),
        ..base()
    },
};

fn stacked() -> ModelConfig {
    dense(
        784,
        &[(100, Selu), (30, Selu)],
        &[(100, Selu), (784, Sigmoid)],
    )
}

/// S1.7: 784→100→30 SELU, back with a sigmoid output; BCE; SGD 1.5; Keras batch 32; 20 epochs.
pub const S1_7: Preset = Preset {
    id: "s1.7",
    what: "stacked AE 784→100→30 SELU, sigmoid output",
    source: "seed 001 (lecture)",
    model: stacked,
    train: || TrainConfig {
        epochs: 20,
        batch_size: 32,
        optimizer: sgd(1.5),
        loss: Loss::Bce,
        ..base()
    },
};

/// S1.8: SELU convolutions with max-pooling; BCE; Keras Adam, batch 32; 5 epochs.
pub const S1_8: Preset = Preset {
    id: "s1.8",
    what: "conv AE with max-pooling, SELU",
    source: "seed 001 (lecture)",
    model: || ModelConfig::ConvPooling,
    train: || TrainConfig {
        epochs: 5,
        batch_size: 32,
        loss: Loss::Bce,
        ..base()
    },
};

/// S1.9: the lecture's recurrent AE (Géron's): LSTM 100 → LSTM 30 over the rows, repeated,
/// LSTM 100, per-row dense sigmoid; BCE; SGD 0.1 as in the book; Keras batch 32; 10 epochs.
pub const S1_9: Preset = Preset {
    id: "s1.9",
    what: "recurrent AE: LSTM over rows to 30, repeat, LSTM, per-row sigmoid",
    source: "seed 001 (lecture, named only); Géron, Hands-On ML ch. 17",
    model: || ModelConfig::Recurrent {
        hidden: 100,
        code: 30,
    },
    train: || TrainConfig {
        epochs: 10,
        batch_size: 32,
        optimizer: sgd(0.1),
        loss: Loss::Bce,
        ..base()
    },
};

/// S1.10: S1.7's network on inputs with Gaussian noise 0.2 (not clamped); 10 epochs.
pub const S1_10: Preset = Preset {
    id: "s1.10",
    what: "stacked AE of S1.7, trained on noisy inputs",
    source: "seed 001 (lecture)",
    model: stacked,
    train: || TrainConfig {
        epochs: 10,
        batch_size: 32,
        optimizer: sgd(1.5),
        loss: Loss::Bce,
        noise: gaussian(0.2, false),
        ..base()
    },
};

/// S1.11: every layer sigmoid, 784→256→128→256→784; MSE; Adam; batch 128; 100 epochs.
pub const S1_11: Preset = Preset {
    id: "s1.11",
    what: "sigmoid AE 784→256→128→256→784",
    source: "seed 001 (lecture)",
    model: || {
        dense(
            784,
            &[(256, Sigmoid), (128, Sigmoid)],
            &[(256, Sigmoid), (784, Sigmoid)],
        )
    },
    train: || TrainConfig {
        epochs: 100,
        batch_size: 128,
        ..base()
    },
};

fn shallow() -> ModelConfig {
    dense(784, &[(32, Relu)], &[(784, Sigmoid)])
}

fn shallow_train() -> TrainConfig {
    TrainConfig {
        epochs: 5,
        loss: Loss::Bce,
        ..base()
    }
}

fn deep_s2() -> ModelConfig {
    dense(
        784,
        &[(128, Relu), (32, Relu)],
        &[(128, Relu), (784, Sigmoid)],
    )
}

/// S2.2: 784→32 ReLU →784 sigmoid; BCE; Adam; batch 256; 5 epochs.
pub const S2_2: Preset = Preset {
    id: "s2.2",
    what: "shallow AE 784→32 ReLU →784 sigmoid",
    source: "seed 002",
    model: shallow,
    train: shallow_train,
};

/// S2.3: 784→128→32→128→784, sigmoid output; BCE; 10 epochs.
pub const S2_3: Preset = Preset {
    id: "s2.3",
    what: "deep AE 784→128→32→128→784, sigmoid output",
    source: "seed 002",
    model: deep_s2,
    train: || TrainConfig {
        loss: Loss::Bce,
        ..base()
    },
};

/// S2.4: S2.3's network trained noisy → clean, x + 0.2·N(0, 1) clipped to [0, 1].
pub const S2_4: Preset = Preset {
    id: "s2.4",
    what: "deep AE of S2.3, trained on noisy inputs",
    source: "seed 002",
    model: deep_s2,
    train: || TrainConfig {
        loss: Loss::Bce,
        noise: gaussian(0.2, true),
        ..base()
    },
};

/// S2.5: S2.2's network, its code size swept by the experiment.
pub const S2_5: Preset = Preset {
    id: "s2.5",
    what: "shallow AE of S2.2 (code-size sweep)",
    source: "seed 002",
    model: shallow,
    train: shallow_train,
};

/// S3.1: the conv denoiser with batch norm, code 4; MSE; Adam 1e-3; batch 256; noise
/// x + 0.3·N(0, 1) clamped; 30 epochs.
pub const S3_1: Preset = Preset {
    id: "s3.1",
    what: "conv denoiser with batch norm, code 4",
    source: "seed 003",
    model: || ModelConfig::ConvDenoiser { code: 4 },
    train: || TrainConfig {
        epochs: 30,
        noise: gaussian(0.3, true),
        ..base()
    },
};

/// S4.2: 784→512→256→128→30 and back, ReLU everywhere (the output too); Adam 3e-4; 10 epochs.
pub const S4_2: Preset = Preset {
    id: "s4.2",
    what: "deep AE 784→512→256→128→30, ReLU everywhere",
    source: "seed 004",
    model: || {
        dense(
            784,
            &[(512, Relu), (256, Relu), (128, Relu), (30, Relu)],
            &[(128, Relu), (256, Relu), (784, Relu)],
        )
    },
    train: || TrainConfig {
        optimizer: adam(3e-4),
        ..base()
    },
};

/// S4.3: 784→x→784 ReLU (x = 64 here; the experiment sets 128 and 256); 10 epochs.
pub const S4_3: Preset = Preset {
    id: "s4.3",
    what: "undercomplete AE 784→64→784 ReLU",
    source: "seed 004",
    model: || dense(784, &[(64, Relu)], &[(784, Relu)]),
    train: base,
};

/// S4.6: over-complete 784→1156→784 ReLU with an L1 penalty on the code (λ 4e-6); 5 epochs.
pub const S4_6: Preset = Preset {
    id: "s4.6",
    what: "sparse over-complete AE 784→1156→784 ReLU",
    source: "seed 004",
    model: || dense(784, &[(1156, Relu)], &[(784, Relu)]),
    train: || TrainConfig {
        epochs: 5,
        l1: 4e-6,
        ..base()
    },
};

/// S4.7: 784→256→784 ReLU on x + 0.3·N(0, 1), not clamped; 5 epochs.
pub const S4_7: Preset = Preset {
    id: "s4.7",
    what: "denoising AE 784→256→784 ReLU",
    source: "seed 004",
    model: || dense(784, &[(256, Relu)], &[(784, Relu)]),
    train: || TrainConfig {
        epochs: 5,
        noise: gaussian(0.3, false),
        ..base()
    },
};

/// S4.8: 784→64→8→64→784 ReLU; 10 epochs.
pub const S4_8: Preset = Preset {
    id: "s4.8",
    what: "AE 784→64→8→64→784 ReLU",
    source: "seed 004",
    model: || dense(784, &[(64, Relu), (8, Relu)], &[(64, Relu), (784, Relu)]),
    train: base,
};

fn pooled_train() -> TrainConfig {
    TrainConfig {
        epochs: 5,
        ..base()
    }
}

/// S4.9a: ReLU convolutions with max-pooling, decoded by max-unpooling with the indices.
pub const S4_9A: Preset = Preset {
    id: "s4.9a",
    what: "conv AE, max-unpooling decoder",
    source: "seed 004",
    model: || ModelConfig::ConvPooled {
        decoder: PoolDecoder::Unpool,
    },
    train: pooled_train,
};

/// S4.9b: the same encoder, decoded by stride-2 transposed convolutions.
pub const S4_9B: Preset = Preset {
    id: "s4.9b",
    what: "conv AE, transposed-convolution decoder",
    source: "seed 004",
    model: || ModelConfig::ConvPooled {
        decoder: PoolDecoder::Transposed,
    },
    train: pooled_train,
};

/// S4.9c: the same encoder, decoded by unpooling then stride-1 transposed convolutions.
pub const S4_9C: Preset = Preset {
    id: "s4.9c",
    what: "conv AE, unpooling + transposed-convolution decoder",
    source: "seed 004",
    model: || ModelConfig::ConvPooled {
        decoder: PoolDecoder::UnpoolTransposed,
    },
    train: pooled_train,
};

/// B1.1: Hinton & Salakhutdinov's deep autoencoder (Science 2006) 784-1000-500-250-30 with a
/// linear code and a sigmoid output, trained end to end (no RBM pre-training): ReLU instead of
/// their logistic units, MSE (the SSE the target is stated in), Adam with warm-up and a cosine
/// schedule over 120 epochs, and every training image shifted by up to one pixel each way.
/// Without the shifts the 2.8 M weights overfit the 55,000 images (validation SSE flat from
/// epoch 60 at about 5 while the training SSE keeps falling); with them the test SSE keeps
/// improving to the last epoch.
pub const B1_1: Preset = Preset {
    id: "b1.1",
    what: "deep AE 784-1000-500-250-30 (Hinton & Salakhutdinov 2006), code free",
    source: "beyond the seeds; Science 313:504",
    model: || {
        dense(
            784,
            &[(1000, Relu), (500, Relu), (250, Relu), (30, Linear)],
            &[(250, Relu), (500, Relu), (1000, Relu), (784, Sigmoid)],
        )
    },
    train: || TrainConfig {
        epochs: 120,
        batch_size: 128,
        loss: Loss::Mse,
        augment: Some(crate::augment::Augment::Shift { pixels: 1 }),
        lr_schedule: crate::schedule::LrSchedule::Cosine { min_factor: 0.0 },
        warmup_epochs: 1,
        ..base()
    },
};

/// B1.2: a small U-Net denoiser (16-32-32 channels, skip connections), trained on fresh Gaussian
/// noise σ 0.3 (clamped) every batch for 20 epochs (about 14 minutes on 2 cores) with the PSNR
/// loss (each image's PSNR, averaged: the metric it is scored by; in PyTorch, 3 epochs gave
/// 24.43 dB against 24.27 with MSE), Adam 2e-3, cosine schedule; the strong counterpart of S3.1
/// for `ae denoise --model b1.2`.
pub const B1_2: Preset = Preset {
    id: "b1.2",
    what: "U-Net denoiser 16-32-32 channels with skip connections",
    source: "beyond the seeds; Ronneberger et al. 2015",
    model: || ModelConfig::UNet { channels: 16 },
    train: || TrainConfig {
        epochs: 20,
        batch_size: 64,
        optimizer: adam(2e-3),
        loss: Loss::Psnr,
        noise: gaussian(0.3, true),
        lr_schedule: crate::schedule::LrSchedule::Cosine { min_factor: 0.0 },
        ..base()
    },
};

/// B1.3a: the dense VAE of PyTorch's examples (784-400-20, ReLU, sigmoid output), loss = BCE summed
/// over pixels + KL, 10 epochs as there; the latent size is free. Their Adam 1e-3 at batch 128
/// gives 105.7 nats here, as theirs prints; batch 32 and Adam 2e-3 with a cosine schedule
/// (102.7–103.0 over seeds 0–2, trained on all 60,000 images as they do) is the preset.
pub const B1_3A: Preset = Preset {
    id: "b1.3a",
    what: "dense VAE 784-400-20 (PyTorch examples), code free",
    source: "beyond the seeds; Kingma & Welling 2014, pytorch/examples vae",
    model: || ModelConfig::DenseVae {
        input: 784,
        hidden: vec![400],
        latent: 20,
    },
    train: || TrainConfig {
        epochs: 10,
        batch_size: 32,
        optimizer: adam(2e-3),
        loss: Loss::BceSum,
        lr_schedule: crate::schedule::LrSchedule::Cosine { min_factor: 0.0 },
        ..base()
    },
};

/// B1.3b: a convolutional VAE (32-64 channels, 256 hidden, 32 latent), BCE summed + KL, Adam 1e-3
/// with a cosine schedule, batch 128, 30 epochs.
pub const B1_3B: Preset = Preset {
    id: "b1.3b",
    what: "conv VAE 32-64 channels, latent 32, code free",
    source: "beyond the seeds",
    model: || ModelConfig::ConvVae { latent: 32 },
    train: || TrainConfig {
        epochs: 30,
        batch_size: 128,
        loss: Loss::BceSum,
        lr_schedule: crate::schedule::LrSchedule::Cosine { min_factor: 0.0 },
        ..base()
    },
};

/// B2.1: the clustering autoencoder of N2D (McConville et al. 2020) and DEC: 784-500-500-2000-10,
/// ReLU, linear code and output, MSE, Adam 1e-3, batch 256, as they train it; here with a cosine
/// schedule and every image shifted by up to two pixels (DEC-DA's lesson: codes that ignore small
/// moves cluster better), and 60 epochs where N2D runs 1,000 (the time limit of `ae cluster`).
/// Its 10-d codes feed UMAP and a Gaussian mixture in `ae cluster`.
pub const B2_1: Preset = Preset {
    id: "b2.1",
    what: "clustering AE 784-500-500-2000-10 (N2D, DEC), code free",
    source: "beyond the seeds; McConville et al. 2020, Xie et al. 2016",
    model: || {
        dense(
            784,
            &[(500, Relu), (500, Relu), (2000, Relu), (10, Linear)],
            &[(2000, Relu), (500, Relu), (500, Relu), (784, Linear)],
        )
    },
    train: || TrainConfig {
        epochs: 60,
        batch_size: 256,
        loss: Loss::Mse,
        augment: Some(crate::augment::Augment::Shift { pixels: 2 }),
        lr_schedule: crate::schedule::LrSchedule::Cosine { min_factor: 0.0 },
        warmup_epochs: 1,
        ..base()
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_round_trips_through_json() {
        for p in ALL {
            let c = p.model();
            c.validate().unwrap();
            p.train().validate().unwrap();
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(
                serde_json::from_str::<ModelConfig>(&json).unwrap(),
                c,
                "{}",
                p.id
            );
        }
        let ids: std::collections::HashSet<&str> = ALL.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), ALL.len(), "duplicate preset id");
    }

    #[test]
    fn lookup_ignores_case_and_names_the_known_ones() {
        let s31 = Preset::get("S3.1").unwrap().train();
        assert_eq!((s31.epochs, s31.batch_size), (30, 256));
        assert_eq!(
            s31.noise,
            Some(Noise::Gaussian {
                std: 0.3,
                clamp: true
            })
        );
        let e = Preset::get("s9.9").unwrap_err().to_string();
        assert!(
            e.contains("preset") && e.contains("s9.9") && e.contains("s3.1"),
            "{e}"
        );
    }

    #[test]
    fn code_sizes_are_checked() {
        let e = S3_1.model_with_code(Some(0)).unwrap_err().to_string();
        assert!(e.contains("code_size"), "{e}");
        let e = S1_8.model_with_code(Some(8)).unwrap_err().to_string();
        assert!(e.contains("fixed"), "{e}");
        assert_eq!(S2_5.model_with_code(Some(5)).unwrap().code_shape(), vec![5]);
    }
}
