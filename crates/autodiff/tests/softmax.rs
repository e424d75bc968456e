//! Column-wise softmax, log-softmax and log-sum-exp: hand-derived cases,
//! finite-difference checks, stability and properties.

mod common;

use common::*;
use ferroflux_autodiff::{value_and_gradient, Matrix, Tensor};
use proptest::prelude::*;

#[test]
fn hand_derived_softmax_gradient() {
    // x = [0, ln 3]: p = softmax(x) = [1/4, 3/4].
    // ∂p₁/∂x = p₁(e₁ - p) = [1/4·3/4, -1/4·3/4] = [3/16, -3/16].
    let x = m(2, 1, &[0.0, 3f64.ln()]);
    let e1 = Tensor::constant(m(2, 1, &[1.0, 0.0]));
    let (v, g) = value_and_gradient(|xs| xs[0].softmax().dot(&e1), &[&x]);
    assert!((v - 0.25).abs() < 1e-15);
    assert_close(&g[0], &m(2, 1, &[3.0 / 16.0, -3.0 / 16.0]), 1e-15);

    // log_softmax: ∂ Σ log p /∂x = 1 - n·p = [1 - 2/4, 1 - 6/4] = [1/2, -1/2].
    let (_, g) = value_and_gradient(|xs| xs[0].log_softmax().sum(), &[&x]);
    assert_close(&g[0], &m(2, 1, &[0.5, -0.5]), 1e-15);

    // logsumexp = ln 4 with gradient p = [1/4, 3/4].
    let (v, g) = value_and_gradient(|xs| xs[0].logsumexp().sum(), &[&x]);
    assert!((v - 4f64.ln()).abs() < 1e-15);
    assert_close(&g[0], &m(2, 1, &[0.25, 0.75]), 1e-15);
}

#[test]
fn huge_logits_stay_finite() {
    // Shifting by 1e4 changes nothing mathematically; exp(1e4) overflows.
    let x = m(3, 1, &[1.0e4, 1.0e4 + 1.0, 1.0e4 - 2.0]);
    let shifted = m(3, 1, &[0.0, 1.0, -2.0]);
    for f in [
        |t: &Tensor| t.log_softmax().sum(),
        |t: &Tensor| t.softmax().square().sum(),
        |t: &Tensor| t.logsumexp().sum(),
    ] {
        let (v, g) = value_and_gradient(|xs| f(&xs[0]), &[&x]);
        assert!(v.is_finite());
        assert!(g[0].iter().all(|v| v.is_finite()));
        let (_, g_ref) = value_and_gradient(|xs| f(&xs[0]), &[&shifted]);
        assert_close(&g[0], &g_ref[0], 1e-12);
    }
}

