//! The networks behind [`crate::Autoencoder`], one struct per architecture family.
//!
//! Layers are initialised as PyTorch initialises them (weights and biases uniform in
//! ±1/√fan_in, batch-norm scale 1 and shift 0), so that training matches the seeds' PyTorch code
//! rather than tch's different defaults.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

use crate::config::{Activation, DenseConfig, PoolDecoder};

mod recurrent;
mod unet;
mod vae;
use crate::{Error, Result};
pub use recurrent::RecurrentAe;
pub use unet::UNet;
pub use vae::{kl_to_standard_normal, ConvVae, DenseVae};

/// What a forward pass yields.
#[derive(Debug)]
pub struct Forward {
    /// The encoder's output.
    pub code: Tensor,
    /// The reconstruction, in the input's shape.
    pub output: Tensor,
    /// For a variational autoencoder, each example's KL divergence from the approximate
    /// posterior to the prior N(0, I), in nats (`[batch]`); `None` otherwise.
    pub kl: Option<Tensor>,
}

impl Forward {
    /// The same tensors in FP32 (after a bfloat16 forward pass, so that losses add up in FP32).
    pub fn to_fp32(self) -> Forward {
        let fp32 = |t: Tensor| {
            if t.kind() == tch::Kind::Float {
                t
            } else {
                t.to_kind(tch::Kind::Float)
            }
        };
        Forward {
            code: fp32(self.code),
            output: fp32(self.output),
            kl: self.kl.map(fp32),
        }
    }
}

/// An encoder and a decoder.
pub trait Autoencoder: Send {
    /// A short description (preset id or kind).
    fn name(&self) -> &str;
    /// Number of trainable scalars.
    fn parameter_count(&self) -> usize;
    /// Codes of a batch of inputs. `train` switches batch norm to batch statistics.
    fn encode(&self, x: &Tensor, train: bool) -> Tensor;
    /// Reconstructions from codes. Fails for decoders that need the encoder's pooling indices.
    fn decode(&self, code: &Tensor, train: bool) -> Result<Tensor>;
    /// Code and reconstruction of a batch.
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let code = self.encode(x, train);
        let output = self
            .decode(&code, train)
            .expect("decoders that need pooling indices override forward");
        Forward {
            code,
            output,
            kl: None,
        }
    }
}

fn bound(fan_in: i64) -> nn::Init {
    let b = 1.0 / (fan_in.max(1) as f64).sqrt();
    nn::Init::Uniform { lo: -b, up: b }
}

/// PyTorch's `nn.Linear`.
pub(crate) fn linear(p: nn::Path, i: i64, o: i64) -> nn::Linear {
    nn::linear(
        p,
        i,
        o,
        nn::LinearConfig {
            ws_init: bound(i),
            bs_init: Some(bound(i)),
            bias: true,
        },
    )
}

/// PyTorch's `nn.Conv2d`.
fn conv(p: nn::Path, i: i64, o: i64, k: i64, stride: i64, padding: i64) -> nn::Conv2D {
    nn::conv2d(
        p,
        i,
        o,
        k,
        nn::ConvConfig {
            stride,
            padding,
            ws_init: bound(i * k * k),
            bs_init: bound(i * k * k),
            ..Default::default()
        },
    )
}

/// PyTorch's `nn.ConvTranspose2d` (its fan-in is taken from the weight's second dimension).
fn conv_t(
    p: nn::Path,
    i: i64,
    o: i64,
    k: i64,
    stride: i64,
    padding: i64,
    output_padding: i64,
) -> nn::ConvTranspose2D {
    nn::conv_transpose2d(
        p,
        i,
        o,
        k,
        nn::ConvTransposeConfig {
            stride,
            padding,
            output_padding,
            ws_init: bound(o * k * k),
            bs_init: bound(o * k * k),
            ..Default::default()
        },
    )
}

fn batch_norm(p: nn::Path, c: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        p,
        c,
        nn::BatchNormConfig {
            ws_init: nn::Init::Const(1.0),
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        },
    )
}

