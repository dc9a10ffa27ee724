//! A small U-Net (Ronneberger, Fischer & Brox, MICCAI 2015) for denoising 28 × 28 images: two
//! 3 × 3 convolution + batch norm + ReLU blocks at 28, 14 and 7 pixels, max-pooling down,
//! 2 × 2 stride-2 transposed convolutions up, and the encoder's feature maps concatenated to the
//! decoder's at each scale (the skip connections that keep strokes sharp), then a 1 × 1
//! convolution and a sigmoid.

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

use super::{batch_norm, conv, conv_t, Autoencoder, Forward};
use crate::{Error, Result};

/// Two 3 × 3 convolutions, each followed by batch norm and ReLU.
#[derive(Debug)]
struct Block {
    convs: [nn::Conv2D; 2],
    norms: [nn::BatchNorm; 2],
}

impl Block {
    fn new(p: nn::Path, i: i64, o: i64) -> Block {
        Block {
            convs: [
                conv(&p / "conv0", i, o, 3, 1, 1),
                conv(&p / "conv1", o, o, 3, 1, 1),
            ],
            norms: [batch_norm(&p / "bn0", o), batch_norm(&p / "bn1", o)],
        }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let h = self.norms[0]
            .forward_t(&self.convs[0].forward(x), train)
            .relu();
        self.norms[1]
            .forward_t(&self.convs[1].forward(&h), train)
            .relu()
    }
}

/// The U-Net: `c` channels at 28 × 28, 2c at 14 × 14 and at 7 × 7 (the code).
#[derive(Debug)]
pub struct UNet {
    down: [Block; 3],
    up_conv: [nn::ConvTranspose2D; 2],
    up: [Block; 2],
    out: nn::Conv2D,
    pub(crate) params: usize,
    name: String,
}

impl UNet {
    /// Builds the layers under `p` with `c` channels at full resolution.
    pub fn new(p: &nn::Path, c: i64) -> UNet {
        UNet {
            down: [
                Block::new(p / "down0", 1, c),
                Block::new(p / "down1", c, 2 * c),
                Block::new(p / "down2", 2 * c, 2 * c),
            ],
            up_conv: [
                conv_t(p / "upconv1", 2 * c, 2 * c, 2, 2, 0, 0),
                conv_t(p / "upconv0", 2 * c, c, 2, 2, 0, 0),
            ],
            up: [
                Block::new(p / "up1", 4 * c, 2 * c),
                Block::new(p / "up0", 2 * c, c),
            ],
            out: conv(p / "out", c, 1, 1, 1, 0),
            params: 0,
            name: format!("U-Net denoiser ({c}-{}-{} channels)", 2 * c, 2 * c),
        }
    }

    /// The code (the 7 × 7 bottleneck) and the skip connections at 28 and 14 pixels.
    fn encode_with_skips(&self, x: &Tensor, train: bool) -> (Tensor, [Tensor; 2]) {
        let s28 = self.down[0].forward(x, train);
        let s14 = self.down[1].forward(&s28.max_pool2d_default(2), train);
        let code = self.down[2].forward(&s14.max_pool2d_default(2), train);
        (code, [s28, s14])
    }
}

impl Autoencoder for UNet {
    fn name(&self) -> &str {
        &self.name
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, train: bool) -> Tensor {
        self.encode_with_skips(x, train).0
    }
    fn decode(&self, _code: &Tensor, _train: bool) -> Result<Tensor> {
        Err(Error::invalid(
            "decode",
            "a U-Net's decoder needs the encoder's skip connections; decode through forward",
        ))
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let (code, [s28, s14]) = self.encode_with_skips(x, train);
        let h = self.up_conv[0].forward(&code);
        let h = self.up[0].forward(&Tensor::cat(&[h, s14], 1), train);
        let h = self.up_conv[1].forward(&h);
        let h = self.up[1].forward(&Tensor::cat(&[h, s28], 1), train);
        let output = self.out.forward(&h).sigmoid();
        Forward {
            code,
            output,
            kl: None,
        }
    }
}
