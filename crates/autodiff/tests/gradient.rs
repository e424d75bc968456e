//! Hand-derived gradients of the public entry points: `gradient`,
//! `with_gradient`, `value_and_gradient` and `jvp`.

use ferroflux_autodiff::{
    gradient, jvp, value_and_gradient, with_gradient, Matrix, Param, Params, Tensor,
};

fn m(rows: usize, cols: usize, column_major: &[f64]) -> Matrix {
    Matrix::from_column_slice(rows, cols, column_major)
}

fn assert_close(actual: &Matrix, expected: &Matrix, tol: f64) {
    assert_eq!(actual.shape(), expected.shape());
    for (a, e) in actual.iter().zip(expected.iter()) {
        assert!((a - e).abs() <= tol, "got {actual}, expected {expected}");
    }
}

#[test]
fn linear_model_matches_hand_derivative() {
    // loss = Σ (W·x + b - y)², r = W·x + b - y
    // ∂loss/∂W = 2 r xᵀ, ∂loss/∂b = 2 r
    let w = Param::new(m(2, 2, &[1.0, 3.0, 2.0, 4.0])); // [[1 2]; [3 4]]
    let b = Param::new(m(2, 1, &[0.5, -0.5]));
    let x = Tensor::constant(m(2, 1, &[1.0, -1.0]));
    let y = Tensor::constant(m(2, 1, &[0.0, 1.0]));
    let ps = Params::new([&w, &b]);

    let (loss, grads) = with_gradient(&ps, || {
        (w.tensor().matmul(&x) + b.tensor() - &y).powi(2).sum()
    });

    // W·x = [-1, -1]; r = [-0.5, -2.5]
    assert_eq!(loss, 0.25 + 6.25);
    assert_close(&grads[&w], &m(2, 2, &[-1.0, -5.0, 1.0, 5.0]), 1e-15);
    assert_close(&grads[&b], &m(2, 1, &[-1.0, -5.0]), 1e-15);
}

#[test]
fn param_used_twice_sums_contributions() {
    // loss = Σ w∘w + Σ 3w, ∂/∂w = 2w + 3
    let w = Param::new(m(1, 2, &[1.0, -2.0]));
    let ps = Params::new([&w]);
    let grads = gradient(&ps, || {
        (w.tensor() * w.tensor()).sum() + (w.tensor() * 3.0).sum()
    });
    assert_close(&grads[&w], &m(1, 2, &[5.0, -1.0]), 0.0);
}

#[test]
fn unused_param_gets_zero_gradient() {
    let w = Param::new(m(1, 1, &[2.0]));
    let unused = Param::new(Matrix::from_element(3, 2, 7.0));
    let ps = Params::new([&w, &unused]);
    let grads = gradient(&ps, || w.tensor().square().sum());
    assert_eq!(grads[&unused], Matrix::zeros(3, 2));
    assert_eq!(grads[&w][0], 4.0);
}

#[test]
fn loss_independent_of_params_gives_zeros() {
    let w = Param::new(m(2, 1, &[1.0, 2.0]));
    let ps = Params::new([&w]);
    let (v, grads) = with_gradient(&ps, || Tensor::scalar(3.0));
    assert_eq!(v, 3.0);
    assert_eq!(grads[&w], Matrix::zeros(2, 1));
}

#[test]
fn params_deduplicate_by_identity() {
    let w = Param::new(m(1, 1, &[1.0]));
    let alias = w.clone();
    let other = Param::new(m(1, 1, &[1.0]));
    let ps = Params::new([&w, &alias, &other]);
    assert_eq!(ps.len(), 2);
    assert!(ps.contains(&alias));
    assert_eq!(w.id(), alias.id());
    assert_ne!(w.id(), other.id());
}

#[test]
fn param_outside_params_is_constant() {
    // Only w is differentiated; v enters as a constant.
    let w = Param::new(m(1, 1, &[2.0]));
    let v = Param::new(m(1, 1, &[5.0]));
    let ps = Params::new([&w]);
    let grads = gradient(&ps, || (w.tensor() * v.tensor()).sum());
    assert_eq!(grads[&w][0], 5.0);
    assert!(grads.get(&v).is_none());
}

