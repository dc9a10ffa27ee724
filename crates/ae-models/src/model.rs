//! [`Model`]: a network built from its [`ModelConfig`], with its variables.

use std::path::Path;

use ndarray::Array2;

use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::config::ModelConfig;
use crate::nets::{
    Autoencoder, ConvDenoiser, ConvPooled, ConvPooling, ConvStrided, DenseNet, Forward, UNet,
};
use crate::nets::{ConvVae, DenseVae, RecurrentAe};
use crate::{Error, Result};

/// A built autoencoder: its configuration, variables and network.
pub struct Model {
    config: ModelConfig,
    vs: VarStore,
    net: Box<dyn Autoencoder>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.net.name())
            .field("parameters", &self.net.parameter_count())
            .finish()
    }
}

/// Stores every 4-D variable (the convolutions' kernels) channels-last: the same shape, with
/// the channel varying fastest in memory, as PyTorch's `memory_format=torch.channels_last`.
/// oneDNN then runs the convolutions in NHWC without converting the activations to and from
/// its blocked layout at every layer, and the activations stay channels-last from layer to
/// layer. Measured on S0.1, 2 cores: our trainer 1,320 → 1,420 images/s (PyTorch 2.11 with
/// `model.to(memory_format=torch.channels_last)`: 1,330 → 1,550). Values, file formats and
/// checkpoints are unchanged (files store tensors in their logical order, loading copies into
/// these strides).
fn channels_last(vs: &VarStore) {
    let _guard = tch::no_grad_guard();
    for (_, mut t) in vs.variables() {
        if t.dim() == 4 {
            let nhwc = t.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2]);
            t.set_data(&nhwc);
        }
    }
}

impl Model {
    /// Builds the network of `config` on `device` with initial weights drawn from `seed` alone
    /// (under [`crate::seed::seeded`], so that other threads' draws cannot change them).
    pub fn seeded(config: &ModelConfig, device: Device, seed: u64) -> Result<Model> {
        let _rng = crate::seed::seeded(seed as i64);
        Model::build(config, device)
    }

