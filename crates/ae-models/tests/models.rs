//! Presets' shapes and parameter counts against the architectures' arithmetic; training lowers
//! the loss; a resumed run equals an uninterrupted one; device noise has the right statistics.

use std::sync::atomic::{AtomicBool, Ordering};

use ae_data::Noise;
use ae_models::images_tensor;
use ae_models::presets::ALL as PRESETS;
use ae_models::{Autoencoder, Error, Event, Loss, Model, OptimizerConfig, TrainConfig, Trainer};
use tch::{Device, Kind, Tensor};

fn dense_params(sizes: &[usize]) -> usize {
    sizes.windows(2).map(|w| w[0] * w[1] + w[1]).sum()
}

#[test]
fn every_preset_has_the_architectures_shapes_and_parameter_count() {
    let _rng = ae_models::seed::seeded(0);
    let expected: &[(&str, usize)] = &[
        // Conv 1→128→128→32 (k4) + ConvT 32→128→128 (k5) →1 (k4), with biases.
        ("s0.1", 2176 + 262_272 + 65_568 + 102_528 + 409_728 + 2049),
        ("s1.6", dense_params(&[3, 2, 3])),
        ("s1.7", dense_params(&[784, 100, 30, 100, 784])),
        ("s1.8", 160 + 4640 + 18_496 + 18_464 + 4624 + 145),
        ("s1.11", dense_params(&[784, 256, 128, 256, 784])),
        ("s2.2", dense_params(&[784, 32, 784])),
        ("s2.3", dense_params(&[784, 128, 32, 128, 784])),
        // Encoder 80 + 1168 + BN 32 + 4640 + 36,992 + 516; decoder 640 + 37,152 + 4624 + BN 32
        // + 1160 + BN 16 + 73.
        ("s3.1", 43_428 + 43_697),
        (
            "s4.2",
            dense_params(&[784, 512, 256, 128, 30, 128, 256, 784]),
        ),
        ("s4.3", dense_params(&[784, 64, 784])),
        ("s4.6", dense_params(&[784, 1156, 784])),
        ("s4.7", dense_params(&[784, 256, 784])),
        ("s4.8", dense_params(&[784, 64, 8, 64, 784])),
        ("s4.9a", 3568 + 1160 + 73),
        ("s4.9b", 3568 + 2320 + 2056 + 129),
        ("s4.9c", 3568 + 2320 + 1160 + 73),
        // LSTMs 28→100, 100→30, 30→100 (4·h·(in + h) + 8·h each), dense 100→28.
        ("s1.9", 52_000 + 15_840 + 52_800 + 2828),
        (
            "b1.1",
            dense_params(&[784, 1000, 500, 250, 30, 250, 500, 1000, 784]),
        ),
        // 3 × 3 weights 9·(16 + 30·256), up-convolutions 24·256, 305 biases, 512 batch-norm,
        // 16 output weights.
        ("b1.2", 69_264 + 6144 + 305 + 512 + 16),
        // fc1 784·400 + 400, two heads 2·(400·20 + 20), fc3 20·400 + 400, fc4 400·784 + 784:
        // PyTorch's example VAE.
        ("b1.3a", 314_000 + 16_040 + 8400 + 314_384),
        // Convolutions 544 + 32,832, dense 803,072, heads 2·8224, decoder 8448 + 805,952,
        // transposed 32,800 + 513.
        (
            "b1.3b",
            544 + 32_832 + 803_072 + 16_448 + 8448 + 805_952 + 32_800 + 513,
        ),
    ];
    for preset in PRESETS {
        let id = preset.id;
        let config = preset.model();
        let model = Model::build(&config, Device::Cpu).unwrap();
        let mut shape = vec![3i64];
        shape.extend(config.input_shape());
        let x = Tensor::rand(shape.as_slice(), (Kind::Float, Device::Cpu));
        let f = model.forward(&x, false);
        assert_eq!(f.output.size(), shape, "{id} output shape");
        let mut code = vec![3i64];
        code.extend(config.code_shape());
        assert_eq!(f.code.size(), code, "{id} code shape");
        if let Some((_, want)) = expected.iter().find(|(e, _)| *e == id) {
            assert_eq!(model.parameter_count(), *want, "{id} parameter count");
        }
        if !matches!(
            config,
            ae_models::ModelConfig::ConvStrided { .. }
                | ae_models::ModelConfig::ConvPooling
                | ae_models::ModelConfig::ConvDenoiser { .. }
                | ae_models::ModelConfig::ConvPooled { .. }
        ) {
            assert_eq!(
                config.parameter_estimate(),
                model.parameter_count() as u128,
                "{id}"
            );
        }
    }
    // A code size replaces the bottleneck.
    let m = Model::build(
        &ae_models::presets::S2_5.model_with_code(Some(5)).unwrap(),
        Device::Cpu,
    )
    .unwrap();
    assert_eq!(m.parameter_count(), dense_params(&[784, 5, 784]));
}

