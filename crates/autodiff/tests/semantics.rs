//! The documented semantics: NaN propagation, f32 support, the
//! eager/recorded boundary, pooled buffers and the gradient check report.

mod common;

use common::*;
use ferroflux_autodiff::{
    check_gradient, check_gradient_params, gradient, jvp, value_and_gradient, with_gradient,
    Matrix, Param, Params, Tensor,
};

#[test]
fn nan_input_propagates_to_value_and_gradient() {
    // f = Σ relu(x)·abs(x) + ‖x‖: the NaN enters every term.
    let x = m(3, 1, &[1.0, f64::NAN, -2.0]);
    let (v, g) = value_and_gradient(
        |xs| (xs[0].relu() * xs[0].abs()).sum() + xs[0].norm(),
        &[&x],
    );
    assert!(v.is_nan());
    assert!(g[0][1].is_nan());
}

#[test]
fn nan_survives_every_piecewise_op() {
    let x = m(1, 1, &[f64::NAN]);
    let ops: [(&str, UnaryOp); 9] = [
        ("relu", |x| x.relu()),
        ("abs", |x| x.abs()),
        ("leaky_relu", |x| x.leaky_relu(0.1)),
        ("elu", |x| x.elu(1.0)),
        ("clamp", |x| x.clamp(-1.0, 1.0)),
        ("maximum", |x| x.maximum(&Tensor::scalar(0.0))),
        ("minimum", |x| x.minimum(&Tensor::scalar(0.0))),
        ("softmax", |x| x.softmax()),
        ("logsumexp", |x| x.logsumexp()),
    ];
    for (name, f) in ops {
        let (v, g) = value_and_gradient(|xs| f(&xs[0]).sum(), &[&x]);
        assert!(v.is_nan(), "{name} value");
        assert!(g[0][0].is_nan(), "{name} gradient");
        let (_, dy) = jvp(f, &x, &m(1, 1, &[1.0]));
        assert!(dy[0].is_nan(), "{name} tangent");
    }
}

#[test]
fn f32_gradients_match_f64() {
    let x64 = m(2, 2, &[0.5, -1.0, 1.5, 0.25]);
    let x32: Matrix<f32> = x64.map(|v| v as f32);
    let (_, g64) = value_and_gradient(|xs| xs[0].tanh().softmax().log().sum(), &[&x64]);
    let (_, g32) = value_and_gradient(|xs| xs[0].tanh().softmax().log().sum(), &[&x32]);
    for (a, b) in g64[0].iter().zip(g32[0].iter()) {
        assert!((a - f64::from(*b)).abs() < 1e-5);
    }
    let report = check_gradient(|x: &Tensor<f32>| x.sigmoid().sum(), &x32);
    assert!(report.passed(1e-2, 1e-3), "{report}");
}

#[test]
fn f32_and_f64_tapes_are_separate() {
    // A gradient in f32 may run inside an f64 closure: each precision has
    // its own tape.
    let w = Param::new(m(1, 1, &[3.0]));
    let ps = Params::new([&w]);
    let grads = gradient(&ps, || {
        let w32 = Param::new(Matrix::<f32>::from_element(1, 1, 2.0));
        let inner = gradient(&Params::new([&w32]), || w32.tensor().square().sum());
        assert_eq!(inner[&w32][0], 4.0);
        w.tensor().square().sum()
    });
    assert_eq!(grads[&w][0], 6.0);
}

#[test]
fn tensors_from_an_old_recording_are_constants() {
    // A tensor kept from one gradient computation carries no derivative into
    // the next one.
    let w = Param::new(m(1, 1, &[2.0]));
    let ps = Params::new([&w]);
    let mut kept = None;
    let _ = gradient(&ps, || {
        let y = w.tensor().square();
        kept = Some(y.clone());
        y.sum()
    });
    let kept = kept.expect("set inside the closure");
    let grads = gradient(&ps, || (w.tensor() * &kept).sum());
    // ∂(w·c)/∂w = c = 4, with c = w² treated as a constant.
    assert_eq!(grads[&w][0], 4.0);
    assert_eq!(kept.item(), 4.0);
}

#[test]
fn param_update_after_gradient_keeps_old_tensor_values() {
    let w = Param::new(m(1, 1, &[1.0]));
    let snapshot = w.tensor();
    w.update(|v| v[0] = 5.0);
    assert_eq!(snapshot.item(), 1.0);
    assert_eq!(w.value()[0], 5.0);
}

#[test]
#[should_panic(expected = "Param::set: param#")]
fn param_set_rejects_new_shape() {
    let w = Param::new(Matrix::<f64>::zeros(2, 2));
    w.set(Matrix::zeros(3, 2));
}

#[test]
#[should_panic(expected = "item: the tensor is 2x1")]
fn item_names_shape() {
    let _ = Tensor::constant(Matrix::<f64>::zeros(2, 1)).item();
}

#[test]
#[should_panic(expected = "was not in the Params passed to gradient")]
fn grads_index_panics_for_foreign_param() {
    let w = Param::new(m(1, 1, &[1.0]));
    let other = Param::new(m(1, 1, &[1.0]));
    let grads = gradient(&Params::new([&w]), || w.tensor().sum());
    let _ = &grads[&other];
}

#[test]
fn repeated_computations_give_identical_results() {
    // Pooled buffers are reused between calls; stale contents must never
    // leak into a result.
    let w = Param::new(Matrix::from_fn(3, 4, |i, j| (i as f64 - j as f64) * 0.3));
    let x = Tensor::constant(Matrix::from_fn(4, 2, |i, j| (i + 2 * j) as f64 * 0.1));
    let ps = Params::new([&w]);
    let run = || with_gradient(&ps, || w.tensor().matmul(&x).softmax().log().sum());
    let (v1, g1) = run();
    let g1 = g1[&w].clone();
    for _ in 0..5 {
        let (v, g) = run();
        assert_eq!(v, v1);
        assert_eq!(g[&w], g1);
    }
}

#[test]
fn report_locates_a_wrong_gradient() {
    // At the kink of relu the central difference is (h - 0)/2h = 1/2, while
    // the documented convention gives relu'(0) = 0: the report must flag
    // exactly that element.
    let x = m(2, 1, &[0.0, 1.0]);
    let report = check_gradient(|x| x.relu().sum(), &x);
    assert!(!report.passed(1e-6, 1e-8));
    let worst = report.worst_finite_difference().expect("two entries");
    assert_eq!((worst.at.row, worst.at.col), (0, 0));
    assert_eq!(worst.at.reverse, 0.0);
    assert!((worst.at.finite_difference - 0.5).abs() < 1e-9);
    assert!(report.to_string().contains("finite differences vs reverse"));
}

#[test]
fn report_of_params_covers_every_element() {
    let a = Param::new(m(2, 2, &[0.1, 0.2, 0.3, 0.4]));
    let b = Param::new(m(2, 1, &[0.5, -0.5]));
    let ps = Params::new([&a, &b]);
    let report = check_gradient_params(&ps, || {
        (a.tensor().matmul(&b.tensor()) + b.tensor()).tanh().sum()
    });
    assert_eq!(report.entries.len(), 6);
    assert!(report.passed(FD_RTOL, FD_ATOL), "{report}");
    // The parameters are restored exactly after the perturbations.
    assert_eq!(a.value().as_slice(), &[0.1, 0.2, 0.3, 0.4]);
}
