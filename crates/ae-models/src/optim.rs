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

/// The numbers of one Adam step shared by every parameter.
struct AdamStep {
    /// lr / (1 − β₁ᵗ).
    step_size: f64,
    /// √(1 − β₂ᵗ).
    bc2_sqrt: f64,
    /// L2 penalty added to the gradient.
    l2: f64,
    /// Factor of AdamW's decoupled decay (1 for none).
    decay: f64,
}

/// One FP32 parameter's memory as Adam's fused CPU update reads and writes it: the weights,
/// their gradient and the two moments, element i of each being the same weight's.
struct AdamSlices<'a> {
    p: &'a mut [f32],
    g: &'a [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
}

impl<'a> AdamSlices<'a> {
    /// The four buffers of `p`, its gradient `g` and its moments `m`, `v`, or `None` unless all
    /// four are FP32 on the CPU, dense (no gaps, any order of dimensions: channels-last kernels
    /// too) and laid out alike. `None` sends the parameter to the tensor expressions of
    /// [`Optimizer::adam`] (the fallback for other devices and types).
    fn of(p: &'a mut Tensor, g: &'a Tensor, m: &'a mut Tensor, v: &'a mut Tensor) -> Option<Self> {
        if !fused_layout(p, g, m, v) {
            return None;
        }
        let n = p.numel();
        // SAFETY: the four tensors are distinct dense FP32 buffers of n elements on the CPU
        // with the same strides (a parameter, its gradient and two state tensors created by
        // `zeros_like`), borrowed for 'a, and nothing else touches them meanwhile (no_grad; the
        // update's threads get disjoint ranges). `data_ptr` is the element of lowest address,
        // as strides are positive.
        unsafe {
            Some(AdamSlices {
                p: std::slice::from_raw_parts_mut(p.data_ptr() as *mut f32, n),
                g: std::slice::from_raw_parts(g.data_ptr() as *const f32, n),
                m: std::slice::from_raw_parts_mut(m.data_ptr() as *mut f32, n),
                v: std::slice::from_raw_parts_mut(v.data_ptr() as *mut f32, n),
            })
        }
    }

    fn len(&self) -> usize {
        self.p.len()
    }

    fn is_empty(&self) -> bool {
        self.p.is_empty()
    }

    /// The first `k` elements and the rest.
    fn split_at(self, k: usize) -> (Self, Self) {
        let (p0, p1) = self.p.split_at_mut(k);
        let (g0, g1) = self.g.split_at(k);
        let (m0, m1) = self.m.split_at_mut(k);
        let (v0, v1) = self.v.split_at_mut(k);
        (
            AdamSlices {
                p: p0,
                g: g0,
                m: m0,
                v: v0,
            },
            AdamSlices {
                p: p1,
                g: g1,
                m: m1,
                v: v1,
            },
        )
    }

    /// Adam's update in a single pass over the memory, in place: the same arithmetic as the
    /// tensor expressions of [`Optimizer::adam`], in f32 as libtorch does it. libtorch takes
    /// five passes and four temporaries for it (tch exposes neither `_fused_adam_` nor the
    /// `_foreach_` kernels): the deep AE's 2.8 million weights spent 6.6 ms a step there, 40 %
    /// of its step.
    fn update(self, h: &AdamStep) {
        let (w1, b2, w2) = ((1.0 - BETA1) as f32, BETA2 as f32, (1.0 - BETA2) as f32);
        let (step, bc2, eps) = (-h.step_size as f32, h.bc2_sqrt as f32, EPS as f32);
        let (l2, decay) = (h.l2 as f32, h.decay as f32);
        let AdamSlices { p, g, m, v } = self;
        for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
            let mut w = *p;
            if decay != 1.0 {
                w *= decay;
            }
            let g = if l2 != 0.0 { g + w * l2 } else { g };
            // lerp(m, g, 0.1) as libtorch computes it for a weight below ½.
            *m = flush_subnormal(*m + w1 * (g - *m));
            *v = flush_subnormal(*v * b2 + (g * w2) * g);
            let denom = v.sqrt() / bc2 + eps;
            *p = w + (*m * step) / denom;
        }
    }
}