#[test]
fn minus_infinity_entries_get_zero_probability_and_gradient() {
    let inf = f64::INFINITY;
    let x = m(3, 2, &[0.0, -inf, 1.0, -inf, 2.0, 2.0]);
    let t = Tensor::constant(x.clone());
    let p = t.softmax().to_matrix();
    assert_eq!(p[(1, 0)], 0.0);
    assert_eq!(p[(0, 1)], 0.0);
    assert!(t.logsumexp().to_matrix().iter().all(|v| v.is_finite()));
    let w = Tensor::constant(m(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    for f in [
        |t: &Tensor, w: &Tensor| t.softmax().dot(w),
        |t: &Tensor, w: &Tensor| (t.log_softmax().maximum(&Tensor::scalar(-50.0))).dot(w),
        |t: &Tensor, _: &Tensor| t.logsumexp().sum(),
    ] {
        let (v, g) = value_and_gradient(|xs| f(&xs[0], &w), &[&x]);
        assert!(v.is_finite());
        assert!(g[0].iter().all(|v| v.is_finite()), "{}", g[0]);
        assert_eq!(g[0][(1, 0)], 0.0);
        assert_eq!(g[0][(0, 1)], 0.0);
    }
}

#[test]
fn many_columns_take_the_library_kernel_with_same_values() {
    // More columns than the fused kernels keep on the stack.
    let x = Matrix::from_fn(3, 300, |i, j| ((i * 7 + j * 13) % 11) as f64 - 5.0);
    let t = Tensor::constant(x.clone());
    assert_close(&t.softmax().to_matrix(), &reference_softmax(&x), 1e-15);
}

/// `log_softmax` of a tensor whose `softmax` was recorded before reuses the
/// softmax's column statistics; the bits must not change.
#[test]
fn log_softmax_after_softmax_matches_log_softmax_alone() {
    let inf = f64::INFINITY;
    let inputs = [
        Matrix::from_fn(4, 10, |i, j| ((i * 5 + j * 3) % 7) as f64 * 0.7 - 2.0),
        m(3, 2, &[0.0, -inf, 1.0, -inf, 2.0, 2.0]),
        m(2, 2, &[1.0e4, 1.0e4 + 1.0, -3.0, 5.0]),
        Matrix::from_fn(3, 300, |i, j| ((i * 7 + j * 13) % 11) as f64 - 5.0),
    ];
    for x in &inputs {
        let w = Tensor::constant(x.map(|v| v.clamp(-1.0, 1.0) * 0.5 + 0.25));
        let alone = Tensor::constant(x.clone()).log_softmax().to_matrix();
        let (_, g_alone) = value_and_gradient(
            |xs| xs[0].log_softmax().maximum(&Tensor::scalar(-50.0)).dot(&w),
            &[x],
        );
        let (_, g_both) = value_and_gradient(
            |xs| {
                let p = xs[0].softmax();
                let l = xs[0].log_softmax();
                assert_eq!(l.to_matrix(), alone, "log_softmax after softmax of {x}");
                let lp = l.maximum(&Tensor::scalar(-50.0)).dot(&w);
                lp + p.sum().mul_scalar(0.0)
            },
            &[x],
        );
        assert_eq!(g_both[0], g_alone[0], "gradient after softmax of {x}");
    }
}

/// The statistics belong to one input: a softmax of another tensor, or of
/// the same values in another tensor, must not change a log_softmax.
#[test]
fn log_softmax_reuses_only_its_own_inputs_softmax() {
    let x = m(2, 2, &[0.5, -1.0, 2.0, 0.25]);
    let y = m(2, 2, &[3.0, 1.0, -2.0, 4.0]);
    let expected = Tensor::constant(x.clone()).log_softmax().to_matrix();
    let (_, g) = value_and_gradient(
        |xs| {
            let _other = xs[1].softmax();
            let _copy = (&xs[0] * &Tensor::scalar(1.0)).softmax();
            let l = xs[0].log_softmax();
            assert_eq!(l.to_matrix(), expected);
            l.sum()
        },
        &[&x, &y],
    );
    // ∂ Σ log_softmax(x) / ∂x = 1 - n·p per column, n = 2.
    let p = reference_softmax(&x);
    assert_close(&g[0], &p.map(|p| 1.0 - 2.0 * p), 1e-15);
    assert_eq!(g[1], Matrix::zeros(2, 2));
}

fn reference_softmax(x: &Matrix) -> Matrix {
    // Reference: exp(x - max) / Σ exp(x - max) per column, written out.
    let mut out = x.clone();
    for mut col in out.column_iter_mut() {
        let max = col.max();
        col.iter_mut().for_each(|v| *v = (*v - max).exp());
        let s = col.sum();
        col.iter_mut().for_each(|v| *v /= s);
    }
    out
}

unary_properties! {
    softmax_any: domain(-4.0, 4.0) => |x: &Tensor| x.softmax();
    log_softmax_any: domain(-4.0, 4.0) => |x: &Tensor| x.log_softmax();
    log_softmax_then_softmax: domain(-4.0, 4.0) => |x: &Tensor| &x.log_softmax().mul_scalar(0.5) + &x.softmax().mul_scalar(0.0);
    softmax_then_log_softmax: domain(-4.0, 4.0) => |x: &Tensor| { let p = x.softmax(); &p * &x.log_softmax() };
    logsumexp_any: domain(-4.0, 4.0) => |x: &Tensor| x.logsumexp();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn softmax_columns_sum_to_one(x in domain(-30.0, 30.0)) {
        let p = Tensor::constant(x).softmax().to_matrix();
        for col in p.column_iter() {
            prop_assert!((col.sum() - 1.0).abs() <= 1e-14);
            prop_assert!(col.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }

    #[test]
    fn softmax_ignores_added_constant(x in domain(-10.0, 10.0), c in -50.0..50.0f64) {
        let t = Tensor::constant(x);
        let p = t.softmax().to_matrix();
        let q = t.add_scalar(c).softmax().to_matrix();
        prop_assert!((p - q).abs().max() <= 1e-13);
    }

    #[test]
    fn logsumexp_between_max_and_max_plus_log_n(x in domain(-30.0, 30.0)) {
        let l = Tensor::constant(x.clone()).logsumexp().to_matrix();
        let ln_n = (x.nrows() as f64).ln();
        for (j, col) in x.column_iter().enumerate() {
            let max = col.max();
            prop_assert!(l[j] >= max - 1e-12 && l[j] <= max + ln_n + 1e-12);
        }
    }

    #[test]
    fn log_softmax_is_log_of_softmax(x in domain(-10.0, 10.0)) {
        let t = Tensor::constant(x);
        let a = t.log_softmax().to_matrix();
        let b = t.softmax().log().to_matrix();
        prop_assert!((a - b).abs().max() <= 1e-13);
    }

    #[test]
    fn softmax_gradient_columns_sum_to_zero(x in domain(-5.0, 5.0), w in domain(-1.0, 1.0)) {
        // Σᵢ ∂L/∂xᵢ = 0 per column, because softmax ignores an added constant.
        let w = Tensor::constant(Matrix::from_fn(x.nrows(), x.ncols(), |i, j| w[(i % w.nrows(), j % w.ncols())]));
        let (_, g) = value_and_gradient(|xs| xs[0].softmax().dot(&w), &[&x]);
        for col in g[0].column_iter() {
            prop_assert!(col.sum().abs() <= 1e-14);
        }
    }
}
