//! Adam and SGD with momentum, written over the model's tensors so that their state can be
//! checkpointed (tch's optimisers keep theirs inside libtorch, out of reach).
//!
//! The update rules are PyTorch's (`torch.optim.Adam` with L2 weight decay, `torch.optim.SGD`
//! with momentum and no dampening), so a run matches the seeds' PyTorch code step for step.

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::{Error, Result};

/// Which optimiser, with its hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum OptimizerConfig {
    /// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8), as `torch.optim.Adam`.
    Adam {
        /// Learning rate.
        lr: f64,
        /// L2 penalty added to the gradient.
        weight_decay: f64,
    },
    /// Adam with decoupled weight decay (Loshchilov & Hutter 2019), as `torch.optim.AdamW`:
    /// the weights shrink by lr × weight_decay each step, outside the moments.
    AdamW {
        /// Learning rate.
        lr: f64,
        /// Decoupled decay rate (PyTorch's default is 0.01).
        weight_decay: f64,
    },
    /// Stochastic gradient descent, as `torch.optim.SGD` (no dampening, no Nesterov).
    Sgd {
        /// Learning rate.
        lr: f64,
        /// Momentum (0 for plain SGD).
        momentum: f64,
        /// L2 penalty added to the gradient.
        #[serde(default)]
        weight_decay: f64,
    },
}

impl OptimizerConfig {
    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match *self {
            OptimizerConfig::Adam { lr, .. }
            | OptimizerConfig::AdamW { lr, .. }
            | OptimizerConfig::Sgd { lr, .. } => lr,
        }
    }

    /// The weight decay.
    pub fn weight_decay(&self) -> f64 {
        match *self {
            OptimizerConfig::Adam { weight_decay, .. }
            | OptimizerConfig::AdamW { weight_decay, .. }
            | OptimizerConfig::Sgd { weight_decay, .. } => weight_decay,
        }
    }

    /// The same optimiser with another learning rate.
    pub fn with_lr(mut self, rate: f64) -> Self {
        match &mut self {
            OptimizerConfig::Adam { lr, .. }
            | OptimizerConfig::AdamW { lr, .. }
            | OptimizerConfig::Sgd { lr, .. } => *lr = rate,
        }
        self
    }

    /// The same optimiser with another weight decay.
    pub fn with_weight_decay(mut self, decay: f64) -> Self {
        match &mut self {
            OptimizerConfig::Adam { weight_decay, .. }
            | OptimizerConfig::AdamW { weight_decay, .. }
            | OptimizerConfig::Sgd { weight_decay, .. } => *weight_decay = decay,
        }
        self
    }

    /// Another optimiser by name (`adam`, `adamw`, `sgd`), keeping the learning rate and the
    /// weight decay (SGD gets momentum 0.9).
    pub fn with_kind(self, kind: &str) -> Result<Self> {
        let (lr, weight_decay) = (self.lr(), self.weight_decay());
        Ok(match kind {
            "adam" => OptimizerConfig::Adam { lr, weight_decay },
            "adamw" => OptimizerConfig::AdamW { lr, weight_decay },
            "sgd" => OptimizerConfig::Sgd {
                lr,
                momentum: 0.9,
                weight_decay,
            },
            other => {
                return Err(Error::invalid(
                    "optimizer",
                    format!("unknown optimiser '{other}'; use adam, adamw or sgd"),
                ))
            }
        })
    }

    /// Checks that the rates are finite and in range.
    pub fn validate(&self) -> Result<()> {
        let lr = self.lr();
        if !(lr.is_finite() && lr > 0.0) {
            return Err(Error::invalid("lr", format!("must be > 0, not {lr}")));
        }
        let weight_decay = self.weight_decay();
        if !(weight_decay.is_finite() && weight_decay >= 0.0) {
            return Err(Error::invalid(
                "weight_decay",
                format!("{weight_decay} must be ≥ 0"),
            ));
        }
        match *self {
            OptimizerConfig::Sgd { momentum, .. } if !(0.0..1.0).contains(&momentum) => Err(
                Error::invalid("momentum", format!("{momentum} must be in [0, 1)")),
            ),
            _ => Ok(()),
        }
    }
}

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

/// An optimiser bound to a model's parameters, with its state.
pub struct Optimizer {
    config: OptimizerConfig,
    params: Vec<(String, Tensor)>,
    /// Adam's first moments, or SGD's momentum buffers.
    first: Vec<Tensor>,
    /// Adam's second moments (empty for SGD).
    second: Vec<Tensor>,
    step: i64,
}

