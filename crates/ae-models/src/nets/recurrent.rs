//! S1.9, the lecture's recurrent autoencoder (Géron's `recurrent_ae`): each image read as a
//! sequence of its 28 rows; an LSTM of 100 units over the rows, then an LSTM of `code` units
//! whose last output is the code; the code repeated 28 times, an LSTM of 100 units, and one dense
//! sigmoid layer applied to each step's output gives each row back.
//!
//! Weights and biases are initialised as PyTorch's `nn.LSTM` (uniform in ±1/√hidden, two bias
//! vectors per layer), so the parameter count is PyTorch's: 4·h·(in + h) + 8·h per layer
//! (Keras counts one bias vector, 4·h less).

use tch::nn::{self, Module, RNN};
use tch::Tensor;

use super::{linear, Autoencoder, Forward};
use crate::Result;

/// The image side: rows per image and pixels per row.
const SIDE: i64 = 28;

fn lstm(p: nn::Path, input: i64, hidden: i64) -> nn::LSTM {
    let b = 1.0 / (hidden as f64).sqrt();
    let uniform = nn::Init::Uniform { lo: -b, up: b };
    nn::lstm(
        p,
        input,
        hidden,
        nn::RNNConfig {
            batch_first: true,
            w_ih_init: uniform,
            w_hh_init: uniform,
            b_ih_init: Some(uniform),
            b_hh_init: Some(uniform),
            ..Default::default()
        },
    )
}

/// The recurrent autoencoder.
#[derive(Debug)]
pub struct RecurrentAe {
    enc: [nn::LSTM; 2],
    dec: nn::LSTM,
    rows: nn::Linear,
    pub(crate) params: usize,
    name: String,
}

impl RecurrentAe {
    /// Builds the layers under `p`: LSTMs of `hidden` units around a code of `code` units.
    pub fn new(p: &nn::Path, hidden: i64, code: i64) -> RecurrentAe {
        RecurrentAe {
            enc: [
                lstm(p / "enc0", SIDE, hidden),
                lstm(p / "enc1", hidden, code),
            ],
            dec: lstm(p / "dec0", code, hidden),
            rows: linear(p / "rows", hidden, SIDE),
            params: 0,
            name: format!("recurrent AE, LSTM {hidden}→{code}, repeat 28, LSTM {hidden}→28"),
        }
    }
}

impl Autoencoder for RecurrentAe {
    fn name(&self) -> &str {
        &self.name
    }
    fn parameter_count(&self) -> usize {
        self.params
    }
    fn encode(&self, x: &Tensor, _train: bool) -> Tensor {
        let rows = x.reshape([-1, SIDE, SIDE]);
        let (h, _) = self.enc[0].seq(&rows);
        let (_, state) = self.enc[1].seq(&h);
        // The last step's output of the single-layer LSTM: [1, batch, code] → [batch, code].
        state.h().squeeze_dim(0)
    }
    fn decode(&self, code: &Tensor, _train: bool) -> Result<Tensor> {
        let n = code.size()[0];
        let repeated = code.unsqueeze(1).expand([n, SIDE, -1], false).contiguous();
        let (h, _) = self.dec.seq(&repeated);
        Ok(self.rows.forward(&h).sigmoid().view([n, 1, SIDE, SIDE]))
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        let code = self.encode(x, train);
        let output = self
            .decode(&code, train)
            .expect("this decoder never fails")
            .view(x.size().as_slice());
        Forward {
            code,
            output,
            kl: None,
        }
    }
}
