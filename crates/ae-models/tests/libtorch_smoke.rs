//! Proves libtorch works end to end: one forward and backward pass of a small network on CPU.

use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

#[test]
fn forward_and_backward_on_cpu() {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let net = nn::seq()
        .add(nn::linear(&root / "enc", 4, 2, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&root / "dec", 2, 4, Default::default()));
    let x = Tensor::from_slice(&[0.1f32, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]).view([2, 4]);
    let y = net.forward(&x);
    assert_eq!(y.size(), vec![2, 4]);
    let loss = (&y - &x).square().mean(Kind::Float);
    let before = loss.double_value(&[]);
    // Autograd's gradient for the decoder bias equals the analytic one: d/db mean((y - x)^2)
    // = 2 * sum over the batch of (y - x) / (batch * features).
    let expected_bias_grad = ((&y - &x) * 2.0 / 8.0).sum_dim_intlist(0, false, Kind::Float);
    let mut opt = nn::Sgd::default().build(&vs, 0.1).unwrap();
    opt.backward_step(&loss);
    let vars = vs.variables();
    let bias_grad = vars["dec.bias"].grad();
    let diff = (&bias_grad - &expected_bias_grad)
        .abs()
        .max()
        .double_value(&[]);
    assert!(diff < 1e-6, "bias gradient differs by {diff}");
    // Every parameter received a gradient of its own shape.
    for (name, var) in &vars {
        let grad = var.grad();
        assert!(grad.defined(), "no gradient for {name}");
        assert_eq!(grad.size(), var.size());
    }
    let after = (&net.forward(&x) - &x)
        .square()
        .mean(Kind::Float)
        .double_value(&[]);
    assert!(
        after < before,
        "one SGD step should lower the loss: {before} -> {after}"
    );
}

#[test]
fn cuda_loading_is_harmless_on_cpu() {
    // On a CPU-only install the CUDA library cannot load; that must not break CPU use.
    let device = ae_models::init_device(ae_models::DeviceChoice::Auto).unwrap();
    let t = Tensor::ones([3], (Kind::Float, device));
    assert_eq!(t.sum(Kind::Float).double_value(&[]), 3.0);
}