/// A fully connected autoencoder; inputs are flattened and outputs take the input's shape.
#[derive(Debug)]
pub struct DenseNet {
    encoder: Vec<(nn::Linear, Activation)>,
    decoder: Vec<(nn::Linear, Activation)>,
    pub(crate) params: usize,
    pub(crate) name: String,
}

impl DenseNet {
    /// Builds the layers under `p`.
    pub fn new(p: &nn::Path, c: &DenseConfig) -> DenseNet {
        let mut width = c.input as i64;
        let mut stack = |layers: &[crate::config::DenseLayer], prefix: &str| {
            layers
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let lin = linear(p / format!("{prefix}{i}"), width, l.size as i64);
                    width = l.size as i64;
                    (lin, l.activation)
                })
                .collect::<Vec<_>>()
        };
        let encoder = stack(&c.encoder, "enc");
        let decoder = stack(&c.decoder, "dec");
        let sizes: Vec<String> = std::iter::once(c.input)
            .chain(c.encoder.iter().chain(&c.decoder).map(|l| l.size))
            .map(|s| s.to_string())
            .collect();
        DenseNet {
            encoder,
            decoder,
            params: 0,
            name: format!("dense {}", sizes.join("→")),
        }
    }
}

impl Autoencoder for DenseNet {
    fn name(&self) -> &str {
        &self.name
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        self.encoder
            .iter()
            .fold(x.flatten(1, -1), |h, (l, a)| a.apply(&l.forward(&h)))
    }
    fn decode(&self, code: &Tensor, _train: bool) -> Result<Tensor> {
        Ok(self
            .decoder
            .iter()
            .fold(code.shallow_clone(), |h, (l, a)| a.apply(&l.forward(&h))))
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let code = self.encode(x, train);
        let output = self
            .decode(&code, train)
            .expect("dense decoders never fail")
            .view(x.size().as_slice());
        Forward {
            code,
            output,
            kl: None,
        }
    }
}

/// S0.1: stride-2 convolutions without padding (28→13→5→1) and transposed ones (1→5→13→28).
#[derive(Debug)]
pub struct ConvStrided {
    enc: [nn::Conv2D; 3],
    dec: [nn::ConvTranspose2D; 3],
    pub(crate) params: usize,
}

impl ConvStrided {
    /// Builds the layers under `p` with `code` channels in the code.
    pub fn new(p: &nn::Path, code: i64) -> Self {
        ConvStrided {
            enc: [
                conv(p / "enc0", 1, 128, 4, 2, 0),
                conv(p / "enc1", 128, 128, 4, 2, 0),
                conv(p / "enc2", 128, code, 4, 2, 0),
            ],
            dec: [
                conv_t(p / "dec0", code, 128, 5, 2, 0, 0),
                conv_t(p / "dec1", 128, 128, 5, 2, 0, 0),
                conv_t(p / "dec2", 128, 1, 4, 2, 0, 0),
            ],
            params: 0,
        }
    }
}

impl Autoencoder for ConvStrided {
    fn name(&self) -> &str {
        "S0.1 conv AE (stride 2)"
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        let h = self.enc[0].forward(x).relu();
        let h = self.enc[1].forward(&h).relu();
        self.enc[2].forward(&h)
    }
    fn decode(&self, code: &Tensor, _train: bool) -> Result<Tensor> {
        let h = self.dec[0].forward(code).relu();
        let h = self.dec[1].forward(&h).relu();
        Ok(self.dec[2].forward(&h).sigmoid())
    }
}

/// S1.8: "same" SELU convolutions each followed by 2 × 2 max-pooling (28→14→7→3), then
/// transposed convolutions (3→7→14→28).
#[derive(Debug)]
pub struct ConvPooling {
    enc: [nn::Conv2D; 3],
    dec: [nn::ConvTranspose2D; 3],
    pub(crate) params: usize,
}

impl ConvPooling {
    /// Builds the layers under `p`.
    pub fn new(p: &nn::Path) -> Self {
        ConvPooling {
            enc: [
                conv(p / "enc0", 1, 16, 3, 1, 1),
                conv(p / "enc1", 16, 32, 3, 1, 1),
                conv(p / "enc2", 32, 64, 3, 1, 1),
            ],
            dec: [
                conv_t(p / "dec0", 64, 32, 3, 2, 0, 0),
                conv_t(p / "dec1", 32, 16, 3, 2, 1, 1),
                conv_t(p / "dec2", 16, 1, 3, 2, 1, 1),
            ],
            params: 0,
        }
    }
}

