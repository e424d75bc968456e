//! Matrix products with and without transposes: hand-derived cases,
//! finite-difference checks and properties.

mod common;

use common::*;
use ferroflux_autodiff::testing::matrix;
use ferroflux_autodiff::{jvp, value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn hand_derived_product_gradients() {
    // f = Σ A·B, so ∂f/∂A = 1·Bᵀ (row sums of B in every row) and
    // ∂f/∂B = Aᵀ·1 (column sums of A in every column).
    let a = m(2, 2, &[1.0, 3.0, 2.0, 4.0]); // [[1 2]; [3 4]]
    let b = m(2, 1, &[5.0, 6.0]);
    let (v, g) = value_and_gradient(|xs| xs[0].matmul(&xs[1]).sum(), &[&a, &b]);
    assert_eq!(v, 17.0 + 39.0);
    assert_eq!(g[0].as_slice(), &[5.0, 5.0, 6.0, 6.0]);
    assert_eq!(g[1].as_slice(), &[4.0, 6.0]);
}

#[test]
fn transposed_products_match_explicit_transpose() {
    let a = m(3, 2, &[1.0, -2.0, 0.5, 3.0, 1.5, -1.0]);
    let b = m(3, 2, &[0.3, 0.2, -0.7, 1.1, 0.4, 0.9]);
    let (ta, tb) = (Tensor::constant(a.clone()), Tensor::constant(b.clone()));
    assert_close(&ta.matmul_tn(&tb).to_matrix(), &(a.transpose() * &b), 1e-15);
    assert_close(&ta.matmul_nt(&tb).to_matrix(), &(&a * b.transpose()), 1e-15);

    // Same gradients as through the explicit transpose op.
    let (_, g1) = value_and_gradient(|xs| xs[0].matmul_tn(&xs[1]).square().sum(), &[&a, &b]);
    let (_, g2) = value_and_gradient(
        |xs| xs[0].transpose().matmul(&xs[1]).square().sum(),
        &[&a, &b],
    );
    assert_close(&g1[0], &g2[0], 1e-14);
    assert_close(&g1[1], &g2[1], 1e-14);
}

#[test]
fn forward_mode_is_product_rule() {
    // d(A·X)[V] = A·V for constant A.
    let a = m(2, 3, &[1.0, 0.0, 2.0, 1.0, -1.0, 3.0]);
    let x = m(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let v = m(3, 2, &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0]);
    let ta = Tensor::constant(a.clone());
    let (_, dy) = jvp(|x| ta.matmul(x), &x, &v);
    assert_eq!(dy, &a * &v);
}

#[test]
#[should_panic(expected = "matmul: the left operand is 2x3 and the right operand is 2x3")]
fn inner_dimension_mismatch_names_shapes() {
    let a = Tensor::constant(Matrix::<f64>::zeros(2, 3));
    let _ = a.matmul(&a);
}

/// Three dimensions, each 1 or up to 5, so products cover vectors and scalars.
fn dims() -> impl Strategy<Value = (usize, usize, usize)> {
    let d = prop_oneof![Just(1usize), 1..=5usize];
    (d.clone(), d.clone(), d)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn matmul_gradients(
        (a, b, u) in dims().prop_flat_map(|(m, k, n)| (matrix::<f64>(m, k, 2.0), matrix::<f64>(k, n, 2.0), weights()))
    ) {
        binary_checks(|a, b| a.matmul(b), &a, &b, &u)?;
    }

    #[test]
    fn matmul_tn_gradients(
        (a, b, u) in dims().prop_flat_map(|(m, k, n)| (matrix::<f64>(k, m, 2.0), matrix::<f64>(k, n, 2.0), weights()))
    ) {
        binary_checks(|a, b| a.matmul_tn(b), &a, &b, &u)?;
    }

    #[test]
    fn matmul_nt_gradients(
        (a, b, u) in dims().prop_flat_map(|(m, k, n)| (matrix::<f64>(m, k, 2.0), matrix::<f64>(n, k, 2.0), weights()))
    ) {
        binary_checks(|a, b| a.matmul_nt(b), &a, &b, &u)?;
    }

    #[test]
    fn matmul_is_associative(
        (a, b, c) in dims().prop_flat_map(|(m, k, n)| (matrix::<f64>(m, k, 2.0), matrix::<f64>(k, n, 2.0), matrix::<f64>(n, 3, 2.0)))
    ) {
        let (a, b, c) = (Tensor::constant(a), Tensor::constant(b), Tensor::constant(c));
        let left = a.matmul(&b).matmul(&c).to_matrix();
        let right = a.matmul(&b.matmul(&c)).to_matrix();
        prop_assert!((left - right).abs().max() <= 1e-12);
    }
}
