//! GEMM against a plain triple loop, for every transpose combination, on
//! both sides of the native/BLAS crossover.
//!
//! Hand example: [1 2; 3 4] * [5; 6] = [1*5 + 2*6; 3*5 + 4*6] = [17; 39].

use ferroflux_linalg::testing::matrix;
use ferroflux_linalg::{gemm, matmul, Float, Matrix, Transpose, NATIVE_GEMM_MAX_FLOPS};
use proptest::prelude::*;

/// `alpha*op(A)*op(B) + beta*C` by the definition, accumulated in f64, with
/// the bound `sum_p |op(A)[i,p]| |op(B)[p,j]|` for the error tolerance.
fn reference<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    ta: Transpose,
    b: &Matrix<T>,
    tb: Transpose,
    beta: T,
    c: &Matrix<T>,
) -> (Matrix<f64>, Matrix<f64>) {
    let op = |m: &Matrix<T>, t: Transpose| {
        let m = m.map(|x| x.to_f64());
        if t == Transpose::Yes {
            m.transpose()
        } else {
            m
        }
    };
    let (a, b) = (op(a, ta), op(b, tb));
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let mut out = Matrix::zeros(m, n);
    let mut bound = Matrix::zeros(m, n);
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0;
            let mut mag = 0.0;
            for p in 0..k {
                acc += a[(i, p)] * b[(p, j)];
                mag += (a[(i, p)] * b[(p, j)]).abs();
            }
            let old = if beta == T::zero() {
                0.0
            } else {
                beta.to_f64() * c[(i, j)].to_f64()
            };
            out[(i, j)] = alpha.to_f64() * acc + old;
            bound[(i, j)] = alpha.to_f64().abs() * mag + old.abs();
        }
    }
    (out, bound)
}

fn transpose_flag() -> impl Strategy<Value = Transpose> {
    prop_oneof![Just(Transpose::No), Just(Transpose::Yes)]
}

/// Shapes (m, k, n), operands stored as op requires, alpha, beta and C.
#[allow(clippy::type_complexity)]
fn gemm_case<T: Float>(
    max_dim: usize,
) -> impl Strategy<Value = (T, Matrix<T>, Transpose, Matrix<T>, Transpose, T, Matrix<T>)> {
    (
        0..=max_dim,
        0..=max_dim,
        0..=max_dim,
        transpose_flag(),
        transpose_flag(),
    )
        .prop_flat_map(|(m, k, n, ta, tb)| {
            let (ar, ac) = if ta == Transpose::Yes { (k, m) } else { (m, k) };
            let (br, bc) = if tb == Transpose::Yes { (n, k) } else { (k, n) };
            let scalar = prop_oneof![Just(0.0), Just(1.0), -2.0..2.0];
            (
                scalar.clone(),
                matrix::<T>(ar, ac, 3.0),
                Just(ta),
                matrix::<T>(br, bc, 3.0),
                Just(tb),
                scalar,
                matrix::<T>(m, n, 3.0),
            )
                .prop_map(|(alpha, a, ta, b, tb, beta, c)| {
                    (T::cast(alpha), a, ta, b, tb, T::cast(beta), c)
                })
        })
}

