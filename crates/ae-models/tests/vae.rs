//! Variational autoencoders: the KL term against its closed form and a Monte-Carlo estimate,
//! the negative ELBO of a tiny model worked out by hand, shapes, and training lowering it.

use ae_models::nets::kl_to_standard_normal;
use ae_models::{
    Autoencoder, Loss, LrSchedule, Model, ModelConfig, OptimizerConfig, TrainConfig, Trainer,
};
use tch::{Device, Kind, Tensor};

fn train_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        drop_remainder: false,
        optimizer: OptimizerConfig::Adam {
            lr: 1e-3,
            weight_decay: 0.0,
        },
        loss: Loss::BceSum,
        l1: 0.0,
        noise: None,
        seed: 1,
        augment: None,
        beta: 1.0,
        lr_schedule: LrSchedule::None,
        warmup_epochs: 0,
        patience: None,
        keep_best: false,
        precision: ae_models::Precision::Fp32,
    }
}

#[test]
fn kl_has_its_closed_form_and_matches_monte_carlo() {
    let _rng = ae_models::seed::hold();
    // μ = (1, 0), σ² = (1, 4): ½[(1 + 1 − 1 − 0) + (4 + 0 − 1 − ln 4)] = 2 − ln 2.
    let mu = Tensor::from_slice(&[1.0f32, 0.0]).view([1, 2]);
    let logvar = Tensor::from_slice(&[0.0f32, 4f32.ln()]).view([1, 2]);
    let kl = kl_to_standard_normal(&mu, &logvar).double_value(&[0]);
    assert!((kl - (2.0 - 2f64.ln())).abs() < 1e-6, "{kl}");
    // E_q[log q(z) − log p(z)] by sampling, 400,000 draws.
    tch::manual_seed(0);
    let n = 400_000;
    let std = (&logvar * 0.5).exp();
    let eps = Tensor::randn([n, 2], (Kind::Double, Device::Cpu));
    let z = &mu.to_kind(Kind::Double) + &eps * std.to_kind(Kind::Double);
    let log_q = (eps.square() * -0.5 - logvar.to_kind(Kind::Double) * 0.5).sum_dim_intlist(
        1,
        false,
        Kind::Double,
    );
    let log_p = (z.square() * -0.5).sum_dim_intlist(1, false, Kind::Double);
    let mc = (log_q - log_p).mean(Kind::Double).double_value(&[]);
    assert!(
        (mc - kl).abs() < 0.01,
        "Monte Carlo {mc} vs closed form {kl}"
    );
}

#[test]
fn the_negative_elbo_of_a_tiny_vae_is_the_hand_computed_one() {
    let _rng = ae_models::seed::hold();
    // 2 pixels, no hidden layer, 1 latent. μ = x₁, log σ² = 0; the decoder's weights are zero
    // so every output is sigmoid(0) = ½ whatever z is sampled.
    let config = ModelConfig::DenseVae {
        input: 2,
        hidden: vec![],
        latent: 1,
    };
    let model = Model::build(&config, Device::Cpu).unwrap();
    let set = |name: &str, values: &[f32]| {
        let _g = tch::no_grad_guard();
        let mut vars = model.var_store().variables();
        let v = vars.get_mut(name).unwrap_or_else(|| panic!("{name}"));
        let src = Tensor::from_slice(values).view(v.size().as_slice());
        v.copy_(&src);
    };
    set("mu.weight", &[1.0, 0.0]);
    set("mu.bias", &[0.0]);
    set("logvar.weight", &[0.0, 0.0]);
    set("logvar.bias", &[0.0]);
    set("dec0.weight", &[0.0, 0.0]);
    set("dec0.bias", &[0.0, 0.0]);
    // x = (1, 0): reconstruction −log ½ − log ½ = 2 ln 2; KL(N(1, 1) ‖ N(0, 1)) = ½.
    // x = (0, 1): 2 ln 2 again, KL(N(0, 1) ‖ N(0, 1)) = 0.
    let x = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 1.0]).view([2, 2]);
    let trainer = Trainer::new(train_config(1)).unwrap();
    let nelbo = trainer.loss_on(&model, &x).unwrap();
    let want = 2.0 * 2f64.ln() + 0.25;
    assert!((nelbo - want).abs() < 1e-6, "{nelbo} vs {want}");
    // β weighs the KL term only.
    let beta3 = Trainer::new(TrainConfig {
        beta: 3.0,
        ..train_config(1)
    })
    .unwrap();
    let want3 = 2.0 * 2f64.ln() + 0.75;
    assert!((beta3.loss_on(&model, &x).unwrap() - want3).abs() < 1e-6);
    let f = model.forward(&x, false);
    assert_eq!(f.code.size(), [2, 1]);
    assert_eq!(f.kl.unwrap().size(), [2]);
}

#[test]
fn vaes_have_their_shapes_and_training_lowers_the_negative_elbo() {
    let _rng = ae_models::seed::hold();
    for (preset, epochs) in [
        (ae_models::presets::B1_3A, 4),
        (ae_models::presets::B1_3B, 8),
    ] {
        tch::manual_seed(2);
        let config = preset.model_with_code(Some(8)).unwrap();
        assert!(config.is_variational());
        let mut model = Model::build(&config, Device::Cpu).unwrap();
        let mut shape = vec![64i64];
        shape.extend(config.input_shape());
        // Blobs of ink: a bright square at one of 16 places.
        let x = Tensor::zeros(shape.as_slice(), (Kind::Float, Device::Cpu)).view([64, 28, 28]);
        for i in 0..64 {
            let (r, c) = (4 + 4 * ((i / 4) % 4), 4 + 4 * (i % 4));
            let _ = x.get(i).narrow(0, r, 6).narrow(1, c, 6).fill_(1.0);
        }
        let x = x.view(shape.as_slice());
        let f = model.forward(&x, false);
        assert_eq!(f.output.size(), shape, "{}", preset.id);
        assert_eq!(f.code.size(), [64, 8]);
        let decoded = model
            .decode(&Tensor::randn([5, 8], (Kind::Float, Device::Cpu)), false)
            .unwrap();
        assert_eq!(decoded.numel(), 5 * 784);
        let mut c = train_config(epochs);
        c.optimizer = c.optimizer.with_lr(3e-3);
        let trainer = Trainer::new(c).unwrap();
        let before = trainer.loss_on(&model, &x).unwrap();
        let h = trainer
            .fit(&mut model, &x, Some(&x), false, &mut |_| {})
            .unwrap();
        let after = h.epochs.last().unwrap().val_loss.unwrap();
        // ~543 nats at the start (784 pixels at ½): training must take a large bite out of it.
        assert!(
            before > 400.0 && after < 0.6 * before,
            "{}: {before} → {after}",
            preset.id
        );
    }
}
