//! A small convolutional classifier (LeNet-like: 32 and 64 channels of 3 × 3, a 128-unit dense
//! layer), trained with cross-entropy on given labels, with optional random shifts.
//!
//! `ae cluster` uses it for self-labelling: trained on the cluster assignments the clustering is
//! most sure of, it assigns every image again from what it learnt of the images themselves
//! (SCAN's self-labelling step, Van Gansbeke et al. 2020). Labels here are cluster ids, never the
//! data set's labels.

use std::time::Instant;

use tch::nn::{self, Module, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::augment::Augment;
use crate::seed::seeded;
use crate::{Error, Result};

/// How to train the classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifierConfig {
    /// Classes (outputs).
    pub classes: usize,
    /// Passes over the labelled images.
    pub epochs: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Augmentation of every training batch.
    pub augment: Option<Augment>,
    /// Seed of the initialisation and the shuffles.
    pub seed: u64,
}

impl ClassifierConfig {
    /// Checks every field, naming the parameter at fault.
    pub fn validate(&self) -> Result<()> {
        if self.classes < 2 {
            return Err(Error::invalid("classes", "must be at least 2"));
        }
        if self.epochs == 0 {
            return Err(Error::invalid("epochs", "must be ≥ 1"));
        }
        if self.batch_size == 0 {
            return Err(Error::invalid("batch_size", "must be ≥ 1"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(Error::invalid("lr", "must be a positive number"));
        }
        if let Some(a) = &self.augment {
            a.validate()?;
        }
        Ok(())
    }
}

/// One epoch's mean training loss and wall time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierEpoch {
    /// 1-based.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's batches.
    pub loss: f64,
    /// Seconds.
    pub seconds: f64,
}

/// The network and its weights.
pub struct Classifier {
    vs: nn::VarStore,
    net: nn::Sequential,
    classes: usize,
}

impl Classifier {
    /// A freshly initialised classifier of 28 × 28 grey images (seeded by `seed`).
    pub fn new(classes: usize, seed: u64, device: Device) -> Classifier {
        let _rng = seeded(seed as i64);
        let vs = nn::VarStore::new(device);
        let p = vs.root();
        let conv = |c| nn::ConvConfig { padding: 1, ..c };
        let net = nn::seq()
            .add_fn(|x| x.view([-1, 1, 28, 28]))
            .add(nn::conv2d(&p / "c1", 1, 32, 3, conv(Default::default())))
            .add_fn(|x| x.relu().max_pool2d_default(2))
            .add(nn::conv2d(&p / "c2", 32, 64, 3, conv(Default::default())))
            .add_fn(|x| x.relu().max_pool2d_default(2).flatten(1, -1))
            .add(nn::linear(&p / "f1", 64 * 7 * 7, 128, Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(
                &p / "f2",
                128,
                classes as i64,
                Default::default(),
            ));
        Classifier { vs, net, classes }
    }

    /// Trains on images `x` (`[n, 784]` in [0, 1]) with class ids `y` (`[n]`, int64).
    pub fn fit(
        &mut self,
        x: &Tensor,
        y: &Tensor,
        config: &ClassifierConfig,
        on_epoch: &mut dyn FnMut(ClassifierEpoch),
    ) -> Result<()> {
        config.validate()?;
        if config.classes != self.classes {
            return Err(Error::invalid(
                "classes",
                format!("{} for a classifier of {}", config.classes, self.classes),
            ));
        }
        let n = x.size()[0];
        if n == 0 || y.size() != [n] {
            return Err(Error::invalid(
                "labels",
                format!("{} labels for {n} images", y.size().first().unwrap_or(&0)),
            ));
        }
        // Held for the whole training: its shuffles and shifts draw from this one stream.
        let _rng = seeded(config.seed as i64 + 1);
        let mut opt = nn::Adam::default().build(&self.vs, config.lr)?;
        let device = self.vs.device();
        let batch = config.batch_size as i64;
        for epoch in 1..=config.epochs {
            let start = Instant::now();
            let order = Tensor::randperm(n, (Kind::Int64, device));
            let (mut total, mut batches) = (0.0, 0);
            for from in (0..n).step_by(batch as usize) {
                let idx = order.narrow(0, from, batch.min(n - from));
                let mut xb = x.index_select(0, &idx);
                if let Some(a) = &config.augment {
                    xb = a.apply(&xb)?;
                }
                let yb = y.index_select(0, &idx);
                let loss = self.net.forward(&xb).cross_entropy_for_logits(&yb);
                opt.backward_step(&loss);
                total += loss.double_value(&[]);
                batches += 1;
            }
            let loss = total / f64::from(batches.max(1));
            if !loss.is_finite() {
                return Err(Error::invalid(
                    "lr",
                    format!("the classifier's loss became {loss} in epoch {epoch}"),
                ));
            }
            on_epoch(ClassifierEpoch {
                epoch,
                loss,
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        Ok(())
    }

    /// Class probabilities (`[n, classes]`) of images `x` (`[n, 784]`), in batches of 1,000.
    pub fn predict_proba(&self, x: &Tensor) -> Tensor {
        let _guard = tch::no_grad_guard();
        let n = x.size()[0];
        let parts: Vec<Tensor> = (0..n)
            .step_by(1000)
            .map(|from| {
                self.net
                    .forward_t(&x.narrow(0, from, 1000.min(n - from)), false)
                    .softmax(-1, Kind::Float)
            })
            .collect();
        Tensor::cat(&parts, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bright left half against bright right half, with noise: any classifier separates them.
    fn halves(n: i64) -> (Tensor, Tensor) {
        let _rng = seeded(3);
        let y = Tensor::arange(n, (Kind::Int64, Device::Cpu)).remainder(2);
        let col = Tensor::arange(28, (Kind::Float, Device::Cpu)).view([1, 1, 28]);
        let left = col.lt(14.0).to_kind(Kind::Float).expand([n, 28, 28], false);
        let is_left = y.eq(0).to_kind(Kind::Float).view([n, 1, 1]);
        let x: Tensor = &left * &is_left + (1.0 - &left) * (1.0 - &is_left);
        let noise = Tensor::rand([n, 28, 28], (Kind::Float, Device::Cpu));
        let x = (x * 0.8 + noise * 0.2).view([n, 784]);
        (x, y)
    }

    #[test]
    fn learns_two_obvious_classes_and_the_seed_fixes_it() {
        let (x, y) = halves(200);
        let config = ClassifierConfig {
            classes: 2,
            epochs: 3,
            batch_size: 32,
            lr: 1e-3,
            augment: Some(Augment::Shift { pixels: 1 }),
            seed: 5,
        };
        let mut losses = Vec::new();
        let mut c = Classifier::new(2, 5, Device::Cpu);
        c.fit(&x, &y, &config, &mut |e| losses.push(e.loss))
            .unwrap();
        assert_eq!(losses.len(), 3);
        assert!(losses[2] < losses[0], "{losses:?}");
        let p = c.predict_proba(&x);
        assert_eq!(p.size(), [200, 2]);
        let correct = p
            .argmax(-1, false)
            .eq_tensor(&y)
            .sum(Kind::Int64)
            .int64_value(&[]);
        assert_eq!(correct, 200);
        // Rows are probabilities.
        let sums = p.sum_dim_intlist(-1, false, Kind::Float);
        assert!((sums - 1.0).abs().max().double_value(&[]) < 1e-5);
        let mut again = Classifier::new(2, 5, Device::Cpu);
        again.fit(&x, &y, &config, &mut |_| {}).unwrap();
        assert!(again.predict_proba(&x).equal(&p));
    }

    #[test]
    fn bad_settings_are_named() {
        let (x, y) = halves(10);
        let mut c = Classifier::new(2, 0, Device::Cpu);
        let config = ClassifierConfig {
            classes: 2,
            epochs: 0,
            batch_size: 4,
            lr: 1e-3,
            augment: None,
            seed: 0,
        };
        let e = c.fit(&x, &y, &config, &mut |_| {}).unwrap_err();
        assert_eq!(e.parameter(), Some("epochs"));
        let config = ClassifierConfig {
            epochs: 1,
            ..config
        };
        let e = c
            .fit(&x, &y.narrow(0, 0, 5), &config, &mut |_| {})
            .unwrap_err();
        assert_eq!(e.parameter(), Some("labels"));
    }
}