#[test]
fn bias_broadcast_reduces_over_columns() {
    // y = W·X .+ b with b (2x1) spread over 3 columns: ∂Σy/∂b = [3, 3].
    let w = Param::new(Matrix::from_element(2, 2, 1.0));
    let b = Param::new(Matrix::zeros(2, 1));
    let x = Tensor::constant(Matrix::from_element(2, 3, 1.0));
    let ps = Params::new([&w, &b]);
    let grads = gradient(&ps, || (w.tensor().matmul(&x) + b.tensor()).sum());
    assert_close(&grads[&b], &m(2, 1, &[3.0, 3.0]), 0.0);
    // ∂Σ(W·X)/∂W = 1·Xᵀ summed over columns: every entry 3.
    assert_close(&grads[&w], &Matrix::from_element(2, 2, 3.0), 0.0);
}

#[test]
fn explicit_gradient_of_two_inputs() {
    // f(a, b) = Σ a∘b / 2, ∂f/∂a = b/2, ∂f/∂b = a/2
    let a = m(2, 1, &[1.0, 2.0]);
    let b = m(2, 1, &[3.0, -4.0]);
    let (v, g) = value_and_gradient(|xs| (&xs[0] * &xs[1]).sum() / 2.0, &[&a, &b]);
    assert_eq!(v, -2.5);
    assert_close(&g[0], &m(2, 1, &[1.5, -2.0]), 0.0);
    assert_close(&g[1], &m(2, 1, &[0.5, 1.0]), 0.0);
}

#[test]
fn jvp_of_matrix_function() {
    // f(X) = A·X, J·V = A·V
    let a = Tensor::constant(m(2, 2, &[1.0, 0.0, 2.0, 1.0]));
    let x = m(2, 1, &[1.0, 1.0]);
    let v = m(2, 1, &[0.0, 1.0]);
    let (y, dy) = jvp(|x| a.matmul(x), &x, &v);
    assert_close(&y, &m(2, 1, &[3.0, 1.0]), 0.0);
    assert_close(&dy, &m(2, 1, &[2.0, 1.0]), 0.0);
}

#[test]
fn eager_math_outside_gradient() {
    let x = Tensor::constant(m(2, 1, &[1.0, 2.0]));
    let y = (x.exp().log() * 2.0).sum();
    assert!((y.item() - 6.0).abs() < 1e-15);
}

#[test]
fn repeated_gradients_reuse_parameters() {
    // Two steps of gradient descent on (w - 3)², ∂/∂w = 2(w - 3).
    let w = Param::new(m(1, 1, &[0.0]));
    let ps = Params::new([&w]);
    for _ in 0..2 {
        let grads = gradient(&ps, || w.tensor().add_scalar(-3.0).square().sum());
        let g = grads[&w][0];
        w.update(|v| v[0] -= 0.25 * g);
    }
    // 0 → 1.5 → 2.25
    assert_eq!(w.value()[0], 2.25);
}

#[test]
fn f32_gradient() {
    let w = Param::new(Matrix::<f32>::from_element(1, 1, 2.0));
    let ps = Params::new([&w]);
    let grads = gradient(&ps, || w.tensor().powi(3).sum());
    assert_eq!(grads[&w][0], 12.0f32);
}

#[test]
#[should_panic(expected = "gradient: the closure must return a 1x1 loss, but it returned a 2x1")]
fn non_scalar_loss_panics_with_shape() {
    let w = Param::new(m(2, 1, &[1.0, 2.0]));
    let ps = Params::new([&w]);
    let _ = gradient(&ps, || w.tensor());
}

#[test]
#[should_panic(expected = "nested calls")]
fn nested_gradient_panics() {
    let w = Param::new(m(1, 1, &[1.0]));
    let ps = Params::new([&w]);
    let _ = gradient(&ps, || {
        let _inner = gradient(&ps, || w.tensor().sum());
        w.tensor().sum()
    });
}

#[test]
fn recording_recovers_after_panic() {
    let w = Param::new(m(1, 1, &[1.0]));
    let ps = Params::new([&w]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gradient(&ps, || {
            w.tensor().matmul(&Tensor::constant(Matrix::zeros(2, 2)))
        })
    }));
    assert!(result.is_err());
    let grads = gradient(&ps, || w.tensor().square().sum());
    assert_eq!(grads[&w][0], 2.0);
}