impl Optimizer {
    /// Binds `config` to `params` (name, tensor), with zeroed state.
    pub fn new(config: OptimizerConfig, params: Vec<(String, Tensor)>) -> Result<Optimizer> {
        config.validate()?;
        let zeros = |ps: &[(String, Tensor)]| ps.iter().map(|(_, p)| p.zeros_like()).collect();
        let first = zeros(&params);
        let second = match config {
            OptimizerConfig::Adam { .. } | OptimizerConfig::AdamW { .. } => zeros(&params),
            OptimizerConfig::Sgd { .. } => Vec::new(),
        };
        Ok(Optimizer {
            config,
            params,
            first,
            second,
            step: 0,
        })
    }

    /// The learning rate of the next steps (a schedule moves it; the state is unchanged).
    pub fn set_lr(&mut self, lr: f64) {
        self.config = self.config.with_lr(lr);
    }

    /// Steps taken so far.
    pub fn steps(&self) -> i64 {
        self.step
    }

    /// Clears the parameters' gradients.
    pub fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    /// One update from the current gradients.
    pub fn step(&mut self) {
        let _guard = tch::no_grad_guard();
        self.step += 1;
        match self.config {
            OptimizerConfig::Adam { lr, weight_decay } => self.adam(lr, weight_decay, 0.0),
            OptimizerConfig::AdamW { lr, weight_decay } => self.adam(lr, 0.0, weight_decay),
            OptimizerConfig::Sgd {
                lr,
                momentum,
                weight_decay,
            } => {
                for (i, (_, p)) in self.params.iter_mut().enumerate() {
                    let g = p.grad();
                    if !g.defined() {
                        continue;
                    }
                    let g = if weight_decay != 0.0 {
                        g + &*p * weight_decay
                    } else {
                        g
                    };
                    let update = if momentum > 0.0 {
                        let buf = &mut self.first[i];
                        if self.step == 1 {
                            buf.copy_(&g);
                        } else {
                            let _ = buf.g_mul_scalar_(momentum);
                            let _ = buf.g_add_(&g);
                        }
                        buf.shallow_clone()
                    } else {
                        g
                    };
                    let _ = p.g_add_(&(update * -lr));
                }
            }
        }
    }

    /// One Adam step with an L2 penalty on the gradient (`l2`) and a decoupled decay
    /// (`decoupled`, AdamW's).
    fn adam(&mut self, lr: f64, l2: f64, decoupled: f64) {
        let t = self.step as i32;
        let bc1 = 1.0 - BETA1.powi(t);
        let bc2_sqrt = (1.0 - BETA2.powi(t)).sqrt();
        let step_size = lr / bc1;
        for (i, (_, p)) in self.params.iter_mut().enumerate() {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            if decoupled != 0.0 {
                let _ = p.g_mul_scalar_(1.0 - lr * decoupled);
            }
            let g = if l2 != 0.0 { g + &*p * l2 } else { g };
            let m = &mut self.first[i];
            let _ = m.lerp_(&g, 1.0 - BETA1);
            let v = &mut self.second[i];
            let _ = v.g_mul_scalar_(BETA2);
            let _ = v.addcmul_(&(&g * (1.0 - BETA2)), &g);
            let denom = v.sqrt() / bc2_sqrt + EPS;
            let _ = p.addcdiv_(&(&*m * -step_size), &denom);
        }
    }

    /// The state as named tensors (for a safetensors file) and the step count.
    pub fn state(&self) -> (Vec<(String, Tensor)>, i64) {
        let mut out = Vec::new();
        for (i, (name, _)) in self.params.iter().enumerate() {
            out.push((format!("first.{name}"), self.first[i].shallow_clone()));
            if let Some(s) = self.second.get(i) {
                out.push((format!("second.{name}"), s.shallow_clone()));
            }
        }
        (out, self.step)
    }

    /// Restores a state written by [`Optimizer::state`].
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], step: i64) -> Result<()> {
        let find = |key: &str| -> Result<&Tensor> {
            tensors
                .iter()
                .find(|(n, _)| n == key)
                .map(|(_, t)| t)
                .ok_or_else(|| Error::invalid("optimizer state", format!("lacks {key}")))
        };
        let check = |key: &str, into: &Tensor| -> Result<Tensor> {
            let t = find(key)?;
            if t.size() != into.size() || t.kind() != into.kind() {
                return Err(Error::invalid(
                    "optimizer state",
                    format!(
                        "{key} is {:?} {:?}, the model needs {:?} {:?}",
                        t.kind(),
                        t.size(),
                        into.kind(),
                        into.size()
                    ),
                ));
            }
            Ok(t.shallow_clone())
        };
        let _guard = tch::no_grad_guard();
        for (i, (name, _)) in self.params.iter().enumerate() {
            let first = check(&format!("first.{name}"), &self.first[i])?;
            self.first[i].f_copy_(&first)?;
            if let Some(s) = self.second.get_mut(i) {
                let second = check(&format!("second.{name}"), s)?;
                s.f_copy_(&second)?;
            }
        }
        self.step = step;
        Ok(())
    }
}
