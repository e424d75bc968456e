//! The thin SVD: reconstruction, orthonormality, ordering, Eckart-Young and
//! the error paths.
//!
//! Hand example: diag(3, 4) has singular values [4, 3].

use ferroflux_linalg::testing::matrix;
use ferroflux_linalg::{rank_k_svd, svd, LinalgError, Matrix};
use proptest::prelude::*;

fn frobenius(m: &Matrix<f64>) -> f64 {
    m.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn check_svd(a: &Matrix<f64>) -> Result<(), TestCaseError> {
    let s = svd(a).expect("finite input");
    let (m, n) = a.shape();
    let p = m.min(n);
    let scale = frobenius(a).max(1.0);
    let tol = 1e-12 * scale * (m.max(n) as f64);
    prop_assert_eq!(s.u.shape(), (m, p));
    prop_assert_eq!(s.vt.shape(), (p, n));
    prop_assert!(
        (s.reconstruct() - a).amax() <= tol,
        "reconstruction error too large"
    );
    let identity = Matrix::<f64>::identity(p, p);
    prop_assert!((s.u.transpose() * &s.u - &identity).amax() < 1e-12);
    prop_assert!((&s.vt * s.vt.transpose() - &identity).amax() < 1e-12);
    for pair in s.singular_values.windows(2) {
        prop_assert!(
            pair[0] >= pair[1],
            "not descending: {:?}",
            s.singular_values
        );
    }
    prop_assert!(s.singular_values.iter().all(|&x| x >= 0.0));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(80))]

    #[test]
    fn random_matrices_decompose((m, n) in (1usize..12, 1usize..12), seed in any::<u64>()) {
        let a = ferroflux_linalg::rand_with::<f64, _>(&mut ferroflux_linalg::rng(seed), m, n);
        check_svd(&a)?;
    }

    #[test]
    fn eckart_young_error(a in matrix::<f64>(9, 6, 5.0), k in 1usize..6) {
        // The best rank-k error in the Frobenius norm is the root sum of
        // squares of the dropped singular values.
        let full = svd(&a).unwrap();
        let r = rank_k_svd(&a, k).unwrap();
        let err = frobenius(&(&a - &r.approximation));
        let dropped: f64 = full.singular_values[k..].iter().map(|s| s * s).sum::<f64>().sqrt();
        prop_assert!((err - dropped).abs() <= 1e-10 * frobenius(&a).max(1.0), "{} vs {}", err, dropped);
    }
}

#[test]
fn hand_example() {
    let a = Matrix::<f64>::from_row_slice(2, 2, &[3.0, 0.0, 0.0, 4.0]);
    let s = svd(&a).unwrap();
    assert!((s.singular_values[0] - 4.0).abs() < 1e-15);
    assert!((s.singular_values[1] - 3.0).abs() < 1e-15);
}

#[test]
fn special_matrices() {
    let cases = [
        Matrix::from_element(5, 4, 1.0),
        Matrix::zeros(4, 3),
        Matrix::from_fn(30, 3, |i, j| (i as f64).sin() + j as f64),
        Matrix::from_fn(3, 30, |i, j| (j as f64).cos() * (i + 1) as f64),
        // Rank 2: the third column is the sum of the first two.
        Matrix::from_fn(6, 3, |i, j| match j {
            0 => i as f64,
            1 => (i * i) as f64,
            _ => (i + i * i) as f64,
        }),
    ];
    for a in &cases {
        check_svd(a).unwrap();
    }
    let ones = svd(&cases[0]).unwrap();
    assert!((ones.singular_values[0] - 20f64.sqrt()).abs() < 1e-12);
    assert!(ones.singular_values[1] < 1e-12);
}

#[test]
fn sign_convention_makes_largest_entry_of_u_positive() {
    let a = Matrix::from_fn(7, 4, |i, j| ((i * 3 + j * 5) % 7) as f64 - 3.0);
    let s = svd(&a).unwrap();
    for j in 0..4 {
        let col = s.u.column(j);
        let pivot = col
            .iter()
            .copied()
            .fold(0.0f64, |p, x| if x.abs() > p.abs() { x } else { p });
        assert!(pivot > 0.0, "column {j} has a negative largest entry");
    }
}

#[test]
fn rank_too_large_names_both_numbers() {
    let a = Matrix::from_element(5, 4, 1.0);
    let err = rank_k_svd(&a, 2).unwrap_err();
    assert!(matches!(
        err,
        LinalgError::RankTooLarge { k: 2, rank: 1, .. }
    ));
    let text = err.to_string();
    assert!(text.contains("k = 2") && text.contains("rank 1"), "{text}");
    assert_eq!(rank_k_svd(&a, 0).unwrap_err(), LinalgError::ZeroRank);
}

#[test]
fn non_finite_input_is_rejected_with_position() {
    let mut a = Matrix::from_element(3, 3, 1.0);
    a[(2, 1)] = f64::NAN;
    match svd(&a).unwrap_err() {
        LinalgError::NonFinite { row, col, .. } => assert_eq!((row, col), (2, 1)),
        other => panic!("unexpected error {other}"),
    }
    a[(2, 1)] = f64::INFINITY;
    assert!(svd(&a).unwrap_err().to_string().contains("inf"));
}

#[test]
fn empty_input_gives_empty_factors() {
    let s = svd(&Matrix::<f64>::zeros(0, 3)).unwrap();
    assert!(s.singular_values.is_empty());
    assert_eq!(s.vt.shape(), (0, 3));
}

#[test]
fn f32_decomposes() {
    let a = Matrix::<f32>::from_fn(6, 4, |i, j| {
        (i as f32 + 1.0) / (j as f32 + 1.0) + (i * j) as f32
    });
    let s = svd(&a).unwrap();
    assert!((s.reconstruct() - &a).amax() < 1e-4);
}
