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
fn hand_derived_affine_gradients() {
    // f = Σ (W·x .+ b): ∂f/∂W = 1·xᵀ, ∂f/∂x = Wᵀ·1, ∂f/∂b = number of columns.
    let w = m(2, 2, &[1.0, 3.0, 2.0, 4.0]); // [[1 2]; [3 4]]
    let x = m(2, 3, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    let b = m(2, 1, &[0.5, -1.0]);
    let (v, g) = value_and_gradient(|xs| xs[0].affine(&xs[1], &xs[2]).sum(), &[&w, &x, &b]);
    // W·x = [[1 2 3]; [3 4 7]], sum 20, plus 3·(0.5 − 1).
    assert_eq!(v, 20.0 - 1.5);
    assert_eq!(g[0].as_slice(), &[2.0, 2.0, 2.0, 2.0]);
    assert_eq!(g[1].as_slice(), &[4.0, 6.0, 4.0, 6.0, 4.0, 6.0]);
    assert_eq!(g[2].as_slice(), &[3.0, 3.0]);
}

#[test]
fn affine_is_bit_identical_to_matmul_plus_bias() {
    // The fused op must not change a single bit of a dense layer's values or
    // gradients, in either precision.
    fn compare<T: ferroflux_autodiff::Float>(w: &Matrix<T>, x: &Matrix<T>, b: &Matrix<T>) {
        let loss = |y: Tensor<T>| y.tanh().square().sum();
        let fused = value_and_gradient(|xs| loss(xs[0].affine(&xs[1], &xs[2])), &[w, x, b]);
        let split = value_and_gradient(|xs| loss(xs[0].matmul(&xs[1]) + &xs[2]), &[w, x, b]);
        assert_eq!(fused, split);
        let (tw, tx, tb) = (
            Tensor::constant(w.clone()),
            Tensor::constant(x.clone()),
            Tensor::constant(b.clone()),
        );
        assert_eq!(
            tw.affine(&tx, &tb).to_matrix(),
            (tw.matmul(&tx) + tb).to_matrix()
        );
    }
    let w = Matrix::from_fn(32, 784, |i, j| ((i * 31 + j * 7) % 13) as f64 / 13.0 - 0.5);
    let x = Matrix::from_fn(784, 9, |i, j| ((i * 5 + j * 11) % 17) as f64 / 17.0);
    let b = Matrix::from_fn(32, 1, |i, _| i as f64 * 0.01 - 0.1);
    compare(&w, &x, &b);
    compare(
        &w.map(|v| v as f32),
        &x.map(|v| v as f32),
        &b.map(|v| v as f32),
    );
}

#[test]
#[should_panic(expected = "affine: W is 2x3, x is 3x4 and b is 3x1")]
fn affine_bias_mismatch_names_shapes() {
    let w = Tensor::constant(Matrix::<f64>::zeros(2, 3));
    let x = Tensor::constant(Matrix::<f64>::zeros(3, 4));
    let _ = w.affine(&x, &Tensor::constant(Matrix::zeros(3, 1)));
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
    fn affine_gradients(
        (w, x, b, u) in dims().prop_flat_map(|(m, k, n)| (
            matrix::<f64>(m, k, 2.0),
            matrix::<f64>(k, n, 2.0),
            matrix::<f64>(m, 1, 2.0),
            weights(),
        ))
    ) {
        let tb = Tensor::constant(b.clone());
        binary_checks(|w, x| w.affine(x, &tb), &w, &x, &u)?;
        let (tw, tx) = (Tensor::constant(w.clone()), Tensor::constant(x.clone()));
        gradcheck(|b| tw.affine(&tx, b), &b)?;
        adjoint(|b| tw.affine(&tx, b), &b, &b.map(|v| (v * 0.9).cos()), &u)?;
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