/// 128 smooth synthetic 28 × 28 "images": shifted bright bars.
fn toy_images(n: usize) -> ndarray::Array2<f32> {
    ndarray::Array2::from_shape_fn((n, 784), |(i, p)| {
        let (r, c) = ((p / 28) as f32, (p % 28) as f32);
        let centre = 6.0 + (i % 16) as f32;
        let v = (-((if i % 2 == 0 { r } else { c }) - centre).powi(2) / 8.0).exp();
        v.clamp(0.0, 1.0)
    })
}

fn config(noise: Option<Noise>, epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        drop_remainder: false,
        optimizer: OptimizerConfig::Adam {
            lr: 3e-3,
            weight_decay: 0.0,
        },
        loss: Loss::Mse,
        l1: 0.0,
        noise,
        seed: 7,
        augment: None,
        beta: 1.0,
        lr_schedule: Default::default(),
        warmup_epochs: 0,
        patience: None,
        keep_best: false,
        precision: ae_models::Precision::Fp32,
    }
}

#[test]
fn training_lowers_the_loss_for_dense_and_conv_models() {
    let _rng = ae_models::seed::hold();
    for (preset, epochs) in [(ae_models::presets::S2_2, 8), (ae_models::presets::S3_1, 6)] {
        let id = preset.id;
        let model_config = preset.model();
        tch::manual_seed(1);
        let mut model = Model::build(&model_config, Device::Cpu).unwrap();
        let x = images_tensor(&toy_images(128), &model_config.input_shape(), Device::Cpu).unwrap();
        let trainer = Trainer::new(config(Some(Noise::gaussian(0.1).unwrap()), epochs)).unwrap();
        let before = trainer.loss_on(&model, &x).unwrap();
        let history = trainer
            .fit(&mut model, &x, Some(&x), false, &mut |_| {})
            .unwrap();
        let after = history.epochs.last().unwrap().val_loss.unwrap();
        assert_eq!(history.epochs.len(), epochs);
        assert_eq!(history.batch_losses.len(), epochs * 4);
        assert!(after < 0.8 * before, "{id}: loss {before} → {after}");
    }
}

#[test]
fn a_resumed_run_ends_with_the_losses_of_an_uninterrupted_one() {
    let _rng = ae_models::seed::hold();
    let model_config = ae_models::presets::S3_1.model();
    let x = images_tensor(&toy_images(96), &model_config.input_shape(), Device::Cpu).unwrap();
    let noise = Some(Noise::gaussian(0.2).unwrap());
    let dir = tempfile::tempdir().unwrap();

    tch::manual_seed(3);
    let mut model = Model::build(&model_config, Device::Cpu).unwrap();
    let whole = Trainer::new(config(noise, 3))
        .unwrap()
        .fit(&mut model, &x, Some(&x), false, &mut |_| {})
        .unwrap();

    // Interrupted in the middle of epoch 2 (batch 5 of 9), then resumed by a fresh process's
    // worth of objects: a new model with other initial weights, a new trainer.
    let stop = AtomicBool::new(false);
    tch::manual_seed(3);
    let mut first = Model::build(&model_config, Device::Cpu).unwrap();
    let mut batches = 0;
    let err = Trainer::new(config(noise, 3))
        .unwrap()
        .checkpoint_to(dir.path().join("checkpoint"))
        .stop_when(&stop)
        .fit(&mut first, &x, Some(&x), true, &mut |e| {
            if let Event::Batch { .. } = e {
                batches += 1;
                if batches == 5 {
                    stop.store(true, Ordering::SeqCst);
                }
            }
        })
        .unwrap_err();
    assert!(matches!(err, Error::Interrupted(_)), "{err}");
    tch::manual_seed(99);
    let mut second = Model::build(&model_config, Device::Cpu).unwrap();
    let resumed = Trainer::new(config(noise, 3))
        .unwrap()
        .checkpoint_to(dir.path().join("checkpoint"))
        .fit(&mut second, &x, Some(&x), true, &mut |_| {})
        .unwrap();
    assert_eq!(resumed.batch_losses, whole.batch_losses);
    let losses = |h: &ae_models::History| -> Vec<(f64, Option<f64>)> {
        h.epochs
            .iter()
            .map(|e| (e.train_loss, e.val_loss))
            .collect()
    };
    assert_eq!(losses(&resumed), losses(&whole));
}