/// Whether `p`, `g`, `m` and `v` are FP32 on the CPU, dense and laid out alike: what
/// [`AdamSlices::of`] takes.
fn fused_layout(p: &Tensor, g: &Tensor, m: &Tensor, v: &Tensor) -> bool {
    use tch::{Device, Kind};
    let (size, stride) = (p.size(), p.stride());
    let fits = |t: &Tensor| {
        t.device() == Device::Cpu
            && t.kind() == Kind::Float
            && t.size() == size
            && t.stride() == stride
    };
    dense(&size, &stride) && fits(p) && fits(g) && fits(m) && fits(v)
}

/// Below this many weights in all, one thread updates them: starting a thread (tens of
/// microseconds) would cost more than it saves.
const PARALLEL_MIN_WEIGHTS: usize = 1 << 18;

/// Updates every parameter in `work` on `threads` threads (the calling one included), each
/// taking an equal share of the weights; a parameter may be cut between two threads. Each
/// element's arithmetic is the same whatever the cut, so the result does not depend on the
/// number of threads. Why threads: the update is a stream through memory on one core
/// otherwise, 2.5 ms of the deep AE's 12.6 ms step on 2 cores, while libtorch's own threads
/// wait.
fn update_all(work: Vec<AdamSlices<'_>>, h: &AdamStep, threads: usize) {
    let total: usize = work.iter().map(AdamSlices::len).sum();
    if threads <= 1 || total < PARALLEL_MIN_WEIGHTS {
        work.into_iter().for_each(|w| w.update(h));
        return;
    }
    // Thread t takes the weights t·share … (t + 1)·share − 1, counted across the slices in
    // order; a slice that straddles a boundary is cut there.
    let share = total.div_ceil(threads);
    let mut shares: Vec<Vec<AdamSlices<'_>>> = (0..threads).map(|_| Vec::new()).collect();
    let mut offset = 0;
    for mut w in work {
        while !w.is_empty() {
            let t = offset / share;
            let take = ((t + 1) * share - offset).min(w.len());
            let (head, tail) = w.split_at(take);
            shares[t].push(head);
            offset += take;
            w = tail;
        }
    }
    std::thread::scope(|scope| {
        let mut shares = shares.into_iter();
        let mine = shares.next();
        for share in shares {
            scope.spawn(move || share.into_iter().for_each(|w| w.update(h)));
        }
        mine.into_iter().flatten().for_each(|w| w.update(h));
    });
}