impl Autoencoder for ConvPooling {
    fn name(&self) -> &str {
        "S1.8 conv AE (max-pooling, SELU)"
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        self.enc.iter().fold(x.shallow_clone(), |h, c| {
            c.forward(&h).selu().max_pool2d_default(2)
        })
    }
    fn decode(&self, code: &Tensor, _train: bool) -> Result<Tensor> {
        let h = self.dec[0].forward(code).selu();
        let h = self.dec[1].forward(&h).selu();
        Ok(self.dec[2].forward(&h).sigmoid())
    }
}

/// S3.1: the convolutional denoiser with batch norm and a dense bottleneck of `code` units.
#[derive(Debug)]
pub struct ConvDenoiser {
    enc_conv: [nn::Conv2D; 3],
    enc_bn: nn::BatchNorm,
    enc_lin: [nn::Linear; 2],
    dec_lin: [nn::Linear; 2],
    dec_conv: [nn::ConvTranspose2D; 3],
    dec_bn: [nn::BatchNorm; 2],
    pub(crate) params: usize,
}

impl ConvDenoiser {
    /// Builds the layers under `p`.
    pub fn new(p: &nn::Path, code: i64) -> Self {
        ConvDenoiser {
            enc_conv: [
                conv(p / "enc_conv0", 1, 8, 3, 2, 1),
                conv(p / "enc_conv1", 8, 16, 3, 2, 1),
                conv(p / "enc_conv2", 16, 32, 3, 2, 0),
            ],
            enc_bn: batch_norm(p / "enc_bn1", 16),
            enc_lin: [
                linear(p / "enc_lin0", 288, 128),
                linear(p / "enc_lin1", 128, code),
            ],
            dec_lin: [
                linear(p / "dec_lin0", code, 128),
                linear(p / "dec_lin1", 128, 288),
            ],
            dec_conv: [
                conv_t(p / "dec_conv0", 32, 16, 3, 2, 0, 0),
                conv_t(p / "dec_conv1", 16, 8, 3, 2, 1, 1),
                conv_t(p / "dec_conv2", 8, 1, 3, 2, 1, 1),
            ],
            dec_bn: [batch_norm(p / "dec_bn0", 16), batch_norm(p / "dec_bn1", 8)],
            params: 0,
        }
    }
}

impl Autoencoder for ConvDenoiser {
    fn name(&self) -> &str {
        "S3.1 conv denoiser (batch norm)"
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, train: bool) -> Tensor {
        let h = self.enc_conv[0].forward(x).relu();
        let h = self
            .enc_bn
            .forward_t(&self.enc_conv[1].forward(&h), train)
            .relu();
        let h = self.enc_conv[2].forward(&h).relu().flatten(1, -1);
        let h = self.enc_lin[0].forward(&h).relu();
        self.enc_lin[1].forward(&h)
    }
    fn decode(&self, code: &Tensor, train: bool) -> Result<Tensor> {
        let h = self.dec_lin[0].forward(code).relu();
        let h = self.dec_lin[1].forward(&h).relu().view([-1, 32, 3, 3]);
        let h = self.dec_bn[0]
            .forward_t(&self.dec_conv[0].forward(&h), train)
            .relu();
        let h = self.dec_bn[1]
            .forward_t(&self.dec_conv[1].forward(&h), train)
            .relu();
        Ok(self.dec_conv[2].forward(&h).sigmoid())
    }
}

/// S4.9: ReLU convolutions, each followed by 2 × 2 max-pooling (28→14→7→3) that keeps its
/// indices, and one of three decoders.
#[derive(Debug)]
pub struct ConvPooled {
    enc: [nn::Conv2D; 3],
    decoder: PoolDecoder,
    unpool_convs: Vec<nn::Conv2D>,
    transposed: Vec<nn::ConvTranspose2D>,
    pub(crate) params: usize,
}

