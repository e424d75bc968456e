//! Column-wise softmax, log-softmax and log-sum-exp: normalisation,
//! shift invariance, bounds, agreement with the naive formula and the
//! extreme inputs where the naive formula fails.
//!
//! Hand example: logsumexp([0, 0]) = ln 2 and softmax([0, 0]) = [1/2, 1/2].

use ferroflux_linalg::testing::any_matrix;
use ferroflux_linalg::{
    log_softmax, log_softmax_in_place, log_softmax_into, logsumexp, softmax, softmax_in_place,
    softmax_into, Float, Matrix,
};
use proptest::prelude::*;

fn naive_softmax<T: Float>(x: &Matrix<T>) -> Matrix<f64> {
    let mut out = x.map(|v| v.to_f64().exp());
    for mut col in out.column_iter_mut() {
        let s: f64 = col.iter().sum();
        col.iter_mut().for_each(|v| *v /= s);
    }
    out
}

fn check_properties<T: Float>(x: &Matrix<T>) -> Result<(), TestCaseError> {
    let eps = T::EPSILON.to_f64();
    let rows = x.nrows() as f64;
    let s = softmax(x);
    let ls = log_softmax(x);
    let lse = logsumexp(x);
    let naive = naive_softmax(x);
    for j in 0..x.ncols() {
        let col_sum: f64 = s.column(j).iter().map(|v| v.to_f64()).sum();
        prop_assert!(
            (col_sum - 1.0).abs() <= 4.0 * rows * eps,
            "column {} sums to {}",
            j,
            col_sum
        );
        let max = x
            .column(j)
            .iter()
            .fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
        let l = lse[j].to_f64();
        prop_assert!(
            l >= max - 4.0 * eps * max.abs()
                && l <= max + rows.ln() + 4.0 * eps * (max.abs() + 1.0)
        );
        for i in 0..x.nrows() {
            // |x| <= 10 here, so the naive formula is accurate in f64. The
            // kernel's relative error grows with |x - max| <= 20 (rounding of
            // the shifted exponent) and with the column length (the sum).
            let got = s[(i, j)].to_f64();
            let tol = (24.0 + 2.0 * rows) * eps * naive[(i, j)] + f64::MIN_POSITIVE;
            prop_assert!(
                (got - naive[(i, j)]).abs() <= tol,
                "softmax {} vs naive {}",
                got,
                naive[(i, j)]
            );
            prop_assert!(
                (ls[(i, j)].to_f64() - naive[(i, j)].ln()).abs()
                    <= 64.0 * eps * (1.0 + naive[(i, j)].ln().abs())
            );
        }
    }
    // Adding a constant per column changes nothing.
    let shifted = Matrix::from_fn(x.nrows(), x.ncols(), |i, j| {
        x[(i, j)] + T::cast(j as f64 * 3.5 - 7.0)
    });
    let s2 = softmax(&shifted);
    for (a, b) in s.iter().zip(s2.iter()) {
        prop_assert!((a.to_f64() - b.to_f64()).abs() <= 64.0 * eps);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn properties_f64(x in any_matrix::<f64>(1..=40, 1..=6)) {
        check_properties(&x)?;
    }

    #[test]
    fn properties_f32(x in any_matrix::<f32>(1..=40, 1..=6)) {
        check_properties(&x)?;
    }

    #[test]
    fn huge_logits_stay_finite(x in any_matrix::<f64>(1..=20, 1..=4), offset in 700.0f64..1e300) {
        // exp overflows for these inputs, the stable kernels do not.
        let big = x.map(|v| v + offset);
        let s = softmax(&big);
        prop_assert!(s.iter().all(|v| v.is_finite()));
        let l = logsumexp(&big);
        prop_assert!(l.iter().all(|v| v.is_finite()));
        prop_assert!(log_softmax(&big).iter().all(|v| v.is_finite()));
    }
}

#[test]
fn hand_example() {
    let x = Matrix::<f64>::zeros(2, 1);
    assert_eq!(softmax(&x).as_slice(), &[0.5, 0.5]);
    assert!((logsumexp(&x)[0] - 2f64.ln()).abs() < 1e-16);
}

#[test]
fn underflowing_probability_keeps_finite_log() {
    let x = Matrix::from_column_slice(2, 1, &[0.0, -1000.0]);
    let ls = log_softmax(&x);
    assert_eq!(ls[0], 0.0);
    assert_eq!(ls[1], -1000.0);
    assert_eq!(softmax(&x)[1], 0.0);
}

#[test]
fn negative_infinity_entries() {
    let inf = f64::INFINITY;
    let x = Matrix::from_column_slice(3, 1, &[-inf, 0.0, 0.0]);
    let s = softmax(&x);
    assert_eq!(s.as_slice(), &[0.0, 0.5, 0.5]);
    let ls = log_softmax(&x);
    assert_eq!(ls[0], -inf);
    assert!((ls[1] + 2f64.ln()).abs() < 1e-16);
    let all = Matrix::from_element(2, 1, -inf);
    assert_eq!(logsumexp(&all)[0], -inf);
    assert!(softmax(&all).iter().all(|v| v.is_nan()));
}

#[test]
fn nan_propagates_to_its_column_only() {
    let x = Matrix::from_column_slice(2, 2, &[f64::NAN, 1.0, 1.0, 1.0]);
    let s = softmax(&x);
    assert!(s.column(0).iter().all(|v| v.is_nan()));
    assert_eq!(s.column(1).as_slice(), &[0.5, 0.5]);
    assert!(logsumexp(&x)[0].is_nan());
}

#[test]
fn in_place_matches_allocating() {
    let x = Matrix::<f32>::from_fn(7, 3, |i, j| (i as f32 - j as f32) * 2.5);
    let mut y = x.clone();
    softmax_in_place(&mut y);
    assert_eq!(y, softmax(&x));
}

#[test]
fn empty_matrices() {
    let x = Matrix::<f64>::zeros(0, 3);
    assert_eq!(logsumexp(&x).as_slice(), &[f64::NEG_INFINITY; 3]);
    assert_eq!(softmax(&x).shape(), (0, 3));
    assert_eq!(softmax(&Matrix::<f64>::zeros(3, 0)).shape(), (3, 0));
}

/// Short columns are exponentiated a group at a time; every column must
/// still get the same bits as when it is computed alone. Column counts that
/// do not fill the last group, rows on both sides of the grouping limit, and
/// columns with infinities and NaN (which leave the grouped path) included.
#[test]
fn grouped_short_columns_match_one_column_at_a_time() {
    for rows in [1, 2, 3, 4, 10, 63, 64, 65, 300] {
        let cols = 700 / rows + 5;
        let mut x = Matrix::<f64>::from_fn(rows, cols, |i, j| {
            ((i * 31 + j * 17) % 101) as f64 * 0.37 - 15.0
        });
        x[(0, 2)] = f64::INFINITY;
        x[(rows - 1, 3)] = f64::NEG_INFINITY;
        x[(rows / 2, cols - 1)] = f64::NAN;
        if rows > 1 {
            x[(1, 4)] = 800.0;
        }
        let alone = |f: fn(&Matrix<f64>) -> Matrix<f64>, out_rows: usize| {
            let mut out = Matrix::zeros(out_rows, cols);
            for j in 0..cols {
                let column = f(&x.columns(j, 1).into_owned());
                out.column_mut(j).copy_from(&column.column(0));
            }
            out
        };
        let same_bits = |a: &Matrix<f64>, b: &Matrix<f64>, what: &str| {
            assert_eq!(a.shape(), b.shape(), "{what}");
            for (k, (p, q)) in a.iter().zip(b.iter()).enumerate() {
                assert_eq!(
                    p.to_bits(),
                    q.to_bits(),
                    "{what}, {rows} rows: element {k}: {p} vs {q}"
                );
            }
        };
        let expected = alone(softmax, rows);
        same_bits(&softmax(&x), &expected, "softmax");
        let mut y = x.clone();
        softmax_in_place(&mut y);
        same_bits(&y, &expected, "softmax_in_place");
        let mut y = Matrix::zeros(rows, cols);
        softmax_into(&x, &mut y);
        same_bits(&y, &expected, "softmax_into");

        let expected = alone(log_softmax, rows);
        same_bits(&log_softmax(&x), &expected, "log_softmax");
        let mut y = x.clone();
        log_softmax_in_place(&mut y);
        same_bits(&y, &expected, "log_softmax_in_place");
        let mut y = Matrix::zeros(rows, cols);
        log_softmax_into(&x, &mut y);
        same_bits(&y, &expected, "log_softmax_into");

        same_bits(&logsumexp(&x), &alone(logsumexp, 1), "logsumexp");
    }
}