fn check_case<T: Float>(
    (alpha, a, ta, b, tb, beta, c): (T, Matrix<T>, Transpose, Matrix<T>, Transpose, T, Matrix<T>),
) -> Result<(), TestCaseError> {
    let (want, bound) = reference(alpha, &a, ta, &b, tb, beta, &c);
    let k = if ta == Transpose::Yes {
        a.nrows()
    } else {
        a.ncols()
    };
    let mut got = c.clone();
    gemm(alpha, &a, ta, &b, tb, beta, &mut got);
    let eps = T::EPSILON.to_f64();
    for ((g, w), bd) in got.iter().zip(want.iter()).zip(bound.iter()) {
        // Each entry is a sum of k products, so its rounding error is below
        // about (k + 2) * eps times the sum of magnitudes, whatever the
        // summation order. The factor 2 is slack.
        let tol = 2.0 * (k as f64 + 2.0) * eps * bd + f64::MIN_POSITIVE;
        prop_assert!(
            (g.to_f64() - w).abs() <= tol,
            "got {g}, want {w}, tolerance {tol:e} (k = {k}, {ta:?}, {tb:?})"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn small_f64_matches_reference(case in gemm_case::<f64>(9)) {
        check_case(case)?;
    }

    #[test]
    fn small_f32_matches_reference(case in gemm_case::<f32>(9)) {
        check_case(case)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    // Up to 40^3 multiply-adds, far past NATIVE_GEMM_MAX_FLOPS; the small
    // cases above cover the native side.
    #[test]
    fn large_f64_matches_reference(case in gemm_case::<f64>(40)) {
        check_case(case)?;
    }

    #[test]
    fn large_f32_matches_reference(case in gemm_case::<f32>(40)) {
        check_case(case)?;
    }
}

#[test]
fn hand_example() {
    let a = Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]);
    let b = Matrix::from_column_slice(2, 1, &[5.0, 6.0]);
    assert_eq!(matmul(&a, &b).as_slice(), &[17.0, 39.0]);
}

#[test]
fn crossover_sides_agree() {
    // 2x2x2 is the last native size and 2x2x3 the first library one.
    assert_eq!(NATIVE_GEMM_MAX_FLOPS, 8);
    for n in [1, 2, 3, 4] {
        let a = Matrix::from_fn(n, n, |i, j| (i as f64 - 2.0 * j as f64) / 7.0);
        let b = Matrix::from_fn(n, n, |i, j| ((i * j) % 5) as f64 - 2.0);
        let got = matmul(&a, &b);
        let want = &a * &b;
        assert!((got - want).amax() < 1e-12, "n = {n}");
    }
}

/// With OpenBLAS, `A^T*B` with at most 16 rows, at least 2 columns and at
/// most 1024 elements in `A` copies `A^T` first. Both sides of each limit,
/// in both precisions, with and without a transposed `B`.
#[test]
fn transposed_left_copy_limits_match_reference() {
    let mut rng = ferroflux_linalg::rng(7);
    // (m, k, n): rows of op(A), inner dimension, columns.
    let shapes = [
        (4, 20, 10),
        (16, 20, 2),
        (17, 20, 2),
        (16, 20, 1),
        (16, 64, 3),
        (16, 65, 3),
        (1, 1024, 2),
        (1, 1025, 2),
    ];
    for (m, k, n) in shapes {
        for tb in [Transpose::No, Transpose::Yes] {
            let (br, bc) = if tb == Transpose::Yes { (n, k) } else { (k, n) };
            let a = ferroflux_linalg::randn_with::<f64, _>(&mut rng, k, m);
            let b = ferroflux_linalg::randn_with::<f64, _>(&mut rng, br, bc);
            let c = ferroflux_linalg::randn_with::<f64, _>(&mut rng, m, n);
            check_case((
                0.75,
                a.clone(),
                Transpose::Yes,
                b.clone(),
                tb,
                -0.5,
                c.clone(),
            ))
            .unwrap_or_else(|e| panic!("f64 {m}x{k}x{n}, {tb:?}: {e}"));
            let f = |x: &Matrix<f64>| x.map(|v| v as f32);
            check_case((0.75f32, f(&a), Transpose::Yes, f(&b), tb, -0.5, f(&c)))
                .unwrap_or_else(|e| panic!("f32 {m}x{k}x{n}, {tb:?}: {e}"));
        }
    }
}

#[test]
fn beta_zero_ignores_nan_in_c() {
    for n in [2, 20] {
        let a = Matrix::from_element(n, n, 1.0);
        let mut c = Matrix::from_element(n, n, f64::NAN);
        gemm(1.0, &a, Transpose::No, &a, Transpose::No, 0.0, &mut c);
        assert!(c.iter().all(|&x| x == n as f64), "n = {n}");
    }
}

#[test]
fn empty_inner_dimension_scales_c() {
    let a = Matrix::<f64>::zeros(3, 0);
    let b = Matrix::<f64>::zeros(0, 2);
    let mut c = Matrix::from_element(3, 2, 4.0);
    gemm(1.0, &a, Transpose::No, &b, Transpose::No, 0.5, &mut c);
    assert!(c.iter().all(|&x| x == 2.0));
    assert_eq!(matmul(&a, &b), Matrix::zeros(3, 2));
}

#[test]
#[should_panic(expected = "op(A) is 2x3")]
fn shape_mismatch_names_both_shapes() {
    let a = Matrix::<f64>::zeros(2, 3);
    let b = Matrix::<f64>::zeros(4, 5);
    let _ = matmul(&a, &b);
}
