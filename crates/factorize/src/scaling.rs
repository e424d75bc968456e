//! Per-series scaling before a fit, and input validation.

use ferroflux_linalg::Matrix;

use crate::FactorizeError;

/// How each series (column) is divided before fitting, so that series of
/// very different size count alike. Series are never centred: subtracting
/// the mean would change which series are mixtures of which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Scaling {
    /// Fit the data as given.
    #[default]
    None,
    /// Divide each series by the absolute value of its mean.
    Mean,
    /// Divide each series by its standard deviation (population, `1/T`).
    StdDev,
}

/// Relative size below which a mean or deviation counts as zero.
const DEGENERATE: f64 = 1e-12;

/// Returns the factor of each column for `scaling`, or `None` for
/// [`Scaling::None`].
pub(crate) fn scale_factors(
    a: &Matrix<f64>,
    scaling: Scaling,
) -> Result<Option<Vec<f64>>, FactorizeError> {
    if scaling == Scaling::None {
        return Ok(None);
    }
    let rows = a.nrows() as f64;
    let mut factors = Vec::with_capacity(a.ncols());
    for (j, column) in a.column_iter().enumerate() {
        let size = column.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        // Sums of values near f64::MAX, or of their squares, overflow. The
        // squares of values near f64::MIN_POSITIVE underflow to 0. Such
        // columns are measured in units of their largest value instead.
        let unit = magnitude_unit(size);
        let mean = if unit == 1.0 {
            column.sum() / rows
        } else {
            column.iter().map(|x| x / unit).sum::<f64>() / rows
        };
        let (factor, statistic, alternative) = match scaling {
            Scaling::Mean => (unit * mean.abs(), "mean", "StdDev"),
            Scaling::StdDev => {
                let deviation = |x: &f64| x / unit - mean;
                let variance = column
                    .iter()
                    .map(|x| deviation(x) * deviation(x))
                    .sum::<f64>()
                    / rows;
                (unit * variance.sqrt(), "standard deviation", "Mean")
            }
            Scaling::None => unreachable!("handled above"),
        };
        if size == 0.0 {
            return Err(FactorizeError::ZeroSeries {
                series: j,
                statistic,
            });
        }
        if factor <= DEGENERATE * size {
            return Err(FactorizeError::Scaling {
                series: j,
                statistic,
                value: factor,
                alternative,
            });
        }
        factors.push(factor);
    }
    Ok(Some(factors))
}

/// Divides each column of `a` by its factor.
pub(crate) fn apply_scale(a: &Matrix<f64>, factors: &[f64]) -> Matrix<f64> {
    let mut out = a.clone();
    for (mut column, &f) in out.column_iter_mut().zip(factors) {
        column /= f;
    }
    out
}

/// Checks the data matrix: not empty, finite, not all zero.
pub(crate) fn validate_data(a: &Matrix<f64>) -> Result<(), FactorizeError> {
    let (rows, cols) = a.shape();
    if rows == 0 || cols == 0 {
        return Err(FactorizeError::EmptyMatrix { rows, cols });
    }
    // Column-major order, so the first bad entry reported is the first in
    // its column; scan rows first to report the earliest row instead.
    for i in 0..rows {
        for j in 0..cols {
            let value = a[(i, j)];
            if !value.is_finite() {
                return Err(FactorizeError::NonFinite {
                    row: i,
                    col: j,
                    value,
                });
            }
        }
    }
    if a.iter().all(|&x| x == 0.0) {
        return Err(FactorizeError::AllZero { rows, cols });
    }
    Ok(())
}

/// Values above this size are measured in units of the largest one, since
/// the sum of their squares may overflow.
pub(crate) const HUGE: f64 = 1e150;

/// Values below this size are measured in units of the largest one, since
/// their squares underflow towards 0.
pub(crate) const TINY: f64 = 1e-150;

/// Returns the unit to divide values of largest size `largest` by before
/// squaring them. It is 1 within `[TINY, HUGE]`, where sums of squares
/// neither overflow nor underflow. Outside, it is the power of two nearest
/// to `largest`, so the division is exact and keeps every digit.
pub(crate) fn magnitude_unit(largest: f64) -> f64 {
    if !largest.is_finite() || largest == 0.0 || (TINY..=HUGE).contains(&largest) {
        return 1.0;
    }
    // Clamped to the exponents of normal numbers, so the unit is finite and
    // not 0 for subnormal or near-overflow sizes.
    let exponent = (largest.log2().round() as i64).clamp(-1022, 1023);
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// The root mean square of the entries of `a`, without overflow or
/// underflow for entries anywhere in the finite range of f64.
pub(crate) fn rms(a: &Matrix<f64>) -> f64 {
    let unit = magnitude_unit(a.amax());
    if unit == 1.0 {
        return (a.norm_squared() / a.len() as f64).sqrt();
    }
    let squares: f64 = a.iter().map(|x| (x / unit) * (x / unit)).sum();
    unit * (squares / a.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magnitude_unit_is_exact_power_of_two() {
        assert_eq!(magnitude_unit(1.0), 1.0);
        assert_eq!(magnitude_unit(1e100), 1.0);
        assert_eq!(magnitude_unit(1e-100), 1.0);
        for largest in [1e-200, 1e-310, 5e-324, 1e200, f64::MAX] {
            let unit = magnitude_unit(largest);
            assert!(unit.is_normal(), "{largest:e}: {unit:e}");
            assert_eq!(unit.to_bits() & ((1 << 52) - 1), 0, "{largest:e}");
            let ratio = largest / unit;
            assert!(ratio > 1e-20, "{largest:e}: {ratio:e}");
            assert!(ratio < 2.0, "{largest:e}: {ratio:e}");
        }
    }

    #[test]
    fn rms_keeps_scale_at_both_ends() {
        let a = Matrix::from_column_slice(2, 2, &[3.0, 4.0, 0.0, 0.0]);
        for scale in [1e-300, 1e-170, 1.0, 1e170, 1e300] {
            let expected = 2.5 * scale;
            let found = rms(&(&a * scale));
            assert!(
                (found - expected).abs() <= 1e-15 * expected,
                "{scale:e}: {found:e}"
            );
        }
    }
}