/// `x`, or 0 where it is subnormal (below `f32::MIN_POSITIVE` in magnitude).
///
/// Why Adam's moments are flushed: a weight whose gradient is always zero (one fed by a pixel
/// that is black in every image, or by a dead ReLU unit) keeps moments that shrink by β₁ and β₂
/// every step and, after some epochs, sit for thousands of steps among the subnormal numbers,
/// where each arithmetic operation on an Intel core takes a microcode assist of about a hundred
/// cycles. Measured on the clustering AE (B2.1, Fashion-MNIST, Intel Xeon): 9,300 images/s in
/// the first two epochs, then 3,400, with 43 % of the time in this loop. A moment below 1.2e-38
/// moves its weight by less than 1e-30 (the denominator is at least ε = 1e-8), so storing it as
/// 0 changes no result that can be seen. Compiled to a compare and a mask: no branch.
#[inline(always)]
fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// Whether a tensor of `size` and `stride` covers its memory exactly once (a permutation of a
/// contiguous layout).
fn dense(size: &[i64], stride: &[i64]) -> bool {
    let mut dims: Vec<(i64, i64)> = stride.iter().copied().zip(size.iter().copied()).collect();
    dims.sort_unstable();
    let mut expected = 1;
    for (stride, size) in dims {
        if size != 1 && stride != expected {
            return false;
        }
        expected *= size;
    }
    true
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
        let h = AdamStep {
            step_size,
            bc2_sqrt,
            l2,
            decay: 1.0 - lr * decoupled,
        };
        let grads: Vec<Tensor> = self.params.iter().map(|(_, p)| p.grad()).collect();
        let mut fused = Vec::with_capacity(grads.len());
        let state = self.first.iter_mut().zip(self.second.iter_mut());
        for (((_, p), g), (m, v)) in self.params.iter_mut().zip(&grads).zip(state) {
            if !g.defined() {
                continue;
            }
            // Checked first: once lent to the slices, the tensors stay lent for the loop.
            if fused_layout(p, g, m, v) {
                fused.extend(AdamSlices::of(p, g, m, v));
                continue;
            }
            if decoupled != 0.0 {
                let _ = p.g_mul_scalar_(h.decay);
            }
            let g = if l2 != 0.0 {
                g + &*p * l2
            } else {
                g.shallow_clone()
            };
            let _ = m.lerp_(&g, 1.0 - BETA1);
            let _ = v.g_mul_scalar_(BETA2);
            let _ = v.addcmul_(&(&g * (1.0 - BETA2)), &g);
            let denom = v.sqrt() / bc2_sqrt + EPS;
            let _ = p.addcdiv_(&(&*m * -step_size), &denom);
        }
        let threads = usize::try_from(tch::get_num_threads()).unwrap_or(1);
        update_all(fused, &h, threads);
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

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// Three copies of the same weights: contiguous and transposed (both dense: the fused
    /// update), and every other column of a wider tensor (libtorch's tensor expressions).
    fn weights() -> (Tensor, Tensor, Tensor) {
        let values: Vec<f32> = (0..35)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
            .collect();
        let base = Tensor::from_slice(&values).reshape([7, 5]);
        let contiguous = base.copy().set_requires_grad(true);
        let transposed = base.tr().contiguous().tr().set_requires_grad(true);
        assert!(!transposed.is_contiguous());
        let wide = Tensor::zeros([7, 10], (Kind::Float, Device::Cpu));
        let mut gapped = wide.slice(1, 0, 10, 2);
        gapped.copy_(&base);
        let gapped = gapped.set_requires_grad(true);
        assert!(!dense(&gapped.size(), &gapped.stride()));
        (contiguous, transposed, gapped)
    }

    /// `steps` steps of `config` on a quadratic loss whose gradient differs per weight.
    fn train(config: OptimizerConfig, w: Tensor, steps: usize) -> Tensor {
        let target = Tensor::arange(35, (Kind::Float, Device::Cpu)).reshape([7, 5]) / 10.0;
        let mut opt = Optimizer::new(config, vec![("w".into(), w.shallow_clone())]).unwrap();
        for _ in 0..steps {
            opt.zero_grad();
            let loss = (&w - &target).pow_tensor_scalar(2).sum(Kind::Float)
                + (&w * 0.3).sin().sum(Kind::Float);
            loss.backward();
            opt.step();
        }
        w.detach()
    }

    #[test]
    fn the_fused_update_matches_libtorchs_arithmetic() {
        for config in [
            OptimizerConfig::Adam {
                lr: 0.01,
                weight_decay: 0.0,
            },
            OptimizerConfig::Adam {
                lr: 0.05,
                weight_decay: 0.1,
            },
            OptimizerConfig::AdamW {
                lr: 0.02,
                weight_decay: 0.5,
            },
        ] {
            let (a, b, c) = weights();
            let (a, b, c) = (
                train(config, a, 20),
                train(config, b, 20),
                train(config, c, 20),
            );
            let moved = (&c - weights().2).abs().max().double_value(&[]);
            assert!(moved > 0.05, "{config:?}: moved {moved}");
            for fused in [a, b] {
                let diff = (&fused - &c).abs().max().double_value(&[]);
                assert!(diff < 1e-6, "{config:?}: the two updates differ by {diff}");
            }
        }
    }

    #[test]
    fn the_fused_update_stores_no_subnormal_moment() {
        // A gradient of 1e-19 gives a second moment of 1e-3 · 1e-38 = 1e-41 (subnormal) at the
        // first step; one of 5e-38 a first moment of 5e-39 (subnormal too). Both are stored as
        // 0; the moments of normal size are kept.
        let w = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).set_requires_grad(true);
        let scale = Tensor::from_slice(&[1e-19f32, 5e-38, 1.0]);
        let config = OptimizerConfig::Adam {
            lr: 0.01,
            weight_decay: 0.0,
        };
        let mut opt = Optimizer::new(config, vec![("w".into(), w.shallow_clone())]).unwrap();
        opt.zero_grad();
        (&w * &scale).sum(Kind::Float).backward();
        opt.step();
        let (state, _) = opt.state();
        let moment = |name: &str| -> Vec<f32> {
            let t = &state.iter().find(|(n, _)| n == name).unwrap().1;
            Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()
        };
        let (first, second) = (moment("first.w"), moment("second.w"));
        assert_eq!(&second[..2], &[0.0, 0.0], "{second:?}");
        assert_eq!(first[1], 0.0, "{first:?}");
        assert!((first[0] - 1e-20).abs() < 1e-26, "{first:?}");
        assert!((first[2] - 0.1).abs() < 1e-7 && (second[2] - 1e-3).abs() < 1e-9);
    }

    #[test]
    fn the_update_on_several_threads_equals_the_update_on_one() {
        // Three parameters, more weights than PARALLEL_MIN_WEIGHTS in all, so that 2, 3 and 4
        // threads cut them at different places (inside the first, the second, or both).
        let sizes = [150_001usize, 170_003, 7];
        // Weights, gradients and first moments in [-1, 1); second moments (salt 3) in [0, 1).
        let value = |i: usize, salt: usize| {
            let u = ((i * 2_654_435_761 + salt * 7_919) % 1_000) as f32 / 1_000.0;
            if salt == 3 {
                u
            } else {
                2.0 * u - 1.0
            }
        };
        let fresh = || -> Vec<[Vec<f32>; 4]> {
            sizes
                .iter()
                .map(|&n| {
                    [0, 1, 2, 3].map(|salt| (0..n).map(|i| value(i, salt)).collect::<Vec<_>>())
                })
                .collect()
        };
        let h = AdamStep {
            step_size: 1e-3,
            bc2_sqrt: 0.5,
            l2: 1e-4,
            decay: 1.0,
        };
        let run = |threads: usize| {
            let mut bufs = fresh();
            let work = bufs
                .iter_mut()
                .map(|[p, g, m, v]| AdamSlices {
                    p,
                    g,
                    m,
                    v: &mut v[..],
                })
                .collect();
            update_all(work, &h, threads);
            bufs
        };
        let (before, one) = (fresh(), run(1));
        for (b, o) in before.iter().zip(&one) {
            // Every weight with a gradient moved: no range was left out.
            let unmoved = b[0]
                .iter()
                .zip(&o[0])
                .zip(&b[1])
                .filter(|((x, y), &g)| x == y && g != 0.0);
            assert_eq!(unmoved.count(), 0);
            assert!(o.iter().flatten().all(|x| x.is_finite()));
        }
        for threads in [2, 3, 4] {
            // Bit for bit (all values finite: checked above).
            assert!(run(threads) == one, "{threads} threads differ from one");
        }
    }

    #[test]
    fn dense_layouts_are_recognised() {
        assert!(dense(&[7, 5], &[5, 1]));
        assert!(dense(&[7, 5], &[1, 7]));
        // Channels-last: [N, C, H, W] stored as N, H, W, C.
        assert!(dense(&[8, 3, 4, 4], &[48, 1, 12, 3]));
        assert!(dense(&[1, 5], &[99, 1]));
        // Every other row of a larger tensor.
        assert!(!dense(&[7, 5], &[10, 1]));
        // A broadcast (stride 0) dimension.
        assert!(!dense(&[7, 5], &[0, 1]));
    }

    #[test]
    fn adams_first_step_moves_each_weight_by_the_rate_against_its_gradient() {
        let (w, _, _) = weights();
        let before = w.detach().copy();
        let lr = 0.01;
        let after = train(
            OptimizerConfig::Adam {
                lr,
                weight_decay: 0.0,
            },
            w,
            1,
        );
        let target = Tensor::arange(35, (Kind::Float, Device::Cpu)).reshape([7, 5]) / 10.0;
        let grad = (&before - &target) * 2.0 + (&before * 0.3).cos() * 0.3;
        let expected = &before - grad.sign() * lr;
        let diff = (&after - &expected).abs().max().double_value(&[]);
        assert!(diff < 1e-6, "{diff}");
    }
}