impl ConvPooled {
    /// Builds the layers under `p`.
    pub fn new(p: &nn::Path, decoder: PoolDecoder) -> Self {
        let (unpool_convs, transposed) = match decoder {
            PoolDecoder::Unpool => (
                vec![
                    conv(p / "dec1", 16, 8, 3, 1, 1),
                    conv(p / "dec2", 8, 1, 3, 1, 1),
                ],
                vec![],
            ),
            PoolDecoder::Transposed => (
                vec![],
                vec![
                    conv_t(p / "dec0", 16, 16, 3, 2, 0, 0),
                    conv_t(p / "dec1", 16, 8, 4, 2, 1, 0),
                    conv_t(p / "dec2", 8, 1, 4, 2, 1, 0),
                ],
            ),
            PoolDecoder::UnpoolTransposed => (
                vec![],
                vec![
                    conv_t(p / "dec0", 16, 16, 3, 1, 1, 0),
                    conv_t(p / "dec1", 16, 8, 3, 1, 1, 0),
                    conv_t(p / "dec2", 8, 1, 3, 1, 1, 0),
                ],
            ),
        };
        ConvPooled {
            enc: [
                conv(p / "enc0", 1, 8, 3, 1, 1),
                conv(p / "enc1", 8, 16, 3, 1, 1),
                conv(p / "enc2", 16, 16, 3, 1, 1),
            ],
            decoder,
            unpool_convs,
            transposed,
            params: 0,
        }
    }

    /// The code and the pooling indices of each stage.
    fn encode_with_indices(&self, x: &Tensor) -> (Tensor, Vec<Tensor>) {
        let mut h = x.shallow_clone();
        let mut indices = Vec::with_capacity(3);
        for c in &self.enc {
            let (pooled, idx) =
                c.forward(&h)
                    .relu()
                    .max_pool2d_with_indices([2, 2], [2, 2], [0, 0], [1, 1], false);
            h = pooled;
            indices.push(idx);
        }
        (h, indices)
    }

    fn decode_with_indices(&self, code: &Tensor, idx: &[Tensor]) -> Tensor {
        let unpool = |h: &Tensor, i: usize, size: i64| h.max_unpool2d(&idx[i], [size, size]);
        match self.decoder {
            PoolDecoder::Unpool => {
                let h = unpool(code, 2, 7);
                let h = unpool(&h, 1, 14);
                let h = self.unpool_convs[0].forward(&h).relu();
                let h = unpool(&h, 0, 28);
                self.unpool_convs[1].forward(&h).relu()
            }
            PoolDecoder::UnpoolTransposed => {
                let h = unpool(code, 2, 7);
                let h = self.transposed[0].forward(&h).relu();
                let h = unpool(&h, 1, 14);
                let h = self.transposed[1].forward(&h).relu();
                let h = unpool(&h, 0, 28);
                self.transposed[2].forward(&h).relu()
            }
            PoolDecoder::Transposed => self.transposed_decode(code),
        }
    }

    fn transposed_decode(&self, code: &Tensor) -> Tensor {
        self.transposed
            .iter()
            .fold(code.shallow_clone(), |h, t| t.forward(&h).relu())
    }
}

impl Autoencoder for ConvPooled {
    fn name(&self) -> &str {
        match self.decoder {
            PoolDecoder::Unpool => "S4.9a conv AE (max-unpooling)",
            PoolDecoder::Transposed => "S4.9b conv AE (transposed convolutions)",
            PoolDecoder::UnpoolTransposed => "S4.9c conv AE (unpooling + transposed)",
        }
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        self.encode_with_indices(x).0
    }
    fn decode(&self, code: &Tensor, _train: bool) -> Result<Tensor> {
        match self.decoder {
            PoolDecoder::Transposed => Ok(self.transposed_decode(code)),
            _ => Err(Error::invalid(
                "decode",
                "this decoder unpools with the encoder's pooling indices; decode through forward",
            )),
        }
    }
    fn forward(&self, x: &Tensor, _train: bool) -> Forward {
        let (code, idx) = self.encode_with_indices(x);
        let output = self.decode_with_indices(&code, &idx);
        Forward {
            code,
            output,
            kl: None,
        }
    }
}