    /// Builds the network of `config` on `device`, initialised from libtorch's global generator
    /// as it stands: for weights that are loaded next, or under a [`crate::seed::seeded`] guard
    /// ([`Model::seeded`] for a reproducible start).
    pub fn build(config: &ModelConfig, device: Device) -> Result<Model> {
        config.validate()?;
        let vs = VarStore::new(device);
        let root = vs.root();
        let count =
            |vs: &VarStore| -> usize { vs.trainable_variables().iter().map(|t| t.numel()).sum() };
        let net: Box<dyn Autoencoder> = match config {
            ModelConfig::Dense(c) => {
                let mut n = DenseNet::new(&root, c);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::ConvStrided { code } => {
                let mut n = ConvStrided::new(&root, *code as i64);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::ConvPooling => {
                let mut n = ConvPooling::new(&root);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::ConvDenoiser { code } => {
                let mut n = ConvDenoiser::new(&root, *code as i64);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::ConvPooled { decoder } => {
                let mut n = ConvPooled::new(&root, *decoder);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::DenseVae {
                input,
                hidden,
                latent,
            } => {
                let mut n = DenseVae::new(&root, *input as i64, hidden, *latent as i64);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::ConvVae { latent } => {
                let mut n = ConvVae::new(&root, *latent as i64);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::Recurrent { hidden, code } => {
                let mut n = RecurrentAe::new(&root, *hidden as i64, *code as i64);
                n.params = count(&vs);
                Box::new(n)
            }
            ModelConfig::UNet { channels } => {
                let mut n = UNet::new(&root, *channels as i64);
                n.params = count(&vs);
                Box::new(n)
            }
        };
        if device == Device::Cpu {
            channels_last(&vs);
        }
        Ok(Model {
            config: config.clone(),
            vs,
            net,
        })
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// Its variables (weights, biases, batch-norm statistics).
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// The device its variables live on.
    pub fn device(&self) -> Device {
        self.vs.device()
    }

    /// The trainable variables, sorted by name (a stable order for optimiser state).
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut v: Vec<(String, Tensor)> = self
            .vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Writes all variables to a safetensors file, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        // The temporary keeps the `.safetensors` extension (tools pick the format by it).
        let tmp = path.with_extension("partial.safetensors");
        let mut named: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        crate::weights::write_safetensors(&named, &tmp)?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// A copy of every variable (weights and batch-norm statistics), sorted by name: the
    /// best-so-far weights early stopping keeps.
    pub fn snapshot(&self) -> Vec<(String, Tensor)> {
        let _guard = tch::no_grad_guard();
        let mut v: Vec<(String, Tensor)> = self
            .vs
            .variables()
            .into_iter()
            .map(|(name, t)| (name, t.detach().copy()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Puts a [`Model::snapshot`] (or tensors read from a file) back, after checking that it
    /// holds exactly this model's variables with their shapes.
    pub fn restore(&mut self, snapshot: &[(String, Tensor)], source: &Path) -> Result<()> {
        let mut found: Vec<crate::weights::Spec> = snapshot
            .iter()
            .map(|(n, t)| (n.clone(), t.size().iter().map(|&d| d as usize).collect()))
            .collect();
        found.sort();
        crate::weights::compare(&self.variable_specs(), &found, source)?;
        let _guard = tch::no_grad_guard();
        let mut vars = self.vs.variables();
        for (name, t) in snapshot {
            if let Some(v) = vars.get_mut(name) {
                v.f_copy_(t)?;
            }
        }
        Ok(())
    }

    /// The names and shapes of its variables, sorted by name.
    pub fn variable_specs(&self) -> Vec<crate::weights::Spec> {
        let mut specs: Vec<_> = self
            .vs
            .variables()
            .into_iter()
            .map(|(name, t)| (name, t.size().iter().map(|&d| d as usize).collect()))
            .collect();
        specs.sort();
        specs
    }

    /// Reads all variables from a safetensors file written by [`Model::save`], after checking
    /// that it holds exactly this model's variables with their shapes (the error names each
    /// difference).
    pub fn load(&mut self, path: &Path) -> Result<()> {
        if !path.is_file() {
            return Err(Error::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such weights file"),
            ));
        }
        let found = crate::weights::read_file_specs(path)?;
        crate::weights::compare(&self.variable_specs(), &found, path)?;
        self.vs.load(path)?;
        Ok(())
    }

    /// Runs `x` (one example per row, any shape the model accepts after the batch dimension)
    /// through the network in evaluation mode, `batch` rows at a time, without gradients.
    pub fn evaluate(&self, x: &Tensor, batch: i64) -> Forward {
        let _guard = tch::no_grad_guard();
        let n = x.size()[0];
        let (mut codes, mut outputs, mut kls) = (Vec::new(), Vec::new(), Vec::new());
        let mut start = 0;
        while start < n {
            let len = batch.min(n - start);
            let f = self.net.forward(&x.narrow(0, start, len), false);
            codes.push(f.code);
            outputs.push(f.output);
            kls.extend(f.kl);
            start += len;
        }
        if codes.is_empty() {
            let f = self.net.forward(&x.narrow(0, 0, 0), false);
            return f;
        }
        Forward {
            code: Tensor::cat(&codes, 0),
            output: Tensor::cat(&outputs, 0),
            kl: (!kls.is_empty()).then(|| Tensor::cat(&kls, 0)),
        }
    }

    /// The codes of images `rows` (one image per row, its values flattened in the model's input
    /// order), one flattened code per row — Keras' `encoder.predict(x)`. Evaluation mode, no
    /// gradients; a VAE's codes are its posterior means.
    pub fn codes(&self, rows: &Array2<f32>) -> Result<Array2<f32>> {
        self.predict(rows, |f| f.code)
    }

    /// The network's outputs (reconstructions, denoised images) for images `rows`, one flattened
    /// output per row — Keras' `model.predict(x)`. Evaluation mode, no gradients; not clamped. A
    /// VAE's outputs decode one sample of each posterior, drawn from libtorch's generator (under
    /// [`crate::seed::seeded`] for numbers that repeat).
    pub fn outputs(&self, rows: &Array2<f32>) -> Result<Array2<f32>> {
        self.predict(rows, |f| f.output)
    }

    /// `rows` through the network [`PREDICT_BATCH`] at a time, keeping one part of each
    /// forward pass: only one batch of input and output tensors is alive at once, whatever the
    /// number of rows.
    fn predict(&self, rows: &Array2<f32>, keep: fn(Forward) -> Tensor) -> Result<Array2<f32>> {
        let shape = self.config.input_shape();
        let mut parts = Vec::with_capacity(rows.nrows().div_ceil(PREDICT_BATCH).max(1));
        for start in (0..rows.nrows().max(1)).step_by(PREDICT_BATCH) {
            let end = (start + PREDICT_BATCH).min(rows.nrows());
            let batch = rows.slice(ndarray::s![start..end, ..]);
            let x = crate::images_tensor(batch, &shape, self.device())?;
            let forward = {
                let _guard = tch::no_grad_guard();
                self.net.forward(&x, false)
            };
            parts.push(crate::to_array(&keep(forward))?);
        }
        let views: Vec<_> = parts.iter().map(Array2::view).collect();
        ndarray::concatenate(ndarray::Axis(0), &views)
            .map_err(|e| Error::invalid("rows", e.to_string()))
    }
}

/// Images one forward pass of [`Model::codes`] and [`Model::outputs`] takes: 1,000 MNIST images
/// hold 3 MB of input, and the evaluation's numbers do not depend on it (batch norm uses its
/// running statistics).
pub const PREDICT_BATCH: usize = 1000;

impl Autoencoder for Model {
    fn name(&self) -> &str {
        self.net.name()
    }
    fn parameter_count(&self) -> usize {
        self.net.parameter_count()
    }
    fn encode(&self, x: &Tensor, train: bool) -> Tensor {
        self.net.encode(x, train)
    }
    fn decode(&self, code: &Tensor, train: bool) -> Result<Tensor> {
        self.net.decode(code, train)
    }
    fn forward(&self, x: &Tensor, train: bool) -> Forward {
        self.net.forward(x, train)
    }
}
