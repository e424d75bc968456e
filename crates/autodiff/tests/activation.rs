//! Activation functions and `maximum`/`minimum`/`clamp`: hand-derived cases,
//! finite-difference checks and properties.

mod common;

use common::*;
use ferroflux_autodiff::{value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

fn grad_at(f: fn(&Tensor) -> Tensor, x: f64) -> f64 {
    value_and_gradient(|xs| f(&xs[0]).sum(), &[&m(1, 1, &[x])]).1[0][0]
}

#[test]
fn hand_derived_derivatives_at_zero_and_one() {
    // σ(0) = 1/2, σ'(0) = 1/4; tanh'(0) = 1; softplus'(0) = σ(0) = 1/2;
    // log σ'(0) = 1 - σ(0) = 1/2; softsign'(0) = 1; swish'(0) = σ(0) = 1/2;
    // gelu'(0) = 1/2 (½(1 + tanh 0)); elu'(-1) with α = 2 is 2e⁻¹;
    // leaky_relu'(-1) = slope.
    let e = std::f64::consts::E;
    let cases: [(&str, UnaryOp, f64, f64); 10] = [
        ("sigmoid", |x| x.sigmoid(), 0.0, 0.25),
        ("tanh", |x| x.tanh(), 0.0, 1.0),
        ("softplus", |x| x.softplus(), 0.0, 0.5),
        ("log_sigmoid", |x| x.log_sigmoid(), 0.0, 0.5),
        ("softsign", |x| x.softsign(), 0.0, 1.0),
        ("swish", |x| x.swish(), 0.0, 0.5),
        ("gelu", |x| x.gelu(), 0.0, 0.5),
        ("elu", |x| x.elu(2.0), -1.0, 2.0 / e),
        ("leaky_relu", |x| x.leaky_relu(0.1), -1.0, 0.1),
        ("relu", |x| x.relu(), 1.0, 1.0),
    ];
    for (name, f, x, expected) in cases {
        let g = grad_at(f, x);
        assert!(
            (g - expected).abs() < 1e-15,
            "{name}'({x}) = {g}, expected {expected}"
        );
    }
}

#[test]
fn gelu_value_matches_tanh_formula() {
    // gelu(1) = ½(1 + tanh(√(2/π)·1.044715)) = 0.8411919906082768, evaluated
    // with Python 3's math module:
    // 0.5*(1+math.tanh(math.sqrt(2/math.pi)*(1+0.044715))).
    let y = Tensor::constant(m(1, 1, &[1.0])).gelu().item();
    let u = (2.0 / std::f64::consts::PI).sqrt() * (1.0 + 0.044715);
    assert!((y - 0.5 * (1.0 + u.tanh())).abs() < 1e-15);
    assert!((y - 0.841_191_990_608_276_8).abs() < 1e-12);
}

#[test]
fn kinks_follow_documented_convention() {
    // relu'(0) = 0, leaky_relu'(0) = slope, maximum/minimum at a tie pass the
    // gradient to the first argument, clamp has derivative 1 on [lo, hi].
    assert_eq!(grad_at(|x| x.relu(), 0.0), 0.0);
    assert_eq!(grad_at(|x| x.leaky_relu(0.2), 0.0), 0.2);
    assert_eq!(grad_at(|x| x.clamp(0.0, 1.0), 0.0), 1.0);
    assert_eq!(grad_at(|x| x.clamp(0.0, 1.0), 1.0), 1.0);
    assert_eq!(grad_at(|x| x.clamp(0.0, 1.0), 1.5), 0.0);
    let a = m(1, 1, &[1.0]);
    let b = m(1, 1, &[1.0]);
    let (_, g) = value_and_gradient(|xs| xs[0].maximum(&xs[1]).sum(), &[&a, &b]);
    assert_eq!((g[0][0], g[1][0]), (1.0, 0.0));
    let (_, g) = value_and_gradient(|xs| xs[0].minimum(&xs[1]).sum(), &[&a, &b]);
    assert_eq!((g[0][0], g[1][0]), (1.0, 0.0));
}

#[test]
fn stable_forms_stay_finite_for_large_inputs() {
    let x = Tensor::constant(m(2, 1, &[-800.0, 800.0]));
    assert_eq!(x.log_sigmoid().to_matrix().as_slice(), &[-800.0, 0.0]);
    assert_eq!(x.softplus().to_matrix().as_slice(), &[0.0, 800.0]);
    assert_eq!(x.sigmoid().to_matrix().as_slice(), &[0.0, 1.0]);
    let (_, g) = value_and_gradient(|xs| xs[0].log_sigmoid().sum(), &[&x.to_matrix()]);
    assert_eq!(g[0].as_slice(), &[1.0, 0.0]);
}

#[test]
fn maximum_broadcasts_and_reduces() {
    // maximum(X, 0.5) with the scalar broadcast: the scalar receives the count
    // of entries where it wins.
    let x = m(2, 2, &[0.0, 1.0, 2.0, -1.0]);
    let c = m(1, 1, &[0.5]);
    let (v, g) = value_and_gradient(|xs| xs[0].maximum(&xs[1]).sum(), &[&x, &c]);
    assert_eq!(v, 0.5 + 1.0 + 2.0 + 0.5);
    assert_eq!(g[0].as_slice(), &[0.0, 1.0, 1.0, 0.0]);
    assert_eq!(g[1][0], 2.0);
}

unary_properties! {
    sigmoid_any: domain(-6.0, 6.0) => |x: &Tensor| x.sigmoid();
    log_sigmoid_any: domain(-6.0, 6.0) => |x: &Tensor| x.log_sigmoid();
    tanh_any: domain(-4.0, 4.0) => |x: &Tensor| x.tanh();
    relu_off_kink: avoiding(5.0, &[0.0], 1e-3) => |x: &Tensor| x.relu();
    leaky_relu_off_kink: avoiding(5.0, &[0.0], 1e-3) => |x: &Tensor| x.leaky_relu(0.01);
    elu_off_kink: avoiding(5.0, &[0.0], 1e-3) => |x: &Tensor| x.elu(1.0);
    gelu_any: domain(-5.0, 5.0) => |x: &Tensor| x.gelu();
    swish_any: domain(-6.0, 6.0) => |x: &Tensor| x.swish();
    softplus_any: domain(-6.0, 6.0) => |x: &Tensor| x.softplus();
    softsign_off_kink: avoiding(5.0, &[0.0], 1e-3) => |x: &Tensor| x.softsign();
    clamp_off_bounds: avoiding(3.0, &[-1.0, 2.0], 1e-3) => |x: &Tensor| x.clamp(-1.0, 2.0);
    maximum_with_row: avoiding(3.0, &[0.25, -0.5], 1e-3)
        => |x: &Tensor| x.maximum(&Tensor::constant(m(1, 1, &[0.25])));
    minimum_with_scalar: avoiding(3.0, &[-0.5], 1e-3)
        => |x: &Tensor| x.minimum(&Tensor::constant(m(1, 1, &[-0.5])));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sigmoid_symmetry_and_range(x in domain(-30.0, 30.0)) {
        // σ(-x) = 1 - σ(x), σ ∈ [0, 1]
        let t = Tensor::constant(x);
        let s = t.sigmoid().to_matrix();
        let s_neg = (-&t).sigmoid().to_matrix();
        for (a, b) in s.iter().zip(s_neg.iter()) {
            prop_assert!((0.0..=1.0).contains(a));
            prop_assert!((a + b - 1.0).abs() <= 1e-15);
        }
    }

    #[test]
    fn softplus_minus_reflection_is_identity(x in domain(-30.0, 30.0)) {
        // softplus(x) - softplus(-x) = x
        let t = Tensor::constant(x.clone());
        let d = (t.softplus() - (-&t).softplus()).to_matrix();
        prop_assert!((d - &x).abs().max() <= 1e-13 * x.abs().max().max(1.0));
    }

    #[test]
    fn maximum_plus_minimum_is_sum(
        (a, b) in ferroflux_autodiff::testing::broadcast_pair::<f64>(1..=4, 5.0)
    ) {
        let (ta, tb) = (Tensor::constant(a), Tensor::constant(b));
        let lhs = (ta.maximum(&tb) + ta.minimum(&tb)).to_matrix();
        let rhs = (&ta + &tb).to_matrix();
        prop_assert_eq!(lhs, rhs);
    }

    #[test]
    fn clamp_lands_in_bounds(x in domain(-10.0, 10.0)) {
        let y = Tensor::constant(x).clamp(-1.0, 2.0).to_matrix();
        prop_assert!(y.iter().all(|v| (-1.0..=2.0).contains(v)));
    }

    #[test]
    fn relu_is_maximum_with_zero(x in domain(-5.0, 5.0)) {
        let t = Tensor::constant(x);
        let zero = Tensor::constant(Matrix::zeros(1, 1));
        prop_assert_eq!(t.relu().to_matrix(), t.maximum(&zero).to_matrix());
    }
}
