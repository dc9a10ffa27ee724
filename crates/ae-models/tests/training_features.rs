//! The trainer's longer-run features: learning-rate schedules with warm-up, early stopping,
//! keeping the best-by-validation weights, AdamW; and resume staying exact with all of them on.

use std::sync::atomic::{AtomicBool, Ordering};

use ae_models::{
    images_tensor, Error, Event, History, Loss, LrSchedule, Model, OptimizerConfig, TrainConfig,
    Trainer,
};
use tch::{Device, Kind, Tensor};

/// Noisy synthetic "images": bars at random places plus speckle, so that a validation set of
/// other draws can be over-fitted.
fn images(n: usize, seed: u64) -> Tensor {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let a = ndarray::Array2::from_shape_fn((n, 784), |_| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    });
    let bars = ndarray::Array2::from_shape_fn((n, 784), |(i, p)| {
        let (r, c) = ((p / 28) as f32, (p % 28) as f32);
        let centre = 4.0 + ((i * 7 + seed as usize) % 20) as f32;
        (-((if i % 2 == 0 { r } else { c }) - centre).powi(2) / 6.0).exp()
    });
    let x = (bars * 0.7 + a * 0.3).mapv(|v| v.clamp(0.0, 1.0));
    images_tensor(&x, &[784], Device::Cpu).unwrap()
}

fn config(epochs: usize, lr: f64) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 16,
        drop_remainder: false,
        optimizer: OptimizerConfig::AdamW {
            lr,
            weight_decay: 0.01,
        },
        loss: Loss::Mse,
        l1: 0.0,
        noise: None,
        seed: 11,
        augment: None,
        beta: 1.0,
        lr_schedule: LrSchedule::None,
        warmup_epochs: 0,
        patience: None,
        keep_best: false,
        precision: ae_models::Precision::Fp32,
    }
}

fn model(seed: u64) -> Model {
    Model::seeded(&ae_models::presets::S2_3.model(), Device::Cpu, seed).unwrap()
}

fn fit(c: &TrainConfig, m: &mut Model, train: &Tensor, val: &Tensor) -> History {
    Trainer::new(c.clone())
        .unwrap()
        .fit(m, train, Some(val), false, &mut |_| {})
        .unwrap()
}

#[test]
fn each_epoch_runs_at_the_scheduled_rate() {
    let _rng = ae_models::seed::hold();
    let (train, val) = (images(64, 1), images(32, 2));
    // 4 batches per epoch. Step: halved every 2 epochs.
    let mut c = config(5, 1e-3);
    c.lr_schedule = LrSchedule::Step {
        every: 2,
        gamma: 0.5,
    };
    let h = fit(&c, &mut model(0), &train, &val);
    let lrs: Vec<f64> = h.epochs.iter().map(|e| e.lr).collect();
    assert_eq!(lrs, [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]);
    // Cosine to 0 after a 1-epoch warm-up: the warm-up's last step is at the base rate, the
    // cosine spans steps 4..=19, so epoch 3 ends on step 11: ½(1 + cos(π·7/15)).
    c.lr_schedule = LrSchedule::Cosine { min_factor: 0.0 };
    c.warmup_epochs = 1;
    let h = fit(&c, &mut model(0), &train, &val);
    let expect = 1e-3 * 0.5 * (1.0 + (std::f64::consts::PI * 7.0 / 15.0).cos());
    assert_eq!(h.epochs[0].lr, 1e-3);
    assert!(
        (h.epochs[2].lr - expect).abs() < 1e-15,
        "{}",
        h.epochs[2].lr
    );
    assert!(h.epochs[4].lr.abs() < 1e-15);
}

