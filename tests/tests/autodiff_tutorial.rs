//! The Flux "basics" tutorial cells as `docs/autodiff.md` translates them:
//! implicit parameters, the gradient of a closure, a manual update of `W`,
//! and the same with explicit inputs.

use ferroflux::autodiff::{gradient, value_and_gradient, with_gradient, Param, Params, Tensor};
use ferroflux::linalg::{rand, seed};

#[test]
fn tutorial_cells_reduce_the_loss() {
    seed(1);
    let w = Param::new(rand(2, 5));
    let b = Param::new(rand(2, 1));
    let predict = |x: &Tensor| w.tensor().matmul(x) + b.tensor();
    let loss = |x: &Tensor, y: &Tensor| (y - predict(x)).powi(2).sum();
    let (x, y) = (Tensor::constant(rand(5, 1)), Tensor::constant(rand(2, 1)));
    let before = loss(&x, &y).item();

    let ps = Params::new([&w, &b]);
    let grads = gradient(&ps, || loss(&x, &y));
    let w_bar = &grads[&w];

    // ∂loss/∂W = -2(y - ŷ)·xᵀ, computed by hand from the plain matrices.
    let residual = y.to_matrix() - (&*w.value() * x.to_matrix() + &*b.value());
    let expected = &residual * x.to_matrix().transpose() * -2.0;
    assert!((w_bar - &expected).abs().max() < 1e-12);

    w.update(|w| *w -= w_bar * 0.1);
    let after = loss(&x, &y).item();
    assert!(after < before, "loss went from {before} to {after}");
}

#[test]
fn update_every_parameter_in_a_loop() {
    seed(2);
    let w = Param::new(rand(2, 5));
    let b = Param::new(rand(2, 1));
    let (x, y) = (Tensor::constant(rand(5, 1)), Tensor::constant(rand(2, 1)));
    let loss = || (&y - (w.tensor().matmul(&x) + b.tensor())).powi(2).sum();
    let ps = Params::new([&w, &b]);

    let mut trace = Vec::new();
    for _ in 0..20 {
        let (value, grads) = with_gradient(&ps, loss);
        trace.push(value);
        for (p, g) in grads.iter() {
            p.update(|value| *value -= g * 0.1);
        }
    }
    assert!(trace.windows(2).all(|pair| pair[1] <= pair[0]), "{trace:?}");
    assert!(trace[19] < 1e-3 * trace[0]);
}

#[test]
fn explicit_style_matches_implicit() {
    seed(3);
    let (w0, x0, y0) = (rand(2, 5), rand(5, 1), rand(2, 1));
    let (_, explicit) = value_and_gradient(
        |xs| (&xs[2] - xs[0].matmul(&xs[1])).powi(2).sum(),
        &[&w0, &x0, &y0],
    );
    let w = Param::new(w0);
    let (x, y) = (Tensor::constant(x0), Tensor::constant(y0));
    let grads = gradient(&Params::new([&w]), || {
        (&y - w.tensor().matmul(&x)).powi(2).sum()
    });
    assert_eq!(explicit[0], grads[&w]);
}