#[test]
fn device_noise_has_the_models_statistics() {
    let _rng = ae_models::seed::seeded(5);
    let zeros = Tensor::zeros([200, 784], (Kind::Float, Device::Cpu));
    let halves = Tensor::full([200, 784], 0.5, (Kind::Float, Device::Cpu));
    let g = ae_models::noise::corrupt(
        &Noise::Gaussian {
            std: 0.3,
            clamp: false,
        },
        &zeros,
    );
    assert!(g.mean(Kind::Double).double_value(&[]).abs() < 0.003);
    assert!((g.std(true).double_value(&[]) - 0.3).abs() < 0.003);
    let clamped = ae_models::noise::corrupt(&Noise::gaussian(0.3).unwrap(), &zeros);
    assert_eq!(clamped.min().double_value(&[]), 0.0);
    // Salt-and-pepper 0.1 on grey images: ceil(70.56) = 71 salt and ceil(7.84) = 8 pepper
    // draws with replacement per image, so at most 71 ones and 8 zeros, most of them distinct.
    let sp = ae_models::noise::corrupt(&Noise::salt_pepper(0.1).unwrap(), &halves);
    let ones = sp.eq(1.0).sum(Kind::Int64).int64_value(&[]) as f64 / 200.0;
    let zs = sp.eq(0.0).sum(Kind::Int64).int64_value(&[]) as f64 / 200.0;
    assert!((60.0..=71.0).contains(&ones), "{ones}");
    assert!((5.0..=8.0).contains(&zs), "{zs}");
    // Dropout 0.5, scaled: half the pixels zeroed, the rest doubled; the mean is kept.
    let d = ae_models::noise::corrupt(&Noise::dropout(0.5).unwrap(), &halves);
    let zero_share = d
        .eq(0.0)
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[]);
    assert!((zero_share - 0.5).abs() < 0.01, "{zero_share}");
    assert!((d.mean(Kind::Double).double_value(&[]) - 0.5).abs() < 0.01);
}

#[test]
fn bad_training_settings_name_the_parameter() {
    let mut c = config(None, 0);
    assert_eq!(
        Trainer::new(c.clone()).err().unwrap().to_string(),
        "invalid epochs: must be ≥ 1"
    );
    c.epochs = 1;
    c.optimizer = OptimizerConfig::Adam {
        lr: -1.0,
        weight_decay: 0.0,
    };
    assert_eq!(
        Trainer::new(c).err().unwrap().to_string(),
        "invalid lr: must be > 0, not -1"
    );
}

#[test]
fn codes_and_outputs_of_rows_equal_one_forward_pass_over_all_of_them() {
    // 2,345 images: two full batches of PREDICT_BATCH and a part, so a row lost, repeated or
    // put in the wrong place at a batch's edge changes the arrays.
    let n = 2 * ae_models::model::PREDICT_BATCH + 345;
    let mut rows = toy_images(n);
    // toy_images repeats every 16 rows; a distinct first pixel makes each row unique.
    for (i, mut row) in rows.rows_mut().into_iter().enumerate() {
        row[0] = i as f32 / n as f32;
    }
    for preset in [ae_models::presets::S2_3, ae_models::presets::S3_1] {
        let model = Model::seeded(&preset.model(), Device::Cpu, 5).unwrap();
        let x = images_tensor(&rows, &preset.model().input_shape(), Device::Cpu).unwrap();
        let whole = model.evaluate(&x, n as i64);
        let codes = model.codes(&rows).unwrap();
        let outputs = model.outputs(&rows).unwrap();
        assert_eq!(codes.nrows(), n);
        assert_eq!(outputs.dim(), (n, 784));
        let close = |a: &ndarray::Array2<f32>, b: &Tensor| {
            let b = ae_models::to_array(b).unwrap();
            assert_eq!(a.dim(), b.dim());
            a.iter()
                .zip(&b)
                .all(|(p, q)| (p - q).abs() <= 1e-5 * (1.0 + q.abs()))
        };
        assert!(close(&codes, &whole.code), "{}: codes", preset.id);
        assert!(close(&outputs, &whole.output), "{}: outputs", preset.id);
        // Rows that are not images of the model's size name the problem.
        let wrong = ndarray::Array2::<f32>::zeros((3, 100));
        let err = model.codes(&wrong).unwrap_err().to_string();
        assert!(err.contains("784") || err.contains("28"), "{err}");
    }
}