#[test]
fn early_stopping_ends_patience_epochs_after_the_best_and_keeps_its_weights() {
    let _rng = ae_models::seed::hold();
    // A rate high enough that the validation loss stops improving and wanders.
    let (train, val) = (images(48, 3), images(48, 4));
    // Epochs to spare: where the loss starts to wander depends on the CPU's kernels.
    let mut c = config(200, 2e-2);
    c.patience = Some(3);
    c.keep_best = true;
    let mut m = model(1);
    let h = fit(&c, &mut m, &train, &val);
    let best = h.best_epoch().unwrap();
    assert_eq!(h.stopped_early, Some(best + 3), "{h:?}");
    assert_eq!(h.epochs.len(), best + 3);
    // The model left is the best epoch's: its validation loss is that epoch's, to the bit.
    let trainer = Trainer::new(c.clone()).unwrap();
    let now = trainer.loss_on(&m, &val).unwrap();
    assert_eq!(Some(now), h.epochs[best - 1].val_loss);
    let last = h.epochs.last().unwrap().val_loss.unwrap();
    assert!(
        last > now,
        "the last epoch ({last}) should be worse than the best ({now})"
    );
}

#[test]
fn watching_the_validation_loss_needs_a_validation_set() {
    let mut c = config(2, 1e-3);
    c.patience = Some(2);
    let err = Trainer::new(c)
        .unwrap()
        .fit(&mut model(0), &images(8, 1), None, false, &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("patience"), "{err}");
}

#[test]
fn a_resumed_run_with_schedule_shifts_and_early_stopping_equals_an_uninterrupted_one() {
    let _rng = ae_models::seed::hold();
    let (train, val) = (images(64, 5), images(32, 6));
    let mut c = config(6, 4e-3);
    c.augment = Some(ae_models::augment::Augment::Shift { pixels: 2 });
    c.lr_schedule = LrSchedule::Cosine { min_factor: 0.05 };
    c.warmup_epochs = 1;
    c.patience = Some(2);
    c.keep_best = true;
    let mut whole_model = model(2);
    let whole = fit(&c, &mut whole_model, &train, &val);

    let dir = tempfile::tempdir().unwrap();
    let stop = AtomicBool::new(false);
    let mut batches = 0;
    let err = Trainer::new(c.clone())
        .unwrap()
        .checkpoint_to(dir.path().join("checkpoint"))
        .stop_when(&stop)
        .fit(&mut model(2), &train, Some(&val), true, &mut |e| {
            if let Event::Batch { .. } = e {
                batches += 1;
                if batches == 10 {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Interrupted(_)), "{err}");
    let mut resumed_model = model(77);
    let resumed = Trainer::new(c.clone())
        .unwrap()
        .checkpoint_to(dir.path().join("checkpoint"))
        .fit(&mut resumed_model, &train, Some(&val), true, &mut |_| {})
        .unwrap();
    assert_eq!(resumed.batch_losses, whole.batch_losses);
    assert_eq!(resumed.stopped_early, whole.stopped_early);
    let summary = |h: &History| -> Vec<(f64, Option<f64>, f64)> {
        h.epochs
            .iter()
            .map(|e| (e.train_loss, e.val_loss, e.lr))
            .collect()
    };
    assert_eq!(summary(&resumed), summary(&whole));
    for ((name, a), (_, b)) in whole_model.snapshot().iter().zip(resumed_model.snapshot()) {
        assert!(a.equal(&b), "{name} differs");
    }
    // A cosine schedule is laid over the run's length: resuming with more epochs is refused.
    let mut longer = c;
    longer.epochs = 8;
    let err = Trainer::new(longer)
        .unwrap()
        .checkpoint_to(dir.path().join("checkpoint"))
        .fit(&mut model(2), &train, Some(&val), true, &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("cosine"), "{err}");
}

#[test]
fn adamw_decays_the_weights_outside_the_moments() {
    // One step from p = 2 with gradient 3: Adam's first step moves by lr·g/(|g| + ε); AdamW
    // first shrinks p by lr·wd.
    let p = Tensor::from_slice(&[2.0f32]).set_requires_grad(true);
    let mut opt = ae_models::Optimizer::new(
        OptimizerConfig::AdamW {
            lr: 0.1,
            weight_decay: 0.5,
        },
        vec![("p".into(), p.shallow_clone())],
    )
    .unwrap();
    (&p * 3.0).sum(Kind::Float).backward();
    opt.step();
    let want = 2.0 * (1.0 - 0.1 * 0.5) - 0.1 * 3.0 / (3.0 + 1e-8);
    assert!(
        (p.double_value(&[0]) - want).abs() < 1e-6,
        "{}",
        p.double_value(&[0])
    );
}
